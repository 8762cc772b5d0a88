/*
 * Suite "xlate": header rewrites and incremental checksums.
 *
 * The oracle is the test builder: rewriting a frame built from spec A must
 * give byte for byte the frame the builder makes from spec B (A with the new
 * addresses, ports, TTL), whose checksums come from the builder's own slow
 * code. Each rewritten frame is also checked against xlate_csum_full(), and
 * frames sit at odd and even offsets so UBSan sees unaligned access.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "dataplane/xlate.h"
#include "test/lib/pktbuild.h"
#include "unit.h"

#define NAT_ROUNDS 30000
#define WORD_ROUNDS 200000

static const uint8_t our_mac[6] = { 0x02, 0x5c, 0x00, 0x00, 0x00, 0xaa };

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of two host-order words (end-around carry). */
static uint16_t
oc_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Reference checksum of n host-order words. */
static uint16_t
words_csum(const uint16_t *w, unsigned int n)
{
	uint16_t s = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		s = oc_add(s, w[i]);
	return (uint16_t)~s;
}

static uint16_t
bswap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* Build s into a fresh block at offset `align` and parse it (must succeed). */
static uint8_t *
build(const struct pb_spec *s, unsigned int align, uint32_t *len, struct pkt_meta *m)
{
	uint8_t tmp[PB_MAX_FRAME];
	uint8_t *blk;

	*len = pb_ipv4(tmp, s);
	blk = malloc(*len + align);
	if (blk == NULL)
		abort();
	memcpy(blk + align, tmp, *len);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(blk + align, *len, PKT_PARSE_VERIFY_IP_CSUM, m),
			      PKT_KIND_IPV4);
	return blk;
}

/* ---- checksum arithmetic ---- */

static void
test_rfc1624_example(void)
{
	/* RFC 1624 section 4: eqn. 3 gives 0x0000 where eqn. 2 gives 0xffff. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update16(bswap16(0xdd2f), bswap16(0x5555),
					    bswap16(0x3285)), 0x0000);
	/* And back: the same change undone restores the original. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
	/* Unchanged words leave any reachable checksum as it is. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x0000, 0x1234, 0x1234), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update16(0xfffe, 0xffff, 0xffff), 0xfffe);
	CU_ASSERT_EQUAL(xlate_csum_update16(0x1234, 0x0000, 0x0000), 0x1234);
	/* 0x0000 and 0xffff are the same one's complement number. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x1234, 0xffff, 0x0000), 0x1234);
	CU_ASSERT_EQUAL(xlate_csum_update32(0x1234, 0xffffffff, 0x00000000), 0x1234);
	CU_ASSERT_EQUAL(xlate_csum_update32(0xdd2f, 0x00005555, 0x00003285), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update32(0xdd2f, 0x55550000, 0x32850000), 0x0000);
}

static void
test_update_matches_full(void)
{
	uint64_t rng = 0xc0ffee;
	uint32_t round, bad16 = 0, bad32 = 0, bad_swap = 0, zeros = 0;
	uint16_t w[12];
	unsigned int i;

	for (round = 0; round < WORD_ROUNDS; round++) {
		uint64_t r = pb_rand(&rng);
		unsigned int k = (unsigned int)(r % 9);
		uint16_t c, nw, c2;
		uint32_t old32, new32;

		for (i = 0; i < 10; i++)
			w[i] = (uint16_t)pb_rand(&rng);
		w[10] = 0x4500; /* never all zero, as in a real header */
		c = words_csum(w, 11);
		switch ((r >> 8) % 4) {
		case 0:
			nw = 0x0000;
			break;
		case 1:
			nw = 0xffff;
			break;
		case 2:
			/* The value that makes the new checksum exactly 0x0000. */
			nw = oc_add(c, w[k]);
			break;
		default:
			nw = (uint16_t)(r >> 16);
			break;
		}
		c2 = xlate_csum_update16(c, w[k], nw);
		/* Same arithmetic on swapped words: byte order does not matter. */
		if (xlate_csum_update16(bswap16(c), bswap16(w[k]), bswap16(nw)) != bswap16(c2))
			bad_swap++;
		w[k] = nw;
		if (c2 != words_csum(w, 11))
			bad16++;
		zeros += c2 == 0;

		/* A 32-bit field: words k and k + 1. */
		c = words_csum(w, 11);
		old32 = (uint32_t)w[k] << 16 | w[k + 1];
		new32 = (uint32_t)(r >> 32);
		if ((r >> 10) % 4 == 0)
			new32 = (uint32_t)oc_add(c, w[k]) << 16 | w[k + 1];
		w[k] = (uint16_t)(new32 >> 16);
		w[k + 1] = (uint16_t)new32;
		if (xlate_csum_update32(c, old32, new32) != words_csum(w, 11))
			bad32++;
	}
	CU_ASSERT_EQUAL(bad16, 0);
	CU_ASSERT_EQUAL(bad32, 0);
	CU_ASSERT_EQUAL(bad_swap, 0);
	CU_ASSERT(zeros > WORD_ROUNDS / 8);
}

