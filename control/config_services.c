/*
 * services = ( { name; vip; port; protocol; scheduler; forward;
 * mh_table_size; local_addresses; health; down_policy; backends; }, ... ):
 * the virtual services, at most SL_MAX_SERVICES. Every snapshot is built
 * from them, so a reload changes any of it. Pass 3 checks names, VIPs and
 * FULLNAT local addresses against each other, the ports and the backends.
 * Threading: as config.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

static int
parse_protocol(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	       const char *v, void *base)
{
	struct cfg_service *sv = base;

	(void)k;
	if (cfg_proto_from_name(v) < 0) {
		cfg_err(x, s, "unknown protocol \"%s\" (one of: tcp, udp)", v);
		return GOT_ERROR;
	}
	sv->proto = (uint8_t)cfg_proto_from_name(v);
	return GOT_VALUE;
}

static int
parse_scheduler(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		const char *v, void *base)
{
	struct cfg_service *sv = base;
	char names[128] = "";
	size_t used;
	int algo, a;

	(void)k;
	algo = sched_algo_from_name(v);
	if (algo >= 0) {
		sv->sched = (uint8_t)algo;
		return GOT_VALUE;
	}
	for (a = 0; a < SCHED_ALGO__COUNT; a++) {
		const char *n = sched_algo_name((enum sched_algo)a);

		used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s%s",
			 a ? ", " : "", n ? n : "?");
	}
	cfg_err(x, s, "unknown scheduler \"%s\" (one of: %s)", v, names);
	return GOT_ERROR;
}

static int
parse_forward(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	      const char *v, void *base)
{
	struct cfg_service *sv = base;

	(void)k;
	if (cfg_mode_from_name(v) < 0) {
		cfg_err(x, s, "unknown forwarding mode \"%s\" (one of: nat, fullnat, dr)", v);
		return GOT_ERROR;
	}
	sv->mode = (uint8_t)cfg_mode_from_name(v);
	return GOT_VALUE;
}

const char *
cfg_down_policy_name(enum cfg_down_policy p)
{
	switch (p) {
	case CFG_DOWN_KEEP:
		return "keep";
	case CFG_DOWN_RESET:
		return "reset";
	}
	return "?";
}

static int
parse_down_policy(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		  const char *v, void *base)
{
	struct cfg_service *sv = base;

	(void)k;
	if (strcmp(v, "keep") == 0) {
		sv->down_policy = CFG_DOWN_KEEP;
	} else if (strcmp(v, "reset") == 0) {
		sv->down_policy = CFG_DOWN_RESET;
	} else {
		cfg_err(x, s, "unknown down_policy \"%s\" (one of: keep, reset)", v);
		return GOT_ERROR;
	}
	return GOT_VALUE;
}

/* Maglev's table size: a prime, or its slots would not be permutations. */
static int
check_mh_size(struct cfg_ctx *x, const config_setting_t *s, long long v)
{
	if (sched_is_prime((uint32_t)v))
		return 0;
	cfg_err(x, s, "%lld is not a prime", v);
	return -1;
}

enum {
	SK_NAME, SK_VIP, SK_PORT, SK_PROTOCOL, SK_SCHEDULER, SK_FORWARD, SK_MH_SIZE,
	SK_DOWN_POLICY,
};

#define SVC_ENUM(key, field, d, fn) \
	{ .name = key, .type = CFG_KEY_STRING, .off = offsetof(struct cfg_service, field), \
	  .size = 1, .def = d, .parse = fn }

