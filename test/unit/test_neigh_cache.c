/*
 * The control lcore's next-hop cache: lookups, and which entry a full cache
 * forgets for a new one (never a wanted one; among the rest, the one with
 * the oldest news), and how a wanted next hop's MAC changes: only after a
 * verification the old MAC does not contradict.
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

static struct rte_ether_addr
mac(uint8_t last)
{
	return (struct rte_ether_addr){ .addr_bytes = { 0x02, 0, 0, 0, 0, last } };
}

/* A wanted backend, resolved at 0x0a when asked for at 1000. */
static struct ctl_neigh *
wanted_at_a(void)
{
	struct ctl_neigh *e = add(11, 1, 1, 1000);
	struct rte_ether_addr a = mac(0x0a);

	e->mac = a;
	e->requested_ms = 1000;
	return e;
}

/* Step e's verification from `from` to `to` every 10 ms: requests asked. */
static unsigned int
steps(struct ctl_neigh *e, uint64_t from, uint64_t to, enum nc_step *last)
{
	unsigned int probes = 0;
	uint64_t t;

	*last = NC_WAIT;
	for (t = from; t <= to; t += 10) {
		enum nc_step s = nc_verify_step(e, t);

		if (s == NC_PROBE) {
			probes++;
			e->requested_ms = t;
		} else if (s != NC_WAIT) {
			*last = s;
		}
	}
	return probes;
}

static void
test_claim_refused_while_old_answers(void)
{
	struct ctl_neigh *e = wanted_at_a();
	struct rte_ether_addr a = mac(0x0a), b = mac(0x0b);
	enum nc_step last;

	/* A gratuitous claim: not taken, a verification starts. */
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50000), NC_VERIFY);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&e->mac, &a));
	CU_ASSERT_EQUAL(steps(e, 50000, 50000, &last), 1);
	/* Repeated, and answering us: held, one verification at a time. */
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50001), NC_HELD);
	CU_ASSERT_EQUAL(nc_learn(e, &b, 1, 50002), NC_HELD);
	/* The old MAC answers: the claim is refused. */
	CU_ASSERT_EQUAL(nc_learn(e, &a, 1, 50003), NC_CONFIRMED);
	CU_ASSERT_EQUAL(steps(e, 50010, 52000, &last), 0);
	CU_ASSERT_EQUAL(last, NC_WAIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&e->mac, &a));
	/* Claimed again at once: refused without asking; later, verified. */
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50500), NC_REFUSED);
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 51003), NC_VERIFY);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&e->mac, &a));
}

static void
test_real_move_followed(void)
{
	struct ctl_neigh *e = wanted_at_a();
	struct rte_ether_addr b = mac(0x0b);
	enum nc_step last;

	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50000), NC_VERIFY);
	CU_ASSERT_EQUAL(steps(e, 50000, 50000, &last), 1);
	CU_ASSERT_EQUAL(nc_learn(e, &b, 1, 50001), NC_HELD);   /* b answers */
	/* Nothing moves before the period is over, however b insists. */
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50100), NC_HELD);
	CU_ASSERT_EQUAL(steps(e, 50010, 50990, &last), NC_PROBES - 1);
	CU_ASSERT_EQUAL(last, NC_WAIT);
	CU_ASSERT_FALSE(rte_is_same_ether_addr(&e->mac, &b));
	CU_ASSERT_EQUAL(steps(e, 51000, 51000, &last), 0);
	CU_ASSERT_EQUAL(last, NC_MOVED);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&e->mac, &b));
	CU_ASSERT_EQUAL(e->updated_ms, 51000);
}

static void
test_unasked_claim_never_moves(void)
{
	struct ctl_neigh *e = wanted_at_a();
	struct rte_ether_addr a = mac(0x0a), b = mac(0x0b);
	enum nc_step last;
	uint64_t t;

	/* Gratuitous frames only, and a reply long after any request of ours. */
	CU_ASSERT_EQUAL(nc_learn(e, &b, 0, 50000), NC_VERIFY);
	for (t = 50000; t < 51000; t += 100)
		CU_ASSERT_EQUAL(nc_learn(e, &b, 0, t), NC_HELD);
	steps(e, 50000, 51000, &last);
	CU_ASSERT_EQUAL(last, NC_UNANSWERED);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&e->mac, &a));
	CU_ASSERT_EQUAL(nc_learn(e, &b, 1, 60000), NC_VERIFY);
	CU_ASSERT_FALSE(e->claim_answered);
}

static void
test_unwanted_or_unresolved_learns_at_once(void)
{
	struct ctl_neigh *client = add(12, 0, 0, 1000), *gw = add(13, 0, 1, 0);
	struct rte_ether_addr a = mac(0x0a), b = mac(0x0b);

	client->mac = a;
	CU_ASSERT_EQUAL(nc_learn(client, &b, 0, 2000), NC_LEARNT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&client->mac, &b));
	CU_ASSERT_EQUAL(nc_learn(client, &b, 0, 2001), NC_SAME);
	CU_ASSERT_EQUAL(nc_learn(gw, &a, 0, 2000), NC_LEARNT);
	CU_ASSERT_TRUE(gw->resolved);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&gw->mac, &a));
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "find and add, keyed by address and port", test_find_add },
		{ "full: the unwanted entry with the oldest news goes", test_full_forgets_oldest_unwanted },
		{ "full: an unanswered entry ages by its last request", test_unanswered_ages_by_request },
		{ "full of wanted entries: refused, nothing forgotten", test_all_wanted_refuses },
		{ "a wanted next hop: a claim refused while the old MAC answers",
		  test_claim_refused_while_old_answers },
		{ "a wanted next hop: followed once the old MAC is silent a period",
		  test_real_move_followed },
		{ "a wanted next hop: a claimant that never answers us is not followed",
		  test_unasked_claim_never_moves },
		{ "not wanted, or never resolved: learned at once",
		  test_unwanted_or_unresolved_learns_at_once },
	};

	return unit_add_suite("neigh_cache", setup, NULL, tests, UNIT_DIM(tests));
}
