/*
 * Configuration loader: libconfig text -> validated struct cfg.
 *
 * Three passes, each recording every error it finds rather than stopping:
 *  1. config_text.c expands @include directives itself (libconfig 1.5 would
 *     read any file without limit) and finds integer literals libconfig
 *     would silently wrap to 32 bits, in every file alike; libconfig parses
 *     the result (one syntax error at most: libconfig stops there).
 *  2. A walk of the setting tree checks keys, types and bounds setting by
 *     setting, filling a struct cfg whose lines point back into the file.
 *  3. Cross-checks between settings (uniqueness, subnets, forwarding-mode
 *     rules) run over the filled struct, with the tree still at hand so each
 *     message points at the offending setting's own line.
 * A value that failed pass 2 is left zero, and pass 3 skips zero addresses
 * and ports, so one mistake does not cascade into several messages.
 *
 * Threading: control lcore or tools; allocates with malloc; no EAL.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dataplane/conntrack.h"
#include "config.h"
#include "config_text.h"

#define CFG_DEFAULT_DESC 1024
#define CFG_MIN_DESC 64
#define CFG_MAX_DESC 16384
#define CFG_MIN_MTU 68
#define CFG_MAX_MTU 9000
#define CFG_MAX_TIMEOUT_S 2592000 /* 30 days; in ms still fits uint32_t */
#define CFG_MAX_MBUFS (1u << 24)

/* Getter results. */
#define GOT_ERROR (-1)
#define GOT_NONE 0
#define GOT_VALUE 1

/* One message waiting to be sorted into file order. */
struct cfg_msg {
	char *text;
	size_t file_len;  /* text starts with the file name */
	int included;     /* from an @include file: after the main file's */
	int line;
	uint32_t seq;     /* keeps the passes' order within a line */
};

/* One load: where messages go and what the passes share. */
struct cfg_ctx {
	const char *name;              /* file name used in messages */
	struct cfg_errors *errs;       /* NULL: count only */
	int n_err;                     /* found, whether stored or not */
	struct cfg_msg *pending;       /* moved to errs in file order at the end */
	uint32_t n_pending;
	uint32_t cap_pending;
	struct cfg_text text;          /* what libconfig parsed, and its line map */
	struct cfg_port *ports;        /* every port in the file, even past 8 */
	uint32_t n_ports;
	const config_setting_t **port_set; /* the group each port came from */
	const config_setting_t **svc_set;  /* the group each service came from */
};

/* ---- error collection ---------------------------------------------------- */

void
cfg_errors_init(struct cfg_errors *e)
{
	e->msgs = NULL;
	e->n = 0;
	e->cap = 0;
}

void
cfg_errors_free(struct cfg_errors *e)
{
	uint32_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	cfg_errors_init(e);
}

void
cfg_errors_print(const struct cfg_errors *e, FILE *f)
{
	uint32_t i;

	for (i = 0; i < e->n; i++)
		fprintf(f, "%s\n", e->msgs[i]);
}

/* Takes ownership of msg. The caller counts the error even if this fails. */
static void
errs_push(struct cfg_errors *e, char *msg)
{
	char **grown;
	uint32_t cap;

	if (e == NULL || msg == NULL) {
		free(msg);
		return;
	}
	if (e->n == e->cap) {
		cap = e->cap ? e->cap * 2 : 8;
		grown = realloc(e->msgs, cap * sizeof(*grown));
		if (grown == NULL) {
			free(msg);
			return;
		}
		e->msgs = grown;
		e->cap = cap;
	}
	e->msgs[e->n++] = msg;
}

/*
 * Passes find errors out of file order (a duplicate is only seen once both
 * settings are read); operators read them top to bottom like compiler
 * output, so messages wait here and are sorted by file and line at the end.
 */
static void
pending_push(struct cfg_ctx *x, char *text, const char *file, int line)
{
	struct cfg_msg *grown;
	uint32_t cap;

	if (text == NULL)
		return;
	if (x->n_pending == x->cap_pending) {
		cap = x->cap_pending ? x->cap_pending * 2 : 8;
		grown = realloc(x->pending, cap * sizeof(*grown));
		if (grown == NULL) {
			free(text);
			return;
		}
		x->pending = grown;
		x->cap_pending = cap;
	}
	x->pending[x->n_pending] = (struct cfg_msg){
		.text = text,
		.file_len = strlen(file),
		.included = strcmp(file, x->name) != 0,
		.line = line,
		.seq = x->n_pending,
	};
	x->n_pending++;
}

static int
msg_cmp(const void *pa, const void *pb)
{
	const struct cfg_msg *a = pa, *b = pb;
	size_t n = a->file_len < b->file_len ? a->file_len : b->file_len;
	int d;

	if (a->included != b->included)
		return a->included - b->included;
	d = memcmp(a->text, b->text, n);
	if (d == 0 && a->file_len != b->file_len)
		d = a->file_len < b->file_len ? -1 : 1;
	if (d != 0)
		return d;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Hand the sorted messages to the caller; returns the error count. */
static int
cfg_finish(struct cfg_ctx *x)
{
	uint32_t i;

	if (x->n_pending > 1)
		qsort(x->pending, x->n_pending, sizeof(*x->pending), msg_cmp);
	for (i = 0; i < x->n_pending; i++)
		errs_push(x->errs, x->pending[i].text);
	free(x->pending);
	x->pending = NULL;
	x->n_pending = 0;
	x->cap_pending = 0;
	return x->n_err;
}

/* "a.b[2].c": how an operator finds the setting without the line. */
static void
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t used;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	setting_path(parent, buf, len);
	used = strlen(buf);
	if (config_setting_name(s) == NULL)
		snprintf(buf + used, len - used, "[%d]", config_setting_index(s));
	else
		snprintf(buf + used, len - used, "%s%s", used ? "." : "",
			 config_setting_name(s));
}

static void __attribute__((format(printf, 5, 0)))
cfg_verr(struct cfg_ctx *x, const config_setting_t *s, const char *file,
	 int line, const char *fmt, va_list ap)
{
	char path[256];
	char *body = NULL;
	char *msg = NULL;

	x->n_err++;
	if (vasprintf(&body, fmt, ap) < 0)
		return;
	if (s != NULL) {
		setting_path(s, path, sizeof(path));
		if (asprintf(&msg, "%s:%d: %s%s%s", file, line, path,
			     path[0] ? ": " : "", body) < 0)
			msg = NULL;
	} else if (line > 0) {
		if (asprintf(&msg, "%s:%d: %s", file, line, body) < 0)
			msg = NULL;
	} else {
		if (asprintf(&msg, "%s: %s", file, body) < 0)
			msg = NULL;
	}
	free(body);
	pending_push(x, msg, file, line);
}

/* Where s is written: its file (main or included) and the line there. */
static int
setting_line(const struct cfg_ctx *x, const config_setting_t *s, const char **file)
{
	const char *f;
	int line = cfg_text_where(&x->text, config_setting_source_line(s), &f);

	if (file != NULL)
		*file = f != NULL ? f : x->name;
	return line;
}

/* "FILE:LINE: path.to.key: message" */
static void __attribute__((format(printf, 3, 4)))
cfg_err(struct cfg_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	const char *file;
	int line = setting_line(x, s, &file);
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(x, s, file, line, fmt, ap);
	va_end(ap);
}

/* "FILE:LINE: message" (line <= 0: "FILE: message"). */
static void __attribute__((format(printf, 4, 5)))
cfg_err_line(struct cfg_ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(x, NULL, file ? file : x->name, line, fmt, ap);
	va_end(ap);
}

