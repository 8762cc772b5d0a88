/*
 * Per-worker connection table.
 *
 * Each worker owns one table: no locks, no atomics. Every connection is
 * indexed twice (its original and its reply tuple) in a bucketized cuckoo
 * index whose buckets are one cache line; entries live in a fixed array sized from
 * the config, so capacity and memory are known at start-up and a full table
 * refuses new connections instead of evicting established ones.
 * Idle expiry runs from a timer wheel in bounded slices (ct_expire budget),
 * so no loop pass stalls however many connections time out together.
 *
 * Memory comes from the caller (ct_table_memsize / ct_table_init), so the
 * worker can place it on its NUMA socket and unit tests can use malloc.
 * Threading: every function is for the owning thread only; the control lcore
 * may read ct_table_stats() fields (plain counters, torn reads acceptable).
 */
#ifndef SLUICE_CONNTRACK_H
#define SLUICE_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "conntrack_types.h"

struct ct_table;

/*
 * The longest idle timeout a table takes: expiry ticks are compared
 * wrap-safely, so now + timeout must stay below 2^31 ms ahead. About 23
 * days; the config's bound (conntrack.timeouts) is this in seconds.
 */
#define CT_MAX_TIMEOUT_MS 2000000000u

struct ct_stats {
	uint64_t inserted;
	uint64_t expired;
	uint64_t deleted;
	uint64_t full;         /* inserts refused: no free entry or index slot */
	uint64_t cuckoo_moves; /* keys moved to their other bucket to make room */
	uint32_t active;       /* entries in use */
	uint32_t capacity;
};

/* Bytes of memory a table of `capacity` connections needs (64-byte aligned). */
size_t ct_table_memsize(uint32_t capacity);

/*
 * Lay out a table in `mem` (ct_table_memsize(capacity) bytes, 64-byte
 * aligned, zeroing not required). `now` is the current ms tick.
 * Returns the table, or NULL with errno = EINVAL if capacity is 0 or above
 * SL_MAX_CT_CAPACITY, or mem is NULL or not 64-byte aligned.
 * Ticks are compared wrap-safely: timeouts must stay below 2^31 ms.
 */
struct ct_table *ct_table_init(void *mem, uint32_t capacity,
			       const struct ct_timeouts *timeouts, uint32_t now);

/* Replace the timeouts (config reload); existing expiries are kept. */
void ct_set_timeouts(struct ct_table *t, const struct ct_timeouts *timeouts);

/*
 * The local addresses (FULLNAT) that reply tuples may go to, network order,
 * by index; 0 ends the list. Append-only, as entries keep indices into it:
 * -EINVAL (nothing changed) if n > SL_MAX_LADDRS or an address already set
 * would change.
 */
int ct_set_locals(struct ct_table *t, const uint32_t *laddrs, uint32_t n);

/*
 * Seed the index hash (a table starts with a fixed one, which tests rely
 * on). Only while the table is empty: -EBUSY otherwise, nothing changed.
 */
int ct_set_seed(struct ct_table *t, uint64_t seed);

/* The table's local addresses, for ct_reply_tuple(). */
const uint32_t *ct_locals(const struct ct_table *t);

/*
 * Find the connection whose orig or reply tuple equals (proto, tuple).
 * On a hit sets *dir and returns the entry; NULL on a miss.
 */
struct ct_conn *ct_lookup(struct ct_table *t, uint8_t proto,
			  const struct ct_tuple *key, enum ct_dir *dir);

/*
 * Look up n keys at once (64 per pass), prefetching index buckets and entries
 * before comparing. conns[i] is NULL on a miss, dirs[i] set on a hit;
 * results are those of ct_lookup().
 */
void ct_lookup_bulk(struct ct_table *t, const uint8_t *protos,
		    const struct ct_tuple *const *keys, unsigned int n,
		    struct ct_conn **conns, enum ct_dir *dirs);

/*
 * Prefetch the two index buckets of key, so a ct_lookup() that follows
 * soon finds them in cache. No other effect.
 */
void ct_prefetch(const struct ct_table *t, uint8_t proto, const struct ct_tuple *key);

