/*
 * Session sync on the control lcore (see sync.h).
 *
 * Sending: each tick drains the workers' rings (bounded), packs records
 * into full messages and sends each to every unicast peer and to the
 * multicast group; what is left in a batch goes at the end of the tick,
 * so a record waits at most one tick here. Receiving: each tick reads a
 * bounded number of datagrams; a message is believed only after its MAC,
 * group, sender and replay checks (sync_wire.c), and its records go to
 * the worker that owns each connection by the steering rules
 * (steer_sync_owner), through that worker's install ring.
 *
 * Peers are known by node id. A peer is met by its HELLO; records from a
 * peer not met, or refused (a FULLNAT port range unlike ours, so its
 * local ports would land on the wrong workers here), are refused whole.
 * On first meeting a peer after start-up this appliance asks it for its
 * table (BULK_REQ): the peer's workers walk their tables into their rings,
 * and a BULK_END follows the last record. That is what makes a restarted
 * appliance whole again before it takes its VIPs back.
 * Worker counts need not match: the receiver finds the owner by its own
 * rules, and a FULLNAT port names its owner in either appliance.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "../dataplane/log.h"
#include "../dataplane/steer.h"
#include "../dataplane/worker.h"
#include "config.h"
#include "sync.h"

#define SYNC_RX_BUDGET 256                  /* datagrams read a tick */
#define SYNC_TX_BUDGET (64 * SYNC_MAX_RECS) /* records sent a tick */
#define SYNC_HELLO_MS 1000
#define SYNC_SOCKBUF (4 << 20)

struct sync_state {
	int fd;
	struct sync_key key;
	uint32_t epoch;
	uint32_t seq;
	struct sync_rec batch[SYNC_MAX_RECS];
	uint32_t n_batch;
	uint64_t last_hello_ms;
	uint64_t start_ms;
	uint32_t node, group;               /* restart-only: readers need no config */
	int ready;                          /* latched: see sync_status.ready */
	uint32_t bulk_pending;              /* workers still walking for a request */
	uint8_t bulk_todo[SL_MAX_WORKERS];  /* start not yet in its ring */
	int bulk_again;                     /* another request came meanwhile */
	uint64_t bulk_served;
	struct sync_replay win[SYNC_MAX_PEERS];
	struct sync_peer_status peers[SYNC_MAX_PEERS];
	uint32_t n_peers;
	uint64_t rejects[SYNC_R__COUNT];
	pthread_mutex_t lock;               /* all of the above, for sync_status */
	uint8_t rx[SYNC_MAX_MSG + 1];       /* one more: a longer datagram is seen */
	uint8_t tx[SYNC_MAX_MSG];
	struct sync_rec recs[SYNC_MAX_RECS];
};

static struct sync_state *sy;

