/*
 * Config loader tests: the shipped files parse, defaults and values land in
 * struct cfg, and each validation rule reports its exact "file:line: message".
 * Inline texts use the name "t.conf" and one setting per line where the line
 * matters, so the expected line can be read off the text.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/config.h"
#include "dataplane/conntrack.h"
#include "unit.h"

#ifndef SL_SOURCE_ROOT
#error "SL_SOURCE_ROOT must name the source tree (test/unit/meson.build sets it)"
#endif
#define FIXTURE(f) SL_SOURCE_ROOT "/test/unit/conf/" f

/* Lines 1-4: two valid ports. A services list after them starts at line 5. */
#define PORTS \
	"ports = (\n" \
	"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n" \
	"  { name = \"backend\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; }\n" \
	");\n"
/* Line 5 opens the list: the first service is on line 6. */
#define SVCS(...) PORTS "services = (\n" __VA_ARGS__ ");\n"
/* Service "web" on line 6, followed by another service. */
#define WEB_AND "  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; " \
	"backends = ( { address = \"198.18.1.11\"; } ); },\n"

static struct cfg *g_cfg;
static struct cfg_errors g_errs;

static void
setup(void)
{
	g_cfg = NULL;
	cfg_errors_init(&g_errs);
}

/* Runs after every test, pass or fail: nothing a test loaded leaks. */
static void
teardown(void)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
}

static int
load(const char *text)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
	return cfg_load_string(text, "t.conf", &g_cfg, &g_errs);
}

static int
load_file(const char *path)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
	return cfg_load_file(path, &g_cfg, &g_errs);
}

static int
has_msg(const char *msg)
{
	uint32_t i;

	for (i = 0; i < g_errs.n; i++)
		if (strcmp(g_errs.msgs[i], msg) == 0)
			return 1;
	fprintf(stderr, "\n  expected: %s\n", msg);
	for (i = 0; i < g_errs.n; i++)
		fprintf(stderr, "  got:      %s\n", g_errs.msgs[i]);
	return 0;
}

/* The text has exactly one error, and it is `msg`. */
#define EXPECT_ONE(text, msg) do { \
	int n_ = load(text); \
	CU_ASSERT_EQUAL(n_, 1); \
	CU_ASSERT_EQUAL(g_errs.n, 1); \
	CU_ASSERT(has_msg(msg)); \
	CU_ASSERT_PTR_NULL(g_cfg); \
} while (0)

#define EXPECT_OK(text) do { \
	int n_ = load(text); \
	CU_ASSERT_EQUAL(n_, 0); \
	if (n_ != 0) \
		cfg_errors_print(&g_errs, stderr); \
	CU_ASSERT_PTR_NOT_NULL(g_cfg); \
} while (0)

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---- shipped files -------------------------------------------------------- */

static void
test_default_conf(void)
{
	const struct cfg_service *s;
	const struct cfg_port *p;
	static const uint16_t web_w[] = { 3, 2, 1 };
	static const char *const be[] = {
		"198.18.1.11", "198.18.1.12", "198.18.1.13"
	};
	uint32_t i;

	CU_ASSERT_EQUAL(load_file(SL_SOURCE_ROOT "/conf/default.conf"), 0);
	cfg_errors_print(&g_errs, stderr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
	CU_ASSERT_STRING_EQUAL(g_cfg->source, SL_SOURCE_ROOT "/conf/default.conf");
	CU_ASSERT_EQUAL(g_cfg->idle_sleep_us, 20);
	CU_ASSERT_EQUAL(g_cfg->ct_capacity, 65536);
	CU_ASSERT_EQUAL(g_cfg->burst, 32);

	CU_ASSERT_EQUAL_FATAL(g_cfg->n_ports, 2);
	p = &g_cfg->ports[0];
	CU_ASSERT_STRING_EQUAL(p->name, "client");
	CU_ASSERT_STRING_EQUAL(p->device, "net_af_packet0,iface=slc-p0,qpairs=2");
	CU_ASSERT_EQUAL(p->n_addrs, 1);
	CU_ASSERT_EQUAL(p->addrs[0].ip, ip("198.18.0.1"));
	CU_ASSERT_EQUAL(p->addrs[0].prefix, 24);
	CU_ASSERT_EQUAL(p->gateway, 0);
	p = &g_cfg->ports[1];
	CU_ASSERT_STRING_EQUAL(p->name, "backend");
	CU_ASSERT_STRING_EQUAL(p->device, "net_af_packet1,iface=slc-p1,qpairs=2");
	CU_ASSERT_EQUAL(p->addrs[0].ip, ip("198.18.1.1"));
	CU_ASSERT_EQUAL(p->addrs[0].prefix, 24);

	CU_ASSERT_EQUAL_FATAL(g_cfg->n_services, 2);
	CU_ASSERT_EQUAL(g_cfg->n_backends_total, 6);
	s = &g_cfg->services[0];
	CU_ASSERT_STRING_EQUAL(s->name, "web");
	CU_ASSERT_EQUAL(s->vip, ip("198.18.0.10"));
	CU_ASSERT_EQUAL(s->port, 80);
	CU_ASSERT_EQUAL(s->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(s->sched, SCHED_ALGO_WLC);
	CU_ASSERT_EQUAL(s->mode, SVC_MODE_NAT);
	CU_ASSERT_EQUAL_FATAL(s->n_backends, 3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(s->backends[i].ip, ip(be[i]));
		CU_ASSERT_EQUAL(s->backends[i].port, 8080);
		CU_ASSERT_EQUAL(s->backends[i].weight, web_w[i]);
	}
	s = &g_cfg->services[1];
	CU_ASSERT_STRING_EQUAL(s->name, "echo");
	CU_ASSERT_EQUAL(s->vip, ip("198.18.0.10"));
	CU_ASSERT_EQUAL(s->port, 5353);
	CU_ASSERT_EQUAL(s->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(s->sched, SCHED_ALGO_RR);
	CU_ASSERT_EQUAL(s->mode, SVC_MODE_NAT);
	CU_ASSERT_EQUAL_FATAL(s->n_backends, 3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(s->backends[i].ip, ip(be[i]));
		CU_ASSERT_EQUAL(s->backends[i].port, 5353);
		CU_ASSERT_EQUAL(s->backends[i].weight, 1);
	}
}

static void
test_examples(void)
{
	static const struct {
		const char *file;
		enum svc_mode mode;
	} ex[] = {
		{ SL_SOURCE_ROOT "/conf/examples/nat.conf", SVC_MODE_NAT },
		{ SL_SOURCE_ROOT "/conf/examples/fullnat.conf", SVC_MODE_FULLNAT },
		{ SL_SOURCE_ROOT "/conf/examples/dr.conf", SVC_MODE_DR },
	};
	uint32_t i, j;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		CU_ASSERT_EQUAL(load_file(ex[i].file), 0);
		cfg_errors_print(&g_errs, stderr);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
		CU_ASSERT(g_cfg->n_services > 0);
		/* Every service in an example shows that example's mode. */
		for (j = 0; j < g_cfg->n_services; j++)
			CU_ASSERT_EQUAL(g_cfg->services[j].mode, ex[i].mode);
	}
	CU_ASSERT_EQUAL(g_cfg->services[0].sched, SCHED_ALGO_MH);
}

/* ---- defaults and values -------------------------------------------------- */

static void
check_default_globals(const struct cfg *c)
{
	CU_ASSERT_EQUAL(c->burst, 32);
	CU_ASSERT_EQUAL(c->idle_sleep_us, 0);
	CU_ASSERT_EQUAL(c->mbufs_per_port, 0);
	CU_ASSERT_EQUAL(c->ct_capacity, 1048576);
	CU_ASSERT_EQUAL(c->expire_budget, 64);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_SYN_SENT], 30000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_SYN_RECV], 30000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_ESTABLISHED], 900000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_FIN_WAIT], 120000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_CLOSE_WAIT], 60000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_TIME_WAIT], 120000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_CLOSE], 10000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_UDP], 300000);
	CU_ASSERT_EQUAL(c->timeouts.ms[CT_NONE], 10000);
	CU_ASSERT_EQUAL(c->lport_min, 1024);
	CU_ASSERT_EQUAL(c->lport_max, 65535);
	CU_ASSERT_EQUAL(c->load_interval_ms, 10);
}

static void
test_set_defaults(void)
{
	struct cfg *c = malloc(sizeof(*c));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(c, 0xa5, sizeof(*c));
	cfg_set_defaults(c);
	check_default_globals(c);
	CU_ASSERT_EQUAL(c->n_ports, 0);
	CU_ASSERT_EQUAL(c->n_services, 0);
	CU_ASSERT_PTR_NULL(c->services);
	free(c);
}

