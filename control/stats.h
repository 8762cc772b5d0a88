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

/* Worker w's own counters (w < n_workers), read as they are written. */
const struct wk_stats *stats_worker(const struct sl_app *app, uint32_t w);

/* One backend's (snapshot id) connections and traffic, summed over workers. */
struct stats_backend {
	uint64_t scheduled;
	uint64_t active;
	uint64_t inactive;
	uint64_t packets;
	uint64_t bytes;
};
void stats_backend(const struct sl_app *app, uint32_t id, struct stats_backend *out);

/* One service's (snapshot id) traffic and refusals, summed over workers. */
struct stats_service {
	uint64_t packets;
	uint64_t bytes;
	uint64_t refused;
};
void stats_service(const struct sl_app *app, uint16_t id, struct stats_service *out);

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

/* The control lcore's own counters (counters.h), read with relaxed loads. */
struct stats_ctl {
	SL_CTL_COUNTERS(SL_COUNTER_FIELD2)
};
void stats_ctl(const struct sl_app *app, struct stats_ctl *out);

/* Key and value of control counter i, i < STATS_CTL_COUNT, for listings. */
#define STATS_CTL_COUNT SL_CTL_COUNT
const char *stats_ctl_key(unsigned int i);
uint64_t stats_ctl_value(const struct stats_ctl *c, unsigned int i);

/* Lower-case name of a drop reason ("trunc_ip"), for keys and labels. */
void stats_drop_name(enum sl_drop r, char *buf, size_t len);

/* Register the /sluice/ telemetry commands. 0 or -errno. */
int stats_register(struct sl_app *app);

/* Print the summed counters (non-zero drops only) as "key value" lines. */
void stats_print(const struct sl_app *app, FILE *f);

#endif
