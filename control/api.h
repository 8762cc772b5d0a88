/*
 * Runtime API: a UNIX stream socket (api.socket, mode api.mode) that
 * sluicectl talks to.
 *
 * Wire format: the client sends its arguments, one per line, then an empty
 * line; the server answers "ok\n" or "error\n" followed by the body (text,
 * or JSON when the arguments include --json) and closes. Arguments cannot
 * contain newlines.
 *
 * srv.h's server serves the socket: many clients at once, each with
 * deadlines, at most API_MAX_CONNS open. Requests are handled on two lanes:
 * list, stats and config on one, so they never wait behind a slow command;
 * everything else, one at a time, on the other. Read-only
 * commands read counters and, under control_lock(), the snapshot; changes
 * run on the control lcore (control_call) through the same validate-and-
 * publish path as a reload; connection listings and flushes go to the
 * workers' mailboxes and are worked through in bounded slices.
 * Threading: api_start/api_stop on the main lcore; api_execute on a lane
 * (two at once at most, one of them list, stats or config);
 * api_get_counters anywhere. Its request format: mgmt_req.h.
 */
#ifndef SLUICE_API_H
#define SLUICE_API_H

#include <stdio.h>

#include "../dataplane/app.h"
#include "config.h"
#include "srv.h"

/* Listen on the configured socket; 0 when disabled or started, -errno. */
int api_start(struct sl_app *app);
void api_stop(void);

/*
 * Execute one request (argv as received) and write the body to out.
 * Returns 0 (ok) or -1 (error; the body says why). Exposed for tests; app
 * must be the one api_start was given (it binds the API, socket or not).
 */
int api_execute(struct sl_app *app, int argc, char **argv, FILE *out);

/* The socket's connection counters (zero when the API is off). Any thread. */
void api_get_counters(struct srv_counters *c);

/*
 * What a change request (add-service ... drain, as api_execute gets it
 * without --json; argc >= 1; not reload) does to c, a private copy of the
 * running config, before the result is validated as a file: parse_edit's
 * checks, then the edit. Returns 0, or -1 with why in msg; c may then be
 * partly edited (the caller discards it).
 * Context: any thread, c owned by the caller; pure. Exposed for test/fuzz/.
 */
int api_edit_request(struct cfg *c, int argc, char **argv, char *msg, size_t len);

#endif
