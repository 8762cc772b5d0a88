/*
 * Connection table internals: the table layout, the hash and the index probe,
 * shared by conntrack.c and the unit test that checks the index invariants.
 * Nothing outside those two includes this header.
 * Threading: same rule as the table, owning thread only.
 *
 * Index: a bucketized cuckoo hash. Buckets are one cache line of 10 slots,
 * each a 16-bit signature and a 32-bit ref. A key lives in one of its two
 * buckets: b1 from the hash, b2 = alt(b1, sig). The alternate depends on the
 * signature alone (partial-key cuckoo), so an insert that finds both full
 * can move a resident key to its other bucket without reading its entry.
 * A lookup reads at most two lines, hit or miss, with no probe chains; the
 * count of buckets is not a power of two (multiply-high range reduction),
 * so the index is sized to 90 % load at full capacity, not rounded up:
 * 14.2 bytes per connection for its two keys.
 */
#ifndef SLUICE_CONNTRACK_IMPL_H
#define SLUICE_CONNTRACK_IMPL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "conntrack.h"

#define CT_BUCKET_SLOTS 10
#define CT_SLOT_MASK ((1u << CT_BUCKET_SLOTS) - 1)
/*
 * Slots per bucket times this fraction is the design load at full capacity;
 * test_design_load churns at it and finds no insert refused.
 */
#define CT_LOAD_PCT 90u
/* Fewest buckets: small tables keep the same load statistics. */
#define CT_MIN_BUCKETS 64u
/* Levels of buckets an insert into two full buckets searches for room. */
#define CT_CUCKOO_LEVELS 2u
#define CT_SIG_EMPTY 0u         /* free slot; real signatures are never 0 */
#define CT_REF_EMPTY UINT32_MAX

/*
 * Signatures first: two aligned 16-byte loads cover the 10 of them (lanes
 * past the 10th are masked off). Refs are conn index << 1 | enum ct_dir.
 */
struct ct_bucket {
	uint16_t sig[CT_BUCKET_SLOTS];
	uint16_t pad[2];
	uint32_t ref[CT_BUCKET_SLOTS];
} __attribute__((aligned(64)));

static_assert(sizeof(struct ct_bucket) == 64, "a bucket is one cache line");
static_assert(offsetof(struct ct_bucket, ref) == 24, "refs follow 12 signature lanes");
static_assert(offsetof(struct ct_tuple, src_port) == 8, "tuple = 8 bytes of addresses + ports");

/* Timer-wheel links of entry i, apart from the entry: only insert, delete,
 * expiry and a state change that shortens the timeout touch them. */
struct ct_cold {
	uint32_t wheel_next;    /* conn indices; free entries link through next */
	uint32_t wheel_prev;
};

/*
 * Timer wheel: 4096 slots of 16 ms, a 65.5 s span. Timeouts shorter than
 * the span (SYN, FIN, CLOSE, most UDP) are visited once, when due; longer
 * ones (ESTABLISHED) come round once per span and are re-armed, which for
 * 1M connections is ~15k visits/s. 16 KB of heads stay in L2.
 * Lists are doubly linked through ct_cold; the first entry's
 * wheel_prev is CT_HEAD_BIT | list so an unlink needs no search. List
 * CT_WHEEL_PENDING holds the slot being expired, so a budget-limited
 * ct_expire() resumes exactly where it stopped.
 */
#define CT_WHEEL_SHIFT 4
#define CT_WHEEL_GRAN (1u << CT_WHEEL_SHIFT)            /* ms per slot */
#define CT_WHEEL_SLOTS 4096u
#define CT_WHEEL_SPAN (CT_WHEEL_SLOTS * CT_WHEEL_GRAN)  /* ms */
#define CT_WHEEL_PENDING CT_WHEEL_SLOTS
#define CT_WHEEL_LISTS (CT_WHEEL_SLOTS + 1)
#define CT_HEAD_BIT 0x80000000u
#define CT_NIL UINT32_MAX

static_assert(((1ull << 32) / CT_WHEEL_GRAN) % CT_WHEEL_SLOTS == 0,
	      "slot numbers stay continuous across the 32-bit ms wrap");
