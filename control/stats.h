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

/* Connections ever scheduled to backend id, summed over workers. */
uint64_t stats_backend_scheduled(const struct sl_app *app, uint32_t id);

/* Whether any worker still counts a connection (active or inactive) to id. */
int stats_backend_busy(const struct sl_app *app, uint32_t id);

/* Worker w's own active and inactive connections to backend id, as its
 * scheduler counts them (plain reads: a few in-flight changes may race). */
void stats_worker_load(const struct sl_app *app, uint32_t w, uint32_t id,
		       uint32_t *active, uint32_t *inactive);

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
	SL_CTL_COUNTERS(SL_COUNTER_FIELD4)
};
void stats_ctl(const struct sl_app *app, struct stats_ctl *out);

/* Value of control counter i (counters.h order), i < STATS_CTL_COUNT. */
#define STATS_CTL_COUNT SL_CTL_COUNT
uint64_t stats_ctl_value(const struct stats_ctl *c, unsigned int i);

/*
 * The appliance's totals as one listing, in one order, which every
 * rendering of them reads (/sluice/stats, the API's stats, the exit dump):
 * the workers' counters (counters.h), "steered" (steered_out under the
 * name operators know), the control lcore's counters, the connection
 * gauges (conns_tracked, conns_active, conns_inactive), then every drop
 * reason as "drop_<reason>". Takes control_lock() for the gauges.
 */
struct stats_item {
	const char *key;
	uint64_t value;
	int drop;             /* its enum sl_drop, or -1 if not a drop */
};
void stats_view(const struct sl_app *app,
		void (*emit)(void *arg, const struct stats_item *it), void *arg);

/* Lower-case name of a drop reason ("trunc_ip"), for keys and labels. */
void stats_drop_name(enum sl_drop r, char *buf, size_t len);

/* Register the /sluice/ telemetry commands. 0 or -errno. */
int stats_register(struct sl_app *app);

/* Print the summed counters (non-zero drops only) as "key value" lines. */
void stats_print(const struct sl_app *app, FILE *f);

#endif
