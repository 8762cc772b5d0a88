/*
 * The worker lcore: one per RX/TX queue pair of every port.
 *
 * A worker polls queue `id` of every port and its hand-off rings, owns its
 * connection table and its counters, and reads the control lcore's RCU
 * snapshots. Nothing it writes is written by any other lcore.
 * Threading: worker_main runs on its own lcore; worker_create/destroy on the
 * main lcore before launch / after join; the control lcore reads `stats`,
 * `active`, `inactive` and `scheduled` without synchronisation (plain
 * counters; a stale or torn read only skews a statistic); the API thread
 * shares mail with a worker only through mail.h's references.
 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "app.h"
#include "conntrack.h"
#include "counters.h"
#include "drop.h"
#include "mail.h"
#include "neigh.h"
#include "snapshot.h"

#define WK_TX_BURST 64

struct wk_stats {
	SL_WK_COUNTERS(SL_COUNTER_FIELD3)  /* counters.h */
	uint64_t drops[SL_DROP__COUNT];
} __rte_cache_aligned;

/*
 * Free FULLNAT ports of one local address, host order, as a FIFO: a released
 * port goes to the back, so it is reused as late as possible and a backend's
 * own TIME_WAIT for the old connection has long ended.
 */
/* Traffic of one backend or service, written by one worker only. */
struct wk_traffic {
	uint64_t packets;            /* forwarded, both directions */
	uint64_t bytes;
};

struct wk_lport_pool {
	uint16_t *ring;
	uint32_t size;
	uint32_t head;               /* next to hand out */
	uint32_t n_free;             /* ports in the ring */
	uint16_t first;              /* host order: the pool is first .. first + size - 1 */
	uint64_t *used;              /* bit port - first: a connection holds it */
	uint64_t *queued;            /* bit port - first: it is in the ring */
};

/*
 * Neighbours this worker saw but the control lcore has not published yet:
 * a client's first SYN teaches its MAC (it is on-link), and the backend's
 * SYN-ACK usually comes back before the next publication.
 */
#define WK_NEIGH_CACHE 256

struct wk_neigh_cache {
	uint32_t ip;                 /* network order, 0 = empty */
	uint8_t port;
	struct rte_ether_addr mac;
};

/*
 * What the kernel gets beyond the control lcore's own traffic (the bulk
 * exception ring) is rate-limited by token buckets: one per source, hashed
 * (sources that share a slot share its budget; memory stays bounded under
 * a flood of spoofed sources), and one over all of them. Rates are tokens
 * per millisecond, per worker; why these figures: docs/reliability.md.
 */
#define WK_EXC_SOURCES 256
#define WK_EXC_SRC_RATE 1           /* 1000 packets/s per source */
#define WK_EXC_SRC_BURST 64
#define WK_EXC_ALL_RATE 8           /* 8000 packets/s over all sources */
#define WK_EXC_ALL_BURST 512

struct wk_bucket {
	uint32_t tokens;
	uint32_t last_ms;            /* refilled up to here */
};

struct wk_txq {
	uint16_t n;
	struct rte_mbuf *m[WK_TX_BURST];
};

/*
 * Mailbox: a ring of struct mail * (mail.h) from the API thread, its only
 * producer. The worker works through one mail at a time, WK_MAIL_SLICE table
 * entries per pass, holding the reference the requester gave it with the
 * mail; it answers (mail_answer) or, once the requester has abandoned the
 * mail, drops it unfinished (mail_put). Either frees the mail if the
 * requester has let go already, and only then.
 */
#define WK_MAIL_SLICE 4096           /* table entries visited per pass */
/* The walk that resets the connections of backends gone DOWN (policy
 * reset): entries visited, and segments sent, per pass at most. */
#define WK_RESET_SLICE 4096
#define WK_RESET_SENDS 64

