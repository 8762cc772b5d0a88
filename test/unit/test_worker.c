/*
 * The worker's packet path, in-process: parse -> bulk lookup -> schedule ->
 * rewrite -> TX of one worker on two net_null ports, fed frames that
 * pktbuild writes and judged by the worker's counters, its TX buffers and
 * its connection table.
 *
 * Unlike the other suites this one needs EAL: ports, their mempools and the
 * worker's table are EAL objects, and a process can set up EAL, a port or a
 * named pool only once. So the suite's init starts an appliance in the
 * process (inproc.h: EAL, a config naming two net_null ports, app_init()
 * with one worker) and publishes a neighbour table in app.neigh as no
 * control lcore runs, its cleanup undoes it, and each test gets a fresh
 * worker 0: an empty table and zeroed counters. The main lcore acts as the
 * worker, as worker_main() would: worker_pass_begin, bursts "received",
 * worker_pass_end (TX flush to net_null, which frees the mbufs).
 * Threading: one thread, the EAL main lcore.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "control/config.h"
#include "control/snapshot.h"
#include "dataplane/app.h"
#include "dataplane/conntrack.h"
#include "dataplane/neigh.h"
#include "dataplane/pkt.h"
#include "dataplane/sync_rec.h"
#include "dataplane/worker.h"
#include "dataplane/xlate.h"
#include "inproc.h"
#include "test/lib/pktbuild.h"
#include "test_worker.h"
#include "unit.h"


/*
 * Two TCP services with the same single backend (one client endpoint can
 * reach the backend's endpoint through either: the case wk_new_conn's
 * TIME_WAIT takeover handles) and a UDP one. Timeouts of an hour: no entry
 * expires mid-test however slow the machine (ASan). A small pool and table:
 * EAL runs with --no-huge and little memory.
 */
static const char config_text[] =
	"workers: { burst = 32; mbufs_per_port = 1024; };\n"
	"conntrack: { capacity = 1024; timeouts = { syn_sent = 3600; syn_recv = 3600;\n"
	"  established = 3600; fin_wait = 3600; close_wait = 3600; time_wait = 3600;\n"
	"  close = 3600; udp = 3600; }; };\n"
	INPROC_PORTS
	"services = (\n"
	"  { name = \"web1\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\";\n"
	"    scheduler = \"rr\"; forward = \"nat\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; } ); },\n"
	"  { name = \"web2\"; vip = \"198.18.0.11\"; port = 80; protocol = \"tcp\";\n"
	"    scheduler = \"rr\"; forward = \"nat\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; } ); },\n"
	"  { name = \"dns\"; vip = \"198.18.0.10\"; port = 53; protocol = \"udp\";\n"
	"    scheduler = \"rr\"; forward = \"nat\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 5353; } ); },\n"
	"  { name = \"fweb\"; vip = \"198.18.0.12\"; port = 80; protocol = \"tcp\";\n"
	"    scheduler = \"rr\"; forward = \"fullnat\"; local_addresses = [ \"198.18.1.2\" ];\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; } ); },\n"
	"  { name = \"dweb\"; vip = \"198.18.0.13\"; port = 80; protocol = \"tcp\";\n"
	"    scheduler = \"rr\"; forward = \"dr\";\n"
	"    backends = ( { address = \"198.18.1.11\"; } ); }\n"
	");\n";

const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };
const uint8_t backend_mac[6] = { 0x02, 0x00, 0x00, 0x01, 0x00, 0x0b };

struct sl_app app;
static uint16_t port_mtu[2];    /* as app_init() found them */
static struct cfg *cfg;
static unsigned int lcore;
struct worker *w;

/* Set-up */

static int
publish_neighbours(void)
{
	struct neigh_entry e[2];

	memset(e, 0, sizeof(e));
	e[0].ip = htonl(IP_GW);
	e[0].port = SIDE_CLIENT;
	memcpy(e[0].mac.addr_bytes, gw_mac, 6);
	e[1].ip = htonl(IP_BACKEND);
	e[1].port = SIDE_BACKEND;
	memcpy(e[1].mac.addr_bytes, backend_mac, 6);
	app.neigh = neigh_table_build(e, 2);
	return app.neigh != NULL ? 0 : -1;
}

static int
suite_init(void)
{
	if (inproc_start("test_worker", config_text, 1, 64, &app, &cfg) != 0)
		return -1;
	lcore = inproc_lcore();
	port_mtu[SIDE_CLIENT] = app.ports[SIDE_CLIENT].mtu;
	port_mtu[SIDE_BACKEND] = app.ports[SIDE_BACKEND].mtu;
	if (publish_neighbours() != 0) {
		inproc_stop(&app, &cfg);
		return -1;
	}
	return 0;
}

static int
suite_cleanup(void)
{
	neigh_table_free(app.neigh);
	app.neigh = NULL;
	return inproc_stop(&app, &cfg);
}

/* Each test: a new worker 0, as app_init() makes it, with a fixed hash seed. */
static void
setup(void)
{
	struct wk_params wp;

	app.ports[SIDE_CLIENT].vlan = 0;
	app.ports[SIDE_BACKEND].vlan = 0;
	app.ports[SIDE_CLIENT].mtu = port_mtu[SIDE_CLIENT];
	app.ports[SIDE_BACKEND].mtu = port_mtu[SIDE_BACKEND];
	app_worker_params(cfg, &wp);
	worker_destroy(app.workers[0]);
	app.workers[0] = worker_create(&app, 0, lcore, &wp, app.snap);
	w = app.workers[0];
	if (w != NULL)
		(void)ct_set_seed(w->ct, 0x5eed);
}

/* Frames */

/* A TCP segment with no payload arriving on `side` from its neighbour. */
void
tcp_spec(struct pb_spec *s, enum side side, uint32_t src, uint16_t sport, uint32_t dst,
	 uint16_t dport, uint8_t flags)
{
	pb_default(s, IPPROTO_TCP);
	memcpy(s->dst_mac, app.ports[side].mac.addr_bytes, 6);
	memcpy(s->src_mac, side == SIDE_CLIENT ? gw_mac : backend_mac, 6);
	s->src_ip = src;
	s->src_port = sport;
	s->dst_ip = dst;
	s->dst_port = dport;
	s->tcp_flags = flags;
	s->payload_len = 0;
}

/* The client's endpoint to vip:80. */
void
from_client(struct pb_spec *s, uint32_t vip, uint8_t flags)
{
	tcp_spec(s, SIDE_CLIENT, IP_CLIENT, CLIENT_PORT, vip, VIP_PORT, flags);
}

