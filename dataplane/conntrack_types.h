/*
 * Connection-tracking types, apart from the table code so the control lcore
 * (stats, sync, conns listing) can include them without hot-path inlines.
 * Threading: types only.
 */
#ifndef SLUICE_CONNTRACK_TYPES_H
#define SLUICE_CONNTRACK_TYPES_H

#include <assert.h>
#include <stdint.h>

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
#define CT_F_SYNCED    0x04u /* installed by session sync */
#define CT_F_DEAD      0x08u /* backend removed: reset on next packet */
/* Which side has sent a FIN (TCP state machine); REPLY is ORIG << CT_DIR_REPLY. */
#define CT_F_FIN_ORIG  0x10u
#define CT_F_FIN_REPLY 0x20u
/* Only the orig direction passes the appliance (dr): its ACK establishes. */
#define CT_F_ONEWAY    0x40u

/*
 * One tracked connection: both tuples as they appear on the wire, so an
 * established packet is rewritten from the entry alone, without the service
 * snapshot. For a packet in direction d the rewritten headers are the other
 * direction's tuple reversed: (src, sport, dst, dport) := (other.dst,
 * other.dport, other.src, other.sport).
 * Key fields first (a lookup compares bytes 0..24), then what every packet
 * touches. 48 bytes, not a cache line: with the index that is 62 bytes per
 * connection, so 10 M connections take 0.58 GiB; the cost is that half the
 * entries straddle two lines, which the lookup prefetches together
 * (measured in docs/performance.md, "Connection table memory").
 */
struct ct_conn {
	struct ct_tuple orig;   /* client:cport -> vip:vport */
	struct ct_tuple reply;  /* backend:bport -> client:cport | laddr:lport */
	uint8_t proto;
	uint8_t state;          /* enum ct_state */
	uint8_t flags;
	uint8_t lport_idx;      /* FULLNAT local address index, else 0 */
	uint32_t expire;        /* ms tick at which the entry times out */
	uint16_t backend_id;    /* stable backend id (control/snapshot.h) */
	uint16_t svc_id;        /* stable service id */
	uint32_t wheel_next;    /* timer wheel links (conn indices) */
	uint32_t wheel_prev;
	/* Packets seen per direction, saturating: a liveness hint for
	 * listings; exact traffic is counted per backend and service. */
	uint16_t pkts_orig;
	uint16_t pkts_reply;
};

static_assert(sizeof(struct ct_conn) == 48, "a connection entry is 48 bytes");

#endif