static void
send_to(struct sl_app *app, size_t len, uint32_t addr)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(app->cfg->sync.port),
				  .sin_addr.s_addr = addr };

	if (sendto(sy->fd, sy->tx, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
		sl_ctl_add(&app->sync_msgs_sent, 1);
	else
		sl_ctl_add(&app->sync_send_failed, 1);
}

/* One message of type with n records, to one address, or (0) to all. */
static void
send_msg(struct sl_app *app, uint8_t type, const struct sync_rec *recs, uint32_t n,
	 uint32_t only)
{
	const struct cfg_sync *y = &app->cfg->sync;
	struct sync_hdr h = {
		.type = type, .group = y->group, .sender = y->node_id, .epoch = sy->epoch,
		.seq = ++sy->seq, .workers = (uint16_t)app->n_workers,
		.lport_min = app->cfg->lport_min, .lport_max = app->cfg->lport_max,
	};
	size_t len = sync_encode(sy->tx, &sy->key, &h, recs, n);
	uint32_t i;

	if (len == 0) {
		/* Workers queue only what the wire carries: not reached. */
		sl_ctl_add(&app->sync_send_failed, 1);
		return;
	}
	sl_ctl_add(&app->sync_records_sent, n);
	if (only != 0) {
		send_to(app, len, only);
		return;
	}
	for (i = 0; i < y->n_peers; i++)
		send_to(app, len, y->peers[i]);
	if (y->mcast != 0)
		send_to(app, len, y->mcast);
}

static void
flush(struct sl_app *app)
{
	if (sy->n_batch == 0)
		return;
	send_msg(app, SYNC_T_CONNS, sy->batch, sy->n_batch, 0);
	sy->n_batch = 0;
}

/* Give every worker still without it the start of a bulk walk. */
static void
bulk_kick(struct sl_app *app)
{
	struct sync_rec r = { .kind = SYNC_K_BULK_START };
	uint32_t w;

	for (w = 0; w < app->n_workers; w++)
		if (sy->bulk_todo[w] &&
		    rte_ring_sp_enqueue_elem(app->workers[w]->sync_in, &r, sizeof(r)) == 0)
			sy->bulk_todo[w] = 0;
}

static void
bulk_start(struct sl_app *app)
{
	if (sy->bulk_pending != 0) {
		sy->bulk_again = 1;
		return;
	}
	sy->bulk_pending = app->n_workers;
	memset(sy->bulk_todo, 1, app->n_workers);
	bulk_kick(app);
}

/* A worker's walk ended; the last one ends the transfer. */
static void
bulk_done(struct sl_app *app)
{
	if (sy->bulk_pending == 0 || --sy->bulk_pending != 0)
		return;
	flush(app);
	send_msg(app, SYNC_T_BULK_END, NULL, 0, 0);
	sy->bulk_served++;
	if (sy->bulk_again) {
		sy->bulk_again = 0;
		bulk_start(app);
	}
}

static void
drain(struct sl_app *app)
{
	struct sync_rec r[64];
	uint32_t w, budget = SYNC_TX_BUDGET, n, i;

	for (w = 0; w < app->n_workers && budget > 0; w++) {
		do {
			n = rte_ring_sc_dequeue_burst_elem(app->workers[w]->sync_out, r, sizeof(r[0]),
							   budget < 64 ? budget : 64, NULL);
			budget -= n;
			for (i = 0; i < n; i++) {
				if (r[i].kind == SYNC_K_BULK_DONE) {
					bulk_done(app);
					continue;
				}
				sy->batch[sy->n_batch++] = r[i];
				if (sy->n_batch == SYNC_MAX_RECS)
					flush(app);
			}
		} while (n == 64 && budget > 0);
	}
	flush(app);
}

static void
reject(enum sync_reject r)
{
	sy->rejects[r]++;
}

static struct sync_peer_status *
peer_get(uint32_t node, uint32_t *idx)
{
	uint32_t i;

	for (i = 0; i < sy->n_peers; i++)
		if (sy->peers[i].node == node)
			break;
	if (i == sy->n_peers) {
		if (sy->n_peers == SYNC_MAX_PEERS)
			return NULL;
		memset(&sy->peers[i], 0, sizeof(sy->peers[i]));
		memset(&sy->win[i], 0, sizeof(sy->win[i]));
		sy->peers[i].node = node;
		sy->n_peers++;
	}
	*idx = i;
	return &sy->peers[i];
}

static void
peer_hello(struct sl_app *app, struct sync_peer_status *p, const struct sync_hdr *h,
	   uint64_t now)
{
	const struct cfg *c = app->cfg;
	char b[INET_ADDRSTRLEN];
	int refused = h->lport_min != c->lport_min || h->lport_max != c->lport_max;

	p->workers = h->workers;
	p->lport_min = h->lport_min;
	p->lport_max = h->lport_max;
	if (refused && !p->refused)
		SL_LOG(ERR, ctl, "sync: node %u (%s) refused: its FULLNAT ports %u-%u are not ours "
		       "(%u-%u); both must have the same fullnat.port_min and port_max",
		       p->node, cfg_ip_str(p->addr, b), h->lport_min, h->lport_max,
		       c->lport_min, c->lport_max);
	if (refused)
		snprintf(p->why, sizeof(p->why), "FULLNAT ports %u-%u, ours %u-%u",
			 h->lport_min, h->lport_max, c->lport_min, c->lport_max);
	else
		p->why[0] = '\0';
	p->refused = (uint8_t)refused;
	if (p->met)
		return;
	p->met = 1;
	SL_LOG(NOTICE, ctl, "sync: met node %u at %s (%u workers)%s", p->node,
	       cfg_ip_str(p->addr, b), h->workers, refused ? ", refused" : "");
	/* It hears from us now rather than at our next HELLO. */
	send_msg(app, SYNC_T_HELLO, NULL, 0, p->addr);
	if (!refused && p->bulk == SYNC_BULK_NONE) {
		send_msg(app, SYNC_T_BULK_REQ, NULL, 0, p->addr);
		p->bulk = SYNC_BULK_ASKED;
		p->bulk_asked_ms = now;
	}
}

/* This appliance has r's service, in r's mode, and r's backend in it. */
static int
known(const struct snapshot *s, const struct sync_rec *r)
{
	const struct snap_service *svc = snap_find_service(s, r->vaddr, r->vport, r->proto);

	return svc != NULL && svc->mode == r->mode &&
	       snap_find_backend(svc, r->daddr, r->dport) != NULL;
}

uint32_t
sync_hand_out(struct sl_app *app, struct sync_rec *recs, uint32_t n)
{
	const struct snapshot *s = app->snap;
	uint32_t i, lost = 0, unknown = 0;

	for (i = 0; i < n; i++) {
		uint32_t w = steer_sync_owner(s, recs[i].mode, recs[i].caddr, recs[i].cport,
					      recs[i].lport);

		/* Refused here, record by record: a service one appliance of the
		 * pair has and the other not yet (a reload in progress) must not
		 * cost the other services' connections their copies. */
		if (!known(s, &recs[i])) {
			unknown++;
			continue;
		}
		recs[i].kind = SYNC_K_CONN;
		if (rte_ring_sp_enqueue_elem(app->workers[w]->sync_in, &recs[i],
					     sizeof(recs[i])) != 0)
			lost++;
	}
	sl_ctl_add(&app->sync_records_received, n);
	sl_ctl_add(&app->sync_records_unknown, unknown);
	sl_ctl_add(&app->sync_records_dropped, lost);
	return lost;
}

static void
handle(struct sl_app *app, size_t len, uint32_t from, uint64_t now)
{
	const struct cfg_sync *y = &app->cfg->sync;
	struct sync_peer_status *p;
	struct sync_hdr h;
	enum sync_reject r;
	uint32_t n, idx;

	r = sync_decode(sy->rx, len, &sy->key, y->group, &h, sy->recs, &n);
	if (r != SYNC_OK) {
		reject(r);
		return;
	}
	if (h.sender == y->node_id) {
		reject(SYNC_R_self);
		return;
	}
	p = peer_get(h.sender, &idx);
	if (p == NULL) {
		reject(SYNC_R_peer);
		return;
	}
	r = sync_replay_accept(&sy->win[idx], h.epoch, h.seq);
	if (r != SYNC_OK) {
		reject(r);
		return;
	}
	if (h.epoch != p->epoch) {
		/* It restarted: it must say hello again before it is believed. */
		p->epoch = h.epoch;
		p->met = 0;
	}
	p->addr = from;
	if (h.type == SYNC_T_HELLO) {
		peer_hello(app, p, &h, now);
	} else if (!p->met || p->refused) {
		reject(SYNC_R_peer);
		return;
	} else if (h.type == SYNC_T_CONNS) {
		(void)sync_hand_out(app, sy->recs, n);
		p->records += n;
		if (p->bulk == SYNC_BULK_ASKED)
			p->bulk_records += n;
	} else if (h.type == SYNC_T_BULK_REQ) {
		SL_LOG(NOTICE, ctl, "sync: node %u asks for our connections", p->node);
		bulk_start(app);
	} else if (h.type == SYNC_T_BULK_END && p->bulk == SYNC_BULK_ASKED) {
		p->bulk = SYNC_BULK_DONE;
		p->bulk_done_ms = now;
		SL_LOG(NOTICE, ctl, "sync: bulk from node %u done: %" PRIu64 " records in %" PRIu64
		       " ms", p->node, p->bulk_records, now - p->bulk_asked_ms);
	}
	p->last_ms = now;
	p->msgs++;
	sl_ctl_add(&app->sync_msgs_received, 1);
}

static void
receive(struct sl_app *app, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < SYNC_RX_BUDGET; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(sy->fd, sy->rx, sizeof(sy->rx), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			return;
		handle(app, (size_t)n, from.sin_addr.s_addr, now);
	}
}

void
sync_poll(struct sl_app *app, uint64_t now)
{
	if (sy == NULL)
		return;
	pthread_mutex_lock(&sy->lock);
	receive(app, now);
	if (sy->bulk_pending != 0)
		bulk_kick(app);
	drain(app);
	if (now - sy->last_hello_ms >= SYNC_HELLO_MS) {
		sy->last_hello_ms = now;
		send_msg(app, SYNC_T_HELLO, NULL, 0, 0);
	}
	pthread_mutex_unlock(&sy->lock);
}

/* The kernel interface of the port that has the source address. */
static const char *
source_tap(const struct sl_app *app)
{
	const struct cfg *c = app->cfg;
	uint32_t p, a;

	for (p = 0; p < c->n_ports; p++)
		for (a = 0; a < c->ports[p].n_addrs; a++)
			if (c->ports[p].addrs[a].ip == c->sync.source && app->ports[p].has_tap)
				return app->ports[p].tap_name;
	return NULL;
}

static int
open_socket(const struct sl_app *app, const char *tap)
{
	const struct cfg_sync *y = &app->cfg->sync;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(y->port) };
	struct ip_mreqn mr = { .imr_address.s_addr = y->source,
			       .imr_ifindex = (int)if_nametoindex(tap) };
	int fd, one = 1, zero = 0, buf = SYNC_SOCKBUF;
	const char *what;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Bigger buffers where root may have them; the defaults otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	what = "SO_REUSEADDR";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	what = "SO_BINDTODEVICE";
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, tap, (socklen_t)strlen(tap)) != 0)
		goto fail;
	what = "bind";
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	if (y->mcast != 0) {
		struct ip_mreqn join = mr;
		int ttl = 1;

		join.imr_multiaddr.s_addr = y->mcast;
		what = "multicast";
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) != 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) != 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) != 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof(join)) != 0)
			goto fail;
	}
	return fd;
