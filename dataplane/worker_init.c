/*
 * A worker's state made and unmade: its connection table and counters on
 * its lcore's socket, its rings and FULLNAT port pools. Runs before launch
 * and after join (and on the control lcore for a new local address's
 * pool), never on the packet path: worker.c is the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "log.h"
#include "sync_rec.h"
#include "worker.h"

void
worker_lport_range(const struct snapshot *snap, uint32_t id, uint16_t *first,
		   uint32_t *count)
{
	*first = (uint16_t)(snap->lport_min + id * snap->lport_span);
	*count = snap->lport_span;
}

int
worker_lport_pool_init(struct worker *w, uint32_t idx, const struct snapshot *snap)
{
	struct wk_lport_pool *pool = &w->lports[idx];
	int socket = (int)rte_lcore_to_socket_id(w->lcore);
	uint32_t count, k;
	size_t map_bytes;
	uint16_t first;
	uint16_t *ring;

	if (pool->ring != NULL)
		return 0;
	worker_lport_range(snap, w->id, &first, &count);
	map_bytes = (count + 63) / 64 * sizeof(uint64_t);
	ring = rte_malloc_socket("lports", sizeof(uint16_t) * count, 0, socket);
	pool->used = rte_zmalloc_socket("lports_used", map_bytes, 0, socket);
	pool->queued = rte_malloc_socket("lports_queued", map_bytes, 0, socket);
	if (ring == NULL || pool->used == NULL || pool->queued == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot allocate local ports", w->id);
		rte_free(ring);
		rte_free(pool->used);
		rte_free(pool->queued);
		pool->used = pool->queued = NULL;
		return -ENOMEM;
	}
	memset(pool->queued, 0xff, map_bytes);
	for (k = 0; k < count; k++)
		ring[k] = (uint16_t)(first + k);
	pool->first = first;
	pool->size = count;
	pool->head = 0;
	pool->n_free = count;
	pool->ring = ring;
	return 0;
}

struct worker *
worker_create(struct sl_app *app, uint32_t id, unsigned int lcore,
	      const struct wk_params *c, const struct snapshot *snap)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct worker *w;
	size_t ct_bytes = ct_table_memsize(c->ct_capacity);
	void *ct_mem;
	char name[RTE_RING_NAMESIZE];
	uint32_t i;

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot allocate its state on socket %d",
			id, socket);
		return NULL;
	}
	w->id = id;
	w->lcore = lcore;
	w->app = app;
	w->burst = c->burst;
	w->idle_sleep_us = c->idle_sleep_us;
	w->expire_budget = c->expire_budget;
	for (i = 0; i < app->n_ports; i++)
		w->port_index[app->ports[i].port_id] = (uint8_t)i;

	ct_mem = rte_malloc_socket("conntrack", ct_bytes, RTE_CACHE_LINE_SIZE, socket);
	w->ct_mem = ct_mem;
	if (ct_mem == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot allocate %zu MiB for %u connections on socket %d;"
			" lower conntrack.capacity or give EAL more memory (-m, --socket-mem, hugepages)",
			id, ct_bytes >> 20, c->ct_capacity, socket);
		goto fail;
	}
	w->ct = ct_table_init(ct_mem, c->ct_capacity, &c->timeouts,
			      (uint32_t)sl_now_ms(app, rte_rdtsc()));
	if (w->ct == NULL) {
		SL_LOG(ERR, app, "worker %u: invalid conntrack capacity %u",
			id, c->ct_capacity);
		goto fail;
	}
	ct_set_release(w->ct, worker_release, w);
	/* A fresh table: the seed cannot be refused. */
	(void)ct_set_seed(w->ct, rte_rand());
	w->ct_laddrs = ct_locals(w->ct);
	w->ct_seqs = ct_seqs(w->ct);
	w->ct_conns = ct_conns(w->ct);
	if (ct_set_locals(w->ct, snap->laddrs, snap->n_laddrs) != 0) {
		SL_LOG(ERR, app, "worker %u: %u local addresses, at most %u",
			id, snap->n_laddrs, SL_MAX_LADDRS);
		goto fail;
	}

	w->active = rte_zmalloc_socket("active", sizeof(uint32_t) * SL_MAX_BACKENDS, 0, socket);
	w->inactive = rte_zmalloc_socket("inactive", sizeof(uint32_t) * SL_MAX_BACKENDS, 0, socket);
	w->scheduled = rte_zmalloc_socket("sched", sizeof(uint64_t) * SL_MAX_BACKENDS, 0, socket);
	w->be_traffic = rte_zmalloc_socket("betraffic",
					   sizeof(struct wk_traffic) * SL_MAX_BACKENDS, 0, socket);
	w->svc_traffic = rte_zmalloc_socket("svctraffic",
					    sizeof(struct wk_traffic) * SL_MAX_SERVICES, 0, socket);
	w->svc_refused = rte_zmalloc_socket("refused", sizeof(uint64_t) * SL_MAX_SERVICES, 0,
					    socket);
	if (w->active == NULL || w->inactive == NULL || w->scheduled == NULL ||
	    w->be_traffic == NULL || w->svc_traffic == NULL || w->svc_refused == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot allocate backend counters", id);
		goto fail;
	}

	for (i = 0; i < snap->n_laddrs; i++)
		if (worker_lport_pool_init(w, i, snap) != 0)
			goto fail;

	snprintf(name, sizeof(name), "sl_ex_%u", id);
	w->exc = rte_ring_create(name, SL_EVENT_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->exc == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot create exception ring: %s",
			id, rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "sl_xp_%u", id);
	w->exc_prio = rte_ring_create(name, SL_EVENT_RING_SIZE, socket,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->exc_prio == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot create exception ring: %s",
			id, rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "sl_mb_%u", id);
	w->mailbox = rte_ring_create(name, 16, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->mailbox == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot create mailbox: %s",
			id, rte_strerror(rte_errno));
		goto fail;
	}
	if (c->sync) {
		snprintf(name, sizeof(name), "sl_so_%u", id);
		w->sync_out = rte_ring_create_elem(name, sizeof(struct sync_rec), SL_SYNC_RING_SIZE,
						   socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "sl_si_%u", id);
		w->sync_in = rte_ring_create_elem(name, sizeof(struct sync_rec), SL_SYNC_RING_SIZE,
						  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->sync_out == NULL || w->sync_in == NULL) {
			SL_LOG(ERR, app, "worker %u: cannot create session sync rings: %s",
				id, rte_strerror(rte_errno));
			goto fail;
		}
		ct_set_rearm(w->ct, worker_sync_rearm, w);
	}
	snprintf(name, sizeof(name), "sl_ev_%u", id);
	w->events = rte_ring_create_elem(name, sizeof(struct sl_event), SL_EVENT_RING_SIZE,
					 socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->events == NULL) {
		SL_LOG(ERR, app, "worker %u: cannot create event ring: %s",
			id, rte_strerror(rte_errno));
		goto fail;
	}
	return w;
