/*
 * Connection table tests: TCP state machine, UDP, timer wheel expiry.
 * Fixtures in test_conntrack.c.
 */
#include "test_conntrack.h"
#include "unit.h"

/* TCP state machine */

static struct ct_conn *
tcp_conn(struct ct_table *t, uint32_t i, uint32_t now)
{
	struct ct_conn *c = add_conn(t, i, IPPROTO_TCP, now);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* Expect `from` back, `to` in the entry and its timeout armed. */
#define STEP(t, c, dir, fl, now, from, to) do { \
	CU_ASSERT_EQUAL(ct_update(t, c, dir, fl, now), from); \
	CU_ASSERT_EQUAL((c)->state, to); \
	CU_ASSERT_EQUAL((c)->expire, (uint32_t)((now) + test_to.ms[to])); \
} while (0)

static struct ct_conn *
tcp_established(struct ct_table *t, uint32_t i)
{
	struct ct_conn *c = tcp_conn(t, i, 0);

	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_ESTABLISHED);
	return c;
}

void
test_tcp_handshake(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_conn(t, 1, 0);

	c->flags = 0x02; /* caller's mode bits survive transitions */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 10, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 11, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 12, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 20, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 25, CT_SYN_RECV, CT_SYN_RECV);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 26, CT_SYN_RECV, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 30, CT_SYN_RECV, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 40, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 41, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 42, CT_ESTABLISHED, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(c->flags, 0x02);

	/* Reply data after the SYN-ACK proves the handshake completed. */
	c = tcp_conn(t, 2, 0);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_ESTABLISHED);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/* dr: only the client's segments pass, so its ACK completes the handshake. */
void
test_tcp_oneway(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_conn(t, 1, 0);

	c->flags = CT_F_ONEWAY;
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 10, CT_SYN_SENT, CT_SYN_SENT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 11, CT_SYN_SENT, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 12, CT_ESTABLISHED, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 13, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 14, CT_FIN_WAIT, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & CT_F_ONEWAY, CT_F_ONEWAY);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

void
test_tcp_close_orig_first(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 102, CT_FIN_WAIT, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 110, CT_FIN_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 111, CT_CLOSE_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 112, CT_CLOSE_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 120, CT_CLOSE_WAIT, CT_TIME_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 130, CT_TIME_WAIT, CT_TIME_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_ORIG | CT_F_FIN_REPLY);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

void
test_tcp_close_reply_first(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_REPLY);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_FIN_WAIT);
	/* both FINs cross: straight to TIME_WAIT */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 110, CT_FIN_WAIT, CT_TIME_WAIT);
	free(t);

	/* half close the other way round: reply FIN, orig ACK, orig FIN */
	t = table_new(16, 0, NULL);
	c = tcp_established(t, 2);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_CLOSE_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 102, CT_CLOSE_WAIT, CT_TIME_WAIT);
	free(t);

	/* FIN straight after the SYN-ACK */
	t = table_new(16, 0, NULL);
	c = tcp_conn(t, 3, 0);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_FIN_WAIT);
	free(t);
}

void
test_tcp_rst(void)
{
	static const uint8_t from[] = {
		CT_SYN_SENT, CT_SYN_RECV, CT_ESTABLISHED, CT_FIN_WAIT,
		CT_CLOSE_WAIT, CT_TIME_WAIT, CT_CLOSE,
	};
	struct ct_table *t = table_new(64, 0, NULL);
	unsigned int i, dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < sizeof(from); i++) {
			struct ct_conn *c = tcp_conn(t, dir * 16 + i, 0);

			c->state = from[i];
			STEP(t, c, (enum ct_dir)dir, RTE_TCP_RST_FLAG | (i & 1 ? RTE_TCP_ACK_FLAG : 0), 5,
			     from[i], CT_CLOSE);
		}
	}
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

