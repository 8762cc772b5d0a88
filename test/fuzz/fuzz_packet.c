/*
 * libFuzzer harness: the packet path, parse plus a worker's pass, on
 * crafted frames.
 *
 * Set-up as test/unit/test_worker.c's suite, by test/unit/inproc.h: EAL
 * once (LLVMFuzzerInitialize, --no-huge), a config naming two net_null
 * ports, app_init() with one worker, a neighbour table published as no
 * control lcore runs. The main
 * lcore acts as the worker. Each input meets worker 0 as it was made
 * (empty table, fixed hash seed: an input replays the same way; see
 * fresh_worker) and feeds it one or more frames:
 *
 *   repeated: flags (1 byte) | length (2 bytes, big-endian) | frame bytes
 *     flags bit 0     arrives on port 1 (backend side), else port 0
 *     flags bit 1     overwrite the destination MAC with the port's own
 *     flags bits 2-3  RX IP checksum flag: 0 unknown, 1 good, 2 bad, 3 none
 *     flags bit 4     end the loop pass before this frame
 *   (a length beyond the input takes what is left; at most MAX_FRAMES)
 *
 * Frames of one port in a row form one burst, as rte_eth_rx_burst gives
 * them; a pass ends (TX flush, expiry slice) at the end or on bit 4.
 * Property: no crash, no sanitizer report, and every mbuf is back in its
 * pool after the input (the worker consumes every packet: sent or freed).
 * Threading: libFuzzer's one thread, the EAL main lcore.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "control/config.h"
#include "control/startup.h"
#include "dataplane/conntrack.h"
#include "dataplane/neigh.h"
#include "dataplane/worker.h"
#include "test/unit/inproc.h"

#define MAX_FRAMES 64
#define MAX_BURST 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Every forwarding mode and scheduler a service can have, TCP and UDP,
 * small so that a fresh worker per input is cheap. Addresses as in
 * test_worker.c; the client sits behind port 0's gateway.
 */
static const char config_text[] =
	"workers: { burst = 32; mbufs_per_port = 512; };\n"
	"conntrack: { capacity = 1024; };\n"
	"fullnat: { port_min = 1024; port_max = 1279; };\n"
	INPROC_PORTS
	"services = (\n"
	"  { name = \"nat\"; vip = \"198.18.0.10\"; port = 80; scheduler = \"rr\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; },\n"
	"                 { address = \"198.18.1.12\"; port = 8080; } ); },\n"
	"  { name = \"udp\"; vip = \"198.18.0.10\"; port = 53; protocol = \"udp\";\n"
	"    scheduler = \"sh\"; backends = ( { address = \"198.18.1.11\"; port = 5353; } ); },\n"
	"  { name = \"full\"; vip = \"198.18.0.11\"; port = 80; forward = \"fullnat\";\n"
	"    scheduler = \"wlc\"; local_addresses = [ \"198.18.1.2\" ];\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; weight = 2; },\n"
	"                 { address = \"198.18.1.12\"; port = 8080; } ); },\n"
	"  { name = \"dr\"; vip = \"198.18.0.12\"; port = 80; forward = \"dr\";\n"
	"    scheduler = \"mh\"; backends = ( { address = \"198.18.1.11\"; },\n"
	"                                   { address = \"198.18.1.12\"; } ); },\n"
	"  { name = \"empty\"; vip = \"198.18.0.13\"; port = 80; scheduler = \"lc\";\n"
	"    backends = ( { address = \"198.18.1.13\"; port = 80; weight = 0; } ); }\n"
	");\n";

#define IP_GW 0xc61200feu       /* 198.18.0.254 */
#define IP_BACKEND1 0xc612010bu /* 198.18.1.11 */
#define IP_BACKEND2 0xc612010cu /* 198.18.1.12 */

static const uint8_t neigh_macs[3][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 },
	{ 0x02, 0x00, 0x00, 0x01, 0x00, 0x0b },
	{ 0x02, 0x00, 0x00, 0x01, 0x00, 0x0c },
};

static struct sl_app app;
static struct cfg *cfg;
static unsigned int lcore;

