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
#include "../dataplane/worker.h"

/* Sum of every worker's counters. */
void stats_sum(const struct sl_app *app, struct wk_stats *out);

/* Register the /sluice/ telemetry commands. 0 or -errno. */
int stats_register(struct sl_app *app);

/* Print the summed counters (non-zero drops only) as "key value" lines. */
void stats_print(const struct sl_app *app, FILE *f);

#endif