void
test_tcp_port_reuse(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);

	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 100, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 101, CT_FIN_WAIT, CT_TIME_WAIT);
	/* a SYN from the backend side does not reopen */
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG, 102, CT_TIME_WAIT, CT_TIME_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 200, CT_TIME_WAIT, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), 0);
	/* the new incarnation runs the whole life again */
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 201, CT_SYN_SENT, CT_SYN_RECV);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 202, CT_SYN_RECV, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG, 203, CT_ESTABLISHED, CT_FIN_WAIT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), CT_F_FIN_REPLY);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_RST_FLAG, 204, CT_FIN_WAIT, CT_CLOSE);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 205, CT_CLOSE, CT_CLOSE);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 206, CT_CLOSE, CT_SYN_SENT);
	CU_ASSERT_EQUAL(c->flags & (CT_F_FIN_ORIG | CT_F_FIN_REPLY), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

/*
 * The sequence mark each direction's RSTs are judged by: set by the SYN
 * that opens, moved forward only by steps a sender can make, reset by a
 * SYN that reopens (port reuse), never by one the state machine ignored.
 */
void
test_tcp_seq_mark(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_conn(t, 1, 0);

	/* Nothing seen: believed, as before tracking. */
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 0x12345678u), CT_RST_EXACT);
	ct_tcp_seen(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 1001);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_ORIG), 1001);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1001), CT_RST_EXACT);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1000), CT_RST_WINDOW);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1001 + CT_RST_SLACK), CT_RST_WINDOW);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1001 + CT_RST_SLACK + 1), CT_RST_BLIND);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1001 - CT_RST_SLACK), CT_RST_WINDOW);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_ORIG, 1001 - CT_RST_SLACK - 1), CT_RST_BLIND);
	CU_ASSERT_EQUAL(ct_rst_check(t, c, CT_DIR_REPLY, 7), CT_RST_EXACT);

	STEP(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, CT_SYN_SENT, CT_SYN_RECV);
	ct_tcp_seen(t, c, CT_DIR_REPLY, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0xfffffff0u);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0xfffffff0u);
	/* Forward across the 32-bit wrap; a retransmission does not go back. */
	ct_tcp_seen(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 0x10);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0x10);
	ct_tcp_seen(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 0xfffffff8u);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0x10);
	/* A segment far ahead (forged) does not move it. */
	ct_tcp_seen(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 0x10 + CT_RST_SLACK + 1);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0x10);
	ct_tcp_seen(t, c, CT_DIR_REPLY, RTE_TCP_ACK_FLAG, 0x10 + CT_RST_SLACK);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0x10 + CT_RST_SLACK);

	/* A SYN in ESTABLISHED changes no state: judged as any segment. */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 2, CT_SYN_RECV, CT_ESTABLISHED);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 3, CT_ESTABLISHED, CT_ESTABLISHED);
	ct_tcp_seen(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 0x80000000u);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_ORIG), 1001);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0x10 + CT_RST_SLACK);

	/* Reopened after TIME_WAIT: a new ISN, the reply side unknown again. */
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 4, CT_ESTABLISHED, CT_FIN_WAIT);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 5, CT_FIN_WAIT, CT_TIME_WAIT);
	STEP(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 6, CT_TIME_WAIT, CT_SYN_SENT);
	ct_tcp_seen(t, c, CT_DIR_ORIG, RTE_TCP_SYN_FLAG, 0x80000000u);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_ORIG), 0x80000000u);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0);

	/* A new entry in a reused slot starts with no marks. */
	ct_delete(t, c);
	c = tcp_conn(t, 2, 10);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_ORIG), 0);
	CU_ASSERT_EQUAL(ct_tcp_end(t, c, CT_DIR_REPLY), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	free(t);
}

void
test_udp_update(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = add_conn(t, 1, IPPROTO_UDP, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	STEP(t, c, CT_DIR_ORIG, 0, 10, CT_UDP, CT_UDP);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG, 20, CT_UDP, CT_UDP);
	STEP(t, c, CT_DIR_REPLY, 0, 30, CT_UDP, CT_UDP);
	CU_ASSERT(ct_state_is_active(c->state));
	free(t);
}

/* Expiry */

/*
 * Connections in every state (ESTABLISHED's 300 s is beyond the wheel
 * span) are removed at or after their expiry, and within one slot of it.
 */
static void
expire_states_from(uint32_t t0)
{
	static const uint8_t states[] = {
		CT_SYN_SENT, CT_SYN_RECV, CT_ESTABLISHED, CT_FIN_WAIT,
		CT_CLOSE_WAIT, CT_TIME_WAIT, CT_CLOSE, CT_UDP,
	};
	const unsigned int ns = sizeof(states), per = 20;
	struct ct_table *t = table_new(ns * per, t0, NULL);
	uint32_t exp[8 * 20], now = t0, i;
	struct rel r;

	rel_attach(t, &r, ns * per);
	for (i = 0; i < ns * per; i++) {
		/* stagger by a few ms so entries land in different slots */
		uint32_t at = t0 + i * 3;
		uint8_t s = states[i % ns];
		struct ct_conn *c = add_conn(t, i, s == CT_UDP ? IPPROTO_UDP : IPPROTO_TCP, at);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		/* force the state; a flagless segment keeps it and re-arms */
		c->state = s;
		ct_update(t, c, CT_DIR_ORIG, 0, at);
		CU_ASSERT_EQUAL(c->state, s);
		CU_ASSERT_EQUAL(c->expire, at + test_to.ms[s]);
		exp[i] = c->expire;
	}
	while (ct_table_stats(t)->active > 0 && (int32_t)(now - t0) < 400000) {
		now++;
		expire_at(t, &r, now, 1000);
	}
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->expired, ns * per);
	CU_ASSERT_EQUAL(r.early, 0);
	for (i = 0; i < ns * per; i++) {
		int32_t late = (int32_t)(r.when[i] - exp[i]);

		CU_ASSERT_EQUAL(r.count[i], 1);
		CU_ASSERT(late >= 0 && late <= (int32_t)GRAN);
	}
	CU_ASSERT_EQUAL(check_table(t), 0);
	rel_free(&r);
	free(t);
}

