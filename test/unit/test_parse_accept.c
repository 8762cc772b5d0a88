/*
 * Parse tests: every accepted kind (TCP, UDP, ICMP, ARP, VLAN, options,
 * padding) with every meta field checked. Fixtures in test_parse.c.
 */
#include "test_parse.h"
#include "unit.h"

void
test_tcp(void)
{
	struct pb_spec s;

	pb_default(&s, 6);
	s.tcp_flags = 0x12;
	check_good_ipv4(&s);
	/* Header exactly fills the packet: no payload, 40 option bytes. */
	s.tcp_opt_len = 40;
	s.payload_len = 0;
	/* Every flag but SYN (SYN with FIN or RST is refused: test_drop_hostile). */
	s.tcp_flags = 0xfd;
	check_good_ipv4(&s);
	s.tcp_opt_len = 12;
	s.payload_len = 1400;
	s.tcp_flags = 0x11;
	check_good_ipv4(&s);
	/* The sequence number, every byte distinct, in host order. */
	s.tcp_seq = 0xfedcba98u;
	check_good_ipv4(&s);
}

void
test_udp(void)
{
	struct pb_spec s;

	pb_default(&s, 17);
	s.src_port = 53;
	s.dst_port = 65535;
	check_good_ipv4(&s);
	s.payload_len = 0;
	check_good_ipv4(&s);
	s.udp_no_csum = 1;
	s.payload_len = 517;
	check_good_ipv4(&s);
}

void
test_icmp(void)
{
	struct pb_spec s;

	pb_default(&s, 1);
	check_good_ipv4(&s);          /* echo request */
	s.icmp_type = 0;
	s.icmp_id = 0x0102;
	check_good_ipv4(&s);          /* echo reply */
	s.payload_len = 0;
	check_good_ipv4(&s);          /* exactly 8 bytes */
	s.icmp_type = 3;
	s.icmp_code = 4;
	s.payload_len = 28;
	check_good_ipv4(&s);          /* not echo: no identifier */
	s.icmp_type = 11;
	check_good_ipv4(&s);
}

void
test_arp(void)
{
	struct pb_arp_spec a;

	pb_arp_default(&a);
	check_good_arp(&a);           /* request */
	a.op = 2;
	memset(a.dst_mac, 0x22, 6);
	memset(a.tha, 0x22, 6);
	a.spa = 0xffffffff;
	a.tpa = 0;
	check_good_arp(&a);           /* reply */
	a.eth_pad = 18;
	check_good_arp(&a);           /* padded to 60 bytes */
	a.vlan = 1;
	a.vlan_tci = 0x0fff;
	a.eth_pad = 0;
	check_good_arp(&a);
	a.op = 0x0101;                /* must not read as a request */
	check_good_arp(&a);
	a.op = 0x0201;
	check_good_arp(&a);
}

void
test_vlan(void)
{
	struct pb_spec s;

	pb_default(&s, 6);
	s.vlan = 1;
	s.vlan_tci = 0xe123;          /* PCP 7, DEI 0, VID 0x123 */
	check_good_ipv4(&s);
	s.proto = 17;
	s.vlan_tci = 0x1001;
	check_good_ipv4(&s);
	s.proto = 1;
	s.vlan_tci = 0;
	check_good_ipv4(&s);
}

void
test_ip_options(void)
{
	struct pb_spec s;
	uint8_t opt;

	for (opt = 4; opt <= 40; opt += 4) {
		pb_default(&s, 6);
		s.ip_opt_len = opt;
		s.payload_seed = opt;
		check_good_ipv4(&s);
		s.proto = 17;
		s.vlan = 1;
		s.vlan_tci = opt;
		check_good_ipv4(&s);
		s.proto = 1;
		check_good_ipv4(&s);
	}
}

void
test_eth_padding(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	struct pkt_meta m;
	uint32_t len;

	/* A 28-byte UDP/IP packet padded to the 60-byte Ethernet minimum. */
	pb_default(&s, 17);
	s.payload_len = 0;
	s.eth_pad = 18;
	len = pb_ipv4(buf, &s);
	CU_ASSERT_EQUAL(len, 60);
	check_good_ipv4(&s);
	/* Cutting into the padding changes nothing; cutting the IP does. */
	for (; len >= 14 + 28; len--)
		CU_ASSERT_EQUAL(parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m),
				PKT_KIND_IPV4);
	ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_IP_LEN);

	pb_default(&s, 6);
	s.payload_len = 0;
	s.eth_pad = 6;
	check_good_ipv4(&s);
	s.vlan = 1;
	s.eth_pad = 300;
	check_good_ipv4(&s);
	pb_default(&s, 1);
	s.payload_len = 0;
	s.eth_pad = 18;
	check_good_ipv4(&s);
}

void
test_ttl_and_df(void)
{
	struct pb_spec s;

	pb_default(&s, 6);
	s.ttl = 0;                    /* TTL is the rewrite's business */
	check_good_ipv4(&s);
	s.ttl = 255;
	s.frag = 0;
	check_good_ipv4(&s);
	s.frag = 0x4000;              /* DF only */
	check_good_ipv4(&s);
	s.frag = 0x8000;              /* reserved bit: not a fragment */
	check_good_ipv4(&s);
}

