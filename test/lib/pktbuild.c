/*
 * Test packet builder; see pktbuild.h. Deliberately simple, not fast: only
 * the stamping of templates (inline, in the header) is on a timed path.
 */
#include <string.h>

#include "pktbuild.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint16_t
pb_csum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4_len)
{
	return (uint32_t)get16(ip + 12) + get16(ip + 14) + get16(ip + 16) +
	       get16(ip + 18) + proto + l4_len;
}

void
pb_default(struct pb_spec *s, uint8_t proto)
{
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dst_mac, dmac, 6);
	memcpy(s->src_mac, smac, 6);
	s->ttl = 64;
	s->proto = proto;
	s->ip_id = 0x1234;
	s->frag = 0x4000; /* DF */
	s->src_ip = 0xc0a80a01;  /* 192.168.10.1 */
	s->dst_ip = 0x0a000064;  /* 10.0.0.100 */
	s->src_port = 40000;
	s->dst_port = 80;
	s->tcp_flags = 0x02;
	s->tcp_seq = 0x01020304;
	s->tcp_ack = 0x05060708;
	s->icmp_type = 8;
	s->icmp_id = 0xbeef;
	s->icmp_seq = 7;
	s->payload_len = 13;
	s->payload_seed = 1;
}

void
pb_arp_default(struct pb_arp_spec *a)
{
	static const uint8_t req_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(a, 0, sizeof(*a));
	memset(a->dst_mac, 0xff, 6);
	memcpy(a->src_mac, req_mac, 6);
	a->op = 1;
	memcpy(a->sha, req_mac, 6);
	a->spa = 0xc0a80a01;
	a->tpa = 0x0a000064;
}

static uint32_t
put_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src, int vlan,
	uint16_t tci, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (!vlan) {
		put16(buf + 12, type);
		return 14;
	}
	put16(buf + 12, 0x8100);
	put16(buf + 14, tci);
	put16(buf + 16, type);
	return 18;
}

static uint32_t
l4_hdr_len(const struct pb_spec *s)
{
	switch (s->proto) {
	case 6:
		return 20u + s->tcp_opt_len;
	case 17:
	case 1:
		return 8;
	default:
		return 0;
	}
}

uint32_t
pb_l3_off(const struct pb_spec *s)
{
	return s->vlan ? 18 : 14;
}

uint32_t
pb_l4_off(const struct pb_spec *s)
{
	return pb_l3_off(s) + 20u + s->ip_opt_len;
}

static void
fill(uint8_t *p, uint32_t n, uint32_t seed)
{
	uint64_t st = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 1 | 1);
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(pb_rand(&st) >> 56);
}

/* A payload recognisable in a capture: byte i of the segment is i. */
static void
ramp(uint8_t *l4, uint32_t from, uint32_t to)
{
	uint32_t i;

	for (i = from; i < to; i++)
		l4[i] = (uint8_t)i;
}

uint32_t
pb_ipv4(uint8_t *buf, const struct pb_spec *s)
{
	uint32_t l3 = pb_l3_off(s), ihl = 20u + s->ip_opt_len;
	uint32_t l4_len = l4_hdr_len(s) + s->payload_len;
	uint8_t *ip = buf + l3, *l4 = ip + ihl;
	uint16_t c;

	put_eth(buf, s->dst_mac, s->src_mac, s->vlan, s->vlan_tci, 0x0800);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = s->tos;
	put16(ip + 2, (uint16_t)(ihl + l4_len));
	put16(ip + 4, s->ip_id);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put16(ip + 10, 0);
	put32(ip + 12, s->src_ip);
	put32(ip + 16, s->dst_ip);
	/* Option bytes are arbitrary: the parser only skips them. */
	fill(ip + 20, s->ip_opt_len, s->payload_seed ^ 0x5a5a);
	put16(ip + 10, pb_csum(ip, ihl, 0));

	memset(l4, 0, l4_hdr_len(s));
	if (s->payload_ramp)
		ramp(l4, l4_hdr_len(s), l4_len);
	else
		fill(l4 + l4_hdr_len(s), s->payload_len, s->payload_seed);
	switch (s->proto) {
	case 6:
		put16(l4, s->src_port);
		put16(l4 + 2, s->dst_port);
		put32(l4 + 4, s->tcp_seq);
		put32(l4 + 8, s->tcp_ack);
		l4[12] = (uint8_t)((20 + s->tcp_opt_len) / 4 << 4);
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 65535);
		fill(l4 + 20, s->tcp_opt_len, s->payload_seed ^ 0xa5a5);
		put16(l4 + 16, pb_csum(l4, l4_len, pseudo_sum(ip, 6, l4_len)));
		break;
	case 17:
		put16(l4, s->src_port);
		put16(l4 + 2, s->dst_port);
		put16(l4 + 4, (uint16_t)l4_len);
		if (!s->udp_no_csum) {
			c = pb_csum(l4, l4_len, pseudo_sum(ip, 17, l4_len));
			put16(l4 + 6, c ? c : 0xffff);
		}
		break;
	case 1:
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		put16(l4 + 4, s->icmp_id);
		put16(l4 + 6, s->icmp_seq);
		put16(l4 + 2, pb_csum(l4, l4_len, 0));
		break;
	default:
		break;
	}
	memset(l4 + l4_len, 0, s->eth_pad);
	return l3 + ihl + l4_len + s->eth_pad;
}

