/*
 * Connection table internals: the table layout, the hash and the index probe,
 * shared by conntrack.c and the unit test that checks the index invariants.
 * Nothing outside those two includes this header.
 * Threading: same rule as the table, owning thread only.
 *
 * Index: 2^k buckets of one cache line, 7 slots each, linear probing over at
 * most CT_MAX_PROBE buckets. A bucket's overflow counter is the number of keys
 * placed past it by an insert that found it full; a lookup stops at the first
 * bucket without a match whose counter is 0, so a miss usually reads a single
 * line. Counters are exact (deletes walk the same path), so no tombstones.
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

#define CT_BUCKET_SLOTS 7
#define CT_SLOT_MASK ((1u << CT_BUCKET_SLOTS) - 1)
/*
 * Buckets an insert may try (also the minimum bucket count). Simulated churn
 * at the 80% design load with a random hash: 16 refuses 7e-4 of inserts,
 * 32 refuses 1e-5. Hits never get near it; misses stop at overflow == 0.
 */
#define CT_MAX_PROBE 32u
#define CT_SIG_EMPTY 0u         /* free slot; real signatures are never 0 */
#define CT_REF_EMPTY UINT32_MAX

/*
 * Signatures and refs as two arrays rather than 7 {sig, ref} pairs: one
 * 16-byte compare covers 4 signatures, so a bucket is matched with two.
 * The overflow counter sits in the 8th signature lane and is masked off.
 */
struct ct_bucket {
	uint32_t sig[CT_BUCKET_SLOTS];
	uint32_t overflow;
	uint32_t ref[CT_BUCKET_SLOTS];  /* conn index << 1 | enum ct_dir */
	uint32_t pad;
} __attribute__((aligned(64)));

static_assert(sizeof(struct ct_bucket) == 64, "a bucket is one cache line");
static_assert(offsetof(struct ct_bucket, overflow) == CT_BUCKET_SLOTS * 4,
	      "overflow is the masked 8th signature lane");
static_assert(offsetof(struct ct_bucket, ref) == 32, "refs are 16-byte aligned");
static_assert(offsetof(struct ct_tuple, src_port) == 8, "tuple = 8 bytes of addresses + ports");
static_assert(offsetof(struct ct_conn, reply) == sizeof(struct ct_tuple),
	      "reply tuple follows the orig tuple");

/*
 * Timer wheel: 4096 slots of 16 ms, a 65.5 s span. Timeouts shorter than
 * the span (SYN, FIN, CLOSE, most UDP) are visited once, when due; longer
 * ones (ESTABLISHED) come round once per span and are re-armed, which for
 * 1M connections is ~15k visits/s. 16 KB of heads stay in L2.
 * Lists are doubly linked through wheel_next/wheel_prev; the first entry's
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
static_assert(CT_MAX_CAPACITY < CT_HEAD_BIT, "conn indices never look like a list head");

struct ct_table {
	/* Read by every lookup. */
	struct ct_conn *conns;
	struct ct_bucket *buckets;
	uint32_t bucket_mask;
	uint32_t capacity;
	/* Insert, update and expiry. */
	uint32_t free_head;     /* free entries, linked through wheel_next */
	uint32_t wheel_ms;      /* start of the next slot to expire */
	uint32_t *wheel;        /* CT_WHEEL_LISTS list heads */
	ct_release_fn release;
	void *release_arg;
	struct ct_timeouts timeouts;
	struct ct_stats stats;
} __attribute__((aligned(64)));

/*
 * Low 32 bits pick the bucket: CRC32-C of the key, then the high half of a
 * multiply. CRC alone is linear, so structured keys (one client's sequential
 * ports, adjacent addresses) fill correlated buckets: in the randomized test
 * at 80% load it refused 36 inserts for a full probe window against 16 with
 * the multiply (and 0 with the 32-bucket window).
 * High 32 bits: the signature, from a separate multiply mix of the key, not
 * from the CRC, whose remaining bits would collide whenever the bucket bits
 * do. rte_hash_crc.h is not used: its constructor calls EAL (rte_log, CPU
 * flags), which pure modules must not link.
 */
