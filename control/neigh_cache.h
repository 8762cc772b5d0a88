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
 * A wanted next hop once resolved does not take a new MAC on a claim alone
 * (nc_learn): the claim starts a verification, a few ARP requests over
 * NC_VERIFY_MS, and the entry moves only if the old MAC stays silent all
 * that time and the claimant answers one of them. An ARP frame carries no
 * proof of who sent it; that the old owner, asked, does not contradict is
 * the one test a poisoner on the segment cannot pass while it is alive.
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
	/* A claim to ip by another MAC (wanted and resolved entries only). */
	uint8_t verifying;           /* a verification of the claim runs */
	uint8_t probes;              /* requests it sent */
	uint8_t claim_answered;      /* claim_mac answered one of ours */
	struct rte_ether_addr claim_mac;
	uint64_t verify_ms;          /* when the verification started */
	uint64_t confirmed_ms;       /* the old MAC last answered one; 0 = never */
};

/* A verification lasts NC_VERIFY_MS and asks NC_PROBES times, evenly
 * spread: a live host answers ARP within a millisecond on a LAN, so three
 * requests outlast two lost frames, and a backend that really moved is
 * followed within a second (a next hop never answered is retried each
 * second, too). A claim refused is not verified again for NC_HOLD_MS, so a
 * poisoner repeating itself costs at most NC_PROBES requests every
 * NC_VERIFY_MS + NC_HOLD_MS per address. */
#define NC_VERIFY_MS 1000
#define NC_PROBES 3
#define NC_HOLD_MS 1000

enum nc_verdict {
	NC_SAME,          /* nothing changes but the news */
	NC_LEARNT,        /* the MAC is taken: the published table changes */
	NC_VERIFY,        /* a verification starts: ask for ip now */
	NC_HELD,          /* not taken; the verification running goes on */
	NC_REFUSED,       /* not taken: the old MAC answered just now */
	NC_CONFIRMED,     /* the old MAC answered: the claim is refused */
};

enum nc_step {
	NC_WAIT,          /* no verification, or one waiting for answers */
	NC_PROBE,         /* ask for ip (probes counts it) */
	NC_MOVED,         /* old MAC silent, claimant answered: mac is the claim's */
	NC_UNANSWERED,    /* neither answered: the claim is refused */
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

/*
 * News that e's ip is at mac, at now. reply: an ARP reply addressed to us,
 * which answers us when a request for ip went out within NC_VERIFY_MS. An
 * entry not wanted, or never resolved, takes mac at once.
 */
enum nc_verdict nc_learn(struct ctl_neigh *e, const struct rte_ether_addr *mac,
			 int reply, uint64_t now);

/* The verification of e at now, if one runs (called every few tens of ms). */
enum nc_step nc_verify_step(struct ctl_neigh *e, uint64_t now);

#endif
