/*
 * The xlate suite's fixtures (test_xlate.c) and the tests of its parts,
 * which test_xlate.c registers in one suite: test_xlate_nat.c,
 * test_xlate_reply.c. Threading: single-threaded.
 */
#ifndef SLUICE_TEST_XLATE_H
#define SLUICE_TEST_XLATE_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"
#include "dataplane/xlate.h"
#include "test/lib/pktbuild.h"

#define NAT_ROUNDS 30000
#define WORD_ROUNDS 200000

extern const uint8_t our_mac[];

uint16_t get16(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);

/* One's complement sum of two host-order words (end-around carry). */
uint16_t oc_add(uint16_t a, uint16_t b);

/* Reference checksum of n host-order words. */
uint16_t words_csum(const uint16_t *w, unsigned int n);

uint16_t bswap16(uint16_t v);

/* Build s into a fresh block at offset `align` and parse it (must succeed). */
uint8_t *build(const struct pb_spec *s, unsigned int align, uint32_t *len, struct pkt_meta *m);

uint32_t rand_ip(uint64_t *rng, uint32_t old);
uint16_t rand_port(uint64_t *rng, uint16_t old);
void random_spec(uint64_t *rng, struct pb_spec *s);

/* test_xlate_nat.c */
void test_rfc1624_example(void);
void test_update_matches_full(void);
void test_nat_random(void);
void test_ttl_refused(void);
void test_nothing_changes(void);
void test_fullnat_fields(void);
void test_udp_zero_csum(void);
void test_l4_csum_zero_result(void);
void test_ip_csum_zero_result(void);
void test_icmp_nat(void);
void test_set_macs(void);

/* test_xlate_reply.c */
void test_echo_reply(void);
void test_echo_reply_all_zero(void);
void test_echo_reply_refused(void);
void test_arp_reply(void);
void test_arp_reply_refused(void);
void test_csum_full(void);
void test_csum_full_udp_zero(void);
void test_csum_full_udp_short(void);

#endif
