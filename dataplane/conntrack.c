/*
 * Per-worker connection table: entry array, bucketed index, timer wheel.
 *
 * The caller's memory is laid out as [table | entries | wheel links |
 * buckets | wheel heads], each part 64-byte aligned. Free entries are a LIFO
 * list through the links, so a connection that just ended lends a warm line
 * to the next. Live entries have state != CT_NONE and are always on exactly
 * one wheel list. The packet path (lookup, update of an established
 * connection) reads one or two bucket lines and writes one 32-byte entry,
 * never two lines of it; the links are touched
 * only by insert, delete, state changes that shorten the timeout, and the
 * bounded ct_expire() slices.
 * Set-up, settings and walks, which the packet path never runs, are in
 * conntrack_setup.c.
 * Threading: owning worker only (see conntrack.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "conntrack.h"
#include "conntrack_impl.h"

#define CT_BULK_MAX 64u
#define CT_CAND_MISS CT_NIL          /* bulk: no signature in either bucket */
#define CT_CAND_SECOND (CT_NIL - 1)  /* bulk: none in the first, try the second */

static_assert(CT_F_FIN_REPLY == CT_F_FIN_ORIG << CT_DIR_REPLY, "FIN bit per direction");

uint32_t
ct_conn_index(const struct ct_table *t, const struct ct_conn *c)
{
	return (uint32_t)(c - t->conns);
}

/* Index */

static void
ct_slot_set(struct ct_bucket *b, unsigned int s, uint16_t sig, uint32_t ref)
{
	b->sig[s] = sig;
	b->ref[s] = ref;
}

/* A bucket reached by moving a key of its parent's bucket (slot `slot`). */
struct ct_bfs_node {
	uint32_t bucket;
	uint8_t parent;
	uint8_t slot;
	uint8_t depth;
};

#define CT_BFS_ROOT UINT8_MAX
#define CT_BFS_NODES (2 * (1 + CT_BUCKET_SLOTS * (CT_CUCKOO_LEVELS - 1)))

static_assert(CT_BFS_NODES < CT_BFS_ROOT, "node indices fit parent");

/* True when bucket b is node i or one of its ancestors. */
static int
ct_bfs_on_path(const struct ct_bfs_node *q, unsigned int i, uint32_t b)
{
	for (; i != CT_BFS_ROOT; i = q[i].parent)
		if (q[i].bucket == b)
			return 1;
	return 0;
}

/*
 * Move the chain that ends with node i's slot s going to the free slot fs
 * of bucket fb, last move first, then put (sig, ref) in the root slot that
 * the chain's first move empties.
 */
static void
ct_bfs_shift(struct ct_table *t, const struct ct_bfs_node *q, unsigned int i,
	     unsigned int s, uint32_t fb, unsigned int fs, uint16_t sig, uint32_t ref)
{
	for (;;) {
		struct ct_bucket *from = &t->buckets[q[i].bucket];

		ct_slot_set(&t->buckets[fb], fs, from->sig[s], from->ref[s]);
		t->stats.cuckoo_moves++;
		if (q[i].parent == CT_BFS_ROOT)
			break;
		fb = q[i].bucket;
		fs = s;
		s = q[i].slot;
		i = q[i].parent;
	}
	ct_slot_set(&t->buckets[q[i].bucket], s, sig, ref);
}

/*
 * Both buckets full: search breadth first, over CT_CUCKOO_LEVELS levels of
 * residents' other buckets (up to 2 + 20 + 200 buckets), for the shortest
 * chain of moves that ends in a free slot; only then move the chain and put
 * the key in the slot its start frees. Nothing moves until a chain is found,
 * so a refused insert changes nothing. A bucket already on a chain is not
 * taken again into it: moving along such a chain would overwrite a slot
 * already emptied. Each level's other buckets are prefetched together.
 */
