/*
 * The worker's contract: the immutable service snapshot it classifies and
 * schedules by, and the per-packet readers over it.
 *
 * The control lcore builds a snapshot from a validated config (control/
 * snapshot.h: services, backends with stable ids, scheduler tables, local
 * addresses, routes) and publishes it by swapping one pointer; the old one is
 * freed after an RCU grace period. Workers never write to it.
 * Threading: lookups on any lcore holding a reference (i.e. between two RCU
 * quiescent reports).
 */
#ifndef SLUICE_DP_SNAPSHOT_H
#define SLUICE_DP_SNAPSHOT_H

#include <stdint.h>

#include <rte_byteorder.h>

#include "conntrack_types.h"
#include "hash.h"
#include "limits.h"
#include "sched.h"

/* How a service forwards (snap_service.mode, ct_conn's copy of it). */
enum svc_mode {
	SVC_MODE_NAT = 0,
	SVC_MODE_FULLNAT = 1,
	SVC_MODE_DR = 2,
};

struct snap_service {
	uint32_t vip;      /* network order */
	uint16_t port;     /* network order */
	uint8_t proto;
	uint8_t mode;      /* enum svc_mode */
	uint8_t sched_algo; /* enum sched_algo */
	uint8_t held;      /* new connections taken (ha.vips "follow": VIP held) */
	uint16_t id;       /* stable service id, index of worker cursors */
	uint16_t n_laddrs;
	uint16_t laddr_idx[SL_MAX_SVC_LADDRS]; /* into snapshot.laddrs */
	uint32_t n_backends;
	struct sched_backend *backends; /* as given to the scheduler */
	struct sched_table *sched;
	char name[SL_NAME_LEN];
};

/* Kinds of local address (bits in snap_local.kinds). */
#define SNAP_LOCAL_ADDR  0x1u /* a port address */
#define SNAP_LOCAL_VIP   0x2u
#define SNAP_LOCAL_LADDR 0x4u /* FULLNAT local address */
/* A VIP or local address (not a port's) this appliance does not hold now:
 * no ARP or ping answered for it (ha.vips "follow"). */
#define SNAP_LOCAL_RELEASED 0x8u
/* With SNAP_LOCAL_ADDR: not configured, but held by a VRRP daemon on the
 * port's kernel interface (a floating gateway), answered as a port's own. */
#define SNAP_LOCAL_FLOAT 0x10u

struct snap_local {
	uint32_t ip;       /* network order, 0 = empty slot */
	uint8_t kinds;
	uint8_t arp_port;  /* port whose subnet holds it: ARP answered there */
	uint16_t laddr_idx;
};

struct snap_route {
	uint32_t net;      /* network order */
	uint32_t mask;     /* network order */
	uint8_t port;
};

struct snapshot {
	uint64_t gen;
	uint32_t n_services;
	struct snap_service *services;
	uint32_t n_backends;         /* backends in all services */
	uint32_t n_ids;              /* every backend id is below this */
	uint32_t svc_mask;           /* open-addressing index of services */
	int32_t *svc_index;
	uint32_t local_mask;         /* open-addressing set of local addresses */
	struct snap_local *locals;
	uint32_t n_routes;
	struct snap_route routes[SL_MAX_PORTS * SL_MAX_PORT_ADDRS];
	uint32_t gateway;            /* network order, 0 = none */
	uint32_t sync_mcast;         /* session sync's group, network order: to the kernel */
	uint16_t sync_port;          /* session sync's UDP port, network order; 0 = off */
	uint32_t peer_mask;          /* open-addressing set of backend and sync peer addresses */
	uint32_t *peers;             /* network order, 0 = empty slot */
	uint8_t gateway_port;
	uint32_t n_laddrs;
	uint32_t laddrs[SL_MAX_LADDRS]; /* network order */
	uint16_t lport_min;          /* host order */
	uint16_t lport_span;         /* ports per worker per local address */
	uint32_t n_workers;
	int needs_load;              /* some service uses lc/wlc */
	struct ct_timeouts timeouts; /* applied by workers when gen changes */
	int any_reset;               /* some bit of reset_ids is set */
	uint64_t reset_ids[(SL_MAX_BACKENDS + 63) / 64];
};

/*
 * Multicast the kernel's daemons listen to: link-local 224.0.0.0/24 (VRRP,
 * routing protocols) and session sync's group.
 */
