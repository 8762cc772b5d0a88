/*
 * services[].backends = ( { address; port; weight; health; }, ... ): the
 * real servers of a service, at most SL_MAX_BACKENDS in all services.
 * Part of services: a reload changes them. Pass 3 checks them against the
 * ports (and, for dr, against the service's port) and for duplicates.
 * Threading: as config.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "config.h"
#include "config_impl.h"

enum { BK_ADDRESS, BK_PORT, BK_WEIGHT };

static const struct cfg_key keys[] = {
	[BK_ADDRESS] = { .name = "address", .type = CFG_KEY_STRING, .flags = CFG_KEY_REQUIRED,
			 .off = offsetof(struct cfg_backend, ip), .size = 4,
			 .parse = cfg_parse_ip_key },
	/* the service's port */
	[BK_PORT] = { .name = "port", .type = CFG_KEY_INT, .flags = CFG_KEY_INHERITS,
		      .off = offsetof(struct cfg_backend, port), .size = 2, .min = 1,
		      .max = 65535 },
	[BK_WEIGHT] = { .name = "weight", .type = CFG_KEY_INT,
			.off = offsetof(struct cfg_backend, weight), .size = 2, .min = 0,
			.max = SCHED_MAX_WEIGHT, .def = 1 },
};

const struct cfg_key_table cfg_backend_table = { "backends[]", keys, CFG_DIM(keys) };

static const char *const others[] = { "health", NULL };

int
cfg_parse_backends(struct cfg_ctx *x, const config_setting_t *ss,
		   struct cfg_service *sv, uint32_t *total)
{
	const config_setting_t *s;
	uint32_t before = *total;
	int svc_type_bad = cfg_hc_type_bad(ss, &sv->health);
	int i, n;

	if (cfg_get_seq(x, ss, "backends", &s) != GOT_VALUE)
		return 0;
	n = config_setting_length(s);
	if (n == 0)
		return 0;
	*total += (uint32_t)n;
	if (before <= SL_MAX_BACKENDS && *total > SL_MAX_BACKENDS)
		cfg_err(x, s, "%u backends in all services so far, at most %d",
			*total, SL_MAX_BACKENDS);
	sv->backends = calloc((size_t)n, sizeof(*sv->backends));
	if (sv->backends == NULL) {
		cfg_err_oom(x);
		return -ENOMEM;
	}
	sv->n_backends = (uint32_t)n;
	for (i = 0; i < n; i++) {
		const config_setting_t *bs = config_setting_get_elem(s, (unsigned int)i);
		struct cfg_backend *b = &sv->backends[i];

		b->line = cfg_setting_line(x, bs, NULL);
		cfg_key_defaults(keys, CFG_DIM(keys), b);
		b->port = sv->port;
		if (!config_setting_is_group(bs)) {
			cfg_err(x, bs, "expected a group { }, not %s", cfg_type_name(bs));
			continue;
		}
		cfg_check_keys(x, bs, keys, CFG_DIM(keys), others);
		cfg_get_key(x, bs, &keys[BK_ADDRESS], b);
		if (cfg_get_key(x, bs, &keys[BK_PORT], b) == GOT_ERROR)
			b->port = 0;
		cfg_get_key(x, bs, &keys[BK_WEIGHT], b);
		cfg_parse_health(x, bs, &b->health, &sv->health, svc_type_bad);
	}
	return 0;
}

/* ---- pass 3 ------------------------------------------------------------------ */

/* The setting of backend j of service i (or the service group). */
static const config_setting_t *
backend_set(const struct cfg_ctx *x, uint32_t i, uint32_t j, const char *key)
{
	const config_setting_t *b = cfg_member(x->svc_set[i], "backends", (int)j);

	if (b == x->svc_set[i] || key == NULL)
		return b;
	return cfg_member(b, key, -1);
}

/* Backends repeated (same address and port) within service i. */
static int
check_backend_dups(struct cfg_ctx *x, const struct cfg *c, uint32_t i)
{
	const struct cfg_service *sv = &c->services[i];
	struct cfg_addr_ref *v;
	uint32_t *first;
	uint32_t j, n = 0;
	char buf[INET_ADDRSTRLEN];

	v = malloc(sv->n_backends * sizeof(*v));
	first = malloc(sv->n_backends * sizeof(*first));
	if (v == NULL || first == NULL) {
		free(v);
		free(first);
		cfg_err_oom(x);
		return -ENOMEM;
	}
	for (j = 0; j < sv->n_backends; j++) {
		first[j] = j;
		if (sv->backends[j].ip != 0 && sv->backends[j].port != 0)
			v[n++] = (struct cfg_addr_ref){ sv->backends[j].ip,
							sv->backends[j].port, i, j };
	}
	qsort(v, n, sizeof(*v), cfg_addr_ref_cmp);
	for (j = 1; j < n; j++)
		if (v[j].ip == v[j - 1].ip && v[j].port == v[j - 1].port)
			first[v[j].idx] = first[v[j - 1].idx];
	/* Report in file order, each pointing at the first occurrence. */
	for (j = 0; j < sv->n_backends; j++)
		if (first[j] != j)
			cfg_err(x, backend_set(x, i, j, NULL),
				"duplicate backend %s:%u (first at line %d)",
				cfg_ip_str(sv->backends[j].ip, buf), sv->backends[j].port,
				sv->backends[first[j]].line);
	free(v);
	free(first);
	return 0;
}

int
cfg_check_backends(struct cfg_ctx *x, const struct cfg *c, uint32_t i)
{
	const struct cfg_service *sv = &c->services[i];
	char buf[INET_ADDRSTRLEN];
	uint32_t j;
	int p;

	for (j = 0; j < sv->n_backends; j++) {
		const struct cfg_backend *b = &sv->backends[j];

		if (b->ip == 0)
			continue;
		p = cfg_port_with_addr(x, b->ip);
		if (p >= 0)
			cfg_err(x, backend_set(x, i, j, keys[BK_ADDRESS].name),
				"%s is an address of port \"%s\", not a backend",
				cfg_ip_str(b->ip, buf), x->ports[p].name);
		if (sv->mode != SVC_MODE_DR)
			continue;
		/* DR rewrites only the MAC: backends must share a link and the port. */
		if (b->port != 0 && sv->port != 0 && b->port != sv->port)
			cfg_err(x, backend_set(x, i, j, keys[BK_PORT].name),
				"forward = \"dr\" cannot change the port: %u must equal the service port %u",
				b->port, sv->port);
		if (cfg_port_with_subnet(x, b->ip) < 0)
			cfg_err(x, backend_set(x, i, j, keys[BK_ADDRESS].name),
				"forward = \"dr\" needs backends on a connected subnet: %s is not inside any port subnet",
				cfg_ip_str(b->ip, buf));
	}
	return sv->n_backends > 1 ? check_backend_dups(x, c, i) : 0;
}
