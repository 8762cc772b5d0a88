/*
 * THE worker loop: rx burst -> parse -> bulk conntrack lookup -> (hand-off to
 * the owning worker | schedule a new connection) -> rewrite -> buffered tx;
 * then hand-off rings, a bounded expiry slice and an RCU quiescent report.
 *
 * Flow ownership rules live in steer.h; a table hit proves ownership, so
 * the owner is only computed on a miss.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "log.h"
#include "neigh.h"
#include "pkt.h"
#include "refuse.h"
#include "sched.h"
#include "steer.h"
#include "worker_impl.h"
#include "xlate.h"

/* Connection entries keep ids and local address indices in narrow fields. */
static_assert(SL_MAX_BACKENDS <= UINT16_MAX + 1, "backend ids fit ct_conn.backend_id");
static_assert(SL_MAX_SERVICES <= UINT16_MAX + 1, "service ids fit ct_conn.svc_id");

static inline void
wk_drop(struct worker *w, struct rte_mbuf *m, enum sl_drop reason)
{
	w->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

static void
wk_tx_flush(struct worker *w, uint32_t port)
{
	struct wk_txq *q = &w->tx[port];
	uint64_t bytes = 0;
	uint16_t sent, i;

	/*
	 * Bytes are summed before the burst: a sent mbuf belongs to the driver
	 * and may already be freed and reused (net_null and ring PMDs free or
	 * hand it over at once). Packets the queue refused are drops.
	 */
	if (q->n == 0)
		return;
	for (i = 0; i < q->n; i++)
		bytes += rte_pktmbuf_pkt_len(q->m[i]);
	sent = rte_eth_tx_burst(w->app->ports[port].port_id, (uint16_t)w->id,
				q->m, q->n);
	for (i = sent; i < q->n; i++) {
		bytes -= rte_pktmbuf_pkt_len(q->m[i]);
		wk_drop(w, q->m[i], SL_DROP_TX_FULL);
	}
	w->stats.tx_packets += sent;
	w->stats.tx_bytes += bytes;
	q->n = 0;
}

/* Out of line: most ports have no vlan, and wk_tx is inlined everywhere. */
static __rte_noinline int
wk_tx_tag(struct worker *w, uint32_t port, struct rte_mbuf *m)
{
	if (sl_port_tag(&w->app->ports[port], m) == 0)
		return 0;
	wk_drop(w, m, SL_DROP_VLAN_NO_ROOM);
	return -1;
}

static inline void
wk_tx(struct worker *w, uint32_t port, struct rte_mbuf *m)
{
	struct wk_txq *q = &w->tx[port];

	if (unlikely(w->app->ports[port].vlan != 0) && wk_tx_tag(w, port, m) != 0)
		return;
	q->m[q->n++] = m;
	if (unlikely(q->n == WK_TX_BURST))
		wk_tx_flush(w, port);
}

static void
wk_event(struct worker *w, uint8_t type, uint8_t port, uint32_t ip,
	 const struct rte_ether_addr *mac)
{
	struct sl_event ev = { .type = type, .port = port, .ip = ip };

	if (mac != NULL)
		ev.mac = *mac;
	if (rte_ring_sp_enqueue_elem(w->events, &ev, sizeof(ev)) != 0)
		w->stats.events_lost++;
}

static inline uint32_t
wk_tuple_hash(uint8_t proto, const struct ct_tuple *t)
{
	uint32_t h = rte_hash_crc_8byte(((uint64_t)t->src_ip << 32) | t->dst_ip, proto);

	return rte_hash_crc_4byte(((uint32_t)t->src_port << 16) | t->dst_port, h);
}

void
worker_release(struct ct_conn *c, void *arg)
{
	struct worker *w = arg;

	wk_count_state(w, c, c->state, -1);
	if ((c->flags & CT_F_MODE_MASK) == SVC_MODE_FULLNAT)
		wk_lport_free(&w->lports[c->lport_idx], c->lport);
}

static inline struct wk_neigh_cache *
wk_neigh_slot(struct worker *w, uint8_t port, uint32_t ip)
{
	return &w->neigh_cache[neigh_hash(ip, port) % WK_NEIGH_CACHE];
}

/* Next hop nh's MAC on port: the published table's, else a source this
 * worker learnt and has reported; NULL when neither knows it. */
static __rte_always_inline const struct rte_ether_addr *
wk_neigh_mac(struct worker *w, uint8_t port, uint32_t nh)
{
	const struct rte_ether_addr *mac = neigh_lookup(w->neigh, port, nh);
	const struct wk_neigh_cache *slot;

	if (likely(mac != NULL))
		return mac;
	slot = wk_neigh_slot(w, port, nh);
	return slot->ip == nh && slot->port == port ? &slot->mac : NULL;
}

/*
 * The same, or NULL with m dropped and counted and the miss reported to
 * the control lcore (rate-limited). Forced inline: with a second caller
 * (the ICMP error relay) gcc made the lookup a call, and established
 * traffic slowed by 2 % (bench_pipeline --scenario est --conns 65536, 7
 * rounds of ab_pipeline.sh, median ratio 1.02).
 */
static __rte_always_inline const struct rte_ether_addr *
wk_neigh_mac_or_drop(struct worker *w, struct rte_mbuf *m, uint8_t port, uint32_t nh)
{
	const struct rte_ether_addr *mac = wk_neigh_mac(w, port, nh);

	if (unlikely(mac == NULL)) {
		if (neigh_miss_report(&w->neigh_miss, port, nh, w->now))
			wk_event(w, SL_EV_NEIGH_MISS, port, nh, NULL);
		wk_drop(w, m, SL_DROP_NEIGH_MISS);
	}
	return mac;
}

/* The port and MAC of the next hop to dst, for a packet routed afresh
 * (the ICMP error relay); NULL with m dropped and counted. */
static __rte_always_inline const struct rte_ether_addr *
wk_next_hop(struct worker *w, struct rte_mbuf *m, uint32_t dst, uint8_t *port)
{
	uint32_t nh;

	if (snap_route(w->snap, dst, port, &nh) != 0) {
		wk_drop(w, m, SL_DROP_NO_ROUTE);
		return NULL;
	}
	return wk_neigh_mac_or_drop(w, m, *port, nh);
}

/*
 * A new connection from an on-link host the published table does not know:
 * remember its MAC locally and ask the control lcore to publish it. ARP
 * stays the authority: a published entry is never overridden from here.
 * nh: the source's next hop, as wk_new_source_ok() found it (routed back
 * out of the port it came in on, not a subnet's edge).
 */
static void
wk_learn_source(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *meta,
		uint32_t nh)
{
	uint8_t in_port = w->port_index[m->port];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct wk_neigh_cache *slot;

	if (nh != meta->src_ip || neigh_lookup(w->neigh, in_port, nh) != NULL)
		return;
	slot = wk_neigh_slot(w, in_port, nh);
	slot->ip = nh;
	slot->port = in_port;
	slot->mac = eth->src_addr;
	wk_event(w, SL_EV_NEIGH_LEARN, in_port, nh, &eth->src_addr);
}

static inline void
wk_bucket_refill(struct wk_bucket *b, uint32_t now, uint32_t rate, uint32_t burst)
{
	uint32_t elapsed = now - b->last_ms;

	if (elapsed == 0)
		return;
	b->tokens = elapsed >= burst ? burst : RTE_MIN(burst, b->tokens + elapsed * rate);
	b->last_ms = now;
}

int
wk_exc_limit(struct worker *w, uint32_t src_ip, uint32_t now)
{
	struct wk_bucket *src = &w->exc_src[sl_mix32(src_ip) % WK_EXC_SOURCES];

	wk_bucket_refill(src, now, WK_EXC_SRC_RATE, WK_EXC_SRC_BURST);
	wk_bucket_refill(&w->exc_all, now, WK_EXC_ALL_RATE, WK_EXC_ALL_BURST);
	if (src->tokens == 0 || w->exc_all.tokens == 0)
		return -1;
	src->tokens--;
	w->exc_all.tokens--;
	return 0;
}

/*
 * What the control lcore itself waits for: answers to its health probes
 * (from a backend), session sync, BGP. ARP replies and VRRP are its own too
 * (their callers say so). Everything else for the kernel is a guest.
 */
static inline int
wk_exc_priority(const struct worker *w, const struct pkt_meta *meta)
{
	if (snap_is_peer(w->snap, meta->src_ip))
		return 1;
	if (meta->proto == IPPROTO_UDP)
		return w->snap->sync_port != 0 && meta->dst_port == w->snap->sync_port;
	return meta->proto == IPPROTO_TCP &&
	       (meta->src_port == RTE_BE16(179) || meta->dst_port == RTE_BE16(179));
}

/*
 * Not load-balanced, addressed to the port itself: the kernel's (TAP). The
 * control lcore's own traffic takes the priority ring, which a flood at the
 * port's address cannot fill; the rest is limited per source and overall,
 * so a flood costs the kernel and the control lcore a bounded rate.
 * prio: the caller knows the packet is the control lcore's (ARP, VRRP).
 */
static int
wk_to_kernel(struct worker *w, struct rte_mbuf *m, uint8_t in_port,
	     const struct pkt_meta *meta, int prio)
{
	if (!w->app->ports[in_port].has_tap)
		return -1;
	/* No host on the wire sends from our addresses: the kernel would
	 * answer itself (a SYN-ACK to its own address, a reset). */
	if (unlikely(snap_find_local(w->snap, meta->src_ip) != NULL)) {
		wk_drop(w, m, SL_DROP_LOCAL_SRC);
		return 0;
	}
	if (prio || wk_exc_priority(w, meta)) {
		if (rte_ring_sp_enqueue(w->exc_prio, m) != 0) {
			wk_drop(w, m, SL_DROP_EXCEPTION_FULL);
			return 0;
		}
		w->stats.to_kernel_prio++;
	} else {
		if (wk_exc_limit(w, meta->src_ip, w->now) != 0) {
			wk_drop(w, m, SL_DROP_EXCEPTION_LIMIT);
			return 0;
		}
		if (rte_ring_sp_enqueue(w->exc, m) != 0) {
			wk_drop(w, m, SL_DROP_EXCEPTION_FULL);
			return 0;
		}
	}
	w->stats.to_kernel++;
	return 0;
}

/* A port address of in_port (not a VIP or FULLNAT local address only). */
static inline int
wk_is_port_addr(const struct snap_local *l, uint8_t in_port)
{
	return l != NULL && (l->kinds & SNAP_LOCAL_ADDR) && l->arp_port == in_port;
}

static void
wk_arp(struct worker *w, struct rte_mbuf *m, uint8_t in_port,
       const struct pkt_meta *meta)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct snap_local *local;
	struct rte_ether_addr sha;
	const struct rte_ether_addr *known;
	uint8_t rport;
	uint32_t nh;

	memcpy(&sha, frame + meta->l2_len + 8, sizeof(sha));
	/* A sender no host can be is not learnt, not answered, not passed on. */
	if (unlikely(!rte_is_valid_assigned_ether_addr(&sha) ||
		     (meta->src_ip != 0 && snap_subnet_edge(w->snap, meta->src_ip)))) {
		wk_drop(w, m, SL_DROP_ARP_BAD_SENDER);
		return;
	}
	/* One claiming an address of ours (a peer appliance's announcement
	 * after a takeover, or a poisoner) is not learnt either. */
	if (meta->src_ip != 0 && unlikely(snap_find_local(w->snap, meta->src_ip) != NULL)) {
		wk_drop(w, m, SL_DROP_ARP_LOCAL_SENDER);
		return;
	}
	local = snap_find_local(w->snap, meta->dst_ip);
	/* Learn senders on our own subnets only: one truth, no spoofed routes.
	 * A reply to the port's address goes up even when nothing is new: a
	 * next hop's old MAC answering is what refuses another's claim to it
	 * (control/neigh_cache.h). */
	if (meta->src_ip != 0 && snap_route(w->snap, meta->src_ip, &rport, &nh) == 0 &&
	    rport == in_port && nh == meta->src_ip) {
		known = neigh_lookup(w->neigh, in_port, meta->src_ip);
		if (meta->arp_op == 2 && wk_is_port_addr(local, in_port))
			wk_event(w, SL_EV_NEIGH_REPLY, in_port, meta->src_ip, &sha);
		else if (known == NULL || !rte_is_same_ether_addr(known, &sha))
			wk_event(w, SL_EV_NEIGH_LEARN, in_port, meta->src_ip, &sha);
	}
	if (meta->arp_op == 1 && snap_local_answered(local) && local->arp_port == in_port &&
	    xlate_arp_reply(frame, meta, w->app->ports[in_port].mac.addr_bytes) == 0) {
		w->stats.arp_replies++;
		wk_tx(w, in_port, m);
		return;
	}
	/* A reply to the port's address may answer the kernel's own request:
	 * the dataplane has learnt from it, the kernel gets it too. */
	if (meta->arp_op == 2 && wk_is_port_addr(local, in_port) &&
	    wk_to_kernel(w, m, in_port, meta, 1) == 0)
		return;
	if (meta->arp_op == 2 || local != NULL) {
		w->stats.arp_other++;
		rte_pktmbuf_free(m);
		return;
	}
	wk_drop(w, m, SL_DROP_ARP_IGNORED);
}

