/*
 * Shared runner for the CUnit suites: each test_<module>.c defines
 * unit_register(), which adds its suite(s) to the registry.
 */
#ifndef SLUICE_TEST_UNIT_H
#define SLUICE_TEST_UNIT_H

#include <CUnit/Basic.h>

/* Add this module's suites. Returns 0, or -1 if CUnit refused one. */
int unit_register(void);

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

/*
 * Add suite `name` (with optional setup/teardown run around each test) and
 * its n tests. Returns 0, or -1 if CUnit refused the suite or a test.
 */
int unit_add_suite(const char *name, CU_SetUpFunc setup, CU_TearDownFunc teardown,
		   const struct unit_test *tests, unsigned int n);

/*
 * As unit_add_suite, plus init/cleanup run once around the whole suite, for
 * state a process can set up only once (EAL). A non-zero init skips the
 * suite's tests, which the runner counts as a failure.
 */
int unit_add_suite_once(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
			CU_SetUpFunc setup, CU_TearDownFunc teardown,
			const struct unit_test *tests, unsigned int n);

#define UNIT_DIM(a) (sizeof(a) / sizeof((a)[0]))

#endif
