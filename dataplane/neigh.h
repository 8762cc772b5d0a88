/*
 * Next-hop MAC addresses (ARP), one truth for the whole appliance.
 *
 * The control lcore owns the neighbour state: it learns from ARP packets the
 * workers report, sends ARP requests for next hops it is asked to resolve,
 * and publishes an immutable struct neigh_table by RCU. Workers only read the
 * published table; a miss is reported to the control lcore (event ring) and
 * the packet is dropped and counted, as a router without a queue would.
 * Threading: neigh_table_* builders on the control lcore; neigh_lookup on any
 * lcore holding an RCU reference; a struct neigh_miss_filter belongs to one
 * worker.
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

/*
 * How often the control lcore asks again for a next hop that has not
 * answered. Workers report a miss at most this often per next hop: a report
 * sooner would find the request still in flight and change nothing.
 */
#define NEIGH_RETRY_MS 1000

struct neigh_entry {
	uint32_t ip;                 /* network order, 0 = empty */
	uint8_t port;
	uint8_t pad;
	struct rte_ether_addr mac;
};

struct neigh_table {
	uint32_t mask;
	uint32_t n;
	struct neigh_entry e[];
};

static inline uint32_t
neigh_hash(uint32_t ip, uint8_t port)
{
	uint32_t h = ip ^ ((uint32_t)port << 24);

	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h;
}

/* MAC of ip on port, or NULL. t may be NULL (nothing resolved yet). */
static inline const struct rte_ether_addr *
neigh_lookup(const struct neigh_table *t, uint8_t port, uint32_t ip)
{
	uint32_t i;

	if (t == NULL)
		return NULL;
	i = neigh_hash(ip, port) & t->mask;
	for (;;) {
		const struct neigh_entry *e = &t->e[i];

		if (e->ip == 0)
			return NULL;
		if (e->ip == ip && e->port == port)
			return &e->mac;
		i = (i + 1) & t->mask;
	}
}

/*
 * A worker's memory of the misses it reported recently. While a next hop is
 * unresolved every packet to it misses (millions per second at line rate);
 * one report per retry period is all the control lcore can use, and the rest
 * would only fill the event ring and crowd out what workers learn from ARP.
 * Direct-mapped: two unresolved next hops sharing a slot evict each other
 * and are reported on every miss, as before: more events, never one fewer.
 * A report lost to a full ring is made again one period later.
 */
#define NEIGH_MISS_SLOTS 256         /* power of two */

struct neigh_miss_slot {
	uint32_t ip;                 /* network order */
	uint32_t at_ms;              /* when reported; 32-bit ms, wraps safely */
	uint8_t port;
	uint8_t used;
};

struct neigh_miss_filter {
	struct neigh_miss_slot s[NEIGH_MISS_SLOTS];
};

/*
 * Should the miss of ip on port at now_ms be reported? 1 (and remembered)
 * unless it was reported less than NEIGH_RETRY_MS ago.
 * Context: the worker owning f; only on a miss, so no lookup cost on hits.
 */
static inline int
neigh_miss_report(struct neigh_miss_filter *f, uint8_t port, uint32_t ip, uint32_t now_ms)
{
	struct neigh_miss_slot *s = &f->s[neigh_hash(ip, port) & (NEIGH_MISS_SLOTS - 1)];

	if (s->used && s->ip == ip && s->port == port && now_ms - s->at_ms < NEIGH_RETRY_MS)
		return 0;
	s->ip = ip;
	s->port = port;
	s->at_ms = now_ms;
	s->used = 1;
	return 1;
}

/*
 * Build a table from n entries (copied). Returns NULL on allocation failure.
 * Context: control lcore; free with neigh_table_free after a grace period.
 */
struct neigh_table *neigh_table_build(const struct neigh_entry *entries, uint32_t n);
void neigh_table_free(struct neigh_table *t);

#endif
