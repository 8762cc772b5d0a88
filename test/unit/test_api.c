/*
 * The runtime API's connection listings against in-process workers, when a
 * worker is too slow to answer.
 *
 * Two workers on net_null ports, each with one connection in its table, and
 * no lcore running them: the test runs their loop passes itself, so it
 * decides which worker answers a request and when. A worker whose passes do
 * not run while a request waits is a worker too slow to answer it; a
 * mailbox the test fills is a worker that has not caught up. Requests go
 * through api_execute, as the API socket's thread sends them.
 * Besides the asserts, these tests are proofs under ASan: a mail freed while
 * a worker still holds it is a use after free in the worker's mailbox step,
 * and a mail nobody frees is a leak LSan reports at exit.
 *
 * Also: every command of the table (api_cmds.h) reaches a handler of its
 * own.
 *
 * Like the worker suite this needs EAL, which a process can set up only
 * once: its own executable, the same set-up (inproc.h).
 * Threading: the EAL main lcore makes requests and runs passes; while a
 * request waits, a helper pthread runs the passes of the workers that
 * answer, and no other thread touches those workers until it is joined.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ring.h>

#include "control/api.h"
#include "control/api_cmds.h"
#include "control/config.h"
#include "control/snapshot.h"
#include "dataplane/app.h"
#include "dataplane/conntrack.h"
#include "dataplane/worker.h"
#include "inproc.h"
#include "unit.h"

#define N_WORKERS 2

/* Addresses and ports, host order. */
#define IP_VIP 0xc612000au      /* 198.18.0.10 */
#define IP_BACKEND 0xc612010bu  /* 198.18.1.11 */
#define IP_CLIENT 0x0a000001u   /* 10.0.0.1, + worker id */
#define VIP_PORT 80
#define BACKEND_PORT 8080
#define CLIENT_PORT 40000

/* Enough passes for a worker to work through its whole mailbox. */
#define MAX_PASSES 1000

static const char config_text[] =
	"workers: { burst = 32; mbufs_per_port = 1024; };\n"
	"conntrack: { capacity = 1024; timeouts = { established = 3600; }; };\n"
	INPROC_PORTS
	"services = (\n"
	"  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\";\n"
	"    scheduler = \"rr\"; forward = \"nat\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; } ); }\n"
	");\n";

static struct sl_app app;
static struct cfg *cfg;
static unsigned int lcores[N_WORKERS];

/* Set-up */

static int
suite_init(void)
{
	uint32_t i;

	if (inproc_start("test_api", config_text, N_WORKERS, 128, &app, &cfg) != 0)
		return -1;
	for (i = 0; i < N_WORKERS; i++)
		lcores[i] = inproc_lcore();
	/* Without a socket (inproc clears it) this only binds the API to the app. */
	if (api_start(&app) != 0) {
		inproc_stop(&app, &cfg);
		return -1;
	}
	return 0;
}

static int
suite_cleanup(void)
{
	api_stop();
	return inproc_stop(&app, &cfg);
}

/* Each test: new workers, worker w with one established connection from
 * client IP_CLIENT + w. */
static void
setup(void)
{
	uint32_t id;

	for (id = 0; id < N_WORKERS; id++) {
		struct ct_tuple orig = {
			.src_ip = htonl(IP_CLIENT + id), .dst_ip = htonl(IP_VIP),
			.src_port = htons(CLIENT_PORT), .dst_port = htons(VIP_PORT),
		};
		struct ct_tuple reply = {
			.src_ip = htonl(IP_BACKEND), .dst_ip = orig.src_ip,
			.src_port = htons(BACKEND_PORT), .dst_port = orig.src_port,
		};
		struct wk_params wp;
		struct worker *w;
		struct ct_conn *c;

		app_worker_params(cfg, &wp);
		worker_destroy(app.workers[id]);
		w = worker_create(&app, id, lcores[id], &wp, app.snap);
		app.workers[id] = w;
		if (w == NULL)
			continue;
		c = ct_insert(w->ct, IPPROTO_TCP, &orig, &reply,
			      (uint32_t)sl_now_ms(&app, rte_rdtsc()));
		if (c == NULL)
			continue;
		c->backend_ip = reply.src_ip;
		c->backend_port = reply.src_port;
	}
}

/* Workers */

static int
worker_idle(const struct worker *w)
{
	return w->job == NULL && rte_ring_empty(w->mailbox);
}

/* One loop pass of worker w, without traffic: its mailbox step. */
static void
pass(struct worker *w)
{
	worker_pass_begin(w);
	worker_pass_end(w);
}

/* Passes of w until it has worked through its mailbox; 0 when it has. */
static int
run_until_idle(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_PASSES && !worker_idle(w); i++)
		pass(w);
	return worker_idle(w) ? 0 : -1;
}

/* A helper thread playing the workers of `mask`, one pass each per ms. */
struct player {
	pthread_t thread;
	uint32_t mask;
	int stop;
};

