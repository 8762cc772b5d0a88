/*
 * Next hops, ARP and links (control/nexthop.c), in-process: an appliance on
 * two net_null ports (inproc.h) whose links are up, no control loop; the
 * test drives nh_poll with its own clock and judges by the control lcore's
 * ARP counters and the neighbour table nexthop.c publishes. net_null takes
 * every packet, so each request sent is counted in arp_requests.
 * Threading: one thread, the EAL main lcore.
 */
#include <arpa/inet.h>
#include <string.h>

#include "control/config.h"
#include "control/control.h"
#include "control/nexthop.h"
#include "control/rcu.h"
#include "dataplane/app.h"
#include "dataplane/neigh.h"
#include "inproc.h"
#include "unit.h"

/* Three wanted next hops: the gateway (port 0) and two backends (port 1). */
static const char config_text[] =
	"workers: { mbufs_per_port = 1024; };\n"
	"conntrack: { capacity = 1024; };\n"
	INPROC_PORTS
	"services = (\n"
	"  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; },\n"
	"                 { address = \"198.18.1.12\"; port = 8080; } ); }\n"
	");\n";

#define T0 100000u     /* ms: the first poll, when the links are found up */
#define WANTED 3u

static struct sl_app app;
static struct cfg *cfg;

static int
suite_init(void)
{
	if (inproc_start("test_nexthop", config_text, 1, 64, &app, &cfg) != 0)
		return -1;
	return rcu_init(app.rcu) == 0 ? 0 : -1;
}

static int
suite_cleanup(void)
{
	nh_fini();
	rcu_fini();
	return inproc_stop(&app, &cfg);
}

/* Each test: a fresh next-hop state (all links down, nothing cached),
 * counters at zero, nothing published. */
static void
setup(void)
{
	nh_fini();
	CU_ASSERT_FATAL(nh_init() == 0);
	app.arp_requests = 0;
	app.arp_requests_dropped = 0;
	app.neigh_conflicts = 0;
	app.neigh_moves = 0;
	nh_want_next_hops(&app);
}

static uint64_t
sent(void)
{
	return __atomic_load_n(&app.arp_requests, __ATOMIC_RELAXED);
}

/* nh_poll every 10 ms over [from, to], as the control loop's tick would. */
static void
run(uint64_t from, uint64_t to)
{
	uint64_t t;

	for (t = from; t <= to; t += 10)
		nh_poll(&app, t);
}

static void
learn(const char *ip, uint8_t port)
{
	struct sl_event ev = { .type = SL_EV_NEIGH_LEARN, .port = port };

	inet_pton(AF_INET, ip, &ev.ip);
	ev.mac.addr_bytes[0] = 0x02;
	ev.mac.addr_bytes[5] = (uint8_t)port;
	nh_event(&app, &ev, T0);
}

/* A worker's report at now: ip on port at 02:00:00:00:00:last, seen in a
 * reply to us (SL_EV_NEIGH_REPLY) or another ARP frame (SL_EV_NEIGH_LEARN). */
static void
report(uint8_t type, const char *ip, uint8_t port, uint8_t last, uint64_t now)
{
	struct sl_event ev = { .type = type, .port = port };

	inet_pton(AF_INET, ip, &ev.ip);
	ev.mac.addr_bytes[0] = 0x02;
	ev.mac.addr_bytes[5] = last;
	nh_event(&app, &ev, now);
}

/* The last byte of ip's MAC on port in the published table; -1: none. */
static int
published(const char *ip, uint8_t port)
{
	const struct rte_ether_addr *mac;
	uint32_t a;

	inet_pton(AF_INET, ip, &a);
	mac = app.neigh == NULL ? NULL : neigh_lookup(app.neigh, port, a);
	return mac == NULL ? -1 : mac->addr_bytes[5];
}

#define BACKEND "198.18.1.11"
#define T1 (T0 + 5000)   /* ms: a claim, long after the backend was resolved */

/* The backend resolved at 0x0a by its answer to the link-up request; the
 * other next hops too, so that no retry for them is counted. */
static void
backend_at_a(void)
{
	nh_poll(&app, T0);
	report(SL_EV_NEIGH_REPLY, BACKEND, 1, 0x0a, T0 + 1);
	report(SL_EV_NEIGH_REPLY, "198.18.1.12", 1, 0x0c, T0 + 1);
	report(SL_EV_NEIGH_REPLY, "198.18.0.254", 0, 0x0d, T0 + 1);
	run(T0 + 10, T1 - 10);
	CU_ASSERT_EQUAL_FATAL(published(BACKEND, 1), 0x0a);
}

static void
test_forged_claim_refused(void)
{
	uint64_t before;

	backend_at_a();
	before = sent();
	/* A gratuitous ARP from 0x0b: not taken; asked for at once. */
	report(SL_EV_NEIGH_LEARN, BACKEND, 1, 0x0b, T1);
	nh_poll(&app, T1);
	CU_ASSERT_EQUAL(published(BACKEND, 1), 0x0a);
	CU_ASSERT_EQUAL(sent(), before + 1);
	/* The poisoner answers too, and so does the real backend. */
	report(SL_EV_NEIGH_REPLY, BACKEND, 1, 0x0b, T1 + 1);
	report(SL_EV_NEIGH_REPLY, BACKEND, 1, 0x0a, T1 + 2);
	CU_ASSERT_EQUAL(app.neigh_conflicts, 1);
	run(T1 + 10, T1 + 3000);
	CU_ASSERT_EQUAL(published(BACKEND, 1), 0x0a);
	CU_ASSERT_EQUAL(app.neigh_conflicts, 1);
	CU_ASSERT_EQUAL(app.neigh_moves, 0);
	/* No more requests for it: it answered. */
	CU_ASSERT_EQUAL(sent(), before + 1);
}

