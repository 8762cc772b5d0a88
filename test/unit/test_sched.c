/*
 * Schedulers: names, parameter checks, and for each algorithm that picks
 * follow the weights, that drained and DOWN backends are never picked, and
 * the algorithm's own promise: rr/wrr exact cycles (wrr smooth), lc/wlc the
 * least loaded with rotating ties, sh one backend per source, mh a full
 * Maglev table that moves about 1/N of its entries when one of N leaves.
 * Random inputs come from a seeded xorshift, so every run is the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/sched.h"
#include "dataplane/sched_impl.h"
#include "unit.h"

#define MAX_B 128

static const enum sched_algo all_algos[] = {
	SCHED_ALGO_WLC, SCHED_ALGO_RR, SCHED_ALGO_WRR,
	SCHED_ALGO_LC, SCHED_ALGO_SH, SCHED_ALGO_MH,
};
#define N_ALGOS (sizeof(all_algos) / sizeof(all_algos[0]))

static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

/* xorshift64*: plenty for spreading test inputs. */
static uint32_t
rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Backend i: 10.1.x.y:8080 (network order), id 3 * i + 7 (not i). */
static void
make_backends(struct sched_backend *b, uint32_t n, const uint16_t *weights)
{
	uint32_t i;

	memset(b, 0, n * sizeof(*b));
	for (i = 0; i < n; i++) {
		b[i].id = 3 * i + 7;
		b[i].ip = __builtin_bswap32(0x0a010000u + i + 1);
		b[i].port = __builtin_bswap16(8080);
		b[i].weight = weights != NULL ? weights[i] : 1;
		b[i].up = 1;
	}
}

static struct sched_table *
build(enum sched_algo algo, const struct sched_backend *b, uint32_t n,
      uint32_t mh_size)
{
	struct sched_params p = { .mh_size = mh_size };
	struct sched_table *t = sched_build(algo, b, n, &p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/* Picks with random hash and source; counts[i] per backend index. */
static void
count_picks(const struct sched_table *t, uint32_t picks, uint32_t *counts,
	    uint32_t n)
{
	struct sched_cursor c = { 0 };
	uint32_t i;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < picks; i++) {
		int idx = sched_pick(t, &c, rng32(), rng32(), NULL);

		CU_ASSERT_FATAL(idx >= 0 && (uint32_t)idx < n);
		counts[idx]++;
	}
}

/* |counts[i] / picks - w_i / sum w| <= tol * w_i / sum w for every i. */
static void
assert_shares(const uint32_t *counts, const struct sched_backend *b,
	      uint32_t n, double tol)
{
	uint64_t wsum = 0, picks = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (sched_backend_eligible(&b[i]))
			wsum += b[i].weight;
		picks += counts[i];
	}
	for (i = 0; i < n; i++) {
		double want, got = (double)counts[i] / (double)picks;

		if (!sched_backend_eligible(&b[i])) {
			CU_ASSERT_EQUAL(counts[i], 0);
			continue;
		}
		want = (double)b[i].weight / (double)wsum;
		if (got < want * (1 - tol) || got > want * (1 + tol)) {
			printf("\n  backend %u: share %.4f, want %.4f +-%.0f%%",
			       i, got, want, tol * 100);
			CU_FAIL("share outside tolerance");
		}
	}
}

/* ---- names, primes, parameters ---- */

static void
test_names_round_trip(void)
{
	unsigned int i;

	for (i = 0; i < N_ALGOS; i++) {
		const char *name = sched_algo_name(all_algos[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_EQUAL(sched_algo_from_name(name), (int)all_algos[i]);
	}
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_WLC), "wlc");
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_RR), "rr");
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_WRR), "wrr");
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_LC), "lc");
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_SH), "sh");
	CU_ASSERT_STRING_EQUAL(sched_algo_name(SCHED_ALGO_MH), "mh");
}

