/*
 * Runtime API: a UNIX stream socket (api.socket, mode api.mode) that
 * sluicectl talks to.
 *
 * Wire format: the client sends its arguments, one per line, then an empty
 * line; the server answers "ok\n" or "error\n" followed by the body (text,
 * or JSON when the arguments include --json) and closes. Arguments cannot
 * contain newlines.
 *
 * A thread of its own serves the socket, one request at a time. Read-only
 * commands read counters and, under control_lock(), the snapshot; changes
 * run on the control lcore (control_call) through the same validate-and-
 * publish path as a reload; connection listings and flushes go to the
 * workers' mailboxes and are worked through in bounded slices.
 * Threading: api_start/api_stop on the main lcore.
 */
#ifndef SLUICE_API_H
#define SLUICE_API_H

#include <stdio.h>

#include "../dataplane/app.h"

/* Listen on the configured socket; 0 when disabled or started, -errno. */
int api_start(struct sl_app *app);
void api_stop(void);

/*
 * Execute one request (argv as received) and write the body to out.
 * Returns 0 (ok) or -1 (error; the body says why). Exposed for tests.
 */
int api_execute(struct sl_app *app, int argc, char **argv, FILE *out);

/*
 * Split a request as the socket received it (arguments one per line, ended
 * by an empty line; NUL-terminated) in place into args. Returns argc, or
 * -EINVAL when no empty line ends it, -E2BIG at max_args arguments or more.
 * Context: any thread; pure. Exposed for tests and test/fuzz/.
 */
int api_split_request(char *req, char **args, int max_args);

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
