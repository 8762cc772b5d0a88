/*
 * RCU publication and reclamation (control/rcu.c) on an in-process
 * appliance's QSBR variable (inproc.h, no worker running): the test's own
 * threads stand in for workers as readers, holding the grace period open or
 * letting it pass. Every retired pointer is a numbered token whose free is
 * recorded, so the order and timing of frees are what is judged.
 * Threading: the EAL main thread publishes and reclaims; one reader thread
 * at a time, started and joined by the test.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "control/config.h"
#include "control/rcu.h"
#include "dataplane/app.h"
#include "inproc.h"
#include "unit.h"

static const char config_text[] =
	"workers: { mbufs_per_port = 1024; };\n"
	"conntrack: { capacity = 1024; };\n"
	INPROC_PORTS;

#define N_TOKENS (RCU_MAX_PENDING + 8)
#define READER_ID 0u     /* the QSBR thread id the test's reader takes */

static struct sl_app app;
static struct cfg *cfg;

/* Token i is freed once: freed_at[i] is its rank in the order of frees
 * (1-based), released_when_freed[i] whether the reader had let go. */
static int tokens[N_TOKENS];
static uint32_t freed_at[N_TOKENS];
static int released_when_freed[N_TOKENS];
static uint32_t n_freed;
static int released;
static void *slot;

static void
token_free(void *p)
{
	int i = *(int *)p;

	freed_at[i] = ++n_freed;
	released_when_freed[i] = __atomic_load_n(&released, __ATOMIC_ACQUIRE);
}

static int
suite_init(void)
{
	uint32_t i;

	for (i = 0; i < N_TOKENS; i++)
		tokens[i] = (int)i;
	return inproc_start("test_rcu", config_text, 2, 64, &app, &cfg) != 0 ? -1 : 0;
}

static int
suite_cleanup(void)
{
	return inproc_stop(&app, &cfg);
}

static void
setup(void)
{
	memset(freed_at, 0, sizeof(freed_at));
	memset(released_when_freed, 0, sizeof(released_when_freed));
	n_freed = 0;
	released = 0;
	slot = NULL;
	CU_ASSERT_FATAL(rcu_init(app.rcu) == 0);
}

static void
teardown(void)
{
	CU_ASSERT(rcu_fini() == 0);
}

/* The reader: online (holding every grace period from then on) until it is
 * told to let go after hold_ms, then quiescent and offline. */
struct reader {
	pthread_t tid;
	int online;           /* set by the reader once registered and online */
	unsigned int hold_ms; /* 0: until reader_release() */
	int go;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct timespec ts = { 0, 1000000 };
	unsigned int waited = 0;

	rte_rcu_qsbr_thread_register(app.rcu, READER_ID);
	rte_rcu_qsbr_thread_online(app.rcu, READER_ID);
	__atomic_store_n(&r->online, 1, __ATOMIC_RELEASE);
	/* Bounded: 5 s at most, whatever the test does. */
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE) && waited < 5000 &&
	       (r->hold_ms == 0 || waited < r->hold_ms)) {
		nanosleep(&ts, NULL);
		waited++;
	}
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	rte_rcu_qsbr_quiescent(app.rcu, READER_ID);
	rte_rcu_qsbr_thread_offline(app.rcu, READER_ID);
	rte_rcu_qsbr_thread_unregister(app.rcu, READER_ID);
	return NULL;
}