static inline int
snap_mcast_for_kernel(const struct snapshot *s, uint32_t ip)
{
	return (ip & rte_cpu_to_be_32(0xffffff00u)) == rte_cpu_to_be_32(0xe0000000u) ||
	       (ip == s->sync_mcast && ip != 0);
}

/*
 * ip is the network or the broadcast address of one of the ports' subnets
 * (prefixes up to /30): no host's, never a neighbour.
 */
static inline int
snap_subnet_edge(const struct snapshot *s, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < s->n_routes; i++) {
		const struct snap_route *r = &s->routes[i];

		if ((ip & r->mask) == r->net && (r->mask & rte_cpu_to_be_32(3)) == 0 &&
		    (ip == r->net || ip == (r->net | ~r->mask)))
			return 1;
	}
	return 0;
}

/* svc's backend at ip:port (network order), or NULL. */
static inline const struct sched_backend *
snap_find_backend(const struct snap_service *svc, uint32_t ip, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < svc->n_backends; i++)
		if (svc->backends[i].ip == ip && svc->backends[i].port == port)
			return &svc->backends[i];
	return NULL;
}

/* A local address answered for (ARP, ping) on its port. */
static inline int
snap_local_answered(const struct snap_local *l)
{
	return l != NULL && !(l->kinds & SNAP_LOCAL_RELEASED);
}

/* True if connections to backend id must be reset (DOWN, policy reset). */
static inline int
snap_backend_reset(const struct snapshot *s, uint32_t id)
{
	return id < SL_MAX_BACKENDS && (s->reset_ids[id >> 6] >> (id & 63)) & 1;
}

static inline uint32_t
snap_svc_hash(uint32_t vip, uint16_t port, uint8_t proto)
{
	return sl_mix32(vip ^ ((uint32_t)port << 16) ^ proto);
}

/* Service for (vip, port, proto), all network order; NULL if none. */
static inline const struct snap_service *
snap_find_service(const struct snapshot *s, uint32_t vip, uint16_t port,
		  uint8_t proto)
{
	uint32_t i = snap_svc_hash(vip, port, proto) & s->svc_mask;

	for (;;) {
		int32_t idx = s->svc_index[i];
		const struct snap_service *svc;

		if (idx < 0)
			return NULL;
		svc = &s->services[idx];
		if (svc->vip == vip && svc->port == port && svc->proto == proto)
			return svc;
		i = (i + 1) & s->svc_mask;
	}
}

/*
 * ip is a backend's or a session sync peer's address: what the control
 * lcore's probes and sync talk to, so their answers to a port address are
 * the control lcore's own (the exception path's priority ring).
 */
static inline int
snap_is_peer(const struct snapshot *s, uint32_t ip)
{
	uint32_t i = snap_svc_hash(ip, 0, 0) & s->peer_mask;

	if (s->peers == NULL)
		return 0;
	for (;;) {
		if (s->peers[i] == 0)
			return 0;
		if (s->peers[i] == ip)
			return 1;
		i = (i + 1) & s->peer_mask;
	}
}

/* Local address entry for ip (network order); NULL if not local. */
static inline const struct snap_local *
snap_find_local(const struct snapshot *s, uint32_t ip)
{
	uint32_t i = snap_svc_hash(ip, 0, 0) & s->local_mask;

	for (;;) {
		const struct snap_local *l = &s->locals[i];

		if (l->ip == 0)
			return NULL;
		if (l->ip == ip)
			return l;
		i = (i + 1) & s->local_mask;
	}
}

/*
 * Egress port and next hop for dst: a connected subnet (next hop = dst) or
 * the gateway. Returns 0, or -1 when there is no route.
 */
static inline int
snap_route(const struct snapshot *s, uint32_t dst, uint8_t *port, uint32_t *nh)
{
	uint32_t i;

	for (i = 0; i < s->n_routes; i++) {
		if ((dst & s->routes[i].mask) == s->routes[i].net) {
			*port = s->routes[i].port;
			*nh = dst;
			return 0;
		}
	}
	if (s->gateway == 0)
		return -1;
	*port = s->gateway_port;
	*nh = s->gateway;
	return 0;
}

/* Worker that owns FULLNAT local port lport (network order). */
static inline uint32_t
snap_lport_owner(const struct snapshot *s, uint16_t lport_be)
{
	uint16_t p = (uint16_t)((lport_be >> 8) | (lport_be << 8));
	uint32_t w;

	if (p < s->lport_min)
		return 0;
	w = (uint32_t)(p - s->lport_min) / s->lport_span;
	return w < s->n_workers ? w : s->n_workers - 1;
}

#endif