/* ---- xlate_l3l4 ---- */

static uint32_t
rand_ip(uint64_t *rng, uint32_t old)
{
	uint64_t r = pb_rand(rng);

	switch (r % 8) {
	case 0:
	case 1:
		return old;
	case 2:
		return 0;
	case 3:
		return 0xffffffff;
	default:
		return (uint32_t)(r >> 32);
	}
}

static uint16_t
rand_port(uint64_t *rng, uint16_t old)
{
	uint64_t r = pb_rand(rng);

	switch (r % 8) {
	case 0:
	case 1:
		return old;
	case 2:
		return 0;
	case 3:
		return 0xffff;
	default:
		return (uint16_t)(r >> 32);
	}
}

static void
random_spec(uint64_t *rng, struct pb_spec *s)
{
	static const uint8_t protos[] = { 6, 6, 17, 17, 1 };
	uint64_t r = pb_rand(rng);

	pb_default(s, protos[r % 5]);
	s->vlan = (r >> 3) & 1;
	s->vlan_tci = (uint16_t)(r >> 4);
	s->ip_opt_len = (uint8_t)((r >> 20) % 11 * 4);
	s->tcp_opt_len = (uint8_t)((r >> 24) % 11 * 4);
	s->payload_len = (uint16_t)((r >> 28) % 600);
	s->payload_seed = (uint32_t)(r >> 40);
	s->udp_no_csum = (r >> 38) % 4 == 0;
	s->icmp_type = (r >> 60) & 1 ? 8 : 0;
	r = pb_rand(rng);
	s->ttl = (uint8_t)(r % 6 == 0 ? (r >> 8) % 3 : r >> 8);
	s->src_ip = (uint32_t)(r >> 16);
	s->dst_ip = (uint32_t)pb_rand(rng);
	r = pb_rand(rng);
	s->src_port = (uint16_t)r;
	s->dst_port = (uint16_t)(r >> 16);
	s->ip_id = (uint16_t)(r >> 32);
	s->tos = (uint8_t)(r >> 48);
	s->eth_pad = (r >> 56) % 4 == 0 ? (uint16_t)((r >> 58) % 20) : 0;
}