/*
 * Relay an ICMP error about connection c (the quote reversed is c's packet
 * in direction dir) to c's other side, as that side's own packets are
 * rewritten: a client-side error goes to the backend about the packet the
 * backend sent, a backend-side one to the client, from the VIP, about the
 * client's packet. nat keeps a client-side error's source (the router that
 * sent it, routed back through the appliance as clients are); fullnat
 * sends it from the local address. dr forwards it at layer 2 unchanged.
 * Nothing here touches c: an error, forged or not, changes no connection.
 * Returns 1 when it is no error this can relay (dr's reply direction, a
 * quote the appliance never sent), else 0 (relayed or dropped, counted).
 */
static int
wk_icmp_relay(struct worker *w, struct rte_mbuf *m, struct pkt_meta *meta,
	      struct pkt_icmp_err *e, const struct ct_conn *c, enum ct_dir dir)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t mode = c->flags & CT_F_MODE_MASK;
	const struct rte_ether_addr *mac;
	const struct ct_tuple *other;
	struct ct_tuple reply;
	uint8_t port;

	if (mode == SVC_MODE_DR && dir != CT_DIR_ORIG)
		return 1;
	ct_reply_tuple(c, w->ct_laddrs, &reply);
	other = dir == CT_DIR_ORIG ? &reply : &c->orig;
	if (mode != SVC_MODE_DR &&
	    xlate_icmp_error(frame, meta, e,
			     dir == CT_DIR_ORIG && mode == SVC_MODE_NAT ? meta->src_ip :
			     other->dst_ip, other->src_ip, other->src_ip, other->src_port,
			     other->dst_ip, other->dst_port, 1) != 0) {
		wk_drop(w, m, SL_DROP_TTL_EXCEEDED);
		return 0;
	}
	mac = wk_next_hop(w, m, other->src_ip, &port);
	if (mac == NULL)
		return 0;
	xlate_set_macs(frame, w->app->ports[port].mac.addr_bytes, mac->addr_bytes);
	w->stats.icmp_errors_relayed++;
	wk_tx(w, port, m);
	return 0;
}