fail:
	SL_LOG(ERR, ctl, "sync: socket on %s, port %u: %s: %s", tap, y->port, what,
	       strerror(errno));
	close(fd);
	errno = 0;
	return -2;
}

int
sync_init(struct sl_app *app)
{
	const struct cfg_sync *y = &app->cfg->sync;
	const char *tap;
	char b[INET_ADDRSTRLEN];

	if (!y->on)
		return 0;
	tap = source_tap(app);
	if (tap == NULL) {
		SL_LOG(ERR, ctl, "sync: source %s has no kernel interface to send from",
		       cfg_ip_str(y->source, b));
		return -1;
	}
	sy = calloc(1, sizeof(*sy));
	if (sy == NULL)
		return -1;
	pthread_mutex_init(&sy->lock, NULL);
	memcpy(sy->key.bytes, y->key, y->key_len);
	sy->key.len = y->key_len;
	/* Receivers keep a window per sender and epoch: a restart starts a
	 * new one, so its sequence numbers are not taken for replays. */
	sy->node = y->node_id;
	sy->group = y->group;
	sy->epoch = (uint32_t)time(NULL);
	sy->start_ms = sl_now_ms(app, rte_rdtsc());
	sy->fd = open_socket(app, tap);
	if (sy->fd < 0) {
		if (sy->fd == -1)
			SL_LOG(ERR, ctl, "sync: socket: %s", strerror(errno));
		sync_fini();
		return -1;
	}
	SL_LOG(NOTICE, ctl, "sync: node %u, group %u, from %s:%u on %s, %u peers%s", y->node_id,
	       y->group, cfg_ip_str(y->source, b), y->port, tap, y->n_peers,
	       y->mcast != 0 ? " and multicast" : "");
	return 0;
}

