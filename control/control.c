/*
 * Control lcore loop: a 1 ms tick that runs each control job from its own
 * room (next hops, ARP and links: nexthop.c; health checks: health_ctl.c;
 * reload and apply: reload.c; the kernel exception path: exception.c), and
 * keeps here what ties them together: the tick that reclaims what RCU
 * retired (rcu.c), the load view, calls from other threads and the per-backend rates.
 *
 * Load: for lc/wlc it sums the workers' per-backend counters every
 * load_interval_ms and publishes, per worker, the other workers' counts.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "../dataplane/log.h"
#include "../dataplane/neigh.h"
#include "../dataplane/worker.h"
#include "control.h"
#include "exception.h"
#include "ha.h"
#include "health_ctl.h"
#include "nexthop.h"
#include "rcu.h"
#include "snapshot.h"
#include "stats.h"
#include "sync.h"

#define CTL_TICK_US 1000

struct ctl_state {
	uint64_t last_load_ms;
	uint64_t rate_ms;
	uint64_t rate_prev[SL_MAX_BACKENDS];
	uint32_t rate[SL_MAX_BACKENDS];
};

static struct ctl_state *ctl;
static volatile sig_atomic_t reload_requested;
static pthread_mutex_t ctl_mutex = PTHREAD_MUTEX_INITIALIZER;

void
control_lock(void)
{
	pthread_mutex_lock(&ctl_mutex);
}

void
control_unlock(void)
{
	pthread_mutex_unlock(&ctl_mutex);
}

static void
load_free(void *p)
{
	struct sl_load *l = p;

	free(l->others_active);
	free(l->others_inactive);
	free(l);
}

static void
load_publish(struct sl_app *app)
{
	const struct snapshot *s = app->snap;
	uint32_t nw = app->n_workers, ids = s->n_ids, w, id;
	struct sl_load *l = calloc(1, sizeof(*l));
	uint32_t *sum_a = calloc(ids + 1, sizeof(uint32_t));
	uint32_t *sum_i = calloc(ids + 1, sizeof(uint32_t));

	if (l == NULL || sum_a == NULL || sum_i == NULL)
		goto out;
	l->n_ids = ids;
	l->n_workers = nw;
	l->others_active = calloc((size_t)nw * ids + 1, sizeof(uint32_t));
	l->others_inactive = calloc((size_t)nw * ids + 1, sizeof(uint32_t));
	if (l->others_active == NULL || l->others_inactive == NULL) {
		load_free(l);
		l = NULL;
		goto out;
	}
	for (w = 0; w < nw; w++) {
		for (id = 0; id < ids; id++) {
			uint32_t a, i;

			stats_worker_load(app, w, id, &a, &i);
			sum_a[id] += a;
			sum_i[id] += i;
		}
	}
	for (w = 0; w < nw; w++) {
		uint32_t *oa = l->others_active + (size_t)w * ids;
		uint32_t *oi = l->others_inactive + (size_t)w * ids;

		/* A second read may differ from the first by a few in-flight
		 * changes: clamp at zero so a racing decrement cannot wrap. */
		for (id = 0; id < ids; id++) {
			uint32_t a, i;

			stats_worker_load(app, w, id, &a, &i);
			oa[id] = sum_a[id] > a ? sum_a[id] - a : 0;
			oi[id] = sum_i[id] > i ? sum_i[id] - i : 0;
		}
	}
	rcu_publish((void **)&app->load, l, load_free);
	l = NULL;
out:
	if (l != NULL)
		load_free(l);
	free(sum_a);
	free(sum_i);
}

void
control_request_reload(void)
{
	reload_requested = 1;
}

/* Calls from other threads, run on the control lcore between ticks. */
struct ctl_call {
	int (*fn)(struct sl_app *app, void *arg);
	void *arg;
	int ret;
	int done;
};

static struct ctl_call *call_pending;
static int calls_closed;              /* the control loop has ended */
static pthread_mutex_t call_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t call_cond = PTHREAD_COND_INITIALIZER;

