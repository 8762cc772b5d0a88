/*
 * Parse tests: every drop reason, every truncation of valid frames, and the
 * fixed-seed mutation fuzz. Fixtures in test_parse.c.
 */
#include "test_parse.h"
#include "unit.h"

void
test_drop_eth_vlan(void)
{
	static const uint16_t types[] = { 0x86dd, 0x9100, 0x0000, 0x0805,
					  0x0801, 0x08ff, 0xffff, 0x0008 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, i;

	pb_default(&s, 6);
	len = pb_ipv4(buf, &s);
	for (i = 0; i < 14; i++)
		ASSERT_DROP(buf, i, 0, TRUNC_ETH);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		put16(buf + 12, types[i]);
		ASSERT_DROP(buf, len, 0, UNSUPP_ETHERTYPE);
	}
	/* 802.1ad (QinQ) outside: refused as such, whatever it carries. */
	put16(buf + 12, 0x88a8);
	ASSERT_DROP(buf, len, 0, VLAN_QINQ);

	s.vlan = 1;
	len = pb_ipv4(buf, &s);
	for (i = 14; i < 18; i++)
		ASSERT_DROP(buf, i, 0, TRUNC_VLAN);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		put16(buf + 16, types[i]);
		ASSERT_DROP(buf, len, 0, UNSUPP_ETHERTYPE);
	}
	/* Only one tag: a second one inside (double tagging, a hop into the
	 * VLAN it names) is refused. */
	put16(buf + 16, 0x8100);
	ASSERT_DROP(buf, len, 0, VLAN_QINQ);
	put16(buf + 16, 0x88a8);
	ASSERT_DROP(buf, len, 0, VLAN_QINQ);
}

void
test_drop_arp(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_arp_spec a;
	uint32_t len, i, vlan;

	for (vlan = 0; vlan <= 1; vlan++) {
		uint32_t l2 = vlan ? 18 : 14;

		pb_arp_default(&a);
		a.vlan = (int)vlan;
		len = pb_arp(buf, &a);
		for (i = l2; i < l2 + 28; i++)
			ASSERT_DROP(buf, i, 0, TRUNC_ARP);
		put16(buf + l2, 6);           /* htype IEEE 802 */
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		put16(buf + l2, 0x0101);
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		put16(buf + l2, 1);
		put16(buf + l2 + 2, 0x86dd);
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		put16(buf + l2 + 2, 0x0000);
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		put16(buf + l2 + 2, 0x0800);
		buf[l2 + 4] = 8;
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		buf[l2 + 4] = 6;
		buf[l2 + 5] = 16;
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		buf[l2 + 5] = 0;
		ASSERT_DROP(buf, len, 0, BAD_ARP);
		buf[l2 + 5] = 4;
		CU_ASSERT_EQUAL(drop_of(buf, len, 0), PKT_KIND_ARP);
	}
}

void
test_drop_ip_header(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, i;

	pb_default(&s, 6);
	s.payload_len = 100;
	len = pb_ipv4(buf, &s);
	for (i = 14; i < 34; i++)
		ASSERT_DROP(buf, i, 0, TRUNC_IP);

	for (i = 0; i < 16; i++) {
		if (i == 4)
			continue;
		buf[14] = (uint8_t)(i << 4 | 5);
		ASSERT_DROP(buf, len, 0, BAD_IP_VERSION);
	}
	for (i = 0; i < 5; i++) {
		buf[14] = (uint8_t)(0x40 | i);
		ASSERT_DROP(buf, len, 0, BAD_IP_HLEN);
	}
	/* Header longer than the bytes present: 60-byte header, 40 here. */
	buf[14] = 0x4f;
	ASSERT_DROP(buf, 14 + 40, 0, TRUNC_IP);
	ASSERT_DROP(buf, 14 + 59, 0, TRUNC_IP);
	buf[14] = 0x45;
	CU_ASSERT_EQUAL(drop_of(buf, len, PKT_PARSE_VERIFY_IP_CSUM), PKT_KIND_IPV4);

	/* Total length below the header, or beyond the frame. */
	put16(buf + 16, 19);
	ASSERT_DROP(buf, len, 0, BAD_IP_LEN);
	put16(buf + 16, 0);
	ASSERT_DROP(buf, len, 0, BAD_IP_LEN);
	put16(buf + 16, (uint16_t)(len - 14 + 1));
	ASSERT_DROP(buf, len, 0, BAD_IP_LEN);
	put16(buf + 16, 0xffff);
	ASSERT_DROP(buf, len, 0, BAD_IP_LEN);
	put16(buf + 16, (uint16_t)(len - 14));
	CU_ASSERT_EQUAL(drop_of(buf, len, PKT_PARSE_VERIFY_IP_CSUM), PKT_KIND_IPV4);

	s.ip_opt_len = 20;
	len = pb_ipv4(buf, &s);
	put16(buf + 16, 39);
	ASSERT_DROP(buf, len, 0, BAD_IP_LEN);
	put16(buf + 16, 40);          /* header only: then TCP is truncated */
	ASSERT_DROP(buf, len, 0, TRUNC_L4);
}

