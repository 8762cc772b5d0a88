/*
 * Packet builder of the unit tests, the fuzz seeds, bench_pipeline and the
 * traffic generator (gen): Ethernet (optionally 802.1Q) frames carrying IPv4
 * TCP/UDP/ICMP or ARP, with correct checksums, written byte by byte into
 * plain buffers, so that EAL-less tests and DPDK apps share it.
 *
 * The checksums here are computed the slow, obvious way (big-endian words,
 * one at a time) so that tests of the dataplane's fast checksum code compare
 * against an independent implementation. The benchmarks send millions of
 * frames a second, which this cannot build one by one: they build a
 * template once (pb_tmpl_build) and stamp each copy with a flow's addresses,
 * finishing the checksums from sums taken at build time.
 * Threading: pure, any thread.
 */
#ifndef SLUICE_TEST_PKTBUILD_H
#define SLUICE_TEST_PKTBUILD_H

#include <stdint.h>
#include <string.h>

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
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint8_t tcp_opt_len;    /* TCP option bytes: multiple of 4, <= 40 */
	int udp_no_csum;        /* send UDP checksum 0 */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_id;
	uint16_t icmp_seq;
	uint16_t payload_len;   /* bytes after the L4 header */
	uint32_t payload_seed;  /* payload and option bytes derive from it */
	int payload_ramp;       /* payload byte = its offset in the L4 segment (mod 256) */
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

/*
 * xorshift64*: a fixed seed gives the same run on every machine. Inline:
 * bench_pipeline draws a flow per packet in the loop it times.
 */
static inline uint64_t
pb_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A TCP or UDP frame to copy per packet and stamp with a flow. */
struct pb_tmpl {
	uint32_t ip_sum;        /* IPv4 header words, checksum zero */
	uint32_t l4_sum;        /* pseudo-header and segment words, checksum zero */
	uint16_t len;           /* frame bytes, no FCS */
	uint16_t l3_off;
	uint16_t l4_off;
	uint8_t proto;
	/*
	 * Both checksums zero. On a cache line of its own: bench_pipeline
	 * copies the first 64 bytes per packet, one line rather than two
	 * (unaligned, its feed measured about 1 of 21 ns/packet slower).
	 */
	_Alignas(64) uint8_t frame[PB_MAX_FRAME];
};

/*
 * Build the template of s (proto 6 or 17; udp_no_csum ignored: stamped
 * frames carry a UDP checksum). The fields the caller will stamp must be
 * zero in s. Returns 0, or -1 if proto is neither.
 */
int pb_tmpl_build(struct pb_tmpl *t, const struct pb_spec *s);

/* Fold a sum of 16-bit words to 16 bits, end-around carry (RFC 1071). */
static inline uint16_t
pb_fold(uint64_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The stamp functions below take addresses and ports in network order and
 * a frame that already holds a copy of t->frame (t->len bytes; a caller
 * with a fixed frame size copies a constant length, which compiles to a few
 * moves). Sums are taken over the fields as they sit in memory, which one's
 * complement arithmetic allows in either byte order (RFC 1071), so a stamp
 * costs a few additions and no byte swaps.
 */
static inline void
pb_tmpl_finish(uint8_t *frame, const struct pb_tmpl *t, uint32_t ip_add, uint32_t l4_add)
{
	uint16_t ip_csum = (uint16_t)~pb_fold((uint64_t)t->ip_sum + ip_add);
	uint16_t l4_csum = (uint16_t)~pb_fold((uint64_t)t->l4_sum + ip_add + l4_add);

	memcpy(frame + t->l3_off + 10, &ip_csum, 2);
	if (t->proto == 17) {
		if (l4_csum == 0)
			l4_csum = 0xffff;    /* 0 means "no checksum" in UDP */
		memcpy(frame + t->l4_off + 6, &l4_csum, 2);
	} else {
		memcpy(frame + t->l4_off + 16, &l4_csum, 2);
	}
}

static inline uint32_t
pb_words32(uint32_t v)
{
	return (v & 0xffff) + (v >> 16);
}

/* Source address and port; the template's destination stays. */
static inline void
pb_tmpl_stamp_src(uint8_t *frame, const struct pb_tmpl *t, uint32_t src_ip, uint16_t sport)
{
	memcpy(frame + t->l3_off + 12, &src_ip, 4);
	memcpy(frame + t->l4_off, &sport, 2);
	pb_tmpl_finish(frame, t, pb_words32(src_ip), sport);
}

/* Both addresses and both ports. */
static inline void
pb_tmpl_stamp_flow(uint8_t *frame, const struct pb_tmpl *t, uint32_t src_ip, uint16_t sport,
		   uint32_t dst_ip, uint16_t dport)
{
	memcpy(frame + t->l3_off + 12, &src_ip, 4);
	memcpy(frame + t->l3_off + 16, &dst_ip, 4);
	memcpy(frame + t->l4_off, &sport, 2);
	memcpy(frame + t->l4_off + 2, &dport, 2);
	pb_tmpl_finish(frame, t, pb_words32(src_ip) + pb_words32(dst_ip),
		       (uint32_t)sport + dport);
}

#endif
