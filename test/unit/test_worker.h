/*
 * What the worker suite's parts share: the in-process appliance, its
 * addresses, the frames the tests send and the checks they make
 * (test_worker.c defines them).
 * Threading: one thread, the EAL main lcore.
 */
#ifndef SLUICE_TEST_WORKER_H
#define SLUICE_TEST_WORKER_H

#include <stdint.h>

#include "dataplane/app.h"
#include "dataplane/conntrack.h"
#include "dataplane/worker.h"
#include "test/lib/pktbuild.h"

/* Addresses and ports, host order. The client sits behind port 0's gateway,
 * so its SYN teaches the worker no neighbour (no event, no learning). */
#define IP_GW 0xc61200feu       /* 198.18.0.254 */
#define IP_VIP1 0xc612000au     /* 198.18.0.10 */
#define IP_VIP2 0xc612000bu     /* 198.18.0.11 */
#define IP_BACKEND 0xc612010bu  /* 198.18.1.11 */
#define IP_CLIENT 0x0a000001u   /* 10.0.0.1 */
#define VIP_PORT 80
#define DNS_PORT 53
#define BACKEND_PORT 8080
#define BACKEND_DNS_PORT 5353
#define CLIENT_PORT 40000

#define MAX_RX 8
#define IP_VIP_FULLNAT 0xc612000cu /* 198.18.0.12 */
#define IP_VIP_DR 0xc612000du   /* 198.18.0.13 */
#define IP_LADDR 0xc6120102u    /* 198.18.1.2, the fullnat service's local address */

enum side { SIDE_CLIENT = 0, SIDE_BACKEND = 1 };  /* = app port index */

extern struct sl_app app;
extern struct worker *w;
extern const uint8_t gw_mac[6];
extern const uint8_t backend_mac[6];

/* The worker's totals since it was made; a macro, so a failure names the
 * test's line. */
#define ASSERT_COUNTS(created, tx, drops) do { \
	CU_ASSERT_EQUAL(w->stats.conns_created, (created)); \
	CU_ASSERT_EQUAL(w->stats.tx_packets, (tx)); \
	CU_ASSERT_EQUAL(drops_total(), (drops)); \
} while (0)

void tcp_spec(struct pb_spec *s, enum side side, uint32_t src, uint16_t sport, uint32_t dst,
	      uint16_t dport, uint8_t flags);
/* The client's endpoint to vip:80. */
void from_client(struct pb_spec *s, uint32_t vip, uint8_t flags);
/* The client's datagram to VIP1's DNS service, from the same port. */
void dns_from_client(struct pb_spec *s);
/* One loop pass that receives a single burst. */
void pass(enum side side, const struct pb_spec *specs, unsigned int n);
/* One frame received on `side`, within the current pass. */
void rx_frame(enum side side, const uint8_t *frame, uint32_t len);
uint64_t drops_total(void);
/* The connection whose orig tuple is client:port -> vip:vport, or NULL. */
struct ct_conn *conn_of(uint8_t proto, uint32_t vip, uint16_t vport);
/* Every mbuf is back in its pool (per-lcore caches included). */
void assert_mbufs_home(void);

/* test_worker_icmp.c */
void test_icmp_nat_client_side(void);
void test_icmp_nat_backend_side(void);
void test_icmp_fullnat(void);
void test_icmp_dr(void);
void test_icmp_err_refused(void);

#endif
