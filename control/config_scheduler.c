/*
 * scheduler: { load_interval_ms; }: how often the control lcore publishes
 * the load view lc and wlc schedule by. It reads the running config each
 * tick, so a reload changes it.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>

#include "config.h"
#include "config_impl.h"

static const struct cfg_key keys[] = {
	{ .name = "load_interval_ms", .type = CFG_KEY_INT,
	  .off = offsetof(struct cfg, load_interval_ms), .size = 4, .min = 10, .max = 10000,
	  .def = 10 },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

const struct cfg_section cfg_sec_scheduler = {
	.name = "scheduler",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
};
