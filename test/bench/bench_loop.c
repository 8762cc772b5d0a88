/*
 * Pipeline benchmark: the measured loops (est, new, mix) and the heap taken
 * per connection (mem). See bench_pipeline.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/conntrack.h"
#include "dataplane/sync_rec.h"

#include "bench_pipeline.h"

static inline void
fill_new_syn(struct bench *b, uint8_t *d)
{
	uint32_t ip;
	uint16_t port;

	new_client(b->new_seq++, &ip, &port);
	fill_orig(d, &b->t_new, ip, port);
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
		    (pb_rand(&b->rng) & 0xffff) < b->new_thresh) {
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
	static struct sync_rec sync_drain[64];
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
			/* The control lcore's share, done here outside the
			 * worker's timing: the ring must not fill and turn
			 * every report into a cheaper "lost". */
			if (b->w->sync_out != NULL)
				while (rte_ring_sc_dequeue_burst_elem(b->w->sync_out, sync_drain,
								      sizeof(sync_drain[0]), 64,
								      NULL) == 64)
					;
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

uint64_t
bench_drops_total(const struct worker *w)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		n += w->stats.drops[i];
	return n;
}

void
bench_print_drops(const struct worker *w)
{
	int i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		if (w->stats.drops[i] != 0)
			fprintf(stderr, "bench:   drop reason %d: %" PRIu64 "\n", i,
				w->stats.drops[i]);
}

/* new: forget this run's connections (SYN_SENT, or UDP flows from 10/8). */
static int
reset_new_cb(struct ct_conn *c, void *arg)
{
	if (c->state == CT_SYN_SENT ||
	    (c->state == CT_UDP && ((rte_be_to_cpu_32(c->orig.src_ip) >> 24) == (IP_NEW_CLIENTS >> 24) ||
				    (rte_be_to_cpu_32(c->orig.src_ip) >> 24) == (IP_NEW_CLIENTS_P0 >> 24))))
		ct_delete(arg, c);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(const double *v, unsigned int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Timed part of est / new / mix. */
int
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
		if (w->stats.tx_packets - tx0 != r->pkts || bench_drops_total(w) != 0) {
			fprintf(stderr, "bench: run %u: sent %" PRIu64 " of %" PRIu64 "\n", run,
				w->stats.tx_packets - tx0, r->pkts);
			bench_print_drops(w);
			r->drops = bench_drops_total(w);
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
	r->feed_ns = bench_median(feed, o->runs);
	r->null_ns = bench_median(null, o->runs);
	r->new_frac = (double)created0 / (double)pkts_total;
	return 0;
}

/* mem: heap taken by worker_create() for each capacity, one at a time. */
int
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