fail:
	worker_destroy(w);
	return NULL;
}

void
worker_destroy(struct worker *w)
{
	uint32_t i;

	if (w == NULL)
		return;
	rte_ring_free(w->events);
	rte_ring_free(w->sync_out);
	rte_ring_free(w->sync_in);
	if (w->job != NULL)
		mail_put(w->job);
	if (w->mailbox != NULL) {
		struct mail *m;

		while ((m = mail_take(w->mailbox)) != NULL)
			mail_put(m);
		rte_ring_free(w->mailbox);
	}
	if (w->exc != NULL) {
		void *m;

		while (rte_ring_dequeue(w->exc, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->exc);
	}
	if (w->exc_prio != NULL) {
		void *m;

		while (rte_ring_dequeue(w->exc_prio, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->exc_prio);
	}
	for (i = 0; i < SL_MAX_LADDRS; i++) {
		rte_free(w->lports[i].ring);
		rte_free(w->lports[i].used);
		rte_free(w->lports[i].queued);
	}
	rte_free(w->active);
	rte_free(w->inactive);
	rte_free(w->scheduled);
	rte_free(w->be_traffic);
	rte_free(w->svc_traffic);
	rte_free(w->svc_refused);
	rte_free(w->ct_mem);
	rte_free(w);
}