/*
 * Insert a new connection with both tuples; state is CT_SYN_SENT for TCP,
 * CT_UDP for UDP, expiry set from the timeouts. reply's destination must be
 * orig's source (nat, dr) or a local address given to ct_set_locals()
 * (fullnat): otherwise NULL with errno = EINVAL, nothing counted. Returns
 * the entry for the caller to fill backend_id, svc_id and its flag bits, or
 * NULL when the table is full (no free entry, or no room in a key's buckets
 * that moving other keys could make): counted in stats.full.
 * The caller must have checked that neither tuple is present.
 */
struct ct_conn *ct_insert(struct ct_table *t, uint8_t proto,
			  const struct ct_tuple *orig,
			  const struct ct_tuple *reply, uint32_t now);

/*
 * Advance the TCP state machine for a packet with `tcp_flags` seen in `dir`
 * (UDP: refresh only) and re-arm the idle timer. Returns the previous state.
 */
enum ct_state ct_update(struct ct_table *t, struct ct_conn *c, enum ct_dir dir,
			uint8_t tcp_flags, uint32_t now);

/*
 * TCP sequence tracking, RFC 5961's idea as a box in the path can apply
 * it. Per connection and direction the table keeps the sequence number
 * just past the last byte that direction has sent (SYN and FIN count
 * one): its sender's SND.NXT, as far as this box has seen. 8 bytes a
 * connection, apart from the entry.
 * ct_tcp_seen: after ct_update() of a TCP segment in dir ending at `end`
 * (seq + payload + SYN + FIN). The mark moves forward by at most
 * CT_RST_SLACK a segment; a SYN that (re)opened the connection resets it.
 * ct_rst_check: how an RST in dir with sequence number seq stands. EXACT
 * (the mark itself: what a stack resetting its connection sends, and a
 * blind attacker must guess among 2^32) may close the connection; WINDOW
 * (within CT_RST_SLACK of it) is forwarded with the state unchanged, for
 * the endpoint to judge (an RFC 5961 stack answers with a challenge ACK,
 * and a real reset then comes again with the exact number); BLIND is
 * dropped. A direction not seen yet (an entry installed by session sync,
 * dr's reply side) has no mark: its RSTs count as EXACT.
 * ct_tcp_end: the mark of dir (0: none), for RSTs this box sends.
 */
#define CT_RST_SLACK (1u << 24)
#define CT_TCP_SYN 0x02u        /* the TCP flags byte's SYN bit */

enum ct_rst_verdict {
	CT_RST_EXACT,
	CT_RST_WINDOW,
	CT_RST_BLIND,
};

/* The marks of entry i, apart from the entry: UDP never reads them, and
 * the 32-byte entry has no room. ct_seqs(): the array, indexed as the
 * entries (ct_conns()); both fixed for the table's life, so the packet
 * path keeps them and ct_seq_seen() inlines (a call per segment cost
 * established traffic 7 %, docs/performance.md). */
struct ct_seq {
	uint32_t end[2];        /* by enum ct_dir; 0 while not seen */
};

struct ct_seq *ct_seqs(struct ct_table *t);
struct ct_conn *ct_conns(struct ct_table *t);

/* Serial-number distance of at most CT_RST_SLACK either way (RFC 1982). */
static inline int
ct_seq_near(uint32_t a, uint32_t b)
{
	return a - b + CT_RST_SLACK <= 2 * CT_RST_SLACK;
}

/* ct_tcp_seen() on c's marks s (c's entry in ct_seqs()). */
static inline void
ct_seq_seen(struct ct_seq *s, const struct ct_conn *c, enum ct_dir dir,
	    uint8_t tcp_flags, uint32_t end)
{
	uint32_t *e = &s->end[dir];

	/* A SYN that (re)opened the connection starts both directions over
	 * (a port reused after TIME_WAIT brings a new ISN); a SYN the state
	 * machine ignored is judged as any other segment. */
	if (__builtin_expect((tcp_flags & CT_TCP_SYN) != 0, 0)) {
		if (dir == CT_DIR_ORIG && c->state == CT_SYN_SENT) {
			s->end[CT_DIR_ORIG] = end;
			s->end[CT_DIR_REPLY] = 0;
			return;
		}
		if (dir == CT_DIR_REPLY && c->state == CT_SYN_RECV) {
			*e = end;
			return;
		}
	}
	/* Forward only, and only by a step a real sender can make: a forged
	 * segment far off cannot move the mark the next RST is judged by. */
	if (*e == 0 || ((int32_t)(end - *e) > 0 && ct_seq_near(end, *e)))
		*e = end;
}

