/*
 * Prometheus text exposition over HTTP on the management network
 * (stats.prometheus = "ADDR:PORT"): GET /metrics.
 *
 * Served by a thread of its own, so a slow scraper never delays the control
 * lcore; it reads worker counters (plain, single-writer) and control-owned
 * state under control_lock(), exactly as the telemetry callbacks do.
 * Threading: prom_start/prom_stop on the main lcore.
 */
#ifndef SLUICE_PROM_H
#define SLUICE_PROM_H

#include "../dataplane/app.h"

/* Listen on the configured address; 0 when disabled or started, -errno. */
int prom_start(struct sl_app *app);
void prom_stop(void);

/* What the server reads of a request at most, and where one ends. */
#define PROM_REQ_MAX 2048
extern const char *const prom_request_ends[];

/*
 * Whether a request (what the server read, NUL-terminated) asks for
 * /metrics; anything else gets a 404. Context: any thread; pure. Exposed
 * for test/fuzz/.
 */
int prom_wants_metrics(const char *req);

#endif
