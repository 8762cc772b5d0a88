/*
 * conntrack: { capacity; expire_budget; timeouts: { ... }; }: the
 * per-worker connection table. Its memory is reserved when a worker starts
 * and the budget copied then, so those two need a restart; the timeouts
 * travel in every snapshot, so a reload changes them.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>

#include "../dataplane/conntrack.h"
#include "config.h"
#include "config_impl.h"

/* The connection table's bound (wrap-safe expiry ticks), in seconds: ~23 days. */
#define CFG_MAX_TIMEOUT_S (CT_MAX_TIMEOUT_MS / 1000)

/* conntrack.timeouts: key, the state it sets, default in seconds. */
#define CFG_TIMEOUTS(X) \
	X(syn_sent, CT_SYN_SENT, 30) \
	X(syn_recv, CT_SYN_RECV, 30) \
	X(established, CT_ESTABLISHED, 900) \
	X(fin_wait, CT_FIN_WAIT, 120) \
	X(close_wait, CT_CLOSE_WAIT, 60) \
	X(time_wait, CT_TIME_WAIT, 120) \
	X(close, CT_CLOSE, 10) \
	X(udp, CT_UDP, 300)

#define TIMEOUT_KEY(key, st, s) \
	{ .name = #key, .type = CFG_KEY_INT, .off = offsetof(struct cfg, timeouts.ms[st]), \
	  .size = 4, .scale = 1000, .min = 1, .max = CFG_MAX_TIMEOUT_S, .def = s },
static const struct cfg_key timeout_keys[] = { CFG_TIMEOUTS(TIMEOUT_KEY) };

#define TIMEOUT_NAME(key, st, s) { #key, st },
const struct cfg_timeout_key cfg_timeout_keys[CFG_N_TIMEOUT_KEYS] = {
	CFG_TIMEOUTS(TIMEOUT_NAME)
};
static_assert(CFG_DIM(timeout_keys) == CFG_N_TIMEOUT_KEYS, "one table of timeouts");

static const struct cfg_key keys[] = {
	{ .name = "capacity", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, ct_capacity), .size = 4, .min = 1024,
	  .max = SL_MAX_CT_CAPACITY, .def = 1048576 },
	{ .name = "expire_budget", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, expire_budget), .size = 4, .min = 1, .max = 65536,
	  .def = 64 },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

static const char *const others[] = { "timeouts", NULL };

static const struct cfg_key_table timeouts = {
	"timeouts", timeout_keys, CFG_DIM(timeout_keys)
};
static const struct cfg_key_table *const sub[] = { &timeouts };

/* An entry with no state yet is torn down like a reset one. */
static void
defaults(struct cfg *c)
{
	cfg_key_defaults(timeout_keys, CFG_DIM(timeout_keys), c);
	c->timeouts.ms[CT_NONE] = c->timeouts.ms[CT_CLOSE];
}

static void
after(struct cfg_ctx *x, const config_setting_t *g, struct cfg *c, const int *rc)
{
	(void)rc;
	if (cfg_read_group(x, g, "timeouts", timeout_keys, CFG_DIM(timeout_keys), NULL, c,
			   NULL) == GOT_VALUE)
		c->timeouts.ms[CT_NONE] = c->timeouts.ms[CT_CLOSE];
}

const struct cfg_section cfg_sec_conntrack = {
	.name = "conntrack",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
	.others = others,
	.sub = sub,
	.n_sub = CFG_DIM(sub),
	.defaults = defaults,
	.after = after,
};
