/*
 * services[].health and services[].backends[].health: the checks. A
 * service's group sets every value (defaults for the keys it leaves out), a
 * backend's only overrides, flagged in cfg_health.set so cfg_dump writes
 * back exactly what was written. Part of services: a reload changes them.
 * Threading: as config.h.
 */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

static const char *const hc_type_names[] = {
	[CFG_HC_NONE] = "none",
	[CFG_HC_TCP] = "tcp",
	[CFG_HC_HTTP] = "http",
	[CFG_HC_ICMP] = "icmp",
};

const char *
cfg_hc_type_name(enum cfg_hc_type t)
{
	return (unsigned int)t < CFG_DIM(hc_type_names) ? hc_type_names[t] : "?";
}

static int
parse_type(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	   const char *v, void *base)
{
	struct cfg_health *h = base;
	size_t i;

	(void)k;
	for (i = 0; i < CFG_DIM(hc_type_names); i++) {
		if (strcmp(v, hc_type_names[i]) == 0) {
			h->type = (uint8_t)i;
			return GOT_VALUE;
		}
	}
	cfg_err(x, s, "unknown health check type \"%s\" (one of: none, tcp, http, icmp)", v);
	return GOT_ERROR;
}

/* path and body: 0..127 characters; a path also goes into the request line. */
static int
parse_text(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	   const char *v, void *base)
{
	const char *p;

	if (strlen(v) >= k->size) {
		cfg_err(x, s, "longer than %d characters", (int)k->size - 1);
		return GOT_ERROR;
	}
	if (k->set_bit == CFG_HC_SET_PATH) {
		if (v[0] != '/') {
			cfg_err(x, s, "\"%s\" does not start with '/'", v);
			return GOT_ERROR;
		}
		for (p = v; *p != '\0'; p++) {
			if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
				cfg_err(x, s, "\"%s\": spaces, control and non-ASCII characters must be %%-encoded",
					v);
				return GOT_ERROR;
			}
		}
	}
	memcpy((char *)base + k->off, v, strlen(v) + 1);
	return GOT_VALUE;
}

enum { HK_TYPE, HK_INTERVAL, HK_TIMEOUT, HK_RISE, HK_FALL, HK_PORT, HK_STATUS, HK_PATH, HK_BODY };

#define HC_INT(key, field, sz, lo, hi, d, bit) \
	{ .name = key, .type = CFG_KEY_INT, .off = offsetof(struct cfg_health, field), \
	  .size = sz, .min = lo, .max = hi, .def = d, .set_bit = bit }
#define HC_TEXT(key, field, bit) \
	{ .name = key, .type = CFG_KEY_STRING, .flags = CFG_KEY_CHARS, \
	  .off = offsetof(struct cfg_health, field), .size = CFG_HC_STR_LEN, .set_bit = bit, \
	  .parse = parse_text }

/* In the order they are read: messages of one line keep it. */
static const struct cfg_key keys[] = {
	[HK_TYPE] = { .name = "type", .type = CFG_KEY_STRING,
		      .off = offsetof(struct cfg_health, type), .size = 1, .def = CFG_HC_NONE,
		      .set_bit = CFG_HC_SET_TYPE, .parse = parse_type },
	[HK_INTERVAL] = HC_INT("interval_ms", interval_ms, 4, 100, 3600000, CFG_HC_INTERVAL_MS,
			       CFG_HC_SET_INTERVAL),
	[HK_TIMEOUT] = HC_INT("timeout_ms", timeout_ms, 4, 10, 60000, CFG_HC_TIMEOUT_MS,
			      CFG_HC_SET_TIMEOUT),
	[HK_RISE] = HC_INT("rise", rise, 1, 1, 100, CFG_HC_RISE, CFG_HC_SET_RISE),
	[HK_FALL] = HC_INT("fall", fall, 1, 1, 100, CFG_HC_FALL, CFG_HC_SET_FALL),
	[HK_PORT] = { .name = "port", .type = CFG_KEY_INT, .flags = CFG_KEY_INHERITS, /* 0: the backend's */
		      .off = offsetof(struct cfg_health, port), .size = 2, .min = 1, .max = 65535,
		      .set_bit = CFG_HC_SET_PORT },
	[HK_STATUS] = HC_INT("status", status, 2, 100, 599, CFG_HC_STATUS, CFG_HC_SET_STATUS),
	[HK_PATH] = HC_TEXT("path", path, CFG_HC_SET_PATH),
	[HK_BODY] = HC_TEXT("body", body, CFG_HC_SET_BODY),
};

const struct cfg_key_table cfg_health_table = { "health", keys, CFG_DIM(keys) };

void
cfg_health_defaults(struct cfg_health *h)
{
	memset(h, 0, sizeof(*h));
	cfg_key_defaults(keys, CFG_DIM(keys), h);
}

void
cfg_health_resolve(const struct cfg_service *s, const struct cfg_backend *b,
		   struct cfg_health *out)
{
	const struct cfg_health *o = &b->health;
	uint16_t set = o->set;

