/*
 * fullnat: { port_min; port_max; }: the source ports FULLNAT takes on its
 * local addresses, split between the workers when they start: a restart.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>

#include "config.h"
#include "config_impl.h"

enum { KEY_MIN, KEY_MAX };

static const struct cfg_key keys[] = {
	[KEY_MIN] = { .name = "port_min", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
		      .off = offsetof(struct cfg, lport_min), .size = 2, .min = 1024,
		      .max = 65535, .def = 1024 },
	[KEY_MAX] = { .name = "port_max", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
		      .off = offsetof(struct cfg, lport_max), .size = 2, .min = 1024,
		      .max = 65535, .def = 65535 },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

/* Reported at port_min, or at port_max when only that one is written. */
static void
after(struct cfg_ctx *x, const config_setting_t *g, struct cfg *c, const int *rc)
{
	if (rc[KEY_MIN] != GOT_ERROR && rc[KEY_MAX] != GOT_ERROR &&
	    c->lport_min >= c->lport_max)
		cfg_err(x, config_setting_get_member(g, keys[rc[KEY_MIN] ? KEY_MIN : KEY_MAX].name),
			"port_min %u must be below port_max %u", c->lport_min, c->lport_max);
}

const struct cfg_section cfg_sec_fullnat = {
	.name = "fullnat",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
	.after = after,
};