static int
ct_cuckoo(struct ct_table *t, uint32_t b1, uint32_t b2, uint16_t sig, uint32_t ref)
{
	struct ct_bfs_node q[CT_BFS_NODES];
	uint32_t alt[CT_BUCKET_SLOTS];
	unsigned int head, n = 0, s;

	q[n++] = (struct ct_bfs_node){ .bucket = b1, .parent = CT_BFS_ROOT };
	if (b2 != b1)
		q[n++] = (struct ct_bfs_node){ .bucket = b2, .parent = CT_BFS_ROOT };
	for (head = 0; head < n; head++) {
		const struct ct_bucket *bk = &t->buckets[q[head].bucket];

		for (s = 0; s < CT_BUCKET_SLOTS; s++) {
			alt[s] = ct_bucket_alt(t, q[head].bucket, bk->sig[s]);
			rte_prefetch0(&t->buckets[alt[s]]);
		}
		for (s = 0; s < CT_BUCKET_SLOTS; s++) {
			uint32_t free_m;

			if (ct_bfs_on_path(q, head, alt[s]))
				continue;
			free_m = ct_match_sig(&t->buckets[alt[s]], CT_SIG_EMPTY);
			if (free_m != 0) {
				ct_bfs_shift(t, q, head, s, alt[s],
					     (unsigned int)__builtin_ctz(free_m), sig, ref);
				return 0;
			}
			if (q[head].depth + 1u < CT_CUCKOO_LEVELS && n < CT_BFS_NODES)
				q[n++] = (struct ct_bfs_node){
					.bucket = alt[s],
					.parent = (uint8_t)head,
					.slot = (uint8_t)s,
					.depth = (uint8_t)(q[head].depth + 1),
				};
		}
	}
	return -ENOSPC;
}

/* Place a key in the first of its buckets with room, else make room. */
static int
ct_index_add(struct ct_table *t, uint64_t h, uint32_t ref)
{
	uint16_t sig = ct_hash_sig(h);
	uint32_t b1 = ct_bucket1(t, h), b2 = ct_bucket_alt(t, b1, sig);
	uint32_t m;

	m = ct_match_sig(&t->buckets[b1], CT_SIG_EMPTY);
	if (m != 0) {
		ct_slot_set(&t->buckets[b1], (unsigned int)__builtin_ctz(m), sig, ref);
		return 0;
	}
	m = ct_match_sig(&t->buckets[b2], CT_SIG_EMPTY);
	if (m != 0) {
		ct_slot_set(&t->buckets[b2], (unsigned int)__builtin_ctz(m), sig, ref);
		return 0;
	}
	return ct_cuckoo(t, b1, b2, sig, ref);
}

/* Clear the slot of ref (unique) if bucket b holds it; 0 when it did. */
static int
ct_index_del_in(struct ct_bucket *b, uint16_t sig, uint32_t ref)
{
	uint32_t m = ct_match_sig(b, sig);

	while (m != 0) {
		unsigned int s = (unsigned int)__builtin_ctz(m);

		if (b->ref[s] == ref) {
			ct_slot_set(b, s, CT_SIG_EMPTY, CT_REF_EMPTY);
			return 0;
		}
		m &= m - 1;
	}
	return -1;
}

static void
ct_index_del(struct ct_table *t, uint64_t h, uint32_t ref)
{
	uint16_t sig = ct_hash_sig(h);
	uint32_t b1 = ct_bucket1(t, h);

	if (ct_index_del_in(&t->buckets[b1], sig, ref) != 0)
		ct_index_del_in(&t->buckets[ct_bucket_alt(t, b1, sig)], sig, ref);
}

/* Timer wheel */

static void
ct_wheel_unlink(struct ct_table *t, uint32_t idx)
{
	uint32_t next = t->cold[idx].wheel_next;
	uint32_t prev = t->cold[idx].wheel_prev;

	if (next != CT_NIL)
		t->cold[next].wheel_prev = prev;
	if (prev & CT_HEAD_BIT)
		t->wheel[prev & ~CT_HEAD_BIT] = next;
	else
		t->cold[prev].wheel_next = next;
}

/*
 * Park an entry in the slot of `expire`, clamped to the slots not yet
 * processed: a past expiry goes to the next slot, a far one to the last
 * slot of the span and is re-armed when visited. The slot is never later
 * than expire (rounded down), which is what bounds the removal delay.
 */
