/*
 * The config_dump suite's fixtures (test_config_dump.c) and the tests of
 * its parts, which test_config_dump.c registers in one suite:
 * test_config_dump_gen.c, test_config_dump_tree.c. Threading: single-threaded.
 */
#ifndef SLUICE_TEST_CONFIG_DUMP_H
#define SLUICE_TEST_CONFIG_DUMP_H

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "dataplane/hash.h"

#ifndef SL_SOURCE_ROOT
#error "SL_SOURCE_ROOT must name the source tree (test/unit/meson.build sets it)"
#endif

#define PORTS \
	"ports = ( { name = \"p\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; } );\n"

/* 0 if dump(c) loads back equal to c and dumps to the same text again. */
int round_trip(const struct cfg *c, const char *what);

struct cfg *load_ok(const char *text);

/* test_config_dump_gen.c */
void test_every_byte(void);
void test_generated(void);

/* test_config_dump_tree.c */
void test_tree_files(void);
void test_equal_sees_every_field(void);
void test_refused(void);

#endif
