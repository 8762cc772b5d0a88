/*
 * gen: the end-to-end benchmark's traffic generator (test/bench/bench_e2e.sh).
 *
 * Two ports, normally memif servers that the device under test (sluice, or
 * testpmd io-forwarding as the baseline) connects to as a client:
 *
 *   port A (clients' side)  --- 64 B UDP/TCP to VIP:port, many flows --->  DUT
 *   port B (backends' side) <--- what the DUT forwards, counted -----------  DUT
 *
 * Port A plays the clients' router: it answers ARP for --arp-a (the gateway
 * Sluice resolves) and resolves the VIP by ARP to learn the DUT's MAC. Port
 * B plays the backends: it answers ARP for --arp-b. Phases, each bounded by
 * --timeout: links up -> VIP resolved -> warm-up (until packets come out of
 * B and every flow has been sent once since) -> quiet -> measured run of
 * --duration seconds at the highest rate the DUT takes -> drain -> report
 * -> with --hold, idle (answering ARP) until a signal, so that the DUT can
 * shut down while its memif peer is still there.
 *
 * One lcore does everything (rx on both ports, tx on A). With memif a full
 * ring pushes back on the sender instead of dropping, so "tx" is what the
 * DUT took in, and the share of short TX bursts says whether the DUT (not
 * gen) set the pace. Loss is what went in at A and never came out at B.
 * Threading: single-threaded, on the EAL main lcore.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "gen_opts.h"
#include "gen_pkt.h"

#define BURST 32
#define N_MBUFS 16383
#define MBUF_CACHE 256
#define RX_DESC 1024
#define TX_DESC 1024
#define SLOW_POLL_EVERY 8            /* passes between polls of the ARP-only queues */
#define RX_BURSTS_PER_PASS 4
#define QUIET_MS 20
#define DRAIN_MAX_MS 1000
#define ARP_RETRY_MS 100
#define SRC_PORT_MIN 1024

struct gen_counters {
	uint64_t tx;                 /* packets port A accepted */
	uint64_t tx_bursts;
	uint64_t tx_short;           /* bursts port A accepted only in part */
	uint64_t rx_ip[2];           /* IPv4 received per port */
	uint64_t rx_other[2];        /* neither IPv4 nor ARP */
	uint64_t arp_replies[2];     /* ARP replies sent per port */
};

struct gen {
	struct gen_opts o;
	uint16_t port[2];
	struct rte_ether_addr mac[2];
	struct rte_mempool *pool;
	struct pb_tmpl tmpl;         /* the measured frame (TCP: ACK) */
	struct pb_tmpl tmpl_warm;    /* TCP: SYN, so the DUT creates connections */
	const struct pb_tmpl *cur;
	uint32_t flow;               /* index of the next flow */
	uint32_t addr_idx, port_idx; /* the same, as address and port offsets */
	uint64_t stamped;            /* packets built, all phases */
	struct rte_mbuf *pend[BURST];
	uint16_t n_pend, pend_off;
	uint64_t passes;
	uint64_t last_rx_tsc;        /* when port B last received */
	struct gen_counters c;
	struct rte_ether_addr dut_mac;
	int dut_mac_known;
	uint64_t hz;
	uint64_t wait_ns;            /* CPU wait during the measured run */
	uint64_t links_up_tsc;       /* when both links were first seen up */
	double first_out_ms;         /* links up -> first packet out at B */
	uint64_t arp_ignored;        /* requests on B left unanswered (--ignore-arp-b),
				      * all phases */
	uint64_t arp_tx_failed;      /* replies the port did not take, all phases */
};

static volatile int stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static inline uint64_t
ms_to_tsc(const struct gen *g, double ms)
{
	return (uint64_t)(ms * (double)g->hz / 1000.0);
}

