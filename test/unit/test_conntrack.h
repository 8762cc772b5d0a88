/*
 * The connection table suite's fixtures (test_conntrack.c) and the tests of
 * its parts, which test_conntrack.c registers in one suite:
 * test_conntrack_index.c, test_conntrack_tcp.c, test_conntrack_load.c.
 * Threading: single-threaded, like the table.
 */
#ifndef SLUICE_TEST_CONNTRACK_H
#define SLUICE_TEST_CONNTRACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "dataplane/conntrack.h"
#include "dataplane/conntrack_impl.h"

#define VIP 0x0a640001u       /* host order, converted in tup() */
#define GRAN CT_WHEEL_GRAN

extern const struct ct_timeouts test_to;

/*
 * The test's own id of each connection, by entry index, for the table made
 * last by table_new(): the owner's side of the entry, as the worker keeps
 * its per-connection state in the entry's caller fields.
 */
extern const struct ct_table *ids_table;
extern uint32_t *ids;

void set_id(const struct ct_conn *c, uint32_t id);
uint32_t id_of(const struct ct_conn *c);

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

void rel_cb(struct ct_conn *c, void *arg);

struct ct_table *table_new(uint32_t cap, uint32_t now, const struct ct_timeouts *to);
void rel_attach(struct ct_table *t, struct rel *r, uint32_t cap);
void rel_free(struct rel *r);
unsigned int expire_at(struct ct_table *t, struct rel *r, uint32_t now, unsigned int budget);

struct ct_tuple tup(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);

/* Connection i: client 10.<i> -> VIP:80, NAT'd to backend 192.168.0.<i%16>. */
void conn_tuples(uint32_t i, struct ct_tuple *orig, struct ct_tuple *reply);

struct ct_conn *add_conn(struct ct_table *t, uint32_t i, uint8_t proto, uint32_t now);
int conn_found(struct ct_table *t, uint32_t i, uint8_t proto, const struct ct_conn *want);

/* Rebuild every invariant of the index, wheel and free list; count errors. */
unsigned int check_table(const struct ct_table *t);

/* test_conntrack_index.c */
void test_init_args(void);
void test_bucket_sizing(void);
void test_insert_lookup_dirs(void);
void test_bulk_equals_single(void);
void test_fill_to_capacity(void);
void test_delete_release(void);
void test_index_full_rollback(void);
void test_cuckoo_move(void);
void test_locals(void);
void test_seed(void);

/* test_conntrack_tcp.c */
void test_tcp_handshake(void);
void test_tcp_oneway(void);
void test_tcp_close_orig_first(void);
void test_tcp_close_reply_first(void);
void test_tcp_rst(void);
void test_tcp_port_reuse(void);
void test_tcp_seq_mark(void);
void test_udp_update(void);
void test_expire_states(void);
void test_expire_wraparound(void);
void test_expire_shortened(void);
void test_expire_refreshed(void);
void test_rearm_callback(void);
void test_restore(void);
void test_longest_timeout(void);
void test_expire_budget(void);
void test_expire_budget_mixed(void);
void test_expire_long_gap(void);

/* test_conntrack_load.c */
void test_walk(void);
void test_walk_slice(void);
void test_model_random(void);
void test_high_load(void);
void test_design_load(void);

#endif
