/*
 * Header rewrites for NAT, FULLNAT and DR, with incremental checksums
 * (RFC 1624), on plain byte buffers so they are testable without EAL.
 *
 * A NAT or FULLNAT packet is rewritten from a connection entry: new source
 * and destination address and ports (any of which may equal the old), TTL
 * decremented. Only changed 16-bit words touch the checksums; a UDP checksum
 * of zero (none) stays zero, and a computed zero becomes 0xffff.
 * Threading: pure functions, any thread.
 */
#ifndef SLUICE_XLATE_H
#define SLUICE_XLATE_H

#include <stdint.h>

#include "pkt.h"

/*
 * RFC 1624 eqn. 3: checksum after one 16-bit word changes from old to new.
 * All arguments in one byte order, either: as read from the frame (network)
 * or all swapped to host; the result is in that same order.
 */
uint16_t xlate_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
/* Same for a 32-bit field (an address), same byte-order rule. */
uint16_t xlate_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/*
 * Rewrite the IPv4 and TCP/UDP headers of `frame` (parsed into m) to the
 * given addresses and ports (network order), decrementing TTL when
 * dec_ttl != 0. Updates the IPv4 header checksum and the L4 checksum
 * (pseudo-header included) incrementally, and updates m to match.
 * m must come from pkt_parse() of this frame (PKT_KIND_IPV4). ICMP has no
 * pseudo header and no ports: only the addresses and TTL change, and the
 * ports given are ignored (m keeps the echo identifier).
 * Returns 0, or -1 when TTL would reach zero (frame and m untouched).
 */
int xlate_l3l4(uint8_t *frame, struct pkt_meta *m, uint32_t src_ip,
	       uint32_t dst_ip, uint16_t src_port, uint16_t dst_port,
	       int dec_ttl);

/*
 * Relay an ICMP error (parsed into m, its quote into e) about a connection:
 * the outer header gets src_ip and dst_ip (TTL decremented when
 * dec_ttl != 0), the quoted header q_src/q_dst addresses and ports, as the
 * packet its receiver sent looked before the appliance translated it. The
 * quoted IPv4 checksum and, when the quote holds it, the quoted TCP/UDP
 * checksum (pseudo header and ports) are updated incrementally, so the
 * quote matches that packet's bytes; the ICMP checksum is recomputed over
 * the whole message. The rest (the next-hop MTU of a frag-needed) is kept:
 * no rewrite changes a packet's length. m and e are updated to match.
 * Returns 0, or -1 when TTL would reach zero (frame, m and e untouched).
 */
int xlate_icmp_error(uint8_t *frame, struct pkt_meta *m, struct pkt_icmp_err *e,
		     uint32_t src_ip, uint32_t dst_ip, uint32_t q_src_ip, uint16_t q_src_port,
		     uint32_t q_dst_ip, uint16_t q_dst_port, int dec_ttl);

/* Internet checksum of p[0..n): 0 when bytes that carry their own checksum
 * (an ICMP message) are intact. */
uint16_t xlate_csum_bytes(const uint8_t *p, uint32_t n);

/* Set Ethernet source and destination MAC (6 bytes each). */
void xlate_set_macs(uint8_t *frame, const uint8_t *src_mac, const uint8_t *dst_mac);

/*
 * Turn an ICMP echo request (parsed into m) into its echo reply in place:
 * swap MACs and addresses, TTL 64, type 0 code 0, checksums updated.
 * Returns 0, or -1 if m is not an echo request.
 */
int xlate_icmp_echo_reply(uint8_t *frame, struct pkt_meta *m);

/*
 * Turn an ARP request (parsed into m) for an address we own into its reply
 * in place, answering with `mac`; the Ethernet destination becomes the
 * requester's ARP sender address. Returns 0, or -1 if not a request.
 */
int xlate_arp_reply(uint8_t *frame, const struct pkt_meta *m, const uint8_t *mac);

/* Full recomputation of the IPv4 header checksum and the L4 checksum (tests,
 * and packets the appliance originates). UDP always gets a real checksum
 * over its own length field's bytes (0 is sent as 0xffff). */
void xlate_csum_full(uint8_t *frame, const struct pkt_meta *m);

#endif
