/*
 * ICMP errors about connections: a destination unreachable (frag-needed
 * among them), time exceeded or parameter problem quoting a packet the
 * appliance sent is relayed to the connection's other side, translated as
 * that side's packets are, in nat, fullnat and dr; what quotes no
 * connection, or quotes it badly, is dropped and counted; no error moves a
 * connection. Each relayed frame is compared byte for byte with one the
 * packet builder writes from scratch, so every address, port and checksum
 * (outer IPv4, ICMP, quoted IPv4 and TCP/UDP) is checked against an
 * independent computation.
 * Threading: one thread, the EAL main lcore.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "test_worker.h"
#include "unit.h"

#define ICMP_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define CODE_PORT_UNREACH 3
#define CODE_FRAG_NEEDED 4
#define MTU 1400

static const uint8_t *
port_mac(enum side side)
{
	return app.ports[side].mac.addr_bytes;
}

/* A TCP or UDP packet as one side sent it (TTL 63: one hop made), no payload. */
static void
sent_spec(struct pb_spec *s, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
	  uint16_t dport)
{
	pb_default(s, proto);
	s->src_ip = src;
	s->src_port = sport;
	s->dst_ip = dst;
	s->dst_port = dport;
	s->tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
	s->ttl = 63;
	s->payload_len = 0;
}

/*
 * An ICMP error from src to dst, quoting the first qlen bytes (0: all) of
 * the IPv4 packet `sent`, between the given MACs. Returns its length.
 */
static uint32_t
icmp_err_frame(uint8_t *frame, const uint8_t *dst_mac, const uint8_t *src_mac, uint32_t src,
	       uint32_t dst, uint8_t type, uint8_t code, uint8_t ttl,
	       const struct pb_spec *sent, uint32_t qlen)
{
	uint8_t q[PB_MAX_FRAME];
	struct pb_spec s;
	uint32_t len, l3, l4;
	uint16_t c;

	len = pb_ipv4(q, sent);
	l3 = pb_l3_off(sent);
	if (qlen == 0 || qlen > len - l3)
		qlen = len - l3;
	pb_default(&s, IPPROTO_ICMP);
	memcpy(s.dst_mac, dst_mac, 6);
	memcpy(s.src_mac, src_mac, 6);
	s.src_ip = src;
	s.dst_ip = dst;
	s.ttl = ttl;
	s.icmp_type = type;
	s.icmp_code = code;
	s.icmp_id = 0;
	s.icmp_seq = type == ICMP_UNREACH && code == CODE_FRAG_NEEDED ? MTU : 0;
	s.payload_len = (uint16_t)qlen;
	len = pb_ipv4(frame, &s);
	l4 = pb_l4_off(&s);
	memcpy(frame + l4 + 8, q + l3, qlen);
	frame[l4 + 2] = 0;
	frame[l4 + 3] = 0;
	c = pb_csum(frame + l4, 8 + qlen, 0);
	frame[l4 + 2] = (uint8_t)(c >> 8);
	frame[l4 + 3] = (uint8_t)c;
	return len;
}

/* The same error arriving on `side` from its neighbour. */
static uint32_t
icmp_err_in(uint8_t *frame, enum side side, uint32_t src, uint32_t dst, uint8_t type,
	    uint8_t code, const struct pb_spec *sent, uint32_t qlen)
{
	return icmp_err_frame(frame, port_mac(side), side == SIDE_CLIENT ? gw_mac : backend_mac,
			      src, dst, type, code, 64, sent, qlen);
}

/* In one pass: `in` received on side `from` leaves port `to` as `want`. */
static void
expect_relay(enum side from, const uint8_t *in, uint32_t in_len, enum side to,
	     const uint8_t *want, uint32_t len)
{
	const uint8_t *got;
	struct rte_mbuf *m;
	uint32_t i;

	worker_pass_begin(w);
	rx_frame(from, in, in_len);
	CU_ASSERT_EQUAL(w->tx[1 - to].n, 0);
	CU_ASSERT_EQUAL_FATAL(w->tx[to].n, 1);
	m = w->tx[to].m[0];
	got = rte_pktmbuf_mtod(m, const uint8_t *);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m), len);
	CU_ASSERT(pb_csums_ok(got, rte_pktmbuf_data_len(m)));
	for (i = 0; i < len && i < rte_pktmbuf_data_len(m); i++)
		if (got[i] != want[i]) {
			fprintf(stderr, "relayed frame differs at byte %u: %02x, want %02x\n",
				i, got[i], want[i]);
			CU_FAIL("relayed frame differs");
			break;
		}
	worker_pass_end(w);
}

/* In one pass: `in` received on side `from` is dropped for `reason`. */
static void
expect_drop(enum side from, const uint8_t *in, uint32_t len, enum sl_drop reason)
{
	uint64_t before = w->stats.drops[reason];

	worker_pass_begin(w);
	rx_frame(from, in, len);
	CU_ASSERT_EQUAL(w->tx[SIDE_CLIENT].n + w->tx[SIDE_BACKEND].n, 0);
	worker_pass_end(w);
	CU_ASSERT_EQUAL(w->stats.drops[reason], before + 1);
}

