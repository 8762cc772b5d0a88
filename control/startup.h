/*
 * Process start-up of the appliance's shared state (dataplane/app.h): ports
 * probed from the config's device strings, queues, mempools on each port's
 * NUMA socket, workers with their connection tables, hand-off rings, RCU
 * and the first snapshot. The control lcore's job, run before launch by
 * main.c, and by the benchmarks and in-process tests that drive a worker.
 */
#ifndef SLUICE_STARTUP_H
#define SLUICE_STARTUP_H

#include <stdint.h>

#include "../dataplane/app.h"
#include "../dataplane/worker.h"
#include "config.h"

/*
 * Set up ports (configured, not started), n_workers workers on the given
 * lcores, hand-off rings, RCU and the first snapshot from c (kept as
 * app->cfg). Returns 0, or -1 after printing what does not fit; app_fini()
 * then undoes what was done. Context: main lcore, after rte_eal_init().
 */
int app_init(struct sl_app *app, struct cfg *c, uint32_t n_workers,
	     const unsigned int *lcores);
/* Start every port. 0, or -1 with a message. */
int app_start_ports(struct sl_app *app);
/* Undo app_init() (workers must have stopped). Does not free app->cfg. */
void app_fini(struct sl_app *app);

/* The worker parameters a config gives (workers and conntrack sections). */
void app_worker_params(const struct cfg *c, struct wk_params *p);

#endif
