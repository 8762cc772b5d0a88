/*
 * Header parser: one pass over Ethernet, ARP or IPv4, and TCP/UDP/ICMP;
 * and, asked for ICMP errors only, the packet such an error quotes.
 *
 * Frames come from the NIC at any alignment a driver chooses (2-byte at
 * best), so fields are read byte-wise or with memcpy, never through casted
 * struct pointers. Each length is checked before the bytes it guards are
 * read, so nothing past len is ever touched. There is no loop over the
 * payload; the only loop sums the IPv4 header when the caller asks for it.
 * Threading: pure function, any thread.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>

#include "bytes.h"
#include "pkt.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ARP_LEN 28
#define IP_HLEN_MIN 20
#define TCP_HLEN_MIN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
/* An error quotes at least a header and 8 bytes past it (RFC 792). */
#define ICMP_QUOTE_L4 8

/* Ethernet/IPv4 ARP: htype 1 and ptype 0x0800, then hlen 6 and plen 4. */
#define ARP_HTYPE_PTYPE 0x00010800u
#define ARP_HLEN_PLEN 0x0604u

/* MF flag and fragment offset; DF and the reserved bit do not fragment. */
#define IP_FRAG_MASK 0x3fff
#define IP_OFFSET_MASK 0x1fff

static inline uint16_t
rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * One's complement sum of an IPv4 header (hlen a multiple of 4, >= 20).
 * Summing native 32-bit words and folding is valid in either byte order
 * (RFC 1071 2(B)), and a correct header sums to 0xffff, which is the same
 * in both orders, so no swap is needed.
 */