/*
 * An ICMP error whose quote the worker's table does not know may belong to
 * another worker's connection: hand it to the worker the connection's own
 * packets are steered to (steer.h), computed from the quote reversed. A
 * fullnat or dr connection lives where its client's first packet arrived
 * (the NIC's hash), which nothing in the packet names: a client-side error
 * for one goes round the workers, each looking once, until one finds it or
 * it is back where it began; m->hash.usr carries that first worker. So an
 * error is never copied: one in, at most one out. Returns 1 when no worker
 * is left to try (the caller handles it as any ICMP), else 0 (handed off,
 * or dropped and counted).
 */
static int
wk_icmp_err_steer(struct worker *w, struct rte_mbuf *m, const struct ct_tuple *key,
		  uint8_t proto, int steered)
{
	uint32_t n = w->snap->n_workers, origin, owner;
	const struct snap_service *svc;
	struct pkt_meta qm;
	struct rte_ring *r;

	if (n == 1)
		return 1;
	svc = snap_find_service(w->snap, key->dst_ip, key->dst_port, proto);
	if (svc == NULL || svc->mode == SVC_MODE_NAT) {
		if (steered)
			return 1;
		memset(&qm, 0, sizeof(qm));
		qm.src_ip = key->src_ip;
		qm.dst_ip = key->dst_ip;
		qm.src_port = key->src_port;
		qm.dst_port = key->dst_port;
		qm.proto = proto;
		owner = steer_owner(w->snap, svc, &qm, w->id);
	} else {
		origin = steered ? m->hash.usr : w->id;
		owner = (w->id + 1) % n;
		/* One handed off under the nat rule before a reload changed
		 * the mode holds the NIC's hash in hash.usr: out of range it
		 * stops here, in range it still stops within n hand-offs. */
		if (origin >= n || owner == origin)
			return 1;
		m->hash.usr = origin;
	}
	if (owner == w->id)
		return 1;
	r = w->app->steer[owner * w->app->n_workers + w->id];
	if (rte_ring_sp_enqueue(r, m) != 0) {
		wk_drop(w, m, SL_DROP_STEER_FULL);
		return 0;
	}
	w->stats.steered_out++;
	return 0;
}

/*
 * An ICMP error (destination unreachable, frag-needed among them, time
 * exceeded, parameter problem) quoting a packet of a tracked connection is
 * relayed to the connection's other side, so path MTU discovery works
 * through the VIP. Returns 1 when it quotes no connection (the caller
 * handles it as any other ICMP), else 0.
 */
static int
wk_icmp_error(struct worker *w, struct rte_mbuf *m, struct pkt_meta *meta, int steered)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct pkt_icmp_err e;
	struct ct_tuple key;
	struct ct_conn *c;
	enum ct_dir dir;
	int ret;

	ret = pkt_parse_icmp_err(frame, meta, &e);
	if (ret <= 0) {
		if (ret == 0)
			return 1;
		wk_drop(w, m, pkt_parse_reason(ret));
		return 0;
	}
	/* A relay recomputes the checksum: it must not launder a corrupt one. */
	if (xlate_csum_bytes(frame + meta->l2_len + meta->l3_len, meta->l4_len) != 0) {
		wk_drop(w, m, SL_DROP_ICMP_ERR_CSUM);
		return 0;
	}
	/* The quote is a packet the appliance sent; reversed, it is one the
	 * connection receives. */
	key.src_ip = e.dst_ip;
	key.dst_ip = e.src_ip;
	key.src_port = e.dst_port;
	key.dst_port = e.src_port;
	c = ct_lookup(w->ct, e.proto, &key, &dir);
	if (c != NULL)
		return wk_icmp_relay(w, m, meta, &e, c, dir);
	return wk_icmp_err_steer(w, m, &key, e.proto, steered);
}

static void
wk_icmp(struct worker *w, struct rte_mbuf *m, uint8_t in_port, struct pkt_meta *meta,
	int steered)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct snap_local *local = snap_find_local(w->snap, meta->dst_ip);

	/* No echo to a subnet's broadcast address: not a smurf reflector. */
	if (unlikely(snap_subnet_edge(w->snap, meta->src_ip))) {
		wk_drop(w, m, SL_DROP_BCAST_SRC);
		return;
	}
	/* Nor to one of our own addresses: the answer would be ours to
	 * ourselves, looping through whatever routes it back. */
	if (unlikely(snap_find_local(w->snap, meta->src_ip) != NULL)) {
		wk_drop(w, m, SL_DROP_LOCAL_SRC);
		return;
	}
	if (pkt_icmp_is_error(meta->icmp_type) && wk_icmp_error(w, m, meta, steered) == 0)
		return;
	if (meta->icmp_type == 8 && snap_local_answered(local) &&
	    xlate_icmp_echo_reply(frame, meta) == 0) {
		w->stats.icmp_echo_replies++;
		wk_tx(w, in_port, m);
		return;
	}
	/* Echo replies and errors for the kernel's sockets (ICMP health checks). */
	if (wk_is_port_addr(local, in_port) && wk_to_kernel(w, m, in_port, meta, 0) == 0)
		return;
	wk_drop(w, m, SL_DROP_ICMP_UNHANDLED);
}

/*
 * VRRP: to the kernel (keepalived) when it is link-local multicast, as
 * adverts are, or unicast to this port's own address.
 */
