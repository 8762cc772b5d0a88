/*
 * Appliance set-up and tear-down: ports probed from the config's device
 * strings, queues, mempools on each port's NUMA socket, workers with their
 * connection tables, hand-off rings, RCU and the first snapshot.
 *
 * Shared by the binary (main.c) and the benchmarks, which drive a worker's
 * packet path directly. Any misfit between config and machine (queues,
 * memory) stops set-up with a message that says what to change.
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "../dataplane/log.h"
#include "../dataplane/worker.h"
#include "snapshot.h"
#include "startup.h"

/* A frame of an MTU-sized packet: Ethernet, an 802.1Q tag, and the CRC
 * some drivers leave in the buffer. */
#define FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)
/* What af_packet's ring puts before each frame in its slot: the kernel's
 * tpacket2 header and sockaddr_ll, aligned (TPACKET_ALIGN(52 + 16)). */
#define AFP_SLOT_HDR 80
/* The af_packet PMD's slot size when devargs name none. */
#define AFP_DEFAULT_FRAMESZ 2048

static int
is_af_packet(const char *dev)
{
	return strncmp(dev, "net_af_packet", 13) == 0 || strncmp(dev, "eth_af_packet", 13) == 0;
}

/*
 * The af_packet ring slot an MTU-sized frame needs, in KiB: the PMD finds
 * slot i at i * framesz, so a block (whole pages) must hold a whole number
 * of slots, and a KiB multiple keeps that block within 4 slots.
 */
static uint32_t
afp_framesz(uint16_t mtu)
{
	return RTE_ALIGN_CEIL((uint32_t)mtu + FRAME_OVERHEAD + AFP_SLOT_HDR, 1024u);
}

/*
 * The device string to probe: as written, but an af_packet port whose mtu
 * does not fit the PMD's default ring slot gets framesz (and the smallest
 * blocksz of whole pages and whole slots) from it; the PMD would cut every
 * larger frame to the slot. A framesz the operator wrote stays.
 */
static void
probe_args(const struct cfg_port *cp, char *args, size_t len)
{
	uint32_t fs, bs;
	long page = sysconf(_SC_PAGESIZE);

	snprintf(args, len, "%s", cp->device);
	if (!is_af_packet(cp->device) || cp->mtu == 0 || strstr(cp->device, "framesz=") != NULL)
		return;
	fs = afp_framesz(cp->mtu);
	if (fs <= AFP_DEFAULT_FRAMESZ || strstr(cp->device, "blocksz=") != NULL)
		return;
	if (page <= 0)
		page = 4096;
	for (bs = fs; bs % (uint32_t)page != 0; bs += fs)
		;
	snprintf(args, len, "%s,framesz=%u,blocksz=%u", cp->device, fs, bs);
}

/* Probe a vdev if needed and return its port id, or -1 with a message. */
static int
find_port(const struct cfg_port *cp, uint16_t *port_id)
{
	char name[CFG_DEV_LEN];
	char args[CFG_DEV_LEN + 48];
	char *comma;
	int rc;

	snprintf(name, sizeof(name), "%s", cp->device);
	comma = strchr(name, ',');
	if (comma != NULL)
		*comma = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	probe_args(cp, args, sizeof(args));
	rc = rte_dev_probe(args);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: cannot probe device '%s': %s",
			cp->name, cp->device, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		SL_LOG(ERR, app, "port %s: device '%s' probed but no ethdev named '%s'",
			cp->name, cp->device, name);
		return -1;
	}
	return 0;
}

static uint32_t
mbufs_for_port(const struct cfg *c, const struct cfg_port *cp, uint32_t n_workers)
{
	uint32_t n;

	if (c->mbufs_per_port != 0)
		return c->mbufs_per_port;
	/* Descriptors on every queue, packets in flight in TX buffers and
	 * hand-off rings, per-lcore mempool caches, and slack for control. */
	n = n_workers * (cp->rx_desc + cp->tx_desc) + cp->tx_desc +
	    n_workers * (WK_TX_BURST * SL_MAX_PORTS + c->burst) +
	    n_workers * n_workers * SL_STEER_RING_SIZE / RTE_MAX(c->n_ports, 1u) +
	    (n_workers + 1) * 256 + 4096;
	return n;
}