static const struct cfg_key keys[] = {
	[SK_NAME] = { .name = "name", .type = CFG_KEY_STRING,
		      .flags = CFG_KEY_REQUIRED | CFG_KEY_CHARS,
		      .off = offsetof(struct cfg_service, name), .size = SL_NAME_LEN,
		      .parse = cfg_parse_name_key },
	[SK_VIP] = { .name = "vip", .type = CFG_KEY_STRING, .flags = CFG_KEY_REQUIRED,
		     .off = offsetof(struct cfg_service, vip), .size = 4,
		     .parse = cfg_parse_ip_key },
	[SK_PORT] = { .name = "port", .type = CFG_KEY_INT, .flags = CFG_KEY_REQUIRED,
		      .off = offsetof(struct cfg_service, port), .size = 2, .min = 1,
		      .max = 65535 },
	[SK_PROTOCOL] = SVC_ENUM("protocol", proto, IPPROTO_TCP, parse_protocol),
	[SK_SCHEDULER] = SVC_ENUM("scheduler", sched, SCHED_ALGO_WLC, parse_scheduler),
	[SK_FORWARD] = SVC_ENUM("forward", mode, SVC_MODE_NAT, parse_forward),
	[SK_MH_SIZE] = { .name = "mh_table_size", .type = CFG_KEY_INT,
			 .off = offsetof(struct cfg_service, mh_size), .size = 4,
			 .min = CFG_MIN_MH_SIZE, .max = SCHED_MH_MAX_SIZE,
			 .def = SCHED_MH_DEFAULT_SIZE, .check = check_mh_size },
	[SK_DOWN_POLICY] = SVC_ENUM("down_policy", down_policy, CFG_DOWN_KEEP,
				    parse_down_policy),
};

static const char *const others[] = { "local_addresses", "health", "backends", NULL };

static void
parse_laddrs(struct cfg_ctx *x, const config_setting_t *ss, struct cfg_service *sv)
{
	const config_setting_t *s;
	int i, n;

	if (cfg_get_seq(x, ss, "local_addresses", &s) != GOT_VALUE)
		return;
	n = config_setting_length(s);
	if (n == 0 || n > SL_MAX_SVC_LADDRS)
		cfg_err(x, s, "%d local addresses, expected 1..%d", n, SL_MAX_SVC_LADDRS);
	for (i = 0; i < n; i++) {
		uint32_t scratch, *ip = i < SL_MAX_SVC_LADDRS ? &sv->laddrs[i] : &scratch;

		cfg_get_ip_elem(x, config_setting_get_elem(s, (unsigned int)i), ip);
	}
	sv->n_laddrs = n < SL_MAX_SVC_LADDRS ? (uint32_t)n : SL_MAX_SVC_LADDRS;
}

static int
parse_service(struct cfg_ctx *x, const config_setting_t *ss, struct cfg_service *sv,
	      uint32_t *total)
{
	sv->line = cfg_setting_line(x, ss, NULL);
	cfg_key_defaults(keys, CFG_DIM(keys), sv);
	cfg_health_defaults(&sv->health);
	if (!config_setting_is_group(ss)) {
		cfg_err(x, ss, "expected a group { }, not %s", cfg_type_name(ss));
		return 0;
	}
	cfg_check_keys(x, ss, keys, CFG_DIM(keys), others);
	cfg_get_key(x, ss, &keys[SK_NAME], sv);
	cfg_get_key(x, ss, &keys[SK_VIP], sv);
	cfg_get_key(x, ss, &keys[SK_PORT], sv);
	cfg_get_key(x, ss, &keys[SK_PROTOCOL], sv);
	cfg_get_key(x, ss, &keys[SK_SCHEDULER], sv);
	cfg_get_key(x, ss, &keys[SK_FORWARD], sv);
	cfg_get_key(x, ss, &keys[SK_MH_SIZE], sv);
	parse_laddrs(x, ss, sv);
	cfg_parse_health(x, ss, &sv->health, NULL, 0);
	cfg_get_key(x, ss, &keys[SK_DOWN_POLICY], sv);
	return cfg_parse_backends(x, ss, sv, total);
}