void
test_drop_fragment(void)
{
	static const uint16_t frags[] = { 0x2000, 0x0001, 0x1fff, 0x6000, 0x4001,
					  0x3fff, 0xffff, 0x0100 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, i;

	for (i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		pb_default(&s, 17);
		s.frag = frags[i];
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, 0, IP_FRAGMENT);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, IP_FRAGMENT);
	}
}

void
test_drop_unsupp_l4(void)
{
	static const uint8_t protos[] = { 0, 2, 4, 41, 47, 50, 58, 89, 132, 255 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, i;

	for (i = 0; i < sizeof(protos); i++) {
		pb_default(&s, protos[i]);
		s.payload_len = 40;
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, UNSUPP_L4);
	}
}

/* VRRP is parsed, without ports, for the worker to hand to the kernel. */
void
test_accept_vrrp(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;

	pb_default(&s, PKT_PROTO_VRRP);
	s.dst_ip = 0xe0000012u;
	s.payload_len = 20;
	len = pb_ipv4(buf, &s);
	CU_ASSERT_EQUAL(pkt_parse(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m), PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(m.proto, PKT_PROTO_VRRP);
	CU_ASSERT_EQUAL(m.dst_ip, htonl(0xe0000012u));
	CU_ASSERT_EQUAL(m.src_port, 0);
	CU_ASSERT_EQUAL(m.l4_len, 20);
}

/* Frames no host sends: a group or zero source MAC, a martian or the
 * destination's own source address, port 0, SYN with FIN or RST. */
void
test_drop_hostile(void)
{
	static const uint8_t bad_macs[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 },
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }, { 0, 0, 0, 0, 0, 0 },
	};
	static const uint32_t martians[] = { 0x00000000u, 0x00010203u, 0x7f000001u, 0xe0000005u,
					     0xefffffffu, 0xf0000001u, 0xffffffffu };
	static const uint8_t bad_flags[] = { 0x03, 0x06, 0x07, 0x2b, 0x13 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_arp_spec a;
	struct pb_spec s;
	uint32_t len, i;

	for (i = 0; i < sizeof(bad_macs) / sizeof(bad_macs[0]); i++) {
		pb_default(&s, IPPROTO_TCP);
		memcpy(s.src_mac, bad_macs[i], 6);
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_SRC_MAC);
		pb_arp_default(&a);
		memcpy(a.src_mac, bad_macs[i], 6);
		len = pb_arp(buf, &a);
		ASSERT_DROP(buf, len, 0, BAD_SRC_MAC);
	}
	for (i = 0; i < sizeof(martians) / sizeof(martians[0]); i++) {
		pb_default(&s, i % 2 ? IPPROTO_UDP : IPPROTO_TCP);
		s.src_ip = martians[i];
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, MARTIAN_SRC);
	}
	pb_default(&s, IPPROTO_TCP);
	s.src_ip = s.dst_ip;
	len = pb_ipv4(buf, &s);
	ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, LAND);
	for (i = 0; i < 4; i++) {
		pb_default(&s, i < 2 ? IPPROTO_TCP : IPPROTO_UDP);
		if (i % 2)
			s.dst_port = 0;
		else
			s.src_port = 0;
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, PORT_ZERO);
	}
	for (i = 0; i < sizeof(bad_flags); i++) {
		pb_default(&s, IPPROTO_TCP);
		s.tcp_flags = bad_flags[i];
		len = pb_ipv4(buf, &s);
		ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, BAD_TCP_FLAGS);
	}
	/* Their neighbours still pass: a locally administered unicast MAC,
	 * 1.0.0.1 and 223.255.255.254, SYN+ACK, FIN+ACK, RST+ACK. */
	pb_default(&s, IPPROTO_TCP);
	s.src_mac[0] = 0x02;
	s.src_ip = 0x01000001u;
	len = pb_ipv4(buf, &s);
	CU_ASSERT_EQUAL(pkt_parse(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &(struct pkt_meta){ 0 }),
			PKT_KIND_IPV4);
	s.src_ip = 0xdffffffeu;
	for (i = 0; i < 3; i++) {
		s.tcp_flags = (uint8_t)((i == 0 ? 0x02 : i == 1 ? 0x01 : 0x04) | 0x10);
		len = pb_ipv4(buf, &s);
		CU_ASSERT_EQUAL(pkt_parse(buf, len, PKT_PARSE_VERIFY_IP_CSUM,
					  &(struct pkt_meta){ 0 }), PKT_KIND_IPV4);
	}
}