static_assert(SL_MAX_CT_CAPACITY < CT_HEAD_BIT, "conn indices never look like a list head");

struct ct_table {
	/* Read by every lookup. */
	struct ct_conn *conns;
	struct ct_bucket *buckets;
	uint32_t nb_buckets;
	uint32_t capacity;
	uint64_t seed;          /* of the hash; ct_set_seed */
	uint32_t laddrs[SL_MAX_LADDRS]; /* network order; CT_F_LOCAL replies */
	/* Insert, update and expiry. */
	struct ct_cold *cold;
	struct ct_seq *seq;
	uint32_t free_head;     /* free entries, linked through cold wheel_next */
	uint32_t wheel_ms;      /* start of the next slot to expire */
	uint32_t *wheel;        /* CT_WHEEL_LISTS list heads */
	ct_release_fn release;
	void *release_arg;
	ct_rearm_fn rearm;
	void *rearm_arg;
	struct ct_timeouts timeouts;
	struct ct_stats stats;
} __attribute__((aligned(64)));

/*
 * Low 32 bits pick b1: CRC32-C of the key, then the high half of a
 * multiply. CRC alone is linear, so structured keys (one client's sequential
 * ports, adjacent addresses) would fill correlated buckets.
 * Bits 48..63: the signature, from a separate multiply mix of the key, not
 * from the CRC, whose remaining bits would collide whenever the bucket bits
 * do. Both start from the table's seed: a worker draws one at random, so
 * nobody can compute in advance which tuples share a bucket pair (a known
 * seed would let a sender aim its connections at one pair; they would be
 * refused, but every such insert would search before refusing).
 * rte_hash_crc.h is not used: its constructor calls EAL (rte_log, CPU
 * flags), which pure modules must not link.
 */
#define CT_HASH_SEED 0x9e3779b9u
#define CT_MIX_A 0x9e3779b97f4a7c15ull
#define CT_MIX_B 0xc2b2ae3d27d4eb4full
#define CT_MIX_SIG 0x9e3779b1u

static inline uint64_t
ct_hash(const struct ct_table *t, uint8_t proto, const struct ct_tuple *k)
{
	uint64_t addrs, rest, mix;
	uint32_t ports, crc, sig;

	memcpy(&addrs, k, sizeof(addrs));
	memcpy(&ports, &k->src_port, sizeof(ports));
	rest = ports | (uint64_t)proto << 32;
#if defined(__SSE4_2__)
	crc = (uint32_t)_mm_crc32_u64(_mm_crc32_u64((uint32_t)t->seed, addrs), rest);
#else
	crc = (uint32_t)((((addrs ^ t->seed) * CT_MIX_B + rest) * CT_MIX_A) >> 32);
#endif
	mix = (((addrs ^ t->seed) * CT_MIX_A) ^ rest) * CT_MIX_B;
	sig = (uint32_t)(mix >> 48);
	sig += sig == CT_SIG_EMPTY;
	return (uint64_t)sig << 48 | (uint32_t)((crc * CT_MIX_A) >> 32);
}

static inline uint16_t
ct_hash_sig(uint64_t h)
{
	return (uint16_t)(h >> 48);
}

/* x scaled onto [0, n): the high half of a multiply, no division. */
static inline uint32_t
ct_range(uint32_t x, uint32_t n)
{
	return (uint32_t)(((uint64_t)x * n) >> 32);
}

static inline uint32_t
ct_bucket1(const struct ct_table *t, uint64_t h)
{
	return ct_range((uint32_t)h, t->nb_buckets);
}

/*
 * The other bucket of a key in bucket b: (off(sig) - b) mod n, an
 * involution, so alt(alt(b)) = b and either bucket finds the other.
 */
static inline uint32_t
ct_bucket_alt(const struct ct_table *t, uint32_t b, uint16_t sig)
{
	uint32_t off = ct_range((uint32_t)sig * CT_MIX_SIG, t->nb_buckets);

	return off >= b ? off - b : off + t->nb_buckets - b;
}

