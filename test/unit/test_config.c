/*
 * Config loader tests: the shipped files parse, defaults and values land in
 * struct cfg, and each validation rule reports its exact "file:line: message".
 * Inline texts use the name "t.conf" and one setting per line where the line
 * matters, so the expected line can be read off the text.
 *
 * This file: the fixtures and the registration; the tests are in
 * test_config_load.c, test_config_include.c, test_config_rules.c and
 * test_config_health.c.
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
#include "test_config.h"
#include "unit.h"

struct cfg *g_cfg;
struct cfg_errors g_errs;

void
setup(void)
{
	g_cfg = NULL;
	cfg_errors_init(&g_errs);
}

void
teardown(void)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
}

int
load(const char *text)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
	return cfg_load_string(text, "t.conf", &g_cfg, &g_errs);
}

int
load_file(const char *path)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
	return cfg_load_file(path, &g_cfg, &g_errs);
}

int
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

uint32_t
ip(const char *s)
{
	struct in_addr a;

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
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
		{ "sync and ha sections", test_sync_section },
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