void
test_expire_states(void)
{
	expire_states_from(1000);
}

/* The ms tick wraps during the run: start just below UINT32_MAX. */
void
test_expire_wraparound(void)
{
	expire_states_from(UINT32_MAX - 4000);
	expire_states_from(UINT32_MAX - 200000);
}

/* Moving to a state with a shorter timeout must not wait for the old slot. */
void
test_expire_shortened(void)
{
	struct ct_table *t = table_new(16, 0, NULL);
	struct ct_conn *c = tcp_established(t, 1);
	struct rel r;
	uint32_t now;

	rel_attach(t, &r, 16);
	set_id(c, 1);
	for (now = 3; now < 1000; now++)
		expire_at(t, &r, now, 64);
	STEP(t, c, CT_DIR_REPLY, RTE_TCP_RST_FLAG, 1000, CT_ESTABLISHED, CT_CLOSE);
	for (now = 1001; now < 1000 + test_to.ms[CT_CLOSE]; now++)
		expire_at(t, &r, now, 64);
	CU_ASSERT_EQUAL(r.calls, 0);
	for (; now <= 1000 + test_to.ms[CT_CLOSE] + GRAN; now++)
		expire_at(t, &r, now, 64);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT_EQUAL(r.early, 0);
	rel_free(&r);
	free(t);
}

/* Refreshed connections survive, long after their first expiry. */
void
test_expire_refreshed(void)
{
	struct ct_table *t = table_new(64, 0, NULL);
	struct ct_conn *u = add_conn(t, 1, IPPROTO_UDP, 0);
	struct ct_conn *e = tcp_established(t, 2);
	struct ct_conn *idle = add_conn(t, 3, IPPROTO_UDP, 0);
	struct rel r;
	uint32_t now, last = 0;

	rel_attach(t, &r, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idle);
	/* 700 s: ESTABLISHED (300 s) and UDP (3 s) refreshed every 2.5 s */
	for (now = 5; now < 700000; now += 5) {
		if (now % 2500 == 0) {
			ct_update(t, u, CT_DIR_REPLY, 0, now);
			ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
			last = now;
		}
		expire_at(t, &r, now, 16);
	}
	CU_ASSERT_EQUAL(r.count[3], 1);
	CU_ASSERT_EQUAL(r.count[1], 0);
	CU_ASSERT_EQUAL(r.count[2], 0);
	CU_ASSERT(conn_found(t, 1, IPPROTO_UDP, u));
	CU_ASSERT(conn_found(t, 2, IPPROTO_TCP, e));
	/* then idle: gone within timeout + one slot */
	for (; (int32_t)(now - last) <= (int32_t)(test_to.ms[CT_ESTABLISHED] + GRAN); now++)
		expire_at(t, &r, now, 16);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT_EQUAL(r.count[2], 1);
	CU_ASSERT((int32_t)(r.when[1] - (last + test_to.ms[CT_UDP])) <= (int32_t)GRAN);
	CU_ASSERT((int32_t)(r.when[2] - (last + test_to.ms[CT_ESTABLISHED])) >= 0);
	CU_ASSERT(r.early == 0);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	rel_free(&r);
	free(t);
}

