/*
 * Reload, apply and validate (control/reload.c), in-process: an appliance
 * on two net_null ports (inproc.h) with its control state set up and no
 * control loop; the test applies configs by hand and judges by the
 * published snapshot (its generation, its services' backend ids) and by
 * what stays untouched when a config is refused. A worker's connection
 * count is set by hand where a test needs a backend with live connections.
 * Threading: one thread, the EAL main lcore, as the control lcore.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "control/control.h"
#include "control/rcu.h"
#include "control/snapshot.h"
#include "dataplane/app.h"
#include "dataplane/worker.h"
#include "inproc.h"
#include "unit.h"

#define SETTINGS \
	"workers: { mbufs_per_port = 1024; };\n" \
	"conntrack: { capacity = 1024; };\n" \
	INPROC_PORTS

#define SERVICE(backends) \
	"services = (\n" \
	"  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\";\n" \
	"    backends = ( " backends " ); }\n" \
	");\n"

#define BE(last) "{ address = \"198.18.1." #last "\"; port = 8080; }"

static const char config_text[] = SETTINGS SERVICE(BE(11) ", " BE(12));

static struct sl_app app;
static struct cfg *cfg;

static int
suite_init(void)
{
	if (inproc_start("test_reload", config_text, 2, 64, &app, &cfg) != 0)
		return -1;
	return control_init(&app) == 0 ? 0 : -1;
}

static int
suite_cleanup(void)
{
	control_fini(&app);
	cfg = app.cfg;        /* the one applied last: its first was freed then */
	return inproc_stop(&app, &cfg);
}

/* Load text as a file would be, and apply it; the API socket is cleared
 * as inproc_start cleared the running one's. */
static void
apply_text(const char *text, int want_rc, char *msg, size_t len)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	cfg_load_string(text, "test.conf", &c, &errs);
	cfg_errors_free(&errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	c->api_socket[0] = '\0';
	CU_ASSERT_EQUAL(control_apply(&app, c, "test.conf", msg, len), want_rc);
}

/* Each test starts from config_text applied, no connection counted. */
static void
setup(void)
{
	char msg[512];
	uint32_t w, id;

	for (w = 0; w < app.n_workers; w++)
		for (id = 0; id < SL_MAX_BACKENDS; id++)
			app.workers[w]->active[id] = app.workers[w]->inactive[id] = 0;
	apply_text(config_text, 0, msg, sizeof(msg));
	rcu_reclaim();
}

/* Backend id of address 198.18.1.<last> in the running snapshot, or -1. */
static int64_t
backend_id(unsigned int last)
{
	const struct snap_service *s = &app.snap->services[0];
	char a[32];
	uint32_t ip, j;

	snprintf(a, sizeof(a), "198.18.1.%u", last);
	inet_pton(AF_INET, a, &ip);
	for (j = 0; j < s->n_backends; j++)
		if (s->backends[j].ip == ip)
			return s->backends[j].id;
	return -1;
}

static void
test_apply_keeps_ids_and_retires_the_old(void)
{
	const struct snapshot *old = app.snap;
	uint64_t gen = old->gen;
	int64_t id11 = backend_id(11), id12 = backend_id(12);
	char msg[512];

	apply_text(SETTINGS SERVICE(BE(12) ", " BE(13) ", " BE(11)), 0, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "applied: 1 services, 3 backends"));
	CU_ASSERT_PTR_NOT_EQUAL(app.snap, old);
	CU_ASSERT_EQUAL(app.snap->gen, gen + 1);
	CU_ASSERT_EQUAL(backend_id(11), id11);
	CU_ASSERT_EQUAL(backend_id(12), id12);
	CU_ASSERT(backend_id(13) >= 0 && backend_id(13) != id11 && backend_id(13) != id12);
	/* The old snapshot waits for its grace period (no reader: the next
	 * reclaim). */
	CU_ASSERT_EQUAL(rcu_pending(), 1);
	CU_ASSERT_EQUAL(rcu_reclaim(), 1);
}

static void
test_restart_only_change_refused_whole(void)
{
	const struct snapshot *old = app.snap;
	const struct cfg *old_cfg = app.cfg;
	char msg[512];

	apply_text("workers: { mbufs_per_port = 1024; };\n"
		   "conntrack: { capacity = 2048; };\n"
		   INPROC_PORTS SERVICE(BE(11) ", " BE(12) ", " BE(13)), -1, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "needs a restart"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "capacity"));
	/* Nothing of it applied: not the backend added beside the change. */
	CU_ASSERT_PTR_EQUAL(app.snap, old);
	CU_ASSERT_PTR_EQUAL(app.cfg, old_cfg);
	CU_ASSERT_EQUAL(backend_id(13), -1);
	CU_ASSERT_EQUAL(rcu_pending(), 0);
}

static void
test_busy_id_not_given_to_a_new_backend(void)
{
	int64_t id12 = backend_id(12);
	char msg[512];

	CU_ASSERT_FATAL(id12 >= 0);
	/* Backend .12 leaves with a connection still counted on worker 1. */
	app.workers[1]->active[id12] = 1;
	apply_text(SETTINGS SERVICE(BE(11)), 0, msg, sizeof(msg));
	CU_ASSERT_EQUAL(backend_id(12), -1);
	/* A backend added while that connection lives takes another id: the
	 * live connection's count must not be charged to it. */
	apply_text(SETTINGS SERVICE(BE(11) ", " BE(14)), 0, msg, sizeof(msg));
	CU_ASSERT(backend_id(14) >= 0);
	CU_ASSERT_NOT_EQUAL(backend_id(14), id12);
	rcu_reclaim();
}

static void
test_reload_reads_the_file_and_refuses_errors(void)
{
	const struct snapshot *old = app.snap;
	char path[] = "/tmp/test_reload.XXXXXX";
	const char *saved = app.cfg_path;
	char msg[1024];
	int fd = mkstemp(path);
	FILE *f;

	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	/* A misspelt key on line 4: refused with file:line, nothing applied. */
	fputs(SETTINGS "api: { sockett = \"/x\"; };\n" SERVICE(BE(11) ", " BE(12) ", " BE(13)), f);
	fclose(f);
	app.cfg_path = path;
	CU_ASSERT_EQUAL(control_reload(&app, msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "sockett"));
	CU_ASSERT_PTR_EQUAL(app.snap, old);
	CU_ASSERT_EQUAL(backend_id(13), -1);
	/* The API socket is read at start-up only: a change is refused. */
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(SETTINGS "api: { socket = \"/tmp/test_reload_other.sock\"; };\n"
	      SERVICE(BE(11) ", " BE(12) ", " BE(13)), f);
	fclose(f);
	CU_ASSERT_EQUAL(control_reload(&app, msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "needs a restart"));
	CU_ASSERT_PTR_EQUAL(app.snap, old);
	unlink(path);
	app.cfg_path = saved;
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "apply: one new snapshot, backends that stay keep their ids, the old retired",
		  test_apply_keeps_ids_and_retires_the_old },
		{ "a restart-only change is refused whole, the running config kept",
		  test_restart_only_change_refused_whole },
		{ "a removed backend's id is not reused while a connection counts on it",
		  test_busy_id_not_given_to_a_new_backend },
		{ "reload reads the file: errors refused with file:line, api.socket needs a restart",
		  test_reload_reads_the_file_and_refuses_errors },
	};

	return unit_add_suite_once("reload", suite_init, suite_cleanup, setup, NULL, tests,
				   UNIT_DIM(tests));
}