/* client:40000 -> vip:80 established, through the appliance. */
static struct ct_conn *
established(uint32_t vip)
{
	struct ct_conn *c;
	struct pb_spec s;

	from_client(&s, vip, RTE_TCP_SYN_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	from_client(&s, vip, RTE_TCP_ACK_FLAG);
	pass(SIDE_CLIENT, &s, 1);
	c = conn_of(IPPROTO_TCP, vip, VIP_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/*
 * nat, client side: a router on the client's path sends the VIP frag-needed
 * about a reply (VIP:80 -> client). It reaches the backend from the same
 * router, about the reply as the backend sent it (backend:8080 -> client),
 * the MTU kept; the connection is untouched.
 */
void
test_icmp_nat_client_side(void)
{
	uint8_t in[PB_MAX_FRAME], want[PB_MAX_FRAME];
	struct pb_spec sent, orig;
	uint32_t in_len, len;
	struct ct_conn *c;
	uint32_t expire;
	uint8_t state;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	c = established(IP_VIP1);
	state = c->state;
	expire = c->expire;
	sent_spec(&sent, IPPROTO_TCP, IP_VIP1, VIP_PORT, IP_CLIENT, CLIENT_PORT);
	in_len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_FRAG_NEEDED,
			     &sent, 0);
	sent_spec(&orig, IPPROTO_TCP, IP_BACKEND, BACKEND_PORT, IP_CLIENT, CLIENT_PORT);
	len = icmp_err_frame(want, backend_mac, port_mac(SIDE_BACKEND), IP_GW, IP_BACKEND,
			     ICMP_UNREACH, CODE_FRAG_NEEDED, 63, &orig, 0);
	expect_relay(SIDE_CLIENT, in, in_len, SIDE_BACKEND, want, len);
	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 1);
	CU_ASSERT_EQUAL(drops_total(), 0);
	CU_ASSERT_EQUAL(c->state, state);
	CU_ASSERT_EQUAL(c->expire, expire);

	/* A quote of 8 bytes past the header (RFC 792's minimum) will do: the
	 * ports are there, the TCP checksum is not (and is not written). */
	in_len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_FRAG_NEEDED,
			     &sent, 28);
	len = icmp_err_frame(want, backend_mac, port_mac(SIDE_BACKEND), IP_GW, IP_BACKEND,
			     ICMP_UNREACH, CODE_FRAG_NEEDED, 63, &orig, 28);
	expect_relay(SIDE_CLIENT, in, in_len, SIDE_BACKEND, want, len);
	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 2);
	assert_mbufs_home();
}

/*
 * nat, backend side: the backend answers the client's datagram with port
 * unreachable (its service is gone). The client gets it from the VIP, about
 * its own datagram (client -> VIP:53); the flow is not forgotten for it: a
 * forged unreachable must not end a connection.
 */
void
test_icmp_nat_backend_side(void)
{
	uint8_t in[PB_MAX_FRAME], want[PB_MAX_FRAME];
	struct pb_spec s, sent, orig;
	uint32_t in_len, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	dns_from_client(&s);
	pass(SIDE_CLIENT, &s, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conn_of(IPPROTO_UDP, IP_VIP1, DNS_PORT));

	sent_spec(&sent, IPPROTO_UDP, IP_CLIENT, CLIENT_PORT, IP_BACKEND, BACKEND_DNS_PORT);
	in_len = icmp_err_in(in, SIDE_BACKEND, IP_BACKEND, IP_CLIENT, ICMP_UNREACH,
			     CODE_PORT_UNREACH, &sent, 0);
	sent_spec(&orig, IPPROTO_UDP, IP_CLIENT, CLIENT_PORT, IP_VIP1, DNS_PORT);
	len = icmp_err_frame(want, gw_mac, port_mac(SIDE_CLIENT), IP_VIP1, IP_CLIENT,
			     ICMP_UNREACH, CODE_PORT_UNREACH, 63, &orig, 0);
	expect_relay(SIDE_BACKEND, in, in_len, SIDE_CLIENT, want, len);
	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 1);
	CU_ASSERT_EQUAL(drops_total(), 0);
	CU_ASSERT_PTR_NOT_NULL(conn_of(IPPROTO_UDP, IP_VIP1, DNS_PORT));
	assert_mbufs_home();
}

/*
 * fullnat, both sides: to the backend from the local address, about the
 * reply as the backend sent it (backend -> local address:port); to the
 * client from the VIP, about its own segment (client -> VIP:80).
 */