void
test_ip_csum(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	struct pkt_meta m;
	uint32_t len, i;

	pb_default(&s, 6);
	s.ip_opt_len = 8;
	len = pb_ipv4(buf, &s);
	CU_ASSERT_EQUAL(parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m), PKT_KIND_IPV4);
	/*
	 * Any single flipped bit in the header, options included, is caught;
	 * bytes 0 and 2..3 (version, lengths) fail earlier checks instead.
	 */
	for (i = 0; i < 28 * 8; i++) {
		uint8_t *p = buf + 14 + i / 8;

		if (i / 8 == 0 || i / 8 == 2 || i / 8 == 3)
			continue;
		*p ^= (uint8_t)(1u << (i % 8));
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_IP_CSUM);
		*p ^= (uint8_t)(1u << (i % 8));
	}
	buf[14 + 10] ^= 0x01;
	ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_IP_CSUM);
	CU_ASSERT_EQUAL(parse_exact(buf, len, 0, &m), PKT_KIND_IPV4);
	/* A header whose checksum is 0x0000 verifies. */
	pb_default(&s, 17);
	for (i = 0; i < 0x10000; i++) {
		s.ip_id = (uint16_t)i;
		len = pb_ipv4(buf, &s);
		if (buf[24] == 0 && buf[25] == 0)
			break;
	}
	CU_ASSERT_EQUAL_FATAL(buf[24] | buf[25], 0);
	CU_ASSERT_EQUAL(parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m), PKT_KIND_IPV4);
	/*
	 * 0xffff there is the other one's complement zero: a summing verifier
	 * accepts it too (RFC 1624 section 3), as Linux does.
	 */
	buf[24] = buf[25] = 0xff;
	CU_ASSERT_EQUAL(parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m), PKT_KIND_IPV4);
	buf[25] = 0xfe;
	ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_IP_CSUM);
}

/* An ICMP error frame quoting the first qlen bytes of the IPv4 packet of q. */
static uint32_t
icmp_err_of(uint8_t *frame, const struct pb_spec *q, uint32_t qlen, struct pkt_meta *m)
{
	uint8_t inner[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, l3 = pb_l3_off(q);

	len = pb_ipv4(inner, q);
	if (qlen > len - l3)
		qlen = len - l3;
	pb_default(&s, 1);
	s.icmp_type = 3;
	s.icmp_code = 4;
	s.payload_len = (uint16_t)qlen;
	len = pb_ipv4(frame, &s);
	memcpy(frame + pb_l4_off(&s) + 8, inner + l3, qlen);
	CU_ASSERT_EQUAL_FATAL(parse_exact(frame, len, 0, m), PKT_KIND_IPV4);
	return pb_l4_off(&s) + 8;
}

/*
 * The packet an ICMP error quotes: addresses, ports and offsets past IPv4
 * options; 8 bytes past the header suffice; a first fragment has its
 * ports, a later one none; a quote of ICMP is no connection's; cut inside
 * the header or the ports, or lengths that cannot be, it is malformed.
 */
void
test_icmp_quote(void)
{
	uint8_t frame[PB_MAX_FRAME];
	struct pkt_icmp_err e;
	struct pkt_meta m;
	struct pb_spec q;
	uint32_t off;

	pb_default(&q, 6);
	q.ip_opt_len = 4;
	off = icmp_err_of(frame, &q, 1000, &m);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_icmp_err(frame, &m, &e), 1);
	CU_ASSERT_EQUAL(e.proto, 6);
	CU_ASSERT_EQUAL(e.src_ip, htonl(q.src_ip));
	CU_ASSERT_EQUAL(e.dst_ip, htonl(q.dst_ip));
	CU_ASSERT_EQUAL(e.src_port, htons(q.src_port));
	CU_ASSERT_EQUAL(e.dst_port, htons(q.dst_port));
	CU_ASSERT_EQUAL(e.ip_off, off);
	CU_ASSERT_EQUAL(e.l3_len, 24);
	CU_ASSERT_EQUAL(e.l4_len, 20 + 13);

	pb_default(&q, 17);
	icmp_err_of(frame, &q, 28, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), 1);
	CU_ASSERT_EQUAL(e.l4_len, 8);
	icmp_err_of(frame, &q, 27, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));
	icmp_err_of(frame, &q, 19, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));

	q.frag = 0x2000;                /* MF, offset 0: the first fragment */
	icmp_err_of(frame, &q, 28, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), 1);
	q.frag = 0x0010;                /* a later fragment */
	icmp_err_of(frame, &q, 28, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));
	q.frag = 0x4000;

	off = icmp_err_of(frame, &q, 28, &m);
	frame[off] = 0x44;              /* header length 16 */
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));
	frame[off] = 0x4f;              /* 60 bytes: past the quote */
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));
	frame[off] = 0x65;              /* version 6 */
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));
	frame[off] = 0x45;
	put16(frame + off + 2, 27);     /* total length shorter than header + 8 */
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), pkt_parse_fail(SL_DROP_ICMP_ERR_BAD));

	pb_default(&q, 1);              /* the kernel's ping: no connection */
	icmp_err_of(frame, &q, 28, &m);
	CU_ASSERT_EQUAL(pkt_parse_icmp_err(frame, &m, &e), 0);
}