static void
wk_vrrp(struct worker *w, struct rte_mbuf *m, uint8_t in_port, const struct pkt_meta *meta)
{
	if ((snap_mcast_for_kernel(w->snap, meta->dst_ip) ||
	     wk_is_port_addr(snap_find_local(w->snap, meta->dst_ip), in_port)) &&
	    wk_to_kernel(w, m, in_port, meta, 1) == 0)
		return;
	wk_drop(w, m, SL_DROP_UNSUPP_L4);
}

/*
 * No backend to give: answer at once (TCP RST, ICMP port unreachable) as a
 * host without the service would, rather than let the client time out.
 */
static void
wk_refuse(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *meta)
{
	uint8_t in_port = w->port_index[m->port];
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len;

	if (meta->proto == IPPROTO_TCP) {
		if (meta->tcp_flags & RTE_TCP_RST_FLAG) {
			wk_drop(w, m, SL_DROP_NO_BACKEND);
			return;
		}
		len = refuse_tcp_rst(frame, meta);
	} else {
		frame = (uint8_t *)rte_pktmbuf_prepend(m, REFUSE_ICMP_HEADROOM);
		if (frame == NULL) {
			wk_drop(w, m, SL_DROP_NO_BACKEND);
			return;
		}
		len = refuse_udp_unreachable(frame, meta);
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	w->stats.conns_refused++;
	wk_tx(w, in_port, m);
}

/*
 * A new connection's source must be a host (not a subnet's network or
 * broadcast address) that this appliance routes back out of the port the
 * packet came in on (strict reverse path, RFC 3704): a backend's address
 * arriving on the client side, or a spoofed source of another segment,
 * makes no connection. Only misses pay for it. Drops and counts, or 1
 * with *nh the source's next hop (for wk_learn_source).
 */
static int
wk_new_source_ok(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *meta,
		 uint32_t *nh)
{
	uint8_t rport;

	if (unlikely(snap_subnet_edge(w->snap, meta->src_ip))) {
		wk_drop(w, m, SL_DROP_BCAST_SRC);
		return 0;
	}
	if (unlikely(snap_find_local(w->snap, meta->src_ip) != NULL)) {
		wk_drop(w, m, SL_DROP_LOCAL_SRC);
		return 0;
	}
	if (unlikely(snap_route(w->snap, meta->src_ip, &rport, nh) != 0 ||
		     rport != w->port_index[m->port])) {
		wk_drop(w, m, SL_DROP_RPF);
		return 0;
	}
	return 1;
}

static int
wk_lport_alloc(struct worker *w, const struct snap_service *svc, uint32_t hash,
	       uint16_t *laddr_idx, uint16_t *lport)
{
	uint32_t i;

	for (i = 0; i < svc->n_laddrs; i++) {
		uint16_t li = svc->laddr_idx[(hash + i) % svc->n_laddrs];
		struct wk_lport_pool *p = &w->lports[li];

		if (wk_lport_take(p, lport) == 0) {
			*laddr_idx = li;
			return 0;
		}
	}
	return -1;
}

/* This worker's lc/wlc view of the backends' load for the current pass. */
static inline void
wk_load_view(const struct worker *w, struct sched_load_view *view)
{
	const struct sl_load *load = w->load;

	view->mine_active = w->active;
	view->mine_inactive = w->inactive;
	view->others_active = NULL;
	view->others_inactive = NULL;
	if (load != NULL && load->n_ids == w->snap->n_ids) {
		view->others_active = load->others_active + (size_t)w->id * load->n_ids;
		view->others_inactive = load->others_inactive + (size_t)w->id * load->n_ids;
	}
}

/* Create the connection for a new flow to svc; NULL when dropped (counted). */
static struct ct_conn *
wk_new_conn(struct worker *w, const struct snap_service *svc,
	    const struct pkt_meta *meta, const struct ct_tuple *orig,
	    struct rte_mbuf *m)
{
	struct sched_load_view view;
	const struct sched_backend *be;
	struct ct_tuple reply;
	struct ct_conn *c;
	uint16_t laddr_idx = 0;
	enum ct_dir dir;
	uint32_t hash;
	int idx;

	if (meta->proto == IPPROTO_TCP &&
	    (meta->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		wk_drop(w, m, SL_DROP_NO_CONN);
		return NULL;
	}
	wk_load_view(w, &view);
	hash = wk_tuple_hash(meta->proto, orig);
	idx = sched_pick(svc->sched, &w->cursors[svc->id], hash, meta->src_ip, &view);
	if (idx < 0) {
		w->svc_refused[svc->id]++;
		wk_refuse(w, m, meta);
		return NULL;
	}
	be = &svc->backends[idx];
	reply.src_ip = be->ip;
	reply.src_port = be->port;
	reply.dst_ip = meta->src_ip;
	reply.dst_port = meta->src_port;
	if (svc->mode == SVC_MODE_FULLNAT) {
		if (wk_lport_alloc(w, svc, hash, &laddr_idx, &reply.dst_port) != 0) {
			wk_drop(w, m, SL_DROP_LPORT_EXHAUSTED);
			return NULL;
		}
		reply.dst_ip = w->snap->laddrs[laddr_idx];
	}
	c = ct_lookup(w->ct, meta->proto, &reply, &dir);
	/* A closed connection still holding the reply tuple (same client port
	 * and backend, reached through another service) yields to the new one,
	 * as a TIME_WAIT socket yields to a new SYN. A live one does not. */
	if (c != NULL && (c->state == CT_TIME_WAIT || c->state == CT_CLOSE)) {
		ct_delete(w->ct, c);
		w->burst_del++;
		c = NULL;
	}
	if (c != NULL) {
		c = NULL;
		wk_drop(w, m, SL_DROP_TUPLE_CLASH);
	} else {
		c = ct_insert(w->ct, meta->proto, orig, &reply, w->now);
		if (c == NULL)
			wk_drop(w, m, SL_DROP_CT_FULL);
	}
	if (c == NULL) {
		if (svc->mode == SVC_MODE_FULLNAT)
			wk_lport_free(&w->lports[laddr_idx], reply.dst_port);
		return NULL;
	}
	c->backend_id = (uint16_t)be->id;
	c->svc_id = (uint16_t)svc->id;
	c->flags = (uint8_t)(c->flags | svc->mode |
			     (svc->mode == SVC_MODE_DR ? CT_F_ONEWAY : 0));
	wk_count_state(w, c, c->state, 1);
	w->scheduled[be->id]++;
	w->stats.conns_created++;
	/* A UDP flow is synced as it is made; TCP once established. */
	if (unlikely(w->sync_out != NULL) && sync_state_synced(c->state))
		wk_sync_emit(w, c);
	return c;
}

/*
 * The connection's backend is DOWN and its service says "reset": end it. TCP
 * gets a RST back to whoever sent this segment; a UDP flow is forgotten, so
 * its next datagram is scheduled to a backend that is up.
 */
static void
wk_reset(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *meta,
	 struct ct_conn *c)
{
	ct_delete(w->ct, c);
	w->burst_del++;
	w->stats.conns_reset++;
	if (meta->proto != IPPROTO_TCP || (meta->tcp_flags & RTE_TCP_RST_FLAG)) {
		wk_drop(w, m, SL_DROP_BACKEND_DOWN);
		return;
	}
	m->data_len = (uint16_t)refuse_tcp_rst(rte_pktmbuf_mtod(m, uint8_t *), meta);
	m->pkt_len = m->data_len;
	wk_tx(w, w->port_index[m->port], m);
}

/* Fragmentation-needed answers: a burst of WK_FRAG_BURST, then one a ms. */
#define WK_FRAG_BURST 50

static inline int
wk_frag_token(struct worker *w)
{
	uint32_t elapsed = w->now - w->frag_tokens_ms;

	w->frag_tokens_ms = w->now;
	w->frag_tokens = elapsed >= WK_FRAG_BURST ? WK_FRAG_BURST :
			 RTE_MIN(w->frag_tokens + elapsed, (uint32_t)WK_FRAG_BURST);
	if (w->frag_tokens == 0)
		return 0;
	w->frag_tokens--;
	return 1;
}

/*
 * Larger than the egress port's MTU: it would vanish on the link, and
 * Sluice does not fragment. Without DF it is dropped (TOO_BIG); with DF its
 * source is told, as a router tells it (ICMP fragmentation needed with the
 * port's MTU, RFC 1191, from the service's VIP, quoting the packet as it
 * arrived), so path MTU discovery works through the appliance. The
 * answers are rate-limited per worker: a flood of large packets with
 * spoofed sources must not turn the appliance into a reflector.
 */
static __rte_noinline void
wk_too_big(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *meta,
	   uint32_t vip, uint16_t mtu)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	uint8_t *nf;
	uint32_t len;

	if (!(ip[6] & 0x40)) {
		wk_drop(w, m, SL_DROP_TOO_BIG);
		return;
	}
	if (!wk_frag_token(w)) {
		wk_drop(w, m, SL_DROP_FRAG_NEEDED_LIMITED);
		return;
	}
	nf = (uint8_t *)rte_pktmbuf_prepend(m, REFUSE_ICMP_HEADROOM);
	if (nf == NULL) {
		wk_drop(w, m, SL_DROP_FRAG_NEEDED_LIMITED);
		return;
	}
	len = refuse_frag_needed(nf, meta, vip, mtu);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	w->stats.drops[SL_DROP_FRAG_NEEDED]++;
	wk_tx(w, w->port_index[m->port], m);
}

static void
wk_forward(struct worker *w, struct rte_mbuf *m, struct pkt_meta *meta,
	   struct ct_conn *c, enum ct_dir dir)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct ct_tuple *other;
	const struct rte_ether_addr *mac;
	struct ct_tuple reply;
	uint8_t prev, port, fl;
	uint32_t nh;

	if (unlikely(w->snap->any_reset) && snap_backend_reset(w->snap, c->backend_id)) {
		wk_reset(w, m, meta, c);
		return;
	}
	/* A packet dropped here must not have moved the connection: an RST
	 * with TTL 1 would close it without reaching anyone. dr forwards at
	 * layer 2 and leaves the TTL alone. */
	if (unlikely(meta->ttl <= 1) && (c->flags & CT_F_MODE_MASK) != SVC_MODE_DR) {
		wk_drop(w, m, SL_DROP_TTL_EXCEEDED);
		return;
	}
	/* Selected, not branched on: the direction is random packet to packet. */
	ct_reply_tuple(c, w->ct_laddrs, &reply);
	other = dir == CT_DIR_ORIG ? &reply : &c->orig;
	/* The way out is known before the connection moves: a packet with no
	 * route, too large for it, or to a next hop not resolved is dropped
	 * and changes nothing. */
	if (snap_route(w->snap, other->src_ip, &port, &nh) != 0) {
		wk_drop(w, m, SL_DROP_NO_ROUTE);
		return;
	}
	if (unlikely((uint32_t)meta->l3_len + meta->l4_len > w->app->ports[port].mtu)) {
		wk_too_big(w, m, meta, c->orig.dst_ip, w->app->ports[port].mtu);
		return;
	}
	mac = wk_neigh_mac_or_drop(w, m, port, nh);
	if (unlikely(mac == NULL))
		return;
	fl = meta->tcp_flags;
	if (unlikely(fl & RTE_TCP_RST_FLAG)) {
		enum ct_rst_verdict v = ct_rst_check(w->ct, c, dir, meta->tcp_seq);

		if (v == CT_RST_BLIND) {
			wk_drop(w, m, SL_DROP_RST_OUT_OF_WINDOW);
			return;
		}
		if (v == CT_RST_WINDOW) {
			fl = 0;
			w->stats.rst_unconfirmed++;
		}
	}
	prev = (uint8_t)ct_update(w->ct, c, dir, fl, w->now);
	/* An RST sends nothing new: it never moves the mark it is judged by. */
	if (meta->proto == IPPROTO_TCP && !(meta->tcp_flags & RTE_TCP_RST_FLAG))
		ct_seq_seen(&w->ct_seqs[c - w->ct_conns], c, dir, fl,
			    meta->tcp_seq + (uint32_t)(meta->l4_len - meta->tcp_hlen) +
			    !!(fl & RTE_TCP_SYN_FLAG) + !!(fl & RTE_TCP_FIN_FLAG));
	if (ct_state_is_active(prev) != ct_state_is_active(c->state)) {
		wk_count_state(w, c, prev, -1);
		wk_count_state(w, c, c->state, 1);
	}
	if (unlikely(w->sync_out != NULL))
		wk_sync_seen(w, c, prev);

	if ((c->flags & CT_F_MODE_MASK) != SVC_MODE_DR &&
	    xlate_l3l4(frame, meta, other->dst_ip, other->src_ip, other->dst_port,
		       other->src_port, 1) != 0) {
		wk_drop(w, m, SL_DROP_TTL_EXCEEDED);
		return;
	}
	xlate_set_macs(frame, w->app->ports[port].mac.addr_bytes, mac->addr_bytes);
	w->be_traffic[c->backend_id].packets++;
	w->be_traffic[c->backend_id].bytes += rte_pktmbuf_pkt_len(m);
	w->svc_traffic[c->svc_id].packets++;
	w->svc_traffic[c->svc_id].bytes += rte_pktmbuf_pkt_len(m);
	wk_tx(w, port, m);
}