/* The client's datagram to VIP1's DNS service, from the same port. */
void
dns_from_client(struct pb_spec *s)
{
	pb_default(s, IPPROTO_UDP);
	memcpy(s->dst_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
	memcpy(s->src_mac, gw_mac, 6);
	s->src_ip = IP_CLIENT;
	s->src_port = CLIENT_PORT;
	s->dst_ip = IP_VIP1;
	s->dst_port = DNS_PORT;
}

/* The backend's endpoint to the client's (NAT: the client sees the VIP). */
static void
from_backend(struct pb_spec *s, uint8_t flags)
{
	tcp_spec(s, SIDE_BACKEND, IP_BACKEND, BACKEND_PORT, IP_CLIENT, CLIENT_PORT, flags);
}

/* An mbuf as `side`'s port receives the frame. */
static void
fill_rx(struct rte_mbuf *m, enum side side, const uint8_t *frame, uint32_t len)
{
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = app.ports[side].port_id;
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

/*
 * Hand the worker one burst received on `side`, built from specs, within
 * the current pass, with the driver's ol_flags and vlan_tci (a tag it
 * stripped). The worker consumes every mbuf (sent or freed).
 */
static void
rx_burst_ol(enum side side, const struct pb_spec *specs, unsigned int n,
	    uint64_t ol_flags, uint16_t vlan_tci)
{
	struct rte_mbuf *m[MAX_RX];
	uint8_t frame[PB_MAX_FRAME];
	unsigned int i;
	uint32_t len;

	CU_ASSERT_FATAL(n <= MAX_RX);
	CU_ASSERT_FATAL(rte_pktmbuf_alloc_bulk(app.ports[side].pool, m, n) == 0);
	for (i = 0; i < n; i++) {
		len = pb_ipv4(frame, &specs[i]);
		fill_rx(m[i], side, frame, len);
		m[i]->ol_flags = ol_flags;
		m[i]->vlan_tci = vlan_tci;
	}
	worker_process(w, m, (uint16_t)n);
}

static void
rx_burst(enum side side, const struct pb_spec *specs, unsigned int n)
{
	rx_burst_ol(side, specs, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD, 0);
}

void
rx_frame(enum side side, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(app.ports[side].pool);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill_rx(m, side, frame, len);
	worker_process(w, &m, 1);
}

/* One loop pass that receives a single burst. */
void
pass(enum side side, const struct pb_spec *specs, unsigned int n)
{
	worker_pass_begin(w);
	rx_burst(side, specs, n);
	worker_pass_end(w);
}

/* Checks */

uint64_t
drops_total(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		n += w->stats.drops[i];
	return n;
}

/* The connection whose orig tuple is client:port -> vip:vport, or NULL. */
struct ct_conn *
conn_of(uint8_t proto, uint32_t vip, uint16_t vport)
{
	struct ct_tuple key = {
		.src_ip = htonl(IP_CLIENT), .dst_ip = htonl(vip),
		.src_port = htons(CLIENT_PORT), .dst_port = htons(vport),
	};
	enum ct_dir dir;
	struct ct_conn *c = ct_lookup(w->ct, proto, &key, &dir);

	if (c != NULL)
		CU_ASSERT_EQUAL(dir, CT_DIR_ORIG);
	return c;
}

static uint32_t
svc_id_of(uint32_t vip, uint16_t vport, uint8_t proto)
{
	const struct snap_service *svc = snap_find_service(app.snap, htonl(vip), htons(vport),
							   proto);

	CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
	return svc->id;
}

/* Every mbuf is back in its pool (per-lcore caches included). */
void
assert_mbufs_home(void)
{
	uint32_t p;

	for (p = 0; p < app.n_ports; p++)
		CU_ASSERT_EQUAL(rte_mempool_avail_count(app.ports[p].pool),
				app.ports[p].pool->size);
}

/*
 * Take the client's connection to vip through a whole TCP life, one
 * segment per pass, to TIME_WAIT: the handshake, then a FIN from each side,
 * each acknowledged (conntrack.c, ct_tcp_next). Every segment is forwarded;
 * returns how many there were. Starts from a fresh worker.
 */
static uint64_t
close_to_time_wait(uint32_t vip)
{
	static const struct {
		enum side side;
		uint8_t flags;
		enum ct_state after;
	} steps[] = {
		{ SIDE_CLIENT, RTE_TCP_SYN_FLAG, CT_SYN_SENT },
		{ SIDE_BACKEND, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, CT_SYN_RECV },
		{ SIDE_CLIENT, RTE_TCP_ACK_FLAG, CT_ESTABLISHED },
		{ SIDE_CLIENT, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, CT_FIN_WAIT },
		{ SIDE_BACKEND, RTE_TCP_ACK_FLAG, CT_CLOSE_WAIT },
		{ SIDE_BACKEND, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, CT_TIME_WAIT },
		{ SIDE_CLIENT, RTE_TCP_ACK_FLAG, CT_TIME_WAIT },
	};
	struct ct_conn *c;
	struct pb_spec s;
	unsigned int i;

	for (i = 0; i < RTE_DIM(steps); i++) {
		if (steps[i].side == SIDE_CLIENT)
			from_client(&s, vip, steps[i].flags);
		else
			from_backend(&s, steps[i].flags);
		pass(steps[i].side, &s, 1);
		c = conn_of(IPPROTO_TCP, vip, VIP_PORT);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		CU_ASSERT_EQUAL_FATAL(c->state, steps[i].after);
	}
	CU_ASSERT_EQUAL_FATAL(w->stats.conns_created, 1);
	CU_ASSERT_EQUAL_FATAL(w->stats.tx_packets, RTE_DIM(steps));
	CU_ASSERT_EQUAL_FATAL(drops_total(), 0);
	return RTE_DIM(steps);
}

/* Tests */

/*
 * A client's SYN to a NAT service: one connection in SYN_SENT, and the SYN
 * leaves port 1 to the backend, rewritten exactly as a builder of that
 * packet writes it (addresses, port, TTL, both checksums, MACs).
 */
static void
test_nat_syn(void)
{
	struct pb_spec syn, want;
	uint8_t frame[PB_MAX_FRAME];
	struct rte_mbuf *out;
	struct ct_conn *c;
	uint32_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	from_client(&syn, IP_VIP1, RTE_TCP_SYN_FLAG);
	want = syn;
	memcpy(want.dst_mac, backend_mac, 6);
	memcpy(want.src_mac, app.ports[SIDE_BACKEND].mac.addr_bytes, 6);
	want.dst_ip = IP_BACKEND;
	want.dst_port = BACKEND_PORT;
	want.ttl = (uint8_t)(syn.ttl - 1);
	len = pb_ipv4(frame, &want);

	worker_pass_begin(w);
	rx_burst(SIDE_CLIENT, &syn, 1);
	/* Until the pass ends the packet waits in the worker's TX buffer. */
	CU_ASSERT_EQUAL(w->tx[SIDE_CLIENT].n, 0);
	CU_ASSERT_EQUAL_FATAL(w->tx[SIDE_BACKEND].n, 1);
	out = w->tx[SIDE_BACKEND].m[0];
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(out), len);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(out), len);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out, uint8_t *), frame, len), 0);
	worker_pass_end(w);

	CU_ASSERT_EQUAL(w->stats.rx_packets, 1);
	ASSERT_COUNTS(1, 1, 0);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->backend_ip, htonl(IP_BACKEND));
	CU_ASSERT_EQUAL(c->backend_port, htons(BACKEND_PORT));
	CU_ASSERT_EQUAL(c->svc_id, svc_id_of(IP_VIP1, VIP_PORT, IPPROTO_TCP));
	assert_mbufs_home();
}

/*
 * d37ef5b. The worker looks the whole burst up first, then handles its
 * packets in turn. Here connection A (client -> VIP1) is in TIME_WAIT and
 * one burst brings [SYN client -> VIP2, ACK client -> VIP1] from the same
 * client endpoint. The SYN's reply tuple (backend -> client) is A's, so
 * wk_new_conn deletes A and the insert takes A's freed entry for the new
 * connection N. The ACK's entry from the bulk lookup is that entry: without
 * a second look it would be forwarded as N's packet, counted to VIP2's
 * service. It belongs to a connection that no longer exists: dropped.
 */
static void
test_ack_of_deleted_conn_in_burst(void)
{
	uint32_t svc2 = svc_id_of(IP_VIP2, VIP_PORT, IPPROTO_TCP);
	struct ct_conn *a, *n;
	struct pb_spec burst[2];
	uint64_t closing;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	closing = close_to_time_wait(IP_VIP1);
	a = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(a->state, CT_TIME_WAIT);

	from_client(&burst[0], IP_VIP2, RTE_TCP_SYN_FLAG);
	from_client(&burst[1], IP_VIP1, RTE_TCP_ACK_FLAG);
	worker_pass_begin(w);
	rx_burst(SIDE_CLIENT, burst, 2);
	/* The SYN, to the backend; nothing else. */
	CU_ASSERT_EQUAL(w->tx[SIDE_BACKEND].n, 1);
	CU_ASSERT_EQUAL(w->tx[SIDE_CLIENT].n, 0);
	worker_pass_end(w);

	n = conn_of(IPPROTO_TCP, IP_VIP2, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	/* The premise: N reuses A's entry (the free list is LIFO). Otherwise
	 * this test no longer reaches the case d37ef5b fixed. */
	CU_ASSERT_PTR_EQUAL(n, a);
	CU_ASSERT_EQUAL(n->state, CT_SYN_SENT);
	CU_ASSERT_EQUAL(n->svc_id, svc2);
	CU_ASSERT_PTR_NULL(conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT));
	/* Of the burst: N made, its SYN sent, the ACK dropped as connectionless. */
	ASSERT_COUNTS(2, closing + 1, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_NO_CONN], 1);
	CU_ASSERT_EQUAL(w->svc_traffic[svc2].packets, 1);
	assert_mbufs_home();
}

