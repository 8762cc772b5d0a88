/*
 * libFuzzer harness: the runtime API's request parser and its config edits.
 *
 * Each input is what a client sent on the API socket, in one piece. It
 * goes the way the server takes it: framed by srv_request_end() with
 * mgmt_api_ends (at most max_req bytes), given a lane (mgmt_api_lane),
 * split into arguments (mgmt_api_parse), "--json" set aside as
 * api_execute() does; then the path of a change request:
 * api_edit_request() (parse_edit's checks of every argument, then the edit
 * change_on_control() makes to a private copy of the running config), and
 * the result validated as a file (control_validate: dump, load). The
 * running config is a fixed one with services of each mode and a few
 * backends, so edits find what they name.
 *
 * Left out: read-only commands (list, stats, conns...) and reload, which
 * need a running appliance (snapshot, workers' mailboxes, the control lcore).
 * Property: no crash, no leak, and an edit the validator accepts loads into
 * a config whose dump loads again.
 * Threading: libFuzzer's one thread; control.c's state is never started.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api.h"
#include "control/config.h"
#include "control/control.h"
#include "control/mgmt_req.h"
#include "control/srv.h"

#define MAX_ARGS 64    /* api.c's API_MAX_ARGS */
#define MAX_REQ 8192   /* api.c's API_MAX_REQ */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char running_text[] =
	"ports = (\n"
	"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
	"  { name = \"backend\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; }\n"
	");\n"
	"services = (\n"
	"  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; scheduler = \"wlc\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; weight = 3; },\n"
	"                 { address = \"198.18.1.12\"; port = 8080; weight = 2; },\n"
	"                 { address = \"198.18.1.12\"; port = 8081; } ); },\n"
	"  { name = \"dns\"; vip = \"198.18.0.10\"; port = 53; protocol = \"udp\";\n"
	"    scheduler = \"mh\"; backends = ( { address = \"198.18.1.13\"; } ); },\n"
	"  { name = \"full\"; vip = \"198.18.0.11\"; port = 443; forward = \"fullnat\";\n"
	"    local_addresses = [ \"198.18.1.2\" ];\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 443; } ); },\n"
	"  { name = \"dr\"; vip = \"198.18.0.12\"; port = 80; forward = \"dr\";\n"
	"    backends = ( { address = \"198.18.1.14\"; } ); }\n"
	");\n";

static struct cfg *running;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cfg_errors errs;

	(void)argc;
	(void)argv;
	cfg_errors_init(&errs);
	cfg_load_string(running_text, "<fuzz_api>", &running, &errs);
	if (running == NULL) {
		cfg_errors_print(&errs, stderr);
		abort();
	}
	cfg_errors_free(&errs);
	return 0;
}

/* A deep copy of running: what control_validate() makes, without its
 * dump and load on every input. */
static struct cfg *
copy_running(void)
{
	struct cfg *c = malloc(sizeof(*c));
	uint32_t i;

	if (c == NULL)
		return NULL;
	*c = *running;
	c->services = calloc(running->n_services, sizeof(c->services[0]));
	if (c->services == NULL) {
		free(c);
		return NULL;
	}
	for (i = 0; i < running->n_services; i++) {
		const struct cfg_service *s = &running->services[i];

		c->services[i] = *s;
		c->services[i].backends = malloc(s->n_backends * sizeof(s->backends[0]));
		if (c->services[i].backends == NULL) {
			c->n_services = i;
			cfg_free(c);
			return NULL;
		}
		memcpy(c->services[i].backends, s->backends, s->n_backends * sizeof(s->backends[0]));
	}
	return c;
}

/* The edit and its validation, as change_on_control() does them. */
static void
change(int argc, char **argv)
{
	struct cfg *copy = copy_running(), *checked = NULL, *again = NULL;
	char msg[4096];
	char *text;

	if (copy == NULL)
		return;
	if (api_edit_request(copy, argc, argv, msg, sizeof(msg)) != 0 ||
	    control_validate(copy, "<api>", &checked, msg, sizeof(msg)) != 0) {
		cfg_free(copy);
		return;
	}
	cfg_free(copy);
	text = cfg_dump_string(checked);
	if (text != NULL && control_validate(checked, "<again>", &again, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "fuzz_api: an accepted edit does not load again: %s\n%s\n", msg,
			text);
		abort();
	}
	free(text);
	cfg_free(again);
	cfg_free(checked);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *req, *args[MAX_ARGS], *kept[MAX_ARGS];
	volatile enum mgmt_api_lane lane;
	size_t len = size < MAX_REQ ? size : MAX_REQ, end;
	int argc, i, n = 0;

	/* srv.c's conn_read(): up to the end marker, or max_req bytes. */
	end = srv_request_end(mgmt_api_ends, (const char *)data, len);
	if (end == 0 && len < MAX_REQ)
		return 0;   /* never complete: the client is cut off, no answer */
	if (end != 0)
		len = end;
	req = malloc(len + 1);
	if (req == NULL)
		return 0;
	memcpy(req, data, len);
	req[len] = '\0';
	lane = mgmt_api_lane(req, len);
	(void)lane;
	/* api.c's serve(). */
	argc = mgmt_api_parse(req, len, args, MAX_ARGS - 1);
	for (i = 0; i < argc; i++)
		if (strcmp(args[i], "--json") != 0)
			kept[n++] = args[i];
	/* api_edit_request refuses what is no change (reload included). */
	if (n > 0 && strcmp(kept[0], "reload") != 0)
		change(n, kept);
	free(req);
	return 0;
}
