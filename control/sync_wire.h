/*
 * Session sync messages (sync_proto.h): encoding, authentication and
 * parsing, and the per-sender replay window. Pure: no EAL, no sockets.
 * Threading: none of its own; a replay window belongs to one thread.
 */
#ifndef SLUICE_SYNC_WIRE_H
#define SLUICE_SYNC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "../dataplane/sync_rec.h"
#include "sync_proto.h"

/* Why a message was refused: X(name, what was wrong). */
#define SYNC_REJECTS(X) \
	X(short, "shorter than a header and a MAC") \
	X(magic, "not a sync message (magic)") \
	X(version, "a version this appliance does not speak") \
	X(header, "unknown type or non-zero flags") \
	X(length, "length field, record count and datagram size disagree") \
	X(mac, "MAC does not match: wrong key, or altered") \
	X(group, "another sync group") \
	X(epoch, "an epoch older than this sender's current one") \
	X(replay, "a sequence number already seen or too old") \
	X(record, "a record with a field out of range") \
	X(self, "this appliance's own node id (a looped multicast, or a clash)") \
	X(peer, "a peer not yet met (no HELLO) or refused (FULLNAT port range)")

enum sync_reject {
	SYNC_OK = 0,
#define SYNC_R_ENUM(n, t) SYNC_R_##n,
	SYNC_REJECTS(SYNC_R_ENUM)
#undef SYNC_R_ENUM
	SYNC_R__COUNT
};

/* "mac", or "ok" for SYNC_OK. */
const char *sync_reject_name(enum sync_reject r);
const char *sync_reject_text(enum sync_reject r);

#define SYNC_KEY_MAX 64

struct sync_key {
	uint8_t bytes[SYNC_KEY_MAX];
	uint32_t len;         /* at least 16 when configured */
};

struct sync_hdr {
	uint8_t type;         /* enum sync_type */
	uint32_t group;
	uint32_t sender;
	uint32_t epoch;
	uint32_t seq;
	/* HELLO only: the sender's worker count and FULLNAT port range */
	uint16_t workers;
	uint16_t lport_min;
	uint16_t lport_max;
};

/*
 * Encode h and n records (n <= SYNC_MAX_RECS, none unless type CONNS) into
 * buf (SYNC_MAX_MSG bytes) with its MAC. Returns the message length, or 0
 * when n, a mode or a state cannot be sent (nothing usable written).
 */
size_t sync_encode(uint8_t *buf, const struct sync_key *k, const struct sync_hdr *h,
		   const struct sync_rec *recs, uint32_t n);

/*
 * Check and parse a received datagram: framing, then the MAC, then the
 * group, then every record. On SYNC_OK, *h and recs[0 .. *n) (room for
 * SYNC_MAX_RECS) hold it; on anything else nothing is to be installed.
 * Replay is the caller's next step (sync_replay_accept), after the MAC.
 */
enum sync_reject sync_decode(const uint8_t *buf, size_t len, const struct sync_key *k,
			     uint32_t group, struct sync_hdr *h, struct sync_rec *recs,
			     uint32_t *n);

/*
 * One sender's replay window: the newest epoch seen, and in it the highest
 * sequence and which of the 64 before it were seen. A newer epoch (the
 * sender restarted) starts a new window; an older one is refused.
 */
struct sync_replay {
	uint32_t epoch;
	uint32_t top;
	uint64_t seen;        /* bit i: top - i was accepted */
	int valid;
};

/* Accept (and remember) or refuse epoch/seq: SYNC_OK, SYNC_R_epoch or
 * SYNC_R_replay. Call only for messages whose MAC was good. */
enum sync_reject sync_replay_accept(struct sync_replay *w, uint32_t epoch, uint32_t seq);

#endif
