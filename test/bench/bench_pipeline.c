/*
 * Pipeline benchmark (issue 4): one worker's real packet path (parse ->
 * conntrack -> schedule -> rewrite -> TX) on one core, fed pre-built mbufs
 * in bursts of 32, no real I/O.
 *
 * The set-up is the appliance's own: rte_eal_init, a config from
 * cfg_load_string() naming two net_null ports, app_init() with one worker,
 * and a neighbour table (gateway + backends) published in app.neigh, since
 * no control lcore runs. The main lcore then acts as worker 0, exactly as
 * worker_main() does: worker_pass_begin, one burst "received" per port,
 * worker_pass_end (TX flush, expiry slice).
 *
 * Feed: each burst is 32 mbufs taken from the port's pool
 * (rte_pktmbuf_alloc_bulk) and filled from a 64-byte template (addresses,
 * ports, incremental IPv4 and TCP checksums) for random flows. The worker
 * sends them to net_null, whose TX frees them back to the pool, so mbufs go
 * round. The feed is timed on its own too, ending in rte_pktmbuf_free_bulk
 * ("feed") and in a net_null TX burst ("feed+null"): the worker's share is
 * gross - feed, and null - feed is what net_null's TX costs per packet.
 * The worker's share is also timed directly ("timed"): each pass builds
 * both bursts first, then reads the TSC around worker_pass_begin ...
 * worker_pass_end only, so the mbufs reach the worker pre-built, as the
 * issue defines the benchmark, and in cache, as after an RX burst.
 *
 * Each configuration runs in a child process with its own EAL (forked
 * before rte_eal_init): a table size is fixed at app_init(), and ports and
 * named pools cannot be set up twice in one process.
 *
 * Scenarios:
 *   est  N connections opened (SYN, SYN-ACK, ACK: ESTABLISHED), then
 *        64-byte ACKs of random flows, per pass one burst client->VIP on
 *        port 0 and one burst backend->client on port 1 (50/50);
 *   new  SYNs from never-seen client endpoints, one burst per pass; the
 *        table holds a whole run, and the run's connections are deleted
 *        (untimed) before the next run;
 *   mix  est with 20 % of the port-0 packets new SYNs: 10 % new overall;
 *   mem  heap bytes a worker takes per connection (rte_malloc heap stats
 *        around worker_create), against ct_table_memsize().
 *
 * Usage: see usage() below; results to stdout and, with --csv, a CSV that
 * test/bench/plot_mpps.py turns into docs/mpps_vs_conns.svg.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "control/config.h"
#include "control/startup.h"
#include "dataplane/bytes.h"
#include "dataplane/conntrack.h"
#include "dataplane/neigh.h"
#include "dataplane/pkt.h"
#include "dataplane/worker.h"

#define BURST 32
#define FRAME_LEN 60            /* 64 bytes on the wire with the FCS */
#define MAX_RUNS 64
#define MAX_CONFIGS 32
#define MAX_BACKENDS 200

/* Frame offsets (no VLAN, 20-byte IPv4 and TCP headers). */
#define OFF_IP 14
#define OFF_IP_CSUM (OFF_IP + 10)
#define OFF_IP_SRC (OFF_IP + 12)
#define OFF_IP_DST (OFF_IP + 16)
#define OFF_TCP 34
#define OFF_TCP_FLAGS (OFF_TCP + 13)
#define OFF_TCP_CSUM (OFF_TCP + 16)

/* Addresses, host order. Clients sit behind the gateway of port 0. */
#define IP_PORT0 0xc6120001u    /* 198.18.0.1/24 */
#define IP_GW 0xc61200feu       /* 198.18.0.254 */
#define IP_VIP 0xc612000au      /* 198.18.0.10 */
#define IP_PORT1 0xc6120101u    /* 198.18.1.1/24 */
#define IP_BACKEND0 0xc612010bu /* 198.18.1.11 + b */
#define IP_EST_CLIENTS 0x0b000000u /* 11/8: established flows */
#define IP_NEW_CLIENTS 0x0a000000u /* 10/8: new connections */
#define VIP_PORT 80
#define BACKEND_PORT 8080
#define EST_PORTS_BITS 15       /* flow i: client 11.0.0.0 + (i >> 15), port 16384 + low bits */

enum scenario { SC_EST, SC_NEW, SC_MIX, SC_MEM, SC__COUNT };
static const char *const sc_names[SC__COUNT] = { "est", "new", "mix", "mem" };

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

/* Packet templates: variable fields zero, their checksum sums without them. */
struct tmpl {
	uint8_t b[64];
	uint32_t ip_sum;
	uint32_t l4_sum;
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
	struct tmpl t_syn, t_ack, t_synack, t_rack;
};

/* Helpers */