static void
reader_start(struct reader *r, unsigned int hold_ms)
{
	struct timespec ts = { 0, 1000000 };
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->hold_ms = hold_ms;
	CU_ASSERT_FATAL(pthread_create(&r->tid, NULL, reader_main, r) == 0);
	for (i = 0; i < 5000 && !__atomic_load_n(&r->online, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	CU_ASSERT_FATAL(__atomic_load_n(&r->online, __ATOMIC_ACQUIRE));
}

static void
reader_stop(struct reader *r)
{
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	pthread_join(r->tid, NULL);
}

static void
publish(uint32_t i)
{
	rcu_publish(&slot, &tokens[i], token_free);
}

static void
test_no_reader_frees_at_next_reclaim(void)
{
	publish(0);
	CU_ASSERT_EQUAL(rcu_pending(), 0);      /* nothing was there before */
	publish(1);
	CU_ASSERT_PTR_EQUAL(slot, &tokens[1]);
	CU_ASSERT_EQUAL(rcu_pending(), 1);
	CU_ASSERT_EQUAL(n_freed, 0);            /* never freed in publish itself */
	CU_ASSERT_EQUAL(rcu_reclaim(), 1);
	CU_ASSERT_EQUAL(freed_at[0], 1);
	CU_ASSERT_EQUAL(freed_at[1], 0);        /* the published one lives */
	CU_ASSERT_EQUAL(rcu_pending(), 0);
}

static void
test_reader_holds_until_quiescent(void)
{
	struct reader r;
	uint32_t i;

	reader_start(&r, 0);
	for (i = 0; i < 4; i++)
		publish(i);
	CU_ASSERT_EQUAL(rcu_reclaim(), 0);
	CU_ASSERT_EQUAL(rcu_pending(), 3);
	CU_ASSERT_EQUAL(n_freed, 0);
	reader_stop(&r);
	CU_ASSERT_EQUAL(rcu_reclaim(), 3);
	/* Freed oldest first, each only after the reader let go. */
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(freed_at[i], i + 1);
		CU_ASSERT(released_when_freed[i]);
	}
	CU_ASSERT_EQUAL(freed_at[3], 0);
}

static void
test_full_queue_blocks_until_a_grace_period(void)
{
	struct reader r;
	uint32_t i;

	reader_start(&r, 100);
	for (i = 0; i <= RCU_MAX_PENDING; i++)
		publish(i);
	CU_ASSERT_EQUAL(rcu_pending(), RCU_MAX_PENDING);
	CU_ASSERT_EQUAL(n_freed, 0);
	/* One more: returns only once the reader has let go and the oldest
	 * retired are free, never by freeing early or by dropping one. */
	publish(RCU_MAX_PENDING + 1);
	CU_ASSERT(__atomic_load_n(&released, __ATOMIC_ACQUIRE));
	CU_ASSERT(n_freed >= 1);
	CU_ASSERT_EQUAL(freed_at[0], 1);
	CU_ASSERT(released_when_freed[0]);
	CU_ASSERT(rcu_pending() <= RCU_MAX_PENDING);
	CU_ASSERT_EQUAL(rcu_pending() + n_freed, RCU_MAX_PENDING + 1);
	reader_stop(&r);
}

static void
test_fini_frees_all_once_readers_are_offline(void)
{
	struct reader r;
	uint32_t i;

	reader_start(&r, 0);
	for (i = 0; i < 6; i++)
		publish(i);
	/* A reader still online: nothing may be freed, and fini says so. */
	CU_ASSERT_EQUAL(rcu_fini(), -EAGAIN);
	CU_ASSERT_EQUAL(n_freed, 0);
	reader_stop(&r);
	CU_ASSERT_EQUAL(rcu_fini(), 0);
	CU_ASSERT_EQUAL(n_freed, 5);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(freed_at[i], i + 1);
	CU_ASSERT_EQUAL(rcu_pending(), 0);
	CU_ASSERT_FATAL(rcu_init(app.rcu) == 0);   /* for teardown */
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "with no reader, the old pointer is freed at the next reclaim",
		  test_no_reader_frees_at_next_reclaim },
		{ "a reader online holds every retired pointer until it is quiescent",
		  test_reader_holds_until_quiescent },
		{ "with the queue full, a publish waits for a grace period, never frees early",
		  test_full_queue_blocks_until_a_grace_period },
		{ "fini frees everything once readers are offline, nothing while one is online",
		  test_fini_frees_all_once_readers_are_offline },
	};

	return unit_add_suite_once("rcu", suite_init, suite_cleanup, setup, teardown, tests,
				   UNIT_DIM(tests));
}