static void
ct_wheel_link(struct ct_table *t, uint32_t idx, uint32_t expire)
{
	int32_t d = (int32_t)(expire - t->wheel_ms);
	struct ct_cold *c = &t->cold[idx];
	uint32_t list, head;

	if (d < 0)
		d = 0;
	else if (d >= (int32_t)CT_WHEEL_SPAN)
		d = CT_WHEEL_SPAN - 1;
	list = ((t->wheel_ms + (uint32_t)d) >> CT_WHEEL_SHIFT) & (CT_WHEEL_SLOTS - 1);
	head = t->wheel[list];
	c->wheel_next = head;
	c->wheel_prev = CT_HEAD_BIT | list;
	if (head != CT_NIL)
		t->cold[head].wheel_prev = idx;
	t->wheel[list] = idx;
}

/* Lookup */

struct ct_conn *
ct_lookup(struct ct_table *t, uint8_t proto, const struct ct_tuple *key,
	  enum ct_dir *dir)
{
	return ct_find(t, proto, key, ct_hash(t, proto, key), dir);
}

/*
 * Passes over the burst so its memory loads overlap: hash and prefetch each
 * key's first bucket; match it, and prefetch either the candidate entry or,
 * when it has no match, the second bucket; match those; then compare keys.
 * The second bucket is read only when the first has no match: inserts fill
 * first buckets first, so most hits (about 63 % at full capacity in a
 * simulation, nearly all in an emptier table) read one index line.
 * Prefetching both up front instead measured 4-12 % slower per lookup at
 * 1 M and 4 M connections (docs/performance.md, "Lookup: second bucket on
 * demand"). A signature false positive (about 3e-4 of lookups
 * with 16-bit signatures) takes the full search, so results equal
 * ct_lookup()'s.
 */
static void
ct_lookup_burst(struct ct_table *t, const uint8_t *protos,
		const struct ct_tuple *const *keys, unsigned int n,
		struct ct_conn **conns, enum ct_dir *dirs)
{
	uint64_t h[CT_BULK_MAX];
	uint32_t bk[CT_BULK_MAX];
	uint32_t cand[CT_BULK_MAX];
	uint8_t second[CT_BULK_MAX];
	unsigned int i, j, n2 = 0;

	for (i = 0; i < n; i++) {
		h[i] = ct_hash(t, protos[i], keys[i]);
		bk[i] = ct_bucket1(t, h[i]);
		rte_prefetch0(&t->buckets[bk[i]]);
	}
	/*
	 * Whether a key is in its first bucket is a coin toss at high load
	 * (a third are not when the table is full), so this pass does not
	 * branch on it: the candidate, the line to prefetch and the list of
	 * keys for the second bucket are all selected arithmetically. With
	 * ct_key_eq's direction select, that took callgrind's simulated
	 * mispredicts from 315 k to 226 k per 503 k packets (est, 1 K full
	 * table; the old index: 213 k).
	 */
	for (i = 0; i < n; i++) {
		const struct ct_bucket *b = &t->buckets[bk[i]];
		uint32_t m = ct_match_sig(b, ct_hash_sig(h[i]));
		uint32_t ref = b->ref[m != 0 ? __builtin_ctz(m) : 0];
		uint32_t alt = ct_bucket_alt(t, bk[i], ct_hash_sig(h[i]));

		cand[i] = m != 0 ? ref : CT_CAND_SECOND;
		rte_prefetch0(m != 0 ? (const void *)&t->conns[ref >> 1] :
			      (const void *)&t->buckets[alt]);
		if (m != 0 && protos[i] == IPPROTO_TCP)
			rte_prefetch0(&t->seq[ref >> 1]);
		bk[i] = alt;
		second[n2] = (uint8_t)i;
		n2 += m == 0;
	}
	for (j = 0; j < n2; j++) {
		const struct ct_bucket *b;
		uint32_t m;

		i = second[j];
		b = &t->buckets[bk[i]];
		m = ct_match_sig(b, ct_hash_sig(h[i]));
		if (m != 0) {
			cand[i] = b->ref[__builtin_ctz(m)];
			rte_prefetch0(&t->conns[cand[i] >> 1]);
			if (protos[i] == IPPROTO_TCP)
				rte_prefetch0(&t->seq[cand[i] >> 1]);
		} else {
			cand[i] = CT_CAND_MISS;
		}
	}
	for (i = 0; i < n; i++) {
		uint32_t ref = cand[i];

		if (ref == CT_CAND_MISS) {
			conns[i] = NULL;
		} else if (likely(ct_key_eq(t, &t->conns[ref >> 1], ref & 1, protos[i], keys[i]))) {
			conns[i] = &t->conns[ref >> 1];
			dirs[i] = (enum ct_dir)(ref & 1);
		} else {
			conns[i] = ct_find(t, protos[i], keys[i], h[i], &dirs[i]);
		}
	}
}

