/*
 * Prometheus text exposition over HTTP on the management network
 * (stats.prometheus = "ADDR:PORT"): GET /metrics.
 *
 * Served by srv.h's server on threads of their own, so a slow scraper never
 * delays the control lcore nor, with its deadlines and connection cap,
 * another scraper; rendering reads worker counters (plain, single-writer)
 * and control-owned state under control_lock(), exactly as the telemetry
 * callbacks do.
 * Threading: prom_start/prom_stop on the main lcore. Its request format:
 * mgmt_req.h.
 */
#ifndef SLUICE_PROM_H
#define SLUICE_PROM_H

#include "../dataplane/app.h"
#include "config.h"

/* Listen on the configured address; 0 when disabled or started, -errno. */
int prom_start(struct sl_app *app);
void prom_stop(void);

#endif