static void
test_names_unknown(void)
{
	CU_ASSERT_EQUAL(sched_algo_from_name(NULL), -1);
	CU_ASSERT_EQUAL(sched_algo_from_name(""), -1);
	CU_ASSERT_EQUAL(sched_algo_from_name("WLC"), -1);
	CU_ASSERT_EQUAL(sched_algo_from_name("wlc "), -1);
	CU_ASSERT_EQUAL(sched_algo_from_name("maglev"), -1);
	CU_ASSERT_PTR_NULL(sched_algo_name(SCHED_ALGO__COUNT));
	CU_ASSERT_PTR_NULL(sched_algo_name((enum sched_algo)-1));
}

static void
test_is_prime_small(void)
{
	static const uint8_t primes[] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29,
		31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97 };
	uint32_t n, k = 0;

	for (n = 0; n <= 100; n++) {
		int want = k < sizeof(primes) && primes[k] == n;

		CU_ASSERT_EQUAL(!!sched_is_prime(n), want);
		k += want;
	}
}

static void
test_is_prime_large(void)
{
	CU_ASSERT_TRUE(sched_is_prime(251));
	CU_ASSERT_TRUE(sched_is_prime(4093));
	CU_ASSERT_TRUE(sched_is_prime(16381));
	CU_ASSERT_TRUE(sched_is_prime(SCHED_MH_DEFAULT_SIZE));
	CU_ASSERT_TRUE(sched_is_prime(655373));
	CU_ASSERT_TRUE(sched_is_prime(SCHED_MH_MAX_SIZE));
	CU_ASSERT_TRUE(sched_is_prime(4294967291u)); /* largest 32-bit */
	CU_ASSERT_FALSE(sched_is_prime(65535));
	CU_ASSERT_FALSE(sched_is_prime(1048575));
	CU_ASSERT_FALSE(sched_is_prime(4293001441u)); /* 65521^2 */
	CU_ASSERT_FALSE(sched_is_prime(4294967295u));
	CU_ASSERT_FALSE(sched_is_prime(25));
}

