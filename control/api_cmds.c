/* The runtime API's command table (see api_cmds.h). */
#include <assert.h>
#include <string.h>

#include "api_cmds.h"
#include "mgmt_req.h"

/*
 * Only list, stats, config and sync take the quick lane: they only read
 * the snapshot and counters, so they never wait behind a command that waits on
 * the workers or the control lcore.
 */
const struct api_cmd api_cmds[API_CMD_COUNT] = {
	[API_CMD_LIST] = { "list", 0, "", "list",
			   "services, backends, connections, rates", 0, MGMT_LANE_QUICK },
	[API_CMD_STATS] = { "stats", 0, "", "stats",
			    "appliance counters and drops", 0, MGMT_LANE_QUICK },
	[API_CMD_CONNS] = { "conns", 0, "Sbcn",
			    "conns [-S SERVICE] [-b IP[:PORT]] [-c CLIENT] [-n MAX]",
			    "the connections the workers track", 0,
			    MGMT_LANE_SLOW },
	[API_CMD_FLUSH] = { "flush", 0, "Sbc",
			    "flush [-S SERVICE] [-b IP[:PORT]] [-c CLIENT]",
			    "forget the matching connections", 0, MGMT_LANE_SLOW },
	[API_CMD_CONFIG] = { "config", 0, "", "config",
			     "the running configuration", 0, MGMT_LANE_QUICK },
	[API_CMD_RELOAD] = { "reload", 0, "", "reload",
			     "re-read the configuration file", 1, MGMT_LANE_SLOW },
	[API_CMD_ADD_SERVICE] = { "add-service", 2, "sflmp",
		"add-service NAME VIP:PORT [-p tcp|udp] [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]",
		"add a service (tcp, wlc, nat unless given)", 1, MGMT_LANE_SLOW },
	[API_CMD_EDIT_SERVICE] = { "edit-service", 1, "sflm",
		"edit-service NAME [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]",
		"change a service's options", 1,
		MGMT_LANE_SLOW },
	[API_CMD_DEL_SERVICE] = { "del-service", 1, "", "del-service NAME",
				  "remove a service and its backends", 1, MGMT_LANE_SLOW },
	[API_CMD_ADD_BACKEND] = { "add-backend", 2, "w",
				  "add-backend SERVICE IP[:PORT] [-w WEIGHT]",
				  "add a backend (weight 1 unless -w)", 1,
				  MGMT_LANE_SLOW },
	[API_CMD_DEL_BACKEND] = { "del-backend", 2, "", "del-backend SERVICE IP[:PORT]",
				  "remove a backend", 1, MGMT_LANE_SLOW },
	[API_CMD_WEIGHT] = { "weight", 3, "", "weight SERVICE IP[:PORT] WEIGHT",
			     "set a backend's weight", 1, MGMT_LANE_SLOW },
	[API_CMD_DRAIN] = { "drain", 2, "", "drain SERVICE IP[:PORT]",
			    "weight 0: no new connections", 1, MGMT_LANE_SLOW },
	[API_CMD_SYNC] = { "sync", 0, "", "sync",
			   "session sync and HA: role, peers, records, rejects", 0,
			   MGMT_LANE_QUICK },
};
static_assert(sizeof(api_cmds) / sizeof(api_cmds[0]) == API_CMD_COUNT,
	      "one descriptor per enum api_cmd_id");

const struct api_cmd *
api_cmd_find(const char *name)
{
	int i;

	for (i = 0; i < API_CMD_COUNT; i++)
		if (strcmp(api_cmds[i].name, name) == 0)
			return &api_cmds[i];
	return NULL;
}

enum api_cmd_id
api_cmd_id(const struct api_cmd *c)
{
	return (enum api_cmd_id)(c - api_cmds);
}

/* Where the help lines start: past every short synopsis. */
#define HELP_COLUMN 38

void
api_cmds_help(FILE *f)
{
	int i;

	for (i = 0; i < API_CMD_COUNT; i++) {
		const struct api_cmd *c = &api_cmds[i];

		if (2 + strlen(c->usage) < HELP_COLUMN)
			fprintf(f, "  %-*s%s\n", HELP_COLUMN - 2, c->usage, c->help);
		else
			fprintf(f, "  %s\n%*s%s\n", c->usage, HELP_COLUMN, "", c->help);
	}
}