static void *
player_main(void *arg)
{
	struct player *p = arg;
	struct timespec ms = { .tv_nsec = 1000000 };
	uint32_t id;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		for (id = 0; id < N_WORKERS; id++)
			if (p->mask & (1u << id))
				pass(app.workers[id]);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static int
player_start(struct player *p, uint32_t mask)
{
	p->mask = mask;
	p->stop = 0;
	return pthread_create(&p->thread, NULL, player_main, p);
}

static void
player_stop(struct player *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
}

/* Requests */

/* api_execute on a space-separated request; its body in *body (free it). */
static int
request(const char *line, char **body)
{
	char buf[256], *argv[16], *save = NULL, *tok;
	size_t len = 0;
	FILE *out;
	int argc = 0, rc;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && argc < 16;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	*body = NULL;
	out = open_memstream(body, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	rc = api_execute(&app, argc, argv, out);
	fclose(out);
	return rc;
}

/* Both workers answer at once: the listing holds both connections. */
static void
assert_conns_answered(void)
{
	struct player p;
	char *body;
	int rc;

	CU_ASSERT_FATAL(player_start(&p, (1u << N_WORKERS) - 1) == 0);
	rc = request("conns --json", &body);
	player_stop(&p);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"client\":\"10.0.0.1:40000\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"client\":\"10.0.0.2:40000\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"shown\":2}"));
	if (rc != 0)
		fprintf(stderr, "conns: %s", body);
	free(body);
}

/* Tests */

/*
 * Worker 0 answers, worker 1 does not within the deadline (10 s): the
 * request fails, and worker 1 still holds its mail. When worker 1 runs
 * again it must find that mail alive and leave none behind; the next
 * request is answered by both.
 */
static void
test_timeout_leaves_mail_to_slow_worker(void)
{
	struct player p;
	char *body;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app.workers[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app.workers[1]);
	CU_ASSERT_FATAL(player_start(&p, 1u << 0) == 0);
	rc = request("conns", &body);
	player_stop(&p);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "1 worker(s) did not answer within"));
	free(body);
	CU_ASSERT(worker_idle(app.workers[0]));
	CU_ASSERT(!worker_idle(app.workers[1]));

	CU_ASSERT_EQUAL(run_until_idle(app.workers[1]), 0);
	assert_conns_answered();
}

/*
 * Worker 1's mailbox is full (the test's placeholders) when a request
 * comes: its mail to worker 0 is already queued. The request fails at
 * once; worker 0 must then find that mail alive, and leave none behind.
 */
static void
test_full_mailbox_leaves_mail_to_earlier_worker(void)
{
	static char placeholder;
	struct rte_ring *mb;
	unsigned int queued = 0, taken = 0;
	void *m;
	char *body;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app.workers[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app.workers[1]);
	mb = app.workers[1]->mailbox;
	while (rte_ring_sp_enqueue(mb, &placeholder) == 0)
		queued++;
	CU_ASSERT(queued > 0);

	rc = request("conns", &body);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "worker 1 mailbox full"));
	free(body);
	CU_ASSERT(!worker_idle(app.workers[0]));

	/* Worker 1 never sees the placeholders. */
	while (rte_ring_sc_dequeue(mb, &m) == 0) {
		CU_ASSERT_PTR_EQUAL(m, &placeholder);
		taken++;
	}
	CU_ASSERT_EQUAL(taken, queued);

	CU_ASSERT_EQUAL(run_until_idle(app.workers[0]), 0);
	assert_conns_answered();
}

/*
 * Every command of the table reaches its own parser: "NAME --frob" is
 * refused by that command, naming the option, never as an unknown command.
 * --frob stops each one before it reads the snapshot, mails a worker or
 * calls the control lcore, which this suite does not run. A request
 * without a command names them all.
 */
static void
test_every_command_answered(void)
{
	char line[64], *body;
	int i, rc;

	for (i = 0; i < API_CMD_COUNT; i++) {
		snprintf(line, sizeof(line), "%s --frob", api_cmds[i].name);
		rc = request(line, &body);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		CU_ASSERT_PTR_NULL(strstr(body, "unknown command"));
		CU_ASSERT_PTR_NOT_NULL(strstr(body, "unknown option '--frob'"));
		CU_ASSERT_PTR_NOT_NULL(strstr(body, api_cmds[i].name));
		if (strstr(body, "unknown option '--frob'") == NULL)
			fprintf(stderr, "%s: %s", line, body);
		free(body);
	}
	rc = request("frobnicate --frob", &body);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body, "unknown command 'frobnicate'\n");
	free(body);
	rc = request("", &body);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	for (i = 0; i < API_CMD_COUNT; i++) {
		snprintf(line, sizeof(line), "%s%s%s", i ? " " : "(", api_cmds[i].name,
			 i + 1 < API_CMD_COUNT ? "," : ")");
		CU_ASSERT_PTR_NOT_NULL(strstr(body, line));
	}
	free(body);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "a timed-out conns leaves its mail to the slow worker, which frees it",
		  test_timeout_leaves_mail_to_slow_worker },
		{ "a conns refused by a full mailbox leaves its queued mail to the worker",
		  test_full_mailbox_leaves_mail_to_earlier_worker },
		{ "every command of the table is answered by its own handler",
		  test_every_command_answered },
	};

	return unit_add_suite_once("api", suite_init, suite_cleanup, setup, NULL, tests,
				   UNIT_DIM(tests));
}
