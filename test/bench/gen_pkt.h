/*
 * Frames of the end-to-end traffic generator (gen.c).
 *
 * One pre-built UDP or TCP frame toward the VIP is copied per packet and
 * stamped with a flow's source address and port; both checksums are then
 * finished from sums precomputed with those fields zero, so a packet costs a
 * copy of the frame and a few additions. ARP requests for the addresses the
 * generator impersonates (clients' gateway, backends) are answered in place.
 * Addresses are in network order unless a name says host order.
 * Threading: pure functions over caller-owned memory, any thread.
 */
#ifndef SLUICE_BENCH_GEN_PKT_H
#define SLUICE_BENCH_GEN_PKT_H

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define GEN_MAX_FRAME 1514           /* without FCS */
#define GEN_MIN_FRAME 60
#define GEN_MAX_PREFIXES 16

struct gen_tmpl {
	uint8_t frame[GEN_MAX_FRAME];
	uint16_t len;                /* bytes on the wire without the FCS */
	uint8_t proto;
	uint16_t ip_sum0;            /* IP header sum, checksum and source address zero */
	uint16_t l4_sum0;            /* L4 sum with pseudo-header, source address and port zero */
};

/* Addresses answered by ARP on one port: a short list of prefixes. */
struct gen_addrset {
	uint32_t n;
	uint32_t net[GEN_MAX_PREFIXES];
	uint32_t mask[GEN_MAX_PREFIXES];
};

/*
 * Build the frame template: Ethernet src/dst, IPv4 to dst_ip, UDP or TCP
 * (tcp_flags, e.g. 0x02 SYN) to dst_port, frame_len bytes with the FCS
 * (64..1518). Returns 0, or -1 if frame_len or proto is out of range.
 */
int gen_tmpl_build(struct gen_tmpl *t, const struct rte_ether_addr *src,
		   const struct rte_ether_addr *dst, uint32_t dst_ip, uint16_t dst_port,
		   uint8_t proto, uint8_t tcp_flags, uint16_t frame_len);

/* Fold a 32-bit one's complement sum to 16 bits. */
static inline uint16_t
gen_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Copy the template to frame and stamp the flow: source address src_ip and
 * source port sport (both network order), checksums finished. The sums are
 * taken over the fields as they sit in memory, which one's complement
 * arithmetic allows in either byte order (RFC 1071).
 */
static inline void
gen_stamp(uint8_t *frame, const struct gen_tmpl *t, uint32_t src_ip, uint16_t sport)
{
	uint32_t addr = (src_ip >> 16) + (src_ip & 0xffff);
	uint16_t ip_csum = (uint16_t)~gen_fold(t->ip_sum0 + addr);
	uint16_t l4_csum = (uint16_t)~gen_fold(t->l4_sum0 + addr + sport);
	uint8_t *ip = frame + RTE_ETHER_HDR_LEN;
	uint8_t *l4 = ip + 20;

	memcpy(frame, t->frame, t->len);
	memcpy(ip + 10, &ip_csum, 2);
	memcpy(ip + 12, &src_ip, 4);
	memcpy(l4, &sport, 2);
	if (t->proto == IPPROTO_UDP) {
		if (l4_csum == 0)
			l4_csum = 0xffff;    /* 0 means "no checksum" in UDP */
		memcpy(l4 + 6, &l4_csum, 2);
	} else {
		memcpy(l4 + 16, &l4_csum, 2);
	}
}

/* Parse "a.b.c.d" or "a.b.c.d/len" into set. 0, or -1 if malformed or full. */
int gen_addrset_add(struct gen_addrset *set, const char *text);
int gen_addrset_has(const struct gen_addrset *set, uint32_t ip);

/* ARP request or reply fields of frame; 0, or -1 if frame is not Ethernet/IPv4 ARP. */
struct gen_arp {
	uint16_t op;                 /* host order: 1 request, 2 reply */
	uint32_t sip;
	uint32_t tip;
	struct rte_ether_addr sha;
};
int gen_arp_parse(const uint8_t *frame, uint32_t len, struct gen_arp *a);

/* Rewrite the request in frame into the reply "tip is at mac". */
void gen_arp_make_reply(uint8_t *frame, const struct rte_ether_addr *mac);

/* Write a broadcast request "who has tip, tell sip" (60 bytes); returns its length. */
uint16_t gen_arp_request(uint8_t *frame, const struct rte_ether_addr *mac, uint32_t sip,
			 uint32_t tip);

#endif