static void
test_nat_random(void)
{
	uint64_t rng = 0x1624;
	uint32_t round, bad_bytes = 0, bad_full = 0, bad_meta = 0, bad_refuse = 0;
	uint32_t refused = 0, udp_none = 0, done = 0;

	for (round = 0; round < NAT_ROUNDS; round++) {
		uint8_t expect[PB_MAX_FRAME], full[PB_MAX_FRAME];
		struct pkt_meta m, m0, mx;
		struct pb_spec s, t;
		unsigned int align = round % 4;
		uint32_t len, xlen, sip, dip;
		uint16_t sp, dp;
		uint8_t *blk, *f;
		int dec, ret;

		random_spec(&rng, &s);
		blk = build(&s, align, &len, &m);
		f = blk + align;
		m0 = m;
		sip = rand_ip(&rng, s.src_ip);
		dip = rand_ip(&rng, s.dst_ip);
		sp = rand_port(&rng, s.src_port);
		dp = rand_port(&rng, s.dst_port);
		dec = (int)(pb_rand(&rng) & 1);
		ret = xlate_l3l4(f, &m, htonl(sip), htonl(dip), htons(sp), htons(dp), dec);

		t = s;
		if (dec && s.ttl <= 1) {
			refused++;
			pb_ipv4(expect, &s);
			if (ret != -1 || memcmp(f, expect, len) || memcmp(&m, &m0, sizeof(m)))
				bad_refuse++;
			free(blk);
			continue;
		}
		done++;
		udp_none += s.proto == 17 && s.udp_no_csum;
		t.src_ip = sip;
		t.dst_ip = dip;
		if (s.proto != 1) {
			t.src_port = sp;
			t.dst_port = dp;
		}
		t.ttl = (uint8_t)(s.ttl - (dec ? 1 : 0));
		xlen = pb_ipv4(expect, &t);
		if (ret != 0 || xlen != len || memcmp(f, expect, len))
			bad_bytes++;
		/* Incremental equals recomputed, except "no UDP checksum". */
		memcpy(full, f, len);
		xlate_csum_full(full, &m);
		if (!(s.proto == 17 && s.udp_no_csum) && memcmp(full, f, len))
			bad_full++;
		if (pkt_parse(f, len, PKT_PARSE_VERIFY_IP_CSUM, &mx) != PKT_KIND_IPV4 ||
		    memcmp(&mx, &m, sizeof(m)))
			bad_meta++;
		free(blk);
	}
	CU_ASSERT_EQUAL(bad_bytes, 0);
	CU_ASSERT_EQUAL(bad_full, 0);
	CU_ASSERT_EQUAL(bad_meta, 0);
	CU_ASSERT_EQUAL(bad_refuse, 0);
	CU_ASSERT(refused > 100);
	CU_ASSERT(udp_none > 100);
	CU_ASSERT(done > NAT_ROUNDS / 2);
}

static void
test_ttl_refused(void)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m, m0;
	struct pb_spec s;
	uint32_t len, i;
	uint8_t *blk;

	for (i = 0; i < sizeof(protos); i++) {
		pb_default(&s, protos[i]);
		s.ttl = 1;
		blk = build(&s, 1, &len, &m);
		memcpy(before, blk + 1, len);
		m0 = m;
		CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, 1, 2, 3, 4, 1), -1);
		CU_ASSERT_EQUAL(memcmp(before, blk + 1, len), 0);
		CU_ASSERT_EQUAL(memcmp(&m, &m0, sizeof(m)), 0);
		blk[1 + 14 + 8] = 0;
		m.ttl = 0;
		memcpy(before, blk + 1, len);
		CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, 1, 2, 3, 4, 1), -1);
		CU_ASSERT_EQUAL(memcmp(before, blk + 1, len), 0);
		free(blk);

		/* Without a decrement TTL 1 is forwarded as is. */
		blk = build(&s, 0, &len, &m);
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, m.src_ip, m.dst_ip, m.src_port,
					   m.dst_port, 0), 0);
		CU_ASSERT_EQUAL(blk[14 + 8], 1);
		CU_ASSERT(pb_csums_ok(blk, len));
		free(blk);

		/* TTL 2 decrements to 1. */
		s.ttl = 2;
		blk = build(&s, 0, &len, &m);
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, m.src_ip, m.dst_ip, m.src_port,
					   m.dst_port, 1), 0);
		CU_ASSERT_EQUAL(blk[14 + 8], 1);
		CU_ASSERT_EQUAL(m.ttl, 1);
		CU_ASSERT(pb_csums_ok(blk, len));
		free(blk);
	}
}

static void
test_nothing_changes(void)
{
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 6);
	blk = build(&s, 2, &len, &m);
	memcpy(before, blk + 2, len);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 2, &m, m.src_ip, m.dst_ip, m.src_port,
				   m.dst_port, 0), 0);
	CU_ASSERT_EQUAL(memcmp(before, blk + 2, len), 0);
	free(blk);
}

