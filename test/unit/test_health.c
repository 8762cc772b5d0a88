/*
 * Health-check engine, its states: rise and fall counted exactly, targets
 * replaced with their state kept or reset, first probes spread, the probe
 * cap, the transition queue (servers and loop: healthsrv.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "control/health.h"
#include "healthsrv.h"
#include "unit.h"

/* DOWN exactly at the fall-th failure, UP exactly at the rise-th success. */
static void
check_exact(uint8_t rise, uint8_t fall)
{
	struct hs_srv *s = hs_srv_new(HS_HTTP, 200, "fine");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_transition tr[4];
	uint64_t p;
	uint8_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.rise = rise;
	t.check.fall = fall;
	snprintf(t.check.path, sizeof(t.check.path), "/health");
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 1), 1);

	s->status = 503;
	p = hs_probes(hc, 1);
	for (i = 1; i <= fall; i++) {
		CU_ASSERT_FATAL(hs_until_probes(hc, 1, p + i));
		CU_ASSERT_EQUAL(hc_state(hc, 1), i < fall);
		CU_ASSERT_EQUAL(hs_take(hc, tr, 4), i < fall ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tr[0].up, 0);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "bad status 503");
	/* More failures while DOWN: no more transitions. */
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, p + fall + 2));
	CU_ASSERT_EQUAL(hs_take(hc, tr, 4), 0);

	s->status = 200;
	p = hs_probes(hc, 1);
	for (i = 1; i <= rise; i++) {
		CU_ASSERT_FATAL(hs_until_probes(hc, 1, p + i));
		CU_ASSERT_EQUAL(hc_state(hc, 1), i >= rise);
		CU_ASSERT_EQUAL(hs_take(hc, tr, 4), i < rise ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tr[0].up, 1);
	hc_destroy(hc);
	hs_teardown();
}

static void
test_rise_fall_exact(void)
{
	check_exact(2, 3);
	check_exact(1, 1);
	check_exact(4, 2);
}

/* A success in between restarts the failure count. */
static void
test_fall_needs_consecutive(void)
{
	struct hs_srv *s = hs_srv_new(HS_HTTP, 200, "");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_info in;
	uint64_t p;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 3;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, 1));
	for (i = 0; i < 3; i++) {
		p = hs_probes(hc, 1);
		s->status = 500;
		CU_ASSERT_FATAL(hs_until_probes(hc, 1, p + 2));
		s->status = 200;
		CU_ASSERT_FATAL(hs_until_probes(hc, 1, p + 3));
	}
	CU_ASSERT_EQUAL(hc_state(hc, 1), 1);
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT_EQUAL(in.failures, 6);
	CU_ASSERT_EQUAL(in.ok_run, 1);
	CU_ASSERT_EQUAL(in.fail_run, 0);
	hc_destroy(hc);
}

/* Unchanged targets keep state over hc_set_targets; changed ones restart. */
static void
test_set_targets(void)
{
	struct hs_srv *s = hs_srv_new(HS_ACCEPT, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	uint16_t closed_port;
	int closed = hs_bound_socket(0, &closed_port); /* bound, not listening */
	struct hc_target t[3], u[3];
	struct hc_transition tr[8];
	struct hc_info in;
	uint64_t pa;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t[0] = hs_target(100, "127.0.0.1", closed_port, CFG_HC_TCP); /* goes DOWN */
	t[1] = hs_target(200, "127.0.0.1", s->port, CFG_HC_TCP);
	t[2] = hs_target(300, "127.0.0.1", s->port, CFG_HC_NONE);
	t[0].check.fall = 1;
	t[0].check.rise = 3;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 3), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 100, 2));
	CU_ASSERT_FATAL(hs_until_probes(hc, 200, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 100), 0);
	CU_ASSERT_EQUAL(hs_take(hc, tr, 8), 1);
	CU_ASSERT_EQUAL(hc_state(hc, 300), 1); /* none: never probed */
	CU_ASSERT_EQUAL(hs_probes(hc, 300), 0);

	/* Same targets, another order, 100 with a new interval only. */
	u[0] = t[2];
	u[1] = t[1];
	u[2] = t[0];
	u[2].check.interval_ms = 300;
	u[2].check.timeout_ms = 250;
	pa = hs_probes(hc, 100);
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), 0);
	CU_ASSERT_EQUAL(hs_probes(hc, 100), pa);
	CU_ASSERT_EQUAL(hc_info(hc, 100, &in), 0);
	CU_ASSERT_EQUAL(in.fail_run, pa);
	hs_expect_reason(hc, 100, "connection refused");

	/* Duplicate keys: refused, nothing changes. */
	u[1].key = 100;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	CU_ASSERT_EQUAL(hs_probes(hc, 100), pa);
	CU_ASSERT_EQUAL(hc_state(hc, 200), 1);

	/* Checks the validators refuse are refused here too. */
	u[1] = t[1];
	u[1].check.timeout_ms = u[1].check.interval_ms;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	u[1] = t[1];
	u[1].check.fall = 0;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	u[1] = t[1];
	u[1].check.type = 9;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	CU_ASSERT_EQUAL(hs_probes(hc, 100), pa);

	/* A changed port is another check: it restarts UP with no history. */
	u[1] = t[1];
	u[2].port = s->port;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), 1);
	CU_ASSERT_EQUAL(hs_probes(hc, 100), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 100, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 100), 1);
	CU_ASSERT_EQUAL(hs_take(hc, tr, 8), 0);

	/* Removed: unknown. Emptied: all gone. */
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 2), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), -ENOENT);
	CU_ASSERT_EQUAL(hc_info(hc, 100, &in), -ENOENT);
	CU_ASSERT_EQUAL(hc_state(hc, 200), 1);
	CU_ASSERT_EQUAL(hc_set_targets(hc, NULL, 0), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 200), -ENOENT);
	hs_run_for(hc, 500);
	close(closed);
	hc_destroy(hc);
}

