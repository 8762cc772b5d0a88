/*
 * The health checker's glue to the control lcore (health_ctl.c).
 * Threading: control lcore only, but control_health_reason (control.h).
 */
#ifndef SLUICE_HEALTH_CTL_H
#define SLUICE_HEALTH_CTL_H

#include <stdint.h>

#include "../dataplane/app.h"

/* 0 or -ENOMEM. */
int hcc_init(void);
void hcc_fini(void);

/* snap_up_fn: backends the checker does not know (no check, new) are up. */
int hcc_up(void *arg, uint16_t svc_id, uint32_t backend_id);

/* Probe targets from the running config and snapshot. */
void hcc_targets(struct sl_app *app);

/*
 * Publish a snapshot of the running config with the checker's states and
 * what is held (ha.c): after a health transition or an address change.
 * 0, or -1 having logged why (the running snapshot stays).
 */
int hcc_republish(struct sl_app *app);

/* Run due probes; log transitions and publish a snapshot with them. */
void hcc_poll(struct sl_app *app, uint64_t now);

#endif
