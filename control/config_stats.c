/*
 * stats: { prometheus = "ADDRESS:PORT"; }: the Prometheus endpoint, a
 * kernel socket on the management network, so any IPv4 address of this
 * host (or 0.0.0.0) is fine here. It is bound once, at start-up.
 * Threading: as config.h.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

/* The port's bounds are the key's: "ADDRESS:PORT", PORT in min..max. */
static int
parse_prometheus(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		 const char *v, void *base)
{
	struct cfg *c = base;
	const char *colon = strrchr(v, ':'), *end = NULL;
	unsigned int port = 0;
	char addr[32];
	uint32_t ip;

	if (colon != NULL)
		end = cfg_parse_decimal(colon + 1, 5, &port);
	if (colon == NULL || (size_t)(colon - v) >= sizeof(addr) || end == NULL ||
	    *end != '\0' || port < k->min || port > k->max) {
		cfg_err(x, s, "\"%s\" is not ADDRESS:PORT (e.g. \"127.0.0.1:9273\")", v);
		return GOT_ERROR;
	}
	memcpy(addr, v, (size_t)(colon - v));
	addr[colon - v] = '\0';
	if (cfg_parse_ipv4(addr, &ip, NULL) != 0) {
		cfg_err(x, s, "\"%s\" is not an IPv4 address", addr);
		return GOT_ERROR;
	}
	c->prom_ip = ip;
	c->prom_port = (uint16_t)port;
	return GOT_VALUE;
}

static int
same_prometheus(const void *a, const void *b)
{
	const struct cfg *p = a, *q = b;

	return p->prom_ip == q->prom_ip && p->prom_port == q->prom_port;
}

/* No default: the endpoint is off unless written. */
static const struct cfg_key keys[] = {
	{ .name = "prometheus", .type = CFG_KEY_STRING, .flags = CFG_KEY_RESTART,
	  .min = 1, .max = 65535, .parse = parse_prometheus, .same = same_prometheus },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

const struct cfg_section cfg_sec_stats = {
	.name = "stats",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
};
