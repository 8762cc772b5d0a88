/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016), weighted.
 *
 * Each eligible backend walks its own permutation of the M table slots,
 * offset = h1 % M, then + skip (skip = h2 % (M - 1) + 1; M prime, so the walk
 * visits every slot), h1 and h2 two hashes of its (ip, port). Backends take
 * turns claiming their next free slot until the table is full. Because a
 * permutation depends on the backend's address and not on its place in the
 * list, removing one backend frees its slots and leaves nearly every other
 * slot where it was: its share of the table moves, plus the churn of turns
 * that shift, ~0.6% of M at M = 65537 and ~0.2% at 655373 (test_sched).
 *
 * Weights, as Katran's MaglevHashV2: each round, every backend earns its
 * weight in credit and takes a turn only when it holds w_max of it, so it
 * claims slots at the rate w / w_max all along the fill. Equal weights give
 * the paper's algorithm exactly; a share is within 1 + w / mean(w) slots of
 * M * w / sum w. Rates that do not depend on the other backends keep
 * disruption as low as unweighted: quotas of M * w / sum w instead (tried)
 * change every rate when one backend leaves, and moved 4.8% of the table
 * beyond the leaver's share for 1 of 10 backends, against 0.25%.
 *
 * Speed, for M = 65537 and 1000 backends (see test/bench/bench_maglev.c):
 * filling costs about M ln M probes, most for the last few slots. Probes
 * read an occupancy map of a byte per slot, twice over (2M bytes, so that
 * a walk's next few slots need no reduction mod M), four slots of a walk
 * per branch, eight late in the fill (mh_probe), rather than the 4-byte
 * table; a walk steps next = next + skip with a conditional subtract, no
 * division.
 *
 * A round costs one pass over the backends to collect who has a turn,
 * M * w_max / mean(w) steps in all if every round made one: ~0.1 ms for
 * weights 1..100 a backend at a time, less four at a time with SSE2
 * (mh_round: 0.97 -> 0.88 ms median in all), and 61 ms for one weight 65535 among 999 of weight 1,
 * where all but the last round are that one backend's alone. Such rounds
 * are counted ahead instead and skip the pass (mh_quiet_rounds): equal
 * weights make one pass in all, the 65535 case two (~1 ms in all).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched_impl.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Slots of a walk tested per block, with no branch between them (mh_block,
 * written for four): a branch per probe, taken or not at random late in
 * the fill, cost more than the loads.
 */
#define MH_BLOCK 4

struct mh_walk {
	uint32_t next;          /* next slot of the permutation to try */
	uint32_t off[MH_BLOCK]; /* i * skip mod M: off[0] = 0, off[1] = skip */
	uint32_t stride;        /* MH_BLOCK * skip mod M */
	int32_t idx;            /* index into the backend array */
	uint32_t pad;           /* 32 bytes: walks[i] is a shift, not a multiply */
};

/* Offset and skip from the backend's address alone, never its position. */
void
sched_mh_permutation(const struct sched_backend *b, uint32_t m,
		     uint32_t *offset, uint32_t *skip)
{
	uint64_t key = (uint64_t)b->ip << 16 | b->port;

	*offset = (uint32_t)(sl_mix64(key + SL_GOLDEN64) % m);
	*skip = (uint32_t)(sl_mix64(key ^ 0xd6e8feb86659fd93ull) % (m - 1)) + 1;
}

/* skip^-1 mod m (m prime, 0 < skip < m), by the extended Euclid algorithm. */
static uint32_t
mh_inverse(uint32_t skip, uint32_t m)
{
	int64_t x = 0, nx = 1, tmp;
	uint32_t r = m, nr = skip, q, rtmp;

	while (nr != 0) {
		q = r / nr;
		tmp = x - (int64_t)q * nx;
		x = nx;
		nx = tmp;
		rtmp = r - q * nr;
		r = nr;
		nr = rtmp;
	}
	return (uint32_t)(x < 0 ? x + m : x);
}

/*
 * The tail: the last few claims. Probing for one of E free slots takes M / E
 * probes on average (the last 128 of 65537 slots would take nearly half of
 * all probes). Instead, slot s is step (s - next) * skip^-1 (mod M) of a walk,
 * so the first free slot of the walk is the free slot with the smallest
 * step: E multiplications. This claims exactly the slot probing would.
 *
 * The steps are compared, not computed: with c = skip^-1 * ceil(2^64 / M)
 * (mod 2^64), x * c (mod 2^64) is (x * skip^-1 mod M) * 2^64 / M plus an
 * error below x * skip^-1 < 2 M^2, and steps 2^64 / M apart keep their
 * order while 2 M^2 < 2^64 / M. One multiplication an entry, no division.
 */
_Static_assert((uint64_t)SCHED_MH_MAX_SIZE * SCHED_MH_MAX_SIZE * 2 <
	       UINT64_MAX / SCHED_MH_MAX_SIZE,
	       "tail step keys would lose their order");

struct mh_tail {
	uint32_t *free_slots;
	uint32_t n;
};

static int
mh_tail_init(struct mh_tail *tail, const uint8_t *used, uint32_t m,
	     uint32_t count)
{
	uint32_t i = 0;

	tail->free_slots = malloc(count * sizeof(*tail->free_slots));
	if (tail->free_slots == NULL)
		return -ENOMEM;
	tail->n = 0;
	while (i < m && tail->n < count) {
		uint64_t eight = 0;

		/* Eight used bytes at once (used[] runs on to 2M). */
		memcpy(&eight, used + i, sizeof(eight));
		if (eight == 0x0101010101010101ull) {
			i += 8;
			continue;
		}
		tail->free_slots[tail->n] = i;
		tail->n += used[i] == 0;
		i++;
	}
	return 0;
}

static uint32_t
mh_tail_claim(struct mh_tail *tail, const struct mh_walk *w, uint32_t m)
{
	uint64_t c = mh_inverse(w->off[1], m) * (UINT64_MAX / m + 1);
	/* x = s - next + m, in [1, 2M): the same step as s - next. */
	uint64_t bias = (uint64_t)(m - w->next) * c, best_key = UINT64_MAX;
	uint32_t i, best = 0, s;

	for (i = 0; i < tail->n; i++) {
		uint64_t key = tail->free_slots[i] * c + bias;

		if (key < best_key) {
			best_key = key;
			best = i;
		}
	}
	s = tail->free_slots[best];
	tail->free_slots[best] = tail->free_slots[--tail->n];
	return s;
}

/*
 * Switch to the tail with this many slots free. A tail claim costs E
 * multiplications against M / E probes; E = sqrt(M) / 2 measured best
 * (128 for 65537: 0.76 ms against 0.80 at 64 and 0.86 at 512).
 */
static uint32_t
mh_tail_size(uint32_t m)
{
	uint32_t e = 1;

	while (e * e < m)
		e++;
	return e / 2;
}

/*
 * s + skip mod m, for s and skip below m (< 2^31). Arithmetic on the sign
 * rather than a ?:, which gcc compiles to a branch at some call sites, and
 * whether a walk wraps is a coin toss.
 */
static inline uint32_t
mh_step(uint32_t s, uint32_t skip, uint32_t m)
{
	uint32_t t = s + skip - m;

	return t + (m & (uint32_t)((int32_t)t >> 31));
}

/*
 * Four slots of a walk from p = used + s on, as a mask (bit i set: slot
 * s + i * skip is taken). used[] is a byte per slot, twice over (used[s] and
 * used[s + M] alike), so s + off[i] needs no reduction mod M: four
 * independent loads and no branch.
 */
static inline uint32_t
mh_block(const uint8_t *p, uint32_t o1, uint32_t o2, uint32_t o3)
{
	/* Bytes are 0 or 1: + is |, and compiles to three lea. */
	return (uint32_t)p[0] + 2u * p[o1] + 4u * (p[o2] + 2u * p[o3]);
}

/*
 * First free slot of a walk: the lowest clear bit of a block's mask, picked
 * without a branch. While the table is under 60% full the first block has
 * one at least 87% of the time. Past that, a claim probes 1 / (1 - fill) slots on
 * average, and the loop tests eight per branch: 0.78 -> 0.72 ms equal
 * weights, 0.95 -> 0.86 ms weights 1..100 (bench_maglev, against four per
 * branch; sixteen was slower than either).
 */
static inline uint32_t
mh_probe(const uint8_t *used, const struct mh_walk *w, uint32_t m)
{
	uint32_t s = w->next, o1 = w->off[1], o2 = w->off[2], o3 = w->off[3];
	uint32_t mask = mh_block(used + s, o1, o2, o3), i;

	if (mask == 0xf) {
		uint32_t s2;

		for (;;) {
			s = mh_step(s, w->stride, m);
			s2 = mh_step(s, w->stride, m);
			mask = mh_block(used + s, o1, o2, o3) +
			       16u * mh_block(used + s2, o1, o2, o3);
			if (mask != 0xff)
				break;
			s = s2;
		}
		i = (uint32_t)__builtin_ctz(~mask);
		s = i >= 4 ? s2 : s;
		return mh_step(s, w->off[i & 3], m);
	}
	return mh_step(s, w->off[__builtin_ctz(~mask)], m);
}

static inline void
mh_claim(int32_t *lut, uint8_t *used, struct mh_walk *w, uint32_t s,
	 uint32_t m)
{
	used[s] = 1;
	used[s + m] = 1;
	lut[s] = w->idx;
	w->next = mh_step(s, w->off[1], m);
}

/*
 * Turns ahead whose first block is prefetched. The map (2M bytes) is larger
 * than L1, and where a turn will probe first is known long before it comes:
 * 0.80 -> 0.75 ms equal weights, 0.97 -> 0.90 ms weights 1..100
 * (bench_maglev, mins of six interleaved runs; 2 and 4 ahead did worse).
 */
#define MH_PREFETCH 8

/* n claims by probing, in turn order; the table has more than n free. */
static void
mh_claim_probing(int32_t *lut, uint8_t *used, struct mh_walk *walks,
		 const uint32_t *turns, uint32_t n, uint32_t m)
{
	uint32_t j;

	for (j = 0; j < n; j++) {
		struct mh_walk *w = &walks[turns[j]];

		if (j + MH_PREFETCH < n) {
			const struct mh_walk *f = &walks[turns[j + MH_PREFETCH]];
			const uint8_t *p = used + f->next;

			__builtin_prefetch(p);
			__builtin_prefetch(p + f->off[1]);
			__builtin_prefetch(p + f->off[2]);
			__builtin_prefetch(p + f->off[3]);
		}
		mh_claim(lut, used, w, mh_probe(used, w, m), m);
	}
}

#ifdef __SSE2__
/*
 * Lanes set in a 4-bit mask, lowest first, and how many: the SSE2 pass
 * below stores all four and moves on by the count (a compaction without
 * a branch or a dependency through a load-modify-store per backend).
 */
static const int32_t mh_lanes[16][4] = {
	{ 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 1, 0, 0, 0 }, { 0, 1, 0, 0 },
	{ 2, 0, 0, 0 }, { 0, 2, 0, 0 }, { 1, 2, 0, 0 }, { 0, 1, 2, 0 },
	{ 3, 0, 0, 0 }, { 0, 3, 0, 0 }, { 1, 3, 0, 0 }, { 0, 1, 3, 0 },
	{ 2, 3, 0, 0 }, { 0, 2, 3, 0 }, { 1, 2, 3, 0 }, { 0, 1, 2, 3 },
};
static const uint8_t mh_lane_count[16] = {
	0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
};
#endif

/*
 * Who has a turn this round, in index order, into turns (room for nw + 3:
 * the SSE2 pass stores four at a time); returns how many. Collected
 * without a branch: with mixed weights "enough credit?" is a coin toss the
 * predictor loses. Four backends a step rather than one: ~1.07 M fewer
 * instructions a build for weights 1..100 (callgrind), 0.97 -> 0.88 ms
 * median (bench_maglev, ten interleaved runs); SSE2 is in every x86-64,
 * so no runtime dispatch, and other targets keep the scalar loop.
 */
static uint32_t
mh_round(uint32_t *credit, const uint32_t *weight, uint32_t nw,
	 uint32_t w_max, uint32_t *turns)
{
	uint32_t r = 0, k = 0;

#ifdef __SSE2__
	/* Signed compares: credit + weight < 2 * 65536, w_max >= 1. */
	const __m128i wm = _mm_set1_epi32((int32_t)w_max);
	const __m128i lim = _mm_set1_epi32((int32_t)w_max - 1);

	for (; r + 4 <= nw; r += 4) {
		__m128i c = _mm_add_epi32(
			_mm_loadu_si128((const __m128i *)(credit + r)),
			_mm_loadu_si128((const __m128i *)(weight + r)));
		__m128i turn = _mm_cmpgt_epi32(c, lim);
		int mask = _mm_movemask_ps(_mm_castsi128_ps(turn));

		_mm_storeu_si128((__m128i *)(credit + r),
				 _mm_sub_epi32(c, _mm_and_si128(turn, wm)));
		_mm_storeu_si128((__m128i *)(turns + k),
				 _mm_add_epi32(_mm_set1_epi32((int32_t)r),
					       _mm_loadu_si128((const __m128i *)
							       mh_lanes[mask])));
		k += mh_lane_count[mask];
	}
#endif
	for (; r < nw; r++) {
		uint32_t c = credit[r] + weight[r];
		uint32_t turn = c >= w_max;

		credit[r] = c - (turn ? w_max : 0);
		turns[k] = r;
		k += turn;
	}
	return k;
}

/*
 * After a round where no backend below w_max had a turn: how many rounds
 * follow before one has, each of them w_max backends only. Their credit is
 * moved on by that many rounds here, so those rounds need no pass over the
 * backends. Equal weights never leave the first such stretch; one weight
 * 65535 among weights 1 skips 65533 rounds at once.
 */
static uint32_t
mh_quiet_rounds(uint32_t *credit, const uint32_t *weight, uint32_t nw,
		uint32_t w_max)
{
	uint32_t r, quiet = UINT32_MAX;

	for (r = 0; r < nw; r++) {
		uint32_t t;

		if (weight[r] == w_max)
			continue;
		/* Rounds until credit + t * weight >= w_max, less this one. */
		t = (w_max - credit[r] + weight[r] - 1) / weight[r] - 1;
		quiet = t < quiet ? t : quiet;
	}
	if (quiet == UINT32_MAX)
		return quiet;
	for (r = 0; r < nw; r++)
		if (weight[r] != w_max)
			credit[r] += quiet * weight[r];
	return quiet;
}

/*
 * Rounds until the table is full (the w_max backends take a turn in every
 * round, so it fills).
 */
static int
mh_populate(int32_t *lut, uint8_t *used, struct mh_walk *walks,
	    const uint32_t *weight, uint32_t nw, uint32_t w_max, uint32_t m)
{
	struct mh_tail tail = { .free_slots = NULL, .n = 0 };
	uint32_t filled = 0, tail_at = m - mh_tail_size(m);
	uint32_t *credit = calloc(nw, sizeof(*credit));
	uint32_t *turns = malloc((nw + 3) * sizeof(*turns));
	uint32_t *full = malloc(nw * sizeof(*full));
	uint32_t r, n_full = 0, quiet = 0;
	int ret = -ENOMEM;

	if (credit == NULL || turns == NULL || full == NULL)
		goto out;
	for (r = 0; r < nw; r++) {
		full[n_full] = r;
		n_full += weight[r] == w_max;
	}
	for (;;) {
		const uint32_t *who = full;
		uint32_t k = n_full, j, bulk;

		if (quiet > 0) {
			quiet--;
		} else {
			k = mh_round(credit, weight, nw, w_max, turns);
			who = turns;
			/* The w_max backends have a turn in every round. */
			if (k == n_full)
				quiet = mh_quiet_rounds(credit, weight, nw,
							w_max);
		}
		bulk = filled < tail_at ? tail_at - filled : 0;
		bulk = bulk < k ? bulk : k;
		mh_claim_probing(lut, used, walks, who, bulk, m);
		filled += bulk;
		for (j = bulk; j < k; j++) {
			struct mh_walk *w = &walks[who[j]];
			uint32_t s;

			if (tail.free_slots == NULL &&
			    mh_tail_init(&tail, used, m, m - filled) < 0)
				goto out;
			s = mh_tail_claim(&tail, w, m);
			lut[s] = w->idx;
			w->next = mh_step(s, w->off[1], m);
			if (++filled == m) {
				ret = 0;
				goto out;
			}
		}
	}
out:
	free(tail.free_slots);
	free(full);
	free(turns);
	free(credit);
	return ret;
}

int
sched_mh_build(struct sched_table *t, uint32_t m)
{
	struct mh_walk *walks = NULL;
	uint32_t *weight = NULL;
	uint8_t *used = NULL;
	uint32_t w_max = 0;
	int32_t *elig;
	int64_t count;
	uint32_t i, j, ne;
	int ret = -ENOMEM;

	t->lut = malloc((size_t)m * sizeof(*t->lut));
	if (t->lut == NULL)
		return -ENOMEM;
	t->len = m;
	count = sched_eligible_list(t, &elig);
	if (count < 0)
		goto fail;
	if (count == 0) {
		for (i = 0; i < m; i++)
			t->lut[i] = -1;
		return 0;
	}
	ne = (uint32_t)count;
	walks = malloc(ne * sizeof(*walks));
	weight = malloc(ne * sizeof(*weight));
	used = calloc(2 * (size_t)m, sizeof(*used));
	if (walks == NULL || weight == NULL || used == NULL)
		goto fail;
	for (i = 0; i < ne; i++) {
		struct mh_walk *w = &walks[i];
		uint32_t skip;

		sched_mh_permutation(&t->backends[elig[i]], m, &w->next, &skip);
		w->off[0] = 0;
		for (j = 1; j < MH_BLOCK; j++)
			w->off[j] = mh_step(w->off[j - 1], skip, m);
		w->stride = mh_step(w->off[MH_BLOCK - 1], skip, m);
		w->idx = elig[i];
		weight[i] = t->backends[elig[i]].weight;
		if (weight[i] > w_max)
			w_max = weight[i];
	}
	ret = mh_populate(t->lut, used, walks, weight, ne, w_max, m);

fail:
	free(used);
	free(weight);
	free(walks);
	free(elig);
	if (ret < 0) {
		free(t->lut);
		t->lut = NULL;
	}
	return ret;
}
