/*
 * Schedulers: names, parameter checks, and for each algorithm that picks
 * follow the weights, that drained and DOWN backends are never picked, and
 * the algorithm's own promise: rr/wrr exact cycles (wrr smooth), lc/wlc the
 * least loaded with rotating ties, sh one backend per source, mh a full
 * Maglev table that moves about 1/N of its entries when one of N leaves.
 * Random inputs come from a seeded xorshift, so every run is the same.
 *
 * This file: the fixtures and the registration; the tests are in
 * test_sched_basics.c, test_sched_weighted.c and test_sched_hash.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/sched.h"
#include "dataplane/sched_impl.h"
#include "test_sched.h"
#include "unit.h"

uint64_t rng_state;

void
rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

uint32_t
rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

void
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

struct sched_table *
build(enum sched_algo algo, const struct sched_backend *b, uint32_t n,
      uint32_t mh_size)
{
	struct sched_params p = { .mh_size = mh_size };
	struct sched_table *t = sched_build(algo, b, n, &p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

void
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

void
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