void
test_icmp_fullnat(void)
{
	uint8_t in[PB_MAX_FRAME], want[PB_MAX_FRAME];
	struct pb_spec sent, orig;
	uint32_t in_len, len;
	struct ct_conn *c;
	uint16_t lport;
	uint8_t state;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	c = established(IP_VIP_FULLNAT);
	state = c->state;
	lport = ntohs(c->lport);
	CU_ASSERT_FATAL(lport != 0);

	sent_spec(&sent, IPPROTO_TCP, IP_VIP_FULLNAT, VIP_PORT, IP_CLIENT, CLIENT_PORT);
	in_len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP_FULLNAT, ICMP_UNREACH,
			     CODE_FRAG_NEEDED, &sent, 0);
	sent_spec(&orig, IPPROTO_TCP, IP_BACKEND, BACKEND_PORT, IP_LADDR, lport);
	len = icmp_err_frame(want, backend_mac, port_mac(SIDE_BACKEND), IP_LADDR, IP_BACKEND,
			     ICMP_UNREACH, CODE_FRAG_NEEDED, 63, &orig, 0);
	expect_relay(SIDE_CLIENT, in, in_len, SIDE_BACKEND, want, len);

	sent_spec(&sent, IPPROTO_TCP, IP_LADDR, lport, IP_BACKEND, BACKEND_PORT);
	in_len = icmp_err_in(in, SIDE_BACKEND, IP_BACKEND, IP_LADDR, ICMP_TIME_EXCEEDED, 0,
			     &sent, 0);
	sent_spec(&orig, IPPROTO_TCP, IP_CLIENT, CLIENT_PORT, IP_VIP_FULLNAT, VIP_PORT);
	len = icmp_err_frame(want, gw_mac, port_mac(SIDE_CLIENT), IP_VIP_FULLNAT, IP_CLIENT,
			     ICMP_TIME_EXCEEDED, 0, 63, &orig, 0);
	expect_relay(SIDE_BACKEND, in, in_len, SIDE_CLIENT, want, len);
	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 2);
	CU_ASSERT_EQUAL(drops_total(), 0);
	CU_ASSERT_EQUAL(c->state, state);
	assert_mbufs_home();
}

/*
 * dr, client side: the backend sent the reply from the VIP itself, so the
 * error goes to it unchanged at layer 2, TTL and all, as dr forwards.
 */
void
test_icmp_dr(void)
{
	uint8_t in[PB_MAX_FRAME], want[PB_MAX_FRAME];
	struct pb_spec sent;
	uint32_t in_len, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	(void)established(IP_VIP_DR);
	sent_spec(&sent, IPPROTO_TCP, IP_VIP_DR, VIP_PORT, IP_CLIENT, CLIENT_PORT);
	in_len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP_DR, ICMP_UNREACH, CODE_FRAG_NEEDED,
			     &sent, 0);
	len = icmp_err_frame(want, backend_mac, port_mac(SIDE_BACKEND), IP_GW, IP_VIP_DR,
			     ICMP_UNREACH, CODE_FRAG_NEEDED, 64, &sent, 0);
	expect_relay(SIDE_CLIENT, in, in_len, SIDE_BACKEND, want, len);
	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 1);
	CU_ASSERT_EQUAL(drops_total(), 0);
	assert_mbufs_home();
}

/*
 * What is not relayed: an error quoting no connection (as before, not
 * ICMP the appliance handles), a quote cut inside its IPv4 header or
 * before its ports, a wrong ICMP checksum, an error whose TTL ends here.
 * None moves the connection it names.
 */
void
test_icmp_err_refused(void)
{
	uint8_t in[PB_MAX_FRAME];
	struct pb_spec sent;
	struct ct_conn *c;
	uint32_t len;
	uint8_t state;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	c = established(IP_VIP1);
	state = c->state;
	sent_spec(&sent, IPPROTO_TCP, IP_VIP1, VIP_PORT, IP_CLIENT, CLIENT_PORT + 1);
	len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_PORT_UNREACH,
			  &sent, 0);
	expect_drop(SIDE_CLIENT, in, len, SL_DROP_ICMP_UNHANDLED);

	sent_spec(&sent, IPPROTO_TCP, IP_VIP1, VIP_PORT, IP_CLIENT, CLIENT_PORT);
	len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_PORT_UNREACH,
			  &sent, 16);
	expect_drop(SIDE_CLIENT, in, len, SL_DROP_ICMP_ERR_BAD);
	len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_PORT_UNREACH,
			  &sent, 24);
	expect_drop(SIDE_CLIENT, in, len, SL_DROP_ICMP_ERR_BAD);

	len = icmp_err_in(in, SIDE_CLIENT, IP_GW, IP_VIP1, ICMP_UNREACH, CODE_PORT_UNREACH,
			  &sent, 0);
	in[pb_l3_off(&sent) + 20 + 3] ^= 1;
	expect_drop(SIDE_CLIENT, in, len, SL_DROP_ICMP_ERR_CSUM);

	len = icmp_err_frame(in, port_mac(SIDE_CLIENT), gw_mac, IP_GW, IP_VIP1, ICMP_UNREACH,
			     CODE_PORT_UNREACH, 1, &sent, 0);
	expect_drop(SIDE_CLIENT, in, len, SL_DROP_TTL_EXCEEDED);

	CU_ASSERT_EQUAL(w->stats.icmp_errors_relayed, 0);
	CU_ASSERT_EQUAL(drops_total(), 5);
	CU_ASSERT_EQUAL(c->state, state);
	CU_ASSERT_PTR_EQUAL(conn_of(IPPROTO_TCP, IP_VIP1, VIP_PORT), c);
	assert_mbufs_home();
}
