/*
 * The runtime API's command table (control/api_cmds.h) and what reads it
 * without a server: every descriptor complete and its name unique, the
 * lane mgmt_api_lane gives each command, and sluicectl --help (the real
 * binary, SL_SLUICECTL) listing every command exactly once. That the
 * server answers every name is test_api.c's (it needs EAL).
 * Threading: the test's one thread; sluicectl runs as a child process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api_cmds.h"
#include "control/mgmt_req.h"
#include "unit.h"

#define HELP_MAX 16384

/* Every descriptor filled in, its usage starting with its name. */
static void
test_table_complete(void)
{
	int i, j;

	for (i = 0; i < API_CMD_COUNT; i++) {
		const struct api_cmd *c = &api_cmds[i];
		size_t n;

		CU_ASSERT_PTR_NOT_NULL_FATAL(c->name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->opts);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->usage);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->help);
		n = strlen(c->name);
		CU_ASSERT(n > 0);
		CU_ASSERT(strncmp(c->usage, c->name, n) == 0 &&
			  (c->usage[n] == '\0' || c->usage[n] == ' '));
		CU_ASSERT(c->help[0] != '\0');
		CU_ASSERT(c->lane < MGMT_LANES);
		CU_ASSERT_PTR_EQUAL(api_cmd_find(c->name), c);
		CU_ASSERT_EQUAL(api_cmd_id(c), i);
		for (j = 0; j < i; j++)
			CU_ASSERT(strcmp(api_cmds[j].name, c->name) != 0);
	}
	CU_ASSERT_PTR_NULL(api_cmd_find("frobnicate"));
	CU_ASSERT_PTR_NULL(api_cmd_find(""));
}

/* Each command's request takes its command's lane, --json first or not. */
static void
test_lanes_from_table(void)
{
	char req[64];
	int i;

	for (i = 0; i < API_CMD_COUNT; i++) {
		int n = snprintf(req, sizeof(req), "%s\n\n", api_cmds[i].name);

		CU_ASSERT_EQUAL(mgmt_api_lane(req, (size_t)n), api_cmds[i].lane);
		n = snprintf(req, sizeof(req), "--json\n%s\n-x\n\n", api_cmds[i].name);
		CU_ASSERT_EQUAL(mgmt_api_lane(req, (size_t)n), api_cmds[i].lane);
	}
	/* Only the commands that only read the snapshot and counters are quick. */
	CU_ASSERT_EQUAL(api_cmds[API_CMD_LIST].lane, MGMT_LANE_QUICK);
	CU_ASSERT_EQUAL(api_cmds[API_CMD_STATS].lane, MGMT_LANE_QUICK);
	CU_ASSERT_EQUAL(api_cmds[API_CMD_CONFIG].lane, MGMT_LANE_QUICK);
	CU_ASSERT_EQUAL(api_cmds[API_CMD_SYNC].lane, MGMT_LANE_QUICK);
	for (i = 0; i < API_CMD_COUNT; i++)
		if (i != API_CMD_LIST && i != API_CMD_STATS && i != API_CMD_CONFIG &&
		    i != API_CMD_SYNC)
			CU_ASSERT_EQUAL(api_cmds[i].lane, MGMT_LANE_SLOW);
}

/*
 * The help's command lines: those between the first line and the one that
 * starts "SOCKET", two spaces in (deeper ones continue a command's help).
 * How many of them name `name` (name NULL: every command line).
 */
static int
help_listings(const char *help, const char *name)
{
	const char *p = strchr(help, '\n');
	int count = 0;

	while (p != NULL && *++p != '\0' && strncmp(p, "SOCKET", 6) != 0) {
		const char *word = p + 2;
		size_t n = strcspn(word, " \n");

		if (p[0] == ' ' && p[1] == ' ' && word[0] != ' ' &&
		    (name == NULL || (n == strlen(name) && strncmp(word, name, n) == 0)))
			count++;
		p = strchr(p, '\n');
	}
	return count;
}

/* sluicectl --help's text, exit status 0, into buf. */
static void
read_help(char *buf, size_t len)
{
	FILE *f = popen(SL_SLUICECTL " --help", "r");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	CU_ASSERT_EQUAL(pclose(f), 0);
	CU_ASSERT(n > 0 && n < len - 1);
}

static void
test_help_lists_every_command_once(void)
{
	static char help[HELP_MAX];
	int i;

	read_help(help, sizeof(help));
	CU_ASSERT_EQUAL(help_listings(help, NULL), API_CMD_COUNT);
	for (i = 0; i < API_CMD_COUNT; i++) {
		int n = help_listings(help, api_cmds[i].name);

		CU_ASSERT_EQUAL(n, 1);
		if (n != 1)
			fprintf(stderr, "sluicectl --help lists '%s' %d times\n",
				api_cmds[i].name, n);
	}
}

/*
 * The check above can fail: the same help with one command's line taken
 * out (here "  weight ...") lists that command no more.
 */
static void
test_help_check_sees_a_missing_command(void)
{
	static char help[HELP_MAX];
	const char *name = api_cmds[API_CMD_WEIGHT].name;
	char key[32], *at, *end;

	read_help(help, sizeof(help));
	snprintf(key, sizeof(key), "\n  %s ", name);
	at = strstr(help, key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	end = strchr(at + 1, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	memmove(at, end, strlen(end) + 1);
	CU_ASSERT_EQUAL(help_listings(help, name), 0);
	CU_ASSERT_EQUAL(help_listings(help, NULL), API_CMD_COUNT - 1);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "every command is declared whole, under a name of its own",
		  test_table_complete },
		{ "a request takes its command's lane, list, stats, config and sync the quick one",
		  test_lanes_from_table },
		{ "sluicectl --help lists every command of the table exactly once",
		  test_help_lists_every_command_once },
		{ "the help check fails when a command's line is missing",
		  test_help_check_sees_a_missing_command },
	};

	return unit_add_suite("api_cmds", NULL, NULL, tests, UNIT_DIM(tests));
}
