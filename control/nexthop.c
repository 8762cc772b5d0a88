/*
 * Next hops, ARP and links: the control lcore is the single owner of ARP
 * state (nexthop.h). Workers report what they learn and what they miss
 * through their event rings; this keeps the cache (neigh_cache.c), sends
 * ARP requests from the control lcore's TX queue and republishes the
 * immutable table the workers read (dataplane/neigh.h) on change. Next
 * hops of every backend and the gateway are resolved from start-up, so the
 * first packet of a flow does not wait for ARP, and again the moment a
 * port's link comes up: a request sent while the link was down (memif
 * connects a moment after start-up) was lost, and waiting for the retry
 * would drop a second of traffic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../dataplane/log.h"
#include "../dataplane/neigh.h"
#include "control.h"
#include "exception.h"
#include "neigh_cache.h"
#include "nexthop.h"
#include "snapshot.h"
#include "rcu.h"

#define CTL_MAX_NEIGH 16384
#define CTL_ARP_RETRY_MS NEIGH_RETRY_MS
/* For the first CTL_ARP_RETRY_MS after a port's link comes up, unresolved
 * next hops are asked for again at every neighbour scan: the request sent
 * at link-up, or its answer, can be lost while the peer is still starting
 * (seen with memif in test_warmup), and a lost one would otherwise stop
 * forwarding for a whole retry period. */
#define CTL_NEIGH_SCAN_MS 50
#define CTL_ARP_REFRESH_MS 30000
/* Link status is polled, not taken from LSC interrupts: af_packet and memif
 * (22.11) raise none, and a NIC's link query may be slow, hence not every tick. */
#define CTL_LINK_POLL_MS 10
/* An ARP request the port has no TX room for is held and sent when room
 * comes: right after link-up a memif peer that has not polled yet gives
 * none, and neither does a queue full for a moment. One held longer than a
 * retry period is stale (the retry asks again) and is dropped. */
#define CTL_ARP_HOLD 16
#define CTL_ARP_HOLD_MS CTL_ARP_RETRY_MS
/* A poisoner can repeat its claims as fast as it likes: one line a second
 * says so, the counters say how often. */
#define CTL_CONFLICT_LOG_MS 1000

struct ctl_held_arp {
	struct rte_mbuf *m;
	uint32_t ip;
	uint64_t since_ms;
};

struct nh_state {
	struct ctl_neigh neigh[CTL_MAX_NEIGH];
	struct neigh_cache nc;       /* over neigh[] */
	int neigh_dirty;
	uint64_t last_scan_ms;
	uint64_t last_link_ms;
	uint8_t link_up[SL_MAX_PORTS];  /* as last polled; all down at start */
	uint64_t link_up_ms[SL_MAX_PORTS]; /* when each last came up */
	struct ctl_held_arp held[SL_MAX_PORTS][CTL_ARP_HOLD]; /* oldest first */
	uint8_t n_held[SL_MAX_PORTS];
	uint64_t conflict_log_ms;
	uint32_t conflicts_unlogged;
};

static struct nh_state *nhs;

/* The entry for (ip, port), added if absent (neigh_cache.h). */
static struct ctl_neigh *
neigh_add(uint32_t ip, uint8_t port)
{
	int forgot;
	struct ctl_neigh *n = nc_add(&nhs->nc, ip, port, &forgot);

	if (forgot)
		nhs->neigh_dirty = 1;
	return n;
}

/* Our address on port in the subnet of ip (ARP sender), or the first one. */
static uint32_t
port_source_for(const struct cfg *c, uint8_t port, uint32_t ip)
{
	const struct cfg_port *p = &c->ports[port];
	uint32_t a;

	for (a = 0; a < p->n_addrs; a++) {
		uint32_t mask = p->addrs[a].prefix ?
			rte_cpu_to_be_32(~0u << (32 - p->addrs[a].prefix)) : 0;

		if ((ip & mask) == (p->addrs[a].ip & mask))
			return p->addrs[a].ip;
	}
	return p->addrs[0].ip;
}

/* Forget the n oldest requests port holds (taken, or freed by the caller). */
static void
held_shift(uint8_t port, uint32_t n)
{
	memmove(&nhs->held[port][0], &nhs->held[port][n],
		(nhs->n_held[port] - n) * sizeof(nhs->held[port][0]));
	nhs->n_held[port] = (uint8_t)(nhs->n_held[port] - n);
}

