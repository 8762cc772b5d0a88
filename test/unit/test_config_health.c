/*
 * Config loader tests: health groups of services and backends, the dump
 * round trip and the API settings. Fixtures in test_config.c.
 */
#include "test_config.h"
#include "unit.h"

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

void
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
void
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

void
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

void
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
void
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
void
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

void
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