static int
port_setup(struct gen *g, int side)
{
	const char *name = g->o.name[side];
	struct rte_eth_conf conf;
	uint16_t id, q;
	int rc;

	if (rte_eth_dev_get_port_by_name(name, &id) != 0) {
		fprintf(stderr, "gen: no port named %s (give it with --vdev)\n", name);
		return -1;
	}
	g->port[side] = id;
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(id, g->o.rxq, 1, &conf);
	for (q = 0; rc == 0 && q < g->o.rxq; q++)
		rc = rte_eth_rx_queue_setup(id, q, RX_DESC, rte_eth_dev_socket_id(id), NULL,
					    g->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(id, 0, TX_DESC, rte_eth_dev_socket_id(id), NULL);
	if (rc == 0)
		rc = rte_eth_macaddr_get(id, &g->mac[side]);
	if (rc == 0)
		rc = rte_eth_dev_start(id);
	if (rc != 0) {
		fprintf(stderr, "gen: port %s: set-up failed: %s\n", name, rte_strerror(-rc));
		return -1;
	}
	return 0;
}

/* Send one frame now (ARP); a full ring drops it, as a wire would. */
static void
tx_one(struct gen *g, int side, struct rte_mbuf *m)
{
	if (rte_eth_tx_burst(g->port[side], 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

static void
handle_arp(struct gen *g, int side, struct rte_mbuf *m)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct gen_arp a;

	if (gen_arp_parse(frame, rte_pktmbuf_data_len(m), &a) != 0) {
		g->c.rx_other[side]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (side == GEN_PA && a.op == 2 && a.sip == g->o.vip) {
		g->dut_mac = a.sha;
		g->dut_mac_known = 1;
	}
	if (a.op == 1 && a.tip != a.sip && gen_addrset_has(&g->o.arp[side], a.tip)) {
		if (side == GEN_PB && g->arp_ignored < g->o.ignore_arp_b) {
			g->arp_ignored++;
			rte_pktmbuf_free(m);
			return;
		}
		gen_arp_make_reply(frame, &g->mac[side]);
		g->c.arp_replies[side]++;
		if (rte_eth_tx_burst(g->port[side], 0, &m, 1) != 1) {
			g->arp_tx_failed++;
			rte_pktmbuf_free(m);
		}
		return;
	}
	rte_pktmbuf_free(m);
}

/* One RX burst: count IPv4, answer ARP. Returns the packets received. */
static uint16_t
poll_queue(struct gen *g, int side, uint16_t q)
{
	struct rte_mbuf *pkts[BURST], *done[BURST];
	uint16_t n, i, n_done = 0;
	uint16_t ipv4 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	n = rte_eth_rx_burst(g->port[side], q, pkts, BURST);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		const uint8_t *frame = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint16_t type;

		memcpy(&type, frame + 12, 2);
		if (likely(type == ipv4 && rte_pktmbuf_data_len(pkts[i]) >= 34)) {
			g->c.rx_ip[side]++;
			done[n_done++] = pkts[i];
		} else {
			handle_arp(g, side, pkts[i]);
		}
	}
	if (side == GEN_PB && n_done > 0)
		g->last_rx_tsc = rte_rdtsc();
	rte_pktmbuf_free_bulk(done, n_done);
	return n;
}

/*
 * Port B queue 0 every pass, drained first (up to RX_BURSTS_PER_PASS full
 * bursts) so a DUT's TX never finds gen's ring full while gen is sending:
 * what is lost is the DUT's. A and the DUT's other TX queues less often.
 */
static void
poll_rx(struct gen *g)
{
	uint16_t q, i;

	for (i = 0; i < RX_BURSTS_PER_PASS; i++)
		if (poll_queue(g, GEN_PB, 0) < BURST)
			break;
	if (g->passes++ % SLOW_POLL_EVERY != 0)
		return;
	for (q = 1; q < g->o.rxq; q++)
		poll_queue(g, GEN_PB, q);
	for (q = 0; q < g->o.rxq; q++)
		poll_queue(g, GEN_PA, q);
}

static inline void
next_flow(struct gen *g)
{
	if (++g->flow == g->o.flows) {
		g->flow = 0;
		g->addr_idx = 0;
		g->port_idx = 0;
	} else if (++g->port_idx == g->o.ports_per_addr) {
		g->port_idx = 0;
		g->addr_idx++;
	}
}

/* Build a burst of flows (or finish the one the port refused) and send it. */
static void
tx_burst(struct gen *g)
{
	uint16_t i, sent;

	if (g->n_pend == 0) {
		if (rte_pktmbuf_alloc_bulk(g->pool, g->pend, BURST) != 0)
			return;
		for (i = 0; i < BURST; i++) {
			struct rte_mbuf *m = g->pend[i];
			uint32_t src = rte_cpu_to_be_32(g->o.src_base + g->addr_idx);
			uint16_t sport = rte_cpu_to_be_16((uint16_t)(SRC_PORT_MIN + g->port_idx));

			gen_stamp(rte_pktmbuf_mtod(m, uint8_t *), g->cur, src, sport);
			m->data_len = g->cur->len;
			m->pkt_len = g->cur->len;
			next_flow(g);
		}
		g->stamped += BURST;
		g->n_pend = BURST;
		g->pend_off = 0;
	}
	sent = rte_eth_tx_burst(g->port[GEN_PA], 0, g->pend + g->pend_off,
				(uint16_t)(g->n_pend - g->pend_off));
	g->c.tx += sent;
	g->c.tx_bursts++;
	g->pend_off = (uint16_t)(g->pend_off + sent);
	if (g->pend_off == g->n_pend)
		g->n_pend = 0;
	else
		g->c.tx_short++;
}

static int
wait_links(struct gen *g, uint64_t deadline)
{
	struct rte_eth_link l[2];

	while (!stop && rte_rdtsc() < deadline) {
		/* With --rx-delay, not even here: a poll just after the link came
		 * up would already give the DUT room to send. */
		if (g->o.rx_delay_ms == 0)
			poll_rx(g);
		if (rte_eth_link_get_nowait(g->port[GEN_PA], &l[0]) == 0 &&
		    rte_eth_link_get_nowait(g->port[GEN_PB], &l[1]) == 0 &&
		    l[0].link_status && l[1].link_status) {
			rte_delay_us_sleep(g->o.rx_delay_ms * 1000);
			return 0;
		}
		rte_delay_us_block(1000);
	}
	fprintf(stderr, "gen: links not up within %.0f s (is the DUT connected?)\n",
		g->o.timeout);
	return -1;
}

static int
resolve_vip(struct gen *g, uint64_t deadline)
{
	uint32_t sip = g->o.arp[GEN_PA].net[0];
	uint64_t next = 0, now;
	char ip[INET_ADDRSTRLEN];

	while (!stop && !g->dut_mac_known && (now = rte_rdtsc()) < deadline) {
		if (now >= next) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);

			if (m != NULL) {
				uint16_t len = gen_arp_request(rte_pktmbuf_mtod(m, uint8_t *),
							       &g->mac[GEN_PA], sip, g->o.vip);

				m->data_len = len;
				m->pkt_len = len;
				tx_one(g, GEN_PA, m);
			}
			next = now + ms_to_tsc(g, ARP_RETRY_MS);
		}
		poll_rx(g);
	}
	if (g->dut_mac_known)
		return 0;
	inet_ntop(AF_INET, &g->o.vip, ip, sizeof(ip));
	fprintf(stderr, "gen: no ARP reply for the VIP %s on port A within %.0f s\n", ip,
		g->o.timeout);
	return -1;
}

/*
 * Send until packets come out of B, every flow has been sent once since
 * (the DUT has a connection for each) and --warmup has passed.
 */
static int
warm_up(struct gen *g, uint64_t deadline)
{
	uint64_t start = rte_rdtsc(), min_end = start + ms_to_tsc(g, g->o.warmup * 1000);
	uint64_t first_rx_stamped = 0, now;
	int seen = 0;

	g->cur = &g->tmpl_warm;
	while (!stop && (now = rte_rdtsc()) < deadline) {
		tx_burst(g);
		poll_rx(g);
		if (!seen && g->c.rx_ip[GEN_PB] > 0) {
			seen = 1;
			first_rx_stamped = g->stamped;
			/* The DUT's warm-up as a client would see it: how long after
			 * its links came up it started forwarding. */
			g->first_out_ms = (double)(now - g->links_up_tsc) * 1000.0 / (double)g->hz;
			printf("gen: first packet out at B %.1f ms after the links came up\n",
			       g->first_out_ms);
			fflush(stdout);
		}
		if (seen && now >= min_end && g->stamped - first_rx_stamped >= g->o.flows &&
		    g->n_pend == 0)
			return 0;
	}
	if (!stop)
		fprintf(stderr, "gen: warm-up not done within %.0f s: %" PRIu64
			" packets in at A, %" PRIu64 " out at B\n", g->o.timeout, g->c.tx,
			g->c.rx_ip[GEN_PB]);
	return -1;
}

/* Receive until port B has been silent for QUIET_MS (at most DRAIN_MAX_MS). */
static void
drain(struct gen *g)
{
	uint64_t now = rte_rdtsc(), end = now + ms_to_tsc(g, DRAIN_MAX_MS);

	g->last_rx_tsc = now;
	while ((now = rte_rdtsc()) < end && now - g->last_rx_tsc < ms_to_tsc(g, QUIET_MS))
		poll_rx(g);
}

static void
progress(const struct gen *g, const struct gen_counters *prev, double secs)
{
	printf("gen:   %6.3f Mpps in at A, %6.3f Mpps out at B\n",
	       (double)(g->c.tx - prev->tx) / secs / 1e6,
	       (double)(g->c.rx_ip[GEN_PB] - prev->rx_ip[GEN_PB]) / secs / 1e6);
	fflush(stdout);
}

/*
 * Nanoseconds this thread has spent runnable but waiting for its CPU
 * (second field of schedstat): a busy neighbour on gen's core shows here.
 * 0 when the kernel does not say.
 */
static uint64_t
cpu_wait_ns(void)
{
	unsigned long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		wait = 0;
	fclose(f);
	return wait;
}

/* The measured run: returns its length in seconds. */
static double
measure(struct gen *g)
{
	uint64_t start, end, tick, now;
	struct gen_counters prev;

	printf("gen: measuring for %.3f s\n", g->o.duration);
	fflush(stdout);
	g->wait_ns = cpu_wait_ns();
	start = rte_rdtsc();
	end = start + ms_to_tsc(g, g->o.duration * 1000);
	tick = start + g->hz;
	now = start;
	g->cur = &g->tmpl;
	memset(&g->c, 0, sizeof(g->c));
	prev = g->c;
	while (!stop && now < end) {
		tx_burst(g);
		poll_rx(g);
		if (((uint32_t)g->passes & 15) == 0) {
			now = rte_rdtsc();
			if (g->o.progress && now >= tick) {
				progress(g, &prev, 1.0);
				prev = g->c;
				tick += g->hz;
			}
		}
	}
	now = rte_rdtsc();
	g->wait_ns = cpu_wait_ns() - g->wait_ns;
	return (double)(now - start) / (double)g->hz;
}

static void
report(const struct gen *g, double secs)
{
	const struct gen_counters *c = &g->c;
	double tx_pps = (double)c->tx / secs, rx_pps = (double)c->rx_ip[GEN_PB] / secs;
	double loss = c->tx > 0 ? 100.0 * ((double)c->tx - (double)c->rx_ip[GEN_PB]) /
				  (double)c->tx : 0.0;
	double short_pct = c->tx_bursts > 0 ? 100.0 * (double)c->tx_short /
					      (double)c->tx_bursts : 0.0;
	double wait_pct = 100.0 * (double)g->wait_ns / 1e9 / secs;

	printf("gen: %u %s flows, %u-byte frames, %.3f s measured\n", g->o.flows,
	       g->o.proto == IPPROTO_TCP ? "tcp" : "udp", g->o.frame_len, secs);
	printf("gen: in at A   %12" PRIu64 " packets  %8.3f Mpps  (%.1f%% of TX bursts"
	       " short: the DUT's ring was full)\n", c->tx, tx_pps / 1e6, short_pct);
	printf("gen: out at B  %12" PRIu64 " packets  %8.3f Mpps\n", c->rx_ip[GEN_PB],
	       rx_pps / 1e6);
	printf("gen: lost      %12" PRId64 " packets  %8.3f %%\n",
	       (int64_t)(c->tx - c->rx_ip[GEN_PB]), loss);
	printf("gen: ARP replies A %" PRIu64 " B %" PRIu64 "; IPv4 back at A %" PRIu64
	       "; other frames A %" PRIu64 " B %" PRIu64 "\n", c->arp_replies[GEN_PA],
	       c->arp_replies[GEN_PB], c->rx_ip[GEN_PA], c->rx_other[GEN_PA],
	       c->rx_other[GEN_PB]);
	if (g->o.ignore_arp_b > 0)
		printf("gen: ARP requests ignored on B, all phases: %" PRIu64 "\n", g->arp_ignored);
	printf("gen: ARP replies the ports did not take, all phases: %" PRIu64 "\n",
	       g->arp_tx_failed);
	printf("gen: waited for its CPU %.1f%% of the run (another task on gen's core)\n",
	       wait_pct);
	printf("RESULT tx_pps=%.0f rx_pps=%.0f loss_pct=%.4f tx_short_pct=%.1f"
	       " gen_wait_pct=%.1f seconds=%.3f flows=%u first_out_ms=%.1f\n", tx_pps, rx_pps,
	       loss, short_pct, wait_pct, secs, g->o.flows, g->first_out_ms);
	fflush(stdout);
}

static int
build_templates(struct gen *g)
{
	const struct rte_ether_addr *dst = g->o.resolve ? &g->dut_mac : &g->o.dst_mac;
	uint8_t warm_flags = g->o.proto == IPPROTO_TCP ? 0x02 : 0;   /* SYN */
	uint8_t flags = g->o.proto == IPPROTO_TCP ? 0x10 : 0;        /* ACK */

	if (gen_tmpl_build(&g->tmpl_warm, &g->mac[GEN_PA], dst, g->o.vip, g->o.dport,
			   g->o.proto, warm_flags, g->o.frame_len) != 0 ||
	    gen_tmpl_build(&g->tmpl, &g->mac[GEN_PA], dst, g->o.vip, g->o.dport,
			   g->o.proto, flags, g->o.frame_len) != 0) {
		fprintf(stderr, "gen: cannot build the frame template\n");
		return -1;
	}
	return 0;
}

static int
run(struct gen *g)
{
	uint64_t deadline = rte_rdtsc() + ms_to_tsc(g, g->o.timeout * 1000);
	double secs;

	if (wait_links(g, deadline) != 0)
		return -1;
	g->links_up_tsc = rte_rdtsc();
	if (g->o.resolve && resolve_vip(g, deadline) != 0)
		return -1;
	if (build_templates(g) != 0)
		return -1;
	printf("gen: links up%s; warming up\n", g->o.resolve ? ", VIP resolved" : "");
	fflush(stdout);
	if (warm_up(g, deadline) != 0)
		return -1;
	drain(g);
	secs = measure(g);
	drain(g);
	report(g, secs);
	if (stop)
		return -1;
	while (g->o.hold && !stop) {
		poll_rx(g);
		rte_delay_us_sleep(1000);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	int rc, ret = EXIT_FAILURE;
	uint16_t side, n_set = 0;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= rc;
	argv += rc;
	if (gen_opts_parse(argc, argv, &g.o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	g.hz = rte_get_tsc_hz();
	g.pool = rte_pktmbuf_pool_create("gen_pool", N_MBUFS, MBUF_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (g.pool == NULL) {
		fprintf(stderr, "gen: cannot allocate %u mbufs: %s\n", N_MBUFS,
			rte_strerror(rte_errno));
		goto out;
	}
	for (side = GEN_PA; side <= GEN_PB; side++, n_set++)
		if (port_setup(&g, side) != 0)
			goto out_ports;
	if (run(&g) == 0)
		ret = EXIT_SUCCESS;
out_ports:
	if (g.n_pend > 0)
		rte_pktmbuf_free_bulk(g.pend + g.pend_off, (unsigned int)(g.n_pend - g.pend_off));
	for (side = GEN_PA; side < n_set; side++) {
		rte_eth_dev_stop(g.port[side]);
		rte_eth_dev_close(g.port[side]);
	}
out:
	rte_eal_cleanup();
	return ret;
}