/* 10k connections due together: each call removes at most `budget`. */
void
test_expire_budget(void)
{
	const uint32_t n = 10000, budget = 64;
	struct ct_table *t = table_new(n, 0, NULL);
	uint32_t i, calls = 0, total = 0;
	struct rel r;

	rel_attach(t, &r, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_UDP, i % 5));
	/* nothing before the first is due */
	CU_ASSERT_EQUAL(expire_at(t, &r, test_to.ms[CT_UDP] - 1, budget), 0);
	while (ct_table_stats(t)->active > 0 && calls < 1000) {
		uint64_t before = r.calls;
		unsigned int got = expire_at(t, &r, test_to.ms[CT_UDP] + 100, budget);

		CU_ASSERT(got <= budget);
		CU_ASSERT_EQUAL(r.calls - before, got);
		/* all visited are due, so every call but the last is full */
		if (ct_table_stats(t)->active > 0)
			CU_ASSERT_EQUAL(got, budget);
		total += got;
		calls++;
	}
	CU_ASSERT_EQUAL(calls, (n + budget - 1) / budget);
	CU_ASSERT_EQUAL(total, n);
	CU_ASSERT_EQUAL(ct_table_stats(t)->expired, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(r.count[i], 1);
	CU_ASSERT_EQUAL(expire_at(t, &r, test_to.ms[CT_UDP] + 200, budget), 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	rel_free(&r);
	free(t);
}

/*
 * Half the due connections were refreshed: visiting them spends budget too,
 * budget 1 still makes progress, and deletes of entries on the list being
 * expired (mid-slice) are safe.
 */
void
test_expire_budget_mixed(void)
{
	const uint32_t n = 2000;
	struct ct_table *t = table_new(n, 0, NULL);
	struct ct_conn *c[2000];
	uint32_t i, calls = 0, due = 0;
	struct rel r;

	rel_attach(t, &r, n);
	for (i = 0; i < n; i++) {
		c[i] = add_conn(t, i, IPPROTO_UDP, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[i]);
	}
	for (i = 0; i < n; i += 2)
		ct_update(t, c[i], CT_DIR_ORIG, 0, 2000);
	/* budget 1: one visit per call */
	for (i = 0; i < 100; i++) {
		uint64_t before = r.calls;

		expire_at(t, &r, 3100, 1);
		CU_ASSERT(r.calls - before <= 1);
	}
	CU_ASSERT(r.calls >= 40 && r.calls <= 60);
	/* delete some that are waiting in the slot being expired */
	for (i = 1; i < 200; i += 2)
		if (c[i]->state != CT_NONE && r.count[i] == 0)
			ct_delete(t, c[i]);
	CU_ASSERT_EQUAL(check_table(t), 0);
	while (calls++ < 200) {
		uint64_t before = r.calls;

		CU_ASSERT(expire_at(t, &r, 3100, 64) <= 64);
		CU_ASSERT(r.calls - before <= 64);
	}
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(r.count[i], i & 1);
		due += r.count[i];
	}
	CU_ASSERT_EQUAL(due, n / 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, n / 2);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* the refreshed half goes at its own time */
	CU_ASSERT_EQUAL(expire_at(t, &r, 4999, 100000), 0);
	CU_ASSERT_EQUAL(expire_at(t, &r, 5000 + GRAN, 100000), n / 2);
	CU_ASSERT_EQUAL(ct_table_stats(t)->active, 0);
	CU_ASSERT_EQUAL(r.early, 0);
	rel_free(&r);
	free(t);
}