/* Fold and complement a sum of native 16-bit words (RFC 1071 2(B)). */
static inline uint16_t
csum_fin(uint64_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint32_t
words32(uint32_t v)
{
	return (v & 0xffff) + (v >> 16);
}

static uint32_t
sum_words(const uint8_t *p, unsigned int n)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < n; i += 2)
		s += sl_ld16(p + i);
	return s;
}

static inline uint64_t
rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline uint32_t
rnd_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rnd(s) >> 32) * n) >> 32);
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
	*ip = rte_cpu_to_be_32(IP_NEW_CLIENTS | (uint32_t)(x >> 16));
	*port = rte_cpu_to_be_16((uint16_t)x);
}

/* Templates */

static void
tmpl_init(struct tmpl *t, const struct rte_ether_addr *dmac, uint32_t src, uint32_t dst,
	  uint16_t sport, uint16_t dport, uint8_t flags)
{
	static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };
	uint8_t *b = t->b, pseudo[12];

	memset(t, 0, sizeof(*t));
	memcpy(b, dmac, 6);
	memcpy(b + 6, gw_mac, 6);
	b[12] = 0x08;
	b[13] = 0x00;
	b[OFF_IP] = 0x45;
	sl_st16(b + OFF_IP + 2, rte_cpu_to_be_16(40));
	sl_st16(b + OFF_IP + 6, rte_cpu_to_be_16(0x4000)); /* DF */
	b[OFF_IP + 8] = 64;
	b[OFF_IP + 9] = IPPROTO_TCP;
	sl_st32(b + OFF_IP_SRC, src);
	sl_st32(b + OFF_IP_DST, dst);
	sl_st16(b + OFF_TCP, sport);
	sl_st16(b + OFF_TCP + 2, dport);
	sl_st32(b + OFF_TCP + 4, rte_cpu_to_be_32(0x01020304));
	sl_st32(b + OFF_TCP + 8, flags & RTE_TCP_ACK_FLAG ? rte_cpu_to_be_32(0x0a0b0c0d) : 0);
	b[OFF_TCP + 12] = 5 << 4;
	b[OFF_TCP_FLAGS] = flags;
	sl_st16(b + OFF_TCP + 14, rte_cpu_to_be_16(65535));
	t->ip_sum = sum_words(b + OFF_IP, 20);
	memcpy(pseudo, b + OFF_IP_SRC, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	sl_st16(pseudo + 10, rte_cpu_to_be_16(20));
	t->l4_sum = sum_words(pseudo, 12) + sum_words(b + OFF_TCP, 20);
}

/* Client -> VIP from (cip, cport). */
static inline void
fill_orig(uint8_t *d, const struct tmpl *t, uint32_t cip, uint16_t cport)
{
	uint32_t w = words32(cip);

	memcpy(d, t->b, 64);
	sl_st32(d + OFF_IP_SRC, cip);
	sl_st16(d + OFF_TCP, cport);
	sl_st16(d + OFF_IP_CSUM, csum_fin(t->ip_sum + w));
	sl_st16(d + OFF_TCP_CSUM, csum_fin((uint64_t)t->l4_sum + w + cport));
}

/* Backend -> client. */
static inline void
fill_reply(uint8_t *d, const struct tmpl *t, uint32_t bip, uint16_t bport,
	   uint32_t cip, uint16_t cport)
{
	uint32_t w = words32(cip) + words32(bip);

	memcpy(d, t->b, 64);
	sl_st32(d + OFF_IP_SRC, bip);
	sl_st32(d + OFF_IP_DST, cip);
	sl_st16(d + OFF_TCP, bport);
	sl_st16(d + OFF_TCP + 2, cport);
	sl_st16(d + OFF_IP_CSUM, csum_fin(t->ip_sum + w));
	sl_st16(d + OFF_TCP_CSUM, csum_fin((uint64_t)t->l4_sum + w + bport + cport));
}

