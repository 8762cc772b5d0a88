/*
 * Session sync, the control lcore's half (sync.c): peers, the socket, the
 * batching of workers' records into messages and the hand-off of peers'
 * records to the owning workers; bulk transfers both ways. The wire
 * format is sync_proto.h, its codec sync_wire.c; the workers' half is
 * dataplane/worker_sync.c. Off unless the config has a sync section.
 * Threading: control lcore, but sync_status (any thread).
 */
#ifndef SLUICE_SYNC_H
#define SLUICE_SYNC_H

#include <stdint.h>

#include "../dataplane/app.h"
#include "sync_wire.h"

/* Open the socket on the source port's kernel interface. 0 (also when
 * off) or -1 having said why. Context: control lcore, after exc_init. */
int sync_init(struct sl_app *app);
void sync_fini(void);

/* One tick: receive (bounded), hand records to workers, drain the
 * workers' rings into messages (bounded), HELLO each second. */
void sync_poll(struct sl_app *app, uint64_t now);

/*
 * A peer's records (accepted) to the rings of the workers that own them by
 * the steering rules; those naming a service (VIP, port, protocol, mode)
 * or backend this appliance has not are refused and counted. Returns how
 * many found their ring full (dropped, counted). Context: control lcore, the install rings' only producer.
 */
uint32_t sync_hand_out(struct sl_app *app, struct sync_rec *recs, uint32_t n);

#define SYNC_MAX_PEERS 32
#define SYNC_ALONE_MS 3000
#define SYNC_BULK_GIVEUP_MS 10000
#define SYNC_PEER_DOWN_MS 3000

enum sync_bulk_state {
	SYNC_BULK_NONE = 0,   /* not asked */
	SYNC_BULK_ASKED,      /* asked, records coming */
	SYNC_BULK_DONE,       /* its BULK_END came */
};

struct sync_peer_status {
	uint32_t node;
	uint32_t addr;        /* network order: its datagrams' source */
	uint32_t epoch;
	uint16_t workers, lport_min, lport_max;
	uint8_t met;          /* a HELLO in this epoch */
	uint8_t refused;      /* incompatible: why says */
	uint8_t bulk;         /* enum sync_bulk_state */
	uint64_t last_ms;     /* when a message from it was last accepted */
	uint64_t msgs, records;
	uint64_t bulk_asked_ms, bulk_done_ms, bulk_records;
	char why[128];
};

struct sync_status {
	int on;
	/*
	 * Ready to be master: every live peer met has sent its table (bulk),
	 * and some peer was met or none answered for SYNC_ALONE_MS since
	 * start. A peer that stops answering, or whose transfer takes over
	 * SYNC_BULK_GIVEUP_MS, is not waited for. Once ready, ready until
	 * restart: a master does not step down because a peer appears.
	 */
	int ready;
	uint32_t node, group, epoch;
	uint64_t now_ms;
	uint64_t rejects[SYNC_R__COUNT];
	uint64_t bulk_served, bulk_serving;
	uint32_t queued;      /* records in the workers' rings, not yet sent */
	uint32_t n_peers;
	struct sync_peer_status peers[SYNC_MAX_PEERS];
};

/* A copy of the state. Context: any thread. */
void sync_status(const struct sl_app *app, struct sync_status *out);

#endif
