/*
 * Pipeline benchmark (bench_pipeline.c tells what is measured and how): the
 * types its parent and child share, and the feed's frame fillers, inline
 * because the measured loops call them per packet.
 *
 * bench_pipeline.c: options, one child process per configuration, output;
 * bench_setup.c:    the child's EAL, appliance and neighbours, flows opened;
 * bench_loop.c:     the measured loops and the mem scenario.
 * Threading: one thread per process (the child's main lcore is worker 0).
 */
#ifndef SLUICE_BENCH_PIPELINE_H
#define SLUICE_BENCH_PIPELINE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_debug.h>
#include <rte_mbuf.h>

#include "control/startup.h"
#include "dataplane/worker.h"
#include "test/lib/pktbuild.h"

#define BURST 32
#define FRAME_LEN 60            /* 64 bytes on the wire with the FCS */
#define MAX_RUNS 64
#define MAX_CONFIGS 32
#define MAX_BACKENDS 200

/* Addresses, host order. Clients sit behind the gateway of port 0. */
#define IP_PORT0 0xc6120001u    /* 198.18.0.1/24 */
#define IP_GW 0xc61200feu       /* 198.18.0.254 */
#define IP_VIP 0xc612000au      /* 198.18.0.10 */
#define IP_PORT1 0xc6120101u    /* 198.18.1.1/24 */
#define IP_BACKEND0 0xc612010bu /* 198.18.1.11 + b */
#define IP_EST_CLIENTS 0x0b000000u /* 11/8: established flows */
#define IP_NEW_CLIENTS 0x0a000000u /* 10/8: new connections */
#define IP_NEW_CLIENTS_P0 0x0c000000u /* 12/8: new connections whose port would be 0 */
#define VIP_PORT 80
#define BACKEND_PORT 8080
#define VIP_UDP_PORT 53
#define BACKEND_UDP_PORT 5353
#define EST_PORTS_BITS 15       /* flow i: client 11.0.0.0 + (i >> 15), port 16384 + low bits */

enum scenario { SC_EST, SC_NEW, SC_MIX, SC_MEM, SC__COUNT };
extern const char *const sc_names[SC__COUNT];

struct opts {
	int scenarios[SC__COUNT];
	uint32_t conns[MAX_CONFIGS];
	unsigned int n_conns;
	uint32_t base;              /* established flows under new / mix */
	uint64_t pkts;              /* packets per run (est, mix) */
	uint64_t new_per_run;       /* SYNs per run (new) */
	unsigned int runs;
	uint32_t backends;
	char sched[8];
	unsigned int lcore;
	int huge;
	int sw_csum;
	int quick;
	int sync;                   /* session sync on: workers report to their ring */
	int udp;                    /* new flows are UDP (synced as they are made) */
	unsigned int wait_quiet;    /* seconds, 0 = do not wait */
	const char *csv;
	const char *eal_extra;
};

struct result {
	int ok;
	enum scenario sc;
	uint32_t conns;
	uint32_t capacity;
	unsigned int runs;
	uint64_t pkts;              /* per run */
	double gross_ns[MAX_RUNS];  /* per packet, worker run incl. feed */
	double timed_ns[MAX_RUNS];  /* per packet, the worker's part of that run */
	double feed_ns;             /* median: alloc + fill + free_bulk */
	double null_ns;             /* median: alloc + fill + net_null TX */
	double new_frac;            /* new connections / packets */
	uint64_t drops;
	double mem_per_conn;        /* mem: measured heap bytes / capacity */
	double memsize_per_conn;    /* mem: ct_table_memsize / capacity */
	uint64_t mem_bytes;
	double tsc_ghz;
	double loadavg;             /* before the run */
};

