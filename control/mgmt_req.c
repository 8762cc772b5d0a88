/* Management request formats (see mgmt_req.h). */
#include <errno.h>
#include <string.h>

#include "api_cmds.h"
#include "mgmt_req.h"

const char *const mgmt_http_ends[] = { "\r\n\r\n", "\n\n", NULL };
/* An empty line ends the arguments. */
const char *const mgmt_api_ends[] = { "\n\n", NULL };

enum mgmt_prom_route
mgmt_prom_route(const char *req, size_t len)
{
	static const char get[] = "GET /metrics";
	const size_t n = sizeof(get) - 1;

	if (len > n && memcmp(req, get, n) == 0 && (req[n] == ' ' || req[n] == '?'))
		return MGMT_PROM_METRICS;
	return MGMT_PROM_NOT_FOUND;
}

int
mgmt_api_parse(char *req, size_t len, char **argv, int max_args)
{
	char *p = req, *end = req + len;
	int argc = 0;

	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return -EINVAL;
		if (nl == p)
			return argc;
		if (argc == max_args)
			return -E2BIG;
		*nl = '\0';
		argv[argc++] = p;
		p = nl + 1;
	}
}

/* Does buf[0..len) start with the line `word`? */
static int
starts_line(const char *buf, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len > n && memcmp(buf, word, n) == 0 && buf[n] == '\n';
}

enum mgmt_api_lane
mgmt_api_lane(const char *req, size_t len)
{
	int i;

	while (starts_line(req, len, "--json")) {
		req += 7;
		len -= 7;
	}
	for (i = 0; i < API_CMD_COUNT; i++)
		if (starts_line(req, len, api_cmds[i].name))
			return (enum mgmt_api_lane)api_cmds[i].lane;
	return MGMT_LANE_SLOW;
}