static void
expect_einval(enum sched_algo algo, const struct sched_backend *b,
	      uint32_t n, uint32_t mh_size)
{
	struct sched_params p = { .mh_size = mh_size };

	errno = 0;
	CU_ASSERT_PTR_NULL(sched_build(algo, b, n, &p));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

static void
test_bad_params(void)
{
	struct sched_backend b[4];

	make_backends(b, 4, NULL);
	expect_einval(SCHED_ALGO__COUNT, b, 4, 0);
	expect_einval((enum sched_algo)-1, b, 4, 0);
	expect_einval(SCHED_ALGO_RR, NULL, 4, 0);
	expect_einval(SCHED_ALGO_MH, b, 4, 65536);           /* not prime */
	expect_einval(SCHED_ALGO_MH, b, 4, 4);
	expect_einval(SCHED_ALGO_MH, b, 4, 241);             /* below min */
	expect_einval(SCHED_ALGO_MH, b, 4, 2);
	expect_einval(SCHED_ALGO_MH, b, 4, 1048583);         /* above max */
	expect_einval(SCHED_ALGO_MH, b, 4, 4294967291u);
	/* A bad size is refused whatever the algorithm. */
	expect_einval(SCHED_ALGO_RR, b, 4, 1000);
	expect_einval(SCHED_ALGO_SH, b, 4, 1000);
}

static void
test_mh_size_bounds(void)
{
	struct sched_backend b[4];
	struct sched_table *t;
	uint32_t size;

	make_backends(b, 4, NULL);
	t = build(SCHED_ALGO_MH, b, 4, SCHED_MH_MIN_SIZE);
	CU_ASSERT_PTR_NOT_NULL(sched_mh_table(t, &size));
	CU_ASSERT_EQUAL(size, SCHED_MH_MIN_SIZE);
	sched_free(t);
	t = build(SCHED_ALGO_MH, b, 4, SCHED_MH_MAX_SIZE);
	CU_ASSERT_PTR_NOT_NULL(sched_mh_table(t, &size));
	CU_ASSERT_EQUAL(size, SCHED_MH_MAX_SIZE);
	sched_free(t);
	/* mh_size 0 and NULL params: the default. */
	t = build(SCHED_ALGO_MH, b, 4, 0);
	sched_mh_table(t, &size);
	CU_ASSERT_EQUAL(size, SCHED_MH_DEFAULT_SIZE);
	sched_free(t);
	t = sched_build(SCHED_ALGO_MH, b, 4, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	sched_mh_table(t, &size);
	CU_ASSERT_EQUAL(size, SCHED_MH_DEFAULT_SIZE);
	sched_free(t);
	sched_free(NULL);
}

static void
test_backends_copied(void)
{
	struct sched_backend b[5];
	const struct sched_backend *got;
	struct sched_table *t;
	uint32_t n = 0;

	make_backends(b, 5, NULL);
	t = build(SCHED_ALGO_WRR, b, 5, 0);
	got = sched_backends(t, &n);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_PTR_NOT_EQUAL(got, b);
	CU_ASSERT_EQUAL(memcmp(got, b, sizeof(b)), 0);
	b[2].weight = 0;
	CU_ASSERT_EQUAL(got[2].weight, 1);
	CU_ASSERT_PTR_NULL(sched_mh_table(t, &n));
	CU_ASSERT_EQUAL(n, 0);
	sched_free(t);
}

/* ---- what every algorithm must do ---- */

static void
test_zero_backends(void)
{
	struct sched_cursor c = { 0 };
	unsigned int i, k;
	uint32_t n = 99, size;

	for (i = 0; i < N_ALGOS; i++) {
		struct sched_table *t = build(all_algos[i], NULL, 0, 0);

		for (k = 0; k < 100; k++)
			CU_ASSERT_EQUAL(sched_pick(t, &c, rng32(), rng32(),
						   NULL), -1);
		sched_backends(t, &n);
		CU_ASSERT_EQUAL(n, 0);
		if (all_algos[i] == SCHED_ALGO_MH) {
			const int32_t *lut = sched_mh_table(t, &size);

			CU_ASSERT_EQUAL_FATAL(size, SCHED_MH_DEFAULT_SIZE);
			for (k = 0; k < size; k++)
				CU_ASSERT_EQUAL_FATAL(lut[k], -1);
		}
		sched_free(t);
	}
}

static void
test_no_eligible(void)
{
	static const uint16_t w[4] = { 0, 5, 0, 3 };
	struct sched_backend b[4];
	struct sched_cursor c = { 0 };
	unsigned int i, k;

	make_backends(b, 4, w);
	b[1].up = 0;
	b[3].up = 0;
	for (i = 0; i < N_ALGOS; i++) {
		struct sched_table *t = build(all_algos[i], b, 4, 251);

		for (k = 0; k < 1000; k++)
			CU_ASSERT_EQUAL(sched_pick(t, &c, rng32(), rng32(),
						   NULL), -1);
		sched_free(t);
	}
}

static void
test_ineligible_never_picked(void)
{
	static const uint16_t w[7] = { 3, 0, 2, 1, 5, 0, 4 };
	uint32_t active[32] = { 0 }, counts[7];
	struct sched_load_view view = { .mine_active = active };
	struct sched_backend b[7];
	struct sched_cursor c = { 0 };
	unsigned int i, k;

	make_backends(b, 7, w);
	b[2].up = 0;
	b[5].up = 0;
	/* Loaded eligible backends: lc/wlc must still skip the idle others. */
	active[b[0].id] = 50;
	active[b[3].id] = 40;
	for (i = 0; i < N_ALGOS; i++) {
		struct sched_table *t = build(all_algos[i], b, 7, 0);

		memset(counts, 0, sizeof(counts));
		for (k = 0; k < 20000; k++) {
			int idx = sched_pick(t, &c, rng32(), rng32(), &view);

			CU_ASSERT_FATAL(idx >= 0 && idx < 7);
			counts[idx]++;
		}
		CU_ASSERT_EQUAL(counts[1], 0);
		CU_ASSERT_EQUAL(counts[2], 0);
		CU_ASSERT_EQUAL(counts[5], 0);
		CU_ASSERT(counts[4] > 0);
		CU_ASSERT(counts[6] > 0);
		sched_free(t);
	}
}

/* ---- rr ---- */

static void
test_rr_equal_counts(void)
{
	static const uint16_t w[7] = { 1, 9, 0, 3, 1, 2, 1 };
	uint32_t counts[7] = { 0 };
	struct sched_backend b[7];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	int prev = -1;
	unsigned int k;

	make_backends(b, 7, w);
	b[4].up = 0;
	t = build(SCHED_ALGO_RR, b, 7, 0);
	for (k = 0; k < 5 * 1000; k++) {
		int idx = sched_pick(t, &c, 0, 0, NULL);

		CU_ASSERT_FATAL(idx >= 0 && idx < 7);
		CU_ASSERT(idx != prev); /* never twice in a row */
		counts[idx]++;
		prev = idx;
	}
	CU_ASSERT_EQUAL(counts[0], 1000);
	CU_ASSERT_EQUAL(counts[1], 1000);
	CU_ASSERT_EQUAL(counts[2], 0);
	CU_ASSERT_EQUAL(counts[3], 1000);
	CU_ASSERT_EQUAL(counts[4], 0);
	CU_ASSERT_EQUAL(counts[5], 1000);
	CU_ASSERT_EQUAL(counts[6], 1000);
	sched_free(t);
}

static void
test_rr_cursors_independent(void)
{
	struct sched_backend b[3];
	struct sched_cursor c1 = { 0 }, c2 = { 0 };
	struct sched_table *t;
	unsigned int k;

	make_backends(b, 3, NULL);
	t = build(SCHED_ALGO_RR, b, 3, 0);
	for (k = 0; k < 30; k++) {
		CU_ASSERT_EQUAL(sched_pick(t, &c1, 0, 0, NULL), (int)(k % 3));
		CU_ASSERT_EQUAL(sched_pick(t, &c2, 0, 0, NULL), (int)(k % 3));
	}
	/* A cursor beyond the table (after a rebuild) still lands inside. */
	c1.pos = 1000001;
	CU_ASSERT_EQUAL(sched_pick(t, &c1, 0, 0, NULL), 1000001 % 3);
	sched_free(t);
}

/* ---- wrr ---- */

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* Cycle length of eligible weights: sum(w / gcd). */
static uint32_t
wrr_cycle(const struct sched_backend *b, uint32_t n)
{
	uint32_t i, g = 0, len = 0;

	for (i = 0; i < n; i++)
		if (sched_backend_eligible(&b[i]))
			g = gcd(b[i].weight, g);
	for (i = 0; i < n; i++)
		if (sched_backend_eligible(&b[i]))
			len += b[i].weight / g;
	return len;
}

static void
check_wrr_cycle(const uint16_t *w, uint32_t n, uint32_t start)
{
	struct sched_backend b[MAX_B];
	uint32_t counts[MAX_B] = { 0 };
	struct sched_cursor c = { .pos = start };
	struct sched_table *t;
	uint32_t i, len, g = 0;

	make_backends(b, n, w);
	len = wrr_cycle(b, n);
	for (i = 0; i < n; i++)
		if (w[i] > 0)
			g = gcd(w[i], g);
	t = build(SCHED_ALGO_WRR, b, n, 0);
	CU_ASSERT_EQUAL(t->len, len);
	for (i = 0; i < len; i++) {
		int idx = sched_pick(t, &c, 0, 0, NULL);

		CU_ASSERT_FATAL(idx >= 0 && (uint32_t)idx < n);
		counts[idx]++;
	}
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(counts[i], w[i] / g);
	sched_free(t);
}

static void
test_wrr_cycle_exact(void)
{
	static const uint16_t w1[3] = { 5, 1, 1 };
	static const uint16_t w2[5] = { 3, 2, 0, 1, 7 };
	static const uint16_t w3[4] = { 100, 50, 25, 25 };
	static const uint16_t w4[6] = { 65535, 1, 2, 3, 40000, 17 };
	static const uint16_t w5[1] = { 9 };

	check_wrr_cycle(w1, 3, 0);
	check_wrr_cycle(w1, 3, 12345);
	check_wrr_cycle(w2, 5, 0);
	check_wrr_cycle(w2, 5, 77);
	check_wrr_cycle(w3, 4, 3);     /* gcd 25: cycle of 8 */
	check_wrr_cycle(w4, 6, 999);
	check_wrr_cycle(w5, 1, 0);
}

static void
test_wrr_gcd_period(void)
{
	static const uint16_t w[3] = { 100, 200, 300 };
	struct sched_backend b[3];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	int seq[60];
	unsigned int k;

	make_backends(b, 3, w);
	t = build(SCHED_ALGO_WRR, b, 3, 0);
	CU_ASSERT_EQUAL(t->len, 6);
	for (k = 0; k < 60; k++)
		seq[k] = sched_pick(t, &c, 0, 0, NULL);
	for (k = 6; k < 60; k++)
		CU_ASSERT_EQUAL(seq[k], seq[k - 6]);
	sched_free(t);
}

/* Longest run of one backend over `picks` picks (so across cycles). */
static uint32_t
wrr_max_run(const struct sched_table *t, uint32_t picks)
{
	struct sched_cursor c = { 0 };
	uint32_t k, run = 0, max = 0;
	int prev = -2;

	for (k = 0; k < picks; k++) {
		int idx = sched_pick(t, &c, 0, 0, NULL);

		run = idx == prev ? run + 1 : 1;
		max = run > max ? run : max;
		prev = idx;
	}
	return max;
}

static void
test_wrr_smooth_5_1_1(void)
{
	static const uint16_t w[3] = { 5, 1, 1 };
	struct sched_backend b[3];
	struct sched_table *t;

	/*
	 * Five a's and two others per cycle of 7, repeated: some run of a's
	 * is at least ceil(5 / 2) = 3 long; 3 is the best a cycle can do
	 * (nginx's "a a b a c a a" runs 4 across its wrap-around).
	 */
	make_backends(b, 3, w);
	t = build(SCHED_ALGO_WRR, b, 3, 0);
	CU_ASSERT_EQUAL(wrr_max_run(t, 70), 3);
	sched_free(t);
}

static void
test_wrr_smooth_spacing(void)
{
	static const uint16_t w[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sched_backend b[8];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	uint32_t last[8], gap[8] = { 0 }, k, len;

	/* Each backend comes back within about len / w picks, never later. */
	make_backends(b, 8, w);
	t = build(SCHED_ALGO_WRR, b, 8, 0);
	len = t->len;
	for (k = 0; k < 8; k++)
		last[k] = UINT32_MAX;
	for (k = 0; k < 3 * len; k++) {
		int idx = sched_pick(t, &c, 0, 0, NULL);

		if (last[idx] != UINT32_MAX && k - last[idx] > gap[idx])
			gap[idx] = k - last[idx];
		last[idx] = k;
	}
	for (k = 0; k < 8; k++)
		CU_ASSERT(gap[k] <= (len + w[k] - 1) / w[k] + 2);
	/* No backend holds more than 8/36 of the cycle: runs stay short. */
	CU_ASSERT(wrr_max_run(t, 3 * len) <= 2);
	sched_free(t);
}

static void
test_wrr_cap_scales_weights(void)
{
	struct sched_backend b[20];
	uint32_t counts[20], i, k, len;
	uint64_t wsum = 0;
	struct sched_cursor c = { 0 };
	struct sched_table *t;

	/* Coprime large weights: sum(w / g) ~ 1.3M > SCHED_WRR_MAX_LEN. */
	make_backends(b, 20, NULL);
	for (i = 0; i < 19; i++) {
		b[i].weight = (uint16_t)(65535 - 2 * i);
		wsum += b[i].weight;
	}
	b[19].weight = 1; /* must keep at least one entry */
	wsum += 1;
	CU_ASSERT(wsum > SCHED_WRR_MAX_LEN);
	t = build(SCHED_ALGO_WRR, b, 20, 0);
	len = t->len;
	CU_ASSERT(len <= SCHED_WRR_MAX_LEN + 20);
	CU_ASSERT(len > SCHED_WRR_MAX_LEN / 2);
	memset(counts, 0, sizeof(counts));
	for (k = 0; k < len; k++)
		counts[sched_pick(t, &c, 0, 0, NULL)]++;
	CU_ASSERT(counts[19] >= 1);
	for (i = 0; i < 19; i++) {
		double want = (double)b[i].weight / (double)wsum;
		double got = (double)counts[i] / len;

		CU_ASSERT(got > want * 0.999 && got < want * 1.001);
	}
	sched_free(t);
}

/* ---- lc / wlc ---- */

static int
pick_lc(const struct sched_table *t, struct sched_cursor *c,
	const struct sched_load_view *v)
{
	return sched_pick(t, c, 0, 0, v);
}

static void
test_lc_least_loaded(void)
{
	uint32_t oa[32] = { 0 }, oi[32] = { 0 };
	struct sched_load_view v = { .others_active = oa,
				     .others_inactive = oi };
	struct sched_backend b[3];
	struct sched_cursor c = { 0 };
	struct sched_table *t;
	unsigned int k;

	make_backends(b, 3, NULL);
	t = build(SCHED_ALGO_LC, b, 3, 0);
	oa[b[0].id] = 5;
	oa[b[1].id] = 2;
	oa[b[2].id] = 9;
	for (k = 0; k < 10; k++)
		CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	/* One active (256) outweighs 255 inactive, not 300. */
	oa[b[0].id] = 0;
	oa[b[1].id] = 1;
	oa[b[2].id] = 1;
	oi[b[0].id] = 255;
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 0);
	oi[b[0].id] = 300;
	oi[b[2].id] = 1;
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	sched_free(t);
}

static void
test_lc_ignores_weights(void)
{
	static const uint16_t w[2] = { 1, 10 };
	uint32_t oa[32] = { 0 };
	struct sched_load_view v = { .others_active = oa };
	struct sched_backend b[2];
	struct sched_cursor c = { 0 };
	struct sched_table *lc, *wlc;

	make_backends(b, 2, w);
	lc = build(SCHED_ALGO_LC, b, 2, 0);
	wlc = build(SCHED_ALGO_WLC, b, 2, 0);
	oa[b[0].id] = 5;
	oa[b[1].id] = 6;
	CU_ASSERT_EQUAL(pick_lc(lc, &c, &v), 0);
	CU_ASSERT_EQUAL(pick_lc(wlc, &c, &v), 1);
	sched_free(lc);
	sched_free(wlc);
}

static void
test_wlc_respects_weights(void)
{
	static const uint16_t w[3] = { 1, 3, 65535 };
	uint32_t oa[32] = { 0 };
	struct sched_load_view v = { .others_active = oa };
	struct sched_backend b[3];
	struct sched_cursor c = { 0 };
	struct sched_table *t;

	make_backends(b, 3, w);
	b[2].up = 0;
	t = build(SCHED_ALGO_WLC, b, 3, 0);
	oa[b[0].id] = 10;
	oa[b[1].id] = 20;  /* 20 / 3 < 10 / 1 */
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	oa[b[1].id] = 40;  /* 40 / 3 > 10 / 1 */
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 0);
	/* Near the top of the ranges: no overflow in the cross product. */
	oa[b[0].id] = UINT32_MAX;
	oa[b[1].id] = UINT32_MAX;
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	sched_free(t);
}

static void
test_lc_sums_others_and_mine(void)
{
	uint32_t oa[32] = { 0 }, ma[32] = { 0 }, oi[32] = { 0 };
	uint32_t mi[32] = { 0 };
	struct sched_load_view v = { oa, oi, ma, mi };
	struct sched_backend b[2];
	struct sched_cursor c = { 0 };
	struct sched_table *t;

	make_backends(b, 2, NULL);
	t = build(SCHED_ALGO_LC, b, 2, 0);
	oa[b[0].id] = 5;
	ma[b[1].id] = 6;
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 0);
	ma[b[0].id] = 2; /* 7 against 6 */
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	mi[b[1].id] = 200; /* 7 * 256 against 6 * 256 + 200 */
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 1);
	oi[b[1].id] = 100; /* against 6 * 256 + 300 */
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 0);
	/* NULL arrays read as zero: only mine_active left. */
	v.others_active = NULL;
	v.others_inactive = NULL;
	v.mine_inactive = NULL;
	CU_ASSERT_EQUAL(pick_lc(t, &c, &v), 0); /* 2 against 6 */
	sched_free(t);
}