struct bench {
	const struct opts *o;
	struct sl_app app;
	struct worker *w;
	enum scenario sc;
	uint32_t n_flows;           /* established flows */
	uint8_t *be_of;             /* flow -> backend id */
	uint32_t bip[MAX_BACKENDS]; /* network order */
	uint16_t bport;             /* network order */
	uint16_t port_id[2];
	struct rte_mempool *pool[2];
	uint64_t ol_flags;
	uint64_t rng;
	uint64_t new_seq;           /* next new-connection number */
	uint32_t new_thresh;        /* mix: port-0 packet is a SYN when rand16 < this */
	struct pb_tmpl t_syn, t_ack, t_synack, t_rack;
	struct pb_tmpl t_new;       /* a new flow's first packet: t_syn, or UDP */
};

static inline uint32_t
rnd_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((pb_rand(s) >> 32) * n) >> 32);
}

static inline uint32_t
est_client_ip(uint32_t i)
{
	return rte_cpu_to_be_32(IP_EST_CLIENTS + (i >> EST_PORTS_BITS));
}

static inline uint16_t
est_client_port(uint32_t i)
{
	return rte_cpu_to_be_16((uint16_t)(16384 + (i & ((1u << EST_PORTS_BITS) - 1))));
}

/*
 * New connection k: a bijection of k onto 40 bits (24-bit host in 10/8,
 * 16-bit port), so no two SYNs of a process share a client endpoint.
 */
static inline void
new_client(uint64_t k, uint32_t *ip, uint16_t *port)
{
	const uint64_t m40 = (1ull << 40) - 1;
	uint64_t x = (k * 0x9e3779b97f4a7c15ull) & m40;

	x ^= x >> 20;
	x = (x * 0xc2b2ae3d27d4eb4full) & m40;
	/* Port 0 is refused as hostile: those endpoints move to 12/8, port 1,
	 * which no other k reaches. */
	if ((uint16_t)x == 0) {
		*ip = rte_cpu_to_be_32(IP_NEW_CLIENTS_P0 | (uint32_t)(x >> 16));
		*port = rte_cpu_to_be_16(1);
		return;
	}
	*ip = rte_cpu_to_be_32(IP_NEW_CLIENTS | (uint32_t)(x >> 16));
	*port = rte_cpu_to_be_16((uint16_t)x);
}

/* Client -> VIP from (cip, cport). */
static inline void
fill_orig(uint8_t *d, const struct pb_tmpl *t, uint32_t cip, uint16_t cport)
{
	/* FRAME_LEN rounded up to 64: a constant copy, a few moves. */
	memcpy(d, t->frame, 64);
	pb_tmpl_stamp_src(d, t, cip, cport);
}

/* Backend -> client. */
static inline void
fill_reply(uint8_t *d, const struct pb_tmpl *t, uint32_t bip, uint16_t bport,
	   uint32_t cip, uint16_t cport)
{
	memcpy(d, t->frame, 64);
	pb_tmpl_stamp_flow(d, t, bip, bport, cip, cport);
}

static inline void
feed_alloc(struct bench *b, int side, struct rte_mbuf **pk, uint16_t n)
{
	uint16_t i;

	if (unlikely(rte_pktmbuf_alloc_bulk(b->pool[side], pk, n) != 0))
		rte_exit(EXIT_FAILURE, "bench: mempool empty (mbufs leaked?)\n");
	for (i = 0; i < n; i++) {
		pk[i]->data_len = FRAME_LEN;
		pk[i]->pkt_len = FRAME_LEN;
		pk[i]->port = b->port_id[side];
		pk[i]->ol_flags = b->ol_flags;
	}
}

/*
 * bench_setup.c: one configuration from EAL init to cleanup, in *r.
 * Context: a freshly forked child, once (EAL cannot start twice).
 */
int bench_child_run(const struct opts *o, enum scenario sc, uint32_t conns, struct result *r,
		    const char *argv0);

/* bench_loop.c. Context: the child's main lcore, acting as worker 0. */
int bench_traffic(struct bench *b, struct result *r);
int bench_mem(struct bench *b, struct result *r, uint32_t capacity);

/* Also bench_loop.c; pure, the parent's output uses the median too. */
uint64_t bench_drops_total(const struct worker *w);
void bench_print_drops(const struct worker *w);
double bench_median(const double *v, unsigned int n);

#endif