static void
test_defaults_applied(void)
{
	const struct cfg_service *s;
	const struct cfg_port *p;

	EXPECT_OK(SVCS("  { name = \"s\"; vip = \"198.18.0.10\"; port = 443;\n"
		       "    backends = ( { address = \"198.18.1.11\"; } ); }\n"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
	check_default_globals(g_cfg);
	p = &g_cfg->ports[0];
	CU_ASSERT_EQUAL(p->mtu, 0);
	CU_ASSERT_EQUAL(p->rx_desc, 1024);
	CU_ASSERT_EQUAL(p->tx_desc, 1024);
	CU_ASSERT_EQUAL(p->gateway, 0);
	CU_ASSERT_EQUAL(p->line, 2);
	CU_ASSERT_EQUAL(g_cfg->ports[1].line, 3);
	s = &g_cfg->services[0];
	CU_ASSERT_EQUAL(s->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(s->mode, SVC_MODE_NAT);
	CU_ASSERT_EQUAL(s->sched, SCHED_ALGO_WLC);
	CU_ASSERT_EQUAL(s->mh_size, SCHED_MH_DEFAULT_SIZE);
	CU_ASSERT_EQUAL(s->n_laddrs, 0);
	CU_ASSERT_EQUAL(s->line, 6);
	CU_ASSERT_EQUAL_FATAL(s->n_backends, 1);
	CU_ASSERT_EQUAL(s->backends[0].port, 443); /* the service port */
	CU_ASSERT_EQUAL(s->backends[0].weight, 1);
	CU_ASSERT_EQUAL(s->backends[0].line, 7);

	/* Services are optional: an appliance may start empty. */
	EXPECT_OK(PORTS);
	CU_ASSERT_EQUAL(g_cfg->n_services, 0);
	CU_ASSERT_PTR_NULL(g_cfg->services);
	CU_ASSERT_EQUAL(g_cfg->n_backends_total, 0);
}

static void
test_all_values(void)
{
	const struct cfg_service *s;
	const struct cfg_port *p;

	EXPECT_OK(
		"workers: { burst = 64; idle_sleep_us = 100000; mbufs_per_port = 16384; };\n"
		"conntrack: {\n"
		"  capacity = 268435456;\n"
		"  expire_budget = 65536;\n"
		"  timeouts: { syn_sent = 1; syn_recv = 2; established = 3; fin_wait = 4;\n"
		"    close_wait = 5; time_wait = 6; close = 7; udp = 2592000; };\n"
		"};\n"
		"fullnat: { port_min = 20000; port_max = 30000; };\n"
		"scheduler: { load_interval_ms = 10000; };\n"
		"ports = (\n"
		"  { name = \"up-link_0\"; device = \"0000:3b:00.0\";\n"
		"    addresses = [ \"198.18.0.1/24\", \"198.19.0.1/16\" ];\n"
		"    gateway = \"198.18.0.254\"; mtu = 9000; rx_desc = 64; tx_desc = 16384; },\n"
		"  { name = \"down\"; device = \"0000:3b:00.1\"; addresses = [ \"198.18.1.1/25\" ];\n"
		"    mtu = 68; }\n"
		");\n"
		"services = (\n"
		"  { name = \"a\"; vip = \"198.18.0.10\"; port = 65535; protocol = \"udp\";\n"
		"    scheduler = \"mh\"; forward = \"fullnat\"; mh_table_size = 251;\n"
		"    local_addresses = [ \"198.18.1.2\", \"198.18.1.3\" ];\n"
		"    backends = ( { address = \"198.18.1.11\"; port = 1; weight = 0; },\n"
		"                 { address = \"198.18.9.12\"; port = 8080; weight = 65535; } ); },\n"
		"  { name = \"b\"; vip = \"198.18.0.11\"; port = 1; protocol = \"tcp\";\n"
		"    scheduler = \"wrr\"; forward = \"dr\";\n"
		"    backends = ( { address = \"198.18.1.21\"; port = 1; } ); },\n"
		"  { name = \"c\"; vip = \"198.18.0.12\"; port = 2; scheduler = \"lc\"; forward = \"nat\"; },\n"
		"  { name = \"d\"; vip = \"198.18.0.12\"; port = 3; scheduler = \"sh\"; },\n"
		"  { name = \"e\"; vip = \"198.18.0.12\"; port = 4; scheduler = \"rr\"; },\n"
		"  { name = \"f\"; vip = \"198.18.0.12\"; port = 5; scheduler = \"wlc\"; }\n"
		");\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
	CU_ASSERT_EQUAL(g_cfg->burst, 64);
	CU_ASSERT_EQUAL(g_cfg->idle_sleep_us, 100000);
	CU_ASSERT_EQUAL(g_cfg->mbufs_per_port, 16384);
	CU_ASSERT_EQUAL(g_cfg->ct_capacity, SL_MAX_CT_CAPACITY);
	CU_ASSERT_EQUAL(g_cfg->expire_budget, 65536);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_SYN_SENT], 1000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_SYN_RECV], 2000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_ESTABLISHED], 3000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_FIN_WAIT], 4000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_CLOSE_WAIT], 5000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_TIME_WAIT], 6000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_CLOSE], 7000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_NONE], 7000);
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_UDP], 2592000000u);
	CU_ASSERT_EQUAL(g_cfg->lport_min, 20000);
	CU_ASSERT_EQUAL(g_cfg->lport_max, 30000);
	CU_ASSERT_EQUAL(g_cfg->load_interval_ms, 10000);

	CU_ASSERT_EQUAL_FATAL(g_cfg->n_ports, 2);
	p = &g_cfg->ports[0];
	CU_ASSERT_STRING_EQUAL(p->name, "up-link_0");
	CU_ASSERT_STRING_EQUAL(p->device, "0000:3b:00.0");
	CU_ASSERT_EQUAL(p->n_addrs, 2);
	CU_ASSERT_EQUAL(p->addrs[1].ip, ip("198.19.0.1"));
	CU_ASSERT_EQUAL(p->addrs[1].prefix, 16);
	CU_ASSERT_EQUAL(p->gateway, ip("198.18.0.254"));
	CU_ASSERT_EQUAL(p->mtu, 9000);
	CU_ASSERT_EQUAL(p->rx_desc, 64);
	CU_ASSERT_EQUAL(p->tx_desc, 16384);
	CU_ASSERT_EQUAL(p->line, 11);
	p = &g_cfg->ports[1];
	CU_ASSERT_STRING_EQUAL(p->name, "down");
	CU_ASSERT_EQUAL(p->addrs[0].prefix, 25);
	CU_ASSERT_EQUAL(p->mtu, 68);

	CU_ASSERT_EQUAL_FATAL(g_cfg->n_services, 6);
	CU_ASSERT_EQUAL(g_cfg->n_backends_total, 3);
	s = &g_cfg->services[0];
	CU_ASSERT_EQUAL(s->port, 65535);
	CU_ASSERT_EQUAL(s->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(s->sched, SCHED_ALGO_MH);
	CU_ASSERT_EQUAL(s->mode, SVC_MODE_FULLNAT);
	CU_ASSERT_EQUAL(s->mh_size, 251);
	CU_ASSERT_EQUAL(s->n_laddrs, 2);
	CU_ASSERT_EQUAL(s->laddrs[0], ip("198.18.1.2"));
	CU_ASSERT_EQUAL(s->laddrs[1], ip("198.18.1.3"));
	CU_ASSERT_EQUAL_FATAL(s->n_backends, 2);
	CU_ASSERT_EQUAL(s->backends[0].port, 1);
	CU_ASSERT_EQUAL(s->backends[0].weight, 0);
	/* NAT and FULLNAT backends may sit behind the gateway. */
	CU_ASSERT_EQUAL(s->backends[1].ip, ip("198.18.9.12"));
	CU_ASSERT_EQUAL(s->backends[1].weight, 65535);
	CU_ASSERT_EQUAL(s->backends[1].line, 22);
	s = &g_cfg->services[1];
	CU_ASSERT_EQUAL(s->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(s->sched, SCHED_ALGO_WRR);
	CU_ASSERT_EQUAL(s->mode, SVC_MODE_DR);
	CU_ASSERT_EQUAL(g_cfg->services[2].sched, SCHED_ALGO_LC);
	CU_ASSERT_EQUAL(g_cfg->services[2].mode, SVC_MODE_NAT);
	CU_ASSERT_EQUAL(g_cfg->services[2].n_backends, 0);
	CU_ASSERT_EQUAL(g_cfg->services[3].sched, SCHED_ALGO_SH);
	CU_ASSERT_EQUAL(g_cfg->services[4].sched, SCHED_ALGO_RR);
	CU_ASSERT_EQUAL(g_cfg->services[5].sched, SCHED_ALGO_WLC);
}

static void
test_parse_ipv4(void)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/",
		"01.2.3.4", "1.2.3.04/8", "1.2.3.4/08", " 1.2.3.4", "1.2.3.4 ",
		"1..2.3", "a.b.c.d", "1.2.3.4/-1", "1.2.3.4/+8", "1234.1.1.1",
	};
	uint32_t v;
	uint8_t len;
	size_t i;

	CU_ASSERT_EQUAL(cfg_parse_ipv4("198.18.0.1/24", &v, &len), 0);
	CU_ASSERT_EQUAL(v, ip("198.18.0.1"));
	CU_ASSERT_EQUAL(len, 24);
	CU_ASSERT_EQUAL(cfg_parse_ipv4("10.0.0.0", &v, &len), 0);
	CU_ASSERT_EQUAL(v, htonl(0x0a000000));
	CU_ASSERT_EQUAL(len, 32);
	CU_ASSERT_EQUAL(cfg_parse_ipv4("0.0.0.0/0", &v, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(cfg_parse_ipv4("255.255.255.255", &v, NULL), 0);
	CU_ASSERT_EQUAL(v, 0xffffffffu);
	/* Without a prefix pointer the caller wants a plain address. */
	CU_ASSERT_EQUAL(cfg_parse_ipv4("198.18.0.1/32", &v, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(cfg_parse_ipv4(bad[i], &v, &len), -EINVAL);
}

/* The validators the runtime API shares with the file (issue 9). */
static void
test_field_validators(void)
{
	static const char *const bad_uint[] = {
		"", "+5", " 5", "5 ", "5x", "-1", "0x5", "05", "00", "1.0", "65536",
		"4294967296", "99999999999999999999", "\t5",
	};
	static const char *const bad_name[] = {
		"", "x\";health:{type=\"icmp\"};#", "a b", "a.b", "a/b", "a\nb", "\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyz012345",
	};
	uint32_t v;
	size_t i;

	CU_ASSERT_EQUAL(cfg_parse_uint("0", 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(cfg_parse_uint("65535", 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 65535);
	CU_ASSERT_EQUAL(cfg_parse_uint("4294967295", UINT32_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT32_MAX);
	CU_ASSERT_EQUAL(cfg_parse_uint("4294967296", UINT32_MAX, &v), -EINVAL);
	for (i = 0; i < sizeof(bad_uint) / sizeof(bad_uint[0]); i++)
		CU_ASSERT_EQUAL(cfg_parse_uint(bad_uint[i], 65535, &v), -EINVAL);

	CU_ASSERT_PTR_NULL(cfg_name_error("web-1_A"));
	CU_ASSERT_PTR_NULL(cfg_name_error("abcdefghijklmnopqrstuvwxyz01234"));
	for (i = 0; i < sizeof(bad_name) / sizeof(bad_name[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(cfg_name_error(bad_name[i]));
	CU_ASSERT_STRING_EQUAL(cfg_name_error(""), " must be 1..31 characters");
	CU_ASSERT_PTR_NULL(cfg_name_error("_web-"));
	CU_ASSERT_PTR_NULL(cfg_name_error("9"));
	/* The API could not name it: "-web" reads as an option. */
	CU_ASSERT_STRING_EQUAL(cfg_name_error("-web"), ": must not start with '-'");

	CU_ASSERT_TRUE(cfg_is_unicast(ip("198.18.0.1")));
	CU_ASSERT_FALSE(cfg_is_unicast(ip("0.0.0.0")));
	CU_ASSERT_FALSE(cfg_is_unicast(ip("127.0.0.1")));
	CU_ASSERT_FALSE(cfg_is_unicast(ip("224.0.0.1")));
	CU_ASSERT_FALSE(cfg_is_unicast(ip("255.255.255.255")));

	CU_ASSERT_EQUAL(cfg_proto_from_name("tcp"), IPPROTO_TCP);
	CU_ASSERT_EQUAL(cfg_proto_from_name("udp"), IPPROTO_UDP);
	CU_ASSERT_EQUAL(cfg_proto_from_name("TCP"), -EINVAL);
	CU_ASSERT_EQUAL(cfg_mode_from_name("nat"), SVC_MODE_NAT);
	CU_ASSERT_EQUAL(cfg_mode_from_name("fullnat"), SVC_MODE_FULLNAT);
	CU_ASSERT_EQUAL(cfg_mode_from_name("dr"), SVC_MODE_DR);
	CU_ASSERT_EQUAL(cfg_mode_from_name("dr "), -EINVAL);
}

static void
test_mode_names(void)
{
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_NAT), "nat");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_FULLNAT), "fullnat");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_DR), "dr");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name((enum svc_mode)7), "?");
}

/* ---- errors: the machinery ------------------------------------------------ */

static void
test_return_values(void)
{
	struct cfg_errors e;
	struct cfg *c = (struct cfg *)&e; /* must be overwritten with NULL */
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_EQUAL(load(PORTS), 0);
	CU_ASSERT_EQUAL(g_errs.n, 0);

	/* Errors are appended to what errs already holds. */
	cfg_errors_init(&e);
	CU_ASSERT_EQUAL(cfg_load_string("workers = 1;\n" PORTS, "a", &c, &e), 1);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(cfg_load_string("x = 1;\ny = 2;\n", "b", &c, &e), 3);
	CU_ASSERT_EQUAL_FATAL(e.n, 4);
	CU_ASSERT_STRING_EQUAL(e.msgs[0], "a:1: workers: expected a group { }, not an integer");
	CU_ASSERT_STRING_EQUAL(e.msgs[1], "b: missing required key \"ports\"");
	CU_ASSERT_STRING_EQUAL(e.msgs[2], "b:1: unknown key \"x\"");
	CU_ASSERT_STRING_EQUAL(e.msgs[3], "b:2: unknown key \"y\"");

	/* One message per line. */
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	cfg_errors_print(&e, f);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf,
		"a:1: workers: expected a group { }, not an integer\n"
		"b: missing required key \"ports\"\n"
		"b:1: unknown key \"x\"\n"
		"b:2: unknown key \"y\"\n");
	free(buf);
	cfg_errors_free(&e);
	CU_ASSERT_EQUAL(e.n, 0);
	CU_ASSERT_PTR_NULL(e.msgs);

	/* Validate only (no out), count only (no errs). */
	CU_ASSERT_EQUAL(cfg_load_string(PORTS, "t", NULL, NULL), 0);
	CU_ASSERT_EQUAL(cfg_load_string("workers: { burst = 0; };\n", "t", NULL, NULL), 2);
	CU_ASSERT_EQUAL(cfg_load_string(NULL, "t", &c, NULL), 1);
	CU_ASSERT_PTR_NULL(c);
	cfg_free(NULL);
	cfg_errors_free(&e);
}

static void
test_syntax_error(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("syntax_error.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("syntax_error.conf") ":3: syntax error"));
	EXPECT_ONE("a = 1;\nb = 2;\na = 3;\n", "t.conf:3: duplicate setting name");
	EXPECT_ONE(PORTS "services = ( { name = \"x\"; }\n", "t.conf:6: syntax error");
}

static void
test_unreadable_file(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("does_not_exist.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("does_not_exist.conf")
			  ": cannot read: No such file or directory"));
	CU_ASSERT_PTR_NULL(g_cfg);
	CU_ASSERT_EQUAL(load_file(SL_SOURCE_ROOT "/test/unit/conf"), 1);
	CU_ASSERT(has_msg(SL_SOURCE_ROOT "/test/unit/conf: cannot read: Is a directory"));

	/* libconfig would silently stop at a NUL byte. */
	{
		static const char bin[] = "ports = ( );\0garbage";
		char path[] = "/tmp/sluice-test-config-XXXXXX";
		char want[128];
		int fd = mkstemp(path);

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(write(fd, bin, sizeof(bin)), (ssize_t)sizeof(bin));
		close(fd);
		CU_ASSERT_EQUAL(load_file(path), 1);
		snprintf(want, sizeof(want),
			 "%s: cannot read: NUL byte at offset 12, not a text file", path);
		CU_ASSERT(has_msg(want));
		unlink(path);
	}
}

static void
test_several_errors(void)
{
	static const int lines[] = { 2, 4, 5, 9, 10, 13, 14, 16 };
	char prefix[512];
	uint32_t i;

	CU_ASSERT_EQUAL(load_file(FIXTURE("many_errors.conf")), 8);
	CU_ASSERT_EQUAL_FATAL(g_errs.n, 8);
	/* All of them, in line order although found in several passes. */
	for (i = 0; i < 8; i++) {
		snprintf(prefix, sizeof(prefix), "%s:%d: ",
			 FIXTURE("many_errors.conf"), lines[i]);
		CU_ASSERT_EQUAL(strncmp(g_errs.msgs[i], prefix, strlen(prefix)), 0);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(g_errs.msgs[2], "establised"));
	CU_ASSERT_PTR_NOT_NULL(strstr(g_errs.msgs[3], "duplicate port name"));
	CU_ASSERT_PTR_NOT_NULL(strstr(g_errs.msgs[7], "\"dr\""));
}

static void
test_include(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("include_main.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_ports.conf")
			  ":4: ports[0].mtu: 20 out of range 68..9000 (or 0: port default)"));
}

