/*
 * Refusals: when a service has no backend to give (all DOWN or drained), a
 * new connection is answered at once instead of left to time out: a TCP
 * SYN gets a RST, a UDP datagram an ICMP port unreachable, both from the
 * VIP, as a host without that service would answer. A packet too large for
 * its next hop, with DF, gets ICMP fragmentation needed, as a router's.
 * The answer is built in the received frame's buffer. Threading: pure.
 */
#ifndef SLUICE_REFUSE_H
#define SLUICE_REFUSE_H

#include <stdint.h>

#include "pkt.h"

/* Bytes an ICMP error needs in front of the frame (new IPv4 + ICMP header). */
#define REFUSE_ICMP_HEADROOM 28u

/*
 * Turn a TCP segment (parsed into m) into the RST that refuses it: MACs,
 * addresses and ports swapped, no options or payload, RST|ACK acknowledging
 * the segment (SYN and FIN count one). Returns the new frame length.
 */
uint32_t refuse_tcp_rst(uint8_t *frame, const struct pkt_meta *m);

/*
 * Build the ICMP destination-unreachable (code 3: port) for a UDP datagram
 * (parsed into m) whose frame starts at nf + REFUSE_ICMP_HEADROOM, in place
 * at nf: Ethernet (MACs swapped), IPv4 from the datagram's destination to
 * its source, ICMP, then the datagram's IPv4 header and first 8 bytes.
 * Returns the new frame's length.
 */
uint32_t refuse_udp_unreachable(uint8_t *nf, const struct pkt_meta *m);

/*
 * The same for a packet too large for the next hop with DF set: ICMP
 * destination-unreachable code 4 (fragmentation needed) carrying mtu, the
 * next hop's MTU (RFC 1191), from src_ip (network order: an address of
 * this appliance) to the packet's source, which then learns the path MTU.
 */
uint32_t refuse_frag_needed(uint8_t *nf, const struct pkt_meta *m, uint32_t src_ip,
			    uint16_t mtu);

/*
 * A TCP segment this appliance sends of its own accord (no packet to
 * answer): Ethernet II, IPv4 (TTL 64, DF), TCP with no options or payload.
 * Addresses and ports in network order, seq and ack in host order.
 */
struct refuse_seg {
	const uint8_t *src_mac;
	const uint8_t *dst_mac;
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
};

/* Bytes refuse_tcp_seg() writes: 14 + 20 + 20. */
#define REFUSE_SEG_LEN 54u

/* Build s at frame (REFUSE_SEG_LEN bytes of room). Returns the length. */
uint32_t refuse_tcp_seg(uint8_t *frame, const struct refuse_seg *s);

#endif
