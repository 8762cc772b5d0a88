/*
 * Writes fuzz_packet's seed corpus (test/fuzz/corpus/packet/) with the
 * tests' packet builder (test/lib/pktbuild.h): a few conversations with the
 * services of fuzz_packet.c's config, in its input format (flags, length,
 * frame).
 * Run by hand when the format or the config changes:
 *   build-fuzz/test/fuzz/packet_seeds test/fuzz/corpus/packet
 * Threading: one thread; pure apart from writing the files.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "test/lib/pktbuild.h"

#define F_BACKEND 0x01    /* arrives on port 1 */
#define F_OWN_MAC 0x02    /* destination MAC := the port's */
#define F_CSUM_GOOD 0x04
#define F_NEW_PASS 0x10

#define IP_CLIENT 0x0a000001u   /* 10.0.0.1, behind the gateway */
#define IP_PORT0 0xc6120001u    /* 198.18.0.1 */
#define IP_GW 0xc61200feu
#define IP_VIP 0xc612000au      /* nat :80, udp :53 */
#define IP_VIP_FULL 0xc612000bu
#define IP_VIP_DR 0xc612000cu
#define IP_VIP_EMPTY 0xc612000du
#define IP_BACKEND 0xc612010bu
#define IP_LOCAL 0xc6120102u    /* fullnat local address */

static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };
static const uint8_t backend_mac[6] = { 0x02, 0x00, 0x00, 0x01, 0x00, 0x0b };

static uint8_t seed[1 << 16];
static size_t seed_len;

static void
add(uint8_t flags, const uint8_t *frame, uint32_t len)
{
	seed[seed_len++] = flags;
	seed[seed_len++] = (uint8_t)(len >> 8);
	seed[seed_len++] = (uint8_t)len;
	memcpy(seed + seed_len, frame, len);
	seed_len += len;
}

static void
add_ip(uint8_t flags, const struct pb_spec *s)
{
	uint8_t frame[PB_MAX_FRAME];

	add(flags | F_OWN_MAC | F_CSUM_GOOD, frame, pb_ipv4(frame, s));
}

static void
spec(struct pb_spec *s, uint8_t proto, int backend, uint32_t src, uint16_t sport,
     uint32_t dst, uint16_t dport, uint8_t tcp_flags)
{
	pb_default(s, proto);
	memcpy(s->src_mac, backend ? backend_mac : gw_mac, 6);
	s->src_ip = src;
	s->src_port = sport;
	s->dst_ip = dst;
	s->dst_port = dport;
	s->tcp_flags = tcp_flags;
	s->payload_len = proto == IPPROTO_TCP && !(tcp_flags & RTE_TCP_SYN_FLAG) ? 20 : 0;
}

static int
write_seed(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	seed_len = 0;
	return 0;
}

/* A whole TCP conversation through vip:80, one segment per pass; replies
 * from the backend to reply_dst:reply_port. */
static void
tcp_life(uint32_t vip, uint32_t reply_dst, uint16_t reply_port)
{
	static const struct { int backend; uint8_t flags; } steps[] = {
		{ 0, RTE_TCP_SYN_FLAG }, { 1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG }, { 0, RTE_TCP_ACK_FLAG }, { 0, RTE_TCP_ACK_FLAG },
		{ 1, RTE_TCP_ACK_FLAG }, { 0, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG }, { 1, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG }, { 0, RTE_TCP_ACK_FLAG },
	};
	struct pb_spec s;
	unsigned int i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].backend)
			spec(&s, IPPROTO_TCP, 1, IP_BACKEND, 8080, reply_dst, reply_port,
			     steps[i].flags);
		else
			spec(&s, IPPROTO_TCP, 0, IP_CLIENT, 40000, vip, 80, steps[i].flags);
		add_ip((uint8_t)((steps[i].backend ? F_BACKEND : 0) | F_NEW_PASS), &s);
	}
}

