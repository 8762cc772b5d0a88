/*
 * Next-hop MAC addresses (ARP), one truth for the whole appliance.
 *
 * The control lcore owns the neighbour state: it learns from ARP packets the
 * workers report, sends ARP requests for next hops it is asked to resolve,
 * and publishes an immutable struct neigh_table by RCU. Workers only read the
 * published table; a miss is reported to the control lcore (event ring) and
 * the packet is dropped and counted, as a router without a queue would.
 * Threading: neigh_table_* builders on the control lcore; neigh_lookup on any
 * lcore holding an RCU reference.
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

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
 * Build a table from n entries (copied). Returns NULL on allocation failure.
 * Context: control lcore; free with neigh_table_free after a grace period.
 */
struct neigh_table *neigh_table_build(const struct neigh_entry *entries, uint32_t n);
void neigh_table_free(struct neigh_table *t);

#endif
