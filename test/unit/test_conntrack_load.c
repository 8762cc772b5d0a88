/*
 * Connection table tests: walks and slices (control side), the randomized
 * model, high load. Fixtures in test_conntrack.c.
 */
#include "test_conntrack.h"
#include "unit.h"

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

void
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
void
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

void
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
void
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
void
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
