/*
 * Control lcore loop.
 *
 * Neighbours: the control lcore is the single owner of ARP state. Workers
 * report what they learn and what they miss through their event rings; this
 * loop keeps the state, sends ARP requests from its own TX queue (at most one
 * per second per address) and republishes the immutable table on change.
 * Next hops of every backend and the gateway are resolved from start-up, so
 * the first packet of a flow does not wait for ARP, and again the moment a
 * port's link comes up: a request sent while the link was down (memif
 * connects a moment after start-up) was lost, and waiting for the retry
 * would drop a second of traffic.
 *
 * Load: for lc/wlc it sums the workers' per-backend counters every
 * load_interval_ms and publishes, per worker, the other workers' counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "../dataplane/log.h"
#include "../dataplane/neigh.h"
#include "../dataplane/worker.h"
#include "control.h"
#include "exception.h"
#include "health.h"
#include "neigh_cache.h"
#include "snapshot.h"

#define CTL_MAX_NEIGH 16384
#define CTL_MAX_RETIRED 256
#define CTL_ARP_RETRY_MS NEIGH_RETRY_MS
/* For the first CTL_ARP_RETRY_MS after a port's link comes up, unresolved
 * next hops are asked for again at every neighbour scan: the request sent
 * at link-up, or its answer, can be lost while the peer is still starting
 * (seen with memif in test_warmup), and a lost one would otherwise stop
 * forwarding for a whole retry period. */
#define CTL_NEIGH_SCAN_MS 50
#define CTL_ARP_REFRESH_MS 30000
#define CTL_TICK_US 1000
/* Link status is polled, not taken from LSC interrupts: af_packet and memif
 * (22.11) raise none, and a NIC's link query may be slow, hence not every tick. */
#define CTL_LINK_POLL_MS 10
/* An ARP request the port has no TX room for is held and sent when room
 * comes: right after link-up a memif peer that has not polled yet gives
 * none, and neither does a queue full for a moment. One held longer than a
 * retry period is stale (the retry asks again) and is dropped. */
#define CTL_ARP_HOLD 16
#define CTL_ARP_HOLD_MS CTL_ARP_RETRY_MS

struct ctl_held_arp {
	struct rte_mbuf *m;
	uint32_t ip;
	uint64_t since_ms;
};

struct ctl_retired {
	uint64_t token;
	void *ptr;
	void (*free_fn)(void *);
};

struct ctl_state {
	struct ctl_neigh neigh[CTL_MAX_NEIGH];
	struct neigh_cache nc;       /* over neigh[] */
	int neigh_dirty;
	struct ctl_retired retired[CTL_MAX_RETIRED];
	uint32_t n_retired;
	uint64_t last_load_ms;
	uint64_t last_scan_ms;
	uint64_t last_link_ms;
	uint8_t link_up[SL_MAX_PORTS];  /* as last polled; all down at start */
	uint64_t link_up_ms[SL_MAX_PORTS]; /* when each last came up */
	struct ctl_held_arp held[SL_MAX_PORTS][CTL_ARP_HOLD]; /* oldest first */
	uint8_t n_held[SL_MAX_PORTS];
	struct hc *hc;
	char hc_reason[SL_MAX_BACKENDS][HC_REASON_LEN]; /* last transition's */
	uint64_t hc_lost_logged;
	uint64_t rate_ms;
	uint64_t rate_prev[SL_MAX_BACKENDS];
	uint32_t rate[SL_MAX_BACKENDS];
};

static struct ctl_state *ctl;
static volatile sig_atomic_t reload_requested;
extern const char cfg_default_text[];
static pthread_mutex_t ctl_mutex = PTHREAD_MUTEX_INITIALIZER;

void
control_lock(void)
{
	pthread_mutex_lock(&ctl_mutex);
}

void
control_unlock(void)
{
	pthread_mutex_unlock(&ctl_mutex);
}