/* A scratch directory for files a test makes: FIFOs, chains, big files. */
static char g_dir[] = "/tmp/sluice-test-include-XXXXXX";

static void
put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static int
load_dir_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	return load_file(path);
}

/* has_msg(), the scratch directory's name before msg. */
static int
has_dir_msg(const char *msg)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", g_dir, msg);
	return has_msg(full);
}

static void
rm_dir(void)
{
	DIR *d = opendir(g_dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(g_dir);
}

/* An integer past 32 bits is refused in an included file as in the main one. */
static void
test_include_wide_integer(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("include_wide.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_wide_inc.conf")
			  ":3: integer 4294968320 is outside the 32-bit signed range"));
	CU_ASSERT_PTR_NULL(g_cfg);
}

/*
 * What an @include names must be a regular text file within the size
 * budget, and is refused at once otherwise: a FIFO would block the open, a
 * device such as /dev/zero never ends.
 */
static void
test_include_not_a_file(void)
{
	char path[512], big[64];
	FILE *f;

	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	/* A writer-less FIFO blocks a plain open() for ever: end the test then. */
	alarm(30);
	snprintf(path, sizeof(path), "%s/fifo.conf", g_dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	put_file("m1.conf", "@include \"fifo.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m1.conf"), 1);
	CU_ASSERT(has_dir_msg("m1.conf:1: @include \"fifo.conf\": not a regular file"));

	snprintf(path, sizeof(path), "%s/zero.conf", g_dir);
	CU_ASSERT_EQUAL_FATAL(symlink("/dev/zero", path), 0);
	put_file("m2.conf", PORTS "@include \"zero.conf\"\n");
	CU_ASSERT_EQUAL(load_dir_file("m2.conf"), 1);
	CU_ASSERT(has_dir_msg("m2.conf:5: @include \"zero.conf\": not a regular file"));
	/* A string's includes are relative to the current directory, and as bounded. */
	CU_ASSERT_EQUAL(load("@include \"/dev/zero\"\n" PORTS), 1);
	CU_ASSERT(has_msg("t.conf:1: @include \"/dev/zero\": not a regular file"));
	CU_ASSERT_EQUAL(load("@include \"/\"\n" PORTS), 1);
	CU_ASSERT(has_msg("t.conf:1: @include \"/\": not a regular file"));
	alarm(0);

	/* One budget for the main file and every included one together. */
	snprintf(path, sizeof(path), "%s/big.conf", g_dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(big, ' ', sizeof(big));
	for (long i = 0; i < (16L << 20) / (long)sizeof(big); i++)
		fwrite(big, 1, sizeof(big), f);
	fclose(f);
	put_file("m3.conf", PORTS "@include \"big.conf\"\n");
	CU_ASSERT_EQUAL(load_dir_file("m3.conf"), 1);
	CU_ASSERT(has_dir_msg("m3.conf:5: @include \"big.conf\": the files of this config "
			      "exceed 16777216 bytes together"));

	snprintf(path, sizeof(path), "%s/nul.conf", g_dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("a = 1;\0b", 1, 8, f);
	fclose(f);
	put_file("m4.conf", "@include \"nul.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m4.conf"), 1);
	CU_ASSERT(has_dir_msg("m4.conf:1: @include \"nul.conf\": NUL byte at offset 6, not a text file"));
	put_file("m5.conf", "\n@include \"missing.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m5.conf"), 1);
	CU_ASSERT(has_dir_msg("m5.conf:2: @include \"missing.conf\": cannot open: "
			      "No such file or directory"));
	rm_dir();
}

