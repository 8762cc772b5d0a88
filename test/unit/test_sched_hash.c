/*
 * Scheduler tests: mh (Maglev table against a reference, shares,
 * disruption) and sh (source hashing). Fixtures in test_sched.c.
 */
#include "test_sched.h"
#include "unit.h"

/* ---- mh ---- */

/*
 * The algorithm stated plainly, probing with modulo and without the bitmap,
 * the two-slot probe or the tail: the builder must agree slot for slot.
 */
static void
mh_reference(const struct sched_backend *b, uint32_t n, uint32_t m,
	     int32_t *lut)
{
	uint32_t *next = calloc(n, sizeof(*next)), *skip =
		calloc(n, sizeof(*skip)), *credit = calloc(n, sizeof(*credit));
	uint8_t *turn = calloc(n, 1);
	uint32_t i, filled = 0, w_max = 0;

	CU_ASSERT_FATAL(next && skip && credit && turn);
	for (i = 0; i < m; i++)
		lut[i] = -1;
	for (i = 0; i < n; i++) {
		if (!sched_backend_eligible(&b[i]))
			continue;
		sched_mh_permutation(&b[i], m, &next[i], &skip[i]);
		if (b[i].weight > w_max)
			w_max = b[i].weight;
	}
	while (w_max > 0 && filled < m) {
		for (i = 0; i < n; i++) {
			if (!sched_backend_eligible(&b[i]))
				continue;
			credit[i] += b[i].weight;
			turn[i] = credit[i] >= w_max;
			if (turn[i])
				credit[i] -= w_max;
		}
		for (i = 0; i < n && filled < m; i++) {
			if (!turn[i])
				continue;
			while (lut[next[i]] >= 0)
				next[i] = (next[i] + skip[i]) % m;
			lut[next[i]] = (int32_t)i;
			next[i] = (next[i] + skip[i]) % m;
			filled++;
		}
	}
	free(next);
	free(skip);
	free(credit);
	free(turn);
}

static void
check_mh_reference(uint32_t n, uint32_t m, int weighted)
{
	struct sched_backend *b = calloc(n, sizeof(*b));
	int32_t *want = malloc(m * sizeof(*want));
	struct sched_table *t;
	const int32_t *lut;
	uint32_t i, size;

	CU_ASSERT_FATAL(b != NULL && want != NULL);
	for (i = 0; i < n; i++) {
		b[i].id = i;
		b[i].ip = rng32();
		b[i].port = (uint16_t)rng32();
		b[i].weight = weighted ? (uint16_t)(rng32() % 100) : 1;
		b[i].up = rng32() % 8 != 0;
	}
	mh_reference(b, n, m, want);
	t = sched_build(SCHED_ALGO_MH, b, n,
			&(struct sched_params){ .mh_size = m });
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	lut = sched_mh_table(t, &size);
	CU_ASSERT_EQUAL_FATAL(size, m);
	CU_ASSERT_EQUAL(memcmp(lut, want, m * sizeof(*want)), 0);
	sched_free(t);
	free(want);
	free(b);
}

void
test_mh_matches_reference(void)
{
	rng_seed(11);
	check_mh_reference(10, 251, 0);
	check_mh_reference(10, 251, 1);
	check_mh_reference(300, 251, 0);   /* more backends than slots */
	check_mh_reference(100, 4093, 1);
	check_mh_reference(1000, 65537, 0);
	check_mh_reference(1000, 65537, 1);
	check_mh_reference(3, 65537, 1);
}

/* Slots per backend index; asserts the table is full and valid. */
static void
mh_shares(const struct sched_table *t, uint32_t n, uint32_t *slots)
{
	const int32_t *lut;
	uint32_t i, size;

	lut = sched_mh_table(t, &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lut);
	memset(slots, 0, n * sizeof(*slots));
	for (i = 0; i < size; i++) {
		CU_ASSERT_FATAL(lut[i] >= 0 && (uint32_t)lut[i] < n);
		slots[lut[i]]++;
	}
}

void
test_mh_full_and_proportional(void)
{
	struct sched_backend b[MAX_B];
	uint32_t slots[MAX_B], i, n, m = SCHED_MH_DEFAULT_SIZE;
	uint64_t wsum;
	struct sched_table *t;
	int pass;

	/*
	 * After R rounds a backend has R * w / w_max claims, give or take
	 * one (the last round is partial), and M falls short of
	 * R * sum w / w_max by at most n: so a share is within
	 * 1 + n * w / sum w slots of M * w / sum w.
	 */
	for (pass = 0; pass < 4; pass++) {
		n = pass == 0 ? 10 : pass == 1 ? 100 : 128;
		make_backends(b, n, NULL);
		wsum = 0;
		for (i = 0; i < n; i++) {
			b[i].weight = pass == 0 ? 1 : (uint16_t)(1 + i % 7);
			if (pass == 2 && i % 10 == 0)
				b[i].weight = 0;
			if (pass == 3)
				b[i].weight = (uint16_t)(1 + rng32() % 1000);
			wsum += b[i].weight;
		}
		t = build(SCHED_ALGO_MH, b, n, m);
		mh_shares(t, n, slots);
		for (i = 0; i < n; i++) {
			double want = (double)m * b[i].weight / (double)wsum;
			double band = 1.0 + (double)n * b[i].weight / wsum;

			CU_ASSERT(slots[i] >= want - band);
			CU_ASSERT(slots[i] <= want + band);
		}
		sched_free(t);
	}
}