/*
 * The same two packets the other way round: the ACK comes first and still
 * finds A (a last ACK to a TIME_WAIT connection passes), then the SYN takes
 * A's place. A second look only drops what was deleted before it.
 */
static void
test_ack_before_delete_in_burst(void)
{
	uint32_t svc1 = svc_id_of(IP_VIP1, VIP_PORT, IPPROTO_TCP);
	uint32_t svc2 = svc_id_of(IP_VIP2, VIP_PORT, IPPROTO_TCP);
	struct pb_spec burst[2];
	struct ct_conn *n;
	uint64_t closing;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	closing = close_to_time_wait(IP_VIP1);

	from_client(&burst[0], IP_VIP1, RTE_TCP_ACK_FLAG);
	from_client(&burst[1], IP_VIP2, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, burst, 2);

	/* Of the burst: both sent, the ACK as A's, the SYN as N's. */
	ASSERT_COUNTS(2, closing + 2, 0);
	CU_ASSERT_EQUAL(w->svc_traffic[svc1].packets, closing + 1);
	CU_ASSERT_EQUAL(w->svc_traffic[svc2].packets, 1);
	CU_ASSERT_PTR_NULL(conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT));
	n = conn_of(IPPROTO_TCP, IP_VIP2, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, CT_SYN_SENT);
	assert_mbufs_home();
}

/*
 * A flow whose first packets share a burst: the bulk lookup missed for
 * both, and the second must find the entry the first made (wk_l4), not
 * schedule again and clash with it. Two UDP datagrams; a SYN and its
 * retransmission.
 */
static void
test_first_packets_share_burst(void)
{
	struct pb_spec burst[2];
	struct ct_conn *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	pb_default(&burst[0], IPPROTO_UDP);
	memcpy(burst[0].dst_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
	memcpy(burst[0].src_mac, gw_mac, 6);
	burst[0].src_ip = IP_CLIENT;
	burst[0].src_port = CLIENT_PORT;
	burst[0].dst_ip = IP_VIP1;
	burst[0].dst_port = DNS_PORT;
	burst[1] = burst[0];
	burst[1].payload_seed = 2;
	pass(SIDE_CLIENT, burst, 2);
	ASSERT_COUNTS(1, 2, 0);
	c = conn_of(IPPROTO_UDP, IP_VIP1, DNS_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, CT_UDP);
	CU_ASSERT_EQUAL(c->backend_port, htons(BACKEND_DNS_PORT));

	from_client(&burst[0], IP_VIP1, RTE_TCP_SYN_FLAG);
	burst[1] = burst[0];
	pass(SIDE_CLIENT, burst, 2);
	ASSERT_COUNTS(2, 4, 0);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, CT_SYN_SENT);
	assert_mbufs_home();
}

/* Session sync (worker_sync.c) */

/* A fresh worker 0 with session sync on (rings made, re-arm hook set). */
static void
sync_worker(void)
{
	struct wk_params wp;

	app_worker_params(cfg, &wp);
	wp.sync = 1;
	worker_destroy(app.workers[0]);
	app.workers[0] = worker_create(&app, 0, lcore, &wp, app.snap);
	w = app.workers[0];
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->sync_out);
	(void)ct_set_seed(w->ct, 0x5eed);
}

static unsigned int
sync_take(struct sync_rec *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && rte_ring_sc_dequeue_elem(w->sync_out, &out[n], sizeof(out[0])) == 0)
		n++;
	return n;
}

/* A peer's record of the client's connection to VIP1:80 on the backend. */
static struct sync_rec
peer_rec(uint8_t state)
{
	return (struct sync_rec){
		.caddr = htonl(IP_CLIENT), .cport = htons(CLIENT_PORT),
		.vaddr = htonl(IP_VIP1), .vport = htons(VIP_PORT),
		.daddr = htonl(IP_BACKEND), .dport = htons(BACKEND_PORT),
		.timeout_ms = 60000, .proto = IPPROTO_TCP, .mode = SVC_MODE_NAT,
		.state = state, .kind = SYNC_K_CONN,
	};
}

static void
sync_give(struct sync_rec *r)
{
	CU_ASSERT_FATAL(rte_ring_sp_enqueue_elem(w->sync_in, r, sizeof(*r)) == 0);
}

/*
 * What a peer needs, when it matters: nothing while the handshake is half
 * done, one record when it is established (tuple, backend, time left),
 * none for the established traffic after it, one per closing state. A UDP
 * flow is reported as it is made.
 */
static void
test_sync_reports_changes(void)
{
	static const uint8_t steps[] = { RTE_TCP_SYN_FLAG, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
					 RTE_TCP_ACK_FLAG, RTE_TCP_ACK_FLAG,
					 RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG };
	static const unsigned int want[] = { 0, 0, 1, 0, 1 };
	struct sync_rec r[4];
	struct pb_spec s;
	unsigned int i, n;

	sync_worker();
	for (i = 0; i < RTE_DIM(steps); i++) {
		if (i == 1)
			from_backend(&s, steps[i]);
		else
			from_client(&s, IP_VIP1, steps[i]);
		pass(i == 1 ? SIDE_BACKEND : SIDE_CLIENT, &s, 1);
		n = sync_take(r, RTE_DIM(r));
		CU_ASSERT_EQUAL(n, want[i]);
		if (i == 2 && n == 1) {
			CU_ASSERT_EQUAL(r[0].state, CT_ESTABLISHED);
			CU_ASSERT_EQUAL(r[0].kind, SYNC_K_CONN);
			CU_ASSERT_EQUAL(r[0].mode, SVC_MODE_NAT);
			CU_ASSERT_EQUAL(r[0].caddr, htonl(IP_CLIENT));
			CU_ASSERT_EQUAL(r[0].cport, htons(CLIENT_PORT));
			CU_ASSERT_EQUAL(r[0].vaddr, htonl(IP_VIP1));
			CU_ASSERT_EQUAL(r[0].vport, htons(VIP_PORT));
			CU_ASSERT_EQUAL(r[0].daddr, htonl(IP_BACKEND));
			CU_ASSERT_EQUAL(r[0].dport, htons(BACKEND_PORT));
			CU_ASSERT_EQUAL(r[0].laddr, 0);
			CU_ASSERT(r[0].timeout_ms > 3590000 && r[0].timeout_ms <= 3600000);
		}
		if (i == 4 && n == 1)
			CU_ASSERT_EQUAL(r[0].state, CT_FIN_WAIT);
	}
	CU_ASSERT_EQUAL(w->stats.sync_events, 2);

	dns_from_client(&s);
	pass(SIDE_CLIENT, &s, 1);
	n = sync_take(r, RTE_DIM(r));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(r[0].state, CT_UDP);
	CU_ASSERT_EQUAL(r[0].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(r[0].dport, htons(BACKEND_DNS_PORT));
	CU_ASSERT_EQUAL(w->stats.sync_events_lost, 0);
	assert_mbufs_home();
}

/*
 * A peer's established connection, installed: counted in the backend's
 * active load, marked a copy and not reported back; the backend's next
 * segment is forwarded to the client as the peer would, and makes the
 * connection this worker's own (reported once). A second record of it
 * refreshes rather than duplicates.
 */
static void
test_sync_install(void)
{
	struct sync_rec r = peer_rec(CT_ESTABLISHED), got[2];
	struct ct_conn *c;
	struct pb_spec s;
	uint16_t be;

	sync_worker();
	sync_give(&r);
	worker_pass_begin(w);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.sync_installed, 1);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	CU_ASSERT(c->flags & CT_F_SYNCED);
	CU_ASSERT_EQUAL(c->svc_id, svc_id_of(IP_VIP1, VIP_PORT, IPPROTO_TCP));
	be = c->backend_id;
	CU_ASSERT_EQUAL(w->active[be], 1);
	CU_ASSERT_EQUAL(sync_take(got, 2), 0);

	r.state = CT_ESTABLISHED;
	sync_give(&r);
	worker_pass_begin(w);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.sync_installed, 1);
	CU_ASSERT_EQUAL(w->stats.sync_refreshed, 1);
	CU_ASSERT_EQUAL(w->active[be], 1);
	CU_ASSERT_EQUAL(ct_table_stats(w->ct)->active, 1);

	from_backend(&s, RTE_TCP_ACK_FLAG);
	pass(SIDE_BACKEND, &s, 1);
	ASSERT_COUNTS(0, 1, 0);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(!(c->flags & CT_F_SYNCED));
	CU_ASSERT_EQUAL(sync_take(got, 2), 1);
	from_client(&s, IP_VIP1, RTE_TCP_ACK_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(0, 2, 0);
	CU_ASSERT_EQUAL(sync_take(got, 2), 0);
	assert_mbufs_home();
}

