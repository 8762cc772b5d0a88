/*
 * Connection table set-up, settings and walks: everything of the table
 * the packet path never runs (conntrack.c holds that), so each file stays
 * one job and the hot file stays readable.
 * Threading: owning worker only (see conntrack.h); ct_table_init before any.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "conntrack.h"
#include "conntrack_impl.h"

struct ct_layout {
	uint32_t nb_buckets;
	size_t conns_off;
	size_t cold_off;
	size_t seq_off;
	size_t buckets_off;
	size_t wheel_off;
	size_t total;
};

static size_t
ct_align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

/* Buckets: 2 keys per connection at CT_LOAD_PCT of the slots, no rounding. */
static void
ct_layout(uint32_t capacity, struct ct_layout *l)
{
	uint64_t slots = CT_BUCKET_SLOTS * (uint64_t)CT_LOAD_PCT;
	uint64_t nb = ((uint64_t)capacity * 2 * 100 + slots - 1) / slots;

	l->nb_buckets = nb < CT_MIN_BUCKETS ? CT_MIN_BUCKETS : (uint32_t)nb;
	l->conns_off = ct_align64(sizeof(struct ct_table));
	l->cold_off = ct_align64(l->conns_off + (size_t)capacity * sizeof(struct ct_conn));
	l->seq_off = ct_align64(l->cold_off + (size_t)capacity * sizeof(struct ct_cold));
	l->buckets_off = ct_align64(l->seq_off + (size_t)capacity * sizeof(struct ct_seq));
	l->wheel_off = l->buckets_off + (size_t)l->nb_buckets * sizeof(struct ct_bucket);
	l->total = ct_align64(l->wheel_off + CT_WHEEL_LISTS * sizeof(uint32_t));
}

size_t
ct_table_memsize(uint32_t capacity)
{
	struct ct_layout l;

	if (capacity == 0 || capacity > SL_MAX_CT_CAPACITY)
		return 0;
	ct_layout(capacity, &l);
	return l.total;
}

/* Errors set errno, not rte_errno: this module must link without EAL. */
struct ct_table *
ct_table_init(void *mem, uint32_t capacity, const struct ct_timeouts *timeouts,
	      uint32_t now)
{
	struct ct_table *t = mem;
	struct ct_layout l;
	uint32_t i;

	if (mem == NULL || timeouts == NULL || capacity == 0 ||
	    capacity > SL_MAX_CT_CAPACITY || ((uintptr_t)mem & 63) != 0) {
		errno = EINVAL;
		return NULL;
	}
	ct_layout(capacity, &l);
	memset(t, 0, sizeof(*t));
	t->conns = (struct ct_conn *)((char *)mem + l.conns_off);
	t->cold = (struct ct_cold *)((char *)mem + l.cold_off);
	t->seq = (struct ct_seq *)((char *)mem + l.seq_off);
	t->buckets = (struct ct_bucket *)((char *)mem + l.buckets_off);
	t->wheel = (uint32_t *)((char *)mem + l.wheel_off);
	t->nb_buckets = l.nb_buckets;
	t->capacity = capacity;
	t->timeouts = *timeouts;
	t->seed = CT_HASH_SEED;
	t->stats.capacity = capacity;
	t->wheel_ms = now & ~(CT_WHEEL_GRAN - 1);

	for (i = 0; i < capacity; i++) {
		t->conns[i] = (struct ct_conn){ .state = CT_NONE };
		t->cold[i] = (struct ct_cold){
			.wheel_next = i + 1 < capacity ? i + 1 : CT_NIL,
			.wheel_prev = CT_NIL,
		};
		t->seq[i] = (struct ct_seq){ .end = { 0, 0 } };
	}
	t->free_head = 0;
	for (i = 0; i < l.nb_buckets; i++) {
		struct ct_bucket *b = &t->buckets[i];

		memset(b->sig, 0, sizeof(b->sig));
		memset(b->pad, 0, sizeof(b->pad));
		memset(b->ref, 0xff, sizeof(b->ref));
	}
	for (i = 0; i < CT_WHEEL_LISTS; i++)
		t->wheel[i] = CT_NIL;
	return t;
}

void
ct_set_timeouts(struct ct_table *t, const struct ct_timeouts *timeouts)
{
	t->timeouts = *timeouts;
}

int
ct_set_locals(struct ct_table *t, const uint32_t *laddrs, uint32_t n)
{
	uint32_t i;

	if (n > SL_MAX_LADDRS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (t->laddrs[i] != 0 && t->laddrs[i] != laddrs[i])
			return -EINVAL;
	memcpy(t->laddrs, laddrs, n * sizeof(*laddrs));
	return 0;
}

int
ct_set_seed(struct ct_table *t, uint64_t seed)
{
	if (t->stats.active != 0)
		return -EBUSY;
	t->seed = seed;
	return 0;
}

const uint32_t *
ct_locals(const struct ct_table *t)
{
	return t->laddrs;
}

struct ct_seq *
ct_seqs(struct ct_table *t)
{
	return t->seq;
}

struct ct_conn *
ct_conns(struct ct_table *t)
{
	return t->conns;
}

void
ct_set_release(struct ct_table *t, ct_release_fn fn, void *arg)
{
	t->release = fn;
	t->release_arg = arg;
}

void
ct_set_rearm(struct ct_table *t, ct_rearm_fn fn, void *arg)
{
	t->rearm = fn;
	t->rearm_arg = arg;
}

const struct ct_stats *
ct_table_stats(const struct ct_table *t)
{
	return &t->stats;
}

/* Control */

int
ct_walk(struct ct_table *t, ct_walk_fn fn, void *arg)
{
	uint32_t i;
	int ret;

	for (i = 0; i < t->capacity; i++) {
		if (t->conns[i].state == CT_NONE)
			continue;
		ret = fn(&t->conns[i], arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void
ct_get_info(const struct ct_table *t, const struct ct_conn *c, struct ct_info *out)
{
	*out = (struct ct_info){
		.orig = c->orig,
		.proto = c->proto,
		.state = c->state,
		.svc_id = c->svc_id,
		.backend_id = c->backend_id,
		.expire = c->expire,
	};
	ct_reply_tuple(c, t->laddrs, &out->reply);
}

uint32_t
ct_capacity(const struct ct_table *t)
{
	return t->capacity;
}

uint32_t
ct_walk_slice(struct ct_table *t, uint32_t from, uint32_t budget, ct_walk_fn fn,
	      void *arg)
{
	uint32_t i, end = from + budget;

	if (end > t->capacity || end < from)
		end = t->capacity;
	for (i = from; i < end; i++) {
		if (t->conns[i].state == CT_NONE)
			continue;
		if (fn(&t->conns[i], arg) != 0)
			return i + 1;
	}
	return end;
}

static const char *const ct_state_names[CT_STATE__COUNT] = {
	[CT_NONE] = "NONE",
	[CT_SYN_SENT] = "SYN_SENT",
	[CT_SYN_RECV] = "SYN_RECV",
	[CT_ESTABLISHED] = "ESTABLISHED",
	[CT_FIN_WAIT] = "FIN_WAIT",
	[CT_CLOSE_WAIT] = "CLOSE_WAIT",
	[CT_TIME_WAIT] = "TIME_WAIT",
	[CT_CLOSE] = "CLOSE",
	[CT_UDP] = "UDP",
};

const char *
ct_state_name(enum ct_state s)
{
	if ((unsigned int)s >= CT_STATE__COUNT)
		return "?";
	return ct_state_names[s];
}
