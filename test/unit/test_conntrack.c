/*
 * Connection table: index, TCP state machine, timer wheel expiry.
 *
 * Tables live in malloc'd memory scribbled with 0xa5 first, since init must
 * not rely on zeroed memory. Time is a fake ms counter the tests advance.
 * check_table() rebuilds every index invariant from scratch (each key in
 * one of its two buckets, one slot per key, one wheel list per live entry,
 * free list) and
 * runs after each phase that changes the table; the randomized test checks
 * the table against a plain array model.
 * Threading: single-threaded, like the table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "dataplane/conntrack.h"
#include "dataplane/conntrack_impl.h"
#include "unit.h"

#define VIP 0x0a640001u       /* host order, converted in tup() */
#define GRAN CT_WHEEL_GRAN

static const struct ct_timeouts test_to = {
	.ms = {
		[CT_NONE] = 0,
		[CT_SYN_SENT] = 5000,
		[CT_SYN_RECV] = 6000,
		[CT_ESTABLISHED] = 300000,
		[CT_FIN_WAIT] = 7000,
		[CT_CLOSE_WAIT] = 8000,
		[CT_TIME_WAIT] = 9000,
		[CT_CLOSE] = 1000,
		[CT_UDP] = 3000,
	},
};

/*
 * The test's own id of each connection, by entry index, for the table made
 * last by table_new(): the owner's side of the entry, as the worker keeps
 * its per-connection state in the entry's caller fields.
 */
static const struct ct_table *ids_table;
static uint32_t *ids;

static void
set_id(const struct ct_conn *c, uint32_t id)
{
	ids[ct_conn_index(ids_table, c)] = id;
}

static uint32_t
id_of(const struct ct_conn *c)
{
	return ids[ct_conn_index(ids_table, c)];
}

/* Release callback bookkeeping: who was released, when, how often. */
struct rel {
	uint32_t now;
	uint64_t calls;
	uint32_t cap;
	uint32_t *count;      /* per conn index, since the last rel_reset() */
	uint32_t *when;       /* now at the last release of that index */
	int early;            /* an entry released by expiry before it was due */
	int expiring;         /* set while ct_expire() runs */
};

static void
rel_cb(struct ct_conn *c, void *arg)
{
	struct rel *r = arg;
	uint32_t i = id_of(c);

	if (i < r->cap) {
		r->count[i]++;
		r->when[i] = r->now;
	}
	if (r->expiring && (int32_t)(c->expire - r->now) > 0)
		r->early = 1;
	r->calls++;
}

static struct ct_table *
table_new(uint32_t cap, uint32_t now, const struct ct_timeouts *to)
{
	size_t sz = ct_table_memsize(cap);
	void *mem;
	struct ct_table *t;

	CU_ASSERT_FATAL(sz != 0 && sz % 64 == 0);
	mem = aligned_alloc(64, sz);
	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 0xa5, sz);
	t = ct_table_init(mem, cap, to != NULL ? to : &test_to, now);
	CU_ASSERT_FATAL(t == mem);
	free(ids);
	ids = malloc(cap * sizeof(*ids));
	CU_ASSERT_FATAL(ids != NULL);
	memset(ids, 0xff, cap * sizeof(*ids));
	ids_table = t;
	return t;
}

static void
rel_attach(struct ct_table *t, struct rel *r, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->count = calloc(cap, sizeof(*r->count));
	r->when = calloc(cap, sizeof(*r->when));
	CU_ASSERT_FATAL(r->count != NULL && r->when != NULL);
	ct_set_release(t, rel_cb, r);
}

static void
rel_free(struct rel *r)
{
	free(r->count);
	free(r->when);
}

static unsigned int
expire_at(struct ct_table *t, struct rel *r, uint32_t now, unsigned int budget)
{
	unsigned int n;

	r->now = now;
	r->expiring = 1;
	n = ct_expire(t, now, budget);
	r->expiring = 0;
	return n;
}

static struct ct_tuple
tup(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	return (struct ct_tuple){
		.src_ip = htonl(src),
		.dst_ip = htonl(dst),
		.src_port = htons(sport),
		.dst_port = htons(dport),
	};
}

/* Connection i: client 10.<i> -> VIP:80, NAT'd to backend 192.168.0.<i%16>. */
static void
conn_tuples(uint32_t i, struct ct_tuple *orig, struct ct_tuple *reply)
{
	uint32_t client = 0x0b000000u + (i >> 4);
	uint16_t cport = (uint16_t)(1024 + (i & 15) * 3001);
	uint32_t backend = 0xc0a80000u + (i & 15);

	*orig = tup(client, VIP, cport, 80);
	*reply = tup(backend, client, 8080, cport);
}

static struct ct_conn *
add_conn(struct ct_table *t, uint32_t i, uint8_t proto, uint32_t now)
{
	struct ct_tuple o, r;
	struct ct_conn *c;

	conn_tuples(i, &o, &r);
	c = ct_insert(t, proto, &o, &r, now);
	if (c != NULL)
		set_id(c, i);
	return c;
}

static int
conn_found(struct ct_table *t, uint32_t i, uint8_t proto, const struct ct_conn *want)
{
	struct ct_tuple o, r;
	enum ct_dir d1 = CT_DIR_REPLY, d2 = CT_DIR_ORIG;

	conn_tuples(i, &o, &r);
	return ct_lookup(t, proto, &o, &d1) == want && (want == NULL || d1 == CT_DIR_ORIG) &&
	       ct_lookup(t, proto, &r, &d2) == want && (want == NULL || d2 == CT_DIR_REPLY);
}

/* Rebuild every invariant of the index, wheel and free list; count errors. */
static unsigned int
check_table(const struct ct_table *t)
{
	uint32_t nb = t->nb_buckets, cap = t->capacity;
	uint8_t *seen = calloc(cap, 1);
	uint32_t b, s, i, live = 0, on_wheel = 0, nfree = 0;
	unsigned int err = 0;

	CU_ASSERT_FATAL(seen != NULL);
	for (b = 0; b < nb; b++) {
		const struct ct_bucket *bk = &t->buckets[b];

		err += bk->pad[0] != 0 || bk->pad[1] != 0;
		for (s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t ref = bk->ref[s], idx = ref >> 1, dir = ref & 1, b1;
			const struct ct_conn *c;
			struct ct_tuple key;
			uint64_t h;

			if (bk->sig[s] == CT_SIG_EMPTY) {
				err += ref != CT_REF_EMPTY;
				continue;
			}
			if (idx >= cap || t->conns[idx].state == CT_NONE ||
			    (seen[idx] & (1u << dir))) {
				err++;
				continue;
			}
			seen[idx] |= (uint8_t)(1u << dir);
			c = &t->conns[idx];
			ct_dir_tuple(t, c, dir, &key);
			h = ct_hash(t, c->proto, &key);
			err += bk->sig[s] != ct_hash_sig(h);
			b1 = ct_bucket1(t, h);
			err += b != b1 && b != ct_bucket_alt(t, b1, ct_hash_sig(h));
			err += ct_bucket_alt(t, ct_bucket_alt(t, b, bk->sig[s]), bk->sig[s]) != b;
		}
	}
	for (i = 0; i < cap; i++) {
		if (t->conns[i].state != CT_NONE) {
			live++;
			err += seen[i] != 3;
		} else {
			err += seen[i] != 0;
		}
	}
	err += live != t->stats.active;
	for (s = 0; s < CT_WHEEL_LISTS; s++) {
		uint32_t prev = CT_HEAD_BIT | s, n = 0;

		for (i = t->wheel[s]; i != CT_NIL && n <= cap; i = t->cold[i].wheel_next, n++) {
			if (i >= cap || t->conns[i].state == CT_NONE ||
			    t->cold[i].wheel_prev != prev) {
				err++;
				break;
			}
			prev = i;
		}
		on_wheel += n;
	}
	err += on_wheel != live;
	for (i = t->free_head; i != CT_NIL && nfree <= cap; i = t->cold[i].wheel_next) {
		nfree++;
		if (i >= cap || t->conns[i].state != CT_NONE) {
			err++;
			break;
		}
	}
	err += nfree != cap - live;
	free(seen);
	return err;
}