/* Bit i set when slot i's signature is x (x == CT_SIG_EMPTY: free slots). */
static inline uint32_t
ct_match_sig(const struct ct_bucket *bk, uint16_t x)
{
#if defined(__SSE2__)
	__m128i k = _mm_set1_epi16((short)x);
	__m128i lo = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)bk->sig), k);
	__m128i hi = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)bk->sig + 1), k);

	return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(lo, hi)) & CT_SLOT_MASK;
#else
	uint32_t m = 0;
	unsigned int i;

	for (i = 0; i < CT_BUCKET_SLOTS; i++)
		m |= (uint32_t)(bk->sig[i] == x) << i;
	return m;
#endif
}

/* The tuple of c that direction dir indexes. */
static inline void
ct_dir_tuple(const struct ct_table *t, const struct ct_conn *c, uint32_t dir,
	     struct ct_tuple *out)
{
	if (dir == CT_DIR_ORIG)
		*out = c->orig;
	else
		ct_reply_tuple(c, t->laddrs, out);
}

/*
 * Two fields as memcpy() of a struct { first; second; } reads them, built
 * in registers: a reply tuple written to memory field by field and read
 * back as one word cannot be store-forwarded, and that stall was a third of
 * the bulk lookup's time (perf annotate, est at 1 K connections).
 */
static inline uint64_t
ct_pack32(uint32_t first, uint32_t second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint64_t)first | (uint64_t)second << 32;
#else
	return (uint64_t)first << 32 | second;
#endif
}

static inline uint32_t
ct_pack16(uint16_t first, uint16_t second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint32_t)first | (uint32_t)second << 16;
#else
	return (uint32_t)first << 16 | second;
#endif
}

/*
 * Exact key compare against the tuple a ref's direction bit selects. Half
 * of all packets are replies, at random, so the direction selects by mask,
 * not by branch. The reply tuple is the one ct_reply_tuple() builds, from
 * the same ct_reply_dst_ip/port, but in registers (see ct_pack32).
 */
static inline int
ct_key_eq(const struct ct_table *t, const struct ct_conn *c, uint32_t dir,
	  uint8_t proto, const struct ct_tuple *k)
{
	uint64_t sel = 0 - (uint64_t)(dir & 1);
	uint64_t oa, ka, ra = ct_pack32(c->backend_ip, ct_reply_dst_ip(c, t->laddrs));
	uint32_t op, kp, rp = ct_pack16(c->backend_port, ct_reply_dst_port(c));

	memcpy(&oa, &c->orig, sizeof(oa));
	memcpy(&op, &c->orig.src_port, sizeof(op));
	memcpy(&ka, k, sizeof(ka));
	memcpy(&kp, &k->src_port, sizeof(kp));
	oa = (oa & ~sel) | (ra & sel);
	op = (op & (uint32_t)~sel) | (rp & (uint32_t)sel);
	return ((oa ^ ka) | (uint64_t)(op ^ kp) | (uint64_t)(c->proto ^ proto)) == 0;
}

/* The entry among the slots m of bucket bk whose key is k, or NULL. */
static inline struct ct_conn *
ct_find_in(const struct ct_table *t, const struct ct_bucket *bk, uint32_t m,
	   uint8_t proto, const struct ct_tuple *key, enum ct_dir *dir)
{
	while (m != 0) {
		uint32_t ref = bk->ref[__builtin_ctz(m)];
		struct ct_conn *c = &t->conns[ref >> 1];

		if (ct_key_eq(t, c, ref & 1, proto, key)) {
			*dir = (enum ct_dir)(ref & 1);
			return c;
		}
		m &= m - 1;
	}
	return NULL;
}

/* Both buckets of hash h. */
static inline struct ct_conn *
ct_find(const struct ct_table *t, uint8_t proto, const struct ct_tuple *key,
	uint64_t h, enum ct_dir *dir)
{
	uint16_t sig = ct_hash_sig(h);
	uint32_t b1 = ct_bucket1(t, h), b2 = ct_bucket_alt(t, b1, sig);
	struct ct_conn *c;

	c = ct_find_in(t, &t->buckets[b1], ct_match_sig(&t->buckets[b1], sig), proto, key, dir);
	if (c != NULL || b2 == b1)
		return c;
	return ct_find_in(t, &t->buckets[b2], ct_match_sig(&t->buckets[b2], sig), proto, key, dir);
}

#endif
