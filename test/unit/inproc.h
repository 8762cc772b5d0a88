/*
 * An appliance inside a test process, for suites (and fuzz harnesses) that
 * drive workers by hand: EAL with no hugepages and no files shared with
 * other DPDK processes, a config from text, app_init() and its ports. No
 * lcore runs the workers: every one is placed on the CPU EAL pins the main
 * lcore to, and the caller runs their passes. The config's API socket is
 * cleared, so nothing binds the machine's.
 * EAL, a port or a named pool can be set up only once per process, so this
 * is one appliance per process: inproc_start in a suite's (or harness's)
 * init, inproc_stop in its cleanup.
 * Context: the process's main thread; not MT-safe.
 */
#ifndef SLUICE_TEST_INPROC_H
#define SLUICE_TEST_INPROC_H

#include <stdint.h>

#include "control/config.h"
#include "control/startup.h"

/*
 * The ports of every in-process config: two net_null ports, "client"
 * (index 0, 198.18.0.1/24 behind gateway 198.18.0.254) and "backend"
 * (index 1, 198.18.1.1/24). A config text is its settings around this.
 */
#define INPROC_PORTS \
	"ports = (\n" \
	"  { name = \"client\"; device = \"net_null0\";\n" \
	"    addresses = [ \"198.18.0.1/24\" ]; gateway = \"198.18.0.254\"; },\n" \
	"  { name = \"backend\"; device = \"net_null1\";\n" \
	"    addresses = [ \"198.18.1.1/24\" ]; }\n" \
	");\n"

/*
 * Start it: prog names it in EAL and in messages, mem_mb is EAL's memory.
 * 0 with app started and *cfg its config, or -1 having said why on stderr
 * and undone everything.
 */
int inproc_start(const char *prog, const char *config_text, uint32_t n_workers,
		 unsigned int mem_mb, struct sl_app *app, struct cfg **cfg);

/* The CPU every worker was placed on, for worker_create(). */
unsigned int inproc_lcore(void);

/* Undo inproc_start; 0, or -1 when EAL's cleanup failed. */
int inproc_stop(struct sl_app *app, struct cfg **cfg);

#endif