/* Nesting is bounded (10 deep, as libconfig's own), so a loop ends too. */
static void
test_include_depth(void)
{
	char name[32], text[64];
	int i;

	CU_ASSERT_EQUAL(load_file(FIXTURE("include_self.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_self.conf") ":2: @include \"include_self.conf\": "
			  "nested more than 10 deep (does a file include itself?)"));

	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	/* d0 includes d1 ... includes d10: ten deep, the most there may be */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "@include \"d%d.conf\"\n", i + 1);
		put_file(name, text);
	}
	put_file("d10.conf", PORTS);
	CU_ASSERT_EQUAL(load_dir_file("d0.conf"), 0);
	CU_ASSERT_PTR_NOT_NULL(g_cfg);
	put_file("d10.conf", "@include \"d11.conf\"\n");
	put_file("d11.conf", PORTS);
	CU_ASSERT_EQUAL(load_dir_file("d0.conf"), 1);
	CU_ASSERT(has_dir_msg("d10.conf:1: @include \"d11.conf\": nested more than 10 deep "
			      "(does a file include itself?)"));
	/* Wide rather than deep: an empty file 256 times is fine, 257 is not. */
	{
		static const char inc[] = "@include \"e.conf\"\n";
		char *many = malloc(257 * (sizeof(inc) - 1) + sizeof(PORTS));

		CU_ASSERT_PTR_NOT_NULL_FATAL(many);
		many[0] = '\0';
		for (i = 0; i < 256; i++)
			strcat(many, inc);
		strcat(many, PORTS);
		put_file("e.conf", "");
		put_file("w.conf", many);
		CU_ASSERT_EQUAL(load_dir_file("w.conf"), 0);
		strcat(many, inc);
		put_file("w.conf", many);
		CU_ASSERT_EQUAL(load_dir_file("w.conf"), 1);
		CU_ASSERT(has_dir_msg("w.conf:261: more than 256 @include directives"));
		free(many);
	}
	rm_dir();
}

/* Lines and files in messages around includes; what is no directive. */
static void
test_include_lines(void)
{
	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	put_file("ports.conf", PORTS);
	/* a file ending in a comment without a newline ends before the line goes on */
	put_file("w.conf", "workers: {\n  burst = 0;\n}; # no newline");
	put_file("m.conf", "# 1\n@include \"ports.conf\"\n@include \"w.conf\" scheduler: {\n"
		 "  load_interval_ms = 1; };\nconntrack: { capacity = 1; };\n");
	CU_ASSERT_EQUAL(load_dir_file("m.conf"), 3);
	CU_ASSERT(has_dir_msg("w.conf:2: workers.burst: 0 out of range 1..256"));
	CU_ASSERT(has_dir_msg("m.conf:4: scheduler.load_interval_ms: 1 out of range 10..10000"));
	CU_ASSERT(has_dir_msg("m.conf:5: conntrack.capacity: 1 out of range 1024..268435456"));
	/* main file first, then included ones: as before */
	CU_ASSERT_EQUAL_FATAL(g_errs.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_errs.msgs[2], "w.conf:2:"));

	/* @include in a comment or a string, or not at a line start, is none */
	EXPECT_OK("/* x\n@include \"/dev/zero\" */\n# @include \"/dev/zero\"\n"
		  "api: { socket = \"/a\n@include \\\"/dev/zero\\\"\"; };\n" PORTS);
	CU_ASSERT_STRING_EQUAL(g_cfg->api_socket, "/a\n@include \"/dev/zero\"");
	EXPECT_ONE("a = 1; @include \"/dev/zero\"\n" PORTS, "t.conf:1: syntax error");

	/* a string or comment an included file leaves open ends there */
	put_file("s.conf", "workers: { burst = \"32; };\n");
	put_file("m2.conf", "@include \"s.conf\"\n\" ; " PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m2.conf"), 1);
	CU_ASSERT(has_dir_msg("s.conf:1: string not closed by the end of the file"));
	put_file("c.conf", "/* workers: { burst = 32; };\n");
	put_file("m3.conf", "@include \"c.conf\"\n*/ " PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m3.conf"), 1);
	CU_ASSERT(has_dir_msg("c.conf:1: comment not closed by the end of the file"));

	/* a syntax error in an included file names it */
	put_file("bad.conf", "\n\nworkers: { burst = = 1; };\n");
	put_file("m4.conf", "@include \"bad.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m4.conf"), 1);
	CU_ASSERT(has_dir_msg("bad.conf:3: syntax error"));
	rm_dir();
}

/* ---- errors: one test per rule -------------------------------------------- */

static void
test_unknown_keys(void)
{
	EXPECT_ONE("prots = ();\n" PORTS, "t.conf:1: unknown key \"prots\"");
	EXPECT_ONE("workers: { bursts = 32; };\n" PORTS,
		   "t.conf:1: unknown key \"workers.bursts\"");
	EXPECT_ONE("conntrack: { timeouts: { tcp = 1; }; };\n" PORTS,
		   "t.conf:1: unknown key \"conntrack.timeouts.tcp\"");
	EXPECT_ONE("fullnat: { min = 2000; };\n" PORTS,
		   "t.conf:1: unknown key \"fullnat.min\"");
	EXPECT_ONE("scheduler: { interval = 5; };\n" PORTS,
		   "t.conf:1: unknown key \"scheduler.interval\"");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "  mut = 1500; } );\n",
		   "t.conf:2: unknown key \"ports[0].mut\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    protocl = \"udp\"; }\n"),
		   "t.conf:7: unknown key \"services[0].protocl\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.11\"; wieght = 2; } ); }\n"),
		   "t.conf:7: unknown key \"services[0].backends[0].wieght\"");
}

static void
test_wrong_types(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = \"80\"; }\n"),
		   "t.conf:6: services[0].port: expected an integer, not a string");
	EXPECT_ONE("workers: { burst = 32.0; };\n" PORTS,
		   "t.conf:1: workers.burst: expected an integer, not a float");
	EXPECT_ONE("workers: { burst = true; };\n" PORTS,
		   "t.conf:1: workers.burst: expected an integer, not a boolean");
	EXPECT_ONE("conntrack = ( 1 );\n" PORTS,
		   "t.conf:1: conntrack: expected a group { }, not a list ( )");
	EXPECT_ONE("ports = { };\n",
		   "t.conf:1: ports: expected a list ( ) or an array [ ], not a group { }");
	EXPECT_ONE(PORTS "services = ( \"web\" );\n",
		   "t.conf:5: services[0]: expected a group { }, not a string");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = \"198.18.0.1/24\"; } );\n",
		   "t.conf:1: ports[0].addresses: expected a list ( ) or an array [ ], not a string");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ 1 ]; } );\n",
		   "t.conf:1: ports[0].addresses[0]: expected a string, not an integer");
	EXPECT_ONE("ports = ( { name = 7; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: expected a string, not an integer");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( \"198.18.1.11\" ); }\n"),
		   "t.conf:7: services[0].backends[0]: expected a group { }, not a string");
	/* Lists and arrays both serve as sequences. */
	EXPECT_OK("ports = ( { name = \"p\"; device = \"d\"; addresses = ( \"198.18.0.1/24\" ); } );\n"
		  "services = [ ];\n");
}

static void
test_ranges_globals(void)
{
	EXPECT_ONE("workers: { burst = 0; };\n" PORTS,
		   "t.conf:1: workers.burst: 0 out of range 1..256");
	EXPECT_ONE("workers: { burst = 257; };\n" PORTS,
		   "t.conf:1: workers.burst: 257 out of range 1..256");
	EXPECT_ONE("workers: { idle_sleep_us = 100001; };\n" PORTS,
		   "t.conf:1: workers.idle_sleep_us: 100001 out of range 0..100000");
	EXPECT_ONE("workers: { idle_sleep_us = -1; };\n" PORTS,
		   "t.conf:1: workers.idle_sleep_us: -1 out of range 0..100000");
	EXPECT_ONE("workers: { mbufs_per_port = 16777217; };\n" PORTS,
		   "t.conf:1: workers.mbufs_per_port: 16777217 out of range 0..16777216");
	EXPECT_ONE("conntrack: { capacity = 1023; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 1023 out of range 1024..268435456");
	EXPECT_ONE("conntrack: { capacity = 268435457; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 268435457 out of range 1024..268435456");
	EXPECT_ONE("conntrack: { expire_budget = 0; };\n" PORTS,
		   "t.conf:1: conntrack.expire_budget: 0 out of range 1..65536");
	EXPECT_ONE("conntrack: { timeouts: { established = 0; }; };\n" PORTS,
		   "t.conf:1: conntrack.timeouts.established: 0 out of range 1..2592000");
	EXPECT_ONE("conntrack: { timeouts: { udp = 2592001; }; };\n" PORTS,
		   "t.conf:1: conntrack.timeouts.udp: 2592001 out of range 1..2592000");
	EXPECT_ONE("scheduler: { load_interval_ms = 9; };\n" PORTS,
		   "t.conf:1: scheduler.load_interval_ms: 9 out of range 10..10000");
	EXPECT_ONE("fullnat: { port_min = 1023; };\n" PORTS,
		   "t.conf:1: fullnat.port_min: 1023 out of range 1024..65535");
	EXPECT_ONE("fullnat: { port_max = 65536; };\n" PORTS,
		   "t.conf:1: fullnat.port_max: 65536 out of range 1024..65535");
	EXPECT_ONE("fullnat: {\n  port_min = 3000;\n  port_max = 3000;\n};\n" PORTS,
		   "t.conf:2: fullnat.port_min: port_min 3000 must be below port_max 3000");
	EXPECT_ONE("fullnat: { port_max = 1024; };\n" PORTS,
		   "t.conf:1: fullnat.port_max: port_min 1024 must be below port_max 1024");
	/* 64-bit literals (L suffix) are read whole and range-checked. */
	EXPECT_ONE("conntrack: { capacity = 4294968320L; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 4294968320 out of range 1024..268435456");
}

/* libconfig 1.5 would read 4294968320 as 1024 and accept it. */
static void
test_wrapped_integers(void)
{
	EXPECT_ONE("conntrack: {\n  capacity = 4294968320;\n};\n" PORTS,
		   "t.conf:2: integer 4294968320 is outside the 32-bit signed range");
	EXPECT_ONE("workers: { burst = -2147483649; };\n" PORTS,
		   "t.conf:1: integer -2147483649 is outside the 32-bit signed range");
	EXPECT_ONE("workers: { burst = 0x100000020; };\n" PORTS,
		   "t.conf:1: integer 0x100000020 is outside the 32-bit signed range");
	/* Digits in strings and comments are not integers. */
	EXPECT_OK("# 99999999999\n/* 99999999999 */ // 99999999999\n"
		  "ports = ( { name = \"p99999999999\"; device = \"x,a=99999999999\";\n"
		  "  addresses = [ \"198.18.0.1/24\" ]; } );\n");
}