struct worker {
	struct wk_stats stats;
	uint32_t id;
	unsigned int lcore;
	struct sl_app *app;
	struct ct_table *ct;
	const uint32_t *ct_laddrs;   /* the table's local addresses (ct_locals) */
	struct ct_seq *ct_seqs;      /* its TCP sequence marks (ct_seqs) */
	struct ct_conn *ct_conns;    /* its entries, which they follow (ct_conns) */
	void *ct_mem;                /* what ct lives in */
	struct rte_ring *events;     /* to the control lcore */
	struct rte_ring *mailbox;    /* from the API thread: struct mail * */
	struct rte_ring *exc;        /* to the control lcore: packets for the kernel */
	struct rte_ring *exc_prio;   /* the same, the control lcore's own: drained first */
	struct wk_bucket exc_all;
	struct wk_bucket exc_src[WK_EXC_SOURCES];
	struct mail *job;            /* mail being worked through, its reference held */
	/* Session sync (worker_sync.c); NULL when it is off. */
	struct rte_ring *sync_out;   /* to the control lcore: struct sync_rec */
	struct rte_ring *sync_in;    /* from the control lcore: records to install */
	uint32_t bulk_cursor;        /* a peer's bulk request: where the walk is */
	uint8_t bulk;                /* its state (worker_sync.c) */
	uint8_t reset_walk;          /* a backend went DOWN under policy reset */
	uint32_t reset_cursor;       /* where that walk is */
	uint32_t reset_sends;        /* segments it sent this pass */
	uint32_t burst;
	uint32_t idle_sleep_us;
	uint32_t expire_budget;
	uint32_t now;                /* ms tick of this pass */
	uint32_t burst_new;          /* connections made since the bulk lookup */
	uint32_t burst_del;          /* connections deleted since the bulk lookup */
	const struct snapshot *snap; /* valid during a pass */
	uint64_t snap_gen;           /* generation whose settings are applied */
	const struct neigh_table *neigh;
	const struct sl_load *load;
	uint8_t port_index[RTE_MAX_ETHPORTS];
	uint32_t *active;            /* per backend id, own connections */
	uint32_t *inactive;
	uint64_t *scheduled;         /* per backend id, connections scheduled */
	struct wk_traffic *be_traffic;  /* per backend id */
	struct wk_traffic *svc_traffic; /* per service id */
	uint64_t *svc_refused;       /* per service id: refused, no backend */
	struct wk_txq tx[SL_MAX_PORTS];
	struct wk_neigh_cache neigh_cache[WK_NEIGH_CACHE];
	struct neigh_miss_filter neigh_miss; /* misses reported recently */
	uint32_t frag_tokens;        /* fragmentation-needed answers left (wk_too_big) */
	uint32_t frag_tokens_ms;     /* the tick they were counted at */
	struct wk_lport_pool lports[SL_MAX_LADDRS];
	struct sched_cursor cursors[SL_MAX_SERVICES];
} __rte_cache_aligned;

/* What a worker is made with (workers and conntrack sections of the
 * config, fixed until restart). */
struct wk_params {
	uint32_t burst;              /* rx burst size, 1..SL_MAX_BURST */
	uint32_t idle_sleep_us;      /* sleep when a pass found nothing; 0 = poll */
	uint32_t expire_budget;      /* entries visited per expiry slice */
	uint32_t ct_capacity;        /* connection table entries */
	struct ct_timeouts timeouts;
	int sync;                    /* session sync on: make its rings */
};

/*
 * Allocate worker `id` for lcore, with its connection table on the lcore's
 * socket. Returns NULL and prints why (memory) on failure.
 * Context: main lcore, before launch.
 */
struct worker *worker_create(struct sl_app *app, uint32_t id, unsigned int lcore,
			     const struct wk_params *p, const struct snapshot *snap);
/* Free w; mail it still holds loses the worker's reference (mail_put).
 * Context: main lcore, before launch or after join. */
void worker_destroy(struct worker *w);

/* ct_set_release() callback: a connection leaves w's table (counts, its
 * FULLNAT port back to the pool). Set by worker_create(). */
void worker_release(struct ct_conn *c, void *arg);

/*
 * Session sync (worker_sync.c). worker_sync_pass installs a slice of what
 * sync_in holds and goes on with a bulk walk; worker_sync_rearm is the
 * table's re-arm callback, refreshing the peers' copies of a live
 * connection. Context: the worker's lcore.
 */
void worker_sync_pass(struct worker *w);
void worker_sync_rearm(struct ct_conn *c, void *arg);

/* lcore entry point; arg is the struct worker. Returns 0 when app->stop. */
int worker_main(void *arg);

/*
 * One loop pass in pieces, for benchmarks that feed a worker pre-built mbufs
 * on the calling lcore: begin (clock, snapshot, neighbours, load view),
 * process bursts as if received (packets are consumed: sent or freed),
 * end (flush TX, one expiry slice). worker_main is built from the same
 * pieces. Context: the lcore acting as this worker; no RCU report is made.
 */
void worker_pass_begin(struct worker *w);
void worker_process(struct worker *w, struct rte_mbuf **pkts, uint16_t n);
void worker_pass_end(struct worker *w);

/*
 * Give worker w a FULLNAT port pool for local address index idx of snap
 * (no-op if it has one). Context: main or control lcore, before the
 * snapshot naming idx is published; the worker never sees a half-made pool.
 */
/*
 * Exception path (worker.c). wk_exc_limit takes one token of the source's
 * bucket and of the overall one at ms tick now; 0 when the packet may go,
 * -1 when either is empty. Exposed for unit tests.
 */
int wk_exc_limit(struct worker *w, uint32_t src_ip, uint32_t now);

int worker_lport_pool_init(struct worker *w, uint32_t idx, const struct snapshot *snap);

/* Ports a worker may hand out for FULLNAT: [first, first + count). */
void worker_lport_range(const struct snapshot *snap, uint32_t id,
			uint16_t *first, uint32_t *count);

#endif
