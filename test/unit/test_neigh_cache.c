/*
 * The control lcore's next-hop cache: lookups, and which entry a full cache
 * forgets for a new one (never a wanted one; among the rest, the one with
 * the oldest news).
 */
#include <arpa/inet.h>
#include <string.h>

#include "control/neigh_cache.h"
#include "unit.h"

#define CAP 4

static struct ctl_neigh slots[CAP];
static struct neigh_cache nc;

static void
setup(void)
{
	memset(slots, 0, sizeof(slots));
	nc = (struct neigh_cache){ .e = slots, .cap = CAP };
}

static uint32_t
ip(unsigned int host)
{
	return htonl(0xc6120100u + host);   /* 198.18.1.host */
}

/* Add (ip(host), port) as learned at `at` (0: never answered). */
static struct ctl_neigh *
add(unsigned int host, uint8_t port, int wanted, uint64_t at)
{
	int forgot;
	struct ctl_neigh *e = nc_add(&nc, ip(host), port, &forgot);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_FALSE(forgot);
	e->wanted = (uint8_t)wanted;
	e->resolved = at != 0;
	e->updated_ms = at;
	return e;
}

static void
test_find_add(void)
{
	struct ctl_neigh *a = add(11, 1, 1, 100);
	int forgot = 1;

	CU_ASSERT_PTR_EQUAL(nc_find(&nc, ip(11), 1), a);
	CU_ASSERT_PTR_NULL(nc_find(&nc, ip(11), 0));   /* same address, other port */
	CU_ASSERT_PTR_NULL(nc_find(&nc, ip(12), 1));
	/* Adding what is there returns it, unchanged. */
	CU_ASSERT_PTR_EQUAL(nc_add(&nc, ip(11), 1, &forgot), a);
	CU_ASSERT_FALSE(forgot);
	CU_ASSERT_EQUAL(a->updated_ms, 100);
	CU_ASSERT_EQUAL(nc.n, 1);
}

static void
test_full_forgets_oldest_unwanted(void)
{
	struct ctl_neigh *e;
	int forgot = 0;

	add(11, 1, 1, 10);      /* a backend: wanted, the oldest of all */
	add(12, 1, 0, 500);     /* clients */
	add(13, 1, 0, 200);
	add(14, 1, 0, 900);
	CU_ASSERT_EQUAL(nc.n, CAP);
	e = nc_add(&nc, ip(15), 1, &forgot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(forgot);                     /* 13 was resolved */
	CU_ASSERT_EQUAL(e->ip, ip(15));
	CU_ASSERT_FALSE(e->resolved);
	CU_ASSERT_EQUAL(e->updated_ms, 0);
	CU_ASSERT_EQUAL(nc.n, CAP);
	CU_ASSERT_PTR_NULL(nc_find(&nc, ip(13), 1));
	CU_ASSERT_PTR_NOT_NULL(nc_find(&nc, ip(11), 1));
	CU_ASSERT_PTR_NOT_NULL(nc_find(&nc, ip(12), 1));
	CU_ASSERT_PTR_NOT_NULL(nc_find(&nc, ip(14), 1));
}

static void
test_unanswered_ages_by_request(void)
{
	struct ctl_neigh *asked, *e;
	int forgot = 1;

	add(11, 1, 0, 300);                 /* learned at 300 */
	asked = add(12, 1, 0, 0);           /* never answered, asked at 400 */
	asked->requested_ms = 400;
	add(13, 1, 0, 0)->requested_ms = 50; /* never answered, asked long ago */
	add(14, 1, 0, 600);
	/* The one asked for long ago goes first, and nothing resolved is lost. */
	e = nc_add(&nc, ip(15), 1, &forgot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_FALSE(forgot);
	CU_ASSERT_PTR_NULL(nc_find(&nc, ip(13), 1));
	/* Next, the one learned at 300, before the one asked for at 400. */
	e->updated_ms = 700;
	e->resolved = 1;
	e = nc_add(&nc, ip(16), 1, &forgot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(forgot);
	CU_ASSERT_PTR_NULL(nc_find(&nc, ip(11), 1));
	CU_ASSERT_PTR_EQUAL(nc_find(&nc, ip(12), 1), asked);
}

static void
test_all_wanted_refuses(void)
{
	unsigned int h;
	int forgot = 1;

	for (h = 0; h < CAP; h++)
		add(11 + h, 1, 1, 0);
	CU_ASSERT_PTR_NULL(nc_add(&nc, ip(20), 1, &forgot));
	CU_ASSERT_FALSE(forgot);
	for (h = 0; h < CAP; h++)
		CU_ASSERT_PTR_NOT_NULL(nc_find(&nc, ip(11 + h), 1));
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "find and add, keyed by address and port", test_find_add },
		{ "full: the unwanted entry with the oldest news goes", test_full_forgets_oldest_unwanted },
		{ "full: an unanswered entry ages by its last request", test_unanswered_ages_by_request },
		{ "full of wanted entries: refused, nothing forgotten", test_all_wanted_refuses },
	};

	return unit_add_suite("neigh_cache", setup, NULL, tests, UNIT_DIM(tests));
}
