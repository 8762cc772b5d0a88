/*
 * Xlate tests: ICMP echo replies, ARP replies, full checksum recomputation.
 * Fixtures in test_xlate.c.
 */
#include "test_xlate.h"
#include "unit.h"

/* ---- ICMP echo reply ---- */

static void
check_echo_reply(const struct pb_spec *req)
{
	uint8_t expect[PB_MAX_FRAME];
	struct pkt_meta m, mx;
	struct pb_spec rep = *req;
	uint32_t len;
	uint8_t *blk;

	blk = build(req, 1, &len, &m);
	CU_ASSERT_EQUAL(xlate_icmp_echo_reply(blk + 1, &m), 0);
	memcpy(rep.dst_mac, req->src_mac, 6);
	memcpy(rep.src_mac, req->dst_mac, 6);
	rep.src_ip = req->dst_ip;
	rep.dst_ip = req->src_ip;
	rep.ttl = 64;
	rep.icmp_type = 0;
	rep.icmp_code = 0;
	CU_ASSERT_EQUAL(pb_ipv4(expect, &rep), len);
	CU_ASSERT_EQUAL(memcmp(expect, blk + 1, len), 0);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	CU_ASSERT_EQUAL(pkt_parse(blk + 1, len, PKT_PARSE_VERIFY_IP_CSUM, &mx), PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(memcmp(&mx, &m, sizeof(m)), 0);
	free(blk);
}

void
test_echo_reply(void)
{
	struct pb_spec s;
	uint32_t n;

	pb_default(&s, 1);
	check_echo_reply(&s);
	s.ttl = 1;
	s.payload_len = 0;
	check_echo_reply(&s);
	s.vlan = 1;
	s.vlan_tci = 42;
	s.ip_opt_len = 8;
	s.ttl = 255;
	s.payload_len = 1471;
	check_echo_reply(&s);
	s.icmp_code = 9;              /* nonzero code still gets code 0 */
	s.eth_pad = 3;
	check_echo_reply(&s);
	for (n = 0; n < 64; n++) {
		pb_default(&s, 1);
		s.icmp_id = (uint16_t)(n * 1021);
		s.icmp_seq = (uint16_t)(n * 7);
		s.payload_len = (uint16_t)n;
		s.ttl = (uint8_t)(n * 5);
		check_echo_reply(&s);
	}
}

/*
 * The one place eqn. 3 alone is wrong: a reply whose every byte is zero
 * (identifier 0, sequence 0, no payload) must carry 0xffff, as a receiver
 * summing the message (Linux does) rejects 0x0000. A reply whose bytes sum
 * to 0xffff instead must keep 0x0000.
 */
void
test_echo_reply_all_zero(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, seq;
	uint8_t *blk;

	pb_default(&s, 1);
	s.icmp_id = 0;
	s.icmp_seq = 0;
	s.payload_len = 0;
	blk = build(&s, 1, &len, &m);
	CU_ASSERT_EQUAL(xlate_icmp_echo_reply(blk + 1, &m), 0);
	CU_ASSERT_EQUAL(get16(blk + 1 + 34 + 2), 0xffff);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	free(blk);

	/* Sequence 0xffff: the bytes sum to 0xffff, so 0x0000 is right. */
	for (seq = 0xffff; seq >= 0xfffe; seq--) {
		s.icmp_seq = (uint16_t)seq;
		blk = build(&s, 0, &len, &m);
		CU_ASSERT_EQUAL(xlate_icmp_echo_reply(blk, &m), 0);
		CU_ASSERT_EQUAL(get16(blk + 34 + 2), (uint16_t)~seq);
		CU_ASSERT(pb_csums_ok(blk, len));
		free(blk);
	}
}

void
test_echo_reply_refused(void)
{
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, i;
	uint8_t *blk;

	for (i = 0; i < 4; i++) {
		pb_default(&s, i < 3 ? 1 : 6);
		s.icmp_type = i == 0 ? 0 : i == 1 ? 3 : 13;
		blk = build(&s, 0, &len, &m);
		memcpy(before, blk, len);
		CU_ASSERT_EQUAL(xlate_icmp_echo_reply(blk, &m), -1);
		CU_ASSERT_EQUAL(memcmp(before, blk, len), 0);
		free(blk);
	}
}

/* ---- ARP reply ---- */

static void
check_arp_reply(const struct pb_arp_spec *req)
{
	uint8_t buf[PB_MAX_FRAME], expect[PB_MAX_FRAME];
	struct pb_arp_spec rep = *req;
	struct pkt_meta m;
	uint32_t len;

	len = pb_arp(buf, req);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(buf, len, 0, &m), PKT_KIND_ARP);
	CU_ASSERT_EQUAL(xlate_arp_reply(buf, &m, our_mac), 0);
	memcpy(rep.dst_mac, req->sha, 6);
	memcpy(rep.src_mac, our_mac, 6);
	rep.op = 2;
	memcpy(rep.sha, our_mac, 6);
	rep.spa = req->tpa;
	memcpy(rep.tha, req->sha, 6);
	rep.tpa = req->spa;
	CU_ASSERT_EQUAL(pb_arp(expect, &rep), len);
	CU_ASSERT_EQUAL(memcmp(expect, buf, len), 0);
	CU_ASSERT_EQUAL(pkt_parse(buf, len, 0, &m), PKT_KIND_ARP);
	CU_ASSERT_EQUAL(m.arp_op, 2);
	CU_ASSERT_EQUAL(m.src_ip, htonl(req->tpa));
	CU_ASSERT_EQUAL(m.dst_ip, htonl(req->spa));
}

