/*
 * Next hops, ARP and links (nexthop.c): the control lcore's one home for
 * next-hop state. It publishes app->neigh through rcu_publish().
 * Threading: control lcore only.
 */
#ifndef SLUICE_NEXTHOP_H
#define SLUICE_NEXTHOP_H

#include <stdint.h>

#include "../dataplane/app.h"
#include "../dataplane/worker.h"

/* 0 or -ENOMEM. */
int nh_init(void);
/* Frees the requests still waiting for TX room (workers stopped). */
void nh_fini(void);

/* A worker's report: a neighbour learned, or a next hop missing. */
void nh_event(struct sl_app *app, const struct sl_event *ev, uint64_t now);

/* Keep the next hops of the running snapshot's backends and gateway
 * resolved (start-up, and after every new snapshot from a config). */
void nh_want_next_hops(struct sl_app *app);

/* Once per tick: links, waiting requests, retries and refreshes, and the
 * table's publication when it changed. */
void nh_poll(struct sl_app *app, uint64_t now);

/*
 * A broadcast ARP request from port's MAC, sender address sip, asking for
 * tip (sip == tip: a gratuitous announcement); NULL when no mbuf is free.
 */
struct rte_mbuf *nh_arp_request(struct sl_app *app, uint8_t port, uint32_t sip, uint32_t tip);

#endif