static void
wk_l4(struct worker *w, struct rte_mbuf *m, struct pkt_meta *meta,
      const struct ct_tuple *key, struct ct_conn *c, enum ct_dir dir, int steered)
{
	const struct snap_service *svc;
	uint32_t owner, src_nh;

	/* The bulk lookup ran before this burst's deletes, and an insert
	 * reuses the entry a delete frees: the entry found for this packet may
	 * since be gone, or be another connection's. Rare (a TIME_WAIT tuple
	 * reused, a reset), so only then look again. */
	if (unlikely(w->burst_del != 0) && c != NULL)
		c = ct_lookup(w->ct, meta->proto, key, &dir);
	if (c == NULL) {
		svc = snap_find_service(w->snap, meta->dst_ip, meta->dst_port, meta->proto);
		/* A backup appliance (ha.vips "follow") stays silent for a VIP it
		 * does not hold: no connection, no refusal. */
		if (unlikely(svc != NULL && !svc->held)) {
			wk_drop(w, m, SL_DROP_VIP_NOT_HELD);
			return;
		}
		if (unlikely(svc == NULL && snap_mcast_for_kernel(w->snap, meta->dst_ip))) {
			if (wk_to_kernel(w, m, w->port_index[m->port], meta, 0) != 0)
				wk_drop(w, m, SL_DROP_NOT_FOR_US);
			return;
		}
		if (!steered) {
			owner = steer_owner(w->snap, svc, meta, w->id);
			if (owner != w->id) {
				struct rte_ring *r = w->app->steer[owner * w->app->n_workers + w->id];

				if (rte_ring_sp_enqueue(r, m) != 0) {
					wk_drop(w, m, SL_DROP_STEER_FULL);
					return;
				}
				w->stats.steered_out++;
				return;
			}
		}
		if (svc == NULL) {
			uint8_t in_port = w->port_index[m->port];

			if (wk_is_port_addr(snap_find_local(w->snap, meta->dst_ip), in_port) &&
			    wk_to_kernel(w, m, in_port, meta, 0) == 0)
				return;
			wk_drop(w, m, SL_DROP_NOT_FOR_US);
			return;
		}
		/* The bulk lookup ran before this burst's inserts: a flow whose
		 * first packets share a burst (UDP, retransmitted SYNs) must find
		 * the entry its first packet made, not make a second one. */
		if (w->burst_new != 0) {
			c = ct_lookup(w->ct, meta->proto, key, &dir);
			if (c != NULL)
				goto forward;
		}
		/* Nor may it make one. */
		if (unlikely(meta->ttl <= 1) && svc->mode != SVC_MODE_DR) {
			wk_drop(w, m, SL_DROP_TTL_EXCEEDED);
			return;
		}
		if (unlikely(!wk_new_source_ok(w, m, meta, &src_nh)))
			return;
		c = wk_new_conn(w, svc, meta, key, m);
		if (c == NULL)
			return;
		w->burst_new++;
		wk_learn_source(w, m, meta, src_nh);
		dir = CT_DIR_ORIG;
	}
forward:
	wk_forward(w, m, meta, c, dir);
}

