/*
 * Process start-up and shutdown.
 *
 *   sluice [EAL options] -- [-c FILE]     run (embedded default config without -c)
 *   sluice --check -c FILE                validate a config, no EAL
 *
 * Start-up order: config (fail before touching hardware), EAL, ports probed
 * from the config's device strings, mempools on each port's NUMA socket,
 * workers (one per non-main lcore, each owning queue `id` of every port),
 * hand-off rings, the first snapshot, then launch. Any misfit between config
 * and machine (lcores, queues, memory) stops start-up with a message that
 * says what to change.
 */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "../control/config.h"
#include "../control/control.h"
#include "../control/snapshot.h"
#include "../control/stats.h"
#include "app.h"
#include "worker.h"

extern const char cfg_default_text[];

static struct sl_app app;

static void
on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM)
		app.stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluice [EAL options] -- [-c FILE]\n"
		"       sluice --check -c FILE\n"
		"  -c FILE   configuration (default: the embedded demo configuration)\n"
		"  --check   validate the configuration and exit (1 if invalid)\n");
}

static struct cfg *
load_config(const char *path)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	if (path != NULL)
		cfg_load_file(path, &c, &errs);
	else
		cfg_load_string(cfg_default_text, "<default>", &c, &errs);
	if (c == NULL) {
		cfg_errors_print(&errs, stderr);
		fprintf(stderr, "sluice: %u error(s) in %s\n", errs.n,
			path != NULL ? path : "the embedded configuration");
	}
	cfg_errors_free(&errs);
	return c;
}

/* --check is handled before EAL so it runs anywhere, without privileges. */
static int
check_only(int argc, char **argv)
{
	const char *path = NULL;
	int i, check = 0;
	struct cfg *c;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
	}
	if (!check)
		return -1;
	c = load_config(path);
	if (c == NULL)
		return 1;
	printf("%s: ok (%u ports, %u services, %u backends)\n",
	       path != NULL ? path : "<default>", c->n_ports, c->n_services,
	       c->n_backends_total);
	cfg_free(c);
	return 0;
}

