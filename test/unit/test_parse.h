/*
 * The parse suite's fixtures (test_parse.c) and the tests of its parts,
 * which test_parse.c registers in one suite: test_parse_accept.c,
 * test_parse_drop.c. Threading: single-threaded.
 */
#ifndef SLUICE_TEST_PARSE_H
#define SLUICE_TEST_PARSE_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "test/lib/pktbuild.h"

#define FUZZ_ROUNDS 200000

int parse_exact(const uint8_t *frame, uint32_t len, unsigned int flags, struct pkt_meta *m);
int drop_of(const uint8_t *frame, uint32_t len, unsigned int flags);

#define ASSERT_DROP(frame, len, flags, reason) \
	CU_ASSERT_EQUAL(drop_of(frame, len, flags), pkt_parse_fail(SL_DROP_##reason))

void put16(uint8_t *p, uint16_t v);

/* Recompute the IPv4 header checksum after a test edits the header. */
void fix_ip_csum(uint8_t *frame, uint32_t l3);

uint32_t l4_hdr_len(const struct pb_spec *s);

/* Every meta field of an IPv4 frame built from s. */
void check_ipv4_meta(const struct pkt_meta *m, const struct pb_spec *s);

/* Build, parse with and without checksum verification, check all fields. */
void check_good_ipv4(const struct pb_spec *s);

void check_good_arp(const struct pb_arp_spec *a);

/* test_parse_accept.c */
void test_tcp(void);
void test_udp(void);
void test_icmp(void);
void test_arp(void);
void test_vlan(void);
void test_ip_options(void);
void test_eth_padding(void);
void test_ttl_and_df(void);
void test_ip_csum(void);
void test_icmp_quote(void);

/* test_parse_drop.c */
void test_drop_eth_vlan(void);
void test_drop_arp(void);
void test_drop_ip_header(void);
void test_drop_fragment(void);
void test_drop_unsupp_l4(void);
void test_accept_vrrp(void);
void test_drop_hostile(void);
void test_drop_trunc_l4(void);
void test_drop_tcp_hlen(void);
void test_drop_udp_len(void);
void test_truncations(void);
void test_fuzz(void);

#endif
