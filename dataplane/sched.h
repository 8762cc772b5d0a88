/*
 * Schedulers: pluggable on the control side, a table on the data side.
 *
 * The control lcore calls sched_build() with a service's backends; it returns
 * an immutable struct sched_table (part of an RCU-published snapshot). A worker
 * picks a backend for a new connection with sched_pick(), which is a switch on
 * the algorithm and a table lookup or a short scan, never a call through a
 * function pointer. rr, lc and wlc share one table (the eligible list, built
 * in sched.c, where every name is registered); wrr, sh and mh have a file
 * each (sched_wrr.c, sched_sh.c, sched_mh.c).
 *
 * Least-connection algorithms need connection counts of all workers without
 * shared writes: each worker counts its own connections per backend id; the
 * control lcore periodically sums them and publishes, per worker, the counts
 * of the *other* workers (struct sched_load_view.others_*). A worker adds its
 * own live counts, so its view is exact for itself and at most one publish
 * interval stale for the others.
 *
 * Threading: sched_build/sched_free on the control lcore; sched_pick on any
 * worker with its own struct sched_cursor; tables are read-only once built.
 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include <stdint.h>

/* SCHED_ALGO_ prefix: <sched.h> (POSIX) already defines SCHED_RR. */
enum sched_algo {
	SCHED_ALGO_WLC = 0, /* weighted least-connections (default) */
	SCHED_ALGO_RR,      /* round robin */
	SCHED_ALGO_WRR,     /* weighted round robin */
	SCHED_ALGO_LC,      /* least-connections */
	SCHED_ALGO_SH,      /* source-IP hash, weighted */
	SCHED_ALGO_MH,      /* Maglev consistent hashing */
	SCHED_ALGO__COUNT
};

#define SCHED_MH_DEFAULT_SIZE 65537u
#define SCHED_MH_MAX_SIZE 1048573u /* prime */
#define SCHED_MAX_WEIGHT 65535u

/* One backend as the scheduler sees it. */
struct sched_backend {
	uint32_t id;     /* stable backend id, index into load arrays */
	uint32_t ip;     /* network order: hashed by mh for a stable permutation */
	uint16_t port;   /* network order */
	uint16_t weight; /* 0 = drain: never picked */
	uint8_t up;      /* 0 = health-check DOWN: never picked */
};

struct sched_params {
	uint32_t mh_size; /* Maglev table size, prime; 0 = default */
};

struct sched_table;

/* Per worker, per service scheduling state (round-robin position). */
struct sched_cursor {
	uint32_t pos;
};

/*
 * Connection counts by backend id, for lc/wlc. others_* are published by the
 * control lcore (read-only for the worker); mine_* are the worker's own live
 * counters. Any pointer may be NULL (treated as all zero).
 */
struct sched_load_view {
	const uint32_t *others_active;
	const uint32_t *others_inactive;
	const uint32_t *mine_active;
	const uint32_t *mine_inactive;
};

/* Name <-> algorithm ("wlc", "rr", "wrr", "lc", "sh", "mh"). -1 if unknown. */
int sched_algo_from_name(const char *name);
const char *sched_algo_name(enum sched_algo algo);

/* True if n is prime (Maglev table sizes must be). */
int sched_is_prime(uint32_t n);

/*
 * Build the lookup structure for `n` backends (copied). Backends with weight 0
 * or up == 0 are kept in the table's list but never picked.
 * Returns NULL with errno set (EINVAL bad params, ENOMEM).
 * Context: control lcore (or tests); allocates with malloc.
 */
struct sched_table *sched_build(enum sched_algo algo,
				const struct sched_backend *backends,
				uint32_t n, const struct sched_params *params);
void sched_free(struct sched_table *t);

/*
 * Pick a backend for a new connection. `hash` is a hash of the connection's
 * 5-tuple (mh); `src_ip` the client address (sh). Returns the index into the
 * backend array given to sched_build(), or -1 when no backend is available.
 * Context: worker lcore; cursor is the caller's own.
 */
int sched_pick(const struct sched_table *t, struct sched_cursor *cursor,
	       uint32_t hash, uint32_t src_ip,
	       const struct sched_load_view *load);

/* The backends as given to sched_build() and their count. */
const struct sched_backend *sched_backends(const struct sched_table *t,
					   uint32_t *n);

/* Maglev lookup table (for tests and disruption measurement); NULL if not mh. */
const int32_t *sched_mh_table(const struct sched_table *t, uint32_t *size);

#endif