void
ct_prefetch(const struct ct_table *t, uint8_t proto, const struct ct_tuple *key)
{
	uint64_t h = ct_hash(t, proto, key);
	uint32_t b1 = ct_bucket1(t, h);

	rte_prefetch0(&t->buckets[b1]);
	rte_prefetch0(&t->buckets[ct_bucket_alt(t, b1, ct_hash_sig(h))]);
}

void
ct_lookup_bulk(struct ct_table *t, const uint8_t *protos,
	       const struct ct_tuple *const *keys, unsigned int n,
	       struct ct_conn **conns, enum ct_dir *dirs)
{
	unsigned int done, k;

	for (done = 0; done < n; done += k) {
		k = n - done < CT_BULK_MAX ? n - done : CT_BULK_MAX;
		ct_lookup_burst(t, protos + done, keys + done, k, conns + done, dirs + done);
	}
}

/* Insert and remove */

/*
 * How the entry names reply's destination: the client (orig's source), or
 * local address `*idx`. -1 when it is neither.
 */
static int
ct_reply_dst(const struct ct_table *t, const struct ct_tuple *orig,
	     const struct ct_tuple *reply, uint8_t *flags, uint8_t *idx)
{
	uint32_t i;

	if (reply->dst_ip == orig->src_ip && reply->dst_port == orig->src_port) {
		*flags = 0;
		*idx = 0;
		return 0;
	}
	for (i = 0; i < SL_MAX_LADDRS && t->laddrs[i] != 0; i++) {
		if (t->laddrs[i] == reply->dst_ip) {
			*flags = CT_F_LOCAL;
			*idx = (uint8_t)i;
			return 0;
		}
	}
	return -1;
}

struct ct_conn *
ct_insert(struct ct_table *t, uint8_t proto, const struct ct_tuple *orig,
	  const struct ct_tuple *reply, uint32_t now)
{
	uint32_t idx = t->free_head;
	uint64_t h_orig, h_reply;
	struct ct_conn *c;
	uint8_t state, flags, lidx;

	if (unlikely(ct_reply_dst(t, orig, reply, &flags, &lidx) != 0)) {
		errno = EINVAL;
		return NULL;
	}
	if (unlikely(idx == CT_NIL))
		goto full;
	h_orig = ct_hash(t, proto, orig);
	h_reply = ct_hash(t, proto, reply);
	if (unlikely(ct_index_add(t, h_orig, idx << 1 | CT_DIR_ORIG) != 0))
		goto full;
	if (unlikely(ct_index_add(t, h_reply, idx << 1 | CT_DIR_REPLY) != 0)) {
		ct_index_del(t, h_orig, idx << 1 | CT_DIR_ORIG);
		goto full;
	}

	c = &t->conns[idx];
	t->free_head = t->cold[idx].wheel_next;
	if (t->free_head != CT_NIL) {
		rte_prefetch0(&t->conns[t->free_head]);
		rte_prefetch0(&t->cold[t->free_head]);
	}
	state = proto == IPPROTO_TCP ? CT_SYN_SENT : CT_UDP;
	*c = (struct ct_conn){
		.orig = *orig,
		.backend_ip = reply->src_ip,
		.backend_port = reply->src_port,
		.lport = flags ? reply->dst_port : 0,
		.proto = proto,
		.state = state,
		.flags = flags,
		.lport_idx = lidx,
		.expire = now + t->timeouts.ms[state],
	};
	t->seq[idx] = (struct ct_seq){ .end = { 0, 0 } };
	ct_wheel_link(t, idx, c->expire);
	t->stats.inserted++;
	t->stats.active++;
	return c;
full:
	t->stats.full++;
	return NULL;
}

