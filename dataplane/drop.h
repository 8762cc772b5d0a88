/*
 * Drop and exception reasons counted by workers.
 *
 * Every packet a worker does not forward is counted under exactly one reason,
 * so an operator can tell malformed input from policy from resource exhaustion.
 * Threading: constants only.
 */
#ifndef SLUICE_DROP_H
#define SLUICE_DROP_H

#define SL_DROP_REASONS(X) \
	X(TRUNC_ETH,        "truncated ethernet header") \
	X(BAD_SRC_MAC,      "source MAC broadcast, multicast or zero") \
	X(OTHER_MAC,        "unicast frame to another host's MAC (a promiscuous port)") \
	X(TRUNC_VLAN,       "truncated 802.1Q tag") \
	X(VLAN_QINQ,        "802.1ad (QinQ) or stacked VLAN tags") \
	X(VLAN_ON_UNTAGGED, "802.1Q-tagged frame on a port with no vlan") \
	X(VLAN_WRONG_VID,   "frame on a vlan port without that port's VID") \
	X(VLAN_NO_ROOM,     "no headroom for the egress port's VLAN tag") \
	X(UNSUPP_ETHERTYPE, "unsupported ethertype") \
	X(TRUNC_ARP,        "truncated ARP") \
	X(BAD_ARP,          "ARP not Ethernet/IPv4") \
	X(TRUNC_IP,         "truncated IPv4 header") \
	X(BAD_IP_VERSION,   "IP version not 4") \
	X(BAD_IP_HLEN,      "IPv4 header length invalid") \
	X(BAD_IP_LEN,       "IPv4 total length invalid") \
	X(BAD_IP_CSUM,      "IPv4 header checksum wrong") \
	X(IP_FRAGMENT,      "IPv4 fragment") \
	X(MARTIAN_SRC,      "IPv4 source 0/8, 127/8, multicast or 240/4") \
	X(LAND,             "IPv4 source and destination the same") \
	X(BCAST_SRC,        "IPv4 source a subnet's network or broadcast address") \
	X(RPF,              "new connection from a source not routed back out of its port") \
	X(UNSUPP_L4,        "unsupported IPv4 protocol") \
	X(TRUNC_L4,         "truncated TCP/UDP/ICMP header") \
	X(BAD_TCP_HLEN,     "TCP data offset invalid") \
	X(BAD_UDP_LEN,      "UDP length invalid") \
	X(PORT_ZERO,        "TCP or UDP port 0") \
	X(BAD_TCP_FLAGS,    "TCP flags no stack sends (SYN with FIN or RST)") \
	X(NOT_FOR_US,       "IPv4 not to a VIP, local address or connection") \
	X(NO_CONN,          "TCP non-SYN without connection") \
	X(RST_OUT_OF_WINDOW, "TCP RST far from its sender's sequence number (blind reset)") \
	X(NO_BACKEND,       "service has no available backend") \
	X(BACKEND_DOWN,     "connection's backend DOWN, policy reset") \
	X(CT_FULL,          "connection table full") \
	X(TUPLE_CLASH,      "reply tuple already used by another connection") \
	X(LPORT_EXHAUSTED,  "no free FULLNAT local port") \
	X(NO_ROUTE,         "no route to destination") \
	X(NEIGH_MISS,       "next-hop MAC unresolved") \
	X(TTL_EXCEEDED,     "TTL expired") \
	X(FRAG_NEEDED,      "DF packet larger than the egress MTU (answered: ICMP fragmentation needed)") \
	X(FRAG_NEEDED_LIMITED, "DF packet larger than the egress MTU, unanswered (rate limit, or no room)") \
	X(TOO_BIG,          "packet without DF larger than the egress MTU (not fragmented)") \
	X(STEER_FULL,       "hand-off ring to owning worker full") \
	X(TX_FULL,          "TX queue full") \
	X(ICMP_UNHANDLED,   "ICMP not echo request to a local address") \
	X(ICMP_ERR_BAD,     "ICMP error quoting a truncated or malformed packet") \
	X(ICMP_ERR_CSUM,    "ICMP error checksum wrong") \
	X(ARP_IGNORED,      "ARP not for a local address") \
	X(ARP_BAD_SENDER,   "ARP from a broadcast, multicast or zero MAC, or for a network or broadcast address") \
	X(ARP_LOCAL_SENDER, "ARP claiming one of this appliance's addresses (not learnt)") \
	X(EXCEPTION_FULL,   "control ring full") \
	X(EXCEPTION_LIMIT,  "for the kernel, over its source's or the overall rate limit") \
	X(LOCAL_SRC,        "IPv4 source one of this appliance's addresses, from the wire") \
	X(VIP_NOT_HELD,     "new connection to a VIP this appliance does not hold (HA)")

enum sl_drop {
#define SL_DROP_ENUM(name, text) SL_DROP_##name,
	SL_DROP_REASONS(SL_DROP_ENUM)
#undef SL_DROP_ENUM
	SL_DROP__COUNT
};

/* Identifier of a reason ("TRUNC_ETH"); stats lower-case it for keys. */
const char *sl_drop_name(enum sl_drop reason);
/* Human description of a reason. */
const char *sl_drop_text(enum sl_drop reason);

#endif
