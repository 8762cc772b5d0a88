/*
 * Neighbours, the worker's side: the miss filter lets one report per next
 * hop through per retry period, whatever the packet rate. (The table
 * builder lives with the EAL-linked code and is covered by the integration
 * tests.)
 */
#include <arpa/inet.h>
#include <string.h>

#include "dataplane/neigh.h"
#include "unit.h"

static void
test_miss_once_per_period(void)
{
	static struct neigh_miss_filter f;
	uint32_t ip = inet_addr("198.18.1.11"), now = 5000, reported = 0, i;

	memset(&f, 0, sizeof(f));
	/* A million misses within one period: one report. */
	for (i = 0; i < 1000000; i++)
		reported += (uint32_t)neigh_miss_report(&f, 1, ip, now + i / 1001);
	CU_ASSERT_EQUAL(reported, 1);
	CU_ASSERT_FALSE(neigh_miss_report(&f, 1, ip, now + NEIGH_RETRY_MS - 1));
	/* Still missing a period later: reported again, then quiet again. */
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, ip, now + NEIGH_RETRY_MS));
	CU_ASSERT_FALSE(neigh_miss_report(&f, 1, ip, now + NEIGH_RETRY_MS + 1));
}

static void
test_miss_per_next_hop(void)
{
	static struct neigh_miss_filter f;
	uint32_t a = inet_addr("198.18.1.11"), b = inet_addr("198.18.1.12");

	memset(&f, 0, sizeof(f));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, a, 100));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, b, 100));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 0, a, 100));
	CU_ASSERT_FALSE(neigh_miss_report(&f, 1, a, 101));
	CU_ASSERT_FALSE(neigh_miss_report(&f, 1, b, 101));
	CU_ASSERT_FALSE(neigh_miss_report(&f, 0, a, 101));
}

static void
test_miss_empty_and_wrap(void)
{
	static struct neigh_miss_filter f;
	uint32_t ip = inet_addr("198.18.1.11");

	memset(&f, 0, sizeof(f));
	/* An empty slot never counts as a recent report, even at time 0 of
	 * address 0 on port 0. */
	CU_ASSERT_TRUE(neigh_miss_report(&f, 0, 0, 0));
	/* The 32-bit millisecond clock wraps every 49.7 days. */
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, ip, UINT32_MAX - 10));
	CU_ASSERT_FALSE(neigh_miss_report(&f, 1, ip, 20));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, ip, NEIGH_RETRY_MS));
}

static void
test_miss_collision(void)
{
	static struct neigh_miss_filter f;
	uint32_t a = inet_addr("198.18.1.11"), b = 0, i;
	uint32_t slot = neigh_hash(a, 1) & (NEIGH_MISS_SLOTS - 1);

	/* Find another next hop in a's slot: both must still be reported. */
	for (i = 1; i < 1000000 && b == 0; i++)
		if ((neigh_hash(a + i, 1) & (NEIGH_MISS_SLOTS - 1)) == slot)
			b = a + i;
	CU_ASSERT_NOT_EQUAL_FATAL(b, 0);
	memset(&f, 0, sizeof(f));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, a, 100));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, b, 100));
	CU_ASSERT_TRUE(neigh_miss_report(&f, 1, a, 101));
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "miss reported once per retry period", test_miss_once_per_period },
		{ "miss filter keyed by port and address", test_miss_per_next_hop },
		{ "miss filter: empty slots, clock wrap", test_miss_empty_and_wrap },
		{ "miss filter: a shared slot loses no report", test_miss_collision },
	};

	return unit_add_suite("neigh", NULL, NULL, tests, UNIT_DIM(tests));
}