/* Release, unindex and free an entry already off the wheel. */
static void
ct_free(struct ct_table *t, struct ct_conn *c)
{
	uint32_t idx = ct_conn_index(t, c);
	struct ct_tuple reply;

	if (t->release != NULL)
		t->release(c, t->release_arg);
	ct_reply_tuple(c, t->laddrs, &reply);
	ct_index_del(t, ct_hash(t, c->proto, &c->orig), idx << 1 | CT_DIR_ORIG);
	ct_index_del(t, ct_hash(t, c->proto, &reply), idx << 1 | CT_DIR_REPLY);
	c->state = CT_NONE;
	t->cold[idx].wheel_prev = CT_NIL;
	t->cold[idx].wheel_next = t->free_head;
	t->free_head = idx;
	t->stats.active--;
}

void
ct_delete(struct ct_table *t, struct ct_conn *c)
{
	/* A second delete of the same entry would corrupt the free list. */
	if (unlikely(c->state == CT_NONE))
		return;
	ct_wheel_unlink(t, ct_conn_index(t, c));
	ct_free(t, c);
	t->stats.deleted++;
}

/* TCP state machine */

/*
 * Per-direction transitions, close to IPVS; `dir` is who sent the packet.
 *   RST, either side                          -> CLOSE
 *   SYN from orig in NONE, SYN_SENT           -> SYN_SENT
 *   SYN from orig in TIME_WAIT, CLOSE         -> SYN_SENT (port reuse)
 *   SYN+ACK from reply in SYN_SENT, SYN_RECV  -> SYN_RECV
 *   ACK in SYN_RECV, either side              -> ESTABLISHED (the backend
 *       only sends non-SYN segments once it has the client's ACK)
 *   FIN in SYN_RECV, ESTABLISHED              -> FIN_WAIT
 *   ACK from the side without a FIN, FIN_WAIT -> CLOSE_WAIT
 *   FIN from the side without a FIN, FIN_WAIT or CLOSE_WAIT -> TIME_WAIT
 *   ACK from orig in SYN_SENT, CT_F_ONEWAY    -> ESTABLISHED (dr: the
 *       backend's SYN+ACK goes straight to the client, as IPVS's input-only
 *       state table assumes)
 * Anything else keeps the state (retransmissions, stray segments).
 */
static uint8_t
ct_tcp_next(struct ct_conn *c, enum ct_dir dir, uint8_t fl)
{
	uint8_t fin_self = (uint8_t)(CT_F_FIN_ORIG << dir);
	uint8_t s = c->state;

	if (fl & RTE_TCP_RST_FLAG)
		return CT_CLOSE;
	if (fl & RTE_TCP_SYN_FLAG) {
		if (fl & RTE_TCP_ACK_FLAG)
			return dir == CT_DIR_REPLY &&
			       (s == CT_SYN_SENT || s == CT_SYN_RECV) ? CT_SYN_RECV : s;
		if (dir != CT_DIR_ORIG)
			return s;
		if (s == CT_TIME_WAIT || s == CT_CLOSE) {
			c->flags &= (uint8_t)~(CT_F_FIN_ORIG | CT_F_FIN_REPLY);
			return CT_SYN_SENT;
		}
		return s == CT_NONE ? CT_SYN_SENT : s;
	}
	if (fl & RTE_TCP_FIN_FLAG) {
		switch (s) {
		case CT_SYN_RECV:
		case CT_ESTABLISHED:
			c->flags |= fin_self;
			return CT_FIN_WAIT;
		case CT_FIN_WAIT:
		case CT_CLOSE_WAIT:
			if (c->flags & fin_self)
				return s;
			c->flags |= fin_self;
			return CT_TIME_WAIT;
		default:
			return s;
		}
	}
	if (fl & RTE_TCP_ACK_FLAG) {
		if (s == CT_SYN_RECV)
			return CT_ESTABLISHED;
		if (s == CT_SYN_SENT && (c->flags & CT_F_ONEWAY) && dir == CT_DIR_ORIG)
			return CT_ESTABLISHED;
		if (s == CT_FIN_WAIT && !(c->flags & fin_self))
			return CT_CLOSE_WAIT;
	}
	return s;
}

/*
 * Established traffic only writes expire: the entry stays where it is on
 * the wheel and is re-armed when its old slot comes round. Only an expiry
 * that moves earlier (a state with a shorter timeout) relinks, so such a
 * connection still goes within its new timeout plus one slot.
 */
