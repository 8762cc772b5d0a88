/*
 * Reload, apply and validate (control.h): a config becomes the running one
 * as one new snapshot, or is refused whole with its errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../dataplane/worker.h"
#include "control.h"
#include "ha.h"
#include "health_ctl.h"
#include "nexthop.h"
#include "snapshot.h"
#include "rcu.h"
#include "stats.h"

extern const char cfg_default_text[];

/* Errors of a rejected config, one per line. */
static void
errors_to_msg(const struct cfg_errors *errs, char *msg, size_t len)
{
	size_t off = 0;
	uint32_t i;

	msg[0] = '\0';
	for (i = 0; i < errs->n && off < len; i++)
		off += (size_t)snprintf(msg + off, len - off, "%s%s", i ? "\n" : "",
					errs->msgs[i]);
}

int
control_apply(struct sl_app *app, struct cfg *c, const char *name, char *msg,
	      size_t len)
{
	struct snapshot *old = app->snap, *snap;
	uint8_t *busy;
	char err[256];
	uint32_t i, w;

	if (cfg_restart_check(app->cfg, c, msg, len) != 0)
		goto reject;
	/* Ids counted by live connections must not go to new backends yet.
	 * Every id is looked at, not only the running snapshot's: a backend
	 * removed by an earlier reload, its id above today's n_ids, may still
	 * have connections counted on it. */
	busy = calloc(SL_MAX_BACKENDS, 1);
	if (busy == NULL) {
		snprintf(msg, len, "out of memory");
		goto reject;
	}
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		busy[i] = (char)stats_backend_busy(app, i);
	snap = snap_rebuild_health(c, app->n_workers, old->gen + 1, old, busy, hcc_up, NULL,
				   err, sizeof(err));
	free(busy);
	if (snap == NULL) {
		snprintf(msg, len, "%s: %s; running configuration kept", name, err);
		goto reject;
	}
	ha_apply(app, snap);
	for (i = old->n_laddrs; i < snap->n_laddrs; i++) {
		for (w = 0; w < app->n_workers; w++) {
			if (worker_lport_pool_init(app->workers[w], i, snap) != 0) {
				snap_free(snap);
				snprintf(msg, len, "%s: out of memory for FULLNAT ports", name);
				goto reject;
			}
		}
	}
	snprintf(msg, len, "%s: applied: %u services, %u backends (generation %" PRIu64 ")",
		 name, c->n_services, c->n_backends_total, snap->gen);
	control_lock();
	cfg_free(app->cfg);
	app->cfg = c;
	control_unlock();
	rcu_publish((void **)&app->snap, snap, (void (*)(void *))snap_free);
	nh_want_next_hops(app);
	hcc_targets(app);
	return 0;
reject:
	cfg_free(c);
	return -1;
}

int
control_reload(struct sl_app *app, char *msg, size_t len)
{
	const char *name = app->cfg_path != NULL ? app->cfg_path : "<default>";
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	if (app->cfg_path != NULL)
		cfg_load_file(app->cfg_path, &c, &errs);
	else
		cfg_load_string(cfg_default_text, name, &c, &errs);
	if (c == NULL) {
		errors_to_msg(&errs, msg, len);
		cfg_errors_free(&errs);
		return -1;
	}
	cfg_errors_free(&errs);
	return control_apply(app, c, name, msg, len);
}

int
control_validate(const struct cfg *edited, const char *name, struct cfg **out,
		 char *msg, size_t len)
{
	struct cfg_errors errs;
	char *text = cfg_dump_string(edited);

	*out = NULL;
	if (text == NULL) {
		cfg_dump_error(edited, errno, msg, len);
		return -1;
	}
	cfg_errors_init(&errs);
	cfg_load_string(text, name, out, &errs);
	free(text);
	if (*out == NULL) {
		errors_to_msg(&errs, msg, len);
		cfg_errors_free(&errs);
		return -1;
	}
	cfg_errors_free(&errs);
	return 0;
}