static void
cfg_err_oom(struct cfg_ctx *x)
{
	cfg_err_line(x, NULL, 0, "out of memory");
}

/* ---- pass 1: integers libconfig 1.5 would wrap ---------------------------- */

/* Expansion reported this setting's value already (config_text.h). */
static int
on_wide_line(const struct cfg_ctx *x, const config_setting_t *s)
{
	return cfg_text_wide_line(&x->text, config_setting_source_line(s));
}

/* ---- addresses ------------------------------------------------------------ */

/* Up to `max_digits` decimal digits, no leading zero, no sign, no wrap. */
static const char *
parse_decimal(const char *s, int max_digits, unsigned int *out)
{
	unsigned int v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		unsigned int d = (unsigned int)(*s - '0');

		if (n == max_digits || (n == 1 && v == 0) || v > (UINT_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		n++;
		s++;
	}
	if (n == 0)
		return NULL;
	*out = v;
	return s;
}

int
cfg_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	unsigned int v;
	const char *end = parse_decimal(s, 10, &v);

	if (end == NULL || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int
cfg_parse_ipv4(const char *s, uint32_t *ip, uint8_t *prefix)
{
	unsigned int octet, len = 32;
	uint32_t v = 0;
	int i;

	/* Strict dotted quad: inet_aton would read "010" as octal 8. */
	for (i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return -EINVAL;
		s = parse_decimal(s, 3, &octet);
		if (s == NULL || octet > 255)
			return -EINVAL;
		v = v << 8 | octet;
	}
	if (*s == '/') {
		if (prefix == NULL)
			return -EINVAL;
		s = parse_decimal(s + 1, 2, &len);
		if (s == NULL || len > 32)
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*ip = htonl(v);
	if (prefix != NULL)
		*prefix = (uint8_t)len;
	return 0;
}

static uint32_t
prefix_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* ip is network order. */
static int
in_subnet(uint32_t ip, const struct cfg_addr *a)
{
	uint32_t mask = prefix_mask(a->prefix);

	return (ntohl(ip) & mask) == (ntohl(a->ip) & mask);
}

/* Not this-network, loopback, multicast, reserved or broadcast. */
int
cfg_is_unicast(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return (h >> 24) != 0 && (h >> 24) != 127 && h < 0xe0000000u;
}

static const char *
ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = ip };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- pass 2: typed getters ------------------------------------------------ */

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	default:
		return "nothing";
	}
}

/* Report every member of grp whose name is not in keys (NULL-terminated). */
static void
check_keys(struct cfg_ctx *x, const config_setting_t *grp,
	   const char *const *keys)
{
	char path[256];
	int i, n = config_setting_length(grp);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, (unsigned int)i);
		const char *const *k, *file;
		int line;

		for (k = keys; *k != NULL; k++)
			if (strcmp(*k, config_setting_name(m)) == 0)
				break;
		if (*k != NULL)
			continue;
		line = setting_line(x, m, &file);
		setting_path(m, path, sizeof(path));
		cfg_err_line(x, file, line, "unknown key \"%s\"", path);
	}
}

/* A missing key is reported at the line of the group that lacks it. */
static void
missing(struct cfg_ctx *x, const config_setting_t *grp, const char *key)
{
	cfg_err(x, grp, "missing required key \"%s\"", key);
}

static int
get_group(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
	  const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);

	if (s == NULL)
		return GOT_NONE;
	if (!config_setting_is_group(s)) {
		cfg_err(x, s, "expected a group { }, not %s", type_name(s));
		return GOT_ERROR;
	}
	*out = s;
	return GOT_VALUE;
}

/* Lists and arrays both serve as sequences; elements are checked one by one. */
static int
get_seq(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
	const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);

	if (s == NULL)
		return GOT_NONE;
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		cfg_err(x, s, "expected a list ( ) or an array [ ], not %s",
			type_name(s));
		return GOT_ERROR;
	}
	*out = s;
	return GOT_VALUE;
}

static int
get_int(struct cfg_ctx *x, const config_setting_t *s, long long min,
	long long max, long long *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		cfg_err(x, s, "expected an integer, not %s", type_name(s));
		return GOT_ERROR;
	}
	if (on_wide_line(x, s))
		return GOT_ERROR;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cfg_err(x, s, "%lld out of range %lld..%lld", v, min, max);
		return GOT_ERROR;
	}
	*out = v;
	return GOT_VALUE;
}

static int
get_u32(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
	long long min, long long max, uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	long long v;
	int rc;

	if (s == NULL)
		return GOT_NONE;
	rc = get_int(x, s, min, max, &v);
	if (rc == GOT_VALUE)
		*out = (uint32_t)v;
	return rc;
}

static int
get_u16(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
	long long min, long long max, uint16_t *out)
{
	uint32_t v;
	int rc = get_u32(x, grp, key, min, max, &v);

	if (rc == GOT_VALUE)
		*out = (uint16_t)v;
	return rc;
}

static int
get_str_elem(struct cfg_ctx *x, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_err(x, s, "expected a string, not %s", type_name(s));
		return GOT_ERROR;
	}
	*out = config_setting_get_string(s);
	return GOT_VALUE;
}

static int
get_str(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
	const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (s == NULL)
		return GOT_NONE;
	return get_str_elem(x, s, out);
}

static_assert(SL_NAME_LEN == 32, "cfg_name_error says 1..31 characters");

const char *
cfg_name_error(const char *v)
{
	const char *p;

	if (v[0] == '\0' || strlen(v) >= SL_NAME_LEN)
		return " must be 1..31 characters";
	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return ": only letters, digits, '_' and '-' are allowed";
	/* A leading '-' would read as an option to sluicectl and the API. */
	if (v[0] == '-')
		return ": must not start with '-'";
	return NULL;
}

static void
get_name(struct cfg_ctx *x, const config_setting_t *grp, char *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, "name");
	const char *v, *why;
	int rc = get_str(x, grp, "name", &v);

	if (rc == GOT_NONE)
		missing(x, grp, "name");
	if (rc != GOT_VALUE)
		return;
	why = cfg_name_error(v);
	if (why != NULL) {
		cfg_err(x, s, "\"%s\"%s", v, why);
		return;
	}
	strcpy(dst, v);
}

/* A plain unicast IPv4 address (no prefix), left 0 on error. */
static int
get_ip_elem(struct cfg_ctx *x, const config_setting_t *s, uint32_t *ip)
{
	const char *v;

	if (get_str_elem(x, s, &v) != GOT_VALUE)
		return GOT_ERROR;
	if (cfg_parse_ipv4(v, ip, NULL) != 0) {
		cfg_err(x, s, "\"%s\" is not an IPv4 address", v);
		*ip = 0;
		return GOT_ERROR;
	}
	if (!cfg_is_unicast(*ip)) {
		cfg_err(x, s, "%s is not a unicast host address", v);
		*ip = 0;
		return GOT_ERROR;
	}
	return GOT_VALUE;
}

static int
get_ip(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
       uint32_t *ip)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (s == NULL)
		return GOT_NONE;
	return get_ip_elem(x, s, ip);
}