/* Records naming what this appliance does not have install nothing. */
static void
test_sync_refuses_unknown(void)
{
	struct sync_rec r;

	sync_worker();
	r = peer_rec(CT_ESTABLISHED);
	r.vport = htons(81);
	sync_give(&r);
	r = peer_rec(CT_ESTABLISHED);
	r.mode = SVC_MODE_FULLNAT;
	sync_give(&r);
	r = peer_rec(CT_ESTABLISHED);
	r.daddr = htonl(IP_BACKEND + 1);
	sync_give(&r);
	worker_pass_begin(w);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.sync_unknown_service, 2);
	CU_ASSERT_EQUAL(w->stats.sync_unknown_backend, 1);
	CU_ASSERT_EQUAL(w->stats.sync_installed, 0);
	CU_ASSERT_EQUAL(ct_table_stats(w->ct)->active, 0);
}

/*
 * A peer's bulk request: every synced connection (established, and a
 * peer's copy too), none half-open, then the end of the walk.
 */
static void
test_sync_bulk(void)
{
	struct sync_rec r = peer_rec(CT_ESTABLISHED), got[8];
	struct pb_spec s;
	unsigned int n, i, passes;

	sync_worker();
	sync_give(&r);
	from_client(&s, IP_VIP2, RTE_TCP_SYN_FLAG);
	s.src_port = CLIENT_PORT + 1;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(ct_table_stats(w->ct)->active, 2);
	CU_ASSERT_EQUAL(sync_take(got, 8), 0);

	memset(&r, 0, sizeof(r));
	r.kind = SYNC_K_BULK_START;
	sync_give(&r);
	n = 0;
	for (passes = 0; passes < 64 && (n == 0 || got[n - 1].kind != SYNC_K_BULK_DONE); passes++) {
		worker_pass_begin(w);
		worker_pass_end(w);
		n += sync_take(got + n, 8 - n);
	}
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(got[0].kind, SYNC_K_CONN);
	CU_ASSERT_EQUAL(got[0].vaddr, htonl(IP_VIP1));
	CU_ASSERT_EQUAL(got[1].kind, SYNC_K_BULK_DONE);
	for (i = 0; i < 4; i++) {
		worker_pass_begin(w);
		worker_pass_end(w);
	}
	CU_ASSERT_EQUAL(sync_take(got, 8), 0);
	assert_mbufs_home();
}

/* One frame built from a, received on `side`, in a pass of its own. */
static void
arp_pass(enum side side, const struct pb_arp_spec *a)
{
	uint8_t frame[PB_MAX_FRAME];
	struct rte_mbuf *m = rte_pktmbuf_alloc(app.ports[side].pool);
	uint32_t len = pb_arp(frame, a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = app.ports[side].port_id;
	worker_pass_begin(w);
	worker_process(w, &m, 1);
	worker_pass_end(w);
}

/* The snapshot's entry of a local address (the test may flip its kinds). */
static struct snap_local *
local_of(uint32_t ip)
{
	return (struct snap_local *)snap_find_local(app.snap, htonl(ip));
}

/*
 * ha.vips "follow", VIP1 not held (a backup): ARP and ping for it go
 * unanswered and a SYN to it is dropped silently (no RST, no connection);
 * a connection session sync installed still carries traffic, so packets
 * in flight at a takeover or a failback are not lost. Held again, it is
 * answered and served.
 */
static void
test_vip_not_held(void)
{
	struct snap_service *web1 = (struct snap_service *)snap_find_service(
		app.snap, htonl(IP_VIP1), htons(VIP_PORT), IPPROTO_TCP);
	struct snap_local *l = local_of(IP_VIP1);
	struct sync_rec r = peer_rec(CT_ESTABLISHED);
	struct pb_arp_spec a;
	struct pb_spec s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(web1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	sync_worker();
	web1->held = 0;
	l->kinds |= SNAP_LOCAL_RELEASED;

	pb_arp_default(&a);
	memcpy(a.src_mac, gw_mac, 6);
	memcpy(a.sha, gw_mac, 6);
	a.op = 1;
	a.spa = IP_GW;
	a.tpa = IP_VIP1;
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(w->stats.arp_replies, 0);

	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(0, 0, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_VIP_NOT_HELD], 1);
	CU_ASSERT_EQUAL(w->stats.conns_refused, 0);

	sync_give(&r);
	from_client(&s, IP_VIP1, RTE_TCP_ACK_FLAG);
	worker_pass_begin(w);
	worker_pass_end(w);
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(0, 1, 1);

	web1->held = 1;
	l->kinds &= (uint8_t)~SNAP_LOCAL_RELEASED;
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	s.src_port = CLIENT_PORT + 1;
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(1, 2, 1);
	assert_mbufs_home();
}

/*
 * The client's connection to VIP1 through its handshake, the client's
 * sequence numbers from cseq, the backend's from bseq, one segment a
 * pass: returns it, ESTABLISHED, all three forwarded.
 */
static struct ct_conn *
handshake(uint32_t cseq, uint32_t bseq)
{
	struct ct_conn *c;
	struct pb_spec s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	s.tcp_seq = cseq;
	pass(SIDE_CLIENT, &s, 1);
	from_backend(&s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	s.tcp_seq = bseq;
	s.tcp_ack = cseq + 1;
	pass(SIDE_BACKEND, &s, 1);
	from_client(&s, IP_VIP1, RTE_TCP_ACK_FLAG);
	s.tcp_seq = cseq + 1;
	s.tcp_ack = bseq + 1;
	pass(SIDE_CLIENT, &s, 1);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->state, CT_ESTABLISHED);
	return c;
}

/* Hostile input (issue 12) */

/*
 * A packet the worker drops for its TTL changes nothing: an RST with TTL 1
 * leaves an established connection established, a SYN with TTL 1 makes
 * none. Without the check before the state machine, the RST closed the
 * connection (CLOSE, gone 10 s later) although nobody received it.
 */
static void
test_ttl_drop_changes_nothing(void)
{
	struct ct_conn *c;
	struct pb_spec s;

	c = handshake(1000, 5000);

	from_client(&s, IP_VIP1, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	s.ttl = 1;
	pass(SIDE_CLIENT, &s, 1);
	from_backend(&s, RTE_TCP_RST_FLAG);
	s.ttl = 1;
	pass(SIDE_BACKEND, &s, 1);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_TTL_EXCEEDED], 2);

	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	s.src_port = CLIENT_PORT + 1;
	s.ttl = 1;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_TTL_EXCEEDED], 3);
	CU_ASSERT_EQUAL(w->stats.conns_created, 1);
	CU_ASSERT_EQUAL(ct_table_stats(w->ct)->active, 1);
	assert_mbufs_home();
}

