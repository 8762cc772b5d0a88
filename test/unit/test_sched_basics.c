/*
 * Scheduler tests: names, primes, parameters, what every algorithm must do,
 * rr. Fixtures in test_sched.c.
 */
#include "test_sched.h"
#include "unit.h"

/* ---- names, primes, parameters ---- */

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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