/* Independent check of a built frame: both checksums verify. */
static int
frame_ok(const uint8_t *d)
{
	uint8_t pseudo[12];
	uint32_t s;

	if (csum_fin(sum_words(d + OFF_IP, 20)) != 0)
		return 0;
	memcpy(pseudo, d + OFF_IP_SRC, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	sl_st16(pseudo + 10, rte_cpu_to_be_16(20));
	s = sum_words(pseudo, 12) + sum_words(d + OFF_TCP, 20);
	return csum_fin(s) == 0;
}

/* Feed */

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

static inline void
fill_new_syn(struct bench *b, uint8_t *d)
{
	uint32_t ip;
	uint16_t port;

	new_client(b->new_seq++, &ip, &port);
	fill_orig(d, &b->t_syn, ip, port);
}

/* One burst of the timed traffic for `side` (0: client side, 1: backends). */
static inline void
gen_burst(struct bench *b, int side, struct rte_mbuf **pk)
{
	uint16_t i;

	feed_alloc(b, side, pk, BURST);
	for (i = 0; i < BURST; i++) {
		uint8_t *d = rte_pktmbuf_mtod(pk[i], uint8_t *);
		uint32_t f;

		if (b->sc == SC_NEW) {
			fill_new_syn(b, d);
			continue;
		}
		if (side == 0 && b->sc == SC_MIX &&
		    (rnd(&b->rng) & 0xffff) < b->new_thresh) {
			fill_new_syn(b, d);
			continue;
		}
		f = rnd_below(&b->rng, b->n_flows);
		if (side == 0)
			fill_orig(d, &b->t_ack, est_client_ip(f), est_client_port(f));
		else
			fill_reply(d, &b->t_rack, b->bip[b->be_of[f]], b->bport,
				   est_client_ip(f), est_client_port(f));
	}
}

enum loop_mode { LOOP_WORKER, LOOP_FEED, LOOP_FEED_NULL };

/*
 * `passes` loop passes; returns TSC cycles, and in *worker_cyc (LOOP_WORKER)
 * those spent from worker_pass_begin to worker_pass_end. Two TSC reads per
 * pass of 64 packets: about one cycle per packet of the worker's figure.
 */
static uint64_t
run_loop(struct bench *b, uint64_t passes, enum loop_mode mode, uint64_t *worker_cyc)
{
	struct rte_mbuf *pk[2][BURST];
	int sides = b->sc == SC_NEW ? 1 : 2, s;
	uint64_t p, t0, in_worker = 0;
	uint16_t sent;

	t0 = rte_rdtsc();
	for (p = 0; p < passes; p++) {
		if (mode == LOOP_WORKER) {
			uint64_t w0;

			for (s = 0; s < sides; s++)
				gen_burst(b, s, pk[s]);
			w0 = rte_rdtsc();
			worker_pass_begin(b->w);
			for (s = 0; s < sides; s++)
				worker_process(b->w, pk[s], BURST);
			worker_pass_end(b->w);
			in_worker += rte_rdtsc() - w0;
			continue;
		}
		for (s = 0; s < sides; s++) {
			gen_burst(b, s, pk[s]);
			switch (mode) {
			case LOOP_WORKER:
				break;
			case LOOP_FEED:
				rte_pktmbuf_free_bulk(pk[s], BURST);
				break;
			case LOOP_FEED_NULL:
				/* Out of the other port, as the worker would. */
				sent = rte_eth_tx_burst(b->port_id[!s], 0, pk[s], BURST);
				if (sent < BURST)
					rte_pktmbuf_free_bulk(pk[s] + sent, BURST - sent);
				break;
			}
		}
	}
	if (worker_cyc != NULL)
		*worker_cyc = in_worker;
	return rte_rdtsc() - t0;
}

/* Set-up */

static char *
make_config(const struct opts *o, uint32_t capacity)
{
	size_t cap = 4096 + (size_t)o->backends * 96;
	char *s = malloc(cap);
	size_t n;
	uint32_t i;

	if (s == NULL)
		return NULL;
	n = (size_t)snprintf(s, cap,
		"workers: { burst = %d; };\n"
		"conntrack: { capacity = %u; };\n"
		"ports = (\n"
		"  { name = \"client\"; device = \"net_null0\";\n"
		"    addresses = [ \"198.18.0.1/24\" ]; gateway = \"198.18.0.254\"; },\n"
		"  { name = \"backend\"; device = \"net_null1\";\n"
		"    addresses = [ \"198.18.1.1/24\" ]; }\n"
		");\n"
		"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = %d;\n"
		"  protocol = \"tcp\"; scheduler = \"%s\"; forward = \"nat\";\n"
		"  backends = (\n",
		BURST, capacity, VIP_PORT, o->sched);
	for (i = 0; i < o->backends; i++)
		n += (size_t)snprintf(s + n, cap - n,
			"    { address = \"198.18.1.%u\"; port = %d; weight = 1; }%s\n",
			11 + i, BACKEND_PORT, i + 1 < o->backends ? "," : "");
	snprintf(s + n, cap - n, "  ); } );\n");
	return s;
}

static struct cfg *
load_config(const struct opts *o, uint32_t capacity)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;
	char *text = make_config(o, capacity);

	if (text == NULL)
		return NULL;
	cfg_errors_init(&errs);
	cfg_load_string(text, "<bench>", &c, &errs);
	if (c == NULL)
		cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	free(text);
	return c;
}

static int
publish_neighbours(struct bench *b)
{
	struct neigh_entry e[MAX_BACKENDS + 1];
	uint32_t i;

	memset(e, 0, sizeof(e));
	e[0].ip = rte_cpu_to_be_32(IP_GW);
	e[0].port = 0;
	memcpy(e[0].mac.addr_bytes, "\x02\x00\x00\x00\xfe\x01", 6);
	for (i = 0; i < b->o->backends; i++) {
		e[i + 1].ip = b->bip[i];
		e[i + 1].port = 1;
		memcpy(e[i + 1].mac.addr_bytes, "\x02\x00\x00\x01\x00\x00", 6);
		e[i + 1].mac.addr_bytes[5] = (uint8_t)(11 + i);
	}
	b->app.neigh = neigh_table_build(e, b->o->backends + 1);
	return b->app.neigh != NULL ? 0 : -1;
}

