/*
 * Health-check engine (see health.h for the contract, health_impl.h for
 * the layout): the targets' states and counters, rise/fall and the
 * transitions they cause, and when each probe starts and ends. The probes'
 * sockets are health_probe.c's.
 *
 * Targets are kept sorted by key: hc_state is a binary search, and
 * hc_set_targets merges the old and new sorted lists to carry state over.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dataplane/hash.h"
#include "health_impl.h"

#define HC_MAX_PROBES 65535          /* slots are numbered in 16 bits for icmp */
#define HC_STARTS_PER_POLL 64        /* probes started per poll at most: 64,000/s at 1 ms */
#define HC_MIN_TRANSITIONS 1024

/* ---- small helpers -------------------------------------------------------- */

/* Same thing probed the same way: state carries over a reload. */
static int
same_probe(const struct hc_tgt *a, const struct hc_target *b, uint16_t b_port)
{
	const struct cfg_health *x = &a->t.check, *y = &b->check;

	if (a->t.ip != b->ip || a->probe_port != b_port || x->type != y->type)
		return 0;
	if (x->type != CFG_HC_HTTP)
		return 1;
	return x->status == y->status && strcmp(x->path, y->path) == 0 &&
	       strcmp(x->body, y->body) == 0;
}

/* What the config validators guarantee; checked again, the engine divides by it. */
static int
check_valid(const struct cfg_health *c)
{
	if (c->type == CFG_HC_NONE)
		return 1;
	return c->type <= CFG_HC_ICMP && c->interval_ms > 0 && c->timeout_ms > 0 &&
	       c->timeout_ms < c->interval_ms && c->rise > 0 && c->fall > 0;
}

static uint16_t
probe_port_of(const struct hc_target *t)
{
	if (t->check.type != CFG_HC_TCP && t->check.type != CFG_HC_HTTP)
		return 0;
	return t->check.port != 0 ? t->check.port : t->port;
}

/* ---- heap of targets by due time ------------------------------------------ */

static void
heap_swap(struct hc *hc, uint32_t a, uint32_t b)
{
	uint32_t ta = hc->heap[a], tb = hc->heap[b];

	hc->heap[a] = tb;
	hc->heap[b] = ta;
	hc->tgts[tb].heap_pos = (int32_t)a;
	hc->tgts[ta].heap_pos = (int32_t)b;
}

static uint64_t
heap_due(const struct hc *hc, uint32_t pos)
{
	return hc->tgts[hc->heap[pos]].due;
}

static void
heap_up(struct hc *hc, uint32_t pos)
{
	while (pos > 0 && heap_due(hc, (pos - 1) / 2) > heap_due(hc, pos)) {
		heap_swap(hc, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
}

static void
heap_down(struct hc *hc, uint32_t pos)
{
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, m = pos;

		if (l < hc->n_heap && heap_due(hc, l) < heap_due(hc, m))
			m = l;
		if (r < hc->n_heap && heap_due(hc, r) < heap_due(hc, m))
			m = r;
		if (m == pos)
			return;
		heap_swap(hc, pos, m);
		pos = m;
	}
}

/* Set g's due time and place it in the heap (or move it there). */
static void
heap_set(struct hc *hc, uint32_t ti, uint64_t due)
{
	struct hc_tgt *g = &hc->tgts[ti];

	g->due = due;
	if (g->heap_pos < 0) {
		g->heap_pos = (int32_t)hc->n_heap;
		hc->heap[hc->n_heap++] = ti;
	}
	heap_up(hc, (uint32_t)g->heap_pos);
	heap_down(hc, (uint32_t)g->heap_pos);
}

static uint32_t
heap_pop(struct hc *hc)
{
	uint32_t ti = hc->heap[0];

	hc->n_heap--;
	if (hc->n_heap > 0) {
		hc->heap[0] = hc->heap[hc->n_heap];
		hc->tgts[hc->heap[0]].heap_pos = 0;
		heap_down(hc, 0);
	}
	hc->tgts[ti].heap_pos = -1;
	return ti;
}

/* ---- transitions ---------------------------------------------------------- */

static void
push_transition(struct hc *hc, const struct hc_tgt *g, const char *reason)
{
	struct hc_transition *tr;

	if (hc->tr_cap == 0)
		return;
	if (hc->n_tr == hc->tr_cap) {
		hc->tr_head = (hc->tr_head + 1) % hc->tr_cap;
		hc->n_tr--;
		hc->tr_lost++;
	}
	tr = &hc->tr[(hc->tr_head + hc->n_tr) % hc->tr_cap];
	memset(tr, 0, sizeof(*tr));
	tr->key = g->t.key;
	tr->ip = g->t.ip;
	tr->port = g->probe_port;
	tr->up = g->up;
	snprintf(tr->reason, sizeof(tr->reason), "%s", reason);
	hc->n_tr++;
}

uint32_t
hc_transitions(struct hc *hc, struct hc_transition *out, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && hc->n_tr > 0) {
		out[n++] = hc->tr[hc->tr_head];
		hc->tr_head = (hc->tr_head + 1) % hc->tr_cap;
		hc->n_tr--;
	}
	return n;
}