static void
held_drop(struct sl_app *app, uint8_t port, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(nhs->held[port][i].m);
	held_shift(port, n);
	sl_ctl_add(&app->arp_requests_dropped, n);
}

/* Send what port holds, oldest first, while it takes them; drop the stale,
 * and all of them on a port whose link went down. */
static void
held_flush(struct sl_app *app, uint8_t port, uint64_t now)
{
	struct rte_mbuf *m[CTL_ARP_HOLD];
	uint32_t i, sent = 0, stale = 0;

	if (nhs->link_up[port]) {
		for (i = 0; i < nhs->n_held[port]; i++)
			m[i] = nhs->held[port][i].m;
		sent = exc_port_tx(app, port, m, nhs->n_held[port]);
		held_shift(port, sent);
		sl_ctl_add(&app->arp_requests, sent);
	}
	if (!nhs->link_up[port])
		stale = nhs->n_held[port];
	else
		while (stale < nhs->n_held[port] &&
		       now - nhs->held[port][stale].since_ms >= CTL_ARP_HOLD_MS)
			stale++;
	if (stale > 0)
		held_drop(app, port, stale);
}

struct rte_mbuf *
nh_arp_request(struct sl_app *app, uint8_t port, uint32_t sip, uint32_t tip)
{
	struct sl_port *sp = &app->ports[port];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(sp->pool);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = sp->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = sp->mac;
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = tip;
	return m;
}

static void
send_arp_request(struct sl_app *app, uint8_t port, uint32_t ip, uint64_t now)
{
	struct rte_mbuf *m;
	uint32_t i;

	/* Behind held requests: in order, and not twice for one address. */
	if (nhs->n_held[port] > 0) {
		held_flush(app, port, now);
		for (i = 0; i < nhs->n_held[port]; i++)
			if (nhs->held[port][i].ip == ip)
				return;
	}
	m = nh_arp_request(app, port, port_source_for(app->cfg, port, ip), ip);
	if (m == NULL) {
		sl_ctl_add(&app->arp_requests_dropped, 1);
		return;
	}
	if (nhs->n_held[port] == 0 && exc_port_tx(app, port, &m, 1) == 1) {
		sl_ctl_add(&app->arp_requests, 1);
		return;
	}
	if (nhs->n_held[port] == CTL_ARP_HOLD)
		held_drop(app, port, 1);
	nhs->held[port][nhs->n_held[port]++] =
		(struct ctl_held_arp){ .m = m, .ip = ip, .since_ms = now };
}

/* Ask for n by ARP now. The time is kept: it paces the retries, and for a
 * next hop never answered it is the news the cache ages it by. */
static void
neigh_request(struct sl_app *app, struct ctl_neigh *n, uint64_t now)
{
	n->requested_ms = now;
	send_arp_request(app, n->port, n->ip, now);
}

static void
neigh_publish(struct sl_app *app)
{
	struct neigh_entry *e = calloc(nhs->nc.n + 1, sizeof(*e));
	struct neigh_table *t;
	uint32_t i, n = 0;

	if (e == NULL)
		return;
	for (i = 0; i < nhs->nc.n; i++) {
		if (!nhs->neigh[i].resolved)
			continue;
		e[n].ip = nhs->neigh[i].ip;
		e[n].port = nhs->neigh[i].port;
		e[n].mac = nhs->neigh[i].mac;
		n++;
	}
	t = neigh_table_build(e, n);
	free(e);
	if (t == NULL)
		return;
	rcu_publish((void **)&app->neigh, t, (void (*)(void *))neigh_table_free);
	nhs->neigh_dirty = 0;
}

/* How long after a request an unresolved next hop on port is asked again. */
static uint64_t
arp_retry_ms(uint8_t port, uint64_t now)
{
	if (port < SL_MAX_PORTS && nhs->link_up[port] &&
	    now - nhs->link_up_ms[port] < CTL_ARP_RETRY_MS)
		return CTL_NEIGH_SCAN_MS;
	return CTL_ARP_RETRY_MS;
}

