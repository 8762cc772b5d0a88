/*
 * Suite "xlate": header rewrites and incremental checksums.
 *
 * The oracle is the test builder: rewriting a frame built from spec A must
 * give byte for byte the frame the builder makes from spec B (A with the new
 * addresses, ports, TTL), whose checksums come from the builder's own slow
 * code. Each rewritten frame is also checked against xlate_csum_full(), and
 * frames sit at odd and even offsets so UBSan sees unaligned access.
 *
 * This file: the fixtures and the registration; the tests are in
 * test_xlate_nat.c and test_xlate_reply.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "dataplane/xlate.h"
#include "test/lib/pktbuild.h"
#include "test_xlate.h"
#include "unit.h"

const uint8_t our_mac[6] = { 0x02, 0x5c, 0x00, 0x00, 0x00, 0xaa };

uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t
oc_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

uint16_t
words_csum(const uint16_t *w, unsigned int n)
{
	uint16_t s = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		s = oc_add(s, w[i]);
	return (uint16_t)~s;
}

uint16_t
bswap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

uint8_t *
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

uint32_t
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

uint16_t
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

void
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
	/* A source a host can have (first octet 1..223 but 127), not the
	 * destination, and ports other than 0: what the parser accepts. */
	s->src_ip = (uint32_t)(r >> 16);
	s->src_ip = (s->src_ip & 0x00ffffffu) | (uint32_t)(1 + (s->src_ip >> 24) % 223) << 24;
	if ((s->src_ip >> 24) == 127)
		s->src_ip ^= 0x01000000u;
	s->dst_ip = (uint32_t)pb_rand(rng);
	if (s->dst_ip == s->src_ip)
		s->dst_ip ^= 1;
	r = pb_rand(rng);
	s->src_port = (uint16_t)(r | 1);
	s->dst_port = (uint16_t)((r >> 16) | 0x8000);
	s->ip_id = (uint16_t)(r >> 32);
	s->tos = (uint8_t)(r >> 48);
	s->eth_pad = (r >> 56) % 4 == 0 ? (uint16_t)((r >> 58) % 20) : 0;
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
