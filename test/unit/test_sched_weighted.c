/*
 * Scheduler tests: wrr (exact and smooth cycles), lc and wlc (least loaded,
 * rotating ties, simulations). Fixtures in test_sched.c.
 */
#include "test_sched.h"
#include "unit.h"

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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
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

void
test_wlc_simulation(void)
{
	static const uint16_t w[5] = { 1, 2, 3, 4, 0 };
	struct sched_backend b[5];
	uint32_t counts[5];

	make_backends(b, 5, w);
	simulate_lc(SCHED_ALGO_WLC, w, 5, 400000, 2000, 64, counts);
	assert_shares(counts, b, 5, 0.10);
}

void
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