void
test_arp_reply(void)
{
	struct pb_arp_spec a;

	pb_arp_default(&a);
	check_arp_reply(&a);
	a.eth_pad = 18;               /* padding left alone */
	memset(a.tha, 0x77, 6);       /* whatever the requester put there */
	check_arp_reply(&a);
	a.vlan = 1;
	a.vlan_tci = 0x2005;
	check_arp_reply(&a);
	/* Ethernet source differs from the ARP sender: answer the sender. */
	memset(a.src_mac, 0x0e, 6);
	check_arp_reply(&a);
}

void
test_arp_reply_refused(void)
{
	uint8_t buf[PB_MAX_FRAME], before[PB_MAX_FRAME];
	struct pb_arp_spec a;
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;

	pb_arp_default(&a);
	a.op = 2;
	len = pb_arp(buf, &a);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(buf, len, 0, &m), PKT_KIND_ARP);
	memcpy(before, buf, len);
	CU_ASSERT_EQUAL(xlate_arp_reply(buf, &m, our_mac), -1);
	CU_ASSERT_EQUAL(memcmp(before, buf, len), 0);

	a.op = 0x0101;                /* low byte 1, but not a request */
	len = pb_arp(buf, &a);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(buf, len, 0, &m), PKT_KIND_ARP);
	CU_ASSERT_EQUAL(xlate_arp_reply(buf, &m, our_mac), -1);

	pb_default(&s, 6);
	len = pb_ipv4(buf, &s);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(buf, len, 0, &m), PKT_KIND_IPV4);
	memcpy(before, buf, len);
	CU_ASSERT_EQUAL(xlate_arp_reply(buf, &m, our_mac), -1);
	CU_ASSERT_EQUAL(memcmp(before, buf, len), 0);
}

/* ---- full recomputation ---- */

void
test_csum_full(void)
{
	uint8_t expect[PB_MAX_FRAME];
	uint64_t rng = 0xf011;
	uint32_t round, len, bad = 0;
	struct pkt_meta m;
	struct pb_spec s;
	uint8_t *blk, *f;

	for (round = 0; round < 5000; round++) {
		random_spec(&rng, &s);
		blk = build(&s, round % 4, &len, &m);
		f = blk + round % 4;
		/* Scribble on every checksum, then recompute. */
		put16(f + m.l2_len + 10, (uint16_t)pb_rand(&rng));
		put16(f + m.l2_len + m.l3_len + (s.proto == 6 ? 16 : s.proto == 17 ? 6 : 2),
		      (uint16_t)pb_rand(&rng));
		xlate_csum_full(f, &m);
		s.udp_no_csum = 0;    /* full always computes a real one */
		pb_ipv4(expect, &s);
		if (memcmp(expect, f, len) || !pb_csums_ok(f, len))
			bad++;
		free(blk);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* A UDP datagram whose sum is zero gets 0xffff, not "no checksum". */
void
test_csum_full_udp_zero(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, id;
	uint8_t *blk = NULL;

	pb_default(&s, 17);
	for (id = 1; id < 0x10000; id++) {
		s.src_port = (uint16_t)id;
		blk = build(&s, 0, &len, &m);
		if (get16(blk + 34 + 6) == 0xffff)
			break;
		free(blk);
	}
	CU_ASSERT_FATAL(id < 0x10000);
	put16(blk + 34 + 6, 0x1234);
	xlate_csum_full(blk, &m);
	CU_ASSERT_EQUAL(get16(blk + 34 + 6), 0xffff);
	put16(blk + 34 + 6, 0);
	xlate_csum_full(blk, &m);
	CU_ASSERT_EQUAL(get16(blk + 34 + 6), 0xffff);
	free(blk);
}

/* UDP length shorter than the IP payload: the checksum covers UDP's length. */
void
test_csum_full_udp_short(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 17);
	s.payload_len = 30;
	blk = build(&s, 1, &len, &m);
	put16(blk + 1 + 34 + 4, 8 + 11);
	CU_ASSERT_EQUAL(pkt_parse(blk + 1, len, 0, &m), PKT_KIND_IPV4);
	xlate_csum_full(blk + 1, &m);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	/* And incremental updates keep it valid. */
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, htonl(0x01010101), m.dst_ip, htons(9),
				   m.dst_port, 1), 0);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	free(blk);
}