/*
 * An RST closes a connection only with its sender's exact sequence number
 * (the end of what that side has sent). One near it is forwarded with the
 * state unchanged, for the endpoint to judge; a blind one, from either
 * side, is dropped. Without the check, the first blind RST closed the
 * connection.
 */
static void
test_blind_rst_refused(void)
{
	uint64_t tx;
	struct ct_conn *c;
	struct pb_spec s;

	c = handshake(1000, 5000);
	from_client(&s, IP_VIP1, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	s.tcp_seq = 1001;
	s.payload_len = 100;
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(1, 4, 0);

	from_client(&s, IP_VIP1, RTE_TCP_RST_FLAG);
	s.tcp_seq = 0x80001101u;
	pass(SIDE_CLIENT, &s, 1);
	from_backend(&s, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	s.tcp_seq = 5001u + 2 * CT_RST_SLACK;
	pass(SIDE_BACKEND, &s, 1);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_RST_OUT_OF_WINDOW], 2);
	ASSERT_COUNTS(1, 4, 2);

	/* Near but not exact: passed on, nothing closed. */
	from_client(&s, IP_VIP1, RTE_TCP_RST_FLAG);
	s.tcp_seq = 1050;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(w->stats.rst_unconfirmed, 1);
	ASSERT_COUNTS(1, 5, 2);

	/* The backend's own reset carries its SND.NXT: the connection closes. */
	from_backend(&s, RTE_TCP_RST_FLAG);
	s.tcp_seq = 5001;
	tx = w->stats.tx_packets;
	pass(SIDE_BACKEND, &s, 1);
	CU_ASSERT_EQUAL(w->stats.tx_packets, tx + 1);
	CU_ASSERT_EQUAL(c->state, CT_CLOSE);
	assert_mbufs_home();
}

/*
 * A backend goes DOWN under policy reset (a new snapshot saying so): its
 * connections are ended at the next pass, not when each next sends. The
 * TCP client gets an RST from the VIP at the end of what the backend sent
 * (its RCV.NXT); the entry waits in CLOSE so the client's next segment
 * gets wk_reset's RST; a UDP flow is forgotten. A connection of a backend
 * still up is untouched, and a second publication sends nothing again.
 * Without the walk nothing is sent until the client sends.
 */
static void
test_reset_policy_acts(void)
{
	struct snapshot *snap = (struct snapshot *)app.snap;
	struct ct_conn *c, *u;
	struct pkt_meta meta;
	struct rte_mbuf *out;
	struct pb_spec s;
	uint8_t copy[PB_MAX_FRAME];
	uint32_t id, len;

	c = handshake(1000, 5000);
	from_backend(&s, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	s.tcp_seq = 5001;
	s.payload_len = 200;
	pass(SIDE_BACKEND, &s, 1);
	dns_from_client(&s);
	pass(SIDE_CLIENT, &s, 1);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	u = conn_of(IPPROTO_UDP, IP_VIP1, DNS_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL_FATAL(c->state, CT_ESTABLISHED);
	ASSERT_COUNTS(2, 5, 0);

	/* Another backend id DOWN: nothing of ours moves. */
	id = RTE_MAX(c->backend_id, u->backend_id) + 1u;
	snap->reset_ids[id >> 6] |= 1ull << (id & 63);
	snap->any_reset = 1;
	snap->gen++;
	worker_pass_begin(w);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.resets_sent, 0);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);

	snap->reset_ids[c->backend_id >> 6] |= 1ull << (c->backend_id & 63);
	snap->reset_ids[u->backend_id >> 6] |= 1ull << (u->backend_id & 63);
	snap->gen++;
	worker_pass_begin(w);
	CU_ASSERT_EQUAL_FATAL(w->tx[SIDE_CLIENT].n, 1);
	out = w->tx[SIDE_CLIENT].m[0];
	len = rte_pktmbuf_data_len(out);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(rte_pktmbuf_mtod(out, uint8_t *), len,
					PKT_PARSE_VERIFY_IP_CSUM, &meta), PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(meta.src_ip, htonl(IP_VIP1));
	CU_ASSERT_EQUAL(meta.dst_ip, htonl(IP_CLIENT));
	CU_ASSERT_EQUAL(meta.src_port, htons(VIP_PORT));
	CU_ASSERT_EQUAL(meta.dst_port, htons(CLIENT_PORT));
	CU_ASSERT_EQUAL(meta.tcp_flags, RTE_TCP_RST_FLAG);
	CU_ASSERT_EQUAL(meta.tcp_seq, 5201);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out, uint8_t *), gw_mac, 6), 0);
	/* The TCP checksum as a full recomputation writes it. */
	memcpy(copy, rte_pktmbuf_mtod(out, uint8_t *), len);
	xlate_csum_full(copy, &meta);
	CU_ASSERT_EQUAL(memcmp(copy, rte_pktmbuf_mtod(out, uint8_t *), len), 0);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.resets_sent, 1);
	CU_ASSERT_EQUAL(w->stats.conns_reset, 2);
	CU_ASSERT_EQUAL(c->state, CT_CLOSE);
	CU_ASSERT_PTR_NULL(conn_of(IPPROTO_UDP, IP_VIP1, DNS_PORT));

	/* Published again: already closed, nothing sent twice. */
	snap->gen++;
	worker_pass_begin(w);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.resets_sent, 1);
	/* The client's next segment is answered with wk_reset's RST. */
	from_client(&s, IP_VIP1, RTE_TCP_ACK_FLAG);
	s.tcp_seq = 1001;
	s.tcp_ack = 5201;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.conns_reset, 3);
	CU_ASSERT_PTR_NULL(conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT));

	memset(snap->reset_ids, 0, sizeof(snap->reset_ids));
	snap->any_reset = 0;
	snap->gen++;
	assert_mbufs_home();
}

/*
 * A segment dropped because its next hop is not resolved moves nothing
 * either: the backend's FIN, with the client side's gateway unknown for a
 * moment, leaves the connection established. With the lookup after the
 * state machine (as before), the connection went to FIN_WAIT.
 */
static void
test_neigh_miss_changes_nothing(void)
{
	struct neigh_table *known = app.neigh;
	struct ct_conn *c;
	struct pb_spec s;

	c = handshake(1000, 5000);

	app.neigh = neigh_table_build(NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app.neigh);
	from_backend(&s, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	pass(SIDE_BACKEND, &s, 1);
	neigh_table_free(app.neigh);
	app.neigh = known;
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_NEIGH_MISS], 1);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	assert_mbufs_home();
}

/*
 * ARP that would poison the neighbour table: a broadcast or zero sender
 * MAC, a sender claiming the subnet's broadcast address, a sender
 * claiming a VIP or a port address. None is answered or learnt (no event
 * to the control lcore), each is counted.
 */
static void
test_arp_poison_refused(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6] = { 0 };
	struct pb_arp_spec a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	pb_arp_default(&a);
	memcpy(a.src_mac, gw_mac, 6);
	a.op = 1;
	a.tpa = IP_VIP1;
	memcpy(a.sha, bcast, 6);
	a.spa = IP_GW;
	arp_pass(SIDE_CLIENT, &a);
	memcpy(a.sha, zero, 6);
	arp_pass(SIDE_CLIENT, &a);
	memcpy(a.sha, gw_mac, 6);
	a.spa = 0xc61200ffu;            /* 198.18.0.255, the subnet's broadcast */
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_ARP_BAD_SENDER], 3);
	a.op = 2;
	a.spa = IP_VIP1;                /* "the VIP is at my MAC" */
	arp_pass(SIDE_CLIENT, &a);
	a.spa = 0xc6120001u;            /* the client port's own address */
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_ARP_LOCAL_SENDER], 2);
	CU_ASSERT_EQUAL(w->stats.arp_replies, 0);
	CU_ASSERT_EQUAL(rte_ring_count(w->events), 0);
	/* A good sender is still answered and learnt. */
	a.op = 1;
	a.spa = IP_GW;
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(w->stats.arp_replies, 1);
	assert_mbufs_home();
}

