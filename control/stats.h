/*
 * Statistics: per-worker counters summed on demand, exposed through DPDK
 * telemetry under /sluice/ and printed at shutdown. Workers only ever write
 * their own counters; this module only reads them.
 * Threading: stats_register on the main lcore before launch; the telemetry
 * callbacks run on the EAL telemetry thread and take control_lock() for
 * control-owned state (snapshot names, neighbours).
 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdio.h>

#include "../dataplane/app.h"
#include "config.h"
#include "../dataplane/worker.h"

/* Sum of every worker's counters. */
void stats_sum(const struct sl_app *app, struct wk_stats *out);

/*
 * Connections in the workers' tables (every state), and among them the
 * active (ESTABLISHED, UDP) and inactive ones as the schedulers count them.
 * Reads the snapshot: caller holds control_lock() or is the control lcore.
 */
struct stats_conns {
	uint64_t tracked;
	uint64_t active;
	uint64_t inactive;
};
void stats_conns(const struct sl_app *app, struct stats_conns *cc);

/* The control lcore's own counters, read with relaxed loads. */
struct stats_ctl {
	uint64_t arp_requests;
	uint64_t arp_requests_dropped;
	uint64_t exc_to_kernel;
	uint64_t exc_to_port;
	uint64_t exc_dropped;
};
void stats_ctl(const struct sl_app *app, struct stats_ctl *out);

/* Key and value of control counter i, i < STATS_CTL_COUNT, for listings. */
#define STATS_CTL_COUNT 5
const char *stats_ctl_key(unsigned int i);
uint64_t stats_ctl_value(const struct stats_ctl *c, unsigned int i);

/* Lower-case name of a drop reason ("trunc_ip"), for keys and labels. */
void stats_drop_name(enum sl_drop r, char *buf, size_t len);

/* Register the /sluice/ telemetry commands. 0 or -errno. */
int stats_register(struct sl_app *app);

/* Print the summed counters (non-zero drops only) as "key value" lines. */
void stats_print(const struct sl_app *app, FILE *f);

#endif