static void
test_ranges_ports(void)
{
#define PORT1(extra) "ports = ( { name = \"p\"; device = \"d\"; " \
	"addresses = [ \"198.18.0.1/24\" ];\n  " extra " } );\n"
	EXPECT_ONE(PORT1("mtu = 67;"),
		   "t.conf:2: ports[0].mtu: 67 out of range 68..9000 (or 0: port default)");
	EXPECT_ONE(PORT1("mtu = 9001;"),
		   "t.conf:2: ports[0].mtu: 9001 out of range 68..9000 (or 0: port default)");
	EXPECT_ONE(PORT1("mtu = -1;"),
		   "t.conf:2: ports[0].mtu: -1 out of range 68..9000 (or 0: port default)");
	EXPECT_OK(PORT1("mtu = 0;"));
	EXPECT_ONE(PORT1("rx_desc = 32;"),
		   "t.conf:2: ports[0].rx_desc: 32 out of range 64..16384");
	EXPECT_ONE(PORT1("tx_desc = 32768;"),
		   "t.conf:2: ports[0].tx_desc: 32768 out of range 64..16384");
	EXPECT_ONE(PORT1("rx_desc = 1000;"),
		   "t.conf:2: ports[0].rx_desc: 1000 is not a power of two");
	EXPECT_ONE(PORT1("tx_desc = 1536;"),
		   "t.conf:2: ports[0].tx_desc: 1536 is not a power of two");
	EXPECT_ONE(PORT1("name = \"q\";"), "t.conf:2: duplicate setting name");
#undef PORT1
}

static void
test_ranges_services(void)
{
#define SVC1(extra) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n    " \
			 extra " }\n")
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 0; }\n"),
		   "t.conf:6: services[0].port: 0 out of range 1..65535");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 65536; }\n"),
		   "t.conf:6: services[0].port: 65536 out of range 1..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; port = 0; } );"),
		   "t.conf:7: services[0].backends[0].port: 0 out of range 1..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; weight = 65536; } );"),
		   "t.conf:7: services[0].backends[0].weight: 65536 out of range 0..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; weight = -1; } );"),
		   "t.conf:7: services[0].backends[0].weight: -1 out of range 0..65535");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 250;"),
		   "t.conf:7: services[0].mh_table_size: 250 out of range 251..1048573");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 1048583;"),
		   "t.conf:7: services[0].mh_table_size: 1048583 out of range 251..1048573");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 65536;"),
		   "t.conf:7: services[0].mh_table_size: 65536 is not a prime");
	EXPECT_OK(SVC1("scheduler = \"mh\"; mh_table_size = 1048573;"));
	CU_ASSERT_EQUAL(g_cfg ? g_cfg->services[0].mh_size : 0, 1048573);
	/* Only meaningful for mh, but still checked: a typo here is a typo. */
	EXPECT_OK(SVC1("scheduler = \"rr\"; mh_table_size = 251;"));
	EXPECT_ONE(SVC1("scheduler = \"fifo\";"),
		   "t.conf:7: services[0].scheduler: unknown scheduler \"fifo\" "
		   "(one of: wlc, rr, wrr, lc, sh, mh)");
	EXPECT_ONE(SVC1("protocol = \"sctp\";"),
		   "t.conf:7: services[0].protocol: unknown protocol \"sctp\" (one of: tcp, udp)");
	EXPECT_ONE(SVC1("forward = \"tun\";"),
		   "t.conf:7: services[0].forward: unknown forwarding mode \"tun\" "
		   "(one of: nat, fullnat, dr)");
	EXPECT_ONE(SVC1("forward = \"NAT\";"),
		   "t.conf:7: services[0].forward: unknown forwarding mode \"NAT\" "
		   "(one of: nat, fullnat, dr)");
#undef SVC1
}

static void
test_bad_addresses(void)
{
#define PADDR(a) "ports = ( { name = \"p\"; device = \"d\";\n  addresses = [ " a " ]; } );\n"
	EXPECT_ONE(PADDR("\"198.18.0.1\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.1/33\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1/33\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.1/0\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1/0\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.256/24\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.256/24\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.0/24\""),
		   "t.conf:2: ports[0].addresses[0]: 198.18.0.0/24 is the network address of its subnet, not a host");
	EXPECT_ONE(PADDR("\"198.18.0.255/24\""),
		   "t.conf:2: ports[0].addresses[0]: 198.18.0.255/24 is the broadcast address of its subnet, not a host");
	EXPECT_ONE(PADDR("\"127.0.0.1/8\""),
		   "t.conf:2: ports[0].addresses[0]: 127.0.0.1/8 is not a unicast host address");
	/* A /31 (RFC 3021) and a /32 have no network or broadcast address. */
	EXPECT_OK(PADDR("\"198.18.0.0/31\", \"198.18.5.255/32\""));
	/* Each element is checked: the bad one is named, the others kept. */
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\";\n  addresses = [ \"198.18.0.1/24\",\n"
		   "    \"198.18.1.1/2x\" ]; } );\n",
		   "t.conf:3: ports[0].addresses[1]: \"198.18.1.1/2x\" is not an IPv4 address/prefix (1..32)");
#undef PADDR
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10/32\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: \"198.18.0.10/32\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.018.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: \"198.018.0.10\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"224.0.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: 224.0.0.10 is not a unicast host address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"backend-1\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: \"backend-1\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"0.0.0.0\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: 0.0.0.0 is not a unicast host address");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "  gateway = \"198.18.0.254/24\"; } );\n",
		   "t.conf:2: ports[0].gateway: \"198.18.0.254/24\" is not an IPv4 address");
}

static void
test_required_keys(void)
{
	EXPECT_ONE("", "t.conf: missing required key \"ports\"");
	EXPECT_ONE("workers: { };\n", "t.conf: missing required key \"ports\"");
	EXPECT_ONE("ports = (\n  { device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"name\"");
	EXPECT_ONE("ports = (\n  { name = \"p\"; addresses = [ \"198.18.0.1/24\" ]; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"device\"");
	EXPECT_ONE("ports = (\n  { name = \"p\"; device = \"d\"; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"addresses\"");
	EXPECT_ONE(SVCS("  { vip = \"198.18.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0]: missing required key \"name\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; port = 80; }\n"),
		   "t.conf:6: services[0]: missing required key \"vip\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; }\n"),
		   "t.conf:6: services[0]: missing required key \"port\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { port = 80; } ); }\n"),
		   "t.conf:7: services[0].backends[0]: missing required key \"address\"");
}

static void
test_names(void)
{
	EXPECT_ONE("ports = ( { name = \"cli ent\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"cli ent\": only letters, digits, '_' and '-' are allowed");
	EXPECT_ONE("ports = ( { name = \"\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"\" must be 1..31 characters");
	EXPECT_ONE("ports = ( { name = \"abcdefghijklmnopqrstuvwxyz012345\"; device = \"d\";\n"
		   "  addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"abcdefghijklmnopqrstuvwxyz012345\" must be 1..31 characters");
	EXPECT_OK("ports = ( { name = \"abcdefghijklmnopqrstuvwxyz01234\"; device = \"d\";\n"
		  "  addresses = [ \"198.18.0.1/24\" ]; } );\n");
	EXPECT_ONE(SVCS("  { name = \"web/1\"; vip = \"198.18.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].name: \"web/1\": only letters, digits, '_' and '-' are allowed");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"net_null0, iface=x\";\n"
		   "  addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].device: \"net_null0, iface=x\" contains a space or control character");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].device: must be 1..255 characters");
}

static void
test_port_count(void)
{
	char text[4096];
	size_t used;
	int i;

	EXPECT_ONE("ports = ( );\n", "t.conf:1: ports: 0 ports, expected 1..8");
	used = (size_t)snprintf(text, sizeof(text), "ports = (\n");
	for (i = 0; i < 9; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
			"  { name = \"p%d\"; device = \"net_null%d\"; addresses = [ \"198.18.%d.1/24\" ];%s }%s\n",
			i, i, i, i == 8 ? " mtu = 1;" : "", i < 8 ? "," : "");
	snprintf(text + used, sizeof(text) - used, ");\n");
	/* The ninth port is reported, and still checked. */
	CU_ASSERT_EQUAL(load(text), 2);
	CU_ASSERT(has_msg("t.conf:1: ports: 9 ports, expected 1..8"));
	CU_ASSERT(has_msg("t.conf:10: ports[8].mtu: 1 out of range 68..9000 (or 0: port default)"));
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ ]; } );\n",
		   "t.conf:1: ports[0].addresses: 0 addresses, expected 1..16");
	used = (size_t)snprintf(text, sizeof(text),
				"ports = ( { name = \"p\"; device = \"d\"; addresses = [\n");
	for (i = 0; i < 17; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "  \"198.18.%d.1/24\"%s\n", i, i < 16 ? "," : "");
	snprintf(text + used, sizeof(text) - used, "]; } );\n");
	EXPECT_ONE(text, "t.conf:1: ports[0].addresses: 17 addresses, expected 1..16");
}

static void
test_port_duplicates(void)
{
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"a\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:3: ports[1].name: duplicate port name \"a\" (first at line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"0000:3b:00.0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\"; device = \"0000:3b:00.0\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:3: ports[1].device: device \"0000:3b:00.0\" is already port \"a\" (line 2)");
	/* One vdev name is one device, whatever its arguments. */
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_af_packet0,iface=x\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\";\n    device = \"net_af_packet0,iface=y\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:4: ports[1].device: device \"net_af_packet0\" is already port \"a\" (line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\"; device = \"net_null1\";\n"
		   "    addresses = [ \"198.18.1.1/24\", \"198.18.0.1/16\" ]; }\n);\n",
		   "t.conf:4: ports[1].addresses[1]: address 198.18.0.1 is already on port \"a\" (line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\";\n"
		   "    addresses = [ \"198.18.0.1/24\", \"198.18.0.1/25\" ]; }\n);\n",
		   "t.conf:3: ports[0].addresses[1]: address 198.18.0.1 listed twice");
}