void
test_mh_pick_distribution(void)
{
	struct sched_backend b[20];
	uint32_t counts[20], i;
	struct sched_table *t;

	make_backends(b, 20, NULL);
	for (i = 0; i < 20; i++)
		b[i].weight = (uint16_t)(1 + i % 4);
	b[7].up = 0;
	t = build(SCHED_ALGO_MH, b, 20, 0);
	rng_seed(3);
	count_picks(t, 2000000, counts, 20);
	assert_shares(counts, b, 20, 0.03);
	sched_free(t);
}

void
test_mh_pick_is_lookup(void)
{
	struct sched_backend b[8];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	const int32_t *lut;
	uint32_t size, k, h;

	make_backends(b, 8, NULL);
	t = build(SCHED_ALGO_MH, b, 8, 4093);
	lut = sched_mh_table(t, &size);
	for (k = 0; k < 10000; k++) {
		h = rng32();
		/* The source address plays no part, nor the cursor. */
		CU_ASSERT_EQUAL(sched_pick(t, &c, h, rng32(), NULL),
				lut[h % size]);
	}
	CU_ASSERT_EQUAL(c.pos, 0);
	sched_free(t);
}

/*
 * Fraction of slots whose owner (by address, since indices shift when a
 * backend leaves the list) differs between two tables of one size.
 */
static double
mh_changed(const struct sched_table *a, const struct sched_table *b)
{
	const struct sched_backend *ba, *bb;
	const int32_t *la, *lb;
	uint32_t i, size, size_b, na, nb, changed = 0;

	la = sched_mh_table(a, &size);
	lb = sched_mh_table(b, &size_b);
	CU_ASSERT_FATAL(size == size_b);
	ba = sched_backends(a, &na);
	bb = sched_backends(b, &nb);
	for (i = 0; i < size; i++)
		changed += ba[la[i]].ip != bb[lb[i]].ip;
	return (double)changed / size;
}

/*
 * Remove each `step`-th backend of n in turn (rebuild without it): every
 * slot it held must move, and in all at most 1.2 x its share plus eps of the
 * table. The eps is Maglev's own churn from turns that shift, which depends
 * on M / N: ~0.6% of the table at M = 65537 and N = 100, ~0.2% at 655373.
 */
static void
check_mh_disruption(uint32_t n, uint32_t m, int weighted, uint32_t step,
		    double eps)
{
	struct sched_backend b[MAX_B], fewer[MAX_B];
	struct sched_table *full, *less;
	uint32_t i, k, gone, own, runs = 0, slots[MAX_B];
	double frac, share, worst = 0, sum = 0;
	uint64_t wsum = 0;

	make_backends(b, n, NULL);
	for (i = 0; i < n; i++) {
		if (weighted)
			b[i].weight = (uint16_t)(1 + (i * 7) % 5);
		wsum += b[i].weight;
	}
	full = build(SCHED_ALGO_MH, b, n, m);
	mh_shares(full, n, slots);
	for (gone = 0; gone < n; gone += step) {
		for (i = 0, k = 0; i < n; i++)
			if (i != gone)
				fewer[k++] = b[i];
		less = build(SCHED_ALGO_MH, fewer, n - 1, m);
		frac = mh_changed(full, less);
		share = (double)b[gone].weight / (double)wsum;
		own = slots[gone];
		CU_ASSERT(frac * m >= own);
		CU_ASSERT(frac <= share * 1.2 + eps);
		worst = frac / share > worst ? frac / share : worst;
		sum += frac / share;
		runs++;
		sched_free(less);
	}
	printf("\n    n=%u M=%u%s: moved / share mean %.3f, max %.3f",
	       n, m, weighted ? " weighted" : "", sum / runs, worst);
	sched_free(full);
}