void ct_tcp_seen(struct ct_table *t, const struct ct_conn *c, enum ct_dir dir,
		 uint8_t tcp_flags, uint32_t end);
enum ct_rst_verdict ct_rst_check(const struct ct_table *t, const struct ct_conn *c,
				 enum ct_dir dir, uint32_t seq);
uint32_t ct_tcp_end(const struct ct_table *t, const struct ct_conn *c, enum ct_dir dir);

/* Remove a connection now (RST policy, flush). A freed entry is ignored. */
void ct_delete(struct ct_table *t, struct ct_conn *c);

/*
 * Called for every connection removed by ct_expire() or ct_delete(), before
 * its entry is reused, so the owner can release counters and local ports.
 * The entry is still intact; the callback must not insert or delete.
 */
typedef void (*ct_release_fn)(struct ct_conn *c, void *arg);
void ct_set_release(struct ct_table *t, ct_release_fn fn, void *arg);

/*
 * Called when ct_expire() finds a connection alive and re-arms it: at most
 * CT_WHEEL_SPAN (65 s) and at most one idle timeout after it was last armed,
 * so a live connection is visited periodically (session sync refreshes its
 * peers' copies from here). Same rules as the release callback.
 */
typedef void (*ct_rearm_fn)(struct ct_conn *c, void *arg);
void ct_set_rearm(struct ct_table *t, ct_rearm_fn fn, void *arg);

/*
 * Set a connection's state and expiry as a peer reported them (session
 * sync install or refresh), whatever the state machine would say; the
 * expiry may move either way. The caller keeps its own per-state counts.
 */
void ct_restore(struct ct_table *t, struct ct_conn *c, uint8_t state, uint32_t expire);

/*
 * Expire idle connections due at or before `now`, visiting at most `budget`
 * entries (removed or re-armed); the next call resumes where this one
 * stopped. Returns the number removed. Call once per loop pass: with enough
 * total budget an entry goes within one 16 ms wheel slot of its expiry.
 */
unsigned int ct_expire(struct ct_table *t, uint32_t now, unsigned int budget);

/* Visit every live connection (control dumps, flush). Stops when fn != 0. */
typedef int (*ct_walk_fn)(struct ct_conn *c, void *arg);
int ct_walk(struct ct_table *t, ct_walk_fn fn, void *arg);

/*
 * Visit live connections among entries [from, from + budget) of the array,
 * so a long walk is spread over loop passes. Returns where the next slice
 * starts (capacity when done; the entry after the one where fn != 0).
 * fn may ct_delete() the connection it is given.
 */
uint32_t ct_walk_slice(struct ct_table *t, uint32_t from, uint32_t budget,
		       ct_walk_fn fn, void *arg);

/* What the control lcore lists of c (both tuples, state, ids, expiry). */
void ct_get_info(const struct ct_table *t, const struct ct_conn *c, struct ct_info *out);

/* Entries in the array (walks end there). */
uint32_t ct_capacity(const struct ct_table *t);

const struct ct_stats *ct_table_stats(const struct ct_table *t);

/* Index of an entry in the table's array (stable for its lifetime). */
uint32_t ct_conn_index(const struct ct_table *t, const struct ct_conn *c);

/* True for states IPVS calls "active" (ESTABLISHED); others are inactive. */
static inline int
ct_state_is_active(uint8_t state)
{
	return state == CT_ESTABLISHED || state == CT_UDP;
}

const char *ct_state_name(enum ct_state s);

#endif