/*
 * Look-ahead for the burst's new connections. wk_new_conn checks that the
 * reply tuple is free, which reads a random index bucket: one full memory
 * latency per new connection when done in turn (the largest cost of a new
 * connection at 1 M+ entries, perf). Here each miss that wk_l4 will
 * schedule gets its backend predicted with the same sched_pick on the
 * worker's own cursor (restored afterwards, so the real picks are
 * unchanged) and its reply bucket prefetched, so the loads of the whole
 * burst overlap. Only a prefetch: lc/wlc predictions see the counts before
 * this burst's inserts, and a wrong guess costs one useless line, never a
 * different decision. FULLNAT is skipped (its local port is not taken yet).
 * Measured (bench_pipeline --scenario new, 1 M established, hugepages):
 * see docs/performance.md, "Pipeline benchmark".
 */
static void
wk_prefetch_replies(struct worker *w, const struct pkt_meta *meta,
		    const struct ct_tuple *keys, const uint16_t *l4idx,
		    struct ct_conn *const *conns, uint16_t n, int steered)
{
	struct sched_load_view view;
	uint32_t saved_pos[64];
	uint16_t saved_svc[64];
	uint16_t j, n_saved = 0;

	for (j = 0; j < n; j++) {
		const struct pkt_meta *mt = &meta[l4idx[j]];
		const struct snap_service *svc;
		const struct sched_backend *be;
		struct ct_tuple reply;
		int idx;

		if (conns[j] != NULL)
			continue;
		if (mt->proto == IPPROTO_TCP &&
		    (mt->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG)
			continue;
		svc = snap_find_service(w->snap, mt->dst_ip, mt->dst_port, mt->proto);
		if (svc == NULL || svc->mode == SVC_MODE_FULLNAT)
			continue;
		if (!steered && steer_owner(w->snap, svc, mt, w->id) != w->id)
			continue;
		if (n_saved == 0)
			wk_load_view(w, &view);
		saved_svc[n_saved] = svc->id;
		saved_pos[n_saved++] = w->cursors[svc->id].pos;
		idx = sched_pick(svc->sched, &w->cursors[svc->id],
				 wk_tuple_hash(mt->proto, &keys[l4idx[j]]), mt->src_ip, &view);
		if (idx < 0)
			continue;
		be = &svc->backends[idx];
		reply.src_ip = be->ip;
		reply.dst_ip = mt->src_ip;
		reply.src_port = be->port;
		reply.dst_port = mt->src_port;
		ct_prefetch(w->ct, mt->proto, &reply);
	}
	/* Backwards: a service picked twice gets its first saved position. */
	while (n_saved > 0) {
		n_saved--;
		w->cursors[saved_svc[n_saved]].pos = saved_pos[n_saved];
	}
}

/*
 * The port's 802.1Q rule. An untagged port takes no tagged frame: one would
 * be balanced and leave another port still tagged (VLAN hopping). A port
 * with a vlan takes only frames of that VID, and the tag goes before the
 * frame is read further, so the rest of the path, the kernel's TAP too,
 * sees it untagged (wk_tx tags what leaves). The tag is in the frame, or
 * in the mbuf when the driver stripped it (an af_packet kernel may; the
 * PMD then sets RX_VLAN_STRIPPED, or puts it back in the frame). Drops
 * and counts, or 1. Out of line: wk_vlan_rx is the common case's test.
 */
static __rte_noinline int
wk_vlan_check(struct worker *w, struct rte_mbuf *m, uint16_t vid, int stripped,
	      struct pkt_meta *meta)
{
	enum sl_drop reason;