/* Init and layout */

static void
test_init_args(void)
{
	struct ct_table *t;
	void *mem;
	size_t sz = ct_table_memsize(100);

	CU_ASSERT_EQUAL(ct_table_memsize(0), 0);
	CU_ASSERT_EQUAL(ct_table_memsize(SL_MAX_CT_CAPACITY + 1), 0);
	CU_ASSERT(ct_table_memsize(1) >= sizeof(struct ct_table) + 64 + CT_MIN_BUCKETS * 64);
	CU_ASSERT(ct_table_memsize(1000) > ct_table_memsize(999));

	mem = aligned_alloc(64, sz + 64);
	CU_ASSERT_FATAL(mem != NULL);
	CU_ASSERT_PTR_NULL(ct_table_init(mem, 0, &test_to, 0));
	CU_ASSERT_PTR_NULL(ct_table_init(mem, SL_MAX_CT_CAPACITY + 1, &test_to, 0));
	CU_ASSERT_PTR_NULL(ct_table_init((char *)mem + 8, 100, &test_to, 0));
	CU_ASSERT_PTR_NULL(ct_table_init(mem, 100, NULL, 0));
	memset(mem, 0xff, sz);
	t = ct_table_init(mem, 100, &test_to, 12345);
	CU_ASSERT_PTR_EQUAL(t, mem);
	CU_ASSERT_EQUAL(ct_table_stats(t)->capacity, 100);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->inserted, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* Nothing must point past the memory the caller was told to give. */
	CU_ASSERT((char *)&t->wheel[CT_WHEEL_LISTS] <= (char *)mem + sz);
	CU_ASSERT((char *)&t->buckets[t->nb_buckets] <= (char *)t->wheel);
	CU_ASSERT((char *)&t->conns[100] <= (char *)t->cold);
	CU_ASSERT((char *)&t->cold[100] <= (char *)t->buckets);
	CU_ASSERT_EQUAL((uintptr_t)t->conns % 64, 0);
	CU_ASSERT_EQUAL((uintptr_t)t->buckets % 64, 0);
	CU_ASSERT_STRING_EQUAL(ct_state_name(CT_ESTABLISHED), "ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(ct_state_name(CT_UDP), "UDP");
	CU_ASSERT_STRING_EQUAL(ct_state_name(CT_STATE__COUNT), "?");
	free(mem);
}

/*
 * Buckets: 2 keys per connection at <= CT_LOAD_PCT of 10 slots, not rounded
 * beyond the bucket that load needs; and the memory target that sizing is
 * for: <= 64 bytes per connection, 10 M connections in <= 1 GiB.
 */
static void
test_bucket_sizing(void)
{
	static const uint32_t caps[] = { 1, 7, 100, 1433, 1434, 45875, 100000, 1000000 };
	const double load = CT_LOAD_PCT / 100.0;
	unsigned int i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct ct_table *t = table_new(caps[i], 0, NULL);
		uint64_t nb = t->nb_buckets;

		CU_ASSERT(nb >= CT_MIN_BUCKETS);
		CU_ASSERT(2.0 * caps[i] <= load * CT_BUCKET_SLOTS * nb);
		CU_ASSERT(nb == CT_MIN_BUCKETS || 2.0 * caps[i] > load * CT_BUCKET_SLOTS * (nb - 1));
		free(t);
	}
	CU_ASSERT(ct_table_memsize(1000000) <= 64u * 1000000);
	CU_ASSERT(ct_table_memsize(10000000) <= 64u * 10000000);
	CU_ASSERT(ct_table_memsize(10000000) <= 1u << 30);
	CU_ASSERT(ct_table_memsize(SL_MAX_CT_CAPACITY) <= 64ull * SL_MAX_CT_CAPACITY);
}

/* Insert and lookup */

