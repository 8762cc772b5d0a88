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

/* Sum of the 16-bit memory words of p[0..n), n even. */
static uint32_t
sum_words(const uint8_t *p, uint32_t n)
{
	uint32_t sum = 0;
	uint16_t w;

	for (; n >= 2; p += 2, n -= 2) {
		memcpy(&w, p, 2);
		sum += w;
	}
	return sum;
}

int
gen_tmpl_build(struct gen_tmpl *t, const struct rte_ether_addr *src,
	       const struct rte_ether_addr *dst, uint32_t dst_ip, uint16_t dst_port,
	       uint8_t proto, uint8_t tcp_flags, uint16_t frame_len)
{
	uint32_t l4_hlen = proto == IPPROTO_TCP ? TCP_HLEN : UDP_HLEN;
	uint8_t *eth = t->frame, *ip = eth + ETH_HLEN, *l4 = ip + IP_HLEN;
	uint32_t len, l4_len, sum, i;
	uint8_t pseudo[12];

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return -1;
	if (frame_len < GEN_MIN_FRAME + RTE_ETHER_CRC_LEN ||
	    frame_len > GEN_MAX_FRAME + RTE_ETHER_CRC_LEN)
		return -1;
	len = frame_len - RTE_ETHER_CRC_LEN;
	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)len;
	t->proto = proto;
	l4_len = len - ETH_HLEN - IP_HLEN;

	memcpy(eth, dst, RTE_ETHER_ADDR_LEN);
	memcpy(eth + 6, src, RTE_ETHER_ADDR_LEN);
	put16(eth + 12, RTE_ETHER_TYPE_IPV4);

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + l4_len));
	put16(ip + 6, 0x4000);                  /* DF */
	ip[8] = GEN_TTL;
	ip[9] = proto;
	memcpy(ip + 16, &dst_ip, 4);             /* source stays 0 until stamped */
	t->ip_sum0 = gen_fold(sum_words(ip, IP_HLEN));

	put16(l4 + 2, dst_port);
	if (proto == IPPROTO_UDP) {
		put16(l4 + 4, (uint16_t)l4_len);
	} else {
		put16(l4 + 4, 0);
		l4[7] = 1;                       /* sequence number 1 */
		l4[12] = (uint8_t)((TCP_HLEN / 4) << 4);
		l4[13] = tcp_flags;
		put16(l4 + 14, 0xffff);          /* window */
	}
	for (i = l4_hlen; i < l4_len; i++)
		l4[i] = (uint8_t)i;              /* recognisable payload */

	memset(pseudo, 0, sizeof(pseudo));       /* source address 0 */
	memcpy(pseudo + 4, &dst_ip, 4);
	pseudo[9] = proto;
	put16(pseudo + 10, (uint16_t)l4_len);
	sum = sum_words(pseudo, sizeof(pseudo)) + sum_words(l4, l4_len & ~1u);
	if (l4_len & 1) {
		uint8_t tail[2] = { l4[l4_len - 1], 0 };

		sum += sum_words(tail, 2);
	}
	t->l4_sum0 = gen_fold(sum);
	return 0;
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
	uint8_t *arp = frame + ETH_HLEN;

	memset(frame, 0, GEN_MIN_FRAME);
	memset(frame, 0xff, RTE_ETHER_ADDR_LEN);
	memcpy(frame + 6, mac, RTE_ETHER_ADDR_LEN);
	put16(frame + 12, RTE_ETHER_TYPE_ARP);
	put16(arp, 1);
	put16(arp + 2, RTE_ETHER_TYPE_IPV4);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, 1);
	memcpy(arp + 8, mac, RTE_ETHER_ADDR_LEN);
	memcpy(arp + 14, &sip, 4);
	memcpy(arp + 24, &tip, 4);
	return GEN_MIN_FRAME;
}