static void
test_real_move_followed(void)
{
	uint64_t before;

	backend_at_a();
	before = sent();
	/* The backend now at 0x0b announces itself and answers us; 0x0a is gone. */
	report(SL_EV_NEIGH_LEARN, BACKEND, 1, 0x0b, T1);
	report(SL_EV_NEIGH_REPLY, BACKEND, 1, 0x0b, T1 + 1);
	run(T1, T1 + 990);
	CU_ASSERT_EQUAL(published(BACKEND, 1), 0x0a);
	CU_ASSERT_EQUAL(sent(), before + 3);
	run(T1 + 1000, T1 + 1050);
	CU_ASSERT_EQUAL(published(BACKEND, 1), 0x0b);
	CU_ASSERT_EQUAL(app.neigh_moves, 1);
	CU_ASSERT_EQUAL(app.neigh_conflicts, 0);
}

static void
test_unanswered_claim_refused(void)
{
	backend_at_a();
	/* Gratuitous frames alone never move it, however many. */
	report(SL_EV_NEIGH_LEARN, BACKEND, 1, 0x0b, T1);
	report(SL_EV_NEIGH_LEARN, BACKEND, 1, 0x0b, T1 + 400);
	report(SL_EV_NEIGH_LEARN, BACKEND, 1, 0x0b, T1 + 800);
	run(T1, T1 + 2000);
	CU_ASSERT_EQUAL(published(BACKEND, 1), 0x0a);
	CU_ASSERT_EQUAL(app.neigh_conflicts, 1);
	CU_ASSERT_EQUAL(app.neigh_moves, 0);
}

static void
test_unwanted_learns_at_once(void)
{
	nh_poll(&app, T0);
	report(SL_EV_NEIGH_LEARN, "198.18.0.77", 0, 0x0a, T0 + 1);
	nh_poll(&app, T0 + 10);
	CU_ASSERT_EQUAL(published("198.18.0.77", 0), 0x0a);
	report(SL_EV_NEIGH_LEARN, "198.18.0.77", 0, 0x0b, T0 + 20);
	nh_poll(&app, T0 + 30);
	CU_ASSERT_EQUAL(published("198.18.0.77", 0), 0x0b);
	CU_ASSERT_EQUAL(app.neigh_conflicts + app.neigh_moves, 0);
}

static void
test_link_up_requests_all(void)
{
	nh_poll(&app, T0);
	CU_ASSERT_EQUAL(sent(), WANTED);
	/* Within the same scan period, nothing is asked twice. */
	run(T0 + 10, T0 + 40);
	CU_ASSERT_EQUAL(sent(), WANTED);
	CU_ASSERT_EQUAL(app.arp_requests_dropped, 0);
}

static void
test_fast_retries_for_a_second(void)
{
	uint64_t at_1000;

	nh_poll(&app, T0);
	run(T0 + 10, T0 + 50);
	CU_ASSERT_EQUAL(sent(), 2 * WANTED);
	run(T0 + 60, T0 + 990);
	/* Every 50 ms scan for the first second: 20 rounds in all. */
	CU_ASSERT_EQUAL(sent(), 20 * WANTED);
	at_1000 = sent();
	/* Then the plain retry (1 s after the last request, at T0 + 950). */
	run(T0 + 1000, T0 + 1940);
	CU_ASSERT_EQUAL(sent(), at_1000);
	run(T0 + 1950, T0 + 1990);
	CU_ASSERT_EQUAL(sent(), at_1000 + WANTED);
}

static void
test_resolved_is_not_asked_again(void)
{
	const struct neigh_table *t;
	uint32_t ip;

	nh_poll(&app, T0);
	learn("198.18.1.11", 1);
	learn("198.18.0.254", 0);
	run(T0 + 10, T0 + 50);
	/* Only the one still unresolved is asked for again. */
	CU_ASSERT_EQUAL(sent(), WANTED + 1);
	t = app.neigh;
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	inet_pton(AF_INET, "198.18.1.11", &ip);
	CU_ASSERT_PTR_NOT_NULL(neigh_lookup(t, 1, ip));
	inet_pton(AF_INET, "198.18.1.12", &ip);
	CU_ASSERT_PTR_NULL(neigh_lookup(t, 1, ip));
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "link up: every unresolved wanted next hop asked for once", test_link_up_requests_all },
		{ "asked again every scan for a second after link-up, then every second",
		  test_fast_retries_for_a_second },
		{ "a learned next hop is published and not asked for again",
		  test_resolved_is_not_asked_again },
		{ "a forged claim to a backend is refused while its MAC answers",
		  test_forged_claim_refused },
		{ "a backend that really moved is followed after the probe period",
		  test_real_move_followed },
		{ "a claimant that never answers us is refused", test_unanswered_claim_refused },
		{ "a next hop not wanted learns a new MAC at once", test_unwanted_learns_at_once },
	};

	return unit_add_suite_once("nexthop", suite_init, suite_cleanup, setup, NULL, tests,
				   UNIT_DIM(tests));
}