/* A claim to n's address refused: counted, and said at most once a second. */
static void
conflict_refused(struct sl_app *app, const struct ctl_neigh *n, const struct rte_ether_addr *claim,
		 const char *why, uint64_t now)
{
	char b[INET_ADDRSTRLEN];

	sl_ctl_add(&app->neigh_conflicts, 1);
	if (nhs->conflict_log_ms != 0 && now - nhs->conflict_log_ms < CTL_CONFLICT_LOG_MS) {
		nhs->conflicts_unlogged++;
		return;
	}
	SL_LOG(WARNING, ctl, "neighbour %s on port %s: claim by " RTE_ETHER_ADDR_PRT_FMT
	       " refused, kept at " RTE_ETHER_ADDR_PRT_FMT " (%s); %u more since",
	       cfg_ip_str(n->ip, b), app->cfg->ports[n->port].name, RTE_ETHER_ADDR_BYTES(claim),
	       RTE_ETHER_ADDR_BYTES(&n->mac), why, nhs->conflicts_unlogged);
	nhs->conflict_log_ms = now;
	nhs->conflicts_unlogged = 0;
}

/* The verification of n's claim, one step (neigh_cache.h). */
static void
verify_step(struct sl_app *app, struct ctl_neigh *n, uint64_t now)
{
	struct rte_ether_addr old = n->mac;
	char b[INET_ADDRSTRLEN];

	switch (nc_verify_step(n, now)) {
	case NC_PROBE:
		if (nhs->link_up[n->port])
			neigh_request(app, n, now);
		break;
	case NC_MOVED:
		nhs->neigh_dirty = 1;
		sl_ctl_add(&app->neigh_moves, 1);
		SL_LOG(NOTICE, ctl, "neighbour %s on port %s moved from " RTE_ETHER_ADDR_PRT_FMT
		       " to " RTE_ETHER_ADDR_PRT_FMT " (the old MAC silent for %u ms, the new one answered)",
		       cfg_ip_str(n->ip, b), app->cfg->ports[n->port].name,
		       RTE_ETHER_ADDR_BYTES(&old), RTE_ETHER_ADDR_BYTES(&n->mac), NC_VERIFY_MS);
		break;
	case NC_UNANSWERED:
		conflict_refused(app, n, &n->claim_mac, "neither answered", now);
		break;
	case NC_WAIT:
		break;
	}
}

/* News that n is at mac: a wanted, resolved next hop is verified before it
 * moves (neigh_cache.h); the rest learn at once. */
static void
neigh_learn(struct sl_app *app, struct ctl_neigh *n, const struct rte_ether_addr *mac,
	    int reply, uint64_t now)
{
	switch (nc_learn(n, mac, reply, now)) {
	case NC_LEARNT:
		nhs->neigh_dirty = 1;
		break;
	case NC_VERIFY:
		verify_step(app, n, now);
		break;
	case NC_REFUSED:
		conflict_refused(app, n, mac, "it answered just now", now);
		break;
	case NC_CONFIRMED:
		conflict_refused(app, n, &n->claim_mac, "it answered", now);
		break;
	case NC_SAME:
	case NC_HELD:
		break;
	}
}

void
nh_event(struct sl_app *app, const struct sl_event *ev, uint64_t now)
{
	struct ctl_neigh *n;

	if (ev->port >= app->n_ports)
		return;
	if (ev->type == SL_EV_NEIGH_LEARN || ev->type == SL_EV_NEIGH_REPLY) {
		n = neigh_add(ev->ip, ev->port);
		if (n != NULL)
			neigh_learn(app, n, &ev->mac, ev->type == SL_EV_NEIGH_REPLY, now);
	} else if (ev->type == SL_EV_NEIGH_MISS) {
		n = neigh_add(ev->ip, ev->port);
		if (n == NULL || n->resolved || !nhs->link_up[ev->port])
			return;
		if (now - n->requested_ms >= arp_retry_ms(ev->port, now)) {
			neigh_request(app, n, now);
		}
	}
}

/*
 * Mark a wanted next hop: with add, adding it if missing (1); without, only
 * if already cached, as 2 ("wanted still"), so nothing is forgotten meanwhile.
 */
static void
want_one(uint32_t nh, uint8_t port, int add)
{
	struct ctl_neigh *n = add ? neigh_add(nh, port) : nc_find(&nhs->nc, nh, port);

	if (n != NULL)
		n->wanted = add ? 1 : 2;
}

