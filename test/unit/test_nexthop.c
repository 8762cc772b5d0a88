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
	};

	return unit_add_suite_once("nexthop", suite_init, suite_cleanup, setup, NULL, tests,
				   UNIT_DIM(tests));
}