enum ct_state
ct_update(struct ct_table *t, struct ct_conn *c, enum ct_dir dir,
	  uint8_t tcp_flags, uint32_t now)
{
	uint8_t prev = c->state;
	uint8_t next = prev;
	uint32_t expire;

	if (unlikely(prev != CT_UDP &&
		     (prev != CT_ESTABLISHED ||
		      (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) != 0))) {
		next = ct_tcp_next(c, dir, tcp_flags);
		c->state = next;
	}
	expire = now + t->timeouts.ms[next];
	if (unlikely((int32_t)(expire - c->expire) < 0)) {
		ct_wheel_unlink(t, ct_conn_index(t, c));
		ct_wheel_link(t, ct_conn_index(t, c), expire);
	}
	c->expire = expire;
	return (enum ct_state)prev;
}

void
ct_tcp_seen(struct ct_table *t, const struct ct_conn *c, enum ct_dir dir,
	    uint8_t tcp_flags, uint32_t end)
{
	ct_seq_seen(&t->seq[ct_conn_index(t, c)], c, dir, tcp_flags, end);
}

enum ct_rst_verdict
ct_rst_check(const struct ct_table *t, const struct ct_conn *c, enum ct_dir dir, uint32_t seq)
{
	uint32_t e = t->seq[ct_conn_index(t, c)].end[dir];

	if (e == 0 || seq == e)
		return CT_RST_EXACT;
	return ct_seq_near(seq, e) ? CT_RST_WINDOW : CT_RST_BLIND;
}

uint32_t
ct_tcp_end(const struct ct_table *t, const struct ct_conn *c, enum ct_dir dir)
{
	return t->seq[ct_conn_index(t, c)].end[dir];
}

void
ct_restore(struct ct_table *t, struct ct_conn *c, uint8_t state, uint32_t expire)
{
	c->state = state;
	if ((int32_t)(expire - c->expire) < 0) {
		ct_wheel_unlink(t, ct_conn_index(t, c));
		ct_wheel_link(t, ct_conn_index(t, c), expire);
	}
	c->expire = expire;
}

/* Expiry */

/*
 * A slot is processed once it lies wholly in the past (its last ms <= now),
 * so every entry in it is due unless refreshed since; refreshed ones are
 * re-armed. Each slot is first moved to the pending list, so re-arming can
 * never feed the list being walked and a budget cut resumes mid-slot.
 * After a gap longer than the span, only the last span of slots is walked:
 * every slot number occurs once in it, so every entry is still visited.
 */
unsigned int
ct_expire(struct ct_table *t, uint32_t now, unsigned int budget)
{
	unsigned int visited = 0, removed = 0;
	uint32_t *pending = &t->wheel[CT_WHEEL_PENDING];

	if ((int32_t)(now + 1 - t->wheel_ms) >= (int32_t)(CT_WHEEL_SPAN + CT_WHEEL_GRAN))
		t->wheel_ms = ((now + 1) & ~(CT_WHEEL_GRAN - 1)) - CT_WHEEL_SPAN;

	while (visited < budget) {
		uint32_t idx = *pending;
		struct ct_conn *c;

		if (idx == CT_NIL) {
			uint32_t slot;

			if ((int32_t)(now - t->wheel_ms) < (int32_t)(CT_WHEEL_GRAN - 1))
				break;
			slot = (t->wheel_ms >> CT_WHEEL_SHIFT) & (CT_WHEEL_SLOTS - 1);
			*pending = t->wheel[slot];
			t->wheel[slot] = CT_NIL;
			if (*pending != CT_NIL)
				t->cold[*pending].wheel_prev = CT_HEAD_BIT | CT_WHEEL_PENDING;
			t->wheel_ms += CT_WHEEL_GRAN;
			continue;
		}
		visited++;
		c = &t->conns[idx];
		*pending = t->cold[idx].wheel_next;
		if (*pending != CT_NIL) {
			t->cold[*pending].wheel_prev = CT_HEAD_BIT | CT_WHEEL_PENDING;
			rte_prefetch0(&t->conns[*pending]);
		}
		if ((int32_t)(c->expire - now) > 0) {
			ct_wheel_link(t, idx, c->expire);
			if (t->rearm != NULL)
				t->rearm(c, t->rearm_arg);
			continue;
		}
		ct_free(t, c);
		t->stats.expired++;
		removed++;
	}
	return removed;
}