static void
test_gateway(void)
{
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.1.254\"; }\n);\n",
		   "t.conf:3: ports[0].gateway: 198.18.1.254 is not inside any subnet of port \"a\"");
	EXPECT_OK("ports = (\n"
		  "  { name = \"a\"; device = \"net_null0\";\n"
		  "    addresses = [ \"198.18.0.1/24\", \"198.19.0.1/24\" ]; gateway = \"198.19.0.254\"; }\n);\n");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.254\"; },\n"
		   "  { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ];\n"
		   "    gateway = \"198.18.1.254\"; }\n);\n",
		   "t.conf:5: ports[1].gateway: only one port may have a gateway (port \"a\" has one, line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.1\"; }\n);\n",
		   "t.conf:3: ports[0].gateway: 198.18.0.1 is an address of this appliance");
}

static void
test_service_duplicates(void)
{
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"web2\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\"; }\n"),
		   "t.conf:7: services[1]: duplicate service 198.18.0.10:80/tcp (\"web\", line 6)");
	/* Same address and port, other protocol: a different service. */
	EXPECT_OK(SVCS(WEB_AND "  { name = \"web2\"; vip = \"198.18.0.10\"; port = 80; protocol = \"udp\"; }\n"));
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"web\"; vip = \"198.18.0.10\"; port = 81; }\n"),
		   "t.conf:7: services[1].name: duplicate service name \"web\" (first at line 6)");
}

static void
test_vip_conflicts(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.1\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: 198.18.0.1 is an address of port \"client\"");
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"x\";\n    vip = \"198.18.1.11\"; port = 80; }\n"),
		   "t.conf:8: services[1].vip: 198.18.1.11 is a backend of service \"web\" (line 6)");
	/* A backend of a later service counts as well. */
	EXPECT_ONE(SVCS("  { name = \"x\"; vip = \"198.18.1.12\"; port = 80; },\n"
			"  { name = \"y\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.12\"; } ); }\n"),
		   "t.conf:6: services[0].vip: 198.18.1.12 is a backend of service \"y\" (line 8)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.254\"; }\n);\n"
		   "services = ( { name = \"web\"; vip = \"198.18.0.254\"; port = 80; } );\n",
		   "t.conf:5: services[0].vip: 198.18.0.254 is the gateway of port \"a\"");
}

static void
test_backend_rules(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
			"    { address = \"198.18.1.11\"; },\n"
			"    { address = \"198.18.1.12\"; },\n"
			"    { address = \"198.18.1.11\"; port = 80; } ); }\n"),
		   "t.conf:9: services[0].backends[2]: duplicate backend 198.18.1.11:80 (first at line 7)");
	/* Same address, other port: two backends (two server processes). */
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
		       "    { address = \"198.18.1.11\"; }, { address = \"198.18.1.11\"; port = 81; } ); }\n"));
	/* One backend may serve several services. */
	EXPECT_OK(SVCS(WEB_AND "  { name = \"b\"; vip = \"198.18.0.11\"; port = 80;\n"
		       "    backends = ( { address = \"198.18.1.11\"; } ); }\n"));
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.1\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: 198.18.1.1 is an address of port \"backend\", not a backend");
}

static void
test_dr_rules(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.1.11\";\n"
			"                   port = 8080; } ); }\n"),
		   "t.conf:8: services[0].backends[0].port: forward = \"dr\" cannot change the port: "
		   "8080 must equal the service port 80");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.5.11\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: forward = \"dr\" needs backends on a "
		   "connected subnet: 198.18.5.11 is not inside any port subnet");
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
		       "    backends = ( { address = \"198.18.1.11\"; port = 80; },\n"
		       "                 { address = \"198.18.0.12\"; } ); }\n"));
	/* NAT may reach backends through the gateway and change the port. */
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
		       "    backends = ( { address = \"198.18.5.11\"; port = 8080; } ); }\n"));
}

static void
test_fullnat_rules(void)
{
#define FN(laddrs) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n" \
			"    local_addresses = [ " laddrs " ];\n" \
			"    backends = ( { address = \"198.18.1.11\"; } ); },\n" \
			"  { name = \"b\"; vip = \"198.18.1.10\"; port = 80; }\n")
	EXPECT_OK(FN("\"198.18.1.2\", \"198.18.0.2\""));
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\"; }\n"),
		   "t.conf:6: services[0]: forward = \"fullnat\" needs \"local_addresses\"");
	EXPECT_ONE(FN(""), "t.conf:7: services[0].local_addresses: 0 local addresses, expected 1..64");
	EXPECT_ONE(FN("\"198.18.5.2\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.5.2 is not inside any port subnet");
	EXPECT_ONE(FN("\"198.18.1.1\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.1 is an address of port \"backend\"");
	EXPECT_ONE(FN("\"198.18.1.10\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.10 is the VIP of service \"b\" (line 9)");
	EXPECT_ONE(FN("\"198.18.1.11\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.11 is a backend of service \"web\" (line 8)");
	EXPECT_ONE(FN("\"198.18.1.2\", \"198.18.1.3\", \"198.18.1.2\""),
		   "t.conf:7: services[0].local_addresses[2]: 198.18.1.2 listed twice");
	EXPECT_ONE(FN("\"198.18.1.2/32\""),
		   "t.conf:7: services[0].local_addresses[0]: \"198.18.1.2/32\" is not an IPv4 address");
#undef FN
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    local_addresses = [ \"198.18.1.2\" ]; }\n"),
		   "t.conf:7: services[0].local_addresses: only valid with forward = \"fullnat\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    local_addresses = [ \"198.18.1.2\" ]; }\n"),
		   "t.conf:7: services[0].local_addresses: only valid with forward = \"fullnat\"");
}

static void
test_fullnat_laddr_count(void)
{
	char text[8192];
	size_t used;
	int i;

	used = (size_t)snprintf(text, sizeof(text), "%s",
		SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n"
		     "    local_addresses = [\n"));
	/* SVCS closed the list; reopen by trimming its tail ");\n". */
	used -= 3;
	for (i = 0; i < 65; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "\"198.18.1.%d\"%s", 100 + i, i < 64 ? ", " : "");
	snprintf(text + used, sizeof(text) - used, " ]; }\n);\n");
	EXPECT_ONE(text, "t.conf:7: services[0].local_addresses: 65 local addresses, expected 1..64");
}

/* Text with `n_svc` services of `n_be` backends each; `opts` go on line 6. */
static char *
big_config(uint32_t n_svc, uint32_t n_be, const char *opts)
{
	char *buf = NULL;
	size_t len = 0;
	uint32_t i, j;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("ports = (\n"
	      "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
	      "  { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.19.0.1/16\" ]; }\n"
	      ");\n"
	      "services = (\n", f);
	for (i = 0; i < n_svc; i++) {
		fprintf(f, "  { name = \"s%u\"; vip = \"198.18.0.%u\"; port = %u; %s\n"
			"    backends = (\n",
			i, 10 + i % 200, 1 + i, opts);
		for (j = 0; j < n_be; j++)
			fprintf(f, "      { address = \"198.19.%u.%u\"; }%s\n",
				j / 200, 2 + j % 200, j + 1 < n_be ? "," : "");
		fprintf(f, "    ); }%s\n", i + 1 < n_svc ? "," : "");
	}
	fputs(");\n", f);
	fclose(f);
	return buf;
}

static void
test_limits(void)
{
	char *text;

	/* 1000 services are fine, 1001 are not. */
	text = big_config(1000, 0, "");
	EXPECT_OK(text);
	free(text);
	text = big_config(1001, 0, "");
	EXPECT_ONE(text, "t.conf:5: services: 1001 services, at most 1000");
	free(text);

	/* 10000 backends in all are fine; one more is reported once. */
	text = big_config(2, 5000, "");
	EXPECT_OK(text);
	CU_ASSERT_EQUAL(g_cfg ? g_cfg->n_backends_total : 0, 10000);
	free(text);
	text = big_config(3, 5000, "");
	EXPECT_ONE(text, "t.conf:10013: services[2].backends: 15000 backends in all services so far, "
		   "at most 10000");
	free(text);

	/* Maglev needs more table slots than backends. */
	text = big_config(1, 250, "scheduler = \"mh\"; mh_table_size = 251;");
	EXPECT_OK(text);
	free(text);
	text = big_config(1, 251, "scheduler = \"mh\"; mh_table_size = 251;");
	EXPECT_ONE(text, "t.conf:6: services[0].mh_table_size: mh table size 251 must exceed "
		   "the number of backends (251)");
	free(text);
	/* Other schedulers have no table. */
	text = big_config(1, 251, "scheduler = \"wrr\"; mh_table_size = 251;");
	EXPECT_OK(text);
	free(text);
}

static void
test_errors_do_not_cascade(void)
{
	/* A bad VIP is reported once, not again as a conflict or duplicate. */
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"x\"; vip = \"bad\"; port = 80; }\n"),
		   "t.conf:7: services[1].vip: \"bad\" is not an IPv4 address");
	/* Two bad backends are not "duplicates" of each other. */
	CU_ASSERT_EQUAL(load(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
				  "    { address = \"x\"; }, { address = \"x\"; } ); }\n")), 2);
	/* An ill-typed port leaves no default behind for the dr port rule. */
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.1.11\"; port = \"80\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].port: expected an integer, not a string");
}

static void
test_stats_prometheus(void)
{
	EXPECT_OK("stats: { prometheus = \"127.0.0.1:9273\"; };\n" PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_ip, htonl(0x7f000001));
	CU_ASSERT_EQUAL(g_cfg->prom_port, 9273);
	EXPECT_OK("stats: { prometheus = \"0.0.0.0:80\"; };\n" PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_ip, 0);
	CU_ASSERT_EQUAL(g_cfg->prom_port, 80);
	EXPECT_OK(PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_port, 0);
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:0\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:0\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:65536\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:65536\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:80x\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:80x\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"localhost:80\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"localhost\" is not an IPv4 address");
	EXPECT_ONE("stats: { prometheus = 9273; };\n" PORTS,
		   "t.conf:1: stats.prometheus: expected a string, not an integer");
	EXPECT_ONE("stats: { promethus = \"127.0.0.1:9273\"; };\n" PORTS,
		   "t.conf:1: unknown key \"stats.promethus\"");
}

