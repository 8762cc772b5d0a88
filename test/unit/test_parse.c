/*
 * Suite "parse": pkt_parse() on frames from the test builder.
 *
 * Every parse goes through parse_exact(), which copies the frame into a
 * heap block of exactly len bytes, so an ASan build reports any read past
 * len. Covered: every accepted kind with every meta field checked, every
 * drop reason the parser can return, every truncation of valid frames, and
 * a fixed-seed mutation fuzz.
 *
 * This file: the fixtures and the registration; the tests are in
 * test_parse_accept.c and test_parse_drop.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "test/lib/pktbuild.h"
#include "test_parse.h"
#include "unit.h"

int
parse_exact(const uint8_t *frame, uint32_t len, unsigned int flags, struct pkt_meta *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	if (copy == NULL)
		abort();
	memcpy(copy, frame, len);
	ret = pkt_parse(len ? copy : NULL, len, flags, m);
	free(copy);
	return ret;
}

int
drop_of(const uint8_t *frame, uint32_t len, unsigned int flags)
{
	struct pkt_meta m;

	return parse_exact(frame, len, flags, &m);
}

void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
fix_ip_csum(uint8_t *frame, uint32_t l3)
{
	uint32_t ihl = (frame[l3] & 0xfu) * 4;

	put16(frame + l3 + 10, 0);
	put16(frame + l3 + 10, pb_csum(frame + l3, ihl, 0));
}

uint32_t
l4_hdr_len(const struct pb_spec *s)
{
	return s->proto == 6 ? 20u + s->tcp_opt_len : 8u;
}

void
check_ipv4_meta(const struct pkt_meta *m, const struct pb_spec *s)
{
	uint16_t port_src = 0, port_dst = 0;

	if (s->proto == 6 || s->proto == 17) {
		port_src = htons(s->src_port);
		port_dst = htons(s->dst_port);
	} else if (s->icmp_type == 0 || s->icmp_type == 8) {
		port_src = port_dst = htons(s->icmp_id);
	}
	CU_ASSERT_EQUAL(m->kind, PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(m->src_ip, htonl(s->src_ip));
	CU_ASSERT_EQUAL(m->dst_ip, htonl(s->dst_ip));
	CU_ASSERT_EQUAL(m->src_port, port_src);
	CU_ASSERT_EQUAL(m->dst_port, port_dst);
	CU_ASSERT_EQUAL(m->l2_len, s->vlan ? 18 : 14);
	CU_ASSERT_EQUAL(m->l3_len, 20 + s->ip_opt_len);
	CU_ASSERT_EQUAL(m->l4_len, l4_hdr_len(s) + s->payload_len);
	CU_ASSERT_EQUAL(m->vlan_tci, s->vlan ? s->vlan_tci : 0);
	CU_ASSERT_EQUAL(m->has_vlan, s->vlan ? 1 : 0);
	CU_ASSERT_EQUAL(m->proto, s->proto);
	CU_ASSERT_EQUAL(m->tcp_flags, s->proto == 6 ? s->tcp_flags : 0);
	CU_ASSERT_EQUAL(m->icmp_type, s->proto == 1 ? s->icmp_type : 0);
	CU_ASSERT_EQUAL(m->arp_op, 0);
	CU_ASSERT_EQUAL(m->ttl, s->ttl);
	CU_ASSERT_EQUAL(m->tcp_seq, s->proto == 6 ? s->tcp_seq : 0);
	CU_ASSERT_EQUAL(m->tcp_hlen, s->proto == 6 ? l4_hdr_len(s) : 0);
}

void
check_good_ipv4(const struct pb_spec *s)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pkt_meta m;
	uint32_t len = pb_ipv4(buf, s);
	unsigned int flags;

	for (flags = 0; flags <= PKT_PARSE_VERIFY_IP_CSUM; flags++) {
		CU_ASSERT_EQUAL(parse_exact(buf, len, flags, &m), PKT_KIND_IPV4);
		check_ipv4_meta(&m, s);
	}
}

void
check_good_arp(const struct pb_arp_spec *a)
{
	uint8_t buf[PB_MAX_FRAME];
	struct pkt_meta m;
	uint32_t len = pb_arp(buf, a);

	CU_ASSERT_EQUAL(parse_exact(buf, len, PKT_PARSE_VERIFY_IP_CSUM, &m), PKT_KIND_ARP);
	CU_ASSERT_EQUAL(m.kind, PKT_KIND_ARP);
	CU_ASSERT_EQUAL(m.src_ip, htonl(a->spa));
	CU_ASSERT_EQUAL(m.dst_ip, htonl(a->tpa));
	CU_ASSERT_EQUAL(m.src_port, 0);
	CU_ASSERT_EQUAL(m.dst_port, 0);
	CU_ASSERT_EQUAL(m.l2_len, a->vlan ? 18 : 14);
	CU_ASSERT_EQUAL(m.l3_len, 28);
	CU_ASSERT_EQUAL(m.l4_len, 0);
	CU_ASSERT_EQUAL(m.vlan_tci, a->vlan ? a->vlan_tci : 0);
	CU_ASSERT_EQUAL(m.has_vlan, a->vlan ? 1 : 0);
	CU_ASSERT_EQUAL(m.proto, 0);
	CU_ASSERT_EQUAL(m.tcp_flags, 0);
	CU_ASSERT_EQUAL(m.icmp_type, 0);
	CU_ASSERT_EQUAL(m.arp_op, a->op <= 0xff ? a->op : 0);
	CU_ASSERT_EQUAL(m.ttl, 0);
}

int
unit_register(void)
{
	CU_pSuite suite = CU_add_suite("parse", NULL, NULL);

	if (suite == NULL ||
	    !CU_add_test(suite, "tcp", test_tcp) ||
	    !CU_add_test(suite, "udp", test_udp) ||
	    !CU_add_test(suite, "icmp", test_icmp) ||
	    !CU_add_test(suite, "arp", test_arp) ||
	    !CU_add_test(suite, "vlan", test_vlan) ||
	    !CU_add_test(suite, "ip options", test_ip_options) ||
	    !CU_add_test(suite, "ethernet padding", test_eth_padding) ||
	    !CU_add_test(suite, "ttl and DF accepted", test_ttl_and_df) ||
	    !CU_add_test(suite, "ip checksum", test_ip_csum) ||
	    !CU_add_test(suite, "icmp error: the quoted packet", test_icmp_quote) ||
	    !CU_add_test(suite, "drop: ethernet and vlan", test_drop_eth_vlan) ||
	    !CU_add_test(suite, "drop: arp", test_drop_arp) ||
	    !CU_add_test(suite, "drop: ip header", test_drop_ip_header) ||
	    !CU_add_test(suite, "drop: fragment", test_drop_fragment) ||
	    !CU_add_test(suite, "drop: unsupported l4", test_drop_unsupp_l4) ||
	    !CU_add_test(suite, "accept: vrrp, without ports", test_accept_vrrp) ||
	    !CU_add_test(suite, "drop: frames no host sends", test_drop_hostile) ||
	    !CU_add_test(suite, "drop: truncated l4", test_drop_trunc_l4) ||
	    !CU_add_test(suite, "drop: tcp data offset", test_drop_tcp_hlen) ||
	    !CU_add_test(suite, "drop: udp length", test_drop_udp_len) ||
	    !CU_add_test(suite, "every truncation", test_truncations) ||
	    !CU_add_test(suite, "fuzz", test_fuzz))
		return -1;
	return 0;
}
