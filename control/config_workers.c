/*
 * workers: { burst; idle_sleep_us; mbufs_per_port; }: the worker lcores'
 * loop. Each worker copies these when it starts (and ports are sized from
 * mbufs_per_port), so every key needs a restart.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>

#include "config.h"
#include "config_impl.h"

#define CFG_MAX_MBUFS (1u << 24)

static const struct cfg_key keys[] = {
	{ .name = "burst", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, burst), .size = 4, .min = 1, .max = SL_MAX_BURST, .def = 32 },
	{ .name = "idle_sleep_us", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, idle_sleep_us), .size = 4, .min = 0, .max = 100000,
	  .def = 0 },
	{ .name = "mbufs_per_port", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, mbufs_per_port), .size = 4, .min = 0,
	  .max = CFG_MAX_MBUFS, .def = 0 },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

const struct cfg_section cfg_sec_workers = {
	.name = "workers",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
};