static int
parse_services(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	const config_setting_t *s;
	int i, n;

	if (cfg_get_seq(x, root, "services", &s) != GOT_VALUE)
		return 0;
	n = config_setting_length(s);
	if (n > SL_MAX_SERVICES)
		cfg_err(x, s, "%d services, at most %d", n, SL_MAX_SERVICES);
	if (n == 0)
		return 0;
	c->services = calloc((size_t)n, sizeof(*c->services));
	x->svc_set = calloc((size_t)n, sizeof(*x->svc_set));
	if (c->services == NULL || x->svc_set == NULL) {
		cfg_err_oom(x);
		return -ENOMEM;
	}
	c->n_services = (uint32_t)n;
	for (i = 0; i < n; i++) {
		x->svc_set[i] = config_setting_get_elem(s, (unsigned int)i);
		if (parse_service(x, x->svc_set[i], &c->services[i],
				  &c->n_backends_total) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- pass 3 ------------------------------------------------------------------ */

int
cfg_addr_ref_cmp(const void *pa, const void *pb)
{
	const struct cfg_addr_ref *a = pa, *b = pb;

	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* First (lowest service, index) entry with `ip`, or NULL. */
static const struct cfg_addr_ref *
addr_find(const struct cfg_addr_ref *v, uint32_t n, uint32_t ip)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].ip == ip ? &v[lo] : NULL;
}

static void
check_laddrs(struct cfg_ctx *x, const struct cfg *c, uint32_t i,
	     const struct cfg_addr_ref *bes, uint32_t n_bes,
	     const struct cfg_addr_ref *vips, uint32_t n_vips)
{
	const struct cfg_service *sv = &c->services[i];
	const config_setting_t *ls = config_setting_get_member(x->svc_set[i],
							      "local_addresses");
	const struct cfg_addr_ref *r;
	char buf[INET_ADDRSTRLEN];
	uint32_t j, k;
	int p;

	if (sv->mode != SVC_MODE_FULLNAT) {
		if (ls != NULL)
			cfg_err(x, ls, "only valid with forward = \"fullnat\"");
		return;
	}
	if (ls == NULL) {
		cfg_err(x, x->svc_set[i],
			"forward = \"fullnat\" needs \"local_addresses\"");
		return;
	}
	for (j = 0; j < sv->n_laddrs; j++) {
		const config_setting_t *es = cfg_member(x->svc_set[i], "local_addresses",
							(int)j);
		uint32_t ip = sv->laddrs[j];

		if (ip == 0)
			continue;
		for (k = 0; k < j; k++)
			if (sv->laddrs[k] == ip)
				break;
		if (k < j) {
			cfg_err(x, es, "%s listed twice", cfg_ip_str(ip, buf));
			continue;
		}
		p = cfg_port_with_addr(x, ip);
		if (p >= 0)
			cfg_err(x, es, "%s is an address of port \"%s\"",
				cfg_ip_str(ip, buf), x->ports[p].name);
		else if (cfg_port_with_subnet(x, ip) < 0)
			cfg_err(x, es, "%s is not inside any port subnet",
				cfg_ip_str(ip, buf));
		r = addr_find(vips, n_vips, ip);
		if (r != NULL)
			cfg_err(x, es, "%s is the VIP of service \"%s\" (line %d)",
				cfg_ip_str(ip, buf), c->services[r->svc].name,
				c->services[r->svc].line);
		r = addr_find(bes, n_bes, ip);
		if (r != NULL)
			cfg_err(x, es, "%s is a backend of service \"%s\" (line %d)",
				cfg_ip_str(ip, buf), c->services[r->svc].name,
				c->services[r->svc].backends[r->idx].line);
	}
}

static void
check_vip(struct cfg_ctx *x, const struct cfg *c, uint32_t i,
	  const struct cfg_addr_ref *bes, uint32_t n_bes)
{
	const struct cfg_service *sv = &c->services[i];
	const config_setting_t *vs = cfg_member(x->svc_set[i], keys[SK_VIP].name, -1);
	const struct cfg_addr_ref *r;
	char buf[INET_ADDRSTRLEN];
	uint32_t p;
	int k;

	if (sv->vip == 0)
		return;
	k = cfg_port_with_addr(x, sv->vip);
	if (k >= 0)
		cfg_err(x, vs, "%s is an address of port \"%s\"",
			cfg_ip_str(sv->vip, buf), x->ports[k].name);
	for (p = 0; p < x->n_ports; p++)
		if (x->ports[p].gateway == sv->vip)
			cfg_err(x, vs, "%s is the gateway of port \"%s\"",
				cfg_ip_str(sv->vip, buf), x->ports[p].name);
	r = addr_find(bes, n_bes, sv->vip);
	if (r != NULL)
		cfg_err(x, vs, "%s is a backend of service \"%s\" (line %d)",
			cfg_ip_str(sv->vip, buf), c->services[r->svc].name,
			c->services[r->svc].backends[r->idx].line);
}

/* Names and (VIP, port, protocol) unique: against every earlier service. */
static void
check_unique(struct cfg_ctx *x, const struct cfg *c, uint32_t i)
{
	const struct cfg_service *sv = &c->services[i];
	char buf[INET_ADDRSTRLEN];
	uint32_t k;

	for (k = 0; k < i; k++) {
		const struct cfg_service *o = &c->services[k];

		if (sv->name[0] != '\0' && strcmp(sv->name, o->name) == 0)
			cfg_err(x, cfg_member(x->svc_set[i], keys[SK_NAME].name, -1),
				"duplicate service name \"%s\" (first at line %d)",
				sv->name, o->line);
		if (sv->vip != 0 && sv->port != 0 && sv->vip == o->vip &&
		    sv->port == o->port && sv->proto == o->proto)
			cfg_err(x, x->svc_set[i],
				"duplicate service %s:%u/%s (\"%s\", line %d)",
				cfg_ip_str(sv->vip, buf), sv->port,
				sv->proto == IPPROTO_UDP ? "udp" : "tcp",
				o->name, o->line);
	}
}

static int
check_services(struct cfg_ctx *x, struct cfg *c)
{
	struct cfg_addr_ref *bes = NULL, *vips = NULL;
	uint32_t i, j, n_bes = 0, n_vips = 0;
	int rc = 0;

	if (c->n_services == 0)
		return 0;
	bes = malloc((c->n_backends_total + 1) * sizeof(*bes));
	vips = malloc(c->n_services * sizeof(*vips));
	if (bes == NULL || vips == NULL) {
		cfg_err_oom(x);
		rc = -ENOMEM;
		goto free_index;
	}
	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *sv = &c->services[i];

		if (sv->vip != 0)
			vips[n_vips++] = (struct cfg_addr_ref){ sv->vip, 0, i, 0 };
		for (j = 0; j < sv->n_backends; j++)
			if (sv->backends[j].ip != 0)
				bes[n_bes++] = (struct cfg_addr_ref){
					sv->backends[j].ip, 0, i, j };
	}
	qsort(bes, n_bes, sizeof(*bes), cfg_addr_ref_cmp);
	qsort(vips, n_vips, sizeof(*vips), cfg_addr_ref_cmp);

	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *sv = &c->services[i];

		check_unique(x, c, i);
		check_vip(x, c, i, bes, n_bes);
		check_laddrs(x, c, i, bes, n_bes, vips, n_vips);
		if (cfg_check_backends(x, c, i) != 0) {
			rc = -ENOMEM;
			goto free_index;
		}
		/* Maglev fills M slots from N permutations: M must exceed N. */
		if (sv->sched == SCHED_ALGO_MH && sv->n_backends >= sv->mh_size)
			cfg_err(x, cfg_member(x->svc_set[i], keys[SK_MH_SIZE].name, -1),
				"mh table size %u must exceed the number of backends (%u)",
				sv->mh_size, sv->n_backends);
	}
free_index:
	free(bes);
	free(vips);
	return rc;
}

static const struct cfg_key_table *const sub[] = {
	&cfg_backend_table,
	&cfg_health_table,
};

const struct cfg_section cfg_sec_services = {
	.name = "services",
	.list = 1,
	.keys = keys,
	.n_keys = CFG_DIM(keys),
	.sub = sub,
	.n_sub = CFG_DIM(sub),
	.parse = parse_services,
	.check = check_services,
};