static void
test_lc_ties_rotate(void)
{
	static const uint16_t w[5] = { 1, 2, 0, 4, 1 };
	uint32_t oa[32] = { 0 }, counts[5];
	struct sched_load_view v = { .others_active = oa };
	struct sched_backend b[5];
	struct sched_cursor c = { 0 };
	struct sched_table *lc, *wlc;
	unsigned int k;

	make_backends(b, 5, w);
	lc = build(SCHED_ALGO_LC, b, 5, 0);
	/* Idle backends, no view at all: each once per four picks. */
	memset(counts, 0, sizeof(counts));
	for (k = 0; k < 400; k++)
		counts[pick_lc(lc, &c, NULL)]++;
	CU_ASSERT(counts[0] == 100 && counts[1] == 100 && counts[2] == 0 &&
		  counts[3] == 100 && counts[4] == 100);
	/* wlc ties: loads in proportion to weights. */
	wlc = build(SCHED_ALGO_WLC, b, 5, 0);
	oa[b[0].id] = 3;
	oa[b[1].id] = 6;
	oa[b[3].id] = 12;
	oa[b[4].id] = 3;
	memset(counts, 0, sizeof(counts));
	for (k = 0; k < 400; k++)
		counts[pick_lc(wlc, &c, &v)]++;
	CU_ASSERT(counts[0] == 100 && counts[1] == 100 &&
		  counts[3] == 100 && counts[4] == 100);
	sched_free(lc);
	sched_free(wlc);
}

