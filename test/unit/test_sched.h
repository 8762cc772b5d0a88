/*
 * The scheduler suite's fixtures (test_sched.c) and the tests of its parts,
 * which test_sched.c registers in one suite: test_sched_basics.c,
 * test_sched_weighted.c, test_sched_hash.c. One random state for all, as
 * when they were one file, so every run draws the same numbers.
 * Threading: single-threaded.
 */
#ifndef SLUICE_TEST_SCHED_H
#define SLUICE_TEST_SCHED_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/sched.h"
#include "dataplane/sched_impl.h"

#define MAX_B 128

static const enum sched_algo all_algos[] = {
	SCHED_ALGO_WLC, SCHED_ALGO_RR, SCHED_ALGO_WRR,
	SCHED_ALGO_LC, SCHED_ALGO_SH, SCHED_ALGO_MH,
};
#define N_ALGOS (sizeof(all_algos) / sizeof(all_algos[0]))

extern uint64_t rng_state;

void rng_seed(uint64_t seed);

/* xorshift64*: plenty for spreading test inputs. */
uint32_t rng32(void);

/* Backend i: 10.1.x.y:8080 (network order), id 3 * i + 7 (not i). */
void make_backends(struct sched_backend *b, uint32_t n, const uint16_t *weights);

struct sched_table *build(enum sched_algo algo, const struct sched_backend *b, uint32_t n,
			  uint32_t mh_size);

/* Picks with random hash and source; counts[i] per backend index. */
void count_picks(const struct sched_table *t, uint32_t picks, uint32_t *counts,
		 uint32_t n);

/* |counts[i] / picks - w_i / sum w| <= tol * w_i / sum w for every i. */
void assert_shares(const uint32_t *counts, const struct sched_backend *b,
		   uint32_t n, double tol);

/* test_sched_basics.c */
void test_names_round_trip(void);
void test_names_unknown(void);
void test_is_prime_small(void);
void test_is_prime_large(void);
void test_bad_params(void);
void test_mh_size_bounds(void);
void test_backends_copied(void);
void test_zero_backends(void);
void test_no_eligible(void);
void test_ineligible_never_picked(void);
void test_rr_equal_counts(void);
void test_rr_cursors_independent(void);

/* test_sched_weighted.c */
void test_wrr_cycle_exact(void);
void test_wrr_gcd_period(void);
void test_wrr_smooth_5_1_1(void);
void test_wrr_smooth_spacing(void);
void test_wrr_cap_scales_weights(void);
void test_lc_least_loaded(void);
void test_lc_ignores_weights(void);
void test_wlc_respects_weights(void);
void test_lc_sums_others_and_mine(void);
void test_lc_ties_rotate(void);
void test_wlc_simulation(void);
void test_lc_simulation(void);

/* test_sched_hash.c */
void test_mh_matches_reference(void);
void test_mh_full_and_proportional(void);
void test_mh_pick_distribution(void);
void test_mh_pick_is_lookup(void);
void test_mh_disruption(void);
void test_mh_disruption_weighted(void);
void test_mh_down_and_back(void);
void test_mh_one_backend(void);
void test_sh_same_source(void);
void test_sh_distribution(void);
void test_sh_subnet_spreads(void);
void test_sh_down_others_stay(void);

#endif