static void
test_insert_lookup_dirs(void)
{
	struct ct_table *t = table_new(64, 1000, NULL);
	struct ct_tuple o = tup(0x0b000001, VIP, 40000, 80);
	struct ct_tuple r = tup(0xc0a80001, 0x0b000001, 8080, 40000);
	struct ct_tuple k;
	struct ct_conn *c, *u;
	enum ct_dir d;

	c = ct_insert(t, IPPROTO_TCP, &o, &r, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(c->expire, 1000 + test_to.ms[CT_SYN_SENT]);
	CU_ASSERT_EQUAL(c->flags, 0);
	CU_ASSERT(memcmp(&c->orig, &o, sizeof(o)) == 0);
	ct_reply_tuple(c, ct_locals(t), &k);
	CU_ASSERT(memcmp(&k, &r, sizeof(r)) == 0);
	CU_ASSERT(ct_conn_index(t, c) < 64);

	d = CT_DIR_REPLY;
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &o, &d), c);
	CU_ASSERT_EQUAL(d, CT_DIR_ORIG);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &r, &d), c);
	CU_ASSERT_EQUAL(d, CT_DIR_REPLY);

	/* One field off, or the other protocol, must miss. */
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_UDP, &o, &d));
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_UDP, &r, &d));
	k = o; k.src_ip ^= htonl(1);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	k = o; k.dst_ip ^= htonl(0x100);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	k = o; k.src_port ^= htons(1);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	k = o; k.dst_port ^= htons(0x8000);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	k = r; k.dst_port ^= htons(1);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	/* The reversed orig tuple is not the reply tuple. */
	k = tup(VIP, 0x0b000001, 80, 40000);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));

	/* Same tuples under UDP are a different connection. */
	u = ct_insert(t, IPPROTO_UDP, &o, &r, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->state, CT_UDP);
	CU_ASSERT_EQUAL(u->expire, 1000 + test_to.ms[CT_UDP]);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_UDP, &r, &d), u);
	CU_ASSERT_EQUAL(d, CT_DIR_REPLY);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &r, &d), c);
	CU_ASSERT_EQUAL(ct_table_stats(t)->inserted, 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 2);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_bulk_equals_single(void)
{
	/* 2880 connections: the 90% design load of 640 buckets, so some keys
	 * sit in their second bucket. */
	const uint32_t cap = 2880;
	struct ct_table *t = table_new(cap, 0, NULL);
	static struct ct_tuple store[64];
	const struct ct_tuple *keys[64];
	struct ct_conn *bulk[64];
	enum ct_dir bdir[64];
	uint8_t protos[64];
	unsigned int round, i, hits = 0, misses = 0;
	uint32_t seed = 7;

	for (i = 0; i < cap; i++)
		CU_ASSERT_PTR_NOT_NULL(add_conn(t, i, (i & 1) ? IPPROTO_UDP : IPPROTO_TCP, 0));
	/* free a few so some tuples are stale */
	for (i = 0; i < cap; i += 10) {
		enum ct_dir d;
		struct ct_tuple o, r;
		struct ct_conn *c;

		conn_tuples(i, &o, &r);
		c = ct_lookup(t, (i & 1) ? IPPROTO_UDP : IPPROTO_TCP, &o, &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		ct_delete(t, c);
	}
	for (round = 0; round < 300; round++) {
		unsigned int n = round < 3 ? (unsigned int[]){ 0, 1, 33 }[round] : 64;

		for (i = 0; i < n; i++) {
			uint32_t id, kind;
			struct ct_tuple o, r;

			seed = seed * 1103515245u + 12345u;
			id = (seed >> 8) % (cap + 200);
			kind = (seed >> 4) & 7;
			conn_tuples(id, &o, &r);
			store[i] = (kind & 1) ? r : o;
			protos[i] = (id & 1) ? IPPROTO_UDP : IPPROTO_TCP;
			if (kind == 6)
				store[i].src_port ^= htons(1);   /* near miss */
			if (kind == 7)
				protos[i] ^= IPPROTO_TCP ^ IPPROTO_UDP;
			keys[i] = &store[i];
		}
		memset(bulk, 0xee, sizeof(bulk));
		ct_lookup_bulk(t, protos, keys, n, bulk, bdir);
		for (i = 0; i < n; i++) {
			enum ct_dir d = CT_DIR_ORIG;
			struct ct_conn *c = ct_lookup(t, protos[i], keys[i], &d);

			CU_ASSERT_PTR_EQUAL(bulk[i], c);
			if (c != NULL) {
				CU_ASSERT_EQUAL(bdir[i], d);
				hits++;
			} else {
				misses++;
			}
		}
	}
	CU_ASSERT(hits > 1000);
	CU_ASSERT(misses > 1000);
	free(t);
}

static void
test_fill_to_capacity(void)
{
	const uint32_t cap = 1000;
	struct ct_table *t = table_new(cap, 0, NULL);
	struct ct_conn *c[1000], *x;
	uint32_t i;

	for (i = 0; i < cap; i++) {
		c[i] = add_conn(t, i, IPPROTO_TCP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
		c[i]->state = CT_ESTABLISHED;
	}
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, cap);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 0);
	CU_ASSERT_PTR_NULL(add_conn(t, cap, IPPROTO_TCP, 0));
	CU_ASSERT_PTR_NULL(add_conn(t, cap + 1, IPPROTO_UDP, 0));
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->inserted, cap);
	CU_ASSERT(conn_found(t, cap, IPPROTO_TCP, NULL));
	for (i = 0; i < cap; i++)
		CU_ASSERT(conn_found(t, i, IPPROTO_TCP, c[i]));
	CU_ASSERT_EQUAL(check_table(t), 0);

	/* A freed entry is reused by the next insert. */
	ct_delete(t, c[500]);
	CU_ASSERT(conn_found(t, 500, IPPROTO_TCP, NULL));
	x = add_conn(t, cap, IPPROTO_TCP, 0);
	CU_ASSERT_PTR_EQUAL(x, c[500]);
	CU_ASSERT(conn_found(t, cap, IPPROTO_TCP, x));
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, cap);
	CU_ASSERT_EQUAL(ct_table_stats(t)->deleted, 1);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_delete_release(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct rel r;
	struct ct_conn *a, *b;

	rel_attach(t, &r, 16);
	a = add_conn(t, 1, IPPROTO_TCP, 0);
	b = add_conn(t, 2, IPPROTO_TCP, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ct_delete(t, a);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT(conn_found(t, 1, IPPROTO_TCP, NULL));
	CU_ASSERT(conn_found(t, 2, IPPROTO_TCP, b));
	/* deleting twice is harmless and does not call back again */
	ct_delete(t, a);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(ct_table_stats(t)->deleted, 1);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 1);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* no callback when none is set */
	ct_set_release(t, NULL, NULL);
	ct_delete(t, b);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	rel_free(&r);
	free(t);
}

/*
 * Keys crafted onto one pair of buckets (b1 = 0, b2 = 1) fill both; the
 * next key of that pair is refused (every resident's other bucket is in
 * the pair too, so no walk can make room), and a connection whose second
 * key is refused leaves no trace of its first.
 */
#define PAIR_KEYS (2 * CT_BUCKET_SLOTS)
#define PAIR_CONNS (PAIR_KEYS / 2)

static int
key_in_pair(const struct ct_table *t, const struct ct_tuple *k, uint32_t b1, uint32_t b2)
{
	uint64_t h = ct_hash(t, IPPROTO_TCP, k);

	return ct_bucket1(t, h) == b1 && ct_bucket_alt(t, b1, ct_hash_sig(h)) == b2;
}

