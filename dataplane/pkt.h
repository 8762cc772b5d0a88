/*
 * Packet metadata and the header parser.
 *
 * pkt_parse() reads an Ethernet frame once and fills a small metadata struct
 * that every later stage (conntrack, scheduler, rewrite) uses instead of
 * touching the headers again. It works on a plain byte buffer so it can be
 * tested without EAL; the worker passes rte_pktmbuf_mtod() of single-segment
 * mbufs. Threading: pure functions, any thread.
 *
 * Addresses and ports in struct pkt_meta are in network byte order, exactly
 * as on the wire, so they can be compared and copied into tuples without
 * swapping on the hot path.
 */
#ifndef SLUICE_PKT_H
#define SLUICE_PKT_H

#include <stdint.h>

#include "drop.h"

enum pkt_kind {
	PKT_KIND_ARP = 1,
	PKT_KIND_IPV4 = 2,
};

/* VRRP (RFC 5798): no ports; passed to the kernel for keepalived. */
#define PKT_PROTO_VRRP 112

/* pkt_parse() flags. */
#define PKT_PARSE_VERIFY_IP_CSUM 0x1u /* check the IPv4 header checksum */

struct pkt_meta {
	uint32_t src_ip;     /* IPv4 (ARP: sender protocol address) */
	uint32_t dst_ip;     /* IPv4 (ARP: target protocol address) */
	uint16_t src_port;   /* TCP/UDP; ICMP echo: identifier */
	uint16_t dst_port;   /* TCP/UDP; ICMP echo: identifier */
	uint16_t l2_len;     /* Ethernet + optional 802.1Q tag */
	uint16_t l3_len;     /* IPv4 header length incl. options; ARP: 28 */
	uint16_t l4_len;     /* bytes from the L4 header to the IP end */
	uint16_t vlan_tci;   /* host order; valid when has_vlan */
	uint32_t tcp_seq;    /* TCP sequence number, host order */
	uint8_t kind;        /* enum pkt_kind */
	uint8_t proto;       /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t tcp_flags;   /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10) */
	uint8_t icmp_type;   /* ICMP type (0 unless proto is ICMP) */
	uint8_t has_vlan;
	uint8_t arp_op;      /* ARP opcode (1 request, 2 reply); 0 if > 255 */
	uint8_t ttl;
	uint8_t tcp_hlen;    /* TCP header length in bytes, options included */
};

/*
 * The packet an ICMP error (destination unreachable, time exceeded,
 * parameter problem) quotes: its IPv4 header and the first 8 bytes of its
 * TCP or UDP header, which hold both ports (RFC 792, RFC 1812 4.3.2.3).
 * Addresses and ports in network order, as in struct pkt_meta.
 */
struct pkt_icmp_err {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t ip_off;     /* quoted IPv4 header, from the frame's start */
	uint16_t l3_len;     /* its length incl. options */
	uint16_t l4_len;     /* quoted bytes from its L4 header on (>= 8) */
	uint8_t proto;       /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t pad;
};

/* ICMP types whose message quotes the packet it is about. */
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_TIME_EXCEEDED 11
#define PKT_ICMP_PARAM_PROBLEM 12

static inline int
pkt_icmp_is_error(uint8_t type)
{
	return type == PKT_ICMP_UNREACH || type == PKT_ICMP_TIME_EXCEEDED ||
	       type == PKT_ICMP_PARAM_PROBLEM;
}

/*
 * Read the packet the ICMP error in frame (parsed into m, m->icmp_type an
 * error type) quotes. Returns 1 and fills e when it quotes TCP or UDP; 0
 * when it quotes another protocol (an ICMP probe of the kernel's: no
 * connection can match); or pkt_parse_fail(SL_DROP_ICMP_ERR_BAD) when the
 * quote is truncated or malformed. The ICMP checksum is the caller's to
 * check. Only ever called for ICMP errors, off the fast path.
 * Context: any thread; reads only the frame's bytes m describes.
 */
int pkt_parse_icmp_err(const uint8_t *frame, const struct pkt_meta *m, struct pkt_icmp_err *e);

/*
 * Parse an Ethernet frame of len bytes.
 * Returns the enum pkt_kind (> 0) on success, or pkt_parse_fail(reason)
 * (negative); pkt_parse_reason() recovers the reason.
 * Accepts: Ethernet II, one 802.1Q tag (the worker checks it against the
 * port's vlan; 802.1ad or a second tag is VLAN_QINQ), ARP (Ethernet/IPv4,
 * 28 bytes), IPv4 with options, TCP (data offset >= 5, within the packet), UDP (length
 * consistent with the IP length), ICMP (>= 8 bytes), VRRP (proto set, no
 * ports: only ever handed to the kernel). IPv4 fragments and other
 * L4 protocols are reported as drops. Trailing Ethernet padding past the IPv4
 * total length is allowed.
 * Context: any thread; reads only frame[0..len).
 */
int pkt_parse(const uint8_t *frame, uint32_t len, unsigned int flags, struct pkt_meta *m);

/* Reason encoded in a negative pkt_parse() result. */
static inline enum sl_drop
pkt_parse_reason(int ret)
{
	return (enum sl_drop)(-1 - ret);
}

static inline int
pkt_parse_fail(enum sl_drop reason)
{
	return -1 - (int)reason;
}

#endif
