/*
 * Shared runner for the CUnit suites: each test_<module>.c defines
 * unit_register(), which adds its suite(s) to the registry.
 */
#ifndef SLUICE_TEST_UNIT_H
#define SLUICE_TEST_UNIT_H

#include <CUnit/Basic.h>

/* Add this module's suites. Returns 0, or -1 if CUnit refused one. */
int unit_register(void);

#endif
