/*
 * cfg_dump tests: for every config a load accepts, loading its dump gives a
 * struct cfg_equal() to it (the runtime API edits configs this way), shown
 * on generated configs full of awkward strings and on every config file in
 * the tree; cfg_equal() sees every field; the dump refuses what its text
 * cannot carry.
 *
 * This file: the fixtures and the registration; the tests are in
 * test_config_dump_gen.c and test_config_dump_tree.c.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "dataplane/hash.h"
#include "test_config_dump.h"
#include "unit.h"

int
round_trip(const struct cfg *c, const char *what)
{
	struct cfg_errors errs;
	struct cfg *back = NULL;
	char *d1, *d2 = NULL;
	int bad = 1;

	d1 = cfg_dump_string(c);
	if (d1 == NULL) {
		fprintf(stderr, "\n%s: cfg_dump_string: %s\n", what, strerror(errno));
		return 1;
	}
	cfg_errors_init(&errs);
	cfg_load_string(d1, "<dump>", &back, &errs);
	if (back == NULL) {
		fprintf(stderr, "\n%s: the dump does not load:\n", what);
		cfg_errors_print(&errs, stderr);
		fprintf(stderr, "---- dump\n%s----\n", d1);
	} else if (!cfg_equal(c, back)) {
		fprintf(stderr, "\n%s: the dump loads as another config:\n%s", what, d1);
	} else if ((d2 = cfg_dump_string(back)) == NULL || strcmp(d1, d2) != 0) {
		fprintf(stderr, "\n%s: the dump of the dump differs\n", what);
	} else {
		bad = 0;
	}
	cfg_errors_free(&errs);
	cfg_free(back);
	free(d1);
	free(d2);
	return bad;
}

struct cfg *
load_ok(const char *text)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	cfg_load_string(text, "t.conf", &c, &errs);
	cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	return c;
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "every byte a string can hold survives", test_every_byte },
		{ "generated configs load back equal", test_generated },
		{ "every config file in the tree loads back equal", test_tree_files },
		{ "cfg_equal sees every field", test_equal_sees_every_field },
		{ "the dump refuses what it cannot write back", test_refused },
	};

	return unit_add_suite("config_dump", NULL, NULL, tests, UNIT_DIM(tests));
}
