/* Runs the suites one test_<module>.c registers; exit status = failures. */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

int
unit_add_suite_once(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
		    CU_SetUpFunc setup, CU_TearDownFunc teardown,
		    const struct unit_test *tests, unsigned int n)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(name, init, cleanup, setup,
							   teardown);
	unsigned int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}

int
unit_add_suite(const char *name, CU_SetUpFunc setup, CU_TearDownFunc teardown,
	       const struct unit_test *tests, unsigned int n)
{
	return unit_add_suite_once(name, NULL, NULL, setup, teardown, tests, n);
}

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return EXIT_FAILURE;
	if (unit_register() != 0) {
		fprintf(stderr, "suite registration failed: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return EXIT_FAILURE;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* A suite whose init failed ran none of its tests: a failure too. */
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "no test ran\n");
		failed = 1;
	}
	CU_cleanup_registry();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