#define CT_HASH_SEED 0x9e3779b9u
#define CT_MIX_A 0x9e3779b97f4a7c15ull
#define CT_MIX_B 0xc2b2ae3d27d4eb4full

static inline uint64_t
ct_hash(uint8_t proto, const struct ct_tuple *k)
{
	uint64_t addrs, rest, mix;
	uint32_t ports, crc, sig;

	memcpy(&addrs, k, sizeof(addrs));
	memcpy(&ports, &k->src_port, sizeof(ports));
	rest = ports | (uint64_t)proto << 32;
#if defined(__SSE4_2__)
	crc = (uint32_t)_mm_crc32_u64(_mm_crc32_u64(CT_HASH_SEED, addrs), rest);
#else
	crc = (uint32_t)((((addrs ^ CT_HASH_SEED) * CT_MIX_B + rest) * CT_MIX_A) >> 32);
#endif
	mix = ((addrs * CT_MIX_A) ^ rest) * CT_MIX_B;
	sig = (uint32_t)(mix >> 32);
	sig += sig == CT_SIG_EMPTY;
	return (uint64_t)sig << 32 | (uint32_t)((crc * CT_MIX_A) >> 32);
}

static inline uint32_t
ct_hash_sig(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/* Bit i set when v[i] == x, for the 7 slots of a bucket array (16-byte aligned). */
static inline uint32_t
ct_match7(const uint32_t *v, uint32_t x)
{
#if defined(__SSE2__)
	__m128i k = _mm_set1_epi32((int)x);
	__m128i lo = _mm_load_si128((const __m128i *)v);
	__m128i hi = _mm_load_si128((const __m128i *)(v + 4));
	uint32_t m;

	m = (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, k)));
	m |= (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, k))) << 4;
	return m & CT_SLOT_MASK;
#else
	uint32_t m = 0;
	unsigned int i;

	for (i = 0; i < CT_BUCKET_SLOTS; i++)
		m |= (uint32_t)(v[i] == x) << i;
	return m;
#endif
}

/* Exact key compare against the tuple a ref's direction bit selects. */
static inline int
ct_key_eq(const struct ct_conn *c, uint32_t dir, uint8_t proto,
	  const struct ct_tuple *k)
{
	const struct ct_tuple *e = dir ? &c->reply : &c->orig;
	uint64_t ea, ka;
	uint32_t ep, kp;

	memcpy(&ea, e, sizeof(ea));
	memcpy(&ka, k, sizeof(ka));
	memcpy(&ep, &e->src_port, sizeof(ep));
	memcpy(&kp, &k->src_port, sizeof(kp));
	return ((ea ^ ka) | (uint64_t)(ep ^ kp) | (uint64_t)(c->proto ^ proto)) == 0;
}

/* Full probe from the home bucket of hash h. */
static inline struct ct_conn *
ct_find(const struct ct_table *t, uint8_t proto, const struct ct_tuple *key,
	uint64_t h, enum ct_dir *dir)
{
	uint32_t sig = ct_hash_sig(h);
	uint32_t b = (uint32_t)h & t->bucket_mask;
	unsigned int i;

	for (i = 0; i < CT_MAX_PROBE; i++) {
		const struct ct_bucket *bk = &t->buckets[b];
		uint32_t m = ct_match7(bk->sig, sig);

		while (m != 0) {
			uint32_t ref = bk->ref[__builtin_ctz(m)];
			struct ct_conn *c = &t->conns[ref >> 1];

			if (ct_key_eq(c, ref & 1, proto, key)) {
				*dir = (enum ct_dir)(ref & 1);
				return c;
			}
			m &= m - 1;
		}
		if (bk->overflow == 0)
			break;
		b = (b + 1) & t->bucket_mask;
	}
	return NULL;
}

#endif
