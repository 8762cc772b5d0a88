/*
 * The config loader suite's fixtures (test_config.c) and the tests of its
 * parts, which test_config.c registers in one suite: test_config_load.c,
 * test_config_include.c, test_config_rules.c, test_config_health.c.
 * Threading: single-threaded.
 */
#ifndef SLUICE_TEST_CONFIG_H
#define SLUICE_TEST_CONFIG_H

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

extern struct cfg *g_cfg;
extern struct cfg_errors g_errs;

void setup(void);

/* Runs after every test, pass or fail: nothing a test loaded leaks. */
void teardown(void);

int load(const char *text);
int load_file(const char *path);
int has_msg(const char *msg);

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

uint32_t ip(const char *s);

/* test_config_load.c */
void test_default_conf(void);
void test_examples(void);
void test_set_defaults(void);
void test_defaults_applied(void);
void test_all_values(void);
void test_parse_ipv4(void);
void test_field_validators(void);
void test_mode_names(void);
void test_return_values(void);
void test_syntax_error(void);
void test_unreadable_file(void);
void test_several_errors(void);
void test_include(void);

/* test_config_include.c */
void test_include_wide_integer(void);
void test_include_not_a_file(void);
void test_include_depth(void);
void test_include_lines(void);

/* test_config_rules.c */
void test_unknown_keys(void);
void test_wrong_types(void);
void test_ranges_globals(void);
void test_wrapped_integers(void);
void test_ranges_ports(void);
void test_ranges_services(void);
void test_bad_addresses(void);
void test_required_keys(void);
void test_names(void);
void test_port_count(void);
void test_port_duplicates(void);
void test_gateway(void);
void test_service_duplicates(void);
void test_vip_conflicts(void);
void test_backend_rules(void);
void test_dr_rules(void);
void test_fullnat_rules(void);
void test_fullnat_laddr_count(void);
void test_limits(void);
void test_errors_do_not_cascade(void);
void test_stats_prometheus(void);
void test_sync_section(void);

/* test_config_health.c */
void test_health_defaults(void);
void test_health_values(void);
void test_health_ranges(void);
void test_health_rules(void);
void test_health_backend_rules(void);
void test_dump_round_trip(void);
void test_api_settings(void);

#endif
