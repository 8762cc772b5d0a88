/*
 * What the runtime API's files share: the request being answered and the
 * argument parsing every command uses (api_args.c). api.c serves the socket
 * and answers the read-only commands; api_edit.c the changes. Internal to
 * the API; api.h is its interface.
 * Threading: a struct api_req belongs to the lane answering it.
 */
#ifndef SLUICE_API_IMPL_H
#define SLUICE_API_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "api_cmds.h"

#define API_MSG 4096

struct api_req {
	int argc;
	char **argv;                /* "--json" set aside; argv[0] names cmd */
	int json;
	FILE *out;
	const struct api_cmd *cmd;
	char msg[API_MSG];          /* why it failed; a change's result */
};

/*
 * "IP" or "IP:PORT": a strict dotted quad, a port 1..65535 (*port 0 when
 * absent). 0, else -1.
 */
int api_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port);

/* An argument in the shape of an option: "-x", "--x"; "-1" is a number. */
int api_is_option(const char *a);

/*
 * r->argv[from..] are "-k VALUE" pairs, each k one of `known` (letters),
 * each at most once; val[k] is set for those given. 0, or -1 with why in
 * r->msg.
 */
int api_parse_opts(struct api_req *r, int from, const char *known, const char *val[128]);

/* For the commands that take no argument at all: api_parse_opts with none. */
int api_no_args(struct api_req *r);

/*
 * A change (r->cmd->edit): every argument checked, then the edit made on
 * the control lcore through the reload's validate-and-publish path. 0 with
 * the result in r->msg, else nonzero with why.
 * Context: an API lane; waits for the control lcore.
 */
int api_change(struct api_req *r);

#endif