uint64_t
hc_transitions_lost(const struct hc *hc)
{
	return hc->tr_lost;
}

/* ---- probe ends ----------------------------------------------------------- */

void
hc_probe_done(struct hc *hc, uint32_t ti, int ok, const char *reason)
{
	struct hc_tgt *g = &hc->tgts[ti];

	if (g->slot >= 0)
		hc_slot_release(hc, (uint32_t)g->slot);
	g->phase = HC_PH_IDLE;
	g->last_ms = hc->now;
	g->last_rtt_ms = (uint32_t)(hc->now - g->started);
	if (ok < 0) {
		snprintf(g->last_reason, sizeof(g->last_reason), "not checked: %s", reason);
	} else if (ok) {
		g->probes++;
		snprintf(g->last_reason, sizeof(g->last_reason), "ok");
		g->fail_run = 0;
		if (g->ok_run < UINT32_MAX)
			g->ok_run++;
		if (!g->up && g->ok_run >= g->t.check.rise) {
			g->up = 1;
			push_transition(hc, g, "ok");
		}
	} else {
		g->probes++;
		g->failures++;
		snprintf(g->last_reason, sizeof(g->last_reason), "%s", reason);
		g->ok_run = 0;
		if (g->fail_run < UINT32_MAX)
			g->fail_run++;
		if (g->up && g->fail_run >= g->t.check.fall) {
			g->up = 0;
			push_transition(hc, g, reason);
		}
	}
	heap_set(hc, ti, g->started + g->t.check.interval_ms);
}

/* ---- scheduling ----------------------------------------------------------- */

static void
probe_start(struct hc *hc, uint32_t ti)
{
	struct hc_tgt *g = &hc->tgts[ti];
	uint32_t si = hc->free_slots[--hc->n_free];
	struct hc_slot *s = &hc->slots[si];

	s->tgt = ti;
	s->fd = -1;
	g->slot = (int32_t)si;
	g->started = hc->now;
	/* The deadline; hc_probe_done replaces it with the next start. */
	heap_set(hc, ti, hc->now + g->t.check.timeout_ms);
	hc_probe_start(hc, ti, si);
}

static const char *
timeout_reason(const struct hc_tgt *g)
{
	switch (g->phase) {
	case HC_PH_ICMP:
		return "no reply";
	case HC_PH_CONNECT:
		return "timeout";
	default:
		return "timeout waiting for response";
	}
}

/* First probes spread over one interval, the same way for a given key. */
static void
schedule_new(struct hc *hc)
{
	uint32_t i;

	for (i = 0; i < hc->n_tgts; i++) {
		struct hc_tgt *g = &hc->tgts[i];

		if (g->phase != HC_PH_NEW)
			continue;
		g->phase = HC_PH_IDLE;
		heap_set(hc, i, hc->now + sl_mix64(g->t.key) % g->t.check.interval_ms);
	}
	hc->need_schedule = 0;
}

void
hc_poll(struct hc *hc, uint64_t now_ms)
{
	uint32_t starts = 0;

	hc->now = now_ms;
	if (hc->need_schedule)
		schedule_new(hc);
	hc_probe_poll(hc);
	/* Due targets queue behind the ones already waiting for a slot. */
	while (hc->n_heap > 0 && hc->tgts[hc->heap[0]].due <= now_ms) {
		uint32_t ti = hc->heap[0];
		struct hc_tgt *g = &hc->tgts[ti];

		if (g->slot < 0 && starts == HC_STARTS_PER_POLL)
			break; /* the rest next time: a poll stays short */
		heap_pop(hc);
		if (g->slot >= 0) {
			hc_probe_done(hc, ti, 0, timeout_reason(g));
		} else if (hc->n_wait == 0 && hc->n_free > 0) {
			probe_start(hc, ti);
			starts++;
		} else {
			g->phase = HC_PH_WAIT;
			hc->waitq[(hc->wait_head + hc->n_wait) % hc->n_tgts] = ti;
			hc->n_wait++;
		}
	}
	while (hc->n_wait > 0 && hc->n_free > 0 && starts < HC_STARTS_PER_POLL) {
		uint32_t ti = hc->waitq[hc->wait_head];

		hc->wait_head = (hc->wait_head + 1) % hc->n_tgts;
		hc->n_wait--;
		probe_start(hc, ti);
		starts++;
	}
}