static int
setup_port(struct sl_app *app, uint32_t idx, const struct cfg *c, uint32_t n_workers)
{
	const struct cfg_port *cp = &c->ports[idx];
	struct sl_port *sp = &app->ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, rxd = cp->rx_desc, txd = cp->tx_desc;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n_mbufs, n_txq, room;
	int rc, socket;

	if (find_port(cp, &sp->port_id) != 0)
		return -1;
	snprintf(sp->name, sizeof(sp->name), "%s", cp->name);
	sp->vlan = cp->vlan;
	rc = rte_eth_dev_info_get(sp->port_id, &info);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: cannot get device info: %s",
			cp->name, rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < n_workers || info.max_tx_queues < n_workers) {
		SL_LOG(ERR, app, "port %s (%s) has %u RX / %u TX queues but %u workers need one pair each;"
			" use fewer worker lcores or give the device more queues (e.g. qpairs=%u for"
			" net_af_packet)",
			cp->name, info.driver_name, info.max_rx_queues, info.max_tx_queues,
			n_workers, n_workers);
		return -1;
	}
	/* The control lcore's packets (ARP requests) use a TX queue of their own
	 * when the device has one more; otherwise worker 0 sends them for it. */
	n_txq = info.max_tx_queues > n_workers ? n_workers + 1 : n_workers;
	sp->tx_queue_ctl = n_txq > n_workers ? (uint16_t)n_workers : SL_TXQ_VIA_WORKER;
	socket = rte_eth_dev_socket_id(sp->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	sp->socket = socket;

	n_mbufs = mbufs_for_port(c, cp, n_workers);
	snprintf(pool_name, sizeof(pool_name), "sl_pool_%u", idx);
	/* Workers read a packet as one segment: an mbuf holds a whole frame
	 * of the port's MTU (af_packet: its ring slot). */
	room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (cp->mtu != 0)
		room = RTE_MAX(room, RTE_PKTMBUF_HEADROOM +
			       (is_af_packet(cp->device) ? afp_framesz(cp->mtu) :
				(uint32_t)cp->mtu + FRAME_OVERHEAD));
	sp->pool = rte_pktmbuf_pool_create(pool_name, n_mbufs, 256, 0,
					   (uint16_t)room, socket);
	if (sp->pool == NULL) {
		SL_LOG(ERR, app, "port %s: cannot allocate %u mbufs on NUMA socket %d: %s;"
			" give EAL more memory (-m, --socket-mem, hugepages) or lower rx_desc/tx_desc",
			cp->name, n_mbufs, socket, rte_strerror(rte_errno));
		return -1;
	}

	memset(&conf, 0, sizeof(conf));
	if (n_workers > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	/* DPDK 22.11's af_packet PMD reports a 1518-byte largest frame, so
	 * ethdev would refuse a larger MTU; its ring slot (probe_args) is what
	 * bounds its frames, and the interface's own MTU is the kernel's. */
	if (cp->mtu != 0 && (!is_af_packet(cp->device) ||
			     (uint32_t)cp->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN <=
			     info.max_rx_pktlen))
		conf.rxmode.mtu = cp->mtu;
	/* Let the NIC verify IPv4 header checksums when it can; workers then
	 * trust its verdict instead of summing the header. Rewrites keep their
	 * incremental updates: a few ALU operations, cheaper than preparing TX
	 * offload metadata (pseudo-header sums, l2/l3 lengths) per packet. */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	rc = rte_eth_dev_configure(sp->port_id, (uint16_t)n_workers, (uint16_t)n_txq,
				   &conf);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: configure %u RX / %u TX queues: %s",
			cp->name, n_workers, n_txq, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(sp->port_id, &rxd, &txd);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: descriptor counts: %s", cp->name,
			rte_strerror(-rc));
		return -1;
	}
	for (q = 0; q < n_workers; q++) {
		rc = rte_eth_rx_queue_setup(sp->port_id, q, rxd, (unsigned int)socket, NULL,
					    sp->pool);
		if (rc != 0) {
			SL_LOG(ERR, app, "port %s: RX queue %u: %s", cp->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	for (q = 0; q < n_txq; q++) {
		rc = rte_eth_tx_queue_setup(sp->port_id, q, txd, (unsigned int)socket, NULL);
		if (rc != 0) {
			SL_LOG(ERR, app, "port %s: TX queue %u: %s", cp->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	/* The largest packet a worker sends out of it: larger ones are
	 * answered or dropped (wk_too_big), not lost on the link. */
	sp->mtu = cp->mtu;
	if (sp->mtu == 0 && rte_eth_dev_get_mtu(sp->port_id, &sp->mtu) != 0)
		sp->mtu = UINT16_MAX;
	rc = rte_eth_macaddr_get(sp->port_id, &sp->mac);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: MAC address: %s", cp->name,
			rte_strerror(-rc));
		return -1;
	}
	return 0;
}

int
app_start_ports(struct sl_app *app)
{
	uint32_t p;
	int rc;

	for (p = 0; p < app->n_ports; p++) {
		rc = rte_eth_dev_start(app->ports[p].port_id);
		if (rc != 0) {
			SL_LOG(ERR, app, "port %s: start: %s", app->ports[p].name,
				rte_strerror(-rc));
			return -1;
		}
		app->ports[p].started = 1;
	}
	return 0;
}

static void
stop_ports(struct sl_app *app)
{
	uint32_t p;

	for (p = 0; p < app->n_ports; p++) {
		if (app->ports[p].started)
			rte_eth_dev_stop(app->ports[p].port_id);
		if (app->ports[p].pool != NULL)
			rte_eth_dev_close(app->ports[p].port_id);
	}
}

/* Warn when a worker polls a port on another NUMA node: it works, slowly. */
static void
check_numa(const struct sl_app *app)
{
	uint32_t w, p;

	if (numa_available() < 0)
		return;
	for (w = 0; w < app->n_workers; w++) {
		int node = (int)rte_lcore_to_socket_id(app->workers[w]->lcore);

		for (p = 0; p < app->n_ports; p++)
			if (app->ports[p].socket != node)
				SL_LOG(WARNING, app, "worker %u (lcore %u, node %d) polls port %s on node %d",
					w, app->workers[w]->lcore, node, app->ports[p].name,
					app->ports[p].socket);
	}
}

static int
create_steer_rings(struct sl_app *app)
{
	uint32_t n = app->n_workers, d, s;
	char name[64];

	app->steer = calloc((size_t)n * n, sizeof(*app->steer));
	if (app->steer == NULL)
		return -1;
	for (d = 0; d < n; d++) {
		for (s = 0; s < n; s++) {
			if (d == s)
				continue;
			snprintf(name, sizeof(name), "sl_steer_%u_%u", d, s);
			app->steer[d * n + s] = rte_ring_create(name, SL_STEER_RING_SIZE,
				(int)rte_lcore_to_socket_id(app->workers[d]->lcore),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (app->steer[d * n + s] == NULL) {
				SL_LOG(ERR, app, "cannot create hand-off ring %s: %s",
					name, rte_strerror(rte_errno));
				return -1;
			}
		}
	}
	return 0;
}

static void
free_steer_rings(struct sl_app *app)
{
	uint32_t i;

	if (app->steer == NULL)
		return;
	for (i = 0; i < app->n_workers * app->n_workers; i++) {
		void *m = NULL;

		while (app->steer[i] != NULL && rte_ring_dequeue(app->steer[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(app->steer[i]);
	}
	free(app->steer);
	app->steer = NULL;
}

static int
create_ctl_tx_ring(struct sl_app *app)
{
	app->ctl_tx = rte_ring_create("sl_ctl_tx", SL_EVENT_RING_SIZE,
				     (int)rte_lcore_to_socket_id(app->workers[0]->lcore),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (app->ctl_tx == NULL) {
		SL_LOG(ERR, app, "cannot create control TX ring: %s",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
create_rcu(struct sl_app *app)
{
	size_t sz = rte_rcu_qsbr_get_memsize(app->n_workers);

	app->rcu = rte_zmalloc("sl_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (app->rcu == NULL || rte_rcu_qsbr_init(app->rcu, app->n_workers) != 0) {
		SL_LOG(ERR, app, "cannot set up RCU for %u workers", app->n_workers);
		return -1;
	}
	return 0;
}

void
app_worker_params(const struct cfg *c, struct wk_params *p)
{
	*p = (struct wk_params){ .burst = c->burst, .idle_sleep_us = c->idle_sleep_us,
		.expire_budget = c->expire_budget, .ct_capacity = c->ct_capacity,
		.timeouts = c->timeouts, .sync = c->sync.on };
}

int
app_init(struct sl_app *app, struct cfg *c, uint32_t n_workers,
	 const unsigned int *lcores)
{
	struct wk_params wp;
	char err[256];
	uint32_t i;

	app->cfg = c;
	app->n_workers = n_workers;
	if (n_workers < 1 || n_workers > SL_MAX_WORKERS) {
		SL_LOG(ERR, app, "%u lcores: need one control lcore plus 1..%u worker lcores"
			" (EAL -l/--lcores)", n_workers + 1, SL_MAX_WORKERS);
		return -1;
	}
	app_worker_params(c, &wp);
	app->tsc_per_ms = rte_get_tsc_hz() / 1000;
	app->n_ports = c->n_ports;
	for (i = 0; i < app->n_ports; i++)
		if (setup_port(app, i, c, n_workers) != 0)
			return -1;
	app->snap = snap_build(c, n_workers, 1, err, sizeof(err));
	if (app->snap == NULL) {
		SL_LOG(ERR, app, "%s", err);
		return -1;
	}
	for (i = 0; i < n_workers; i++) {
		app->workers[i] = worker_create(app, i, lcores[i], &wp, app->snap);
		if (app->workers[i] == NULL)
			return -1;
	}
	check_numa(app);
	if (create_steer_rings(app) != 0 || create_ctl_tx_ring(app) != 0 ||
	    create_rcu(app) != 0)
		return -1;
	return 0;
}

void
app_fini(struct sl_app *app)
{
	uint32_t i;

	free_steer_rings(app);
	if (app->ctl_tx != NULL) {
		void *m = NULL;

		while (rte_ring_dequeue(app->ctl_tx, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(app->ctl_tx);
		app->ctl_tx = NULL;
	}
	for (i = 0; i < app->n_workers; i++) {
		worker_destroy(app->workers[i]);
		app->workers[i] = NULL;
	}
	rte_free(app->rcu);
	app->rcu = NULL;
	snap_free(app->snap);
	app->snap = NULL;
	stop_ports(app);
}