/* L4 shorter than its header inside a complete IP packet (frame padded). */
void
test_drop_trunc_l4(void)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, i, l4;

	for (i = 0; i < sizeof(protos); i++) {
		uint32_t need = protos[i] == 6 ? 20 : 8;

		pb_default(&s, protos[i]);
		s.ip_opt_len = 4;
		s.payload_len = 0;
		len = pb_ipv4(buf, &s);
		for (l4 = 0; l4 < need; l4++) {
			put16(buf + 16, (uint16_t)(24 + l4));
			fix_ip_csum(buf, 14);
			ASSERT_DROP(buf, len, PKT_PARSE_VERIFY_IP_CSUM, TRUNC_L4);
		}
		put16(buf + 16, (uint16_t)(24 + need));
		fix_ip_csum(buf, 14);
		CU_ASSERT_EQUAL(drop_of(buf, len, PKT_PARSE_VERIFY_IP_CSUM), PKT_KIND_IPV4);
	}
}

void
test_drop_tcp_hlen(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, doff;

	pb_default(&s, 6);
	s.payload_len = 39;
	len = pb_ipv4(buf, &s);
	for (doff = 0; doff < 5; doff++) {
		buf[34 + 12] = (uint8_t)(doff << 4);
		ASSERT_DROP(buf, len, 0, BAD_TCP_HLEN);
	}
	/* 59 L4 bytes: data offset 14 (56) fits, 15 (60) does not. */
	buf[34 + 12] = 14 << 4;
	CU_ASSERT_EQUAL(drop_of(buf, len, 0), PKT_KIND_IPV4);
	buf[34 + 12] = 15 << 4;
	ASSERT_DROP(buf, len, 0, BAD_TCP_HLEN);
	/* Low nibble is reserved: ignored. */
	buf[34 + 12] = 5 << 4 | 0xf;
	CU_ASSERT_EQUAL(drop_of(buf, len, 0), PKT_KIND_IPV4);

	pb_default(&s, 6);
	s.payload_len = 0;
	len = pb_ipv4(buf, &s);
	buf[34 + 12] = 6 << 4;
	ASSERT_DROP(buf, len, 0, BAD_TCP_HLEN);
	/* The IP length bounds the header, not the frame (padding). */
	s.eth_pad = 40;
	len = pb_ipv4(buf, &s);
	buf[34 + 12] = 6 << 4;
	ASSERT_DROP(buf, len, 0, BAD_TCP_HLEN);
}

void
test_drop_udp_len(void)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, ulen;

	pb_default(&s, 17);
	s.payload_len = 10;
	s.eth_pad = 20;
	len = pb_ipv4(buf, &s);
	for (ulen = 0; ulen < 8; ulen++) {
		put16(buf + 34 + 4, (uint16_t)ulen);
		ASSERT_DROP(buf, len, 0, BAD_UDP_LEN);
	}
	put16(buf + 34 + 4, 19);      /* past the IP end, into the padding */
	ASSERT_DROP(buf, len, 0, BAD_UDP_LEN);
	put16(buf + 34 + 4, 0xffff);
	ASSERT_DROP(buf, len, 0, BAD_UDP_LEN);
	/* Shorter than the IP payload is tolerated; l4_len stays IP's. */
	for (ulen = 8; ulen <= 18; ulen++) {
		struct pkt_meta m;

		put16(buf + 34 + 4, (uint16_t)ulen);
		CU_ASSERT_EQUAL(parse_exact(buf, len, 0, &m), PKT_KIND_IPV4);
		CU_ASSERT_EQUAL(m.l4_len, 18);
	}
}

/* Reason a valid frame of full length gets when cut to len bytes. */
static enum sl_drop
trunc_reason(uint32_t len, uint32_t l2, uint32_t l3_len, int arp)
{
	if (len < 14)
		return SL_DROP_TRUNC_ETH;
	if (len < l2)
		return SL_DROP_TRUNC_VLAN;
	if (arp)
		return SL_DROP_TRUNC_ARP;
	if (len < l2 + 20 || len < l2 + l3_len)
		return SL_DROP_TRUNC_IP;
	return SL_DROP_BAD_IP_LEN;
}

