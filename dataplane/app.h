/*
 * Appliance-wide state shared by main, the workers and the control lcore.
 *
 * Everything here is either set up before the workers launch and read-only
 * afterwards (ports, rings, limits), or a pointer the control lcore publishes
 * by RCU (snapshot, neighbours, load view), or counters a single worker writes
 * and the control lcore only reads. Nothing in it is written by two lcores.
 */
#ifndef SLUICE_APP_H
#define SLUICE_APP_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "counters.h"
#include "limits.h"


struct cfg;
struct snapshot;
struct neigh_table;
struct worker;

#define SL_TXQ_VIA_WORKER UINT16_MAX

struct sl_port {
	uint16_t port_id;
	uint16_t tx_queue_ctl;       /* control lcore's TX queue, or SL_TXQ_VIA_WORKER */
	uint8_t started;
	uint8_t has_tap;             /* kernel exception interface exists */
	uint16_t tap_port_id;
	uint16_t vlan;               /* 802.1Q VID of every frame on the wire, 0 = untagged */
	uint16_t mtu;                /* largest IPv4 packet sent; UINT16_MAX = unknown */
	char tap_name[16];
	int socket;
	struct rte_ether_addr mac;
	char name[SL_NAME_LEN];
	struct rte_mempool *pool;
};

/*
 * Load view for lc/wlc, published by the control lcore: for worker w,
 * others_active[w * n_ids + id] is the other workers' count for backend id.
 */
struct sl_load {
	uint32_t n_ids;
	uint32_t n_workers;
	uint32_t *others_active;
	uint32_t *others_inactive;
};

/* Worker -> control events (fixed 16-byte ring elements). */
enum sl_event_type {
	SL_EV_NEIGH_LEARN = 1,       /* ip is at mac on port */
	SL_EV_NEIGH_MISS = 2,        /* please resolve ip on port */
	SL_EV_NEIGH_REPLY = 3,       /* ip answered an ARP request of ours from mac */
};

struct sl_event {
	uint8_t type;
	uint8_t port;
	uint16_t pad;
	uint32_t ip;                 /* network order */
	struct rte_ether_addr mac;
	uint16_t pad2;
};

struct sl_app {
	uint32_t n_ports;
	struct sl_port ports[SL_MAX_PORTS];
	uint32_t n_workers;
	struct worker *workers[SL_MAX_WORKERS];
	/* steer[dst * n_workers + src]: single-producer single-consumer */
	struct rte_ring **steer;
	/* control -> worker 0: packets for ports without a control TX queue */
	struct rte_ring *ctl_tx;
	struct rte_rcu_qsbr *rcu;
	uint64_t tsc_per_ms;
	struct cfg *cfg;             /* running config, control lcore only */
	const char *cfg_path;        /* file reloads read; NULL = embedded */
	/* RCU-published pointers: read with __atomic_load_n(ACQUIRE). */
	struct snapshot *snap;
	struct neigh_table *neigh;
	struct sl_load *load;
	volatile int stop;
	/* Control lcore counters: written by it alone, read by the API and
	 * telemetry threads (stats_ctl()). */
	SL_CTL_COUNTERS(SL_COUNTER_FIELD4)  /* counters.h */
};

/* Add n to a control lcore counter (struct sl_app): one writer, read
 * meanwhile by the API and telemetry threads. */
static inline void
sl_ctl_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/*
 * Tag m for port p when p has a vlan: every frame sent out of it carries
 * the tag, whoever built it (a worker, the control lcore, the kernel behind
 * the TAP). 0, or -ENOSPC when m has no headroom for it.
 * Context: the lcore that owns m, before it is sent.
 */
static inline int
sl_port_tag(const struct sl_port *p, struct rte_mbuf *m)
{
	if (likely(p->vlan == 0))
		return 0;
	m->vlan_tci = p->vlan;
	return rte_vlan_insert(&m);
}

static inline uint64_t
sl_now_ms(const struct sl_app *app, uint64_t tsc)
{
	return tsc / app->tsc_per_ms;
}

#endif