/* FULLNAT-style rewrite of a fixed packet: every field lands where it should. */
static void
test_fullnat_fields(void)
{
	static const uint8_t protos[] = { 6, 17 };
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, i;
	uint8_t *blk, *f, *ip, *l4;

	for (i = 0; i < sizeof(protos); i++) {
		pb_default(&s, protos[i]);
		s.vlan = 1;
		s.ip_opt_len = 4;
		s.payload_len = 101;
		blk = build(&s, 3, &len, &m);
		f = blk + 3;
		ip = f + 18;
		l4 = ip + 24;
		CU_ASSERT_EQUAL(xlate_l3l4(f, &m, htonl(0x0a010203), htonl(0xac100005),
					   htons(1025), htons(8080), 1), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 12, "\x0a\x01\x02\x03\xac\x10\x00\x05", 8), 0);
		CU_ASSERT_EQUAL(get16(l4), 1025);
		CU_ASSERT_EQUAL(get16(l4 + 2), 8080);
		CU_ASSERT_EQUAL(ip[8], 63);
		CU_ASSERT_EQUAL(m.src_ip, htonl(0x0a010203));
		CU_ASSERT_EQUAL(m.dst_ip, htonl(0xac100005));
		CU_ASSERT_EQUAL(m.src_port, htons(1025));
		CU_ASSERT_EQUAL(m.dst_port, htons(8080));
		CU_ASSERT_EQUAL(m.ttl, 63);
		CU_ASSERT(pb_csums_ok(f, len));
		free(blk);
	}
}

static void
test_udp_zero_csum(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 17);
	s.udp_no_csum = 1;
	s.payload_len = 33;
	blk = build(&s, 1, &len, &m);
	CU_ASSERT_EQUAL(get16(blk + 1 + 34 + 6), 0);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, htonl(0x01020304), htonl(0x05060708),
				   htons(1), htons(2), 1), 0);
	CU_ASSERT_EQUAL(get16(blk + 1 + 34 + 6), 0);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	free(blk);
}

/*
 * Choose the new destination port that makes the L4 checksum come out as
 * 0x0000 (RFC 1624 eqn. 3 gives it; eqn. 2 would give 0xffff): UDP must send
 * 0xffff, TCP must keep 0x0000, and both must equal the full recomputation.
 */
static void
test_l4_csum_zero_result(void)
{
	static const uint8_t protos[] = { 17, 6 };
	uint8_t full[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, i, n, off;
	uint16_t c, p, np;
	uint8_t *blk;

	for (i = 0; i < sizeof(protos); i++) {
		off = protos[i] == 17 ? 6 : 16;
		for (n = 0; n < 8; n++) {
			pb_default(&s, protos[i]);
			s.payload_len = (uint16_t)(n * 7 + 1);
			s.payload_seed = n;
			blk = build(&s, n % 3, &len, &m);
			c = get16(blk + n % 3 + 34 + off);
			p = s.dst_port;
			np = oc_add(c, p);
			CU_ASSERT_EQUAL(xlate_l3l4(blk + n % 3, &m, m.src_ip, m.dst_ip,
						   m.src_port, htons(np), n & 1), 0);
			CU_ASSERT_EQUAL(get16(blk + n % 3 + 34 + off),
					protos[i] == 17 ? 0xffff : 0x0000);
			CU_ASSERT(pb_csums_ok(blk + n % 3, len));
			memcpy(full, blk + n % 3, len);
			xlate_csum_full(full, &m);
			CU_ASSERT_EQUAL(memcmp(full, blk + n % 3, len), 0);
			free(blk);
		}
	}
}

/* Same for the IPv4 header checksum, through the source address. */
static void
test_ip_csum_zero_result(void)
{
	uint8_t full[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, n;
	uint16_t c, hi;
	uint8_t *blk;

	for (n = 0; n < 8; n++) {
		pb_default(&s, n & 1 ? 6 : 17);
		s.ip_id = (uint16_t)(n * 1000);
		blk = build(&s, 0, &len, &m);
		c = get16(blk + 14 + 10);
		hi = oc_add(c, (uint16_t)(s.src_ip >> 16));
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, htonl((uint32_t)hi << 16 | (s.src_ip & 0xffff)),
					   m.dst_ip, m.src_port, m.dst_port, 0), 0);
		CU_ASSERT_EQUAL(get16(blk + 14 + 10), 0x0000);
		CU_ASSERT(pb_csums_ok(blk, len));
		memcpy(full, blk, len);
		xlate_csum_full(full, &m);
		CU_ASSERT_EQUAL(memcmp(full, blk, len), 0);
		free(blk);
	}
}