/* ---- health checks -------------------------------------------------------- */

/* Service "web" on line 6 with health group H; its backend on line 7. */
#define HSVC(h) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; health: { " h " };\n" \
		     "    backends = ( { address = \"198.18.1.11\"; } ); }\n")
/* The same, and the backend on line 7 with health group B. */
#define HBE(h, b) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; health: { " h " };\n" \
		       "    backends = ( { address = \"198.18.1.11\"; health: { " b " }; } ); }\n")

static void
check_health(const struct cfg_health *h, enum cfg_hc_type type, uint32_t interval,
	     uint32_t timeout, uint8_t rise, uint8_t fall, uint16_t port,
	     const char *path, uint16_t status, const char *body)
{
	CU_ASSERT_EQUAL(h->type, type);
	CU_ASSERT_EQUAL(h->interval_ms, interval);
	CU_ASSERT_EQUAL(h->timeout_ms, timeout);
	CU_ASSERT_EQUAL(h->rise, rise);
	CU_ASSERT_EQUAL(h->fall, fall);
	CU_ASSERT_EQUAL(h->port, port);
	CU_ASSERT_STRING_EQUAL(h->path, path);
	CU_ASSERT_EQUAL(h->status, status);
	CU_ASSERT_STRING_EQUAL(h->body, body);
}

static void
test_health_defaults(void)
{
	const struct cfg_service *s;
	struct cfg_health h;

	EXPECT_OK(SVCS(WEB_AND "  { name = \"b\"; vip = \"198.18.0.11\"; port = 80; }\n"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
	s = &g_cfg->services[0];
	check_health(&s->health, CFG_HC_NONE, 2000, 1000, 2, 3, 0, "", 200, "");
	CU_ASSERT_EQUAL(s->health.set, 0);
	CU_ASSERT_EQUAL(s->down_policy, CFG_DOWN_KEEP);
	CU_ASSERT_EQUAL(s->backends[0].health.set, 0);
	cfg_health_resolve(s, &s->backends[0], &h);
	check_health(&h, CFG_HC_NONE, 2000, 1000, 2, 3, 0, "", 0, "");
	cfg_health_defaults(&h);
	check_health(&h, CFG_HC_NONE, CFG_HC_INTERVAL_MS, CFG_HC_TIMEOUT_MS, CFG_HC_RISE,
		     CFG_HC_FALL, 0, "", CFG_HC_STATUS, "");
	CU_ASSERT_STRING_EQUAL(cfg_hc_type_name(CFG_HC_HTTP), "http");
	CU_ASSERT_STRING_EQUAL(cfg_hc_type_name((enum cfg_hc_type)9), "?");
	CU_ASSERT_STRING_EQUAL(cfg_down_policy_name(CFG_DOWN_RESET), "reset");
	CU_ASSERT_STRING_EQUAL(cfg_down_policy_name((enum cfg_down_policy)9), "?");
}

/* Every key lands; a backend's check is the service's with its overrides. */
static void
test_health_values(void)
{
	const struct cfg_service *s;
	struct cfg_health h;

	CU_ASSERT_EQUAL(load_file(FIXTURE("health.conf")), 0);
	cfg_errors_print(&g_errs, stderr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_cfg);
	CU_ASSERT_EQUAL_FATAL(g_cfg->n_services, 3);
	s = &g_cfg->services[0];
	check_health(&s->health, CFG_HC_HTTP, 500, 200, 1, 5, 8080, "/health?full=1", 204,
		     "say \"ok\" \\ done");
	CU_ASSERT_EQUAL(s->health.set, 0x1ff);
	CU_ASSERT_EQUAL(s->down_policy, CFG_DOWN_RESET);
	CU_ASSERT_EQUAL_FATAL(s->n_backends, 4);
	cfg_health_resolve(s, &s->backends[0], &h);
	check_health(&h, CFG_HC_HTTP, 500, 200, 1, 5, 8080, "/health?full=1", 204,
		     "say \"ok\" \\ done");
	CU_ASSERT_EQUAL(s->backends[1].health.set, CFG_HC_SET_PATH | CFG_HC_SET_BODY);
	cfg_health_resolve(s, &s->backends[1], &h);
	check_health(&h, CFG_HC_HTTP, 500, 200, 1, 5, 8080, "/other", 204, "");
	/* Another type drops what it does not use. */
	cfg_health_resolve(s, &s->backends[2], &h);
	check_health(&h, CFG_HC_TCP, 500, 200, 1, 5, 81, "", 0, "");
	cfg_health_resolve(s, &s->backends[3], &h);
	check_health(&h, CFG_HC_NONE, 500, 200, 1, 5, 0, "", 0, "");
	CU_ASSERT_EQUAL(h.set, 0);

	s = &g_cfg->services[1];
	CU_ASSERT_EQUAL(s->down_policy, CFG_DOWN_KEEP);
	cfg_health_resolve(s, &s->backends[0], &h);
	check_health(&h, CFG_HC_TCP, 2000, 1000, 2, 3, 0, "", 0, "");
	cfg_health_resolve(s, &s->backends[1], &h);
	check_health(&h, CFG_HC_HTTP, 2000, 1000, 2, 3, 8443, "/", 299, "up");

	s = &g_cfg->services[2];
	cfg_health_resolve(s, &s->backends[0], &h);
	check_health(&h, CFG_HC_ICMP, 3600000, 60000, 2, 3, 0, "", 0, "");
	cfg_health_resolve(s, &s->backends[1], &h);
	check_health(&h, CFG_HC_TCP, 100, 10, 100, 100, 53, "", 0, "");
}

static void
test_health_ranges(void)
{
	static const struct {
		const char *key;
		const char *type;
		long long lo, hi;
	} r[] = {
		{ "interval_ms", "tcp", 100, 3600000 },
		{ "timeout_ms", "tcp", 10, 60000 },
		{ "rise", "tcp", 1, 100 },
		{ "fall", "tcp", 1, 100 },
		{ "port", "tcp", 1, 65535 },
		{ "status", "http", 100, 599 },
	};
	char text[1024], msg[256];
	size_t i;
	int k;

	for (i = 0; i < UNIT_DIM(r); i++) {
		for (k = 0; k < 2; k++) {
			long long v = k ? r[i].hi + 1 : r[i].lo - 1;

			/* timeout_ms past 60000 would also pass the default interval */
			snprintf(text, sizeof(text), HSVC("type = \"%s\"; interval_ms = 3600000; %s = %lld;"),
				 r[i].type, r[i].key, v);
			if (strcmp(r[i].key, "interval_ms") == 0)
				snprintf(text, sizeof(text), HSVC("type = \"%s\"; %s = %lld;"),
					 r[i].type, r[i].key, v);
			snprintf(msg, sizeof(msg),
				 "t.conf:6: services[0].health.%s: %lld out of range %lld..%lld",
				 r[i].key, v, r[i].lo, r[i].hi);
			EXPECT_ONE(text, msg);
			/* and the bounds themselves are fine */
			snprintf(text, sizeof(text), HSVC("type = \"%s\"; interval_ms = 3600000; %s = %lld;"),
				 r[i].type, r[i].key, k ? r[i].hi : r[i].lo);
			if (strcmp(r[i].key, "interval_ms") == 0)
				snprintf(text, sizeof(text),
					 HSVC("type = \"%s\"; timeout_ms = 10; %s = %lld;"),
					 r[i].type, r[i].key, k ? r[i].hi : r[i].lo);
			EXPECT_OK(text);
		}
	}
}

static void
test_health_rules(void)
{
	char text[1024], path[160];

	/* keys, types, names */
	EXPECT_ONE(HSVC("type = \"tcp\"; intervall_ms = 100;"),
		   "t.conf:6: unknown key \"services[0].health.intervall_ms\"");
	EXPECT_ONE(HSVC("type = \"udp\";"),
		   "t.conf:6: services[0].health.type: unknown health check type \"udp\" "
		   "(one of: none, tcp, http, icmp)");
	EXPECT_ONE(HSVC("type = 1;"),
		   "t.conf:6: services[0].health.type: expected a string, not an integer");
	EXPECT_ONE(HSVC("type = \"tcp\"; interval_ms = \"2000\";"),
		   "t.conf:6: services[0].health.interval_ms: expected an integer, not a string");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; health = 5; }\n"),
		   "t.conf:6: services[0].health: expected a group { }, not an integer");
	EXPECT_OK(HSVC("type = \"none\";"));
	EXPECT_OK(HSVC("type = \"icmp\"; rise = 1; fall = 1;"));

	/* timeout below interval: at timeout_ms, or at interval_ms when alone */
	EXPECT_ONE(HSVC("type = \"tcp\"; interval_ms = 1000; timeout_ms = 1000;"),
		   "t.conf:6: services[0].health.timeout_ms: timeout_ms 1000 must be below "
		   "interval_ms 1000");
	EXPECT_ONE(HSVC("type = \"tcp\"; interval_ms = 500;"),
		   "t.conf:6: services[0].health.interval_ms: timeout_ms 1000 must be below "
		   "interval_ms 500");
	EXPECT_ONE(HSVC("type = \"tcp\"; timeout_ms = 3000;"),
		   "t.conf:6: services[0].health.timeout_ms: timeout_ms 3000 must be below "
		   "interval_ms 2000");
	EXPECT_OK(HSVC("type = \"tcp\"; interval_ms = 1001; timeout_ms = 1000;"));

	/* keys of one type only */
	EXPECT_ONE(HSVC("type = \"tcp\"; path = \"/\";"),
		   "t.conf:6: services[0].health.path: only valid with type \"http\", not \"tcp\"");
	EXPECT_ONE(HSVC("body = \"ok\";"),
		   "t.conf:6: services[0].health.body: only valid with type \"http\", not \"none\"");
	EXPECT_ONE(HSVC("type = \"icmp\"; status = 200;"),
		   "t.conf:6: services[0].health.status: only valid with type \"http\", not \"icmp\"");
	EXPECT_ONE(HSVC("type = \"icmp\"; port = 80;"),
		   "t.conf:6: services[0].health.port: only valid with type \"tcp\" or \"http\", "
		   "not \"icmp\"");
	EXPECT_OK(HSVC("type = \"http\"; port = 80; path = \"/\"; status = 204; body = \"\";"));

	/* path and body */
	EXPECT_ONE(HSVC("type = \"http\"; path = \"health\";"),
		   "t.conf:6: services[0].health.path: \"health\" does not start with '/'");
	EXPECT_ONE(HSVC("type = \"http\"; path = \"/a b\";"),
		   "t.conf:6: services[0].health.path: \"/a b\": spaces, control and non-ASCII "
		   "characters must be %-encoded");
	EXPECT_ONE(HSVC("type = \"http\"; path = \"/a\\r\\nX: y\";"),
		   "t.conf:6: services[0].health.path: \"/a\r\nX: y\": spaces, control and "
		   "non-ASCII characters must be %-encoded");
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[127] = '\0';
	snprintf(text, sizeof(text), HSVC("type = \"http\"; path = \"%s\"; body = \"%s\";"),
		 path, path);
	EXPECT_OK(text);
	path[127] = 'a';
	path[128] = '\0';
	snprintf(text, sizeof(text), HSVC("type = \"http\"; path = \"%s\";"), path);
	EXPECT_ONE(text, "t.conf:6: services[0].health.path: longer than 127 characters");
	snprintf(text, sizeof(text), HSVC("type = \"http\"; body = \"%s\";"), path);
	EXPECT_ONE(text, "t.conf:6: services[0].health.body: longer than 127 characters");

	/* one mistake, one message */
	EXPECT_ONE(HSVC("type = \"htp\"; path = \"/\";"),
		   "t.conf:6: services[0].health.type: unknown health check type \"htp\" "
		   "(one of: none, tcp, http, icmp)");
	EXPECT_ONE(HSVC("type = \"tcp\"; interval_ms = 50; timeout_ms = 3000;"),
		   "t.conf:6: services[0].health.interval_ms: 50 out of range 100..3600000");

	/* down_policy */
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; down_policy = \"reset\"; }\n"));
	CU_ASSERT_EQUAL(g_cfg->services[0].down_policy, CFG_DOWN_RESET);
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; down_policy = \"drop\"; }\n"),
		   "t.conf:6: services[0].down_policy: unknown down_policy \"drop\" (one of: keep, reset)");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; down_policy = 1; }\n"),
		   "t.conf:6: services[0].down_policy: expected a string, not an integer");
}

