/*
 * api: { socket = "/run/sluice/sluice.sock"; mode = "0600"; }: the runtime
 * API's UNIX socket ("" turns the API off) and its permission bits, as an
 * octal string because libconfig has no octal integers. The socket is
 * created once, at start-up, so both need a restart: a reload that changed
 * them would answer "applied" and change nothing.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

static int
parse_socket(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	     const char *v, void *base)
{
	if (strlen(v) >= k->size) {
		cfg_err(x, s, "longer than %zu characters", (size_t)k->size - 1);
		return GOT_ERROR;
	}
	if (v[0] != '\0' && v[0] != '/') {
		cfg_err(x, s, "\"%s\" is not an absolute path", v);
		return GOT_ERROR;
	}
	snprintf((char *)base + k->off, k->size, "%s", v);
	return GOT_VALUE;
}

static int
parse_mode(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	   const char *v, void *base)
{
	struct cfg *c = base;
	unsigned long mode;
	char *end;

	mode = strtoul(v, &end, 8);
	if (v[0] != '0' || *end != '\0' || end == v || mode > (unsigned long)k->max) {
		cfg_err(x, s, "\"%s\" is not an octal mode such as \"0600\"", v);
		return GOT_ERROR;
	}
	c->api_mode = (uint32_t)mode;
	return GOT_VALUE;
}

static const struct cfg_key keys[] = {
	{ .name = "socket", .type = CFG_KEY_STRING, .flags = CFG_KEY_RESTART | CFG_KEY_CHARS,
	  .off = offsetof(struct cfg, api_socket), .size = sizeof(((struct cfg *)0)->api_socket),
	  .def_str = "/run/sluice/sluice.sock", .parse = parse_socket },
	{ .name = "mode", .type = CFG_KEY_STRING, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, api_mode), .size = 4, .min = 0, .max = 0777, .def = 0600,
	  .parse = parse_mode },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

const struct cfg_section cfg_sec_api = {
	.name = "api",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
};
