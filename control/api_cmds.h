/*
 * The runtime API's commands, declared once: name, arguments and options,
 * usage, help line, whether it changes the config, and its lane. The
 * server dispatches from this table (api.c, api_edit.c), mgmt_req.c picks
 * a request's lane from it and sluicectl prints its help from it, so a
 * command added here is one the server, the lanes and the help all know.
 * Pure constant data, no handlers: sluicectl links it without the server.
 * Threading: any thread; nothing mutable.
 */
#ifndef SLUICE_API_CMDS_H
#define SLUICE_API_CMDS_H

#include <stdio.h>

/* In the order the help and the "no command" message list them. */
enum api_cmd_id {
	API_CMD_LIST,
	API_CMD_STATS,
	API_CMD_CONNS,
	API_CMD_FLUSH,
	API_CMD_CONFIG,
	API_CMD_RELOAD,
	API_CMD_ADD_SERVICE,
	API_CMD_EDIT_SERVICE,
	API_CMD_DEL_SERVICE,
	API_CMD_ADD_BACKEND,
	API_CMD_DEL_BACKEND,
	API_CMD_WEIGHT,
	API_CMD_DRAIN,
	API_CMD_SYNC,
	API_CMD_COUNT
};

/*
 * A command takes its positional arguments first, then "-k VALUE" options,
 * each k one of `opts`. `usage` is what the server says after "usage: "
 * when the arguments are short, and the help's synopsis.
 */
struct api_cmd {
	const char *name;
	int n_args;          /* positional arguments, all required */
	const char *opts;    /* option letters it takes ("": none) */
	const char *usage;
	const char *help;    /* one line for sluicectl --help */
	unsigned char edit;  /* changes the running config (api_edit.c) */
	unsigned char lane;  /* enum mgmt_api_lane */
};

/* Indexed by enum api_cmd_id. */
extern const struct api_cmd api_cmds[API_CMD_COUNT];

/* The command named `name`, or NULL. */
const struct api_cmd *api_cmd_find(const char *name);

/* Its index in api_cmds. */
enum api_cmd_id api_cmd_id(const struct api_cmd *c);

/*
 * The command list for a help text: each command's usage, two spaces in,
 * and its help line beside it (below it when the usage is long).
 */
void api_cmds_help(FILE *f);

#endif