static inline int
ip_csum_ok(const uint8_t *ip, uint32_t hlen)
{
	uint64_t sum = 0;
	uint32_t off;

	for (off = 0; off < hlen; off += 4)
		sum += sl_ld32(ip + off);
	/* At most 15 words: below 2^36, so three folds reach 16 bits. */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static int
parse_arp(const uint8_t *arp, uint32_t avail, struct pkt_meta *m)
{
	uint32_t types;
	uint16_t op;

	if (unlikely(avail < ARP_LEN))
		return pkt_parse_fail(SL_DROP_TRUNC_ARP);
	types = (uint32_t)rd_be16(arp) << 16 | rd_be16(arp + 2);
	if (unlikely(types != ARP_HTYPE_PTYPE || rd_be16(arp + 4) != ARP_HLEN_PLEN))
		return pkt_parse_fail(SL_DROP_BAD_ARP);
	op = rd_be16(arp + 6);
	/*
	 * arp_op is one byte; an opcode above 255 must not alias a request
	 * or reply through truncation, so it reads as 0 (no such opcode).
	 */
	m->arp_op = op > 0xff ? 0 : (uint8_t)op;
	m->src_ip = sl_ld32(arp + 14);
	m->dst_ip = sl_ld32(arp + 24);
	m->l3_len = ARP_LEN;
	m->kind = PKT_KIND_ARP;
	return PKT_KIND_ARP;
}

static int
parse_l4(const uint8_t *l4, uint32_t l4_len, uint8_t proto, struct pkt_meta *m)
{
	uint32_t hlen;

	switch (proto) {
	case IPPROTO_TCP:
		if (unlikely(l4_len < TCP_HLEN_MIN))
			return pkt_parse_fail(SL_DROP_TRUNC_L4);
		hlen = (uint32_t)(l4[12] >> 4) * 4;
		if (unlikely(hlen < TCP_HLEN_MIN || hlen > l4_len))
			return pkt_parse_fail(SL_DROP_BAD_TCP_HLEN);
		m->src_port = sl_ld16(l4);
		m->dst_port = sl_ld16(l4 + 2);
		m->tcp_flags = l4[13];
		m->tcp_seq = (uint32_t)rd_be16(l4 + 4) << 16 | rd_be16(l4 + 6);
		m->tcp_hlen = (uint8_t)hlen;
		if (unlikely(m->src_port == 0 || m->dst_port == 0))
			return pkt_parse_fail(SL_DROP_PORT_ZERO);
		/* No stack opens and closes or resets in one segment: such a
		 * segment is a scan or an attack on the state machine. */
		if (unlikely((m->tcp_flags & TCP_SYN) && (m->tcp_flags & (TCP_FIN | TCP_RST))))
			return pkt_parse_fail(SL_DROP_BAD_TCP_FLAGS);
		break;
	case IPPROTO_UDP:
		if (unlikely(l4_len < UDP_HLEN))
			return pkt_parse_fail(SL_DROP_TRUNC_L4);
		hlen = rd_be16(l4 + 4);
		if (unlikely(hlen < UDP_HLEN || hlen > l4_len))
			return pkt_parse_fail(SL_DROP_BAD_UDP_LEN);
		m->src_port = sl_ld16(l4);
		m->dst_port = sl_ld16(l4 + 2);
		if (unlikely(m->src_port == 0 || m->dst_port == 0))
			return pkt_parse_fail(SL_DROP_PORT_ZERO);
		break;
	case IPPROTO_ICMP:
		if (unlikely(l4_len < ICMP_HLEN))
			return pkt_parse_fail(SL_DROP_TRUNC_L4);
		m->icmp_type = l4[0];
		/* The echo identifier plays the port so conntrack keys pings. */
		if (l4[0] == ICMP_ECHO_REQUEST || l4[0] == ICMP_ECHO_REPLY) {
			m->src_port = sl_ld16(l4 + 4);
			m->dst_port = m->src_port;
		}
		break;
	case PKT_PROTO_VRRP:
		break;
	default:
		return pkt_parse_fail(SL_DROP_UNSUPP_L4);
	}
	m->kind = PKT_KIND_IPV4;
	return PKT_KIND_IPV4;
}

static int
parse_ipv4(const uint8_t *ip, uint32_t avail, unsigned int flags,
	   struct pkt_meta *m)
{
	uint32_t hlen, tot;

	if (unlikely(avail < IP_HLEN_MIN))
		return pkt_parse_fail(SL_DROP_TRUNC_IP);
	if (unlikely((ip[0] >> 4) != 4))
		return pkt_parse_fail(SL_DROP_BAD_IP_VERSION);
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	if (unlikely(hlen < IP_HLEN_MIN))
		return pkt_parse_fail(SL_DROP_BAD_IP_HLEN);
	if (unlikely(hlen > avail))
		return pkt_parse_fail(SL_DROP_TRUNC_IP);
	/* Below the minimum Ethernet frame, drivers keep padding: allow it. */
	tot = rd_be16(ip + 2);
	if (unlikely(tot < hlen || tot > avail))
		return pkt_parse_fail(SL_DROP_BAD_IP_LEN);
	if ((flags & PKT_PARSE_VERIFY_IP_CSUM) && unlikely(!ip_csum_ok(ip, hlen)))
		return pkt_parse_fail(SL_DROP_BAD_IP_CSUM);
	if (unlikely(rd_be16(ip + 6) & IP_FRAG_MASK))
		return pkt_parse_fail(SL_DROP_IP_FRAGMENT);

	m->ttl = ip[8];
	m->proto = ip[9];
	m->src_ip = sl_ld32(ip + 12);
	m->dst_ip = sl_ld32(ip + 16);
	/* First octet 0, 127, 224..255: no host sends from there (RFC 1122
	 * 3.2.1.3, RFC 1812 5.3.7). */
	if (unlikely(ip[12] == 0 || ip[12] == 127 || ip[12] >= 224))
		return pkt_parse_fail(SL_DROP_MARTIAN_SRC);
	if (unlikely(m->src_ip == m->dst_ip))
		return pkt_parse_fail(SL_DROP_LAND);
	m->l3_len = (uint16_t)hlen;
	m->l4_len = (uint16_t)(tot - hlen);
	return parse_l4(ip + hlen, tot - hlen, ip[9], m);
}

int
pkt_parse(const uint8_t *frame, uint32_t len, unsigned int flags, struct pkt_meta *m)
{
	uint32_t l2_len = ETH_HLEN;
	uint16_t type;

	/* Fields a path does not set read as zero rather than stale. */
	memset(m, 0, sizeof(*m));
	if (unlikely(len < ETH_HLEN))
		return pkt_parse_fail(SL_DROP_TRUNC_ETH);
	/* A group (broadcast, multicast) or zero source is no host's: never
	 * learnt, answered or forwarded. */
	if (unlikely((frame[6] & 1) || (sl_ld32(frame + 6) | sl_ld16(frame + 10)) == 0))
		return pkt_parse_fail(SL_DROP_BAD_SRC_MAC);
	type = rd_be16(frame + 12);
	if (type == ETHERTYPE_VLAN) {
		if (unlikely(len < ETH_HLEN + VLAN_HLEN))
			return pkt_parse_fail(SL_DROP_TRUNC_VLAN);
		m->has_vlan = 1;
		m->vlan_tci = rd_be16(frame + 14);
		type = rd_be16(frame + 16);
		l2_len += VLAN_HLEN;
	}
	/* A port carries one tag at most: a tag behind the port's (double
	 * tagging) would hop into the VLAN it names once the outer one goes. */
	if (unlikely(type == ETHERTYPE_QINQ || type == ETHERTYPE_VLAN))
		return pkt_parse_fail(SL_DROP_VLAN_QINQ);
	m->l2_len = (uint16_t)l2_len;

	if (likely(type == ETHERTYPE_IPV4))
		return parse_ipv4(frame + l2_len, len - l2_len, flags, m);
	if (type == ETHERTYPE_ARP)
		return parse_arp(frame + l2_len, len - l2_len, m);
	return pkt_parse_fail(SL_DROP_UNSUPP_ETHERTYPE);
}

int
pkt_parse_icmp_err(const uint8_t *frame, const struct pkt_meta *m, struct pkt_icmp_err *e)
{
	const uint8_t *ip = frame + m->l2_len + m->l3_len + ICMP_HLEN;
	uint32_t avail = m->l4_len - ICMP_HLEN, hlen;

	/* pkt_parse() saw the ICMP header, so l4_len >= ICMP_HLEN. */
	if (avail < IP_HLEN_MIN || (ip[0] >> 4) != 4)
		return pkt_parse_fail(SL_DROP_ICMP_ERR_BAD);
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	if (hlen < IP_HLEN_MIN || hlen > avail || rd_be16(ip + 2) < hlen)
		return pkt_parse_fail(SL_DROP_ICMP_ERR_BAD);
	e->proto = ip[9];
	if (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP)
		return 0;
	/* A later fragment carries no ports (and the appliance sends no
	 * fragments); nor does a quote of fewer than 8 bytes past the header. */
	if ((rd_be16(ip + 6) & IP_OFFSET_MASK) != 0 ||
	    avail - hlen < ICMP_QUOTE_L4 || rd_be16(ip + 2) < hlen + ICMP_QUOTE_L4)
		return pkt_parse_fail(SL_DROP_ICMP_ERR_BAD);
	e->src_ip = sl_ld32(ip + 12);
	e->dst_ip = sl_ld32(ip + 16);
	e->src_port = sl_ld16(ip + hlen);
	e->dst_port = sl_ld16(ip + hlen + 2);
	e->ip_off = (uint16_t)(ip - frame);
	e->l3_len = (uint16_t)hlen;
	e->l4_len = (uint16_t)(avail - hlen);
	return 1;
}