	if (stripped && meta->has_vlan)
		reason = SL_DROP_VLAN_QINQ;
	else if (vid == 0)
		reason = SL_DROP_VLAN_ON_UNTAGGED;
	else if ((!stripped && !meta->has_vlan) ||
		 ((stripped ? m->vlan_tci : meta->vlan_tci) & RTE_VLAN_ID_MASK) != vid)
		reason = SL_DROP_VLAN_WRONG_VID;
	else
		goto untag;
	wk_drop(w, m, reason);
	return 0;
untag:
	if (meta->has_vlan) {
		(void)rte_vlan_strip(m);
		meta->l2_len = (uint16_t)(meta->l2_len - sizeof(struct rte_vlan_hdr));
		meta->has_vlan = 0;
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	return 1;
}

static inline int
wk_vlan_rx(struct worker *w, struct rte_mbuf *m, uint8_t in_port, struct pkt_meta *meta)
{
	uint16_t vid = w->app->ports[in_port].vlan;
	int stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;

	if (likely((vid | meta->has_vlan | stripped) == 0))
		return 1;
	return wk_vlan_check(w, m, vid, stripped, meta);
}

/* A unicast destination MAC that is not the port's own. */
static inline int
wk_other_mac(const struct worker *w, const struct rte_mbuf *m, uint8_t in_port)
{
	const struct rte_ether_addr *d = rte_pktmbuf_mtod(m, const struct rte_ether_addr *);

	return !rte_is_multicast_ether_addr(d) &&
	       !rte_is_same_ether_addr(d, &w->app->ports[in_port].mac);
}

/* Process n packets received on port in_port (or from hand-off rings). */
static void
wk_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n, int steered)
{
	struct pkt_meta meta[SL_MAX_BURST];
	struct ct_tuple keys[SL_MAX_BURST];
	const struct ct_tuple *keyp[64];
	uint8_t protos[64];
	struct ct_conn *conns[64];
	enum ct_dir dirs[64];
	uint16_t l4idx[64];
	uint16_t i, j, n_l4;
	uint16_t base;

	for (base = 0; base < n; base += 64) {
		uint16_t end = (uint16_t)RTE_MIN(n, base + 64);

		n_l4 = 0;
		for (i = base; i < end; i++) {
			struct rte_mbuf *m = pkts[i];
			uint8_t in_port = w->port_index[m->port];
			int kind;

			if (i + 1 < end)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			if (!steered) {
				w->stats.rx_packets++;
				w->stats.rx_bytes += rte_pktmbuf_pkt_len(m);
			}
			if (unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
				     RTE_MBUF_F_RX_IP_CKSUM_BAD)) {
				wk_drop(w, m, SL_DROP_BAD_IP_CSUM);
				pkts[i] = NULL;
				continue;
			}
			kind = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
					 rte_pktmbuf_data_len(m),
					 (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
					 RTE_MBUF_F_RX_IP_CKSUM_GOOD ? 0 : PKT_PARSE_VERIFY_IP_CSUM,
					 &meta[i]);
			if (unlikely(kind < 0)) {
				wk_drop(w, m, pkt_parse_reason(kind));
				pkts[i] = NULL;
				continue;
			}
			if (!steered && unlikely(!wk_vlan_rx(w, m, in_port, &meta[i]))) {
				pkts[i] = NULL;
				continue;
			}
			/* af_packet and af_xdp ports are promiscuous: a frame a
			 * bridge flooded to another host is none of ours (an HA
			 * backup would forward the master's traffic twice). */
			if (!steered && unlikely(wk_other_mac(w, m, in_port))) {
				wk_drop(w, m, SL_DROP_OTHER_MAC);
				pkts[i] = NULL;
				continue;
			}
			if (unlikely(kind == PKT_KIND_ARP)) {
				wk_arp(w, m, in_port, &meta[i]);
				pkts[i] = NULL;
				continue;
			}
			if (unlikely(meta[i].proto == IPPROTO_ICMP)) {
				wk_icmp(w, m, in_port, &meta[i], steered);
				pkts[i] = NULL;
				continue;
			}
			if (unlikely(meta[i].proto == PKT_PROTO_VRRP)) {
				wk_vrrp(w, m, in_port, &meta[i]);
				pkts[i] = NULL;
				continue;
			}
			keys[i].src_ip = meta[i].src_ip;
			keys[i].dst_ip = meta[i].dst_ip;
			keys[i].src_port = meta[i].src_port;
			keys[i].dst_port = meta[i].dst_port;
			keyp[n_l4] = &keys[i];
			protos[n_l4] = meta[i].proto;
			l4idx[n_l4++] = i;
		}
		if (n_l4 == 0)
			continue;
		ct_lookup_bulk(w->ct, protos, keyp, n_l4, conns, dirs);
		w->burst_new = 0;
		w->burst_del = 0;
		wk_prefetch_replies(w, meta, keys, l4idx, conns, n_l4, steered);
		for (j = 0; j < n_l4; j++) {
			i = l4idx[j];
			wk_l4(w, pkts[i], &meta[i], &keys[i], conns[j], dirs[j], steered);
		}
	}
}

/*
 * Tell c's client its connection is over, from the VIP: an RST at the end
 * of what the backend has sent (the client's RCV.NXT, so RFC 5961 stacks
 * take it at once). Where that is unknown (dr, whose replies bypass this
 * box) an ACK out of the client's window instead: its stack answers with
 * an ACK carrying its RCV.NXT, which wk_reset answers with the exact RST.
 * No route, no neighbour or no mbuf: nothing sent, the client's next
 * packet is answered then.
 */
static void
wk_reset_client(struct worker *w, const struct ct_conn *c)
{
	uint32_t seq = ct_tcp_end(w->ct, c, CT_DIR_REPLY), nh;
	const struct rte_ether_addr *mac;
	struct refuse_seg s;
	struct rte_mbuf *m;
	uint8_t port;

	if (snap_route(w->snap, c->orig.src_ip, &port, &nh) != 0)
		return;
	mac = wk_neigh_mac(w, port, nh);
	if (mac == NULL)
		return;
	m = rte_pktmbuf_alloc(w->app->ports[port].pool);
	if (m == NULL)
		return;
	s = (struct refuse_seg){
		.src_mac = w->app->ports[port].mac.addr_bytes,
		.dst_mac = mac->addr_bytes,
		.src_ip = c->orig.dst_ip,
		.dst_ip = c->orig.src_ip,
		.src_port = c->orig.dst_port,
		.dst_port = c->orig.src_port,
		.seq = seq,
		.flags = RTE_TCP_RST_FLAG,
	};
	if (seq == 0) {
		s.seq = ct_tcp_end(w->ct, c, CT_DIR_ORIG) + (1u << 31);
		s.ack = ct_tcp_end(w->ct, c, CT_DIR_ORIG);
		s.flags = RTE_TCP_ACK_FLAG;
	}
	m->data_len = (uint16_t)refuse_tcp_seg(rte_pktmbuf_mtod(m, uint8_t *), &s);
	m->pkt_len = m->data_len;
	w->stats.resets_sent++;
	wk_tx(w, port, m);
}

/*
 * A backend is DOWN and its service's policy is "reset": end its
 * connections now, not when each next sends (a client waiting on a
 * backend whose link was cut sends nothing, and would hang until its own
 * timeout). TCP: the client is told (wk_reset_client) and the entry goes
 * to CLOSE, so whatever the client sends meanwhile gets wk_reset's exact
 * RST; UDP: forgotten, as wk_reset does. A copy session sync installed
 * is only closed: the appliance that serves it tells the client.
 */
