/*
 * One synced connection as workers and the control lcore pass it through
 * their sync rings (worker -> control: what changed; control -> worker:
 * what a peer sent, to install), and as control/sync_wire.c encodes it.
 * Addresses and ports in network order, mode an enum svc_mode, state an
 * enum ct_state. 32 bytes, a ring element of its own size.
 * Threading: a type only.
 */
#ifndef SLUICE_SYNC_REC_H
#define SLUICE_SYNC_REC_H

#include <assert.h>
#include <stdint.h>

#include "conntrack_types.h"

/* What a ring element is (struct sync_rec.kind). */
enum sync_rec_kind {
	SYNC_K_CONN = 0,       /* a connection: changed, refreshed, or to install */
	SYNC_K_BULK_START = 1, /* control -> worker: walk your table into the ring */
	SYNC_K_BULK_DONE = 2,  /* worker -> control: that walk has ended */
};

struct sync_rec {
	uint32_t caddr, vaddr, daddr, laddr;   /* laddr: FULLNAT only, else 0 */
	uint16_t cport, vport, dport, lport;   /* lport: FULLNAT only, else 0 */
	uint32_t timeout_ms;                   /* what is left of its idle timeout */
	uint8_t proto;
	uint8_t mode;
	uint8_t state;
	uint8_t kind;                          /* enum sync_rec_kind */
};

static_assert(sizeof(struct sync_rec) == 32, "a sync ring element is 32 bytes");

/*
 * Whether a connection in ct_state s is synced: once it is established (or
 * a UDP flow) and while it closes, so a peer's copy follows it to its end.
 * A half-open one is not: a peer that takes over sees its retransmitted
 * SYN as new.
 */
static_assert(CT_FIN_WAIT == CT_ESTABLISHED + 1 && CT_CLOSE == CT_ESTABLISHED + 4 &&
	      CT_UDP == CT_ESTABLISHED + 5, "synced states are ESTABLISHED..UDP");

static inline int
sync_state_synced(uint8_t s)
{
	return s >= CT_ESTABLISHED && s <= CT_UDP;
}

#endif