void
sync_fini(void)
{
	if (sy == NULL)
		return;
	if (sy->fd >= 0)
		close(sy->fd);
	pthread_mutex_destroy(&sy->lock);
	/* The key is a secret: not left in freed memory. */
	OPENSSL_cleanse(&sy->key, sizeof(sy->key));
	free(sy);
	sy = NULL;
}

void
sync_status(const struct sl_app *app, struct sync_status *out)
{
	uint32_t w, i, met = 0, pending = 0;

	memset(out, 0, sizeof(*out));
	out->ready = 1;
	if (sy == NULL)
		return;
	out->on = 1;
	out->node = sy->node;
	out->group = sy->group;
	out->now_ms = sl_now_ms(app, rte_rdtsc());
	for (w = 0; w < app->n_workers; w++)
		out->queued += rte_ring_count(app->workers[w]->sync_out);
	pthread_mutex_lock(&sy->lock);
	out->epoch = sy->epoch;
	memcpy(out->rejects, sy->rejects, sizeof(out->rejects));
	out->bulk_served = sy->bulk_served;
	out->bulk_serving = sy->bulk_pending != 0;
	out->n_peers = sy->n_peers;
	memcpy(out->peers, sy->peers, sy->n_peers * sizeof(sy->peers[0]));
	for (i = 0; i < sy->n_peers; i++) {
		const struct sync_peer_status *p = &sy->peers[i];

		if (!p->met || p->refused)
			continue;
		met++;
		pending += p->bulk != SYNC_BULK_DONE &&
			   out->now_ms - p->last_ms < SYNC_PEER_DOWN_MS &&
			   out->now_ms - p->bulk_asked_ms < SYNC_BULK_GIVEUP_MS;
	}
	if (pending == 0 && (met > 0 || out->now_ms - sy->start_ms >= SYNC_ALONE_MS))
		sy->ready = 1;
	out->ready = sy->ready;
	pthread_mutex_unlock(&sy->lock);
}
