/*
 * Test packet builder: Ethernet (optionally 802.1Q) frames carrying IPv4
 * TCP/UDP/ICMP or ARP, with correct checksums, written byte by byte.
 *
 * The checksums here are computed the slow, obvious way (big-endian words,
 * one at a time) so that tests of the dataplane's fast checksum code compare
 * against an independent implementation. Threading: pure, any thread.
 */
#ifndef SLUICE_TEST_PKTBUILD_H
#define SLUICE_TEST_PKTBUILD_H

#include <stdint.h>

/* Largest frame pb_ipv4() or pb_arp() writes. */
#define PB_MAX_FRAME 2048

/* One IPv4 packet; numbers in host order, the builder writes big-endian. */
struct pb_spec {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	int vlan;               /* add an 802.1Q tag */
	uint16_t vlan_tci;
	uint8_t ip_opt_len;     /* IPv4 option bytes: multiple of 4, <= 40 */
	uint8_t ttl;
	uint8_t proto;          /* 6, 17, 1, or anything (payload only) */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag;          /* flags << 13 | offset (host order) */
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;      /* TCP/UDP */
	uint16_t dst_port;
	uint8_t tcp_flags;
	uint8_t tcp_opt_len;    /* TCP option bytes: multiple of 4, <= 40 */
	int udp_no_csum;        /* send UDP checksum 0 */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_id;
	uint16_t icmp_seq;
	uint16_t payload_len;   /* bytes after the L4 header */
	uint32_t payload_seed;  /* payload and option bytes derive from it */
	uint16_t eth_pad;       /* zero bytes after the IPv4 packet */
};

/* One ARP packet (Ethernet/IPv4). */
struct pb_arp_spec {
	uint8_t dst_mac[6];     /* Ethernet */
	uint8_t src_mac[6];
	int vlan;
	uint16_t vlan_tci;
	uint16_t op;            /* 1 request, 2 reply */
	uint8_t sha[6];
	uint32_t spa;           /* host order */
	uint8_t tha[6];
	uint32_t tpa;
	uint16_t eth_pad;
};

/* A valid packet of protocol proto (6, 17 or 1: echo request) to fill in. */
void pb_default(struct pb_spec *s, uint8_t proto);
void pb_arp_default(struct pb_arp_spec *a);

/* Write the frame into buf (PB_MAX_FRAME bytes); returns its length. */
uint32_t pb_ipv4(uint8_t *buf, const struct pb_spec *s);
uint32_t pb_arp(uint8_t *buf, const struct pb_arp_spec *a);

/* Offsets of the IPv4 and L4 headers in a frame pb_ipv4() built from s. */
uint32_t pb_l3_off(const struct pb_spec *s);
uint32_t pb_l4_off(const struct pb_spec *s);

/* Internet checksum of p[0..n) plus a prior partial sum (reference code). */
uint16_t pb_csum(const uint8_t *p, uint32_t n, uint32_t sum);

/*
 * Walks a frame without the dataplane's parser; returns 1 when the IPv4
 * header checksum and the TCP/UDP/ICMP checksum verify (a UDP checksum of
 * 0 counts as valid), else 0.
 */
int pb_csums_ok(const uint8_t *frame, uint32_t len);

/* xorshift64*: a fixed seed gives the same run on every machine. */
uint64_t pb_rand(uint64_t *state);

#endif