static void
reclaim(struct sl_app *app, int wait)
{
	uint32_t i = 0;

	control_lock();
	while (i < ctl->n_retired) {
		struct ctl_retired *r = &ctl->retired[i];

		if (rte_rcu_qsbr_check(app->rcu, r->token, wait) == 1) {
			r->free_fn(r->ptr);
			*r = ctl->retired[--ctl->n_retired];
		} else {
			i++;
		}
	}
	control_unlock();
}

void
control_publish(struct sl_app *app, void **slot, void *ptr, void (*free_fn)(void *))
{
	void *old;

	control_lock();
	old = __atomic_exchange_n(slot, ptr, __ATOMIC_ACQ_REL);
	control_unlock();
	if (old == NULL)
		return;
	if (ctl->n_retired == CTL_MAX_RETIRED)
		reclaim(app, 1);
	ctl->retired[ctl->n_retired++] = (struct ctl_retired){
		.token = rte_rcu_qsbr_start(app->rcu), .ptr = old, .free_fn = free_fn };
}

/* The entry for (ip, port), added if absent (neigh_cache.h). */
static struct ctl_neigh *
neigh_add(uint32_t ip, uint8_t port)
{
	int forgot;
	struct ctl_neigh *n = nc_add(&ctl->nc, ip, port, &forgot);

	if (forgot)
		ctl->neigh_dirty = 1;
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

/* Hand m to port's TX queue (or the worker that sends for the control
 * lcore). 1 if taken; else m is still the caller's. */
static int
arp_tx(struct sl_app *app, uint8_t port, struct rte_mbuf *m)
{
	struct sl_port *sp = &app->ports[port];

	if (sp->tx_queue_ctl == SL_TXQ_VIA_WORKER) {
		m->port = sp->port_id;
		return rte_ring_sp_enqueue(app->ctl_tx, m) == 0;
	}
	return rte_eth_tx_burst(sp->port_id, sp->tx_queue_ctl, &m, 1) == 1;
}

static void
held_drop(struct sl_app *app, uint8_t port, uint32_t from, uint32_t n)
{
	uint32_t i;

	for (i = from; i < from + n; i++)
		rte_pktmbuf_free(ctl->held[port][i].m);
	memmove(&ctl->held[port][from], &ctl->held[port][from + n],
		(ctl->n_held[port] - from - n) * sizeof(ctl->held[port][0]));
	ctl->n_held[port] = (uint8_t)(ctl->n_held[port] - n);
	sl_ctl_add(&app->arp_requests_dropped, n);
}

/* Send what port holds, oldest first, while it takes them; drop the stale,
 * and all of them on a port whose link went down. */
static void
held_flush(struct sl_app *app, uint8_t port, uint64_t now)
{
	uint32_t sent = 0, stale = 0;

	while (sent < ctl->n_held[port] && ctl->link_up[port] &&
	       arp_tx(app, port, ctl->held[port][sent].m))
		sent++;
	if (sent > 0) {
		memmove(&ctl->held[port][0], &ctl->held[port][sent],
			(ctl->n_held[port] - sent) * sizeof(ctl->held[port][0]));
		ctl->n_held[port] = (uint8_t)(ctl->n_held[port] - sent);
		sl_ctl_add(&app->arp_requests, sent);
	}
	if (!ctl->link_up[port])
		stale = ctl->n_held[port];
	else
		while (stale < ctl->n_held[port] &&
		       now - ctl->held[port][stale].since_ms >= CTL_ARP_HOLD_MS)
			stale++;
	if (stale > 0)
		held_drop(app, port, 0, stale);
}

static void
send_arp_request(struct sl_app *app, uint8_t port, uint32_t ip, uint64_t now)
{
	struct sl_port *sp = &app->ports[port];
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	uint32_t i;

	/* Behind held requests: in order, and not twice for one address. */
	if (ctl->n_held[port] > 0) {
		held_flush(app, port, now);
		for (i = 0; i < ctl->n_held[port]; i++)
			if (ctl->held[port][i].ip == ip)
				return;
	}
	m = rte_pktmbuf_alloc(sp->pool);
	if (m == NULL) {
		sl_ctl_add(&app->arp_requests_dropped, 1);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		sl_ctl_add(&app->arp_requests_dropped, 1);
		return;
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
	arp->arp_data.arp_sip = port_source_for(app->cfg, port, ip);
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = ip;
	if (ctl->n_held[port] == 0 && arp_tx(app, port, m)) {
		sl_ctl_add(&app->arp_requests, 1);
		return;
	}
	if (ctl->n_held[port] == CTL_ARP_HOLD)
		held_drop(app, port, 0, 1);
	ctl->held[port][ctl->n_held[port]++] =
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
	struct neigh_entry *e = calloc(ctl->nc.n + 1, sizeof(*e));
	struct neigh_table *t;
	uint32_t i, n = 0;

	if (e == NULL)
		return;
	for (i = 0; i < ctl->nc.n; i++) {
		if (!ctl->neigh[i].resolved)
			continue;
		e[n].ip = ctl->neigh[i].ip;
		e[n].port = ctl->neigh[i].port;
		e[n].mac = ctl->neigh[i].mac;
		n++;
	}
	t = neigh_table_build(e, n);
	free(e);
	if (t == NULL)
		return;
	control_publish(app, (void **)&app->neigh, t, (void (*)(void *))neigh_table_free);
	ctl->neigh_dirty = 0;
}

/* How long after a request an unresolved next hop on port is asked again. */
static uint64_t
arp_retry_ms(uint8_t port, uint64_t now)
{
	if (port < SL_MAX_PORTS && ctl->link_up[port] &&
	    now - ctl->link_up_ms[port] < CTL_ARP_RETRY_MS)
		return CTL_NEIGH_SCAN_MS;
	return CTL_ARP_RETRY_MS;
}

static void
handle_event(struct sl_app *app, const struct sl_event *ev, uint64_t now)
{
	struct ctl_neigh *n;

	if (ev->port >= app->n_ports)
		return;
	if (ev->type == SL_EV_NEIGH_LEARN) {
		n = neigh_add(ev->ip, ev->port);
		if (n == NULL)
			return;
		if (!n->resolved || !rte_is_same_ether_addr(&n->mac, &ev->mac))
			ctl->neigh_dirty = 1;
		n->mac = ev->mac;
		n->resolved = 1;
		n->updated_ms = now;
	} else if (ev->type == SL_EV_NEIGH_MISS) {
		n = neigh_add(ev->ip, ev->port);
		if (n == NULL || n->resolved || !ctl->link_up[ev->port])
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
	struct ctl_neigh *n = add ? neigh_add(nh, port) : nc_find(&ctl->nc, nh, port);

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
static void
want_next_hops(struct sl_app *app)
{
	uint32_t i;

	want_each(app->snap, 0);
	for (i = 0; i < ctl->nc.n; i++)
		ctl->neigh[i].wanted = ctl->neigh[i].wanted == 2;
	want_each(app->snap, 1);
}

static void
neigh_scan(struct sl_app *app, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < ctl->nc.n; i++) {
		struct ctl_neigh *n = &ctl->neigh[i];
		uint64_t period = n->resolved ? CTL_ARP_REFRESH_MS : arp_retry_ms(n->port, now);

		/* Next hops not wanted are asked for only while traffic needs
		 * them (miss events), so one nobody answers ages out of the
		 * cache instead of being asked for forever. */
		if (!n->wanted || !ctl->link_up[n->port])
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
		if (up == ctl->link_up[p])
			continue;
		ctl->link_up[p] = up;
		ctl->link_up_ms[p] = now;
		if (!up) {
			SL_LOG(NOTICE, ctl, "port %s: link down", app->cfg->ports[p].name);
			continue;
		}
		for (i = 0, n = 0; i < ctl->nc.n; i++) {
			struct ctl_neigh *nb = &ctl->neigh[i];

			if (nb->port != p || nb->resolved)
				continue;
			neigh_request(app, nb, now);
			n++;
		}
		SL_LOG(NOTICE, ctl, "port %s: link up; %u unresolved next hop(s) requested",
		       app->cfg->ports[p].name, n);
	}
}

static void
load_free(void *p)
{
	struct sl_load *l = p;

	free(l->others_active);
	free(l->others_inactive);
	free(l);
}

static void
load_publish(struct sl_app *app)
{
	const struct snapshot *s = app->snap;
	uint32_t nw = app->n_workers, ids = s->n_ids, w, id;
	struct sl_load *l = calloc(1, sizeof(*l));
	uint32_t *sum_a = calloc(ids + 1, sizeof(uint32_t));
	uint32_t *sum_i = calloc(ids + 1, sizeof(uint32_t));

	if (l == NULL || sum_a == NULL || sum_i == NULL)
		goto out;
	l->n_ids = ids;
	l->n_workers = nw;
	l->others_active = calloc((size_t)nw * ids + 1, sizeof(uint32_t));
	l->others_inactive = calloc((size_t)nw * ids + 1, sizeof(uint32_t));
	if (l->others_active == NULL || l->others_inactive == NULL) {
		load_free(l);
		l = NULL;
		goto out;
	}
	for (w = 0; w < nw; w++) {
		const struct worker *wk = app->workers[w];

		for (id = 0; id < ids; id++) {
			sum_a[id] += wk->active[id];
			sum_i[id] += wk->inactive[id];
		}
	}
	for (w = 0; w < nw; w++) {
		const struct worker *wk = app->workers[w];
		uint32_t *oa = l->others_active + (size_t)w * ids;
		uint32_t *oi = l->others_inactive + (size_t)w * ids;

		/* Same plain reads as above may differ by a few in-flight changes:
		 * clamp at zero so a racing decrement cannot wrap. */
		for (id = 0; id < ids; id++) {
			uint32_t a = wk->active[id], i = wk->inactive[id];

			oa[id] = sum_a[id] > a ? sum_a[id] - a : 0;
			oi[id] = sum_i[id] > i ? sum_i[id] - i : 0;
		}
	}
	control_publish(app, (void **)&app->load, l, load_free);
	l = NULL;
out:
	if (l != NULL)
		load_free(l);
	free(sum_a);
	free(sum_i);
}

void
control_request_reload(void)
{
	reload_requested = 1;
}

/* ---- health checks ---------------------------------------------------- */

static uint64_t
hc_key(uint16_t svc_id, uint32_t backend_id)
{
	return (uint64_t)svc_id << 32 | backend_id;
}

/* snap_up_fn: backends the checker does not know (no check, new) are up. */
static int
health_up(void *arg, uint16_t svc_id, uint32_t backend_id)
{
	(void)arg;
	return hc_state(ctl->hc, hc_key(svc_id, backend_id)) != 0;
}

/* Probe targets from the running config; keys are stable snapshot ids, so
 * a reload keeps the state of every check it does not change. */
static void
health_targets(struct sl_app *app)
{
	const struct cfg *c = app->cfg;
	const struct snapshot *s = app->snap;
	struct hc_target *t = calloc(c->n_backends_total + 1, sizeof(*t));
	uint32_t i, j, n = 0;

	if (t == NULL) {
		SL_LOG(ERR, health, "health: out of memory for targets");
		return;
	}
	for (i = 0; i < c->n_services && i < s->n_services; i++) {
		for (j = 0; j < c->services[i].n_backends; j++) {
			cfg_health_resolve(&c->services[i], &c->services[i].backends[j], &t[n].check);
			if (t[n].check.type == CFG_HC_NONE)
				continue;
			t[n].key = hc_key(s->services[i].id, s->services[i].backends[j].id);
			t[n].ip = c->services[i].backends[j].ip;
			t[n].port = c->services[i].backends[j].port;
			n++;
		}
	}
	if (hc_set_targets(ctl->hc, t, n) != 0)
		SL_LOG(ERR, health, "health: targets refused");
	free(t);
}

static const struct snap_service *
service_of(const struct snapshot *s, uint16_t svc_id)
{
	uint32_t i;

	for (i = 0; i < s->n_services; i++)
		if (s->services[i].id == svc_id)
			return &s->services[i];
	return NULL;
}

/* Log transitions; publish a snapshot with the new states if any. */
static void
health_poll(struct sl_app *app, uint64_t now)
{
	struct hc_transition tr[64];
	uint32_t n, i, changed = 0;
	uint64_t lost;

	hc_poll(ctl->hc, now);
	while ((n = hc_transitions(ctl->hc, tr, RTE_DIM(tr))) > 0) {
		for (i = 0; i < n; i++) {
			const struct snap_service *sv = service_of(app->snap, (uint16_t)(tr[i].key >> 32));
			uint32_t id = (uint32_t)tr[i].key;
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &tr[i].ip, ip, sizeof(ip));
			SL_LOG(NOTICE, health, "health: %s %s:%u %s (%s)", sv != NULL ? sv->name : "?",
			       ip, tr[i].port, tr[i].up ? "UP" : "DOWN", tr[i].reason);
			if (id < SL_MAX_BACKENDS) {
				control_lock();
				snprintf(ctl->hc_reason[id], HC_REASON_LEN, "%s", tr[i].reason);
				control_unlock();
			}
			changed++;
		}
	}
	lost = hc_transitions_lost(ctl->hc);
	if (lost != ctl->hc_lost_logged) {
		SL_LOG(WARNING, health, "health: %" PRIu64 " transitions not logged (queue full)",
		       lost - ctl->hc_lost_logged);
		ctl->hc_lost_logged = lost;
		changed++;
	}
	if (changed) {
		char err[256];
		struct snapshot *snap = snap_rebuild_health(app->cfg, app->n_workers,
							    app->snap->gen + 1, app->snap, NULL,
							    health_up, NULL, err, sizeof(err));

		if (snap == NULL) {
			SL_LOG(ERR, health, "health: cannot publish states: %s", err);
		} else {
			control_publish(app, (void **)&app->snap, snap,
					(void (*)(void *))snap_free);
		}
	}
}

const char *
control_health_reason(uint32_t backend_id)
{
	return backend_id < SL_MAX_BACKENDS ? ctl->hc_reason[backend_id] : "";
}

/* Errors of a rejected config, one per line. */
static void
errors_to_msg(const struct cfg_errors *errs, char *msg, size_t len)
{
	size_t off = 0;
	uint32_t i;

	msg[0] = '\0';
	for (i = 0; i < errs->n && off < len; i++)
		off += (size_t)snprintf(msg + off, len - off, "%s%s", i ? "\n" : "",
					errs->msgs[i]);
}

int
control_apply(struct sl_app *app, struct cfg *c, const char *name, char *msg,
	      size_t len)
{
	struct snapshot *old = app->snap, *snap;
	uint8_t *busy;
	char err[256];
	uint32_t i, w;

	if (cfg_restart_check(app->cfg, c, msg, len) != 0)
		goto reject;
	/* Ids counted by live connections must not go to new backends yet. */
	busy = calloc(SL_MAX_BACKENDS, 1);
	if (busy == NULL) {
		snprintf(msg, len, "out of memory");
		goto reject;
	}
	for (w = 0; w < app->n_workers; w++)
		for (i = 0; i < old->n_ids; i++)
			if (app->workers[w]->active[i] != 0 || app->workers[w]->inactive[i] != 0)
				busy[i] = 1;
	snap = snap_rebuild_health(c, app->n_workers, old->gen + 1, old, busy, health_up, NULL,
				   err, sizeof(err));
	free(busy);
	if (snap == NULL) {
		snprintf(msg, len, "%s: %s; running configuration kept", name, err);
		goto reject;
	}
	for (i = old->n_laddrs; i < snap->n_laddrs; i++) {
		for (w = 0; w < app->n_workers; w++) {
			if (worker_lport_pool_init(app->workers[w], i, snap) != 0) {
				snap_free(snap);
				snprintf(msg, len, "%s: out of memory for FULLNAT ports", name);
				goto reject;
			}
		}
	}
	snprintf(msg, len, "%s: applied: %u services, %u backends (generation %" PRIu64 ")",
		 name, c->n_services, c->n_backends_total, snap->gen);
	control_lock();
	cfg_free(app->cfg);
	app->cfg = c;
	control_unlock();
	control_publish(app, (void **)&app->snap, snap, (void (*)(void *))snap_free);
	want_next_hops(app);
	health_targets(app);
	return 0;
reject:
	cfg_free(c);
	return -1;
}

int
control_reload(struct sl_app *app, char *msg, size_t len)
{
	const char *name = app->cfg_path != NULL ? app->cfg_path : "<default>";
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	if (app->cfg_path != NULL)
		cfg_load_file(app->cfg_path, &c, &errs);
	else
		cfg_load_string(cfg_default_text, name, &c, &errs);
	if (c == NULL) {
		errors_to_msg(&errs, msg, len);
		cfg_errors_free(&errs);
		return -1;
	}
	cfg_errors_free(&errs);
	return control_apply(app, c, name, msg, len);
}

int
control_validate(const struct cfg *edited, const char *name, struct cfg **out,
		 char *msg, size_t len)
{
	struct cfg_errors errs;
	char *text = cfg_dump_string(edited);

	*out = NULL;
	if (text == NULL) {
		cfg_dump_error(edited, errno, msg, len);
		return -1;
	}
	cfg_errors_init(&errs);
	cfg_load_string(text, name, out, &errs);
	free(text);
	if (*out == NULL) {
		errors_to_msg(&errs, msg, len);
		cfg_errors_free(&errs);
		return -1;
	}
	cfg_errors_free(&errs);
	return 0;
}

/* Calls from other threads, run on the control lcore between ticks. */
struct ctl_call {
	int (*fn)(struct sl_app *app, void *arg);
	void *arg;
	int ret;
	int done;
};

static struct ctl_call *call_pending;
static int calls_closed;              /* the control loop has ended */
static pthread_mutex_t call_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t call_cond = PTHREAD_COND_INITIALIZER;

int
control_call(int (*fn)(struct sl_app *app, void *arg), void *arg)
{
	struct ctl_call c = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&call_mutex);
	while (call_pending != NULL && !calls_closed)
		pthread_cond_wait(&call_cond, &call_mutex);
	if (calls_closed) {
		pthread_mutex_unlock(&call_mutex);
		return -ESHUTDOWN;
	}
	call_pending = &c;
	while (!c.done && !calls_closed)
		pthread_cond_wait(&call_cond, &call_mutex);
	if (!c.done) {
		call_pending = NULL;
		c.ret = -ESHUTDOWN;
	}
	pthread_mutex_unlock(&call_mutex);
	return c.ret;
}

static void
run_calls(struct sl_app *app)
{
	struct ctl_call *c = __atomic_load_n(&call_pending, __ATOMIC_ACQUIRE);

	if (c == NULL)
		return;
	c->ret = c->fn(app, c->arg);
	pthread_mutex_lock(&call_mutex);
	c->done = 1;
	call_pending = NULL;
	pthread_cond_broadcast(&call_cond);
	pthread_mutex_unlock(&call_mutex);
}

/* New connections per second per backend id, over the last second. */
static void
update_rates(struct sl_app *app, uint64_t now)
{
	uint32_t id, w, n = app->snap->n_ids;
	uint64_t dt = now - ctl->rate_ms;

	if (dt < 1000)
		return;
	control_lock();
	for (id = 0; id < n && id < SL_MAX_BACKENDS; id++) {
		uint64_t total = 0;

		for (w = 0; w < app->n_workers; w++)
			total += app->workers[w]->scheduled[id];
		ctl->rate[id] = (uint32_t)((total - ctl->rate_prev[id]) * 1000 / dt);
		ctl->rate_prev[id] = total;
	}
	control_unlock();
	ctl->rate_ms = now;
}

uint32_t
control_rate(uint32_t id)
{
	return id < SL_MAX_BACKENDS ? ctl->rate[id] : 0;
}

int
control_init(struct sl_app *app)
{
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return -ENOMEM;
	ctl->nc = (struct neigh_cache){ .e = ctl->neigh, .cap = CTL_MAX_NEIGH };
	/* No device binding: the kernel routes each probe out of the TAP of
	 * the port whose subnet holds the backend, i.e. over the data port. */
	ctl->hc = hc_create(NULL, 256);
	if (ctl->hc == NULL) {
		free(ctl);
		ctl = NULL;
		return -ENOMEM;
	}
	want_next_hops(app);
	health_targets(app);
	return 0;
}

void
control_loop(struct sl_app *app)
{
	struct sl_event ev;
	uint32_t w;

	while (!app->stop) {
		uint64_t now = sl_now_ms(app, rte_rdtsc());

		for (w = 0; w < app->n_workers; w++)
			while (rte_ring_sc_dequeue_elem(app->workers[w]->events, &ev,
							sizeof(ev)) == 0)
				handle_event(app, &ev, now);
		if (now - ctl->last_link_ms >= CTL_LINK_POLL_MS) {
			ctl->last_link_ms = now;
			links_poll(app, now);
		}
		for (w = 0; w < app->n_ports; w++)
			if (ctl->n_held[w] > 0)
				held_flush(app, (uint8_t)w, now);
		if (now - ctl->last_scan_ms >= CTL_NEIGH_SCAN_MS) {
			ctl->last_scan_ms = now;
			neigh_scan(app, now);
		}
		if (ctl->neigh_dirty)
			neigh_publish(app);
		if (app->snap->needs_load &&
		    now - ctl->last_load_ms >= app->cfg->load_interval_ms) {
			ctl->last_load_ms = now;
			load_publish(app);
		}
		if (reload_requested) {
			char msg[4096];

			reload_requested = 0;
			if (control_reload(app, msg, sizeof(msg)) == 0)
				SL_LOG(NOTICE, ctl, "%s", msg);
			else
				SL_LOG(ERR, ctl, "reload rejected:\n%s", msg);
		}
		exc_poll(app);
		health_poll(app, now);
		run_calls(app);
		update_rates(app, now);
		reclaim(app, 0);
		rte_delay_us_sleep(CTL_TICK_US);
	}
	/* Nobody will run calls any more: wake and refuse their senders. */
	pthread_mutex_lock(&call_mutex);
	calls_closed = 1;
	pthread_cond_broadcast(&call_cond);
	pthread_mutex_unlock(&call_mutex);
}

void
control_fini(struct sl_app *app)
{
	uint32_t i;

	if (ctl == NULL)
		return;
	/* Workers are stopped: nothing can still read a retired pointer. */
	control_lock();
	for (i = 0; i < ctl->n_retired; i++)
		ctl->retired[i].free_fn(ctl->retired[i].ptr);
	ctl->n_retired = 0;
	neigh_table_free(app->neigh);
	app->neigh = NULL;
	if (app->load != NULL)
		load_free(app->load);
	app->load = NULL;
	control_unlock();
	for (i = 0; i < SL_MAX_PORTS; i++)
		while (ctl->n_held[i] > 0)
			rte_pktmbuf_free(ctl->held[i][--ctl->n_held[i]].m);
	hc_destroy(ctl->hc);
	free(ctl);
	ctl = NULL;
}