/* A backend's group: same keys, checked against the check it ends up with. */
static void
test_health_backend_rules(void)
{
	EXPECT_ONE(HBE("type = \"tcp\";", "x = 1;"),
		   "t.conf:7: unknown key \"services[0].backends[0].health.x\"");
	EXPECT_ONE(HBE("type = \"tcp\";", "rise = 0;"),
		   "t.conf:7: services[0].backends[0].health.rise: 0 out of range 1..100");
	/* the service's type applies... */
	EXPECT_ONE(HBE("type = \"tcp\";", "path = \"/\";"),
		   "t.conf:7: services[0].backends[0].health.path: only valid with type \"http\", "
		   "not \"tcp\"");
	/* ...unless the backend has its own */
	EXPECT_OK(HBE("type = \"tcp\";", "type = \"http\"; path = \"/\"; status = 302;"));
	/* a service's http keys do not bind a backend of another type */
	EXPECT_OK(HBE("type = \"http\"; path = \"/h\"; body = \"x\";", "type = \"icmp\";"));
	EXPECT_ONE(HBE("type = \"http\";", "type = \"icmp\"; port = 1;"),
		   "t.conf:7: services[0].backends[0].health.port: only valid with type \"tcp\" "
		   "or \"http\", not \"icmp\"");
	/* timing pairs mix the backend's and the service's values */
	EXPECT_ONE(HBE("type = \"tcp\";", "interval_ms = 500;"),
		   "t.conf:7: services[0].backends[0].health.interval_ms: timeout_ms 1000 must be "
		   "below interval_ms 500");
	EXPECT_ONE(HBE("type = \"tcp\"; interval_ms = 5000; timeout_ms = 4000;", "timeout_ms = 5000;"),
		   "t.conf:7: services[0].backends[0].health.timeout_ms: timeout_ms 5000 must be "
		   "below interval_ms 5000");
	EXPECT_OK(HBE("type = \"tcp\"; interval_ms = 5000; timeout_ms = 4000;", "interval_ms = 4001;"));
	/* a mistyped service type is reported once, not again per backend key */
	EXPECT_ONE(HBE("type = \"htp\";", "path = \"/\";"),
		   "t.conf:6: services[0].health.type: unknown health check type \"htp\" "
		   "(one of: none, tcp, http, icmp)");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.11\"; health = \"tcp\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].health: expected a group { }, not a string");
}

/* cfg_dump output loads back into the same struct: the API's changes go
 * through the file validators this way (test_config_dump: every config). */
static void
test_dump_round_trip(void)
{
	static const char *const files[] = {
		SL_SOURCE_ROOT "/conf/default.conf",
		SL_SOURCE_ROOT "/conf/examples/nat.conf",
		SL_SOURCE_ROOT "/conf/examples/fullnat.conf",
		SL_SOURCE_ROOT "/conf/examples/dr.conf",
		FIXTURE("health.conf"),
	};
	struct cfg_errors errs;
	uint32_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cfg *back = NULL;
		char *text;

		CU_ASSERT_EQUAL_FATAL(load_file(files[i]), 0);
		text = cfg_dump_string(g_cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		cfg_errors_init(&errs);
		cfg_load_string(text, "dump", &back, &errs);
		cfg_errors_print(&errs, stderr);
		cfg_errors_free(&errs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(back);
		CU_ASSERT(cfg_equal(g_cfg, back));
		/* and the comparison sees a one-field difference */
		back->services[back->n_services - 1].backends[0].weight ^= 1;
		CU_ASSERT(!cfg_equal(g_cfg, back));
		cfg_free(back);
		free(text);
	}
}

static void
test_api_settings(void)
{
	EXPECT_OK(PORTS);
	CU_ASSERT_STRING_EQUAL(g_cfg->api_socket, "/run/sluice/sluice.sock");
	CU_ASSERT_EQUAL(g_cfg->api_mode, 0600);
	EXPECT_OK("api: { socket = \"/tmp/x.sock\"; mode = \"0660\"; };\n" PORTS);
	CU_ASSERT_STRING_EQUAL(g_cfg->api_socket, "/tmp/x.sock");
	CU_ASSERT_EQUAL(g_cfg->api_mode, 0660);
	EXPECT_OK("api: { socket = \"\"; };\n" PORTS);
	CU_ASSERT_STRING_EQUAL(g_cfg->api_socket, "");
	EXPECT_ONE("api: { socket = \"run/x.sock\"; };\n" PORTS,
		   "t.conf:1: api.socket: \"run/x.sock\" is not an absolute path");
	EXPECT_ONE("api: { mode = \"600\"; };\n" PORTS,
		   "t.conf:1: api.mode: \"600\" is not an octal mode such as \"0600\"");
	EXPECT_ONE("api: { mode = \"0800\"; };\n" PORTS,
		   "t.conf:1: api.mode: \"0800\" is not an octal mode such as \"0600\"");
	EXPECT_ONE("api: { mode = \"01777\"; };\n" PORTS,
		   "t.conf:1: api.mode: \"01777\" is not an octal mode such as \"0600\"");
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "default config parses", test_default_conf },
		{ "examples parse", test_examples },
		{ "cfg_set_defaults", test_set_defaults },
		{ "defaults for omitted keys", test_defaults_applied },
		{ "every value lands in struct cfg", test_all_values },
		{ "cfg_parse_ipv4", test_parse_ipv4 },
		{ "validators shared with the API", test_field_validators },
		{ "cfg_mode_name", test_mode_names },
		{ "return values, appending, printing", test_return_values },
		{ "syntax error with its line", test_syntax_error },
		{ "unreadable file", test_unreadable_file },
		{ "several errors, all reported in line order", test_several_errors },
		{ "@include names the included file", test_include },
		{ "@include: integers past 32 bits", test_include_wide_integer },
		{ "@include: only regular files, within the size budget", test_include_not_a_file },
		{ "@include: nesting bounded", test_include_depth },
		{ "@include: lines, files, what is no directive", test_include_lines },
		{ "unknown keys", test_unknown_keys },
		{ "wrong types", test_wrong_types },
		{ "ranges: workers, conntrack, fullnat, scheduler", test_ranges_globals },
		{ "integers libconfig would wrap", test_wrapped_integers },
		{ "ranges: ports", test_ranges_ports },
		{ "ranges and names: services", test_ranges_services },
		{ "bad IPv4 and CIDR strings", test_bad_addresses },
		{ "required keys", test_required_keys },
		{ "names and devices", test_names },
		{ "port count and address count", test_port_count },
		{ "port duplicates", test_port_duplicates },
		{ "gateway rules", test_gateway },
		{ "service duplicates", test_service_duplicates },
		{ "VIP conflicts", test_vip_conflicts },
		{ "backend rules", test_backend_rules },
		{ "dr rules", test_dr_rules },
		{ "fullnat rules", test_fullnat_rules },
		{ "fullnat local address count", test_fullnat_laddr_count },
		{ "service and backend limits, mh size", test_limits },
		{ "one mistake, one message", test_errors_do_not_cascade },
		{ "stats.prometheus", test_stats_prometheus },
		{ "api settings", test_api_settings },
		{ "health: defaults", test_health_defaults },
		{ "health: values and backend overrides", test_health_values },
		{ "health: ranges", test_health_ranges },
		{ "health: rules", test_health_rules },
		{ "health: backend rules", test_health_backend_rules },
		{ "dump loads back equal", test_dump_round_trip },
	};

	return unit_add_suite("config", setup, teardown, tests, UNIT_DIM(tests));
}