/*
 * Connections open one per step and, past `pool` open, a uniformly random
 * one closes: lifetimes do not depend on the backend, so in steady state a
 * backend's share of new connections equals its share of open ones. Two
 * workers, each seeing its own live counts and the other's as published
 * every `publish` steps (the sched_load_view contract).
 */
static void
simulate_lc(enum sched_algo algo, const uint16_t *w, uint32_t n,
	    uint32_t steps, uint32_t pool, uint32_t publish,
	    uint32_t *counts)
{
	uint32_t active[2][MAX_B * 3 + 8], others[2][MAX_B * 3 + 8];
	struct sched_cursor cur[2] = { { 0 }, { 0 } };
	struct sched_backend b[MAX_B];
	struct sched_table *t;
	uint32_t *conn_id, *conn_wk, open = 0, k, i;

	make_backends(b, n, w);
	t = build(algo, b, n, 0);
	conn_id = calloc(pool + 1, sizeof(*conn_id));
	conn_wk = calloc(pool + 1, sizeof(*conn_wk));
	CU_ASSERT_FATAL(conn_id != NULL && conn_wk != NULL);
	memset(active, 0, sizeof(active));
	memset(others, 0, sizeof(others));
	memset(counts, 0, n * sizeof(*counts));
	for (k = 0; k < steps; k++) {
		uint32_t wk = k & 1;
		struct sched_load_view v = { .others_active = others[wk],
					     .mine_active = active[wk] };
		int idx;

		if (k % publish == 0)
			for (i = 0; i < n; i++) {
				others[0][b[i].id] = active[1][b[i].id];
				others[1][b[i].id] = active[0][b[i].id];
			}
		idx = sched_pick(t, &cur[wk], 0, 0, &v);
		CU_ASSERT_FATAL(idx >= 0 && (uint32_t)idx < n);
		if (k >= steps / 4)
			counts[idx]++;
		active[wk][b[idx].id]++;
		conn_id[open] = b[idx].id;
		conn_wk[open++] = wk;
		if (open > pool) {
			uint32_t r = rng32() % open;

			active[conn_wk[r]][conn_id[r]]--;
			conn_id[r] = conn_id[--open];
			conn_wk[r] = conn_wk[open];
		}
	}
	free(conn_id);
	free(conn_wk);
	sched_free(t);
}