/* "a.b.c.d/len" naming a host of its subnet. */
static void
get_cidr_elem(struct cfg_ctx *x, const config_setting_t *s, struct cfg_addr *a)
{
	const char *v;
	uint32_t host, mask;

	if (get_str_elem(x, s, &v) != GOT_VALUE)
		return;
	if (strchr(v, '/') == NULL || cfg_parse_ipv4(v, &a->ip, &a->prefix) != 0 ||
	    a->prefix == 0) {
		cfg_err(x, s, "\"%s\" is not an IPv4 address/prefix (1..32)", v);
		goto fail;
	}
	if (!cfg_is_unicast(a->ip)) {
		cfg_err(x, s, "%s is not a unicast host address", v);
		goto fail;
	}
	/* The network and broadcast addresses of a /30 or wider are no host. */
	mask = prefix_mask(a->prefix);
	host = ntohl(a->ip) & ~mask;
	if (a->prefix <= 30 && (host == 0 || host == ~mask)) {
		cfg_err(x, s, "%s is the %s address of its subnet, not a host", v,
			host == 0 ? "network" : "broadcast");
		goto fail;
	}
	return;
fail:
	a->ip = 0;
	a->prefix = 0;
}

/* ---- pass 2: sections ----------------------------------------------------- */

void
cfg_set_defaults(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->burst = 32;
	snprintf(c->api_socket, sizeof(c->api_socket), "%s", "/run/sluice/sluice.sock");
	c->api_mode = 0600;
	c->idle_sleep_us = 0;
	c->mbufs_per_port = 0;
	c->ct_capacity = 1048576;
	c->expire_budget = 64;
	c->timeouts.ms[CT_SYN_SENT] = 30 * 1000;
	c->timeouts.ms[CT_SYN_RECV] = 30 * 1000;
	c->timeouts.ms[CT_ESTABLISHED] = 900 * 1000;
	c->timeouts.ms[CT_FIN_WAIT] = 120 * 1000;
	c->timeouts.ms[CT_CLOSE_WAIT] = 60 * 1000;
	c->timeouts.ms[CT_TIME_WAIT] = 120 * 1000;
	c->timeouts.ms[CT_CLOSE] = 10 * 1000;
	c->timeouts.ms[CT_UDP] = 300 * 1000;
	c->timeouts.ms[CT_NONE] = c->timeouts.ms[CT_CLOSE];
	c->lport_min = 1024;
	c->lport_max = 65535;
	c->load_interval_ms = 10;
}