void
test_mh_disruption(void)
{
	check_mh_disruption(10, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(50, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(100, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(100, 655373, 0, 33, 0.0025);
	printf("\n   ");
}

void
test_mh_disruption_weighted(void)
{
	check_mh_disruption(10, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(50, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(100, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(100, 655373, 1, 33, 0.0025);
	printf("\n   ");
}

void
test_mh_down_and_back(void)
{
	static const uint32_t sizes[3] = { 10, 50, 100 };
	struct sched_backend b[MAX_B], fewer[MAX_B];
	struct sched_table *full, *less, *down, *again;
	uint32_t i, k, j, n, gone;

	for (j = 0; j < 3; j++) {
		n = sizes[j];
		gone = n / 3;
		make_backends(b, n, NULL);
		for (i = 0; i < n; i++)
			b[i].weight = (uint16_t)(1 + i % 3);
		for (i = 0, k = 0; i < n; i++)
			if (i != gone)
				fewer[k++] = b[i];
		full = build(SCHED_ALGO_MH, b, n, 0);
		less = build(SCHED_ALGO_MH, fewer, n - 1, 0);
		/* DOWN in place is the same table as removed from the list. */
		b[gone].up = 0;
		down = build(SCHED_ALGO_MH, b, n, 0);
		CU_ASSERT(mh_changed(down, less) == 0.0);
		/* Up again: exactly the table of before. */
		b[gone].up = 1;
		again = build(SCHED_ALGO_MH, b, n, 0);
		CU_ASSERT(mh_changed(full, again) == 0.0);
		sched_free(full);
		sched_free(less);
		sched_free(down);
		sched_free(again);
	}
}

void
test_mh_one_backend(void)
{
	struct sched_backend b[1];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	unsigned int k;

	make_backends(b, 1, NULL);
	t = build(SCHED_ALGO_MH, b, 1, 251);
	for (k = 0; k < 1000; k++)
		CU_ASSERT_EQUAL(sched_pick(t, &c, rng32(), 0, NULL), 0);
	sched_free(t);
}

/* ---- sh ---- */

void
test_sh_same_source(void)
{
	static const uint16_t w[6] = { 2, 1, 3, 0, 1, 5 };
	struct sched_backend b[6];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	unsigned int k;

	make_backends(b, 6, w);
	t = build(SCHED_ALGO_SH, b, 6, 0);
	for (k = 0; k < 20000; k++) {
		uint32_t src = rng32();
		int idx = sched_pick(t, &c, rng32(), src, NULL);

		CU_ASSERT_FATAL(idx >= 0 && idx != 3);
		/* Another connection (other hash) of the same client. */
		CU_ASSERT_EQUAL(sched_pick(t, &c, rng32(), src, NULL), idx);
		CU_ASSERT_EQUAL(sched_pick(t, &c, 0, src, NULL), idx);
	}
	sched_free(t);
}

void
test_sh_distribution(void)
{
	static const uint16_t w1[3] = { 5, 1, 1 };
	static const uint16_t w2[12] = { 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6 };
	struct sched_backend b[12];
	uint32_t counts[12];
	struct sched_table *t;

	rng_seed(5);
	make_backends(b, 3, w1);
	t = build(SCHED_ALGO_SH, b, 3, 0);
	count_picks(t, 700000, counts, 3);
	assert_shares(counts, b, 3, 0.03);
	sched_free(t);
	make_backends(b, 12, w2);
	t = build(SCHED_ALGO_SH, b, 12, 0);
	count_picks(t, 1000000, counts, 12);
	assert_shares(counts, b, 12, 0.04);
	sched_free(t);
}

void
test_sh_subnet_spreads(void)
{
	struct sched_backend b[4];
	struct sched_cursor c = { 0 };
	uint32_t counts[4] = { 0 }, k;
	struct sched_table *t;

	/* One /20 of clients (network order, as on the wire). */
	make_backends(b, 4, NULL);
	t = build(SCHED_ALGO_SH, b, 4, 0);
	for (k = 0; k < 4096; k++)
		counts[sched_pick(t, &c, 0,
				  __builtin_bswap32(0xc0a80000u + k), NULL)]++;
	for (k = 0; k < 4; k++)
		CU_ASSERT(counts[k] > 1024 * 0.85 && counts[k] < 1024 * 1.15);
	sched_free(t);
}

void
test_sh_down_others_stay(void)
{
	struct sched_backend b[8];
	struct sched_cursor c = { 0 };
	struct sched_table *before, *after;
	uint32_t k, moved_other = 0, on_gone = 0;

	make_backends(b, 8, NULL);
	before = build(SCHED_ALGO_SH, b, 8, 0);
	b[5].up = 0;
	after = build(SCHED_ALGO_SH, b, 8, 0);
	for (k = 0; k < 100000; k++) {
		uint32_t src = rng32();
		int x = sched_pick(before, &c, 0, src, NULL);
		int y = sched_pick(after, &c, 0, src, NULL);

		CU_ASSERT_FATAL(y != 5);
		if (x == 5)
			on_gone++;
		else
			moved_other += x != y;
	}
	printf("\n    sh, 1 of 8 down: %.4f of the others' clients moved"
	       "\n   ", (double)moved_other / (100000 - on_gone));
	CU_ASSERT(moved_other < (100000 - on_gone) * 0.03);
	sched_free(before);
	sched_free(after);
}
