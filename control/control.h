/*
 * The control lcore: neighbour resolution, load publication for lc/wlc,
 * RCU reclamation. It never blocks a worker: it only publishes pointers and
 * frees what workers can no longer see.
 * Threading: control_* on the main lcore only, except control_lock/unlock,
 * which the telemetry thread uses to read control-owned state.
 */
#ifndef SLUICE_CONTROL_H
#define SLUICE_CONTROL_H

#include "../dataplane/app.h"
#include "config.h"

/* Set up control state for app (after ports and workers exist). 0 or -errno. */
int control_init(struct sl_app *app);

/*
 * Re-read the config (app->cfg_path, or the embedded text) and apply the
 * difference atomically: one new snapshot. Services and backends that stay
 * keep their ids and connections; removed backends' connections continue
 * until idle. Rejected, changing nothing, when the file is invalid or
 * changes what only a restart can (ports, workers, conntrack capacity,
 * FULLNAT port range). Writes a one-line summary or the errors (one per
 * line) to msg. Returns 0 or -1.
 */
int control_reload(struct sl_app *app, char *msg, size_t len);

/*
 * Make c (validated) the running config: the same path as a reload. Takes
 * ownership of c. name prefixes the summary or error in msg. 0 or -1.
 * Context: control lcore (use control_call from elsewhere).
 */
int control_apply(struct sl_app *app, struct cfg *c, const char *name, char *msg,
		  size_t len);

/*
 * Validate an edited config exactly as a file: write it out and load it
 * back. On success *out is the validated copy; else the errors are in msg.
 */
int control_validate(const struct cfg *edited, const char *name, struct cfg **out,
		     char *msg, size_t len);

/*
 * Run fn(app, arg) on the control lcore at its next tick and wait for its
 * return value. Context: any thread but the control lcore.
 */
int control_call(int (*fn)(struct sl_app *app, void *arg), void *arg);

/* New connections per second to backend id over the last second.
 * Caller holds control_lock(). */
uint32_t control_rate(uint32_t id);

/* Why backend id last changed health state ("" if never). Caller holds
 * control_lock(). */
const char *control_health_reason(uint32_t backend_id);

/* Ask the control loop to reload at its next tick (async-signal-safe). */
void control_request_reload(void);

/* Run until app->stop is set. */
void control_loop(struct sl_app *app);

/* Free everything still retired (workers stopped). */
void control_fini(struct sl_app *app);

/* Serialises readers of control-owned state (telemetry) with reclamation. */
void control_lock(void);
void control_unlock(void);

#endif