static void
sweep_truncations(const uint8_t *buf, uint32_t full, int arp)
{
	struct pkt_meta ref, m;
	uint32_t len, bad = 0;
	int kind;

	kind = parse_exact(buf, full, PKT_PARSE_VERIFY_IP_CSUM, &ref);
	CU_ASSERT_EQUAL(kind, arp ? PKT_KIND_ARP : PKT_KIND_IPV4);
	for (len = 0; len < full; len++) {
		int ret = parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m);

		if (ret != pkt_parse_fail(trunc_reason(len, ref.l2_len, ref.l3_len, arp)))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(parse_exact(buf, full, 0, &m), kind);
	CU_ASSERT_EQUAL(memcmp(&m, &ref, sizeof(m)), 0);
}

void
test_truncations(void)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	uint8_t buf[PB_MAX_FRAME];
	struct pb_arp_spec a;
	struct pb_spec s;
	uint32_t i, vlan, opt;

	for (i = 0; i < sizeof(protos); i++)
		for (vlan = 0; vlan <= 1; vlan++)
			for (opt = 0; opt <= 40; opt += 20) {
				pb_default(&s, protos[i]);
				s.vlan = (int)vlan;
				s.ip_opt_len = (uint8_t)opt;
				s.tcp_opt_len = 12;
				s.payload_len = 33;
				sweep_truncations(buf, pb_ipv4(buf, &s), 0);
			}
	for (vlan = 0; vlan <= 1; vlan++) {
		pb_arp_default(&a);
		a.vlan = (int)vlan;
		sweep_truncations(buf, pb_arp(buf, &a), 1);
	}
}

static int
parse_can_return(enum sl_drop r)
{
	switch (r) {
	case SL_DROP_TRUNC_ETH:
	case SL_DROP_TRUNC_VLAN:
	case SL_DROP_VLAN_QINQ:
	case SL_DROP_UNSUPP_ETHERTYPE:
	case SL_DROP_TRUNC_ARP:
	case SL_DROP_BAD_ARP:
	case SL_DROP_TRUNC_IP:
	case SL_DROP_BAD_IP_VERSION:
	case SL_DROP_BAD_IP_HLEN:
	case SL_DROP_BAD_IP_LEN:
	case SL_DROP_BAD_IP_CSUM:
	case SL_DROP_IP_FRAGMENT:
	case SL_DROP_UNSUPP_L4:
	case SL_DROP_TRUNC_L4:
	case SL_DROP_BAD_TCP_HLEN:
	case SL_DROP_BAD_UDP_LEN:
	case SL_DROP_BAD_SRC_MAC:
	case SL_DROP_MARTIAN_SRC:
	case SL_DROP_LAND:
	case SL_DROP_PORT_ZERO:
	case SL_DROP_BAD_TCP_FLAGS:
		return 1;
	default:
		return 0;
	}
}

/* What a successful parse promises about the frame; 0 if broken. */
static int
meta_consistent(const uint8_t *f, uint32_t len, int kind, const struct pkt_meta *m)
{
	uint32_t v;

	if (m->kind != kind || (m->l2_len != 14 && m->l2_len != 18) ||
	    m->has_vlan != (m->l2_len == 18))
		return 0;
	if (kind == PKT_KIND_ARP)
		return m->l2_len + 28u <= len && memcmp(&m->src_ip, f + m->l2_len + 14, 4) == 0 &&
		       memcmp(&m->dst_ip, f + m->l2_len + 24, 4) == 0;
	if (m->l3_len < 20 || m->l3_len > 60 || m->l3_len % 4 ||
	    (uint32_t)m->l2_len + m->l3_len + m->l4_len > len)
		return 0;
	v = (uint32_t)(f[m->l2_len + 2] << 8 | f[m->l2_len + 3]);
	if (v != (uint32_t)m->l3_len + m->l4_len || m->ttl != f[m->l2_len + 8] ||
	    m->proto != f[m->l2_len + 9] || memcmp(&m->src_ip, f + m->l2_len + 12, 4) ||
	    memcmp(&m->dst_ip, f + m->l2_len + 16, 4))
		return 0;
	switch (m->proto) {
	case 6:
		return m->l4_len >= 20 && (f[m->l2_len + m->l3_len + 12] >> 4) * 4 <= m->l4_len;
	case 17:
		return m->l4_len >= 8;
	case 1:
		return m->l4_len >= 8;
	case PKT_PROTO_VRRP:
		return m->src_port == 0 && m->dst_port == 0;
	default:
		return 0;
	}
}