/*
 * The gateway's known MAC: another ARP frame from it is no news (no event),
 * but its reply to the port's address goes up as one (SL_EV_NEIGH_REPLY):
 * the control lcore refuses another MAC's claim by it.
 */
static void
test_arp_reply_to_us_reported(void)
{
	struct pb_arp_spec a;
	struct sl_event ev;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL_FATAL(rte_ring_count(w->events), 0);
	pb_arp_default(&a);
	memcpy(a.src_mac, gw_mac, 6);
	memcpy(a.sha, gw_mac, 6);
	a.spa = IP_GW;
	a.op = 1;
	a.tpa = IP_VIP1;
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(rte_ring_count(w->events), 0);
	a.op = 2;
	a.tpa = 0xc6120001u;            /* the client port's own address */
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL_FATAL(rte_ring_count(w->events), 1);
	CU_ASSERT_EQUAL_FATAL(rte_ring_dequeue_elem(w->events, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, SL_EV_NEIGH_REPLY);
	CU_ASSERT_EQUAL(ev.ip, htonl(IP_GW));
	CU_ASSERT_EQUAL(memcmp(ev.mac.addr_bytes, gw_mac, 6), 0);
	assert_mbufs_home();
}

/*
 * New connections only from hosts routed back out of their port: a SYN
 * from a backend's address arriving on the client side, and one from the
 * client subnet's broadcast address, make none; a ping from that
 * broadcast address is not answered (no smurf reflection). The client
 * behind the gateway still connects.
 */
static void
test_new_source_checked(void)
{
	struct pb_spec s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	tcp_spec(&s, SIDE_CLIENT, IP_BACKEND, CLIENT_PORT, IP_VIP1, VIP_PORT, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_RPF], 1);
	tcp_spec(&s, SIDE_CLIENT, 0xc61200ffu, CLIENT_PORT, IP_VIP1, VIP_PORT, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_BCAST_SRC], 1);
	pb_default(&s, IPPROTO_ICMP);
	memcpy(s.dst_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
	memcpy(s.src_mac, gw_mac, 6);
	s.src_ip = 0xc61200ffu;
	s.dst_ip = IP_VIP1;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_BCAST_SRC], 2);
	/* An echo request from our own port address: not answered either. */
	s.src_ip = 0xc6120001u;
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_LOCAL_SRC], 1);
	CU_ASSERT_EQUAL(w->stats.icmp_echo_replies, 0);
	ASSERT_COUNTS(0, 0, 4);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(1, 1, 4);
	assert_mbufs_home();
}

/*
 * A frame to another host's MAC, as a bridge floods it to a promiscuous
 * port, is dropped before anything reads it: no connection from a SYN, no
 * forwarding of an established connection's segment.
 */
static void
test_other_mac_dropped(void)
{
	static const uint8_t other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	struct pb_spec s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	memcpy(s.dst_mac, other, 6);
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_OTHER_MAC], 1);
	ASSERT_COUNTS(0, 0, 1);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	from_backend(&s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	memcpy(s.dst_mac, other, 6);
	pass(SIDE_BACKEND, &s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_OTHER_MAC], 2);
	ASSERT_COUNTS(1, 1, 2);
	CU_ASSERT_EQUAL(conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT)->state, CT_SYN_SENT);
	assert_mbufs_home();
}

/*
 * The kernel's share of the traffic. With a TAP on both ports: a backend's
 * answer to a port address (a health probe's) takes the priority ring, as
 * BGP does; a guest's packets to the port address take the bulk ring until
 * their source's bucket is empty, then are dropped and counted; a packet
 * from one of our own addresses reaches neither ring, nor makes a
 * connection through a VIP.
 */
#define IP_PORT_CLIENT 0xc6120001u  /* 198.18.0.1 */
#define IP_PORT_BACKEND 0xc6120101u /* 198.18.1.1 */

static unsigned int
drain_ring(struct rte_ring *r)
{
	void *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(r, &m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

static void
test_exception_classified(void)
{
	struct pb_spec s[WK_EXC_SRC_BURST + 8];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	app.ports[SIDE_CLIENT].has_tap = 1;
	app.ports[SIDE_BACKEND].has_tap = 1;
	tcp_spec(&s[0], SIDE_BACKEND, IP_BACKEND, 8080, IP_PORT_BACKEND, 45000,
		 RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	tcp_spec(&s[1], SIDE_CLIENT, IP_GW, 179, IP_PORT_CLIENT, 50179, RTE_TCP_ACK_FLAG);
	pass(SIDE_BACKEND, &s[0], 1);
	pass(SIDE_CLIENT, &s[1], 1);
	CU_ASSERT_EQUAL(w->stats.to_kernel_prio, 2);
	CU_ASSERT_EQUAL(rte_ring_count(w->exc_prio), 2);
	CU_ASSERT_EQUAL(rte_ring_count(w->exc), 0);
	/* A guest flooding the port address: one burst's worth, then the limit. */
	for (i = 0; i < RTE_DIM(s); i++) {
		pb_default(&s[i], IPPROTO_UDP);
		memcpy(s[i].dst_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
		memcpy(s[i].src_mac, gw_mac, 6);
		s[i].src_ip = IP_CLIENT;
		s[i].dst_ip = IP_PORT_CLIENT;
		s[i].src_port = (uint16_t)(20000 + i);
		s[i].dst_port = 9;
	}
	worker_pass_begin(w);
	for (i = 0; i < RTE_DIM(s); i += 8)
		rx_burst(SIDE_CLIENT, &s[i], 8);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(rte_ring_count(w->exc), WK_EXC_SRC_BURST);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_EXCEPTION_LIMIT], 8);
	CU_ASSERT_EQUAL(w->stats.to_kernel, 2 + WK_EXC_SRC_BURST);
	/* Another source still has its own budget. */
	s[0].src_ip = IP_CLIENT + 1;
	pass(SIDE_CLIENT, s, 1);
	CU_ASSERT_EQUAL(rte_ring_count(w->exc), WK_EXC_SRC_BURST + 1);
	/* Our own addresses as sources: to the port address, and to a VIP. */
	tcp_spec(&s[0], SIDE_BACKEND, IP_PORT_CLIENT, 45000, IP_PORT_BACKEND, 22,
		 RTE_TCP_SYN_FLAG);
	tcp_spec(&s[1], SIDE_BACKEND, IP_PORT_BACKEND, 45001, IP_VIP1, VIP_PORT,
		 RTE_TCP_SYN_FLAG);
	tcp_spec(&s[2], SIDE_CLIENT, IP_VIP2, 45002, IP_PORT_CLIENT, 22, RTE_TCP_SYN_FLAG);
	pass(SIDE_BACKEND, s, 2);
	pass(SIDE_CLIENT, &s[2], 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_LOCAL_SRC], 3);
	CU_ASSERT_EQUAL(w->stats.conns_created, 0);
	CU_ASSERT_EQUAL(drain_ring(w->exc_prio), 2);
	CU_ASSERT_EQUAL(drain_ring(w->exc), WK_EXC_SRC_BURST + 1);
	app.ports[SIDE_CLIENT].has_tap = 0;
	app.ports[SIDE_BACKEND].has_tap = 0;
	assert_mbufs_home();
}

/*
 * The limiter: a source's bucket refills at its rate up to its burst;
 * sources past the overall bucket are refused even with tokens of their
 * own, and the overall bucket refills too.
 */
static void
test_exception_limiter(void)
{
	uint32_t i, ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (i = 0; i < WK_EXC_SRC_BURST * 2; i++)
		ok += wk_exc_limit(w, 0x0a000001u, 1000) == 0;
	CU_ASSERT_EQUAL(ok, WK_EXC_SRC_BURST);
	CU_ASSERT_EQUAL(wk_exc_limit(w, 0x0a000001u, 1000), -1);
	/* 3 ms later: three more tokens. */
	for (i = 0, ok = 0; i < 10; i++)
		ok += wk_exc_limit(w, 0x0a000001u, 1000 + 3) == 0;
	CU_ASSERT_EQUAL(ok, 3 * WK_EXC_SRC_RATE);
	/* Many sources, one packet each: the overall bucket is what stops them. */
	for (i = 0, ok = 0; i < WK_EXC_ALL_BURST * 2; i++)
		ok += wk_exc_limit(w, 0x0b000000u + i * 977, 1003) == 0;
	CU_ASSERT(ok <= WK_EXC_ALL_BURST);
	CU_ASSERT(ok >= WK_EXC_ALL_BURST - WK_EXC_SRC_BURST - 3);
	CU_ASSERT_EQUAL(wk_exc_limit(w, 0x0c000001u, 1003), -1);
	/* A second later every bucket is full again. */
	CU_ASSERT_EQUAL(wk_exc_limit(w, 0x0a000001u, 2003), 0);
	CU_ASSERT_EQUAL(wk_exc_limit(w, 0x0c000001u, 2003), 0);
}

/* A burst of one frame with its 802.1Q tag stripped into the mbuf, as
 * af_packet's kernel may hand it over, in a pass of its own. */
#define RX_STRIPPED (RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_VLAN | \
		     RTE_MBUF_F_RX_VLAN_STRIPPED)