/* ---- targets -------------------------------------------------------------- */

static int
tgt_cmp(const void *pa, const void *pb)
{
	const struct hc_tgt *a = pa, *b = pb;

	return a->t.key < b->t.key ? -1 : a->t.key > b->t.key;
}

static int32_t
find(const struct hc *hc, uint64_t key)
{
	uint32_t lo = 0, hi = hc->n_tgts;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (hc->tgts[mid].t.key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < hc->n_tgts && hc->tgts[lo].t.key == key ? (int32_t)lo : -1;
}

/* Carry old target o's state into g (same probe; timing may differ). */
static void
carry_state(struct hc *hc, struct hc_tgt *g, const struct hc_tgt *o)
{
	g->up = o->up;
	g->phase = o->phase;
	g->due = o->due;
	g->started = o->started;
	g->ok_run = o->ok_run;
	g->fail_run = o->fail_run;
	g->probes = o->probes;
	g->failures = o->failures;
	g->last_ms = o->last_ms;
	g->last_rtt_ms = o->last_rtt_ms;
	g->slot = o->slot;
	memcpy(g->last_reason, o->last_reason, sizeof(g->last_reason));
	/* A shorter interval or timeout takes effect now, not after the old one. */
	if (g->phase == HC_PH_IDLE && g->due > hc->now + g->t.check.interval_ms)
		g->due = hc->now + sl_mix64(g->t.key) % g->t.check.interval_ms;
	if (g->slot >= 0 && g->due > g->started + g->t.check.timeout_ms)
		g->due = g->started + g->t.check.timeout_ms;
}

static int
resize_transitions(struct hc *hc, uint32_t n_tgts)
{
	uint32_t cap = n_tgts * 2 > HC_MIN_TRANSITIONS ? n_tgts * 2 : HC_MIN_TRANSITIONS;
	struct hc_transition *tr;
	uint32_t keep;

	if (cap == hc->tr_cap)
		return 0;
	tr = calloc(cap, sizeof(*tr));
	if (tr == NULL)
		return -ENOMEM;
	/* The newest ones are kept if the ring shrinks below what it holds. */
	keep = hc->n_tr < cap ? hc->n_tr : cap;
	hc->tr_lost += hc->n_tr - keep;
	hc->tr_head = (hc->tr_head + hc->n_tr - keep) % (hc->tr_cap ? hc->tr_cap : 1);
	hc->n_tr = hc_transitions(hc, tr, keep);
	free(hc->tr);
	hc->tr = tr;
	hc->tr_cap = cap;
	hc->tr_head = 0;
	return 0;
}

int
hc_set_targets(struct hc *hc, const struct hc_target *t, uint32_t n)
{
	struct hc_tgt *nt;
	uint32_t *heap, *waitq, *map = NULL, i, j, nw = 0;
	int rc = -ENOMEM;

	nt = calloc(n ? n : 1, sizeof(*nt));
	heap = calloc(n ? n : 1, sizeof(*heap));
	waitq = calloc(n ? n : 1, sizeof(*waitq));
	if (hc->n_tgts > 0)
		map = malloc(hc->n_tgts * sizeof(*map));
	if (nt == NULL || heap == NULL || waitq == NULL || (hc->n_tgts > 0 && map == NULL))
		goto free_new;
	rc = -EINVAL;
	for (i = 0; i < n; i++) {
		if (!check_valid(&t[i].check))
			goto free_new;
		nt[i].t = t[i];
		nt[i].probe_port = probe_port_of(&t[i]);
	}
	qsort(nt, n, sizeof(*nt), tgt_cmp);
	for (i = 1; i < n; i++)
		if (nt[i].t.key == nt[i - 1].t.key)
			goto free_new;
	rc = resize_transitions(hc, n);
	if (rc != 0)
		goto free_new;

	/* Merge the two sorted lists: matching keys probed alike keep state. */
	for (i = 0, j = 0; j < n; j++) {
		struct hc_tgt *g = &nt[j];

		while (i < hc->n_tgts && hc->tgts[i].t.key < g->t.key)
			map[i++] = UINT32_MAX;
		g->heap_pos = -1;
		g->slot = -1;
		if (i < hc->n_tgts && hc->tgts[i].t.key == g->t.key &&
		    hc->tgts[i].phase != HC_PH_NONE && g->t.check.type != CFG_HC_NONE &&
		    same_probe(&hc->tgts[i], &g->t, g->probe_port)) {
			carry_state(hc, g, &hc->tgts[i]);
			map[i++] = j;
			continue;
		}
		if (i < hc->n_tgts && hc->tgts[i].t.key == g->t.key)
			map[i++] = UINT32_MAX;
		g->up = 1;
		g->phase = g->t.check.type == CFG_HC_NONE ? HC_PH_NONE : HC_PH_NEW;
		if (g->phase == HC_PH_NEW)
			hc->need_schedule = 1;
	}
	while (i < hc->n_tgts)
		map[i++] = UINT32_MAX;

	/* Probes of dropped targets end; the others' slots follow their target. */
	for (i = 0; i < hc->n_tgts; i++) {
		int32_t si = hc->tgts[i].slot;

		if (si < 0)
			continue;
		if (map[i] == UINT32_MAX)
			hc_slot_release(hc, (uint32_t)si);
		else
			hc->slots[si].tgt = map[i];
	}
	for (i = 0; i < hc->n_wait; i++) {
		uint32_t o = hc->waitq[(hc->wait_head + i) % hc->n_tgts];

		if (map[o] != UINT32_MAX)
			waitq[nw++] = map[o];
	}
	free(hc->tgts);
	free(hc->heap);
	free(hc->waitq);
	free(map);
	hc->tgts = nt;
	hc->n_tgts = n;
	hc->heap = heap;
	hc->n_heap = 0;
	hc->waitq = waitq;
	hc->wait_head = 0;
	hc->n_wait = nw;
	for (j = 0; j < n; j++)
		if (nt[j].phase != HC_PH_NONE && nt[j].phase != HC_PH_NEW &&
		    nt[j].phase != HC_PH_WAIT)
			heap_set(hc, j, nt[j].due);
	return 0;
free_new:
	free(nt);
	free(heap);
	free(waitq);
	free(map);
	return rc;
}

int
hc_state(const struct hc *hc, uint64_t key)
{
	int32_t i = find(hc, key);

	return i < 0 ? -ENOENT : hc->tgts[i].up;
}

int
hc_info(const struct hc *hc, uint64_t key, struct hc_info *out)
{
	const struct hc_tgt *g;
	int32_t i = find(hc, key);

	if (i < 0)
		return -ENOENT;
	g = &hc->tgts[i];
	memset(out, 0, sizeof(*out));
	out->up = g->up;
	out->probing = g->slot >= 0;
	out->waiting = g->phase == HC_PH_WAIT;
	out->ok_run = g->ok_run;
	out->fail_run = g->fail_run;
	out->probes = g->probes;
	out->failures = g->failures;
	out->last_ms = g->last_ms;
	out->last_rtt_ms = g->last_rtt_ms;
	memcpy(out->last_reason, g->last_reason, sizeof(out->last_reason));
	return 0;
}

/* ---- life cycle ----------------------------------------------------------- */

struct hc *
hc_create(const char *ifname, uint32_t max_probes)
{
	struct hc *hc;
	uint32_t i;
	int err, rc;

	if (max_probes == 0)
		max_probes = HC_DEFAULT_MAX_PROBES;
	if (max_probes > HC_MAX_PROBES ||
	    (ifname != NULL && strlen(ifname) >= IF_NAMESIZE)) {
		errno = EINVAL;
		return NULL;
	}
	hc = calloc(1, sizeof(*hc));
	if (hc == NULL)
		return NULL;
	hc->icmp_fd = -1;
	hc->epfd = -1;
	if (ifname != NULL)
		snprintf(hc->ifname, sizeof(hc->ifname), "%s", ifname);
	hc->max_probes = max_probes;
	hc->slots = calloc(max_probes, sizeof(*hc->slots));
	hc->free_slots = calloc(max_probes, sizeof(*hc->free_slots));
	if (hc->slots == NULL || hc->free_slots == NULL)
		goto fail;
	for (i = 0; i < max_probes; i++) {
		hc->slots[i].fd = -1;
		hc->free_slots[hc->n_free++] = max_probes - 1 - i;
	}
	rc = hc_probe_open(hc);
	if (rc != 0) {
		errno = -rc;
		goto fail;
	}
	if (resize_transitions(hc, 0) != 0) {
		errno = ENOMEM;
		goto fail;
	}
	return hc;
fail:
	err = errno;
	hc_destroy(hc);
	errno = err;
	return NULL;
}

void
hc_destroy(struct hc *hc)
{
	if (hc == NULL)
		return;
	hc_probe_close(hc);
	free(hc->slots);
	free(hc->free_slots);
	free(hc->tgts);
	free(hc->heap);
	free(hc->waitq);
	free(hc->tr);
	free(hc);
}