void
test_fuzz(void)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x04, 0x05, 0x06, 0x08, 0x11,
					       0x20, 0x40, 0x45, 0x4f, 0x50, 0x80, 0x81,
					       0xf0, 0xff };
	uint8_t bases[13][PB_MAX_FRAME];
	uint32_t base_len[13], nbases = 0;
	uint8_t work[PB_MAX_FRAME + 64];
	uint32_t seen_reason[SL_DROP__COUNT] = { 0 };
	uint32_t seen_kind[3] = { 0 }, bad_ret = 0, bad_meta = 0, distinct = 0;
	uint64_t rng = 0x5eed5eed12345678ull;
	struct pb_arp_spec a;
	struct pb_spec s;
	uint32_t round, i;

#define ADD_BASE(type, spec) do { \
		base_len[nbases] = pb_##type(bases[nbases], spec); \
		nbases++; \
	} while (0)

	pb_default(&s, 6);
	s.tcp_opt_len = 8;
	ADD_BASE(ipv4, &s);
	s.vlan = 1;
	s.ip_opt_len = 12;
	ADD_BASE(ipv4, &s);
	/* A source one bit from the destination: a flip makes it land. */
	pb_default(&s, 6);
	s.src_ip = s.dst_ip ^ 0x40u;
	ADD_BASE(ipv4, &s);
	pb_default(&s, 17);
	ADD_BASE(ipv4, &s);
	s.payload_len = 0;
	s.eth_pad = 18;
	ADD_BASE(ipv4, &s);
	s.vlan = 1;
	s.udp_no_csum = 1;
	ADD_BASE(ipv4, &s);
	pb_default(&s, 1);
	ADD_BASE(ipv4, &s);
	s.icmp_type = 3;
	s.ip_opt_len = 4;
	ADD_BASE(ipv4, &s);
	pb_arp_default(&a);
	ADD_BASE(arp, &a);
	a.vlan = 1;
	a.eth_pad = 14;
	ADD_BASE(arp, &a);

#undef ADD_BASE

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		uint64_t r = pb_rand(&rng);
		uint32_t b = (uint32_t)(r % nbases), len = base_len[b];
		uint32_t nmut = (uint32_t)(r >> 8) % 5, span;
		unsigned int flags = (unsigned int)(r >> 16) & 1;
		struct pkt_meta m;
		int ret;

		memcpy(work, bases[b], len);
		for (i = len; i < sizeof(work); i++)
			work[i] = (uint8_t)pb_rand(&rng);
		for (i = 0; i < nmut; i++) {
			uint64_t q = pb_rand(&rng);
			uint32_t pos;

			/* Mostly the headers, where the decisions are made. */
			span = (q & 3) ? (len < 64 ? len : 64) : len;
			pos = (uint32_t)(q >> 8) % span;

			switch ((q >> 40) % 3) {
			case 0:
				work[pos] ^= (uint8_t)(1u << ((q >> 48) & 7));
				break;
			case 1:
				work[pos] = interesting[(q >> 48) % sizeof(interesting)];
				break;
			default:
				work[pos] = (uint8_t)(q >> 48);
				break;
			}
		}
		switch ((r >> 24) % 4) {
		case 0:
		case 1:
			break;
		case 2:
			len = (uint32_t)(r >> 32) % (len + 17);
			break;
		default:
			len = len + 8 - (uint32_t)(r >> 32) % 16;
			break;
		}
		ret = parse_exact(work, len, flags, &m);
		if (ret > 0) {
			if (ret != PKT_KIND_ARP && ret != PKT_KIND_IPV4) {
				bad_ret++;
				continue;
			}
			seen_kind[ret]++;
			if (!meta_consistent(work, len, ret, &m))
				bad_meta++;
		} else if (ret == 0 || !parse_can_return(pkt_parse_reason(ret))) {
			bad_ret++;
		} else {
			seen_reason[pkt_parse_reason(ret)]++;
		}
	}
	CU_ASSERT_EQUAL(bad_ret, 0);
	CU_ASSERT_EQUAL(bad_meta, 0);
	CU_ASSERT(seen_kind[PKT_KIND_ARP] > 0);
	CU_ASSERT(seen_kind[PKT_KIND_IPV4] > 0);
	for (i = 0; i < SL_DROP__COUNT; i++)
		distinct += seen_reason[i] != 0;
	/* The mutations reach every reason the parser has. */
	CU_ASSERT_EQUAL(distinct, 21);
}