static int
wk_reset_visit(struct ct_conn *c, void *arg)
{
	struct worker *w = arg;
	uint64_t sent = w->stats.resets_sent;
	uint8_t prev = c->state;

	if (!snap_backend_reset(w->snap, c->backend_id) || prev == CT_CLOSE ||
	    prev == CT_TIME_WAIT)
		return 0;
	w->stats.conns_reset++;
	if (c->proto != IPPROTO_TCP) {
		ct_delete(w->ct, c);
		return 0;
	}
	if (!(c->flags & CT_F_SYNCED))
		wk_reset_client(w, c);
	ct_restore(w->ct, c, CT_CLOSE, w->now + w->snap->timeouts.ms[CT_CLOSE]);
	wk_count_state(w, c, prev, -1);
	wk_count_state(w, c, CT_CLOSE, 1);
	if (unlikely(w->sync_out != NULL) && !(c->flags & CT_F_SYNCED))
		wk_sync_seen(w, c, prev);
	/* A pass sends at most WK_RESET_SENDS: one TX burst, no stall. */
	return w->stats.resets_sent != sent && ++w->reset_sends == WK_RESET_SENDS;
}

static void
wk_reset_walk(struct worker *w)
{
	w->reset_sends = 0;
	w->reset_cursor = ct_walk_slice(w->ct, w->reset_cursor, WK_RESET_SLICE,
					wk_reset_visit, w);
	if (w->reset_cursor >= ct_capacity(w->ct))
		w->reset_walk = 0;
}

void
worker_pass_begin(struct worker *w)
{
	struct sl_app *app = w->app;

	w->now = (uint32_t)sl_now_ms(app, rte_rdtsc());
	w->snap = __atomic_load_n(&app->snap, __ATOMIC_ACQUIRE);
	if (unlikely(w->snap->gen != w->snap_gen)) {
		/* A reload may change timeouts; expiries already armed stay. */
		w->snap_gen = w->snap->gen;
		ct_set_timeouts(w->ct, &w->snap->timeouts);
		/* Snapshots only append local addresses (snap_rebuild), so this
		 * cannot fail; if it did, the table keeps its list unchanged
		 * and new FULLNAT connections to an unknown address are refused. */
		(void)ct_set_locals(w->ct, w->snap->laddrs, w->snap->n_laddrs);
		/* Every publication may have put a backend DOWN under policy
		 * reset; the walk skips what it has already closed. */
		w->reset_walk = (uint8_t)w->snap->any_reset;
		w->reset_cursor = 0;
	}
	w->neigh = __atomic_load_n(&app->neigh, __ATOMIC_ACQUIRE);
	w->load = __atomic_load_n(&app->load, __ATOMIC_ACQUIRE);
	if (unlikely(w->reset_walk))
		wk_reset_walk(w);
}

void
worker_process(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	wk_burst(w, pkts, n, 0);
}

struct wk_mail_walk {
	struct worker *w;
	struct mail *m;
};

static int
wk_mail_visit(struct ct_conn *c, void *arg)
{
	struct wk_mail_walk *mw = arg;
	struct mail *m = mw->m;

	if ((m->svc_id != UINT32_MAX && c->svc_id != m->svc_id) ||
	    (m->backend_id != UINT32_MAX && c->backend_id != m->backend_id) ||
	    (m->client_ip != 0 && c->orig.src_ip != m->client_ip))
		return 0;
	if (m->op == MAIL_DUMP) {
		ct_get_info(mw->w->ct, c, &m->out[m->n++]);
		return m->n == m->max;
	}
	ct_delete(mw->w->ct, c);
	m->n++;
	return 0;
}

/*
 * One slice of the current mail, so no pass stalls on it. Mail whose
 * requester left (timed out) is dropped at the next slice, unfinished: no
 * one would read the answer, and a full table walk can take minutes.
 */
static void
wk_mailbox(struct worker *w)
{
	struct wk_mail_walk mw = { .w = w };
	struct mail *m = w->job;

	if (m == NULL) {
		m = mail_take(w->mailbox);
		if (m == NULL)
			return;
		m->cursor = 0;
		m->n = 0;
		w->job = m;
	}
	if (mail_abandoned(m)) {
		w->job = NULL;
		mail_put(m);
		return;
	}
	mw.m = m;
	if (m->op == MAIL_DUMP || m->op == MAIL_FLUSH)
		m->cursor = ct_walk_slice(w->ct, m->cursor, WK_MAIL_SLICE, wk_mail_visit, &mw);
	else
		m->cursor = ct_capacity(w->ct);
	if (m->cursor >= ct_capacity(w->ct) || (m->op == MAIL_DUMP && m->n == m->max)) {
		w->job = NULL;
		mail_answer(m);
	}
}

void
worker_pass_end(struct worker *w)
{
	uint32_t p;

	for (p = 0; p < w->app->n_ports; p++)
		wk_tx_flush(w, p);
	ct_expire(w->ct, w->now, w->expire_budget);
	if (w->sync_in != NULL)
		worker_sync_pass(w);
	if (unlikely(w->job != NULL || !rte_ring_empty(w->mailbox)))
		wk_mailbox(w);
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct sl_app *app = w->app;
	struct rte_mbuf *pkts[SL_MAX_BURST];
	uint32_t p, s;

	rte_rcu_qsbr_thread_register(app->rcu, w->id);
	rte_rcu_qsbr_thread_online(app->rcu, w->id);
	while (!app->stop) {
		uint32_t got = 0;

		worker_pass_begin(w);
		for (p = 0; p < app->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(app->ports[p].port_id,
						      (uint16_t)w->id, pkts,
						      (uint16_t)w->burst);

			if (n > 0) {
				got += n;
				wk_burst(w, pkts, n, 0);
			}
		}
		for (s = 0; s < app->n_workers; s++) {
			unsigned int n;

			if (s == w->id)
				continue;
			n = rte_ring_sc_dequeue_burst(app->steer[w->id * app->n_workers + s],
						      (void **)pkts, w->burst, NULL);
			if (n > 0) {
				got += n;
				w->stats.steered_in += n;
				wk_burst(w, pkts, (uint16_t)n, 1);
			}
		}
		if (w->id == 0) {
			unsigned int n = rte_ring_sc_dequeue_burst(app->ctl_tx, (void **)pkts,
								   w->burst, NULL);

			for (s = 0; s < n; s++)
				wk_tx(w, w->port_index[pkts[s]->port], pkts[s]);
		}
		worker_pass_end(w);
		rte_rcu_qsbr_quiescent(app->rcu, w->id);
		if (got == 0 && w->idle_sleep_us != 0)
			rte_delay_us_sleep(w->idle_sleep_us);
	}
	rte_rcu_qsbr_thread_offline(app->rcu, w->id);
	rte_rcu_qsbr_thread_unregister(app->rcu, w->id);
	return 0;
}