static uint64_t
drops_total(const struct worker *w)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		n += w->stats.drops[i];
	return n;
}

static void
print_drops(const struct worker *w)
{
	int i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		if (w->stats.drops[i] != 0)
			fprintf(stderr, "bench:   drop reason %d: %" PRIu64 "\n", i,
				w->stats.drops[i]);
}

/*
 * Open flows [0, n): SYN (port 0), then SYN-ACK (port 1) and ACK (port 0),
 * 32 flows at a time, reading each flow's backend from its entry.
 */
static int
open_flows(struct bench *b, uint32_t n)
{
	struct worker *w = b->w;
	struct rte_mbuf *pk[BURST];
	uint32_t i, k, cnt;

	b->be_of = malloc(n);
	if (b->be_of == NULL)
		return -1;
	for (i = 0; i < n; i += cnt) {
		cnt = RTE_MIN((uint32_t)BURST, n - i);
		worker_pass_begin(w);
		feed_alloc(b, 0, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_orig(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_syn,
				  est_client_ip(i + k), est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		worker_pass_end(w);
		for (k = 0; k < cnt; k++) {
			struct ct_tuple key = {
				.src_ip = est_client_ip(i + k), .dst_ip = rte_cpu_to_be_32(IP_VIP),
				.src_port = est_client_port(i + k),
				.dst_port = rte_cpu_to_be_16(VIP_PORT),
			};
			enum ct_dir dir;
			const struct ct_conn *c = ct_lookup(w->ct, IPPROTO_TCP, &key, &dir);

			if (c == NULL || c->backend_id >= b->o->backends) {
				fprintf(stderr, "bench: flow %u not created\n", i + k);
				print_drops(w);
				return -1;
			}
			b->be_of[i + k] = (uint8_t)c->backend_id;
		}
		worker_pass_begin(w);
		feed_alloc(b, 1, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_reply(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_synack,
				   b->bip[b->be_of[i + k]], b->bport, est_client_ip(i + k),
				   est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		feed_alloc(b, 0, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_orig(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_ack,
				  est_client_ip(i + k), est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		worker_pass_end(w);
	}
	cnt = 0;
	for (k = 0; k < b->o->backends; k++)
		cnt += w->active[k];
	if (cnt != n || drops_total(w) != 0) {
		fprintf(stderr, "bench: %u of %u flows ESTABLISHED, %" PRIu64 " drops\n",
			cnt, n, drops_total(w));
		print_drops(w);
		return -1;
	}
	b->n_flows = n;
	return 0;
}

/* new: forget this run's connections (all still SYN_SENT). */
static int
reset_new_cb(struct ct_conn *c, void *arg)
{
	if (c->state == CT_SYN_SENT)
		ct_delete(arg, c);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, unsigned int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
bench_templates(struct bench *b)
{
	const struct rte_ether_addr *m0 = &b->app.ports[0].mac, *m1 = &b->app.ports[1].mac;
	uint32_t vip = rte_cpu_to_be_32(IP_VIP);
	uint16_t vport = rte_cpu_to_be_16(VIP_PORT);
	uint8_t f[64];
	uint32_t i;

	b->bport = rte_cpu_to_be_16(BACKEND_PORT);
	for (i = 0; i < b->o->backends; i++)
		b->bip[i] = rte_cpu_to_be_32(IP_BACKEND0 + i);
	tmpl_init(&b->t_syn, m0, 0, vip, 0, vport, RTE_TCP_SYN_FLAG);
	tmpl_init(&b->t_ack, m0, 0, vip, 0, vport, RTE_TCP_ACK_FLAG);
	tmpl_init(&b->t_synack, m1, 0, 0, 0, 0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	tmpl_init(&b->t_rack, m1, 0, 0, 0, 0, RTE_TCP_ACK_FLAG);
	fill_orig(f, &b->t_ack, est_client_ip(12345), est_client_port(12345));
	if (!frame_ok(f))
		rte_exit(EXIT_FAILURE, "bench: template checksum (orig) wrong\n");
	fill_reply(f, &b->t_rack, b->bip[0], b->bport, est_client_ip(777), est_client_port(777));
	if (!frame_ok(f))
		rte_exit(EXIT_FAILURE, "bench: template checksum (reply) wrong\n");
}

/* Timed part of est / new / mix. */
static int
bench_traffic(struct bench *b, struct result *r)
{
	const struct opts *o = b->o;
	struct worker *w = b->w;
	uint64_t pkts_per_pass = b->sc == SC_NEW ? BURST : 2 * BURST;
	uint64_t per_run = b->sc == SC_NEW ? o->new_per_run : o->pkts;
	uint64_t passes = (per_run + pkts_per_pass - 1) / pkts_per_pass;
	uint64_t created0 = 0, pkts_total = 0, cyc;
	double hz = (double)rte_get_tsc_hz(), feed[MAX_RUNS], null[MAX_RUNS];
	unsigned int run;

	r->pkts = passes * pkts_per_pass;
	/* Warm-up: caches, branch predictors, pool cache. */
	run_loop(b, passes / 4 + 1, LOOP_WORKER, NULL);
	if (b->sc == SC_NEW)
		ct_walk(w->ct, reset_new_cb, w->ct);
	memset(&w->stats.drops, 0, sizeof(w->stats.drops));
	for (run = 0; run < o->runs; run++) {
		uint64_t tx0 = w->stats.tx_packets, c0 = w->stats.conns_created, wcyc;

		cyc = run_loop(b, passes, LOOP_WORKER, &wcyc);
		r->gross_ns[run] = (double)cyc / hz * 1e9 / (double)r->pkts;
		r->timed_ns[run] = (double)wcyc / hz * 1e9 / (double)r->pkts;
		if (w->stats.tx_packets - tx0 != r->pkts || drops_total(w) != 0) {
			fprintf(stderr, "bench: run %u: sent %" PRIu64 " of %" PRIu64 "\n", run,
				w->stats.tx_packets - tx0, r->pkts);
			print_drops(w);
			r->drops = drops_total(w);
			return -1;
		}
		created0 += w->stats.conns_created - c0;
		pkts_total += r->pkts;
		if (b->sc == SC_NEW)
			ct_walk(w->ct, reset_new_cb, w->ct);
		cyc = run_loop(b, passes, LOOP_FEED, NULL);
		feed[run] = (double)cyc / hz * 1e9 / (double)r->pkts;
		cyc = run_loop(b, passes, LOOP_FEED_NULL, NULL);
		null[run] = (double)cyc / hz * 1e9 / (double)r->pkts;
	}
	r->feed_ns = median(feed, o->runs);
	r->null_ns = median(null, o->runs);
	r->new_frac = (double)created0 / (double)pkts_total;
	return 0;
}

/* mem: heap taken by worker_create() for each capacity, one at a time. */
static int
bench_mem(struct bench *b, struct result *r, uint32_t capacity)
{
	struct rte_malloc_socket_stats before, after;
	struct wk_params wp;
	struct worker *w2;
	int socket = (int)rte_socket_id();

	app_worker_params(b->app.cfg, &wp);
	wp.ct_capacity = capacity;
	rte_malloc_get_socket_stats(socket, &before);
	w2 = worker_create(&b->app, 1, rte_lcore_id(), &wp, b->app.snap);
	if (w2 == NULL)
		return -1;
	rte_malloc_get_socket_stats(socket, &after);
	worker_destroy(w2);
	r->mem_bytes = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
	r->mem_per_conn = (double)r->mem_bytes / capacity;
	r->memsize_per_conn = (double)ct_table_memsize(capacity) / capacity;
	return 0;
}

/* Child: one configuration from EAL init to cleanup. */
static int
child_run(const struct opts *o, enum scenario sc, uint32_t conns, struct result *r,
	  const char *argv0)
{
	char lcore[16], mem[32], *argv[32];
	struct bench b;
	uint32_t capacity;
	size_t need;
	int argc = 0, rc = -1;
	char *extra = NULL, *tok, *save = NULL;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.sc = sc;
	b.rng = 0x9e3779b97f4a7c15ull ^ conns;
	switch (sc) {
	case SC_EST:
		capacity = conns;
		break;
	case SC_NEW:
		/* The base flows, plus one run of SYNs (or the warm-up), 1 % slack. */
		capacity = conns + (uint32_t)(o->new_per_run + o->new_per_run / 100 + BURST);
		break;
	case SC_MIX:
		/* 10 % of every run, warm-up included, stay in the table. */
		capacity = conns + (uint32_t)((o->pkts * (o->runs + 1) / 10) * 11 / 10 + 1024);
		break;
	default:
		capacity = 1024;
		break;
	}
	capacity = RTE_MAX(capacity, 1024u);
	r->sc = sc;
	r->conns = conns;
	r->capacity = sc == SC_MEM ? conns : capacity;
	r->runs = o->runs;
	need = ct_table_memsize(capacity) + (sc == SC_MEM ? ct_table_memsize(conns) : 0);
	snprintf(lcore, sizeof(lcore), "%u", o->lcore);
	snprintf(mem, sizeof(mem), "%zu", (need >> 20) + 256);
	argv[argc++] = (char *)argv0;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcore;
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	/* No files shared with other DPDK processes on the machine. */
	argv[argc++] = (char *)(o->huge ? "--in-memory" : "--no-shconf");
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=*:warning";
	if (!o->huge)
		argv[argc++] = (char *)"--no-huge";
	if (o->eal_extra != NULL) {
		extra = strdup(o->eal_extra);
		for (tok = strtok_r(extra, " ", &save); tok != NULL && argc < 31;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench: EAL init failed: %s%s\n", rte_strerror(rte_errno),
			o->huge ? " (hugepages: echo N > /proc/sys/vm/nr_hugepages)" : "");
		free(extra);
		return -1;
	}
	r->tsc_ghz = (double)rte_get_tsc_hz() / 1e9;
	b.app.cfg = load_config(o, capacity);
	if (b.app.cfg == NULL)
		goto out_eal;
	{
		unsigned int lc = rte_lcore_id();

		if (app_init(&b.app, b.app.cfg, 1, &lc) != 0 || app_start_ports(&b.app) != 0)
			goto out_app;
	}
	b.w = b.app.workers[0];
	b.port_id[0] = b.app.ports[0].port_id;
	b.port_id[1] = b.app.ports[1].port_id;
	b.pool[0] = b.app.ports[0].pool;
	b.pool[1] = b.app.ports[1].pool;
	b.ol_flags = o->sw_csum ? 0 : RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	b.new_thresh = sc == SC_MIX ? 13107 : 0; /* 0.2 * 65536 */
	bench_templates(&b);
	if (publish_neighbours(&b) != 0)
		goto out_app;

	if (sc == SC_MEM) {
		rc = bench_mem(&b, r, conns);
	} else {
		uint32_t flows = sc == SC_EST ? conns : o->base;
		uint64_t t0 = rte_rdtsc();

		if (flows > 0 && open_flows(&b, flows) != 0)
			goto out_neigh;
		fprintf(stderr, "bench: %s: %u flows opened in %.1f s\n", sc_names[sc], flows,
			(double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
		rc = bench_traffic(&b, r);
		/* Flows opened together come round the expiry wheel together
		 * 65.5 s later (CT_WHEEL_SPAN) and are re-armed in one burst. */
		if ((double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz() > 60)
			fprintf(stderr, "bench: warning: ran over 60 s after opening the flows;"
				" re-arming of their wheel slot may be in the figures\n");
	}
out_neigh:
	neigh_table_free(b.app.neigh);
	b.app.neigh = NULL;
	free(b.be_of);
out_app:
	app_fini(&b.app);
	cfg_free(b.app.cfg);
out_eal:
	rte_eal_cleanup();
	free(extra);
	r->ok = rc == 0;
	return rc;
}

/* 1-minute load average: a busy machine shows in the figures. */
static double
loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Busy share of all CPUs over `ms` milliseconds, from /proc/stat; -1 if unknown. */
static double
cpu_busy(unsigned int ms)
{
	unsigned long long v[2][8];
	int k, i;

	for (k = 0; k < 2; k++) {
		FILE *f = fopen("/proc/stat", "r");
		int got;

		if (f == NULL)
			return -1;
		got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[k][0], &v[k][1],
			     &v[k][2], &v[k][3], &v[k][4], &v[k][5], &v[k][6], &v[k][7]);
		fclose(f);
		if (got != 8)
			return -1;
		if (k == 0)
			usleep(ms * 1000);
	}
	{
		unsigned long long tot = 0, idle = (v[1][3] - v[0][3]) + (v[1][4] - v[0][4]);

		for (i = 0; i < 8; i++)
			tot += v[1][i] - v[0][i];
		return tot == 0 ? -1 : 1.0 - (double)idle / (double)tot;
	}
}

/*
 * --wait-quiet: on a shared machine, wait (up to `s` seconds) until all
 * CPUs are under 10 % busy for half a second before starting a run.
 */
static void
wait_quiet(unsigned int s)
{
	unsigned int waited = 0;
	double b = 1;

	while (waited < s * 2 && (b = cpu_busy(500)) > 0.10)
		waited++;
	if (b > 0.10)
		fprintf(stderr, "bench: machine still %.0f %% busy after %u s; running anyway\n",
			b * 100, s);
}

/* Parent: one child per configuration; result back through a pipe. */
static int
run_config(const struct opts *o, enum scenario sc, uint32_t conns, struct result *r,
	   const char *argv0)
{
	int fd[2], status;
	pid_t pid;
	ssize_t got;

	memset(r, 0, sizeof(*r));
	if (o->wait_quiet > 0)
		wait_quiet(o->wait_quiet);
	r->loadavg = loadavg();
	if (pipe(fd) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		child_run(o, sc, conns, r, argv0);
		if (write(fd[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(2);
		_exit(r->ok ? 0 : 1);
	}
	close(fd[1]);
	got = read(fd[0], r, sizeof(*r));
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got != (ssize_t)sizeof(*r) || !r->ok) {
		r->ok = 0;
		return -1;
	}
	return 0;
}

/* Output */

static void
print_result(const struct opts *o, const struct result *r, FILE *csv)
{
	double g = median(r->gross_ns, r->runs), net = g - r->feed_ns;
	double tw = median(r->timed_ns, r->runs);
	double gmin = r->gross_ns[0], gmax = r->gross_ns[0];
	unsigned int i;

	if (r->sc == SC_MEM) {
		printf("mem  capacity %10u  worker heap %12" PRIu64 " B = %6.1f B/conn"
		       "  (ct_table_memsize %6.1f B/conn)\n",
		       r->conns, r->mem_bytes, r->mem_per_conn, r->memsize_per_conn);
		if (csv != NULL)
			fprintf(csv, "mem,%u,%u,%s,%s,,,,,,,,,,,%.2f,%.2f,,%.2f,,\n", r->conns,
				r->capacity, o->sched, o->huge ? "huge" : "nohuge", r->mem_per_conn,
				r->memsize_per_conn, r->loadavg);
		return;
	}
	for (i = 1; i < r->runs; i++) {
		gmin = RTE_MIN(gmin, r->gross_ns[i]);
		gmax = RTE_MAX(gmax, r->gross_ns[i]);
	}
	printf("%-4s conns %9u cap %9u %s: gross %6.1f ns/pkt %6.2f Mpps"
	       " [%.1f..%.1f ns] | feed %5.1f ns (+null tx %4.1f) |"
	       " worker %6.1f ns/pkt %6.2f Mpps | timed %6.1f ns/pkt %6.2f Mpps%s",
	       sc_names[r->sc], r->conns, r->capacity, o->sched, g, 1e3 / g, gmin, gmax,
	       r->feed_ns, r->null_ns - r->feed_ns, net, 1e3 / net, tw, 1e3 / tw,
	       r->sc == SC_NEW ? " = conns/s" : "");
	if (r->sc == SC_MIX)
		printf(" (new %.1f %%)", r->new_frac * 100);
	printf(" load %.1f\n", r->loadavg);
	if (csv != NULL)
		fprintf(csv, "%s,%u,%u,%s,%s,%u,%" PRIu64 ",%.2f,%.3f,%.2f,%.2f,%.2f,%.3f,%.2f,%.2f,,,"
			"%.4f,%.2f,%.2f,%.3f\n",
			sc_names[r->sc], r->conns, r->capacity, o->sched,
			o->huge ? "huge" : "nohuge", r->runs, r->pkts, g, 1e3 / g, r->feed_ns,
			r->null_ns - r->feed_ns, net, 1e3 / net, gmin, gmax, r->new_frac, r->loadavg,
			tw, 1e3 / tw);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bench_pipeline [options]\n"
		"  --scenario LIST  est,new,mix,mem (default: all)\n"
		"  --conns LIST     established flows for est and capacities for mem,\n"
		"                   K/M suffixes (default 1K,1M,10M)\n"
		"  --base N         established flows under new and mix (default 1M;\n"
		"                   new with --base 0 starts from an empty table)\n"
		"  --pkts N         packets per run, est and mix (default 16M)\n"
		"  --new N          SYNs per run, new (default 4M)\n"
		"  --runs N         timed runs; medians are reported (default 5)\n"
		"  --backends N     backends of the service (default 16)\n"
		"  --sched NAME     scheduler (default wlc)\n"
		"  --lcore N        core to run on (default 1)\n"
		"  --huge           hugepages (default --no-huge); reserve them first\n"
		"  --sw-csum        verify IPv4 checksums in software (default: mbufs\n"
		"                   carry RX_IP_CKSUM_GOOD, as from a NIC with offload)\n"
		"  --eal 'ARGS'     extra EAL arguments\n"
		"  --csv FILE       write one row per configuration\n"
		"  --wait-quiet S   before each configuration, wait up to S seconds for\n"
		"                   the machine to be idle (all CPUs < 10 %% busy)\n"
		"  --quick          tiny run (1K flows, 3 runs), a few seconds\n");
}

static int
parse_count(const char *s, uint64_t *v)
{
	char *end;
	double x = strtod(s, &end);

	if (end == s || x < 0)
		return -1;
	if (*end == 'K' || *end == 'k')
		x *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		x *= 1048576, end++;
	if (*end != '\0')
		return -1;
	*v = (uint64_t)x;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'c' },
		{ "base", required_argument, NULL, 'b' },
		{ "pkts", required_argument, NULL, 'p' },
		{ "new", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'B' },
		{ "sched", required_argument, NULL, 'S' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "huge", no_argument, NULL, 'H' },
		{ "sw-csum", no_argument, NULL, 'C' },
		{ "eal", required_argument, NULL, 'E' },
		{ "csv", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "wait-quiet", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *list = NULL, *tok, *save;
	uint64_t v;
	int opt, i, any = 0;

	memset(o, 0, sizeof(*o));
	o->base = 1u << 20;
	o->pkts = 16u << 20;
	o->new_per_run = 4u << 20;
	o->runs = 5;
	o->backends = 16;
	snprintf(o->sched, sizeof(o->sched), "wlc");
	o->lcore = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				for (i = 0; i < SC__COUNT && strcmp(tok, sc_names[i]) != 0; i++)
					;
				if (i == SC__COUNT) {
					fprintf(stderr, "unknown scenario '%s'\n", tok);
					return -1;
				}
				o->scenarios[i] = 1;
				any = 1;
			}
			free(list);
			break;
		case 'c':
			list = strdup(optarg);
			o->n_conns = 0;
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (parse_count(tok, &v) != 0 || v == 0 || v > SL_MAX_CT_CAPACITY ||
				    o->n_conns == MAX_CONFIGS) {
					fprintf(stderr, "bad --conns entry '%s'\n", tok);
					return -1;
				}
				o->conns[o->n_conns++] = (uint32_t)v;
			}
			free(list);
			break;
		case 'b':
		case 'p':
		case 'n':
		case 'r':
		case 'B':
		case 'l':
		case 'w':
			if (parse_count(optarg, &v) != 0) {
				fprintf(stderr, "bad number '%s'\n", optarg);
				return -1;
			}
			if (opt == 'b')
				o->base = (uint32_t)v;
			else if (opt == 'p')
				o->pkts = v;
			else if (opt == 'n')
				o->new_per_run = v;
			else if (opt == 'r')
				o->runs = v < 1 ? 1 : v > MAX_RUNS ? MAX_RUNS : (unsigned int)v;
			else if (opt == 'B')
				o->backends = v < 1 ? 1 : v > MAX_BACKENDS ? MAX_BACKENDS : (uint32_t)v;
			else if (opt == 'w')
				o->wait_quiet = (unsigned int)v;
			else
				o->lcore = (unsigned int)v;
			break;
		case 'S':
			snprintf(o->sched, sizeof(o->sched), "%s", optarg);
			break;
		case 'H':
			o->huge = 1;
			break;
		case 'C':
			o->sw_csum = 1;
			break;
		case 'E':
			o->eal_extra = optarg;
			break;
		case 'o':
			o->csv = optarg;
			break;
		case 'q':
			o->quick = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!any)
		for (i = 0; i < SC__COUNT; i++)
			o->scenarios[i] = 1;
	if (o->quick) {
		o->conns[0] = 1024;
		o->n_conns = 1;
		o->base = 1024;
		o->pkts = 1u << 20;
		o->new_per_run = 1u << 18;
		o->runs = 3;
	} else if (o->n_conns == 0) {
		o->conns[0] = 1024;
		o->conns[1] = 1u << 20;
		o->conns[2] = 10000000;
		o->n_conns = 3;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct result r;
	FILE *csv = NULL;
	unsigned int i;
	int sc, failed = 0;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.csv != NULL) {
		csv = fopen(o.csv, "w");
		if (csv == NULL) {
			fprintf(stderr, "bench: %s: %s\n", o.csv, strerror(errno));
			return 2;
		}
		fprintf(csv, "scenario,conns,capacity,sched,memory,runs,pkts_per_run,"
			"gross_ns,gross_mpps,feed_ns,null_tx_ns,worker_ns,worker_mpps,"
			"gross_ns_min,gross_ns_max,bytes_per_conn,memsize_per_conn,new_frac,loadavg,"
			"timed_ns,timed_mpps\n");
	}
	printf("bench_pipeline: 1 worker on lcore %u, %s, %u backends, %s, bursts of %d,"
	       " %d-byte frames, IPv4 checksum %s\n",
	       o.lcore, o.huge ? "hugepages" : "--no-huge", o.backends, o.sched, BURST,
	       FRAME_LEN + 4, o.sw_csum ? "verified in software" : "offloaded (RX flag)");
	for (sc = 0; sc < SC__COUNT; sc++) {
		if (!o.scenarios[sc])
			continue;
		if (sc == SC_EST || sc == SC_MEM) {
			for (i = 0; i < o.n_conns; i++) {
				if (run_config(&o, sc, o.conns[i], &r, argv[0]) != 0) {
					fprintf(stderr, "bench: %s %u failed\n", sc_names[sc], o.conns[i]);
					failed = 1;
					continue;
				}
				print_result(&o, &r, csv);
			}
		} else if (run_config(&o, sc, o.base, &r, argv[0]) == 0) {
			print_result(&o, &r, csv);
		} else {
			fprintf(stderr, "bench: %s failed\n", sc_names[sc]);
			failed = 1;
		}
		fflush(stdout);
		if (csv != NULL)
			fflush(csv);
	}
	if (csv != NULL)
		fclose(csv);
	return failed;
}