static int
parse_app_args(int argc, char **argv, const char **path)
{
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c':
			*path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluice: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Probe a vdev if needed and return its port id, or -1 with a message. */
static int
find_port(const struct cfg_port *cp, uint16_t *port_id)
{
	char name[CFG_DEV_LEN];
	char *comma;
	int rc;

	snprintf(name, sizeof(name), "%s", cp->device);
	comma = strchr(name, ',');
	if (comma != NULL)
		*comma = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	rc = rte_dev_probe(cp->device);
	if (rc != 0) {
		fprintf(stderr, "sluice: port %s: cannot probe device '%s': %s\n",
			cp->name, cp->device, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		fprintf(stderr, "sluice: port %s: device '%s' probed but no ethdev named '%s'\n",
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
	    n_workers * (WK_TX_BURST * CFG_MAX_PORTS + c->burst) +
	    n_workers * n_workers * SL_STEER_RING_SIZE / RTE_MAX(c->n_ports, 1u) +
	    (n_workers + 1) * 256 + 4096;
	return n;
}

static int
setup_port(uint32_t idx, const struct cfg *c, uint32_t n_workers)
{
	const struct cfg_port *cp = &c->ports[idx];
	struct sl_port *sp = &app.ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, rxd = cp->rx_desc, txd = cp->tx_desc;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n_mbufs, n_txq;
	int rc, socket;

	if (find_port(cp, &sp->port_id) != 0)
		return -1;
	snprintf(sp->name, sizeof(sp->name), "%s", cp->name);
	rc = rte_eth_dev_info_get(sp->port_id, &info);
	if (rc != 0) {
		fprintf(stderr, "sluice: port %s: cannot get device info: %s\n",
			cp->name, rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < n_workers || info.max_tx_queues < n_workers) {
		fprintf(stderr,
			"sluice: port %s (%s) has %u RX / %u TX queues but %u workers need one pair each;"
			" use fewer worker lcores or give the device more queues (e.g. qpairs=%u for"
			" net_af_packet)\n",
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
	sp->pool = rte_pktmbuf_pool_create(pool_name, n_mbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (sp->pool == NULL) {
		fprintf(stderr,
			"sluice: port %s: cannot allocate %u mbufs on NUMA socket %d: %s;"
			" give EAL more memory (-m, --socket-mem, hugepages) or lower rx_desc/tx_desc\n",
			cp->name, n_mbufs, socket, rte_strerror(rte_errno));
		return -1;
	}

	memset(&conf, 0, sizeof(conf));
	if (n_workers > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	if (cp->mtu != 0)
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
		fprintf(stderr, "sluice: port %s: configure %u RX / %u TX queues: %s\n",
			cp->name, n_workers, n_txq, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(sp->port_id, &rxd, &txd);
	if (rc != 0) {
		fprintf(stderr, "sluice: port %s: descriptor counts: %s\n", cp->name,
			rte_strerror(-rc));
		return -1;
	}
	for (q = 0; q < n_workers; q++) {
		rc = rte_eth_rx_queue_setup(sp->port_id, q, rxd, (unsigned int)socket, NULL,
					    sp->pool);
		if (rc != 0) {
			fprintf(stderr, "sluice: port %s: RX queue %u: %s\n", cp->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	for (q = 0; q < n_txq; q++) {
		rc = rte_eth_tx_queue_setup(sp->port_id, q, txd, (unsigned int)socket, NULL);
		if (rc != 0) {
			fprintf(stderr, "sluice: port %s: TX queue %u: %s\n", cp->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_macaddr_get(sp->port_id, &sp->mac);
	if (rc != 0) {
		fprintf(stderr, "sluice: port %s: MAC address: %s\n", cp->name,
			rte_strerror(-rc));
		return -1;
	}
	return 0;
}

static int
start_ports(void)
{
	uint32_t p;
	int rc;

	for (p = 0; p < app.n_ports; p++) {
		rc = rte_eth_dev_start(app.ports[p].port_id);
		if (rc != 0) {
			fprintf(stderr, "sluice: port %s: start: %s\n", app.ports[p].name,
				rte_strerror(-rc));
			return -1;
		}
		app.ports[p].started = 1;
	}
	return 0;
}

static void
stop_ports(void)
{
	uint32_t p;

	for (p = 0; p < app.n_ports; p++) {
		if (app.ports[p].started)
			rte_eth_dev_stop(app.ports[p].port_id);
		if (app.ports[p].pool != NULL)
			rte_eth_dev_close(app.ports[p].port_id);
	}
}

/* Warn when a worker polls a port on another NUMA node: it works, slowly. */
static void
check_numa(void)
{
	uint32_t w, p;

	if (numa_available() < 0)
		return;
	for (w = 0; w < app.n_workers; w++) {
		int node = (int)rte_lcore_to_socket_id(app.workers[w]->lcore);

		for (p = 0; p < app.n_ports; p++)
			if (app.ports[p].socket != node)
				fprintf(stderr,
					"sluice: warning: worker %u (lcore %u, node %d) polls port %s on node %d\n",
					w, app.workers[w]->lcore, node, app.ports[p].name,
					app.ports[p].socket);
	}
}

static int
create_steer_rings(void)
{
	uint32_t n = app.n_workers, d, s;
	char name[64];

	app.steer = calloc((size_t)n * n, sizeof(*app.steer));
	if (app.steer == NULL)
		return -1;
	for (d = 0; d < n; d++) {
		for (s = 0; s < n; s++) {
			if (d == s)
				continue;
			snprintf(name, sizeof(name), "sl_steer_%u_%u", d, s);
			app.steer[d * n + s] = rte_ring_create(name, SL_STEER_RING_SIZE,
				(int)rte_lcore_to_socket_id(app.workers[d]->lcore),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (app.steer[d * n + s] == NULL) {
				fprintf(stderr, "sluice: cannot create hand-off ring %s: %s\n",
					name, rte_strerror(rte_errno));
				return -1;
			}
		}
	}
	return 0;
}

static void
free_steer_rings(void)
{
	uint32_t i;

	if (app.steer == NULL)
		return;
	for (i = 0; i < app.n_workers * app.n_workers; i++) {
		void *m = NULL;

		while (app.steer[i] != NULL && rte_ring_dequeue(app.steer[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(app.steer[i]);
	}
	free(app.steer);
	app.steer = NULL;
}

static int
create_ctl_tx_ring(void)
{
	app.ctl_tx = rte_ring_create("sl_ctl_tx", SL_EVENT_RING_SIZE,
				     (int)rte_lcore_to_socket_id(app.workers[0]->lcore),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (app.ctl_tx == NULL) {
		fprintf(stderr, "sluice: cannot create control TX ring: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
create_rcu(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(app.n_workers);

	app.rcu = rte_zmalloc("sl_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (app.rcu == NULL || rte_rcu_qsbr_init(app.rcu, app.n_workers) != 0) {
		fprintf(stderr, "sluice: cannot set up RCU for %u workers\n", app.n_workers);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct snapshot *snap;
	char err[256];
	unsigned int lcore;
	uint32_t i, w = 0;
	int rc, ret = EXIT_FAILURE;

	rc = check_only(argc, argv);
	if (rc >= 0)
		return rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "sluice: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"sluice";
	if (parse_app_args(argc, argv, &path) != 0)
		goto out_eal;
	app.cfg = load_config(path);
	if (app.cfg == NULL)
		goto out_eal;

	app.n_workers = rte_lcore_count() - 1;
	if (app.n_workers < 1 || app.n_workers > SL_MAX_WORKERS) {
		fprintf(stderr,
			"sluice: %u lcores: need one control lcore plus 1..%u worker lcores"
			" (EAL -l/--lcores)\n", rte_lcore_count(), SL_MAX_WORKERS);
		goto out_cfg;
	}
	app.tsc_per_ms = rte_get_tsc_hz() / 1000;
	app.n_ports = app.cfg->n_ports;
	for (i = 0; i < app.n_ports; i++)
		if (setup_port(i, app.cfg, app.n_workers) != 0)
			goto out_ports;

	snap = snap_build(app.cfg, app.n_workers, 1, err, sizeof(err));
	if (snap == NULL) {
		fprintf(stderr, "sluice: %s\n", err);
		goto out_ports;
	}
	app.snap = snap;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		app.workers[w] = worker_create(&app, w, lcore, app.cfg, snap);
		if (app.workers[w] == NULL)
			goto out_workers;
		w++;
	}
	check_numa();
	if (create_steer_rings() != 0 || create_ctl_tx_ring() != 0 || create_rcu() != 0)
		goto out_workers;
	if (control_init(&app) != 0) {
		fprintf(stderr, "sluice: cannot allocate control state\n");
		goto out_workers;
	}
	if (stats_register(&app) != 0)
		fprintf(stderr, "sluice: warning: telemetry commands not registered\n");
	if (start_ports() != 0)
		goto out_control;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, SIG_IGN);

	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_main, app.workers[w++], lcore);
	printf("sluice: ready: %u workers, %u ports, %u services, %u backends\n",
	       app.n_workers, app.n_ports, app.cfg->n_services, app.cfg->n_backends_total);
	fflush(stdout);

	control_loop(&app);

	rte_eal_mp_wait_lcore();
	printf("sluice: stopping; final counters:\n");
	stats_print(&app, stdout);
	fflush(stdout);
	ret = EXIT_SUCCESS;
out_control:
	app.stop = 1;
	rte_eal_mp_wait_lcore();
	control_fini(&app);
out_workers:
	free_steer_rings();
	if (app.ctl_tx != NULL) {
		void *m = NULL;

		while (rte_ring_dequeue(app.ctl_tx, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(app.ctl_tx);
	}
	for (i = 0; i < app.n_workers; i++)
		worker_destroy(app.workers[i]);
	rte_free(app.rcu);
	snap_free(app.snap);
out_ports:
	stop_ports();
out_cfg:
	cfg_free(app.cfg);
out_eal:
	rte_eal_cleanup();
	return ret;
}