static void
test_icmp_nat(void)
{
	uint8_t before[PB_MAX_FRAME], expect[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s, t;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 1);
	s.payload_len = 57;
	blk = build(&s, 1, &len, &m);
	memcpy(before, blk + 1, len);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, htonl(0x0a0a0a0a), htonl(0x0b0b0b0b),
				   htons(1), htons(2), 1), 0);
	t = s;
	t.src_ip = 0x0a0a0a0a;
	t.dst_ip = 0x0b0b0b0b;
	t.ttl = 63;
	pb_ipv4(expect, &t);
	CU_ASSERT_EQUAL(memcmp(expect, blk + 1, len), 0);
	/* ICMP bytes (identifier, checksum) untouched: no pseudo header. */
	CU_ASSERT_EQUAL(memcmp(before + 34, blk + 1 + 34, len - 34), 0);
	CU_ASSERT_EQUAL(m.src_port, htons(s.icmp_id));
	CU_ASSERT_EQUAL(m.dst_port, htons(s.icmp_id));
	free(blk);
}

static void
test_set_macs(void)
{
	static const uint8_t dst[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 6);
	blk = build(&s, 1, &len, &m);
	memcpy(before, blk + 1, len);
	xlate_set_macs(blk + 1, our_mac, dst);
	CU_ASSERT_EQUAL(memcmp(blk + 1, dst, 6), 0);
	CU_ASSERT_EQUAL(memcmp(blk + 1 + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(blk + 1 + 12, before + 12, len - 12), 0);
	free(blk);
}

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

static void
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
static void
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

static void
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

static void
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

static void
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

static void
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
static void
test_csum_full_udp_zero(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, id;
	uint8_t *blk = NULL;

	pb_default(&s, 17);
	for (id = 0; id < 0x10000; id++) {
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
static void
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

int
unit_register(void)
{
	CU_pSuite suite = CU_add_suite("xlate", NULL, NULL);

	if (suite == NULL ||
	    !CU_add_test(suite, "rfc1624 example and zeros", test_rfc1624_example) ||
	    !CU_add_test(suite, "update16/32 equal full sum", test_update_matches_full) ||
	    !CU_add_test(suite, "random nat equals rebuild and full", test_nat_random) ||
	    !CU_add_test(suite, "ttl refused, frame untouched", test_ttl_refused) ||
	    !CU_add_test(suite, "no change, no write", test_nothing_changes) ||
	    !CU_add_test(suite, "fullnat fields", test_fullnat_fields) ||
	    !CU_add_test(suite, "udp zero checksum stays zero", test_udp_zero_csum) ||
	    !CU_add_test(suite, "l4 checksum result zero", test_l4_csum_zero_result) ||
	    !CU_add_test(suite, "ip checksum result zero", test_ip_csum_zero_result) ||
	    !CU_add_test(suite, "icmp nat", test_icmp_nat) ||
	    !CU_add_test(suite, "set macs", test_set_macs) ||
	    !CU_add_test(suite, "echo reply", test_echo_reply) ||
	    !CU_add_test(suite, "echo reply all zero", test_echo_reply_all_zero) ||
	    !CU_add_test(suite, "echo reply refused", test_echo_reply_refused) ||
	    !CU_add_test(suite, "arp reply", test_arp_reply) ||
	    !CU_add_test(suite, "arp reply refused", test_arp_reply_refused) ||
	    !CU_add_test(suite, "csum full", test_csum_full) ||
	    !CU_add_test(suite, "csum full udp zero", test_csum_full_udp_zero) ||
	    !CU_add_test(suite, "csum full short udp", test_csum_full_udp_short))
		return -1;
	return 0;
}