uint32_t
pb_arp(uint8_t *buf, const struct pb_arp_spec *a)
{
	uint32_t l3 = put_eth(buf, a->dst_mac, a->src_mac, a->vlan, a->vlan_tci, 0x0806);
	uint8_t *p = buf + l3;

	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, a->op);
	memcpy(p + 8, a->sha, 6);
	put32(p + 14, a->spa);
	memcpy(p + 18, a->tha, 6);
	put32(p + 24, a->tpa);
	memset(p + 28, 0, a->eth_pad);
	return l3 + 28 + a->eth_pad;
}

int
pb_csums_ok(const uint8_t *frame, uint32_t len)
{
	uint32_t l3 = 14, ihl, tot, l4_len;
	const uint8_t *ip, *l4;
	uint16_t c;

	if (len >= 18 && get16(frame + 12) == 0x8100)
		l3 = 18;
	if (len < l3 + 20 || get16(frame + l3 - 2) != 0x0800)
		return 0;
	ip = frame + l3;
	ihl = (ip[0] & 0xfu) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || tot < ihl || l3 + tot > len)
		return 0;
	if (pb_csum(ip, ihl, 0) != 0)
		return 0;
	l4 = ip + ihl;
	l4_len = tot - ihl;
	switch (ip[9]) {
	case 6:
		return l4_len >= 20 && pb_csum(l4, l4_len, pseudo_sum(ip, 6, l4_len)) == 0;
	case 17:
		if (l4_len < 8)
			return 0;
		c = get16(l4 + 6);
		if (get16(l4 + 4) < 8 || get16(l4 + 4) > l4_len)
			return 0;
		l4_len = get16(l4 + 4);
		return c == 0 || pb_csum(l4, l4_len, pseudo_sum(ip, 17, l4_len)) == 0;
	case 1:
		return l4_len >= 8 && pb_csum(l4, l4_len, 0) == 0;
	default:
		return 1;
	}
}

/* Sum of the 16-bit memory words of p[0..n); an odd last byte pads with 0. */
static uint32_t
mem_sum(const uint8_t *p, uint32_t n)
{
	uint32_t sum = 0, i;
	uint16_t w;

	for (i = 0; i + 1 < n; i += 2) {
		memcpy(&w, p + i, 2);
		sum += w;
	}
	if (n & 1) {
		uint8_t tail[2] = { p[n - 1], 0 };

		memcpy(&w, tail, 2);
		sum += w;
	}
	return sum;
}

int
pb_tmpl_build(struct pb_tmpl *t, const struct pb_spec *s)
{
	uint32_t l4_len;
	uint8_t *ip, *l4, pseudo[12];

	if (s->proto != 6 && s->proto != 17)
		return -1;
	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)pb_ipv4(t->frame, s);
	t->l3_off = (uint16_t)pb_l3_off(s);
	t->l4_off = (uint16_t)pb_l4_off(s);
	t->proto = s->proto;
	ip = t->frame + t->l3_off;
	l4 = t->frame + t->l4_off;
	l4_len = get16(ip + 2) - (t->l4_off - t->l3_off);
	put16(ip + 10, 0);
	put16(l4 + (s->proto == 6 ? 16 : 6), 0);
	t->ip_sum = mem_sum(ip, t->l4_off - t->l3_off);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = s->proto;
	put16(pseudo + 10, (uint16_t)l4_len);
	t->l4_sum = mem_sum(pseudo, sizeof(pseudo)) + mem_sum(l4, l4_len);
	return 0;
}
