/*
 * Connection table tests: init and layout, insert and lookup (index, bulk,
 * cuckoo moves, locals, seed). Fixtures in test_conntrack.c.
 */
#include "test_conntrack.h"
#include "unit.h"

/* Init and layout */

void
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
void
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

void
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

void
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

void
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

void
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

void
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
void
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
void
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
void
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