static void
test_index_full_rollback(void)
{
	const uint32_t cap = 200;
	struct ct_table *t = table_new(cap, 0, NULL);
	static struct ct_tuple pair[PAIR_KEYS + 2], other[8];
	static struct ct_conn *c[PAIR_CONNS];
	uint32_t n0 = 0, n1 = 0, ip, i;
	uint64_t moves;
	struct ct_conn *x;
	enum ct_dir d;

	CU_ASSERT_EQUAL_FATAL(t->nb_buckets, CT_MIN_BUCKETS);
	/* replies to the VIP: a local address, as FULLNAT's are */
	CU_ASSERT_EQUAL_FATAL(ct_set_locals(t, (const uint32_t[]){ htonl(VIP) }, 1), 0);
	for (ip = 1; (n0 < PAIR_KEYS + 2 || n1 < 8) && ip < 1u << 24; ip++) {
		struct ct_tuple k = tup(0x0b000000 + ip, VIP, 1000, 80);

		if (n0 < PAIR_KEYS + 2 && key_in_pair(t, &k, 0, 1))
			pair[n0++] = k;
		else if (n1 < 8 && key_in_pair(t, &k, 32, 40))
			other[n1++] = k;
	}
	CU_ASSERT_FATAL(n0 == PAIR_KEYS + 2 && n1 == 8);
	for (i = 0; i < PAIR_CONNS; i++) {
		c[i] = ct_insert(t, IPPROTO_TCP, &pair[2 * i], &pair[2 * i + 1], 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
	}
	CU_ASSERT_EQUAL(ct_match_sig(&t->buckets[0], CT_SIG_EMPTY), 0);
	CU_ASSERT_EQUAL(ct_match_sig(&t->buckets[1], CT_SIG_EMPTY), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	moves = ct_table_stats(t)->cuckoo_moves;

	/* first key refused */
	CU_ASSERT_PTR_NULL(ct_insert(t, IPPROTO_TCP, &pair[PAIR_KEYS], &other[0], 0));
	/* second key refused: the first must be rolled back */
	CU_ASSERT_PTR_NULL(ct_insert(t, IPPROTO_TCP, &other[1], &pair[PAIR_KEYS + 1], 0));
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &other[1], &d));
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &pair[PAIR_KEYS], &d));
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, PAIR_CONNS);
	CU_ASSERT_EQUAL(ct_table_stats(t)->cuckoo_moves, moves);
	CU_ASSERT_EQUAL(check_table(t), 0);
	for (i = 0; i < PAIR_CONNS; i++) {
		CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &pair[2 * i + 1], &d), c[i]);
		CU_ASSERT_EQUAL(d, CT_DIR_REPLY);
	}

	/* other buckets still take connections */
	x = ct_insert(t, IPPROTO_TCP, &other[2], &other[3], 0);
	CU_ASSERT_PTR_NOT_NULL(x);
	/* freeing a crowded connection makes room again */
	ct_delete(t, c[0]);
	x = ct_insert(t, IPPROTO_TCP, &pair[PAIR_KEYS], &pair[PAIR_KEYS + 1], 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &pair[PAIR_KEYS + 1], &d), x);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/*
 * Both buckets of a key full, but a resident can move to its other bucket:
 * the insert succeeds by moving it, and every key stays findable.
 */
static void
test_cuckoo_move(void)
{
	const uint32_t cap = 200;
	struct ct_table *t = table_new(cap, 0, NULL);
	static struct ct_tuple pair[PAIR_KEYS + 2], spill[2];
	static struct ct_conn *c[PAIR_CONNS];
	uint32_t n0 = 0, n1 = 0, ip, i;
	struct ct_conn *x;
	enum ct_dir d;

	CU_ASSERT_EQUAL_FATAL(ct_set_locals(t, (const uint32_t[]){ htonl(VIP) }, 1), 0);
	/* pair: buckets 0 and 1; spill: b1 = 1 with its other bucket free */
	for (ip = 1; (n0 < PAIR_KEYS || n1 < 2) && ip < 1u << 24; ip++) {
		struct ct_tuple k = tup(0x0c000000 + ip, VIP, 2000, 80);
		uint64_t h = ct_hash(t, IPPROTO_TCP, &k);
		uint32_t alt = ct_bucket_alt(t, 1, ct_hash_sig(h));

		if (n0 < PAIR_KEYS && key_in_pair(t, &k, 0, 1))
			pair[n0++] = k;
		else if (n1 < 2 && ct_bucket1(t, h) == 1 && alt > 1)
			spill[n1++] = k;
	}
	CU_ASSERT_FATAL(n0 == PAIR_KEYS && n1 == 2);
	/* the spill keys take bucket 1 first; then pair keys fill 0 and 1 */
	x = ct_insert(t, IPPROTO_TCP, &spill[0], &spill[1], 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	for (i = 0; i < PAIR_CONNS; i++) {
		c[i] = ct_insert(t, IPPROTO_TCP, &pair[2 * i], &pair[2 * i + 1], 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
	}
	CU_ASSERT(ct_table_stats(t)->cuckoo_moves >= 1);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &spill[1], &d), x);
	CU_ASSERT_EQUAL(d, CT_DIR_REPLY);
	for (i = 0; i < PAIR_CONNS; i++)
		CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &pair[2 * i], &d), c[i]);
	free(t);
}

/*
 * Replies to local addresses (FULLNAT): found in both directions, the reply
 * tuple rebuilt exactly, listed as stored; the local list is append-only;
 * a reply to neither the client nor a local address is refused untouched.
 */
static void
test_locals(void)
{
	struct ct_table *t = table_new(64, 0, NULL);
	const uint32_t l1[] = { htonl(0xc0a80164), htonl(0xc0a80165) };
	const uint32_t l2[] = { htonl(0xc0a80164), htonl(0xc0a80165), htonl(0xc0a80166) };
	const uint32_t bad[] = { htonl(0xc0a80199) };
	struct ct_tuple o = tup(0x0b000001, VIP, 40000, 80);
	struct ct_tuple r = tup(0xc0a80001, 0xc0a80166, 8080, 5001);
	struct ct_tuple k;
	struct ct_info info;
	struct ct_conn *c;
	enum ct_dir d;

	CU_ASSERT_EQUAL(ct_set_locals(t, l1, 2), 0);
	CU_ASSERT_EQUAL(ct_set_locals(t, l1, SL_MAX_LADDRS + 1), -EINVAL);
	/* not yet a local address: refused, and not counted as full */
	errno = 0;
	CU_ASSERT_PTR_NULL(ct_insert(t, IPPROTO_TCP, &o, &r, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(ct_set_locals(t, l2, 3), 0);
	/* changing an index in use is refused, nothing changes */
	CU_ASSERT_EQUAL(ct_set_locals(t, bad, 1), -EINVAL);
	CU_ASSERT_EQUAL(ct_locals(t)[0], l1[0]);

	c = ct_insert(t, IPPROTO_TCP, &o, &r, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c->flags & CT_F_LOCAL);
	CU_ASSERT_EQUAL(c->lport_idx, 2);
	CU_ASSERT_EQUAL(c->lport, r.dst_port);
	ct_reply_tuple(c, ct_locals(t), &k);
	CU_ASSERT(memcmp(&k, &r, sizeof(r)) == 0);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &r, &d), c);
	CU_ASSERT_EQUAL(d, CT_DIR_REPLY);
	CU_ASSERT_PTR_EQUAL(ct_lookup(t, IPPROTO_TCP, &o, &d), c);
	CU_ASSERT_EQUAL(d, CT_DIR_ORIG);
	/* the same reply to another local address or port is another key */
	k = r;
	k.dst_ip = l2[1];
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	k = r;
	k.dst_port ^= htons(1);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &k, &d));
	ct_get_info(t, c, &info);
	CU_ASSERT(memcmp(&info.orig, &o, sizeof(o)) == 0);
	CU_ASSERT(memcmp(&info.reply, &r, sizeof(r)) == 0);
	CU_ASSERT_EQUAL(info.state, CT_SYN_SENT);
	CU_ASSERT_EQUAL(info.expire, c->expire);
	CU_ASSERT_EQUAL(check_table(t), 0);
	ct_delete(t, c);
	CU_ASSERT_PTR_NULL(ct_lookup(t, IPPROTO_TCP, &r, &d));
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/*
 * The seed moves keys to other buckets (what makes a crafted pile-up on one
 * bucket pair impossible to compute in advance) and changes nothing else;
 * it is taken only while the table is empty.
 */