static void
parse_workers(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = {
		"burst", "idle_sleep_us", "mbufs_per_port", NULL
	};
	const config_setting_t *g;

	if (get_group(x, root, "workers", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	get_u32(x, g, "burst", 1, SL_MAX_BURST, &c->burst);
	get_u32(x, g, "idle_sleep_us", 0, 100000, &c->idle_sleep_us);
	get_u32(x, g, "mbufs_per_port", 0, CFG_MAX_MBUFS, &c->mbufs_per_port);
}

const struct cfg_timeout_key cfg_timeout_keys[CFG_N_TIMEOUT_KEYS] = {
	{ "syn_sent", CT_SYN_SENT },
	{ "syn_recv", CT_SYN_RECV },
	{ "established", CT_ESTABLISHED },
	{ "fin_wait", CT_FIN_WAIT },
	{ "close_wait", CT_CLOSE_WAIT },
	{ "time_wait", CT_TIME_WAIT },
	{ "close", CT_CLOSE },
	{ "udp", CT_UDP },
};

static void
parse_timeouts(struct cfg_ctx *x, const config_setting_t *ct, struct cfg *c)
{
	const struct cfg_timeout_key *map = cfg_timeout_keys;
	static const char *const keys[] = {
		"syn_sent", "syn_recv", "established", "fin_wait",
		"close_wait", "time_wait", "close", "udp", NULL
	};
	const config_setting_t *g;
	uint32_t s;
	size_t i;

	if (get_group(x, ct, "timeouts", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	for (i = 0; i < CFG_N_TIMEOUT_KEYS; i++)
		if (get_u32(x, g, map[i].key, 1, CFG_MAX_TIMEOUT_S, &s) == GOT_VALUE)
			c->timeouts.ms[map[i].state] = s * 1000;
	/* An entry with no state yet is torn down like a reset one. */
	c->timeouts.ms[CT_NONE] = c->timeouts.ms[CT_CLOSE];
}

static void
parse_conntrack(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = {
		"capacity", "expire_budget", "timeouts", NULL
	};
	const config_setting_t *g;

	if (get_group(x, root, "conntrack", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	get_u32(x, g, "capacity", 1024, SL_MAX_CT_CAPACITY, &c->ct_capacity);
	get_u32(x, g, "expire_budget", 1, 65536, &c->expire_budget);
	parse_timeouts(x, g, c);
}

static void
parse_fullnat(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = { "port_min", "port_max", NULL };
	const config_setting_t *g;
	int rc_min, rc_max;

	if (get_group(x, root, "fullnat", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	rc_min = get_u16(x, g, "port_min", 1024, 65535, &c->lport_min);
	rc_max = get_u16(x, g, "port_max", 1024, 65535, &c->lport_max);
	if (rc_min != GOT_ERROR && rc_max != GOT_ERROR &&
	    c->lport_min >= c->lport_max)
		cfg_err(x, config_setting_get_member(g, rc_min ? "port_min" : "port_max"),
			"port_min %u must be below port_max %u",
			c->lport_min, c->lport_max);
}

static void
parse_scheduler(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = { "load_interval_ms", NULL };
	const config_setting_t *g;

	if (get_group(x, root, "scheduler", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	get_u32(x, g, "load_interval_ms", 10, 10000, &c->load_interval_ms);
}

/*
 * api: { socket = "/run/sluice/sluice.sock"; mode = "0600"; }: the runtime
 * API's UNIX socket ("" turns the API off) and its permission bits, as an
 * octal string because libconfig has no octal integers.
 */
static void
parse_api(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = { "socket", "mode", NULL };
	const config_setting_t *g;
	const char *v;
	char *end;
	unsigned long mode;

	if (get_group(x, root, "api", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	if (get_str(x, g, "socket", &v) == GOT_VALUE) {
		if (strlen(v) >= sizeof(c->api_socket))
			cfg_err(x, config_setting_get_member(g, "socket"),
				"longer than %zu characters", sizeof(c->api_socket) - 1);
		else if (v[0] != '\0' && v[0] != '/')
			cfg_err(x, config_setting_get_member(g, "socket"),
				"\"%s\" is not an absolute path", v);
		else
			snprintf(c->api_socket, sizeof(c->api_socket), "%s", v);
	}
	if (get_str(x, g, "mode", &v) == GOT_VALUE) {
		mode = strtoul(v, &end, 8);
		if (v[0] != '0' || *end != '\0' || end == v || mode > 0777)
			cfg_err(x, config_setting_get_member(g, "mode"),
				"\"%s\" is not an octal mode such as \"0600\"", v);
		else
			c->api_mode = (uint32_t)mode;
	}
}

/*
 * stats: { prometheus = "ADDR:PORT"; }: a kernel socket on the management
 * network, so any IPv4 address of this host (or 0.0.0.0) is fine here.
 */
static void
parse_stats(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	static const char *const keys[] = { "prometheus", NULL };
	const config_setting_t *g, *s;
	char addr[32];
	const char *v, *colon, *end = NULL;
	unsigned int port = 0;
	uint32_t ip;

	if (get_group(x, root, "stats", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	if (get_str(x, g, "prometheus", &v) != GOT_VALUE)
		return;
	s = config_setting_get_member(g, "prometheus");
	colon = strrchr(v, ':');
	if (colon != NULL)
		end = parse_decimal(colon + 1, 5, &port);
	if (colon == NULL || (size_t)(colon - v) >= sizeof(addr) || end == NULL ||
	    *end != '\0' || port == 0 || port > 65535) {
		cfg_err(x, s, "\"%s\" is not ADDRESS:PORT (e.g. \"127.0.0.1:9273\")", v);
		return;
	}
	memcpy(addr, v, (size_t)(colon - v));
	addr[colon - v] = '\0';
	if (cfg_parse_ipv4(addr, &ip, NULL) != 0) {
		cfg_err(x, s, "\"%s\" is not an IPv4 address", addr);
		return;
	}
	c->prom_ip = ip;
	c->prom_port = (uint16_t)port;
}

/* A device string fit to hand to DPDK as devargs. */
static void
get_device(struct cfg_ctx *x, const config_setting_t *ps, char *dst)
{
	const config_setting_t *s = config_setting_get_member(ps, "device");
	const char *v, *p;
	int rc = get_str(x, ps, "device", &v);

	if (rc == GOT_NONE)
		missing(x, ps, "device");
	if (rc != GOT_VALUE)
		return;
	if (v[0] == '\0' || strlen(v) >= CFG_DEV_LEN) {
		cfg_err(x, s, "must be 1..%d characters", CFG_DEV_LEN - 1);
		return;
	}
	for (p = v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			cfg_err(x, s, "\"%s\" contains a space or control character", v);
			return;
		}
	}
	strcpy(dst, v);
}

static void
parse_desc(struct cfg_ctx *x, const config_setting_t *ps, const char *key,
	   uint16_t *dst)
{
	uint16_t v;

	if (get_u16(x, ps, key, CFG_MIN_DESC, CFG_MAX_DESC, &v) != GOT_VALUE)
		return;
	if (v & (v - 1)) {
		cfg_err(x, config_setting_get_member(ps, key),
			"%u is not a power of two", v);
		return;
	}
	*dst = v;
}

static void
parse_port(struct cfg_ctx *x, const config_setting_t *ps, struct cfg_port *p)
{
	static const char *const keys[] = {
		"name", "device", "addresses", "gateway", "mtu", "rx_desc",
		"tx_desc", NULL
	};
	const config_setting_t *s;
	long long mtu;
	int i, n;

	p->line = setting_line(x, ps, NULL);
	p->rx_desc = CFG_DEFAULT_DESC;
	p->tx_desc = CFG_DEFAULT_DESC;
	if (!config_setting_is_group(ps)) {
		cfg_err(x, ps, "expected a group { }, not %s", type_name(ps));
		return;
	}
	check_keys(x, ps, keys);
	get_name(x, ps, p->name);
	get_device(x, ps, p->device);
	switch (get_seq(x, ps, "addresses", &s)) {
	case GOT_NONE:
		missing(x, ps, "addresses");
		break;
	case GOT_VALUE:
		n = config_setting_length(s);
		if (n == 0 || n > SL_MAX_PORT_ADDRS)
			cfg_err(x, s, "%d addresses, expected 1..%d", n, SL_MAX_PORT_ADDRS);
		/* Every element is checked; the first 16 are kept. */
		for (i = 0; i < n; i++) {
			struct cfg_addr scratch, *a = i < SL_MAX_PORT_ADDRS ?
				&p->addrs[i] : &scratch;

			get_cidr_elem(x, config_setting_get_elem(s, (unsigned int)i), a);
		}
		p->n_addrs = n < SL_MAX_PORT_ADDRS ? (uint32_t)n : SL_MAX_PORT_ADDRS;
		break;
	default:
		break;
	}
	get_ip(x, ps, "gateway", &p->gateway);
	s = config_setting_get_member(ps, "mtu");
	if (s != NULL && get_int(x, s, LLONG_MIN, LLONG_MAX, &mtu) == GOT_VALUE) {
		if (mtu != 0 && (mtu < CFG_MIN_MTU || mtu > CFG_MAX_MTU))
			cfg_err(x, s, "%lld out of range %d..%d (or 0: port default)",
				mtu, CFG_MIN_MTU, CFG_MAX_MTU);
		else
			p->mtu = (uint16_t)mtu;
	}
	parse_desc(x, ps, "rx_desc", &p->rx_desc);
	parse_desc(x, ps, "tx_desc", &p->tx_desc);
}

static int
parse_ports(struct cfg_ctx *x, const config_setting_t *root)
{
	const config_setting_t *s;
	int i, n;

	switch (get_seq(x, root, "ports", &s)) {
	case GOT_NONE:
		cfg_err_line(x, NULL, 0, "missing required key \"ports\"");
		return 0;
	case GOT_ERROR:
		return 0;
	default:
		break;
	}
	n = config_setting_length(s);
	if (n == 0 || n > SL_MAX_PORTS)
		cfg_err(x, s, "%d ports, expected 1..%d", n, SL_MAX_PORTS);
	if (n == 0)
		return 0;
	x->ports = calloc((size_t)n, sizeof(*x->ports));
	x->port_set = calloc((size_t)n, sizeof(*x->port_set));
	if (x->ports == NULL || x->port_set == NULL) {
		cfg_err_oom(x);
		return -ENOMEM;
	}
	x->n_ports = (uint32_t)n;
	for (i = 0; i < n; i++) {
		x->port_set[i] = config_setting_get_elem(s, (unsigned int)i);
		parse_port(x, x->port_set[i], &x->ports[i]);
	}
	return 0;
}

/* ---- health checks -------------------------------------------------------- */

void
cfg_health_defaults(struct cfg_health *h)
{
	memset(h, 0, sizeof(*h));
	h->type = CFG_HC_NONE;
	h->interval_ms = CFG_HC_INTERVAL_MS;
	h->timeout_ms = CFG_HC_TIMEOUT_MS;
	h->rise = CFG_HC_RISE;
	h->fall = CFG_HC_FALL;
	h->status = CFG_HC_STATUS;
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

static const char *const hc_type_names[] = {
	[CFG_HC_NONE] = "none",
	[CFG_HC_TCP] = "tcp",
	[CFG_HC_HTTP] = "http",
	[CFG_HC_ICMP] = "icmp",
};

const char *
cfg_hc_type_name(enum cfg_hc_type t)
{
	return (unsigned int)t < sizeof(hc_type_names) / sizeof(hc_type_names[0]) ?
		hc_type_names[t] : "?";
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

/* path and body: 0..127 characters; a path also goes into the request line. */
static void
get_hc_str(struct cfg_ctx *x, const config_setting_t *g, const char *key,
	   char *dst, uint16_t *set, uint16_t bit)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v, *p;

	if (get_str(x, g, key, &v) != GOT_VALUE)
		return;
	if (strlen(v) >= CFG_HC_STR_LEN) {
		cfg_err(x, s, "longer than %d characters", CFG_HC_STR_LEN - 1);
		return;
	}
	if (bit == CFG_HC_SET_PATH) {
		if (v[0] != '/') {
			cfg_err(x, s, "\"%s\" does not start with '/'", v);
			return;
		}
		for (p = v; *p != '\0'; p++) {
			if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
				cfg_err(x, s, "\"%s\": spaces, control and non-ASCII characters must be %%-encoded",
					v);
				return;
			}
		}
	}
	strcpy(dst, v);
	*set |= bit;
}

/*
 * health: { ... } of a service (inherit NULL: h starts from the defaults)
 * or of a backend (h starts empty; inherit is its service's check). Rules
 * that depend on the type use the type this group ends up with, and are
 * skipped when that type itself was mistyped, so one mistake stays one
 * message.
 */
static void
parse_health(struct cfg_ctx *x, const config_setting_t *parent,
	     struct cfg_health *h, const struct cfg_health *inherit,
	     int inherit_type_bad)
{
	static const char *const keys[] = {
		"type", "interval_ms", "timeout_ms", "rise", "fall", "port",
		"path", "status", "body", NULL
	};
	static const struct {
		const char *key;
		uint16_t bit;
		uint8_t http_only;
	} typed[] = {
		{ "port", CFG_HC_SET_PORT, 0 },
		{ "path", CFG_HC_SET_PATH, 1 },
		{ "status", CFG_HC_SET_STATUS, 1 },
		{ "body", CFG_HC_SET_BODY, 1 },
	};
	const config_setting_t *g, *s;
	uint32_t v, interval, timeout;
	const char *t;
	uint8_t type;
	int type_bad = inherit_type_bad;
	size_t i;

	if (get_group(x, parent, "health", &g) != GOT_VALUE)
		return;
	check_keys(x, g, keys);
	switch (get_str(x, g, "type", &t)) {
	case GOT_VALUE:
		for (i = 0; i < sizeof(hc_type_names) / sizeof(hc_type_names[0]); i++)
			if (strcmp(t, hc_type_names[i]) == 0)
				break;
		if (i < sizeof(hc_type_names) / sizeof(hc_type_names[0])) {
			h->type = (uint8_t)i;
			h->set |= CFG_HC_SET_TYPE;
			type_bad = 0;
		} else {
			cfg_err(x, config_setting_get_member(g, "type"),
				"unknown health check type \"%s\" (one of: none, tcp, http, icmp)",
				t);
			type_bad = 1;
		}
		break;
	case GOT_ERROR:
		type_bad = 1;
		break;
	default:
		break;
	}
	if (get_u32(x, g, "interval_ms", 100, 3600000, &h->interval_ms) == GOT_VALUE)
		h->set |= CFG_HC_SET_INTERVAL;
	if (get_u32(x, g, "timeout_ms", 10, 60000, &h->timeout_ms) == GOT_VALUE)
		h->set |= CFG_HC_SET_TIMEOUT;
	if (get_u32(x, g, "rise", 1, 100, &v) == GOT_VALUE) {
		h->rise = (uint8_t)v;
		h->set |= CFG_HC_SET_RISE;
	}
	if (get_u32(x, g, "fall", 1, 100, &v) == GOT_VALUE) {
		h->fall = (uint8_t)v;
		h->set |= CFG_HC_SET_FALL;
	}
	if (get_u16(x, g, "port", 1, 65535, &h->port) == GOT_VALUE)
		h->set |= CFG_HC_SET_PORT;
	if (get_u16(x, g, "status", 100, 599, &h->status) == GOT_VALUE)
		h->set |= CFG_HC_SET_STATUS;
	get_hc_str(x, g, "path", h->path, &h->set, CFG_HC_SET_PATH);
	get_hc_str(x, g, "body", h->body, &h->set, CFG_HC_SET_BODY);

	/* Keys of one type only: reported where they are written. */
	type = (h->set & CFG_HC_SET_TYPE) || inherit == NULL ? h->type : inherit->type;
	for (i = 0; !type_bad && i < sizeof(typed) / sizeof(typed[0]); i++) {
		if (!(h->set & typed[i].bit))
			continue;
		if (typed[i].http_only && type != CFG_HC_HTTP)
			cfg_err(x, config_setting_get_member(g, typed[i].key),
				"only valid with type \"http\", not \"%s\"",
				cfg_hc_type_name((enum cfg_hc_type)type));
		else if (!typed[i].http_only && type != CFG_HC_TCP && type != CFG_HC_HTTP)
			cfg_err(x, config_setting_get_member(g, typed[i].key),
				"only valid with type \"tcp\" or \"http\", not \"%s\"",
				cfg_hc_type_name((enum cfg_hc_type)type));
	}

	/* A probe must end before the next one starts. */
	if (!(h->set & (CFG_HC_SET_INTERVAL | CFG_HC_SET_TIMEOUT)) && inherit != NULL)
		return; /* the service's own pair, checked there */
	if ((config_setting_get_member(g, "interval_ms") != NULL &&
	     !(h->set & CFG_HC_SET_INTERVAL)) ||
	    (config_setting_get_member(g, "timeout_ms") != NULL &&
	     !(h->set & CFG_HC_SET_TIMEOUT)))
		return; /* one of them is wrong already: no second message */
	interval = (h->set & CFG_HC_SET_INTERVAL) || inherit == NULL ?
		h->interval_ms : inherit->interval_ms;
	timeout = (h->set & CFG_HC_SET_TIMEOUT) || inherit == NULL ?
		h->timeout_ms : inherit->timeout_ms;
	if (timeout < interval)
		return;
	s = config_setting_get_member(g, (h->set & CFG_HC_SET_TIMEOUT) ?
				      "timeout_ms" : "interval_ms");
	if (s != NULL)
		cfg_err(x, s, "timeout_ms %u must be below interval_ms %u", timeout,
			interval);
}

/* Whether a health group's "type" was given but rejected. */
static int
hc_type_bad(const config_setting_t *parent, const struct cfg_health *h)
{
	const config_setting_t *g = config_setting_get_member(parent, "health");

	return g != NULL && config_setting_is_group(g) &&
	       config_setting_get_member(g, "type") != NULL &&
	       !(h->set & CFG_HC_SET_TYPE);
}

static int
parse_backends(struct cfg_ctx *x, const config_setting_t *ss,
	       struct cfg_service *sv, uint32_t *total)
{
	static const char *const keys[] = {
		"address", "port", "weight", "health", NULL
	};
	const config_setting_t *s;
	uint32_t before = *total;
	int svc_type_bad = hc_type_bad(ss, &sv->health);
	int i, n;

	if (get_seq(x, ss, "backends", &s) != GOT_VALUE)
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

		b->line = setting_line(x, bs, NULL);
		b->port = sv->port;
		b->weight = 1;
		if (!config_setting_is_group(bs)) {
			cfg_err(x, bs, "expected a group { }, not %s", type_name(bs));
			continue;
		}
		check_keys(x, bs, keys);
		if (get_ip(x, bs, "address", &b->ip) == GOT_NONE)
			missing(x, bs, "address");
		if (get_u16(x, bs, "port", 1, 65535, &b->port) == GOT_ERROR)
			b->port = 0;
		get_u16(x, bs, "weight", 0, SCHED_MAX_WEIGHT, &b->weight);
		parse_health(x, bs, &b->health, &sv->health, svc_type_bad);
	}
	return 0;
}

static void
parse_sched_name(struct cfg_ctx *x, const config_setting_t *ss,
		 struct cfg_service *sv)
{
	char names[128] = "";
	const char *v;
	size_t used;
	int algo, a;

	if (get_str(x, ss, "scheduler", &v) != GOT_VALUE)
		return;
	algo = sched_algo_from_name(v);
	if (algo >= 0) {
		sv->sched = (uint8_t)algo;
		return;
	}
	for (a = 0; a < SCHED_ALGO__COUNT; a++) {
		const char *n = sched_algo_name((enum sched_algo)a);

		used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s%s",
			 a ? ", " : "", n ? n : "?");
	}
	cfg_err(x, config_setting_get_member(ss, "scheduler"),
		"unknown scheduler \"%s\" (one of: %s)", v, names);
}

static void
parse_laddrs(struct cfg_ctx *x, const config_setting_t *ss,
	     struct cfg_service *sv)
{
	const config_setting_t *s;
	int i, n;

	if (get_seq(x, ss, "local_addresses", &s) != GOT_VALUE)
		return;
	n = config_setting_length(s);
	if (n == 0 || n > SL_MAX_SVC_LADDRS)
		cfg_err(x, s, "%d local addresses, expected 1..%d", n, SL_MAX_SVC_LADDRS);
	for (i = 0; i < n; i++) {
		uint32_t scratch, *ip = i < SL_MAX_SVC_LADDRS ? &sv->laddrs[i] : &scratch;

		get_ip_elem(x, config_setting_get_elem(s, (unsigned int)i), ip);
	}
	sv->n_laddrs = n < SL_MAX_SVC_LADDRS ? (uint32_t)n : SL_MAX_SVC_LADDRS;
}

static int
parse_service(struct cfg_ctx *x, const config_setting_t *ss,
	      struct cfg_service *sv, uint32_t *total)
{
	static const char *const keys[] = {
		"name", "vip", "port", "protocol", "scheduler", "forward",
		"mh_table_size", "local_addresses", "health", "down_policy",
		"backends", NULL
	};
	const config_setting_t *s;
	const char *v;

	sv->line = setting_line(x, ss, NULL);
	sv->proto = IPPROTO_TCP;
	sv->mode = SVC_MODE_NAT;
	sv->sched = SCHED_ALGO_WLC;
	sv->mh_size = SCHED_MH_DEFAULT_SIZE;
	cfg_health_defaults(&sv->health);
	sv->down_policy = CFG_DOWN_KEEP;
	if (!config_setting_is_group(ss)) {
		cfg_err(x, ss, "expected a group { }, not %s", type_name(ss));
		return 0;
	}
	check_keys(x, ss, keys);
	get_name(x, ss, sv->name);
	if (get_ip(x, ss, "vip", &sv->vip) == GOT_NONE)
		missing(x, ss, "vip");
	if (get_u16(x, ss, "port", 1, 65535, &sv->port) == GOT_NONE)
		missing(x, ss, "port");
	if (get_str(x, ss, "protocol", &v) == GOT_VALUE) {
		if (cfg_proto_from_name(v) >= 0)
			sv->proto = (uint8_t)cfg_proto_from_name(v);
		else
			cfg_err(x, config_setting_get_member(ss, "protocol"),
				"unknown protocol \"%s\" (one of: tcp, udp)", v);
	}
	parse_sched_name(x, ss, sv);
	if (get_str(x, ss, "forward", &v) == GOT_VALUE) {
		if (cfg_mode_from_name(v) >= 0)
			sv->mode = (uint8_t)cfg_mode_from_name(v);
		else
			cfg_err(x, config_setting_get_member(ss, "forward"),
				"unknown forwarding mode \"%s\" (one of: nat, fullnat, dr)",
				v);
	}
	if (get_u32(x, ss, "mh_table_size", CFG_MIN_MH_SIZE, SCHED_MH_MAX_SIZE,
		    &sv->mh_size) == GOT_VALUE && !sched_is_prime(sv->mh_size)) {
		s = config_setting_get_member(ss, "mh_table_size");
		cfg_err(x, s, "%u is not a prime", sv->mh_size);
		sv->mh_size = SCHED_MH_DEFAULT_SIZE;
	}
	parse_laddrs(x, ss, sv);
	parse_health(x, ss, &sv->health, NULL, 0);
	if (get_str(x, ss, "down_policy", &v) == GOT_VALUE) {
		if (strcmp(v, "keep") == 0)
			sv->down_policy = CFG_DOWN_KEEP;
		else if (strcmp(v, "reset") == 0)
			sv->down_policy = CFG_DOWN_RESET;
		else
			cfg_err(x, config_setting_get_member(ss, "down_policy"),
				"unknown down_policy \"%s\" (one of: keep, reset)", v);
	}
	return parse_backends(x, ss, sv, total);
}

static int
parse_services(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	const config_setting_t *s;
	int i, n;

	if (get_seq(x, root, "services", &s) != GOT_VALUE)
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

/* ---- pass 3: cross-checks ------------------------------------------------- */

/* grp.key, grp.key[idx] (idx >= 0), or grp itself when the key is absent. */
static const config_setting_t *
member(const config_setting_t *grp, const char *key, int idx)
{
	const config_setting_t *m = config_setting_get_member(grp, key);
	const config_setting_t *e;

	if (m == NULL || idx < 0)
		return m ? m : grp;
	e = config_setting_get_elem(m, (unsigned int)idx);
	return e ? e : m;
}

/* The setting of backend j of service i (or the service group). */
static const config_setting_t *
backend_set(const struct cfg_ctx *x, uint32_t i, uint32_t j, const char *key)
{
	const config_setting_t *b = member(x->svc_set[i], "backends", (int)j);

	if (b == x->svc_set[i] || key == NULL)
		return b;
	return member(b, key, -1);
}

/* Which port has `ip` as one of its addresses; -1 if none. */
static int
port_with_addr(const struct cfg_ctx *x, uint32_t ip)
{
	uint32_t p, a;

	for (p = 0; p < x->n_ports; p++)
		for (a = 0; a < x->ports[p].n_addrs; a++)
			if (x->ports[p].addrs[a].ip == ip)
				return (int)p;
	return -1;
}

/* Which port has `ip` inside one of its subnets; -1 if none. */
static int
port_with_subnet(const struct cfg_ctx *x, uint32_t ip)
{
	uint32_t p, a;

	for (p = 0; p < x->n_ports; p++)
		for (a = 0; a < x->ports[p].n_addrs; a++)
			if (x->ports[p].addrs[a].ip != 0 &&
			    in_subnet(ip, &x->ports[p].addrs[a]))
				return (int)p;
	return -1;
}

/* Device identity: what precedes the devargs, e.g. "net_af_packet0". */
static size_t
dev_id_len(const char *dev)
{
	return strcspn(dev, ",");
}

/* Address a of port i seen earlier: on an earlier port, or before a on i. */
static void
check_port_addr(struct cfg_ctx *x, uint32_t i, uint32_t a)
{
	const config_setting_t *s = member(x->port_set[i], "addresses", (int)a);
	uint32_t ip = x->ports[i].addrs[a].ip;
	char buf[INET_ADDRSTRLEN];
	uint32_t k, b;

	if (ip == 0)
		return;
	for (k = 0; k <= i; k++) {
		const struct cfg_port *q = &x->ports[k];

		for (b = 0; b < (k == i ? a : q->n_addrs); b++) {
			if (q->addrs[b].ip != ip)
				continue;
			if (k == i)
				cfg_err(x, s, "address %s listed twice", ip_str(ip, buf));
			else
				cfg_err(x, s, "address %s is already on port \"%s\" (line %d)",
					ip_str(ip, buf), q->name, q->line);
			return;
		}
	}
}

static void
check_ports(struct cfg_ctx *x)
{
	char buf[INET_ADDRSTRLEN];
	int gw_port = -1;
	uint32_t i, k, a;

	for (i = 0; i < x->n_ports; i++) {
		const struct cfg_port *p = &x->ports[i];
		const config_setting_t *ps = x->port_set[i];
		size_t dl = dev_id_len(p->device);

		for (k = 0; k < i; k++) {
			const struct cfg_port *q = &x->ports[k];

			if (p->name[0] != '\0' && strcmp(p->name, q->name) == 0)
				cfg_err(x, member(ps, "name", -1),
					"duplicate port name \"%s\" (first at line %d)",
					p->name, q->line);
			if (dl != 0 && dl == dev_id_len(q->device) &&
			    memcmp(p->device, q->device, dl) == 0)
				cfg_err(x, member(ps, "device", -1),
					"device \"%.*s\" is already port \"%s\" (line %d)",
					(int)dl, p->device, q->name, q->line);
		}
		for (a = 0; a < p->n_addrs; a++)
			check_port_addr(x, i, a);
		if (p->gateway == 0)
			continue;
		for (a = 0; a < p->n_addrs; a++)
			if (p->addrs[a].ip != 0 && in_subnet(p->gateway, &p->addrs[a]))
				break;
		if (a == p->n_addrs)
			cfg_err(x, member(ps, "gateway", -1),
				"%s is not inside any subnet of port \"%s\"",
				ip_str(p->gateway, buf), p->name);
		if (port_with_addr(x, p->gateway) >= 0)
			cfg_err(x, member(ps, "gateway", -1),
				"%s is an address of this appliance",
				ip_str(p->gateway, buf));
		if (gw_port >= 0)
			cfg_err(x, member(ps, "gateway", -1),
				"only one port may have a gateway (port \"%s\" has one, line %d)",
				x->ports[gw_port].name, x->ports[gw_port].line);
		else
			gw_port = (int)i;
	}
}

/* One address in a sorted index: backend or VIP, with where it came from. */
struct addr_ref {
	uint32_t ip;   /* network order */
	uint16_t port; /* host order, for backend dedup */
	uint32_t svc;
	uint32_t idx;
};

static int
addr_ref_cmp(const void *pa, const void *pb)
{
	const struct addr_ref *a = pa, *b = pb;

	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* First (lowest service, index) entry with `ip`, or NULL. */
static const struct addr_ref *
addr_find(const struct addr_ref *v, uint32_t n, uint32_t ip)
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

/* Backends repeated (same address and port) within service i. */
static int
check_backend_dups(struct cfg_ctx *x, const struct cfg *c, uint32_t i)
{
	const struct cfg_service *sv = &c->services[i];
	struct addr_ref *v;
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
			v[n++] = (struct addr_ref){ sv->backends[j].ip,
						    sv->backends[j].port, i, j };
	}
	qsort(v, n, sizeof(*v), addr_ref_cmp);
	for (j = 1; j < n; j++)
		if (v[j].ip == v[j - 1].ip && v[j].port == v[j - 1].port)
			first[v[j].idx] = first[v[j - 1].idx];
	/* Report in file order, each pointing at the first occurrence. */
	for (j = 0; j < sv->n_backends; j++)
		if (first[j] != j)
			cfg_err(x, backend_set(x, i, j, NULL),
				"duplicate backend %s:%u (first at line %d)",
				ip_str(sv->backends[j].ip, buf), sv->backends[j].port,
				sv->backends[first[j]].line);
	free(v);
	free(first);
	return 0;
}

static void
check_backends(struct cfg_ctx *x, const struct cfg *c, uint32_t i)
{
	const struct cfg_service *sv = &c->services[i];
	char buf[INET_ADDRSTRLEN];
	uint32_t j;
	int p;

	for (j = 0; j < sv->n_backends; j++) {
		const struct cfg_backend *b = &sv->backends[j];

		if (b->ip == 0)
			continue;
		p = port_with_addr(x, b->ip);
		if (p >= 0)
			cfg_err(x, backend_set(x, i, j, "address"),
				"%s is an address of port \"%s\", not a backend",
				ip_str(b->ip, buf), x->ports[p].name);
		if (sv->mode != SVC_MODE_DR)
			continue;
		/* DR rewrites only the MAC: backends must share a link and the port. */
		if (b->port != 0 && sv->port != 0 && b->port != sv->port)
			cfg_err(x, backend_set(x, i, j, "port"),
				"forward = \"dr\" cannot change the port: %u must equal the service port %u",
				b->port, sv->port);
		if (port_with_subnet(x, b->ip) < 0)
			cfg_err(x, backend_set(x, i, j, "address"),
				"forward = \"dr\" needs backends on a connected subnet: %s is not inside any port subnet",
				ip_str(b->ip, buf));
	}
}

static void
check_laddrs(struct cfg_ctx *x, const struct cfg *c, uint32_t i,
	     const struct addr_ref *bes, uint32_t n_bes,
	     const struct addr_ref *vips, uint32_t n_vips)
{
	const struct cfg_service *sv = &c->services[i];
	const config_setting_t *ls = config_setting_get_member(x->svc_set[i],
							      "local_addresses");
	const struct addr_ref *r;
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
		const config_setting_t *es = member(x->svc_set[i], "local_addresses",
						    (int)j);
		uint32_t ip = sv->laddrs[j];

		if (ip == 0)
			continue;
		for (k = 0; k < j; k++)
			if (sv->laddrs[k] == ip)
				break;
		if (k < j) {
			cfg_err(x, es, "%s listed twice", ip_str(ip, buf));
			continue;
		}
		p = port_with_addr(x, ip);
		if (p >= 0)
			cfg_err(x, es, "%s is an address of port \"%s\"",
				ip_str(ip, buf), x->ports[p].name);
		else if (port_with_subnet(x, ip) < 0)
			cfg_err(x, es, "%s is not inside any port subnet",
				ip_str(ip, buf));
		r = addr_find(vips, n_vips, ip);
		if (r != NULL)
			cfg_err(x, es, "%s is the VIP of service \"%s\" (line %d)",
				ip_str(ip, buf), c->services[r->svc].name,
				c->services[r->svc].line);
		r = addr_find(bes, n_bes, ip);
		if (r != NULL)
			cfg_err(x, es, "%s is a backend of service \"%s\" (line %d)",
				ip_str(ip, buf), c->services[r->svc].name,
				c->services[r->svc].backends[r->idx].line);
	}
}

static void
check_vip(struct cfg_ctx *x, const struct cfg *c, uint32_t i,
	  const struct addr_ref *bes, uint32_t n_bes)
{
	const struct cfg_service *sv = &c->services[i];
	const config_setting_t *vs = member(x->svc_set[i], "vip", -1);
	const struct addr_ref *r;
	char buf[INET_ADDRSTRLEN];
	uint32_t p;
	int k;

	if (sv->vip == 0)
		return;
	k = port_with_addr(x, sv->vip);
	if (k >= 0)
		cfg_err(x, vs, "%s is an address of port \"%s\"",
			ip_str(sv->vip, buf), x->ports[k].name);
	for (p = 0; p < x->n_ports; p++)
		if (x->ports[p].gateway == sv->vip)
			cfg_err(x, vs, "%s is the gateway of port \"%s\"",
				ip_str(sv->vip, buf), x->ports[p].name);
	r = addr_find(bes, n_bes, sv->vip);
	if (r != NULL)
		cfg_err(x, vs, "%s is a backend of service \"%s\" (line %d)",
			ip_str(sv->vip, buf), c->services[r->svc].name,
			c->services[r->svc].backends[r->idx].line);
}

static int
check_services(struct cfg_ctx *x, const struct cfg *c)
{
	struct addr_ref *bes = NULL, *vips = NULL;
	uint32_t i, j, k, n_bes = 0, n_vips = 0;
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
			vips[n_vips++] = (struct addr_ref){ sv->vip, 0, i, 0 };
		for (j = 0; j < sv->n_backends; j++)
			if (sv->backends[j].ip != 0)
				bes[n_bes++] = (struct addr_ref){
					sv->backends[j].ip, 0, i, j };
	}
	qsort(bes, n_bes, sizeof(*bes), addr_ref_cmp);
	qsort(vips, n_vips, sizeof(*vips), addr_ref_cmp);

	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *sv = &c->services[i];
		char buf[INET_ADDRSTRLEN];

		for (k = 0; k < i; k++) {
			const struct cfg_service *o = &c->services[k];

			if (sv->name[0] != '\0' && strcmp(sv->name, o->name) == 0)
				cfg_err(x, member(x->svc_set[i], "name", -1),
					"duplicate service name \"%s\" (first at line %d)",
					sv->name, o->line);
			if (sv->vip != 0 && sv->port != 0 && sv->vip == o->vip &&
			    sv->port == o->port && sv->proto == o->proto)
				cfg_err(x, x->svc_set[i],
					"duplicate service %s:%u/%s (\"%s\", line %d)",
					ip_str(sv->vip, buf), sv->port,
					sv->proto == IPPROTO_UDP ? "udp" : "tcp",
					o->name, o->line);
		}
		check_vip(x, c, i, bes, n_bes);
		check_laddrs(x, c, i, bes, n_bes, vips, n_vips);
		check_backends(x, c, i);
		if (sv->n_backends > 1 && check_backend_dups(x, c, i) != 0) {
			rc = -ENOMEM;
			goto free_index;
		}
		/* Maglev fills M slots from N permutations: M must exceed N. */
		if (sv->sched == SCHED_ALGO_MH && sv->n_backends >= sv->mh_size)
			cfg_err(x, member(x->svc_set[i], "mh_table_size", -1),
				"mh table size %u must exceed the number of backends (%u)",
				sv->mh_size, sv->n_backends);
	}
free_index:
	free(bes);
	free(vips);
	return rc;
}

/* ---- loading -------------------------------------------------------------- */

void
cfg_free(struct cfg *c)
{
	uint32_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_services; i++)
		free(c->services[i].backends);
	free(c->services);
	free(c);
}

static int
load_tree(struct cfg_ctx *x, const config_t *cf, struct cfg *c)
{
	static const char *const keys[] = {
		"workers", "conntrack", "fullnat", "scheduler", "stats", "api",
		"ports", "services", NULL
	};
	const config_setting_t *root = config_root_setting(cf);

	check_keys(x, root, keys);
	parse_workers(x, root, c);
	parse_conntrack(x, root, c);
	parse_fullnat(x, root, c);
	parse_scheduler(x, root, c);
	parse_stats(x, root, c);
	parse_api(x, root, c);
	if (parse_ports(x, root) != 0 || parse_services(x, root, c) != 0)
		return -ENOMEM;
	check_ports(x);
	if (check_services(x, c) != 0)
		return -ENOMEM;
	c->n_ports = x->n_ports < SL_MAX_PORTS ? x->n_ports : SL_MAX_PORTS;
	if (c->n_ports != 0)
		memcpy(c->ports, x->ports, c->n_ports * sizeof(c->ports[0]));
	return 0;
}

/* A fatal problem found while expanding the text (config_text.h). */
static void
text_report(void *arg, const char *file, int line, const char *msg)
{
	cfg_err_line(arg, file, line, "%s", msg);
}

/* The wrapped integers expansion found, now that libconfig parsed the text. */
static void
report_wide(struct cfg_ctx *x)
{
	const char *file;
	uint32_t i;
	int line;

	for (i = 0; i < x->text.n_wide; i++) {
		line = cfg_text_where(&x->text, x->text.wide[i].line, &file);
		cfg_err_line(x, file, line, "integer %s is outside the 32-bit signed range",
			     x->text.wide[i].lit);
	}
	if (x->text.n_wide_all > x->text.n_wide)
		cfg_err_line(x, NULL, 0, "%u more integers outside the 32-bit signed range",
			     x->text.n_wide_all - x->text.n_wide);
}

/* Parse `text`; @include paths are relative to include_dir (may be NULL). */
static int
load_text(const char *text, const char *name, const char *include_dir,
	  struct cfg **out, struct cfg_errors *errs)
{
	struct cfg_ctx x = { .name = name, .errs = errs };
	const char *file;
	struct cfg *c;
	config_t cf;
	int line, rc;

	if (out != NULL)
		*out = NULL;
	c = malloc(sizeof(*c));
	if (c == NULL) {
		cfg_err_oom(&x);
		return cfg_finish(&x);
	}
	cfg_set_defaults(c);
	snprintf(c->source, sizeof(c->source), "%s", name);

	config_init(&cf);
	/* No include dir for libconfig: the expanded text has no directive. */
	rc = cfg_text_expand(&x.text, text, name, include_dir, text_report, &x);
	if (rc < 0)
		cfg_err_oom(&x);
	if (rc != 0)
		goto destroy;
	if (config_read_string(&cf, x.text.text) != CONFIG_TRUE) {
		line = cfg_text_where(&x.text, config_error_line(&cf), &file);
		cfg_err_line(&x, file, line, "%s", config_error_text(&cf));
		goto destroy;
	}
	report_wide(&x);
	load_tree(&x, &cf, c);
destroy:
	config_destroy(&cf);
	free(x.ports);
	free(x.port_set);
	free(x.svc_set);
	if (x.n_err != 0 || out == NULL)
		cfg_free(c);
	else
		*out = c;
	rc = cfg_finish(&x);
	/* Messages hold copies of the file names: the map can go now. */
	cfg_text_free(&x.text);
	return rc;
}

int
cfg_load_string(const char *text, const char *name, struct cfg **out,
		struct cfg_errors *errs)
{
	if (name == NULL)
		name = "<string>";
	if (text == NULL) {
		struct cfg_ctx x = { .name = name, .errs = errs };

		if (out != NULL)
			*out = NULL;
		cfg_err_line(&x, NULL, 0, "no configuration text");
		return cfg_finish(&x);
	}
	return load_text(text, name, NULL, out, errs);
}

/* Whole file, NUL-terminated, its length in *lenp; NULL with errno set. */
static char *
read_file(const char *path, size_t *lenp)
{
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "r");
	int err = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if (cap > CFG_MAX_FILE_SIZE + 4096) {
				err = EFBIG;
				break;
			}
			grown = realloc(buf, cap);
			if (grown == NULL) {
				err = ENOMEM;
				break;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err != 0) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

int
cfg_load_file(const char *path, struct cfg **out, struct cfg_errors *errs)
{
	char *text, *dir, *slash;
	size_t len;
	int n;

	if (out != NULL)
		*out = NULL;
	text = read_file(path, &len);
	if (text == NULL || strlen(text) != len) {
		struct cfg_ctx x = { .name = path, .errs = errs };

		/* libconfig would stop at a NUL byte and ignore the rest unseen. */
		if (text != NULL)
			cfg_err_line(&x, NULL, 0,
				     "cannot read: NUL byte at offset %zu, not a text file",
				     strlen(text));
		else
			cfg_err_line(&x, NULL, 0, "cannot read: %s", strerror(errno));
		free(text);
		return cfg_finish(&x);
	}
	/* @include "x.conf" means next to this file, not next to the cwd. */
	dir = strdup(path);
	if (dir == NULL) {
		struct cfg_ctx x = { .name = path, .errs = errs };

		free(text);
		cfg_err_oom(&x);
		return cfg_finish(&x);
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	n = load_text(text, path, dir, out, errs);
	free(dir);
	free(text);
	return n;
}

int
cfg_proto_from_name(const char *v)
{
	if (strcmp(v, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(v, "udp") == 0)
		return IPPROTO_UDP;
	return -EINVAL;
}

int
cfg_mode_from_name(const char *v)
{
	if (strcmp(v, "nat") == 0)
		return SVC_MODE_NAT;
	if (strcmp(v, "fullnat") == 0)
		return SVC_MODE_FULLNAT;
	if (strcmp(v, "dr") == 0)
		return SVC_MODE_DR;
	return -EINVAL;
}

const char *
cfg_mode_name(enum svc_mode m)
{
	switch (m) {
	case SVC_MODE_NAT:
		return "nat";
	case SVC_MODE_FULLNAT:
		return "fullnat";
	case SVC_MODE_DR:
		return "dr";
	}
	return "?";
}
