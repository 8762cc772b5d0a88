/*
 * Config loader tests: the shipped files, defaults, every value, the shared
 * validators, return values and error reporting. Fixtures in test_config.c.
 */
#include "test_config.h"
#include "unit.h"

/* ---- shipped files -------------------------------------------------------- */

void
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

void
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

void
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

void
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

void
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
		"    close_wait = 5; time_wait = 6; close = 7; udp = 2000000; };\n"
		"};\n"
		"fullnat: { port_min = 20000; port_max = 30000; };\n"
		"scheduler: { load_interval_ms = 10000; };\n"
		"ports = (\n"
		"  { name = \"up-link_0\"; device = \"0000:3b:00.0\";\n"
		"    addresses = [ \"198.18.0.1/24\", \"198.19.0.1/16\" ];\n"
		"    gateway = \"198.18.0.254\"; mtu = 9000; rx_desc = 64; tx_desc = 16384; },\n"
		"  { name = \"down\"; device = \"0000:3b:00.1\"; addresses = [ \"198.18.1.1/25\" ];\n"
		"    mtu = 68; vlan = 4094; }\n"
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
	CU_ASSERT_EQUAL(g_cfg->timeouts.ms[CT_UDP], 2000000000u);
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
	CU_ASSERT_EQUAL(p->vlan, 0);
	CU_ASSERT_EQUAL(p->rx_desc, 64);
	CU_ASSERT_EQUAL(p->tx_desc, 16384);
	CU_ASSERT_EQUAL(p->line, 11);
	p = &g_cfg->ports[1];
	CU_ASSERT_STRING_EQUAL(p->name, "down");
	CU_ASSERT_EQUAL(p->addrs[0].prefix, 25);
	CU_ASSERT_EQUAL(p->mtu, 68);
	CU_ASSERT_EQUAL(p->vlan, 4094);

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

void
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
void
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

void
test_mode_names(void)
{
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_NAT), "nat");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_FULLNAT), "fullnat");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name(SVC_MODE_DR), "dr");
	CU_ASSERT_STRING_EQUAL(cfg_mode_name((enum svc_mode)7), "?");
}

/* ---- errors: the machinery ------------------------------------------------ */

void
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

void
test_syntax_error(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("syntax_error.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("syntax_error.conf") ":3: syntax error"));
	EXPECT_ONE("a = 1;\nb = 2;\na = 3;\n", "t.conf:3: duplicate setting name");
	EXPECT_ONE(PORTS "services = ( { name = \"x\"; }\n", "t.conf:6: syntax error");
}

void
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

void
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

void
test_include(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("include_main.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_ports.conf")
			  ":4: ports[0].mtu: 20 out of range 68..9000 (or 0: port default)"));
}