/* want_one() for the next hop of every backend, and the gateway. */
static void
want_each(const struct snapshot *s, int add)
{
	uint32_t i, j, nh;
	uint8_t port;

	for (i = 0; i < s->n_services; i++)
		for (j = 0; j < s->services[i].n_backends; j++)
			if (snap_route(s, s->services[i].backends[j].ip, &port, &nh) == 0)
				want_one(nh, port, add);
	if (s->gateway != 0)
		want_one(s->gateway, s->gateway_port, add);
}

/*
 * Keep next hops of backends and the gateway resolved: they are "wanted",
 * refreshed and never forgotten (neigh_cache.h). The new set is marked
 * before the old one is cleared, so that adding a next hop to a full cache
 * can only ever forget one no longer wanted.
 */
void
nh_want_next_hops(struct sl_app *app)
{
	uint32_t i;

	want_each(app->snap, 0);
	for (i = 0; i < nhs->nc.n; i++)
		nhs->neigh[i].wanted = nhs->neigh[i].wanted == 2;
	want_each(app->snap, 1);
}

static void
neigh_scan(struct sl_app *app, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < nhs->nc.n; i++) {
		struct ctl_neigh *n = &nhs->neigh[i];
		uint64_t period = n->resolved ? CTL_ARP_REFRESH_MS : arp_retry_ms(n->port, now);

		if (n->verifying)
			verify_step(app, n, now);
		/* Next hops not wanted are asked for only while traffic needs
		 * them (miss events), so one nobody answers ages out of the
		 * cache instead of being asked for forever. */
		if (!n->wanted || !nhs->link_up[n->port])
			continue;
		if (now - n->requested_ms >= period &&
		    (!n->resolved || now - n->updated_ms >= period)) {
			neigh_request(app, n, now);
		}
	}
}

/*
 * On a link coming up, ask at once for every next hop of that port still
 * unresolved. A port found up on the first poll counts as coming up, so the
 * start-up requests go out here and neigh_scan, which runs after, finds them
 * just sent.
 */
static void
links_poll(struct sl_app *app, uint64_t now)
{
	uint32_t p, i, n;

	for (p = 0; p < app->n_ports; p++) {
		struct rte_eth_link link;
		uint8_t up;

		/* A link whose state cannot be read counts as up: requests are
		 * only ever sent on ports that are up. */
		if (rte_eth_link_get_nowait(app->ports[p].port_id, &link) != 0)
			up = 1;
		else
			up = link.link_status == RTE_ETH_LINK_UP;
		if (up == nhs->link_up[p])
			continue;
		nhs->link_up[p] = up;
		nhs->link_up_ms[p] = now;
		if (!up) {
			SL_LOG(NOTICE, ctl, "port %s: link down", app->cfg->ports[p].name);
			continue;
		}
		for (i = 0, n = 0; i < nhs->nc.n; i++) {
			struct ctl_neigh *nb = &nhs->neigh[i];

			if (nb->port != p || nb->resolved)
				continue;
			neigh_request(app, nb, now);
			n++;
		}
		SL_LOG(NOTICE, ctl, "port %s: link up; %u unresolved next hop(s) requested",
		       app->cfg->ports[p].name, n);
	}
}

void
nh_poll(struct sl_app *app, uint64_t now)
{
	uint32_t p;

	if (now - nhs->last_link_ms >= CTL_LINK_POLL_MS) {
		nhs->last_link_ms = now;
		links_poll(app, now);
	}
	for (p = 0; p < app->n_ports; p++)
		if (nhs->n_held[p] > 0)
			held_flush(app, (uint8_t)p, now);
	if (now - nhs->last_scan_ms >= CTL_NEIGH_SCAN_MS) {
		nhs->last_scan_ms = now;
		neigh_scan(app, now);
	}
	if (nhs->neigh_dirty)
		neigh_publish(app);
}

int
nh_init(void)
{
	nhs = calloc(1, sizeof(*nhs));
	if (nhs == NULL)
		return -ENOMEM;
	nhs->nc = (struct neigh_cache){ .e = nhs->neigh, .cap = CTL_MAX_NEIGH };
	return 0;
}

void
nh_fini(void)
{
	uint32_t p;

	if (nhs == NULL)
		return;
	for (p = 0; p < SL_MAX_PORTS; p++)
		while (nhs->n_held[p] > 0)
			rte_pktmbuf_free(nhs->held[p][--nhs->n_held[p]].m);
	free(nhs);
	nhs = NULL;
}
