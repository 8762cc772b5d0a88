/*
 * The health checker on the control lcore (health_ctl.h): its targets from
 * the running config, its transitions logged and published as a new
 * snapshot, and the last reason per backend for the API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>

#include "../dataplane/log.h"
#include "control.h"
#include "health.h"
#include "ha.h"
#include "health_ctl.h"
#include "snapshot.h"
#include "rcu.h"

struct hc_state {
	struct hc *hc;
	char hc_reason[SL_MAX_BACKENDS][HC_REASON_LEN]; /* last transition's */
	uint64_t hc_lost_logged;
};

static struct hc_state *hcs;

static uint64_t
hc_key(uint16_t svc_id, uint32_t backend_id)
{
	return (uint64_t)svc_id << 32 | backend_id;
}

/* snap_up_fn: backends the checker does not know (no check, new) are up. */
int
hcc_up(void *arg, uint16_t svc_id, uint32_t backend_id)
{
	(void)arg;
	return hc_state(hcs->hc, hc_key(svc_id, backend_id)) != 0;
}

/* Probe targets from the running config; keys are stable snapshot ids, so
 * a reload keeps the state of every check it does not change. */
void
hcc_targets(struct sl_app *app)
{
	const struct cfg *c = app->cfg;
	const struct snapshot *s = app->snap;
	struct hc_target *t = calloc(c->n_backends_total + 1, sizeof(*t));
	uint32_t i, j, n = 0;

	if (t == NULL) {
		SL_LOG(ERR, health, "health: out of memory for targets");
		return;
	}
	for (i = 0; i < c->n_services && i < s->n_services; i++) {
		for (j = 0; j < c->services[i].n_backends; j++) {
			cfg_health_resolve(&c->services[i], &c->services[i].backends[j], &t[n].check);
			if (t[n].check.type == CFG_HC_NONE)
				continue;
			t[n].key = hc_key(s->services[i].id, s->services[i].backends[j].id);
			t[n].ip = c->services[i].backends[j].ip;
			t[n].port = c->services[i].backends[j].port;
			n++;
		}
	}
	if (hc_set_targets(hcs->hc, t, n) != 0)
		SL_LOG(ERR, health, "health: targets refused");
	free(t);
}

static const struct snap_service *
service_of(const struct snapshot *s, uint16_t svc_id)
{
	uint32_t i;

	for (i = 0; i < s->n_services; i++)
		if (s->services[i].id == svc_id)
			return &s->services[i];
	return NULL;
}

/* Log transitions; publish a snapshot with the new states if any. */
void
hcc_poll(struct sl_app *app, uint64_t now)
{
	struct hc_transition tr[64];
	uint32_t n, i, changed = 0;
	uint64_t lost;

	hc_poll(hcs->hc, now);
	while ((n = hc_transitions(hcs->hc, tr, RTE_DIM(tr))) > 0) {
		for (i = 0; i < n; i++) {
			const struct snap_service *sv = service_of(app->snap, (uint16_t)(tr[i].key >> 32));
			uint32_t id = (uint32_t)tr[i].key;
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &tr[i].ip, ip, sizeof(ip));
			SL_LOG(NOTICE, health, "health: %s %s:%u %s (%s)", sv != NULL ? sv->name : "?",
			       ip, tr[i].port, tr[i].up ? "UP" : "DOWN", tr[i].reason);
			if (id < SL_MAX_BACKENDS) {
				control_lock();
				snprintf(hcs->hc_reason[id], HC_REASON_LEN, "%s", tr[i].reason);
				control_unlock();
			}
			changed++;
		}
	}
	lost = hc_transitions_lost(hcs->hc);
	if (lost != hcs->hc_lost_logged) {
		SL_LOG(WARNING, health, "health: %" PRIu64 " transitions not logged (queue full)",
		       lost - hcs->hc_lost_logged);
		hcs->hc_lost_logged = lost;
		changed++;
	}
	if (changed)
		(void)hcc_republish(app);
}

int
hcc_republish(struct sl_app *app)
{
	char err[256];
	struct snapshot *snap = snap_rebuild_health(app->cfg, app->n_workers, app->snap->gen + 1,
						    app->snap, NULL, hcc_up, NULL, err,
						    sizeof(err));

	if (snap == NULL) {
		SL_LOG(ERR, ctl, "cannot publish a new snapshot: %s", err);
		return -1;
	}
	ha_apply(app, snap);
	rcu_publish((void **)&app->snap, snap, (void (*)(void *))snap_free);
	return 0;
}

const char *
control_health_reason(uint32_t backend_id)
{
	return backend_id < SL_MAX_BACKENDS ? hcs->hc_reason[backend_id] : "";
}

int
hcc_init(void)
{
	hcs = calloc(1, sizeof(*hcs));
	if (hcs == NULL)
		return -ENOMEM;
	/* No device binding: the kernel routes each probe out of the TAP of
	 * the port whose subnet holds the backend, i.e. over the data port. */
	hcs->hc = hc_create(NULL, 256);
	if (hcs->hc == NULL) {
		free(hcs);
		hcs = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
hcc_fini(void)
{
	if (hcs == NULL)
		return;
	hc_destroy(hcs->hc);
	free(hcs);
	hcs = NULL;
}
