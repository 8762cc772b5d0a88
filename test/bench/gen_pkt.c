/*
 * Frames of the end-to-end traffic generator: template, ARP. See gen_pkt.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "gen_pkt.h"

#define ETH_HLEN RTE_ETHER_HDR_LEN
#define IP_HLEN 20
#define UDP_HLEN 8
#define TCP_HLEN 20
#define ARP_LEN 28
#define GEN_TTL 64

static void
put16(uint8_t *p, uint16_t host)
{
	uint16_t be = rte_cpu_to_be_16(host);

	memcpy(p, &be, 2);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
gen_tmpl_build(struct pb_tmpl *t, const struct rte_ether_addr *src,
	       const struct rte_ether_addr *dst, uint32_t dst_ip, uint16_t dst_port,
	       uint8_t proto, uint8_t tcp_flags, uint16_t frame_len)
{
	uint32_t l4_hlen = proto == IPPROTO_TCP ? TCP_HLEN : UDP_HLEN;
	struct pb_spec s;

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return -1;
	if (frame_len < GEN_MIN_FRAME + RTE_ETHER_CRC_LEN ||
	    frame_len > GEN_MAX_FRAME + RTE_ETHER_CRC_LEN)
		return -1;
	memset(&s, 0, sizeof(s));
	memcpy(s.dst_mac, dst, RTE_ETHER_ADDR_LEN);
	memcpy(s.src_mac, src, RTE_ETHER_ADDR_LEN);
	s.ttl = GEN_TTL;
	s.proto = proto;
	s.frag = 0x4000;                        /* DF */
	s.dst_ip = rte_be_to_cpu_32(dst_ip);
	s.dst_port = dst_port;
	s.tcp_flags = tcp_flags;
	s.tcp_seq = 1;
	s.payload_len = (uint16_t)(frame_len - RTE_ETHER_CRC_LEN - ETH_HLEN - IP_HLEN - l4_hlen);
	s.payload_ramp = 1;                     /* recognisable payload */
	return pb_tmpl_build(t, &s);
}

int
gen_addrset_add(struct gen_addrset *set, const char *text)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long plen = 32;
	uint32_t mask;

	if (set->n == GEN_MAX_PREFIXES || strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || plen < 0 || plen > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	mask = plen == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - plen));
	set->net[set->n] = a.s_addr & mask;
	set->mask[set->n] = mask;
	set->n++;
	return 0;
}

int
gen_addrset_has(const struct gen_addrset *set, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < set->n; i++)
		if ((ip & set->mask[i]) == set->net[i])
			return 1;
	return 0;
}

int
gen_arp_parse(const uint8_t *frame, uint32_t len, struct gen_arp *a)
{
	const uint8_t *arp = frame + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || get16(frame + 12) != RTE_ETHER_TYPE_ARP)
		return -1;
	if (get16(arp) != 1 || get16(arp + 2) != RTE_ETHER_TYPE_IPV4 || arp[4] != 6 ||
	    arp[5] != 4)
		return -1;
	a->op = get16(arp + 6);
	memcpy(&a->sha, arp + 8, RTE_ETHER_ADDR_LEN);
	memcpy(&a->sip, arp + 14, 4);
	memcpy(&a->tip, arp + 24, 4);
	return 0;
}

void
gen_arp_make_reply(uint8_t *frame, const struct rte_ether_addr *mac)
{
	uint8_t *arp = frame + ETH_HLEN;
	uint8_t sha[RTE_ETHER_ADDR_LEN], sip[4], tip[4];

	memcpy(sha, arp + 8, sizeof(sha));
	memcpy(sip, arp + 14, sizeof(sip));
	memcpy(tip, arp + 24, sizeof(tip));
	memcpy(frame, sha, RTE_ETHER_ADDR_LEN);
	memcpy(frame + 6, mac, RTE_ETHER_ADDR_LEN);
	put16(arp + 6, 2);
	memcpy(arp + 8, mac, RTE_ETHER_ADDR_LEN);
	memcpy(arp + 14, tip, sizeof(tip));
	memcpy(arp + 18, sha, sizeof(sha));
	memcpy(arp + 24, sip, sizeof(sip));
}

uint16_t
gen_arp_request(uint8_t *frame, const struct rte_ether_addr *mac, uint32_t sip,
		uint32_t tip)
{
	struct pb_arp_spec a;

	memset(&a, 0, sizeof(a));
	memset(a.dst_mac, 0xff, RTE_ETHER_ADDR_LEN);
	memcpy(a.src_mac, mac, RTE_ETHER_ADDR_LEN);
	a.op = 1;
	memcpy(a.sha, mac, RTE_ETHER_ADDR_LEN);
	a.spa = rte_be_to_cpu_32(sip);
	a.tpa = rte_be_to_cpu_32(tip);
	a.eth_pad = GEN_MIN_FRAME - ETH_HLEN - ARP_LEN;
	return (uint16_t)pb_arp(frame, &a);
}