static void
pass_stripped(enum side side, const struct pb_spec *s, uint16_t tci)
{
	worker_pass_begin(w);
	rx_burst_ol(side, s, 1, RX_STRIPPED, tci);
	worker_pass_end(w);
}

/* The next frame in side's TX buffer is exactly the one s builds. */
static void
assert_tx_is(enum side side, uint16_t i, const struct pb_spec *s)
{
	uint8_t frame[PB_MAX_FRAME];
	uint32_t len = pb_ipv4(frame, s);
	struct rte_mbuf *out;

	CU_ASSERT_FATAL(w->tx[side].n > i);
	out = w->tx[side].m[i];
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(out), len);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(out), len);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out, uint8_t *), frame, len), 0);
}

/*
 * A port without a vlan refuses a tagged frame, whether the tag is in the
 * frame or stripped into the mbuf: balanced, it would leave the backend
 * port still tagged (VLAN hopping). ARP too. Untagged traffic still passes.
 */
static void
test_vlan_untagged_port(void)
{
	struct pb_arp_spec a;
	struct pb_spec s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	s.vlan = 1;
	s.vlan_tci = 100;
	pass(SIDE_CLIENT, &s, 1);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass_stripped(SIDE_CLIENT, &s, 100);
	pb_arp_default(&a);
	memcpy(a.src_mac, gw_mac, 6);
	memcpy(a.sha, gw_mac, 6);
	a.op = 1;
	a.spa = IP_GW;
	a.tpa = IP_VIP1;
	a.vlan = 1;
	a.vlan_tci = 100;
	arp_pass(SIDE_CLIENT, &a);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_VLAN_ON_UNTAGGED], 3);
	CU_ASSERT_EQUAL(w->stats.arp_replies, 0);
	ASSERT_COUNTS(0, 0, 3);
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	ASSERT_COUNTS(1, 1, 3);
	assert_mbufs_home();
}

/*
 * A port with a vlan takes only frames of its VID (in the frame or
 * stripped into the mbuf; the priority bits are not the VID's), refuses
 * untagged ones, other VIDs and a tag behind its tag; what it takes is
 * untagged before it is read, and every frame out of a port with a vlan
 * carries that port's tag: forwarded both ways, and an ARP reply.
 */
static void
test_vlan_port(void)
{
	struct pb_spec s, want;
	struct pb_arp_spec a;
	struct rte_mbuf *out;
	const uint8_t *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	app.ports[SIDE_CLIENT].vlan = 100;
	app.ports[SIDE_BACKEND].vlan = 200;
	from_client(&s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	s.vlan = 1;
	s.vlan_tci = 101;
	pass(SIDE_CLIENT, &s, 1);
	s.vlan = 0;
	pass_stripped(SIDE_CLIENT, &s, 101);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_VLAN_WRONG_VID], 3);
	s.vlan = 1;
	s.vlan_tci = 100;
	pass_stripped(SIDE_CLIENT, &s, 100);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_VLAN_QINQ], 1);
	ASSERT_COUNTS(0, 0, 4);

	/* VID 100 with priority 5: taken, and out to the backend in VLAN 200. */
	s.vlan_tci = 0xa064;
	want = s;
	memcpy(want.dst_mac, backend_mac, 6);
	memcpy(want.src_mac, app.ports[SIDE_BACKEND].mac.addr_bytes, 6);
	want.dst_ip = IP_BACKEND;
	want.dst_port = BACKEND_PORT;
	want.ttl = (uint8_t)(s.ttl - 1);
	want.vlan_tci = 200;
	worker_pass_begin(w);
	rx_burst(SIDE_CLIENT, &s, 1);
	assert_tx_is(SIDE_BACKEND, 0, &want);
	worker_pass_end(w);

	/* The backend's answer, its tag stripped by the driver: to the client
	 * in VLAN 100. */
	from_backend(&s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	want = s;
	memcpy(want.dst_mac, gw_mac, 6);
	memcpy(want.src_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
	want.src_ip = IP_VIP1;
	want.src_port = VIP_PORT;
	want.ttl = (uint8_t)(s.ttl - 1);
	want.vlan = 1;
	want.vlan_tci = 100;
	worker_pass_begin(w);
	rx_burst_ol(SIDE_BACKEND, &s, 1, RX_STRIPPED, 200);
	assert_tx_is(SIDE_CLIENT, 0, &want);
	worker_pass_end(w);

	/* An ARP reply the worker makes leaves tagged too. */
	pb_arp_default(&a);
	memcpy(a.src_mac, gw_mac, 6);
	memcpy(a.sha, gw_mac, 6);
	a.op = 1;
	a.spa = IP_GW;
	a.tpa = IP_VIP1;
	a.vlan = 1;
	a.vlan_tci = 100;
	out = rte_pktmbuf_alloc(app.ports[SIDE_CLIENT].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	out->data_len = (uint16_t)pb_arp(rte_pktmbuf_mtod(out, uint8_t *), &a);
	out->pkt_len = out->data_len;
	out->port = app.ports[SIDE_CLIENT].port_id;
	worker_pass_begin(w);
	worker_process(w, &out, 1);
	CU_ASSERT_EQUAL_FATAL(w->tx[SIDE_CLIENT].n, 1);
	f = rte_pktmbuf_mtod(w->tx[SIDE_CLIENT].m[0], const uint8_t *);
	CU_ASSERT_EQUAL(f[12], 0x81);
	CU_ASSERT_EQUAL(f[13], 0x00);
	CU_ASSERT_EQUAL(f[14], 0x00);
	CU_ASSERT_EQUAL(f[15], 100);
	CU_ASSERT_EQUAL(f[16], 0x08);
	CU_ASSERT_EQUAL(f[17], 0x06);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(w->tx[SIDE_CLIENT].m[0]), 18 + 28);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.arp_replies, 1);
	ASSERT_COUNTS(1, 3, 4);
	assert_mbufs_home();
}