static int
publish_neighbours(void)
{
	static const uint32_t ips[3] = { IP_GW, IP_BACKEND1, IP_BACKEND2 };
	struct neigh_entry e[3];
	int i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < 3; i++) {
		e[i].ip = htonl(ips[i]);
		e[i].port = i == 0 ? 0 : 1;
		memcpy(e[i].mac.addr_bytes, neigh_macs[i], 6);
	}
	app.neigh = neigh_table_build(e, 3);
	return app.neigh != NULL ? 0 : -1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (inproc_start("fuzz_packet", config_text, 1, 64, &app, &cfg) != 0 ||
	    publish_neighbours() != 0)
		abort();
	lcore = inproc_lcore();
	return 0;
}

/* Hand the worker frames[0..n) as one burst received on port p. */
static void
rx_burst(struct worker *w, uint32_t p, struct rte_mbuf **m, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		m[i]->port = app.ports[p].port_id;
	worker_process(w, m, n);
}

/*
 * What the control lcore would take off the worker's rings: packets for
 * the kernel (there is no kernel interface here: dropped) and events
 * (neighbour learning and misses: nobody resolves them here).
 */
static void
drain_rings(struct worker *w)
{
	struct sl_event ev;
	void *m;

	while (rte_ring_sc_dequeue(w->exc, &m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_sc_dequeue_elem(w->events, &ev, sizeof(ev)) == 0)
		;
}

/*
 * Worker 0 as app_init() makes it, with a fixed hash seed: each input
 * replays the same way. Making one costs more than most inputs (its table
 * and per-backend arrays, zeroed), so the last input's worker is kept when
 * that input left nothing behind that steers packets: no connection made
 * (table, lports, scheduler cursors, per-backend counts) and no neighbour
 * learnt or miss remembered. Its counters are zeroed.
 */
static struct worker *
fresh_worker(void)
{
	static struct neigh_miss_filter pristine_miss;
	static const struct wk_neigh_cache no_neigh[WK_NEIGH_CACHE];
	static int made;
	struct worker *w = app.workers[0];
	struct wk_params wp;

	if (made && w->stats.conns_created == 0 &&
	    memcmp(w->neigh_cache, no_neigh, sizeof(no_neigh)) == 0 &&
	    memcmp(&w->neigh_miss, &pristine_miss, sizeof(pristine_miss)) == 0) {
		memset(&w->stats, 0, sizeof(w->stats));
		return w;
	}
	app_worker_params(cfg, &wp);
	worker_destroy(w);
	w = worker_create(&app, 0, lcore, &wp, app.snap);
	app.workers[0] = w;
	if (w == NULL)
		abort();
	(void)ct_set_seed(w->ct, 0x5eed);
	pristine_miss = w->neigh_miss;
	made = 1;
	return w;
}

static void
assert_mbufs_home(void)
{
	uint32_t p;

	for (p = 0; p < app.n_ports; p++) {
		if (rte_mempool_avail_count(app.ports[p].pool) != app.ports[p].pool->size) {
			fprintf(stderr, "fuzz_packet: port %u: %u of %u mbufs not returned\n", p,
				app.ports[p].pool->size - rte_mempool_avail_count(app.ports[p].pool),
				app.ports[p].pool->size);
			abort();
		}
	}
}

static const uint64_t csum_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *burst[MAX_BURST];
	struct worker *w;
	uint32_t side = 0, frames = 0;
	uint16_t n = 0;

	w = fresh_worker();
	worker_pass_begin(w);
	while (size >= 3 && frames < MAX_FRAMES) {
		uint8_t flags = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		uint32_t p = flags & 1;
		struct rte_mbuf *m;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (n > 0 && (p != side || (flags & 0x10) || n == MAX_BURST)) {
			rx_burst(w, side, burst, n);
			n = 0;
		}
		if (flags & 0x10) {
			worker_pass_end(w);
			worker_pass_begin(w);
		}
		side = p;
		m = rte_pktmbuf_alloc(app.ports[p].pool);
		if (m == NULL)
			abort();
		if (len > rte_pktmbuf_tailroom(m))
			len = rte_pktmbuf_tailroom(m);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, len);
		if ((flags & 2) && len >= 6)
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), app.ports[p].mac.addr_bytes, 6);
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		m->ol_flags = csum_flags[(flags >> 2) & 3];
		burst[n++] = m;
		data += len;
		size -= len;
		frames++;
	}
	if (n > 0)
		rx_burst(w, side, burst, n);
	worker_pass_end(w);
	drain_rings(w);
	assert_mbufs_home();
	return 0;
}