int
main(int argc, char **argv)
{
	struct pb_arp_spec a;
	struct pb_spec s;
	uint8_t frame[PB_MAX_FRAME];
	int i, rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: packet_seeds DIR\n");
		return 2;
	}
	tcp_life(IP_VIP, IP_CLIENT, 40000);
	rc |= write_seed(argv[1], "tcp_nat_life");
	/* The fullnat source port is the first of worker 0's range. */
	tcp_life(IP_VIP_FULL, IP_LOCAL, 1024);
	rc |= write_seed(argv[1], "tcp_fullnat_life");
	spec(&s, IPPROTO_TCP, 0, IP_CLIENT, 40000, IP_VIP_DR, 80, RTE_TCP_SYN_FLAG);
	add_ip(0, &s);
	s.tcp_flags = RTE_TCP_ACK_FLAG;
	add_ip(0, &s);
	s.tcp_flags = RTE_TCP_RST_FLAG;
	add_ip(F_NEW_PASS, &s);
	rc |= write_seed(argv[1], "tcp_dr_rst");
	spec(&s, IPPROTO_TCP, 0, IP_CLIENT, 40000, IP_VIP_EMPTY, 80, RTE_TCP_SYN_FLAG);
	add_ip(0, &s);
	rc |= write_seed(argv[1], "tcp_refused");

	/* UDP both ways in one burst each, one with no checksum. */
	spec(&s, IPPROTO_UDP, 0, IP_CLIENT, 40000, IP_VIP, 53, 0);
	s.payload_len = 30;
	add_ip(0, &s);
	s.udp_no_csum = 1;
	add_ip(0, &s);
	spec(&s, IPPROTO_UDP, 1, IP_BACKEND, 5353, IP_CLIENT, 40000, 0);
	s.payload_len = 60;
	add_ip(F_BACKEND, &s);
	rc |= write_seed(argv[1], "udp_nat");

	/* Pings: to a port address (answered), to a VIP. */
	spec(&s, IPPROTO_ICMP, 0, IP_CLIENT, 0, IP_PORT0, 0, 0);
	s.payload_len = 56;
	add_ip(0, &s);
	s.dst_ip = IP_VIP;
	add_ip(0, &s);
	rc |= write_seed(argv[1], "icmp_echo");

	/* ARP: who has the port address; a reply from the gateway. */
	pb_arp_default(&a);
	memset(a.dst_mac, 0xff, 6);
	memcpy(a.src_mac, gw_mac, 6);
	memcpy(a.sha, gw_mac, 6);
	a.op = 1;
	a.spa = IP_GW;
	a.tpa = IP_PORT0;
	add(F_CSUM_GOOD, frame, pb_arp(frame, &a));
	a.op = 2;
	a.tpa = IP_PORT0;
	add(F_OWN_MAC, frame, pb_arp(frame, &a));
	rc |= write_seed(argv[1], "arp");

	/* Odd shapes: VLAN tag, IP options, a fragment, TCP options, padding,
	 * a bad IP checksum flag, a truncated frame. */
	spec(&s, IPPROTO_TCP, 0, IP_CLIENT, 40001, IP_VIP, 80, RTE_TCP_SYN_FLAG);
	s.vlan = 1;
	s.vlan_tci = 100;
	add_ip(0, &s);
	s.vlan = 0;
	s.ip_opt_len = 8;
	s.tcp_opt_len = 12;
	add_ip(0, &s);
	s.ip_opt_len = 0;
	s.frag = 0x2000 | 10;
	add_ip(0, &s);
	s.frag = 0;
	s.eth_pad = 18;
	add_ip(0, &s);
	add(F_OWN_MAC | 0x08, frame, pb_ipv4(frame, &s));
	add(F_OWN_MAC | F_CSUM_GOOD, frame, 30);
	rc |= write_seed(argv[1], "odd_shapes");

	/* A burst of new flows, more than one RX burst holds. */
	for (i = 0; i < 40; i++) {
		spec(&s, i % 2 ? IPPROTO_UDP : IPPROTO_TCP, 0, IP_CLIENT + (uint32_t)i,
		     (uint16_t)(1000 + i), i % 3 ? IP_VIP : IP_VIP_FULL, i % 2 ? 53 : 80, RTE_TCP_SYN_FLAG);
		add_ip(0, &s);
	}
	rc |= write_seed(argv[1], "many_flows");
	return rc != 0;
}