/* A DNS query of payload bytes from the client (DF, as pb_default). */
static void
big_udp(struct pb_spec *s, uint16_t payload)
{
	pb_default(s, IPPROTO_UDP);
	memcpy(s->dst_mac, app.ports[SIDE_CLIENT].mac.addr_bytes, 6);
	memcpy(s->src_mac, gw_mac, 6);
	s->src_ip = IP_CLIENT;
	s->src_port = CLIENT_PORT;
	s->dst_ip = IP_VIP1;
	s->dst_port = DNS_PORT;
	s->payload_len = payload;
}

/*
 * A packet larger than the egress port's MTU: with DF its source gets
 * ICMP fragmentation needed (code 4, the port's MTU, from the VIP, quoting
 * the packet as it came), at most a burst of 50 per worker at once; without
 * DF it is dropped (Sluice does not fragment). Neither moves a connection.
 */
static void
test_too_big(void)
{
	struct pb_spec s[MAX_RX];
	struct pkt_meta r;
	struct rte_mbuf *out;
	const uint8_t *f;
	struct ct_conn *c;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL_FATAL(port_mtu[SIDE_BACKEND], 1500);  /* the device's */
	app.ports[SIDE_BACKEND].mtu = 1000;
	for (i = 0; i < MAX_RX; i++)
		big_udp(&s[i], 1000 - 28 + 1);
	/* 64 in one tick: 50 answered, the rest counted as limited. */
	worker_pass_begin(w);
	for (i = 0; i < 8; i++)
		rx_burst(SIDE_CLIENT, s, MAX_RX);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_FRAG_NEEDED], 50);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_FRAG_NEEDED_LIMITED], 14);
	CU_ASSERT_EQUAL(w->stats.tx_packets, 50);

	/* What one looks like. */
	setup();
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	app.ports[SIDE_BACKEND].mtu = 1000;
	worker_pass_begin(w);
	rx_burst(SIDE_CLIENT, s, 1);
	CU_ASSERT_EQUAL_FATAL(w->tx[SIDE_CLIENT].n, 1);
	CU_ASSERT_EQUAL(w->tx[SIDE_BACKEND].n, 0);
	out = w->tx[SIDE_CLIENT].m[0];
	f = rte_pktmbuf_mtod(out, const uint8_t *);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(f, rte_pktmbuf_data_len(out), PKT_PARSE_VERIFY_IP_CSUM, &r),
			      PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(out), 14 + 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(r.icmp_type, 3);
	CU_ASSERT_EQUAL(f[35], 4);
	CU_ASSERT_EQUAL(f[40] << 8 | f[41], 1000);
	CU_ASSERT_EQUAL(r.src_ip, htonl(IP_VIP1));
	CU_ASSERT_EQUAL(r.dst_ip, htonl(IP_CLIENT));
	CU_ASSERT(memcmp(f, gw_mac, 6) == 0);
	/* The quote: the datagram to the VIP, untranslated. */
	CU_ASSERT(memcmp(f + 42 + 16, &(uint32_t){ htonl(IP_VIP1) }, 4) == 0);
	CU_ASSERT_EQUAL(f[42 + 22] << 8 | f[42 + 23], DNS_PORT);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_FRAG_NEEDED], 1);

	/* Without DF: dropped, counted. One that fits passes. */
	s[0].frag = 0;
	pass(SIDE_CLIENT, s, 1);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_TOO_BIG], 1);
	big_udp(&s[0], 1000 - 28);
	pass(SIDE_CLIENT, s, 1);
	CU_ASSERT_EQUAL(w->stats.tx_packets, 2);
	CU_ASSERT_EQUAL(w->tx[SIDE_BACKEND].n, 0);

	/* TCP both ways: a FIN too large for the client's port leaves the
	 * connection ESTABLISHED; the backend is told, from the VIP. */
	from_client(s, IP_VIP1, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, s, 1);
	from_backend(s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	pass(SIDE_BACKEND, s, 1);
	from_client(s, IP_VIP1, RTE_TCP_ACK_FLAG);
	pass(SIDE_CLIENT, s, 1);
	c = conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->state, CT_ESTABLISHED);
	app.ports[SIDE_CLIENT].mtu = 576;
	from_backend(s, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	s[0].payload_len = 600;
	worker_pass_begin(w);
	rx_burst(SIDE_BACKEND, s, 1);
	CU_ASSERT_EQUAL_FATAL(w->tx[SIDE_BACKEND].n, 1);
	out = w->tx[SIDE_BACKEND].m[0];
	f = rte_pktmbuf_mtod(out, const uint8_t *);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(f, rte_pktmbuf_data_len(out), PKT_PARSE_VERIFY_IP_CSUM, &r),
			      PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(f[35], 4);
	CU_ASSERT_EQUAL(f[40] << 8 | f[41], 576);
	CU_ASSERT_EQUAL(r.src_ip, htonl(IP_VIP1));
	CU_ASSERT_EQUAL(r.dst_ip, htonl(IP_BACKEND));
	worker_pass_end(w);
	CU_ASSERT_EQUAL(c->state, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(w->stats.drops[SL_DROP_FRAG_NEEDED], 2);
	assert_mbufs_home();
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "nat: a SYN makes a connection and goes to the backend", test_nat_syn },
		{ "an ACK of a connection deleted earlier in its burst is dropped",
		  test_ack_of_deleted_conn_in_burst },
		{ "an ACK before the delete in its burst still passes",
		  test_ack_before_delete_in_burst },
		{ "a flow's first packets in one burst make one connection",
		  test_first_packets_share_burst },
		{ "sync: established, closing and UDP connections are reported, once each",
		  test_sync_reports_changes },
		{ "sync: a peer's connection is installed, refreshed, and becomes ours on traffic",
		  test_sync_install },
		{ "sync: records for an unknown service, mode or backend install nothing",
		  test_sync_refuses_unknown },
		{ "sync: a bulk request walks the table, then ends", test_sync_bulk },
		{ "ha: a VIP not held is not answered nor served; its synced connections are",
		  test_vip_not_held },
		{ "a packet dropped for its TTL changes no connection, makes none",
		  test_ttl_drop_changes_nothing },
		{ "an RST closes only with its sender's exact sequence number; blind ones dropped",
		  test_blind_rst_refused },
		{ "policy reset: a backend gone DOWN has its clients reset at once",
		  test_reset_policy_acts },
		{ "a packet dropped for an unresolved next hop changes no connection",
		  test_neigh_miss_changes_nothing },
		{ "ARP that would poison the neighbours is refused, counted, not learnt",
		  test_arp_poison_refused },
		{ "an ARP reply to the port's address is reported, its MAC known or not",
		  test_arp_reply_to_us_reported },
		{ "new connections only from hosts routed back out of their port; no smurf echo",
		  test_new_source_checked },
		{ "a frame to another host's MAC is dropped unread", test_other_mac_dropped },
		{ "for the kernel: the control lcore's own first, guests limited, our sources never",
		  test_exception_classified },
		{ "the exception limiter: per source, overall, refilled in time",
		  test_exception_limiter },
		{ "a port without a vlan refuses tagged frames (VLAN hopping)",
		  test_vlan_untagged_port },
		{ "a port with a vlan takes its VID only, untags it, tags what leaves",
		  test_vlan_port },
		{ "too large for the egress MTU: fragmentation needed (DF, limited) or dropped",
		  test_too_big },
		{ "nat: a client-side ICMP error reaches the backend, translated",
		  test_icmp_nat_client_side },
		{ "nat: a backend-side ICMP error reaches the client from the VIP",
		  test_icmp_nat_backend_side },
		{ "fullnat: ICMP errors relayed both ways, from the local address and the VIP",
		  test_icmp_fullnat },
		{ "dr: a client-side ICMP error reaches the backend unchanged", test_icmp_dr },
		{ "ICMP errors quoting no connection, or badly, are dropped and counted",
		  test_icmp_err_refused },
	};

	return unit_add_suite_once("worker", suite_init, suite_cleanup, setup, NULL, tests,
				   UNIT_DIM(tests));
}
