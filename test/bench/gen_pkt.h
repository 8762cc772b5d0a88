/*
 * Frames of the end-to-end traffic generator (gen.c).
 *
 * One UDP or TCP frame toward the VIP, built once as a template of the
 * shared packet builder (test/lib/pktbuild.h), is copied per packet and
 * stamped with a flow's source address and port, so a packet costs a copy
 * of the frame and a few additions. ARP requests for the addresses the
 * generator impersonates (clients' gateway, backends) are answered in place.
 * Addresses are in network order unless a name says host order.
 * Threading: pure functions over caller-owned memory, any thread.
 */
#ifndef SLUICE_BENCH_GEN_PKT_H
#define SLUICE_BENCH_GEN_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#include "test/lib/pktbuild.h"

#define GEN_MAX_FRAME 1514           /* without FCS */
#define GEN_MIN_FRAME 60
#define GEN_MAX_PREFIXES 16

/* Addresses answered by ARP on one port: a short list of prefixes. */
struct gen_addrset {
	uint32_t n;
	uint32_t net[GEN_MAX_PREFIXES];
	uint32_t mask[GEN_MAX_PREFIXES];
};

/*
 * Build the frame template: Ethernet src/dst, IPv4 to dst_ip, UDP or TCP
 * (tcp_flags, e.g. 0x02 SYN) to dst_port (host order), frame_len bytes with
 * the FCS (64..1518); source address and port stay 0 until stamped.
 * Returns 0, or -1 if frame_len or proto is out of range.
 */
int gen_tmpl_build(struct pb_tmpl *t, const struct rte_ether_addr *src,
		   const struct rte_ether_addr *dst, uint32_t dst_ip, uint16_t dst_port,
		   uint8_t proto, uint8_t tcp_flags, uint16_t frame_len);

/*
 * Copy the template to frame and stamp the flow: source address src_ip and
 * source port sport (both network order), checksums finished.
 */
static inline void
gen_stamp(uint8_t *frame, const struct pb_tmpl *t, uint32_t src_ip, uint16_t sport)
{
	memcpy(frame, t->frame, t->len);
	pb_tmpl_stamp_src(frame, t, src_ip, sport);
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