static void
test_wlc_simulation(void)
{
	static const uint16_t w[5] = { 1, 2, 3, 4, 0 };
	struct sched_backend b[5];
	uint32_t counts[5];

	make_backends(b, 5, w);
	simulate_lc(SCHED_ALGO_WLC, w, 5, 400000, 2000, 64, counts);
	assert_shares(counts, b, 5, 0.10);
}

static void
test_lc_simulation(void)
{
	static const uint16_t w[4] = { 1, 2, 3, 4 };
	static const uint16_t equal[4] = { 1, 1, 1, 1 };
	struct sched_backend b[4];
	uint32_t counts[4];

	/* lc ignores weights: equal shares whatever they are. */
	make_backends(b, 4, equal);
	simulate_lc(SCHED_ALGO_LC, w, 4, 400000, 2000, 64, counts);
	assert_shares(counts, b, 4, 0.10);
}

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

static void
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

static void
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

static void
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

static void
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

static void
test_mh_disruption(void)
{
	check_mh_disruption(10, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(50, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(100, SCHED_MH_DEFAULT_SIZE, 0, 1, 0.008);
	check_mh_disruption(100, 655373, 0, 33, 0.0025);
	printf("\n   ");
}

static void
test_mh_disruption_weighted(void)
{
	check_mh_disruption(10, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(50, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(100, SCHED_MH_DEFAULT_SIZE, 1, 1, 0.008);
	check_mh_disruption(100, 655373, 1, 33, 0.0025);
	printf("\n   ");
}

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "names round trip", test_names_round_trip },
		{ "unknown names", test_names_unknown },
		{ "is_prime small", test_is_prime_small },
		{ "is_prime large", test_is_prime_large },
		{ "bad params: EINVAL", test_bad_params },
		{ "mh size bounds", test_mh_size_bounds },
		{ "backends copied", test_backends_copied },
		{ "n = 0: always -1", test_zero_backends },
		{ "none eligible: -1", test_no_eligible },
		{ "drained, DOWN never picked", test_ineligible_never_picked },
		{ "rr equal counts", test_rr_equal_counts },
		{ "rr cursors independent", test_rr_cursors_independent },
		{ "wrr exact cycle", test_wrr_cycle_exact },
		{ "wrr gcd period", test_wrr_gcd_period },
		{ "wrr smooth 5:1:1", test_wrr_smooth_5_1_1 },
		{ "wrr spacing", test_wrr_smooth_spacing },
		{ "wrr cap scales weights", test_wrr_cap_scales_weights },
		{ "lc least loaded", test_lc_least_loaded },
		{ "lc ignores weights", test_lc_ignores_weights },
		{ "wlc respects weights", test_wlc_respects_weights },
		{ "lc sums others and mine", test_lc_sums_others_and_mine },
		{ "lc/wlc ties rotate", test_lc_ties_rotate },
		{ "wlc simulation", test_wlc_simulation },
		{ "lc simulation", test_lc_simulation },
		{ "mh matches reference", test_mh_matches_reference },
		{ "mh full and proportional", test_mh_full_and_proportional },
		{ "mh pick distribution", test_mh_pick_distribution },
		{ "mh pick is a lookup", test_mh_pick_is_lookup },
		{ "mh disruption", test_mh_disruption },
		{ "mh disruption weighted", test_mh_disruption_weighted },
		{ "mh down, then back", test_mh_down_and_back },
		{ "mh one backend", test_mh_one_backend },
		{ "sh same source, same backend", test_sh_same_source },
		{ "sh distribution", test_sh_distribution },
		{ "sh subnet spreads", test_sh_subnet_spreads },
		{ "sh down: the others stay", test_sh_down_others_stay },
	};

	rng_seed(1);
	return unit_add_suite("sched", NULL, NULL, tests, UNIT_DIM(tests));
}