int
control_call(int (*fn)(struct sl_app *app, void *arg), void *arg)
{
	struct ctl_call c = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&call_mutex);
	while (call_pending != NULL && !calls_closed)
		pthread_cond_wait(&call_cond, &call_mutex);
	if (calls_closed) {
		pthread_mutex_unlock(&call_mutex);
		return -ESHUTDOWN;
	}
	call_pending = &c;
	while (!c.done && !calls_closed)
		pthread_cond_wait(&call_cond, &call_mutex);
	if (!c.done) {
		call_pending = NULL;
		c.ret = -ESHUTDOWN;
	}
	pthread_mutex_unlock(&call_mutex);
	return c.ret;
}

static void
run_calls(struct sl_app *app)
{
	struct ctl_call *c = __atomic_load_n(&call_pending, __ATOMIC_ACQUIRE);

	if (c == NULL)
		return;
	c->ret = c->fn(app, c->arg);
	pthread_mutex_lock(&call_mutex);
	c->done = 1;
	call_pending = NULL;
	pthread_cond_broadcast(&call_cond);
	pthread_mutex_unlock(&call_mutex);
}

/* New connections per second per backend id, over the last second. */
static void
update_rates(struct sl_app *app, uint64_t now)
{
	uint32_t id, n = app->snap->n_ids;
	uint64_t dt = now - ctl->rate_ms;

	if (dt < 1000)
		return;
	control_lock();
	for (id = 0; id < n && id < SL_MAX_BACKENDS; id++) {
		uint64_t total = stats_backend_scheduled(app, id);

		ctl->rate[id] = (uint32_t)((total - ctl->rate_prev[id]) * 1000 / dt);
		ctl->rate_prev[id] = total;
	}
	control_unlock();
	ctl->rate_ms = now;
}

uint32_t
control_rate(uint32_t id)
{
	return id < SL_MAX_BACKENDS ? ctl->rate[id] : 0;
}

int
control_init(struct sl_app *app)
{
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return -ENOMEM;
	if (rcu_init(app->rcu) != 0 || nh_init() != 0 || hcc_init() != 0) {
		rcu_fini();
		nh_fini();
		free(ctl);
		ctl = NULL;
		return -ENOMEM;
	}
	nh_want_next_hops(app);
	hcc_targets(app);
	if (ha_init(app) != 0 || sync_init(app) != 0) {
		control_fini(app);
		return -1;
	}
	return 0;
}

void
control_loop(struct sl_app *app)
{
	struct sl_event ev;
	uint32_t w;

	while (!app->stop) {
		uint64_t now = sl_now_ms(app, rte_rdtsc());

		for (w = 0; w < app->n_workers; w++)
			while (rte_ring_sc_dequeue_elem(app->workers[w]->events, &ev,
							sizeof(ev)) == 0)
				nh_event(app, &ev, now);
		nh_poll(app, now);
		if (app->snap->needs_load &&
		    now - ctl->last_load_ms >= app->cfg->load_interval_ms) {
			ctl->last_load_ms = now;
			load_publish(app);
		}
		if (reload_requested) {
			char msg[4096];

			reload_requested = 0;
			if (control_reload(app, msg, sizeof(msg)) == 0)
				SL_LOG(NOTICE, ctl, "%s", msg);
			else
				SL_LOG(ERR, ctl, "reload rejected:\n%s", msg);
		}
		exc_poll(app);
		ha_poll(app, now);
		sync_poll(app, now);
		hcc_poll(app, now);
		run_calls(app);
		update_rates(app, now);
		rcu_reclaim();
		rte_delay_us_sleep(CTL_TICK_US);
	}
	/* Nobody will run calls any more: wake and refuse their senders. */
	pthread_mutex_lock(&call_mutex);
	calls_closed = 1;
	pthread_cond_broadcast(&call_cond);
	pthread_mutex_unlock(&call_mutex);
}

void
control_fini(struct sl_app *app)
{
	if (ctl == NULL)
		return;
	/* Workers are stopped and offline: every retired pointer is free. */
	rcu_fini();
	control_lock();
	neigh_table_free(app->neigh);
	app->neigh = NULL;
	if (app->load != NULL)
		load_free(app->load);
	app->load = NULL;
	control_unlock();
	sync_fini();
	ha_fini();
	nh_fini();
	hcc_fini();
	free(ctl);
	ctl = NULL;
}

