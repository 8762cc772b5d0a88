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
 *
 * This file: the fixtures and the registration; the tests are in
 * test_conntrack_index.c, test_conntrack_tcp.c and test_conntrack_load.c.
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
#include "test_conntrack.h"
#include "unit.h"

const struct ct_timeouts test_to = {
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

const struct ct_table *ids_table;
uint32_t *ids;

void
set_id(const struct ct_conn *c, uint32_t id)
{
	ids[ct_conn_index(ids_table, c)] = id;
}

uint32_t
id_of(const struct ct_conn *c)
{
	return ids[ct_conn_index(ids_table, c)];
}

void
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

struct ct_table *
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

void
rel_attach(struct ct_table *t, struct rel *r, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->count = calloc(cap, sizeof(*r->count));
	r->when = calloc(cap, sizeof(*r->when));
	CU_ASSERT_FATAL(r->count != NULL && r->when != NULL);
	ct_set_release(t, rel_cb, r);
}

void
rel_free(struct rel *r)
{
	free(r->count);
	free(r->when);
}

unsigned int
expire_at(struct ct_table *t, struct rel *r, uint32_t now, unsigned int budget)
{
	unsigned int n;

	r->now = now;
	r->expiring = 1;
	n = ct_expire(t, now, budget);
	r->expiring = 0;
	return n;
}

struct ct_tuple
tup(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	return (struct ct_tuple){
		.src_ip = htonl(src),
		.dst_ip = htonl(dst),
		.src_port = htons(sport),
		.dst_port = htons(dport),
	};
}

void
conn_tuples(uint32_t i, struct ct_tuple *orig, struct ct_tuple *reply)
{
	uint32_t client = 0x0b000000u + (i >> 4);
	uint16_t cport = (uint16_t)(1024 + (i & 15) * 3001);
	uint32_t backend = 0xc0a80000u + (i & 15);

	*orig = tup(client, VIP, cport, 80);
	*reply = tup(backend, client, 8080, cport);
}

struct ct_conn *
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

int
conn_found(struct ct_table *t, uint32_t i, uint8_t proto, const struct ct_conn *want)
{
	struct ct_tuple o, r;
	enum ct_dir d1 = CT_DIR_REPLY, d2 = CT_DIR_ORIG;

	conn_tuples(i, &o, &r);
	return ct_lookup(t, proto, &o, &d1) == want && (want == NULL || d1 == CT_DIR_ORIG) &&
	       ct_lookup(t, proto, &r, &d2) == want && (want == NULL || d2 == CT_DIR_REPLY);
}

unsigned int
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
		{ "tcp sequence marks for RSTs", test_tcp_seq_mark },
		{ "udp_update", test_udp_update },
		{ "expire_states", test_expire_states },
		{ "expire_wraparound", test_expire_wraparound },
		{ "expire_shortened", test_expire_shortened },
		{ "expire_refreshed", test_expire_refreshed },
		{ "rearm callback: live connections, periodically", test_rearm_callback },
		{ "restore: a peer's state and expiry", test_restore },
		{ "the longest timeout allowed keeps its connection", test_longest_timeout },
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
