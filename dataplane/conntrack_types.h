/*
 * Connection-tracking types, apart from the table code so the control lcore
 * (stats, sync, conns listing) can include them without hot-path inlines.
 * Threading: types only.
 */
#ifndef SLUICE_CONNTRACK_TYPES_H
#define SLUICE_CONNTRACK_TYPES_H

#include <assert.h>
#include <stdint.h>

#include "limits.h"

/* One direction of a connection, as seen on the wire, network byte order. */
struct ct_tuple {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
};

enum ct_dir {
	CT_DIR_ORIG = 0,  /* client -> VIP */
	CT_DIR_REPLY = 1, /* backend -> client (NAT) or local address (FULLNAT) */
};

enum ct_state {
	CT_NONE = 0,
	CT_SYN_SENT,    /* client SYN seen, forwarded to the backend */
	CT_SYN_RECV,    /* backend SYN-ACK seen */
	CT_ESTABLISHED,
	CT_FIN_WAIT,    /* one side sent FIN */
	CT_CLOSE_WAIT,  /* FIN acknowledged, other side still open */
	CT_TIME_WAIT,   /* both sides sent FIN */
	CT_CLOSE,       /* RST seen */
	CT_UDP,         /* UDP "connection" (request/response affinity) */
	CT_STATE__COUNT
};

/* Per-state idle timeouts in milliseconds. */
struct ct_timeouts {
	uint32_t ms[CT_STATE__COUNT];
};

/* Connection flags (struct ct_conn.flags). */
#define CT_F_MODE_MASK 0x03u /* forwarding mode, enum svc_mode */
/* Installed from a peer's sync record, no packet seen here since. */
#define CT_F_SYNCED    0x04u
/* 0x08 is free. */
/* Which side has sent a FIN (TCP state machine); REPLY is ORIG << CT_DIR_REPLY. */
#define CT_F_FIN_ORIG  0x10u
#define CT_F_FIN_REPLY 0x20u
/* Only the orig direction passes the appliance (dr): its ACK establishes. */
#define CT_F_ONEWAY    0x40u
/* Replies go to a local address (laddrs[lport_idx]:lport), not the client. */
#define CT_F_LOCAL     0x80u

/*
 * One tracked connection: what every packet of an established connection
 * reads and writes, 32 bytes, two to a cache line and never across two.
 * The reply tuple is not stored whole: its source is the backend, and its
 * destination is the client (orig source) or, for FULLNAT, a local address
 * by index and a local port; ct_reply_tuple() rebuilds it. So an established
 * packet is rewritten from the entry alone, without the service snapshot
 * (the local addresses are an append-only array). For a packet in direction
 * d the rewritten headers are the other direction's tuple reversed:
 * (src, sport, dst, dport) := (other.dst, other.dport, other.src, other.sport).
 * The timer wheel links live apart (struct ct_cold, conntrack_impl.h): the
 * packet path never touches them.
 */
struct ct_conn {
	struct ct_tuple orig;   /* client:cport -> vip:vport; the key, first */
	uint32_t backend_ip;    /* reply source, network order */
	uint16_t backend_port;
	uint16_t lport;         /* CT_F_LOCAL: the local port, network order */
	uint8_t proto;
	uint8_t state;          /* enum ct_state */
	uint8_t flags;
	uint8_t lport_idx;      /* CT_F_LOCAL: index of the local address */
	uint32_t expire;        /* ms tick at which the entry times out */
	uint16_t backend_id;    /* stable backend id (snapshot.h) */
	uint16_t svc_id;        /* stable service id */
};

static_assert(sizeof(struct ct_conn) == 32, "two connection entries to a cache line");

static_assert(SL_MAX_LADDRS <= 256, "a local address index fits ct_conn.lport_idx");

/*
 * The reply's destination, address and port: the client (orig's source),
 * or the local address and port of a CT_F_LOCAL connection. laddrs are the
 * table's local addresses (ct_locals(), network order, indexed by
 * lport_idx); entry 0 is read even when the connection has none (lport_idx
 * is 0 then). Selected by mask, not branched on: the packet path calls this
 * for every reply-direction lookup, and FULLNAT and NAT connections mix.
 */
static inline uint32_t
ct_reply_dst_ip(const struct ct_conn *c, const uint32_t *laddrs)
{
	uint32_t loc = 0 - (uint32_t)((c->flags & CT_F_LOCAL) != 0);

	return (c->orig.src_ip & ~loc) | (laddrs[c->lport_idx] & loc);
}

static inline uint16_t
ct_reply_dst_port(const struct ct_conn *c)
{
	uint16_t loc = (uint16_t)(0 - (uint16_t)((c->flags & CT_F_LOCAL) != 0));

	return (uint16_t)((c->orig.src_port & ~loc) | (c->lport & loc));
}

/*
 * The reply tuple of c, given the table's local addresses (above).
 * Context: any thread holding c and laddrs; pure.
 */
static inline void
ct_reply_tuple(const struct ct_conn *c, const uint32_t *laddrs, struct ct_tuple *out)
{
	out->src_ip = c->backend_ip;
	out->src_port = c->backend_port;
	out->dst_ip = ct_reply_dst_ip(c, laddrs);
	out->dst_port = ct_reply_dst_port(c);
}

/* A connection as listed by the control lcore (dumps). */
struct ct_info {
	struct ct_tuple orig;
	struct ct_tuple reply;
	uint8_t proto;
	uint8_t state;
	uint16_t svc_id;
	uint16_t backend_id;
	uint32_t expire;
};

#endif