/* A reload while probes are in flight keeps them running and bounded. */
static void
test_set_targets_in_flight(void)
{
	struct hs_srv *s = hs_srv_new(HS_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_info in;
	uint64_t until = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.timeout_ms = 150;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	/* Run until the probe is in flight. */
	for (; until < 1000; until++) {
		hs_step(hc);
		CU_ASSERT_EQUAL_FATAL(hc_info(hc, 1, &in), 0);
		if (in.probing)
			break;
		hs_now++;
	}
	CU_ASSERT_FATAL(in.probing);
	t.check.timeout_ms = 50; /* shorter: applies to the probe in flight */
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT(in.probing);
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT_EQUAL(in.last_rtt_ms, 50);
	hs_expect_reason(hc, 1, "timeout");
	hc_destroy(hc);
}

/* First probes spread over the interval; the probe cap holds. */
static void
test_spread_and_cap(void)
{
	enum { N = 200, CAP = 8, M = 40 };
	struct hs_srv *s = hs_srv_new(HS_ACCEPT, 0, NULL);
	struct hs_srv *mute = hs_srv_new(HS_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target *t = calloc(N, sizeof(*t));
	uint64_t start = hs_now, first[N];
	uint32_t i, k, distinct = 0, busy, max_busy = 0, max_conns = 0;
	struct hc_info in;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < N; i++) {
		t[i] = hs_target(i + 1, "127.0.0.1", s->port, CFG_HC_TCP);
		t[i].check.interval_ms = 1000;
		t[i].check.timeout_ms = 500;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, N), 0);
	memset(first, 0, sizeof(first));
	while (hs_now < start + 1000) {
		hs_step(hc);
		for (i = 0; i < N; i++) {
			if (first[i] == 0 && hs_probes(hc, i + 1) > 0)
				first[i] = hs_now;
		}
		hs_now++;
	}
	for (i = 0; i < N; i++) {
		CU_ASSERT(first[i] != 0);
		for (k = 0; k < i && first[k] != first[i]; k++)
			;
		distinct += k == i;
	}
	/* 200 keys hashed over 1000 ms: far from all in one millisecond. */
	CU_ASSERT(distinct > N / 2);
	hc_destroy(hc);

	/* M probes that each take their whole timeout: CAP run, the rest wait. */
	hc = hc_create(NULL, CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < M; i++) {
		t[i] = hs_target(i + 1, "127.0.0.1", mute->port, CFG_HC_HTTP);
		t[i].check.interval_ms = 1000;
		t[i].check.timeout_ms = 900;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, M), 0);
	start = hs_now;
	/* 40 probes of 900 ms, 8 at a time: 5 rounds, 4.5 s. */
	while (hs_now < start + 6000) {
		hs_step(hc);
		busy = 0;
		for (i = 0; i < M; i++) {
			CU_ASSERT_EQUAL_FATAL(hc_info(hc, i + 1, &in), 0);
			busy += in.probing;
		}
		if (busy > max_busy)
			max_busy = busy;
		if (mute->n_conns > max_conns)
			max_conns = mute->n_conns;
		hs_now++;
	}
	CU_ASSERT_EQUAL(max_busy, CAP);
	CU_ASSERT(max_conns <= CAP);
	for (i = 0; i < M; i++) {
		CU_ASSERT(hs_probes(hc, i + 1) >= 1);
		hs_expect_reason(hc, i + 1, "timeout");
	}
	hc_destroy(hc);
	free(t);
}

/* Transitions queue in order until taken; a full queue drops the oldest. */
static void
test_transition_queue(void)
{
	uint16_t closed_port;
	int closed = hs_bound_socket(0, &closed_port);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t[2] = {
		hs_target(1, "127.0.0.1", closed_port, CFG_HC_TCP),
		hs_target(2, "127.0.0.1", closed_port, CFG_HC_TCP),
	};
	struct hc_transition tr[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t[0].check.fall = 1;
	t[1].check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 2), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, 1));
	CU_ASSERT_FATAL(hs_until_probes(hc, 2, 1));
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 1), 1);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr + 1, 4), 1);
	CU_ASSERT(tr[0].key != tr[1].key);
	CU_ASSERT_EQUAL(hs_take(hc, tr, 4), 0);
	CU_ASSERT_EQUAL(hc_transitions_lost(hc), 0);
	hc_destroy(hc);
	close(closed);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "rise/fall counts are exact", test_rise_fall_exact },
		{ "fall needs consecutive failures", test_fall_needs_consecutive },
		{ "set_targets keeps unchanged, resets changed", test_set_targets },
		{ "set_targets with a probe in flight", test_set_targets_in_flight },
		{ "spread and probe cap", test_spread_and_cap },
		{ "transition queue", test_transition_queue },
	};

	return unit_add_suite("health", hs_setup, hs_teardown, tests, UNIT_DIM(tests));
}
