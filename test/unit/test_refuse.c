/*
 * Refusals: the RST and the ICMP port unreachable a service with no
 * backend answers with, and the fragmentation needed a DF packet too
 * large for its next hop gets, checked byte by byte and by an independent
 * checksum implementation (pktbuild).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "dataplane/refuse.h"
#include "test/lib/pktbuild.h"
#include "unit.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
check_rst(int vlan, uint8_t ip_opt, uint8_t tcp_opt, uint16_t payload, uint8_t flags)
{
	uint8_t buf[PB_MAX_FRAME], orig[PB_MAX_FRAME];
	struct pb_spec s;
	struct pkt_meta m, r;
	uint32_t len, l4, seq, ack, out_len;

	pb_default(&s, IPPROTO_TCP);
	s.vlan = vlan;
	s.ip_opt_len = ip_opt;
	s.tcp_opt_len = tcp_opt;
	s.payload_len = payload;
	s.tcp_flags = flags;
	len = pb_ipv4(buf, &s);
	memcpy(orig, buf, len);
	l4 = pb_l4_off(&s);
	seq = rd32(buf + l4 + 4);
	ack = rd32(buf + l4 + 8);
	CU_ASSERT_FATAL(pkt_parse(buf, len, 0, &m) == PKT_KIND_IPV4);
	out_len = refuse_tcp_rst(buf, &m);
	CU_ASSERT_EQUAL(out_len, m.l2_len + 40u);
	CU_ASSERT(pb_csums_ok(buf, out_len));
	CU_ASSERT_FATAL(pkt_parse(buf, out_len, PKT_PARSE_VERIFY_IP_CSUM, &r) == PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(r.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(r.src_ip, m.dst_ip);
	CU_ASSERT_EQUAL(r.dst_ip, m.src_ip);
	CU_ASSERT_EQUAL(r.src_port, m.dst_port);
	CU_ASSERT_EQUAL(r.dst_port, m.src_port);
	CU_ASSERT_EQUAL(r.l3_len, 20);
	CU_ASSERT_EQUAL(r.l4_len, 20);
	CU_ASSERT(memcmp(buf, orig + 6, 6) == 0);
	CU_ASSERT(memcmp(buf + 6, orig, 6) == 0);
	if (flags & 0x10) {
		/* an ACK is answered by RST with its ack as sequence */
		CU_ASSERT_EQUAL(r.tcp_flags, 0x04);
		CU_ASSERT_EQUAL(rd32(buf + m.l2_len + 24), ack);
	} else {
		uint32_t want = seq + payload + ((flags & 0x02) != 0) + ((flags & 0x01) != 0);

		CU_ASSERT_EQUAL(r.tcp_flags, 0x14);
		CU_ASSERT_EQUAL(rd32(buf + m.l2_len + 24), 0);
		CU_ASSERT_EQUAL(rd32(buf + m.l2_len + 28), want);
	}
	if (vlan)
		CU_ASSERT(memcmp(buf + 12, orig + 12, 4) == 0);
}

static void
test_rst_syn(void)
{
	check_rst(0, 0, 0, 0, 0x02);
	check_rst(0, 0, 20, 0, 0x02);      /* SYN with options: options go */
	check_rst(1, 8, 12, 0, 0x02);      /* VLAN, IP options */
}

static void
test_rst_other(void)
{
	check_rst(0, 0, 0, 100, 0x18);     /* PSH|ACK with data: RST, seq = ack */
	check_rst(0, 4, 0, 33, 0x01);      /* FIN with data, no ACK */
	check_rst(0, 0, 0, 0, 0x11);       /* FIN|ACK */
}

/*
 * The ICMP error refuse.c builds for a packet (UDP: port unreachable from
 * its destination; mtu != 0, TCP with DF: fragmentation needed carrying
 * mtu, from the VIP): MACs swapped, both checksums right, the packet's IP
 * header and first 8 bytes quoted unchanged.
 */
static void
check_icmp_error(int vlan, uint8_t ip_opt, uint16_t payload, uint16_t mtu)
{
	uint8_t mem[PB_MAX_FRAME + 64], orig[PB_MAX_FRAME];
	uint8_t *buf = mem + 64, *nf = buf - REFUSE_ICMP_HEADROOM;
	const uint32_t vip = htonl(0xc612000au);
	struct pb_spec s;
	struct pkt_meta m, r;
	uint32_t len, out_len, l3, quoted;

	pb_default(&s, mtu != 0 ? IPPROTO_TCP : IPPROTO_UDP);
	s.vlan = vlan;
	s.ip_opt_len = ip_opt;
	s.payload_len = payload;
	len = pb_ipv4(buf, &s);
	memcpy(orig, buf, len);
	l3 = pb_l3_off(&s);
	CU_ASSERT_FATAL(pkt_parse(buf, len, 0, &m) == PKT_KIND_IPV4);
	quoted = m.l3_len + 8u;
	out_len = mtu != 0 ? refuse_frag_needed(nf, &m, vip, mtu) : refuse_udp_unreachable(nf, &m);
	CU_ASSERT_EQUAL(out_len, m.l2_len + 28u + quoted);
	CU_ASSERT(pb_csums_ok(nf, out_len));
	CU_ASSERT_FATAL(pkt_parse(nf, out_len, PKT_PARSE_VERIFY_IP_CSUM, &r) == PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(r.proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(r.icmp_type, 3);
	CU_ASSERT_EQUAL(nf[m.l2_len + 21], mtu != 0 ? 4 : 3);
	CU_ASSERT_EQUAL(nf[m.l2_len + 24], 0);
	CU_ASSERT_EQUAL(nf[m.l2_len + 25], 0);
	CU_ASSERT_EQUAL(nf[m.l2_len + 26], mtu >> 8);
	CU_ASSERT_EQUAL(nf[m.l2_len + 27], mtu & 0xff);
	CU_ASSERT_EQUAL(r.src_ip, mtu != 0 ? vip : m.dst_ip);
	CU_ASSERT_EQUAL(r.dst_ip, m.src_ip);
	CU_ASSERT(memcmp(nf, orig + 6, 6) == 0);
	CU_ASSERT(memcmp(nf + 6, orig, 6) == 0);
	CU_ASSERT(memcmp(nf + m.l2_len + 28, orig + l3, quoted) == 0);
}

static void
test_unreachable(void)
{
	check_icmp_error(0, 0, 0, 0);
	check_icmp_error(0, 0, 512, 0);
	check_icmp_error(1, 12, 40, 0);
}

static void
test_frag_needed(void)
{
	check_icmp_error(0, 0, 1460, 1400);
	check_icmp_error(0, 0, 1400, 576);
	check_icmp_error(1, 12, 1000, 1006);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "SYN answered by RST|ACK", test_rst_syn },
		{ "other segments answered by RST", test_rst_other },
		{ "UDP answered by ICMP port unreachable", test_unreachable },
		{ "DF too large answered by ICMP fragmentation needed", test_frag_needed },
	};

	return unit_add_suite("refuse", NULL, NULL, tests, UNIT_DIM(tests));
}