static void
test_seed(void)
{
	const uint32_t cap = 1000;
	struct ct_table *t = table_new(cap, 0, NULL);
	struct ct_tuple o, r;
	uint32_t i, moved = 0, b_default[100];

	for (i = 0; i < 100; i++) {
		conn_tuples(i, &o, &r);
		b_default[i] = ct_bucket1(t, ct_hash(t, IPPROTO_TCP, &o));
	}
	CU_ASSERT_EQUAL(ct_set_seed(t, 0x0123456789abcdefull), 0);
	for (i = 0; i < 100; i++) {
		conn_tuples(i, &o, &r);
		moved += ct_bucket1(t, ct_hash(t, IPPROTO_TCP, &o)) != b_default[i];
	}
	CU_ASSERT(moved > 90);
	for (i = 0; i < cap; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_TCP, 0));
	for (i = 0; i < cap; i++)
		CU_ASSERT(conn_found(t, i, IPPROTO_TCP, &t->conns[i]));
	CU_ASSERT_EQUAL(ct_set_seed(t, 1), -EBUSY);
	CU_ASSERT_EQUAL(t->seed, 0x0123456789abcdefull);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/* TCP state machine */

static struct ct_conn *
tcp_conn(struct ct_table *t, uint32_t i, uint32_t now)
{
	struct ct_conn *c = add_conn(t, i, IPPROTO_TCP, now);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* Expect `from` back, `to` in the entry and its timeout armed. */
#define STEP(t, c, dir, fl, now, from, to) do { \
	CU_ASSERT_EQUAL(ct_update(t, c, dir, fl, now), from); \
	CU_ASSERT_EQUAL((c)->state, to); \
	CU_ASSERT_EQUAL((c)->expire, (uint32_t)((now) + test_to.ms[to])); \
} while (0)

static struct ct_conn *
tcp_established(struct ct_table *t, uint32_t i)
{
	struct ct_conn *c = tcp_conn(t, i, 0);

	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_ESTABLISHED);
	return c;
}

static void
test_tcp_handshake(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_conn(t, 1, 0);

	c->flags = 0x02; /* caller's mode bits survive transitions */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 10, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 11, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 12, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 20, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 25, CT_SYN_RECV, CT_SYN_RECV);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 26, CT_SYN_RECV, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 30, CT_SYN_RECV, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 40, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 41, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 42, CT_ESTABLISHED, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(c->flags, 0x02);

	/* Reply data after the SYN-ACK proves the handshake completed. */
	c = tcp_conn(t, 2, 0);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/* dr: only the client's segments pass, so its ACK completes the handshake. */
static void
test_tcp_oneway(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_conn(t, 1, 0);

	c->flags = CT_F_ONEWAY;
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 10, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 11, CT_SYN_SENT, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 12, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 13, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 14, CT_FIN_WAIT, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & CT_F_ONEWAY, CT_F_ONEWAY);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_tcp_close_orig_first(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 102, CT_FIN_WAIT, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 110, CT_FIN_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 111, CT_CLOSE_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 112, CT_CLOSE_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 120, CT_CLOSE_WAIT, CT_TIME_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 130, CT_TIME_WAIT, CT_TIME_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_ORIG | CT_F_FIN_REPLY);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_tcp_close_reply_first(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_REPLY);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_FIN_WAIT);
	/* both FINs cross: straight to TIME_WAIT */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 110, CT_FIN_WAIT, CT_TIME_WAIT);
	free(t);

	/* half close the other way round: reply FIN, orig ACK, orig FIN */
	t = table_new(16, 0, NULL);
	c = tcp_established(t, 2);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 102, CT_CLOSE_WAIT, CT_TIME_WAIT);
	free(t);

	/* FIN straight after the SYN-ACK */
	t = table_new(16, 0, NULL);
	c = tcp_conn(t, 3, 0);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_FIN_WAIT);
	free(t);
}

static void
test_tcp_rst(void)
{
	static const uint8_t from[] = {
		CT_SYN_SENT, CT_SYN_RECV, CT_ESTABLISHED, CT_FIN_WAIT,
		CT_CLOSE_WAIT, CT_TIME_WAIT, CT_CLOSE,
	};
	struct ct_table *t = table_new(64, 0, NULL);
	unsigned int i, dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < sizeof(from); i++) {
			struct ct_conn *c = tcp_conn(t, dir * 16 + i, 0);

			c->state = from[i];
			STEP(t, c, (enum ct_dir)dir, RTE_TCP_RST_FLAG | (i & 1 ? RTE_TCP_ACK_FLAG : 0), 5,
			     from[i], CT_CLOSE);
		}
	}
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_tcp_port_reuse(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_TIME_WAIT);
	/* a SYN from the backend side does not reopen */
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG, 102, CT_TIME_WAIT, CT_TIME_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 200, CT_TIME_WAIT, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), 0);
	/* the new incarnation runs the whole life again */
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 201, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 202, CT_SYN_RECV, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG, 203, CT_ESTABLISHED, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_REPLY);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_RST_FLAG, 204, CT_FIN_WAIT, CT_CLOSE);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 205, CT_CLOSE, CT_CLOSE);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 206, CT_CLOSE, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static void
test_udp_update(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = add_conn(t, 1, IPPROTO_UDP, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	STEP(t, c, CT_DIR_ORIG, 0, 10, CT_UDP, CT_UDP);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG, 20, CT_UDP, CT_UDP);
	STEP(t, c, CT_DIR_REPLY, 0, 30, CT_UDP, CT_UDP);
	CU_ASSERT(ct_state_is_active(c->state));
	free(t);
}

/* Expiry */

/*
 * Connections in every state (ESTABLISHED's 300 s is beyond the wheel
 * span) are removed at or after their expiry, and within one slot of it.
 */
static void
expire_states_from(uint32_t t0)
{
	static const uint8_t states[] = {
		CT_SYN_SENT, CT_SYN_RECV, CT_ESTABLISHED, CT_FIN_WAIT,
		CT_CLOSE_WAIT, CT_TIME_WAIT, CT_CLOSE, CT_UDP,
	};
	const unsigned int ns = sizeof(states), per = 20;
	struct ct_table *t = table_new(ns * per, t0, NULL);
	uint32_t exp[8 * 20], now = t0, i;
	struct rel r;

	rel_attach(t, &r, ns * per);
	for (i = 0; i < ns * per; i++) {
		/* stagger by a few ms so entries land in different slots */
		uint32_t at = t0 + i * 3;
		uint8_t s = states[i % ns];
		struct ct_conn *c = add_conn(t, i, s == CT_UDP ? IPPROTO_UDP : IPPROTO_TCP, at);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		/* force the state; a flagless segment keeps it and re-arms */
		c->state = s;
		ct_update(t, c, CT_DIR_ORIG, 0, at);
		CU_ASSERT_EQUAL(c->state, s);
		CU_ASSERT_EQUAL(c->expire, at + test_to.ms[s]);
		exp[i] = c->expire;
	}
	while (ct_table_stats(t)->active > 0 && (int32_t)(now - t0) < 400000) {
		now++;
		expire_at(t, &r, now, 1000);
	}
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->expired, ns * per);
	CU_ASSERT_EQUAL(r.early, 0);
	for (i = 0; i < ns * per; i++) {
		int32_t late = (int32_t)(r.when[i] - exp[i]);

		CU_ASSERT_EQUAL(r.count[i], 1);
		CU_ASSERT(late >= 0 && late <= (int32_t)GRAN);
	}
	CU_ASSERT_EQUAL(check_table(t), 0);
	rel_free(&r);
	free(t);
}

