/*
 * The control lcore's next hops: what it asks for by ARP and publishes to
 * the workers (control.c). A flat array, searched linearly: a few thousand
 * entries at most on the paths that search it (events, reloads), never the
 * packet path.
 * Full, it makes room by forgetting the next hop it does not keep resolved
 * ("wanted": backends' and the gateway's) that has gone longest without
 * news (learned, or for one never answered, last asked for), so clients
 * learned on a large segment, or next hops nobody answers for, cannot fill
 * it for good and lock out the next one. Wanted entries are never
 * forgotten.
 * Threading: the control lcore's; pure, no EAL.
 */
#ifndef SLUICE_NEIGH_CACHE_H
#define SLUICE_NEIGH_CACHE_H

#include <stdint.h>

#include <rte_ether.h>

struct ctl_neigh {
	uint32_t ip;                 /* network order */
	uint8_t port;
	uint8_t resolved;
	uint8_t wanted;              /* a next hop we keep resolved */
	struct rte_ether_addr mac;
	uint64_t updated_ms;         /* last learned; 0 = never */
	uint64_t requested_ms;
};

struct neigh_cache {
	struct ctl_neigh *e;
	uint32_t n;
	uint32_t cap;
};

/* The entry for (ip, port), or NULL. */
struct ctl_neigh *nc_find(struct neigh_cache *c, uint32_t ip, uint8_t port);

/*
 * The entry for (ip, port), added (zeroed but for ip and port) if absent.
 * When full, the entry not wanted with the oldest news is replaced;
 * *forgot_resolved is set when it was resolved, so the published table
 * must change. NULL when every entry is wanted.
 */
struct ctl_neigh *nc_add(struct neigh_cache *c, uint32_t ip, uint8_t port,
			 int *forgot_resolved);

#endif