/* After a long pause, one call catches up; nothing not due is removed. */
void
test_expire_long_gap(void)
{
	struct ct_table *t = table_new(2000, 500, NULL);
	struct ct_conn *keep;
	struct rel r;
	uint32_t i;

	rel_attach(t, &r, 2000);
	for (i = 0; i < 1000; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(add_conn(t, i, IPPROTO_UDP, 500 + i * 50));
	keep = tcp_established(t, 1500);
	set_id(keep, 1500);
	ct_update(t, keep, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, 550000);
	/* 10 minutes without expiry, then one call with budget for all */
	CU_ASSERT_EQUAL(expire_at(t, &r, 600000, 5000), 1000);
	CU_ASSERT_EQUAL(r.count[1500], 0);
	CU_ASSERT_EQUAL(r.early, 0);
	CU_ASSERT_EQUAL(check_table(t), 0);
	/* and the survivor still expires on time */
	for (i = 600001; r.count[1500] == 0 && i < 2000000; i += 1)
		expire_at(t, &r, i, 64);
	CU_ASSERT((int32_t)(r.when[1500] - (550000 + test_to.ms[CT_ESTABLISHED])) >= 0);
	CU_ASSERT((int32_t)(r.when[1500] - (550000 + test_to.ms[CT_ESTABLISHED])) <= (int32_t)GRAN);
	rel_free(&r);
	free(t);
}

/* Re-arm callback bookkeeping: calls per connection id, and the longest
 * time between two calls for the same one. */
struct rearm_log {
	uint32_t now;
	uint32_t calls[4];
	uint32_t last[4];
	uint32_t max_gap[4];
};

static void
rearm_cb(struct ct_conn *c, void *arg)
{
	struct rearm_log *l = arg;
	uint32_t id = id_of(c);

	if (id >= 4)
		return;
	if (l->calls[id] > 0 && l->now - l->last[id] > l->max_gap[id])
		l->max_gap[id] = l->now - l->last[id];
	l->calls[id]++;
	l->last[id] = l->now;
}

/*
 * Session sync's refresh point: a connection that keeps carrying traffic
 * is re-armed (and the callback told) at least once per idle timeout, and
 * at least once per wheel span for a timeout past it; an idle one never is,
 * it expires.
 */
void
test_rearm_callback(void)
{
	struct ct_table *t = table_new(64, 0, NULL);
	struct ct_conn *u = add_conn(t, 1, IPPROTO_UDP, 0);
	struct ct_conn *e = tcp_established(t, 2);
	struct ct_conn *idle = add_conn(t, 3, IPPROTO_UDP, 0);
	struct rearm_log l = { 0 };
	struct rel r;
	uint32_t now;

	rel_attach(t, &r, 64);
	ct_set_rearm(t, rearm_cb, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idle);
	for (now = 5; now < 600000; now += 5) {
		if (now % 1000 == 0) {
			ct_update(t, u, CT_DIR_REPLY, 0, now);
			ct_update(t, e, CT_DIR_ORIG, RTE_TCP_ACK_FLAG, now);
		}
		l.now = now;
		expire_at(t, &r, now, 16);
	}
	/* UDP (3 s): about every 3 s; ESTABLISHED (300 s): every wheel span. */
	CU_ASSERT(l.calls[1] >= 600000 / (3000 + GRAN) - 1);
	CU_ASSERT(l.max_gap[1] <= 3000 + 2 * GRAN);
	CU_ASSERT(l.calls[2] >= 600000 / CT_WHEEL_SPAN - 1);
	CU_ASSERT(l.max_gap[2] <= CT_WHEEL_SPAN + 2 * GRAN);
	CU_ASSERT_EQUAL(l.calls[3], 0);
	CU_ASSERT_EQUAL(r.count[3], 1);
	rel_free(&r);
	free(t);
}

/* A state and expiry as a peer reported them: earlier expiry is kept to
 * (the entry goes within a slot of it), a later one too. */
void
test_restore(void)
{
	struct ct_table *t = table_new(64, 0, NULL);
	struct ct_conn *a = tcp_established(t, 1), *b = tcp_established(t, 2);
	struct rel r;
	uint32_t now;

	rel_attach(t, &r, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ct_restore(t, a, CT_TIME_WAIT, 2000);
	CU_ASSERT_EQUAL(a->state, CT_TIME_WAIT);
	ct_restore(t, b, CT_ESTABLISHED, 900000);
	for (now = 1; now < 400000; now++)
		expire_at(t, &r, now, 16);
	CU_ASSERT_EQUAL(r.count[1], 1);
	CU_ASSERT((int32_t)(r.when[1] - 2000) >= 0 && r.when[1] - 2000 <= GRAN);
	CU_ASSERT_EQUAL(r.count[2], 0);
	CU_ASSERT(conn_found(t, 2, IPPROTO_TCP, b));
	CU_ASSERT(r.early == 0);
	rel_free(&r);
	free(t);
}

/* The longest idle timeout the config allows keeps its connection: expiry
 * ticks compare wrap-safely only below 2^31 ms (a 30-day bound, once
 * allowed, made every such connection expire at the next slot). */
void
test_longest_timeout(void)
{
	struct ct_timeouts to = test_to;
	struct ct_table *t;
	struct ct_conn *c;
	struct rel r;
	uint32_t now;

	to.ms[CT_UDP] = CT_MAX_TIMEOUT_MS;
	to.ms[CT_ESTABLISHED] = CT_MAX_TIMEOUT_MS;
	t = table_new(64, 1000, &to);
	rel_attach(t, &r, 64);
	c = add_conn(t, 1, IPPROTO_UDP, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (now = 1000; now < 200000; now += 7)
		expire_at(t, &r, now, 16);
	CU_ASSERT_EQUAL(r.count[1], 0);
	CU_ASSERT(conn_found(t, 1, IPPROTO_UDP, c));
	ct_update(t, c, CT_DIR_ORIG, 0, now);
	for (; now < 400000; now += 7)
		expire_at(t, &r, now, 16);
	CU_ASSERT_EQUAL(r.count[1], 0);
	rel_free(&r);
	free(t);
}
