/*
 * Process start-up and shutdown.
 *
 *   sluice [EAL options] -- [-c FILE]     run (embedded default config without -c)
 *   sluice --check -c FILE                validate a config, no EAL
 *
 * Start-up order: config (fail before touching hardware), EAL, the appliance
 * (startup.c: ports, mempools, workers, rings, first snapshot), control state,
 * telemetry, then launch: one worker per non-main lcore, each owning queue
 * `id` of every port; the main lcore runs the control loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "../dataplane/log.h"
#include "../dataplane/worker.h"
#include "api.h"
#include "config.h"
#include "control.h"
#include "exception.h"
#include "prom.h"
#include "startup.h"
#include "stats.h"
#include "sync_view.h"

extern const char cfg_default_text[];

static struct sl_app app;

static void
on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM)
		app.stop = 1;
	else if (sig == SIGHUP)
		control_request_reload();
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

int
main(int argc, char **argv)
{
	unsigned int lcores[SL_MAX_WORKERS], lcore;
	const char *path = NULL;
	uint32_t n = 0, w;
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
	app.cfg_path = path;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == SL_MAX_WORKERS) {
			n++;
			break;
		}
		lcores[n++] = lcore;
	}
	if (app_init(&app, app.cfg, n, lcores) != 0)
		goto out_app;
	if (exc_init(&app) != 0)
		goto out_app;
	if (control_init(&app) != 0) {
		SL_LOG(ERR, app, "cannot allocate control state");
		goto out_app;
	}
	if (stats_register(&app) != 0 || sync_view_register(&app) != 0)
		SL_LOG(WARNING, app, "telemetry commands not registered");
	rc = prom_start(&app);
	if (rc != 0) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &app.cfg->prom_ip, ip, sizeof(ip));
		SL_LOG(ERR, app, "stats.prometheus %s:%u: %s", ip, app.cfg->prom_port,
		       strerror(-rc));
		goto out_control;
	}
	rc = api_start(&app);
	if (rc != 0) {
		SL_LOG(ERR, app, "api.socket %s: %s%s", app.cfg->api_socket, strerror(-rc),
		       rc == -EADDRINUSE ? " (another sluice answers there)" : "");
		goto out_control;
	}
	/* Capture on a live appliance: dpdk-pdump attaches as a secondary. */
	rc = rte_pdump_init();
	if (rc != 0)
		SL_LOG(WARNING, app, "packet capture (pdump) unavailable: %s",
		       rte_strerror(rte_errno));
	if (app_start_ports(&app) != 0)
		goto out_control;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker_main, app.workers[w++], lcore);
	SL_LOG(NOTICE, ctl, "ready: %u workers, %u ports, %u services, %u backends",
	       app.n_workers, app.n_ports, app.cfg->n_services, app.cfg->n_backends_total);

	control_loop(&app);

	rte_eal_mp_wait_lcore();
	SL_LOG(NOTICE, ctl, "stopping; final counters follow");
	/* A report on standard output, whatever the log levels. */
	stats_print(&app, stdout);
	fflush(stdout);
	ret = EXIT_SUCCESS;
out_control:
	app.stop = 1;
	rte_eal_mp_wait_lcore();
	api_stop();
	prom_stop();
	rte_pdump_uninit();
	control_fini(&app);
out_app:
	exc_fini(&app);
	app_fini(&app);
	cfg_free(app.cfg);
out_eal:
	rte_eal_cleanup();
	return ret;
}