	*out = s->health;
	out->set = 0;
	if (set & CFG_HC_SET_TYPE)
		out->type = o->type;
	if (set & CFG_HC_SET_INTERVAL)
		out->interval_ms = o->interval_ms;
	if (set & CFG_HC_SET_TIMEOUT)
		out->timeout_ms = o->timeout_ms;
	if (set & CFG_HC_SET_RISE)
		out->rise = o->rise;
	if (set & CFG_HC_SET_FALL)
		out->fall = o->fall;
	if (set & CFG_HC_SET_PORT)
		out->port = o->port;
	if (set & CFG_HC_SET_PATH)
		memcpy(out->path, o->path, sizeof(out->path));
	if (set & CFG_HC_SET_STATUS)
		out->status = o->status;
	if (set & CFG_HC_SET_BODY)
		memcpy(out->body, o->body, sizeof(out->body));
	/* What this type does not use cannot make two checks differ. */
	if (out->type != CFG_HC_HTTP) {
		memset(out->path, 0, sizeof(out->path));
		memset(out->body, 0, sizeof(out->body));
		out->status = 0;
	}
	if (out->type != CFG_HC_TCP && out->type != CFG_HC_HTTP)
		out->port = 0;
}

/* Keys of one type only: reported where they are written. */
static void
check_typed(struct cfg_ctx *x, const config_setting_t *g, const struct cfg_health *h,
	    uint8_t type)
{
	static const struct {
		uint8_t key;
		uint8_t http_only;
	} typed[] = {
		{ HK_PORT, 0 },
		{ HK_PATH, 1 },
		{ HK_STATUS, 1 },
		{ HK_BODY, 1 },
	};
	size_t i;

	for (i = 0; i < CFG_DIM(typed); i++) {
		const struct cfg_key *k = &keys[typed[i].key];

		if (!(h->set & k->set_bit))
			continue;
		if (typed[i].http_only && type != CFG_HC_HTTP)
			cfg_err(x, config_setting_get_member(g, k->name),
				"only valid with type \"http\", not \"%s\"",
				cfg_hc_type_name((enum cfg_hc_type)type));
		else if (!typed[i].http_only && type != CFG_HC_TCP && type != CFG_HC_HTTP)
			cfg_err(x, config_setting_get_member(g, k->name),
				"only valid with type \"tcp\" or \"http\", not \"%s\"",
				cfg_hc_type_name((enum cfg_hc_type)type));
	}
}

/* A probe must end before the next one starts. */
static void
check_timeout(struct cfg_ctx *x, const config_setting_t *g, const struct cfg_health *h,
	      const struct cfg_health *inherit)
{
	const char *iname = keys[HK_INTERVAL].name, *tname = keys[HK_TIMEOUT].name;
	const config_setting_t *s;
	uint32_t interval, timeout;

	if (!(h->set & (CFG_HC_SET_INTERVAL | CFG_HC_SET_TIMEOUT)) && inherit != NULL)
		return; /* the service's own pair, checked there */
	if ((config_setting_get_member(g, iname) != NULL && !(h->set & CFG_HC_SET_INTERVAL)) ||
	    (config_setting_get_member(g, tname) != NULL && !(h->set & CFG_HC_SET_TIMEOUT)))
		return; /* one of them is wrong already: no second message */
	interval = (h->set & CFG_HC_SET_INTERVAL) || inherit == NULL ?
		h->interval_ms : inherit->interval_ms;
	timeout = (h->set & CFG_HC_SET_TIMEOUT) || inherit == NULL ?
		h->timeout_ms : inherit->timeout_ms;
	if (timeout < interval)
		return;
	s = config_setting_get_member(g, (h->set & CFG_HC_SET_TIMEOUT) ? tname : iname);
	if (s != NULL)
		cfg_err(x, s, "timeout_ms %u must be below interval_ms %u", timeout, interval);
}

/*
 * health: { ... } of a service (inherit NULL: h starts from the defaults)
 * or of a backend (h starts empty; inherit is its service's check). Rules
 * that depend on the type use the type this group ends up with, and are
 * skipped when that type itself was mistyped, so one mistake stays one
 * message.
 */
void
cfg_parse_health(struct cfg_ctx *x, const config_setting_t *parent,
		 struct cfg_health *h, const struct cfg_health *inherit,
		 int inherit_type_bad)
{
	const config_setting_t *g;
	int type_bad = inherit_type_bad, rc;
	uint8_t type;
	size_t i;

	if (cfg_get_group(x, parent, "health", &g) != GOT_VALUE)
		return;
	cfg_check_keys(x, g, keys, CFG_DIM(keys), NULL);
	for (i = 0; i < CFG_DIM(keys); i++) {
		rc = cfg_get_key(x, g, &keys[i], h);
		if (rc == GOT_VALUE)
			h->set |= keys[i].set_bit;
		if (i == HK_TYPE && rc != GOT_NONE)
			type_bad = rc == GOT_ERROR;
	}
	type = (h->set & CFG_HC_SET_TYPE) || inherit == NULL ? h->type : inherit->type;
	if (!type_bad)
		check_typed(x, g, h, type);
	check_timeout(x, g, h, inherit);
}

int
cfg_hc_type_bad(const config_setting_t *parent, const struct cfg_health *h)
{
	const config_setting_t *g = config_setting_get_member(parent, "health");

	return g != NULL && config_setting_is_group(g) &&
	       config_setting_get_member(g, keys[HK_TYPE].name) != NULL &&
	       !(h->set & CFG_HC_SET_TYPE);
}