static void
test_expire_states(void)
{
	expire_states_from(1000);
}

/* The ms tick wraps during the run: start just below UINT32_MAX. */
static void
test_expire_wraparound(void)
{
	expire_states_from(UINT32_MAX - 4000);
	expire_states_from(UINT32_MAX - 200000);
}

/* Moving to a state with a shorter timeout must not wait for the old slot. */
static void
test_expire_shortened(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);
	struct rel r;
	uint32_t now;

	rel_attach(t, &r, 16);
	set_id(c, 1);
	for (now = 3; now < 1000; now++)
		expire_at(t, &r, now, 64);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_RST_FLAG, 1000, CT_ESTABLISHED, CT_CLOSE);
	for (now = 1001; now < 1000 + test_to.ms[CT_CLOSE]; now++)
		expire_at(t, &r, now, 64);
	CU_ASSERT_EQUAL(r.calls, 0);
	for (; now <= 1000 + test_to.ms[CT_CLOSE] + GRAN; now++)
		expire_at(t, &r, now, 64);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT_EQUAL(r.early, 0);
	rel_free(&r);
	free(t);
}

/* Refreshed connections survive, long after their first expiry. */
static void
test_expire_refreshed(void)
{
	struct ct_table *t = table_new(64, 0, NULL);
	struct ct_conn *u = add_conn(t, 1, IPPROTO_UDP, 0);
	struct ct_conn *e = tcp_established(t, 2);
	struct ct_conn *idle = add_conn(t, 3, IPPROTO_UDP, 0);
	struct rel r;
	uint32_t now, last = 0;

	rel_attach(t, &r, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idle);
	/* 700 s: ESTABLISHED (300 s) and UDP (3 s) refreshed every 2.5 s */
	for (now = 5; now < 700000; now += 5) {
		if (now % 2500 == 0) {
			ct_update(t, u, CT_DIR_REPLY, 0, now);
			ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
			last = now;
		}
		expire_at(t, &r, now, 16);
	}
	CU_ASSERT_EQUAL(r.count[3], 1);
	CU_ASSERT_EQUAL(r.count[1], 0);
	CU_ASSERT_EQUAL(r.count[2], 0);
	CU_ASSERT(conn_found(t, 1, IPPROTO_UDP, u));
	CU_ASSERT(conn_found(t, 2, IPPROTO_TCP, e));
	/* then idle: gone within timeout + one slot */
	for (; (int32_t)(now - last) <= (int32_t)(test_to.ms[CT_ESTABLISHED] + GRAN); now++)
		expire_at(t, &r, now, 16);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT_EQUAL(r.count[2], 1);
	CU_ASSERT((int32_t)(r.when[1] - (last + test_to.ms[CT_UDP])) <= (int32_t)GRAN);
	CU_ASSERT((int32_t)(r.when[2] - (last + test_to.ms[CT_ESTABLISHED])) >= 0);
	CU_ASSERT(r.early == 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	rel_free(&r);
	free(t);
}

/* 10k connections due together: each call removes at most `budget`. */
static void
test_expire_budget(void)
{
	const uint32_t n = 10000, budget = 64;
	struct ct_table *t = table_new(n, 0, NULL);
	uint32_t i, calls = 0, total = 0;
	struct rel r;

	rel_attach(t, &r, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_UDP, i % 5));
	/* nothing before the first is due */
	CU_ASSERT_EQUAL(expire_at(t, &r, test_to.ms[CT_UDP] - 1, budget), 0);
	while (ct_table_stats(t)->active > 0 && calls < 1000) {
		uint64_t before = r.calls;
		unsigned int got = expire_at(t, &r, test_to.ms[CT_UDP] + 100, budget);

		CU_ASSERT(got <= budget);
		CU_ASSERT_EQUAL(r.calls - before, got);
		/* all visited are due, so every call but the last is full */
		if (ct_table_stats(t)->active > 0)
			CU_ASSERT_EQUAL(got, budget);
		total += got;
		calls++;
	}
	CU_ASSERT_EQUAL(calls, (n + budget - 1) / budget);
	CU_ASSERT_EQUAL(total, n);
	CU_ASSERT_EQUAL(ct_table_stats(t)->expired, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(r.count[i], 1);
	CU_ASSERT_EQUAL(expire_at(t, &r, test_to.ms[CT_UDP] + 200, budget), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	rel_free(&r);
	free(t);
}

/*
 * Half the due connections were refreshed: visiting them spends budget too,
 * budget 1 still makes progress, and deletes of entries on the list being
 * expired (mid-slice) are safe.
 */
static void
test_expire_budget_mixed(void)
{
	const uint32_t n = 2000;
	struct ct_table *t = table_new(n, 0, NULL);
	struct ct_conn *c[2000];
	uint32_t i, calls = 0, due = 0;
	struct rel r;

	rel_attach(t, &r, n);
	for (i = 0; i < n; i++) {
		c[i] = add_conn(t, i, IPPROTO_UDP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
	}
	for (i = 0; i < n; i += 2)
		ct_update(t, c[i], CT_DIR_ORIG, 0, 2000);
	/* budget 1: one visit per call */
	for (i = 0; i < 100; i++) {
		uint64_t before = r.calls;

		expire_at(t, &r, 3100, 1);
		CU_ASSERT(r.calls - before <= 1);
	}
	CU_ASSERT(r.calls >= 40 && r.calls <= 60);
	/* delete some that are waiting in the slot being expired */
	for (i = 1; i < 200; i += 2)
		if (c[i]->state != CT_NONE && r.count[i] == 0)
			ct_delete(t, c[i]);
	CU_ASSERT_EQUAL(check_table(t), 0);
	while (calls++ < 200) {
		uint64_t before = r.calls;

		CU_ASSERT(expire_at(t, &r, 3100, 64) <= 64);
		CU_ASSERT(r.calls - before <= 64);
	}
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(r.count[i], i & 1);
		due += r.count[i];
	}
	CU_ASSERT_EQUAL(due, n / 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, n / 2);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* the refreshed half goes at its own time */
	CU_ASSERT_EQUAL(expire_at(t, &r, 4999, 100000), 0);
	CU_ASSERT_EQUAL(expire_at(t, &r, 5000 + GRAN, 100000), n / 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(r.early, 0);
	rel_free(&r);
	free(t);
}

/* After a long pause, one call catches up; nothing not due is removed. */
static void
test_expire_long_gap(void)
{
	struct ct_table *t = table_new(2000, 500, NULL);
	struct ct_conn *keep;
	struct rel r;
	uint32_t i;

	rel_attach(t, &r, 2000);
	for (i = 0; i < 1000; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_UDP, 500 + i * 50));
	keep = tcp_established(t, 1500);
	set_id(keep, 1500);
	ct_update(t, keep, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 550000);
	/* 10 minutes without expiry, then one call with budget for all */
	CU_ASSERT_EQUAL(expire_at(t, &r, 600000, 5000), 1000);
	CU_ASSERT_EQUAL(r.count[1500], 0);
	CU_ASSERT_EQUAL(r.early, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* and the survivor still expires on time */
	for (i = 600001; r.count[1500] == 0 && i < 2000000; i += 1)
		expire_at(t, &r, i, 64);
	CU_ASSERT((int32_t)(r.when[1500] - (550000 + test_to.ms[CT_ESTABLISHED])) >= 0);
	CU_ASSERT((int32_t)(r.when[1500] - (550000 + test_to.ms[CT_ESTABLISHED])) <= (int32_t)GRAN);
	rel_free(&r);
	free(t);
}

/* Control */

static int
walk_count(struct ct_conn *c, void *arg)
{
	unsigned int *n = arg;

	(void)c;
	return ++*n == 7 ? 42 : 0;
}

static int
walk_delete(struct ct_conn *c, void *arg)
{
	ct_delete(arg, c);
	return 0;
}

static void
test_walk(void)
{
	struct ct_table *t = table_new(100, 0, NULL);
	unsigned int n = 0, i;

	for (i = 0; i < 10; i++)
		CU_ASSERT_PTR_NOT_NULL(add_conn(t, i, IPPROTO_TCP, 0));
	CU_ASSERT_EQUAL(ct_walk(t, walk_count, &n), 42);
	CU_ASSERT_EQUAL(n, 7);
	ct_delete(t, add_conn(t, 50, IPPROTO_TCP, 0));
	n = 100;
	CU_ASSERT_EQUAL(ct_walk(t, walk_count, &n), 0);
	CU_ASSERT_EQUAL(n, 110);
	CU_ASSERT_EQUAL(ct_walk(t, walk_delete, t), 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

static int
slice_mark(struct ct_conn *c, void *arg)
{
	unsigned int *seen = arg;

	seen[id_of(c)]++;
	return 0;
}

struct slice_del {
	struct ct_table *t;
	unsigned int n;
};

static int
slice_delete_odd(struct ct_conn *c, void *arg)
{
	struct slice_del *d = arg;

	if (id_of(c) & 1) {
		ct_delete(d->t, c);
		d->n++;
	}
	return 0;
}

/* Slices cover every live entry exactly once and may delete what they visit. */
static void
test_walk_slice(void)
{
	struct ct_table *t = table_new(1000, 0, NULL);
	unsigned int seen[1000] = { 0 }, i, ok = 0, slices = 0;
	struct slice_del d = { .t = t };
	uint32_t next = 0;

	for (i = 0; i < 700; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_TCP, 0));
	while (next < ct_capacity(t) && slices < 1000) {
		next = ct_walk_slice(t, next, 64, slice_mark, seen);
		slices++;
	}
	CU_ASSERT_EQUAL(next, ct_capacity(t));
	CU_ASSERT_EQUAL(slices, (ct_capacity(t) + 63) / 64);
	for (i = 0; i < 700; i++)
		ok += seen[i] == 1;
	CU_ASSERT_EQUAL(ok, 700);
	for (next = 0; next < ct_capacity(t);)
		next = ct_walk_slice(t, next, 100, slice_delete_odd, &d);
	CU_ASSERT_EQUAL(d.n, 350);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 350);
	/* a budget past the end stops at the end */
	CU_ASSERT_EQUAL(ct_walk_slice(t, 10, UINT32_MAX, slice_mark, seen), ct_capacity(t));
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/*
 * Randomized model test. Connection ids 0..4095 each have fixed tuples;
 * ids 2k and 2k+1 share them under TCP and UDP. At 1433 entries (the
 * index at its design load when full) inserts sometimes find the table full. Every removal comes
 * through the release callback, which updates the model.
 */
#define M_IDS 4096u
#define M_CAP 1433u

struct model {
	struct ct_conn *live[M_IDS];
	uint32_t n;
	uint32_t now;
	int expiring;
	unsigned int bad;
};

static void
model_release(struct ct_conn *c, void *arg)
{
	struct model *m = arg;
	uint32_t id = id_of(c);

	if (id >= M_IDS || m->live[id] != c || (m->expiring && (int32_t)(c->expire - m->now) > 0)) {
		m->bad++;
		return;
	}
	m->live[id] = NULL;
	m->n--;
}

static uint8_t
m_proto(uint32_t id)
{
	return (id & 1) ? IPPROTO_UDP : IPPROTO_TCP;
}

static uint32_t
m_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static void
test_model_random(void)
{
	static const struct ct_timeouts mto = {
		.ms = { 0, 3000, 3000, 60000, 3000, 3000, 3000, 500, 5000 },
	};
	static const uint8_t flags[] = {
		RTE_TCP_SYN_FLAG, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, RTE_TCP_ACK_FLAG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, RTE_TCP_RST_FLAG, RTE_TCP_ACK_FLAG,
	};
	static struct model m;
	struct ct_table *t;
	uint64_t seed = 0x5eed5eedull;
	uint32_t op, full = 0, idx_full = 0, found = 0, expired = 0;

	memset(&m, 0, sizeof(m));
	m.now = 77;
	t = table_new(M_CAP, m.now, &mto);
	ct_set_release(t, model_release, &m);
	for (op = 0; op < 200000; op++) {
		uint32_t r = m_rand(&seed), id = m_rand(&seed) % M_IDS, k = r % 100;
		struct ct_tuple o, rep;
		enum ct_dir d = CT_DIR_ORIG;
		struct ct_conn *c;

		conn_tuples(id >> 1, &o, &rep);
		if (k < 35) {
			if (m.live[id] != NULL)
				continue;
			c = ct_insert(t, m_proto(id), &o, &rep, m.now);
			if (c == NULL) {
				/* a refusal below capacity is a full probe window */
				full++;
				idx_full += m.n < M_CAP;
				CU_ASSERT_PTR_NULL(ct_lookup(t, m_proto(id), &o, &d));
				CU_ASSERT_PTR_NULL(ct_lookup(t, m_proto(id), &rep, &d));
				continue;
			}
			set_id(c, id);
			m.live[id] = c;
			m.n++;
		} else if (k < 70) {
			int reply = (r >> 8) & 1;
			int bent = ((r >> 9) & 7) == 0;
			struct ct_tuple key = reply ? rep : o;

			if (bent)
				key.dst_port ^= htons(0x4000);
			c = ct_lookup(t, m_proto(id), &key, &d);
			if (bent) {
				CU_ASSERT_PTR_NULL(c);
			} else {
				CU_ASSERT_PTR_EQUAL(c, m.live[id]);
				if (c != NULL) {
					CU_ASSERT_EQUAL(d, (enum ct_dir)reply);
					found++;
				}
			}
		} else if (k < 82) {
			if (m.live[id] != NULL) {
				uint32_t before = m.n;

				ct_delete(t, m.live[id]);
				CU_ASSERT_EQUAL(m.n, before - 1);
				CU_ASSERT_PTR_NULL(m.live[id]);
			}
		} else if (k < 95) {
			if (m.live[id] != NULL)
				ct_update(t, m.live[id], (enum ct_dir)((r >> 8) & 1),
					  flags[(r >> 10) % sizeof(flags)], m.now);
		} else {
			uint32_t n0 = m.n;
			unsigned int got;

			m.now += (r >> 8) % 24;
			m.expiring = 1;
			got = ct_expire(t, m.now, 1 + (r >> 20) % 200);
			m.expiring = 0;
			CU_ASSERT_EQUAL(got, n0 - m.n);
			expired += got;
		}
		if (op % 5000 == 4999) {
			uint32_t i;

			CU_ASSERT_EQUAL(check_table(t), 0);
			CU_ASSERT_EQUAL(ct_table_stats(t)->active, m.n);
			for (i = 0; i < M_IDS; i++) {
				conn_tuples(i >> 1, &o, &rep);
				if (!(ct_lookup(t, m_proto(i), &o, &d) == m.live[i] &&
				      ct_lookup(t, m_proto(i), &rep, &d) == m.live[i]))
					m.bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(m.bad, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, full);
	CU_ASSERT_EQUAL(ct_table_stats(t)->expired, expired);
	/* the run must have exercised fullness, hits and expiry */
	CU_ASSERT(full > 100);
	CU_ASSERT(found > 10000);
	CU_ASSERT(expired > 10000);
	/* at <= the design load, no room in a key's buckets is (almost) never the reason */
	CU_ASSERT(idx_full * 1000 < full);
	free(t);
}

/* Capacity 100k, every entry used: all 200k keys hit, single and bulk. */
static void
test_high_load(void)
{
	const uint32_t cap = 100000;
	struct ct_table *t = table_new(cap, 0, NULL);
	uint32_t i, j, hits = 0;

	for (i = 0; i < cap; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_TCP, 0));
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 0);
	CU_ASSERT_PTR_NULL(add_conn(t, cap, IPPROTO_TCP, 0));
	for (i = 0; i < cap; i += 32) {
		static struct ct_tuple k[64];
		const struct ct_tuple *kp[64];
		uint8_t p[64];
		struct ct_conn *res[64];
		enum ct_dir d[64];
		uint32_t n = cap - i < 32 ? cap - i : 32;

		for (j = 0; j < n; j++) {
			conn_tuples(i + j, &k[2 * j], &k[2 * j + 1]);
			kp[2 * j] = &k[2 * j];
			kp[2 * j + 1] = &k[2 * j + 1];
			p[2 * j] = p[2 * j + 1] = IPPROTO_TCP;
		}
		ct_lookup_bulk(t, p, kp, 2 * n, res, d);
		for (j = 0; j < 2 * n; j++) {
			enum ct_dir sd;
			struct ct_conn *c = ct_lookup(t, IPPROTO_TCP, kp[j], &sd);

			hits += c != NULL && c == res[j] && id_of(res[j]) == i + j / 2 &&
				sd == (enum ct_dir)(j & 1) && d[j] == sd;
		}
	}
	CU_ASSERT_EQUAL(hits, 2 * cap);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/*
 * At the design load (full capacity: 2 keys per connection in 90 % of the
 * slots) every connection fits, and keeps fitting under churn: deleting
 * and inserting random connections never finds a key's buckets beyond
 * rearranging, and the rearranging is exercised.
 */
static void
test_design_load(void)
{
	const uint32_t cap = 73728; /* 16384 buckets * 10 slots * 0.9 / 2 */
	struct ct_table *t = table_new(cap, 0, NULL);
	uint32_t i, ok = 0, refused = 0, next = cap;
	uint64_t seed = 0xd1b54a32d192ed03ull;

	CU_ASSERT_EQUAL(t->nb_buckets, 16384);
	for (i = 0; i < cap; i++) {
		ok += add_conn(t, i, IPPROTO_TCP, 0) != NULL;
	}
	CU_ASSERT_EQUAL(ok, cap);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	for (i = 0; i < cap; i++)
		if (!conn_found(t, i, IPPROTO_TCP, &t->conns[i]))
			break;
	CU_ASSERT_EQUAL(i, cap);

	for (i = 0; i < 200000; i++) {
		uint32_t e = m_rand(&seed) % cap;

		if (t->conns[e].state != CT_NONE)
			ct_delete(t, &t->conns[e]);
		/* fresh ids, so the keys wander over the whole table */
		if (add_conn(t, next++ % (1u << 20), IPPROTO_TCP, 0) == NULL)
			refused++;
	}
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT(ct_table_stats(t)->cuckoo_moves > 1000);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active,
			ct_table_stats(t)->inserted - ct_table_stats(t)->deleted);
	CU_ASSERT_EQUAL(ct_table_stats(t)->full, refused);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "init_args", test_init_args },
		{ "bucket_sizing", test_bucket_sizing },
		{ "insert_lookup_dirs", test_insert_lookup_dirs },
		{ "bulk_equals_single", test_bulk_equals_single },
		{ "fill_to_capacity", test_fill_to_capacity },
		{ "delete_release", test_delete_release },
		{ "index_full_rollback", test_index_full_rollback },
		{ "cuckoo_move", test_cuckoo_move },
		{ "locals", test_locals },
		{ "seed", test_seed },
		{ "tcp_handshake", test_tcp_handshake },
		{ "tcp_oneway", test_tcp_oneway },
		{ "tcp_close_orig_first", test_tcp_close_orig_first },
		{ "tcp_close_reply_first", test_tcp_close_reply_first },
		{ "tcp_rst", test_tcp_rst },
		{ "tcp_port_reuse", test_tcp_port_reuse },
		{ "udp_update", test_udp_update },
		{ "expire_states", test_expire_states },
		{ "expire_wraparound", test_expire_wraparound },
		{ "expire_shortened", test_expire_shortened },
		{ "expire_refreshed", test_expire_refreshed },
		{ "expire_budget", test_expire_budget },
		{ "expire_budget_mixed", test_expire_budget_mixed },
		{ "expire_long_gap", test_expire_long_gap },
		{ "walk", test_walk },
		{ "walk in slices", test_walk_slice },
		{ "model_random", test_model_random },
		{ "high_load", test_high_load },
		{ "design_load", test_design_load },
	};

	return unit_add_suite("conntrack", NULL, NULL, tests, UNIT_DIM(tests));
}
