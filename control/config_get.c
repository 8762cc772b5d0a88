/*
 * Typed getters and the field validators every section uses: types are
 * strict (no conversion), integers are range-checked whole, addresses are
 * strict dotted quads. The validators the runtime API shares with the file
 * (config.h: cfg_parse_uint, cfg_name_error, ...) live here too, so a value
 * the API accepts is one a file could hold.
 * Threading: as config.h.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "config_text.h"

/* ---- numbers and addresses ------------------------------------------------- */

const char *
cfg_parse_decimal(const char *s, int max_digits, unsigned int *out)
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
	const char *end = cfg_parse_decimal(s, 10, &v);

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
		s = cfg_parse_decimal(s, 3, &octet);
		if (s == NULL || octet > 255)
			return -EINVAL;
		v = v << 8 | octet;
	}
	if (*s == '/') {
		if (prefix == NULL)
			return -EINVAL;
		s = cfg_parse_decimal(s + 1, 2, &len);
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

uint32_t
cfg_prefix_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

int
cfg_in_subnet(uint32_t ip, const struct cfg_addr *a)
{
	uint32_t mask = cfg_prefix_mask(a->prefix);

	return (ntohl(ip) & mask) == (ntohl(a->ip) & mask);
}

/* Not this-network, loopback, multicast, reserved or broadcast. */
int
cfg_is_unicast(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return (h >> 24) != 0 && (h >> 24) != 127 && h < 0xe0000000u;
}

const char *
cfg_ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = ip };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- typed getters ----------------------------------------------------------- */

const char *
cfg_type_name(const config_setting_t *s)
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

void
cfg_missing(struct cfg_ctx *x, const config_setting_t *grp, const char *key)
{
	cfg_err(x, grp, "missing required key \"%s\"", key);
}

int
cfg_get_group(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
	      const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);

	if (s == NULL)
		return GOT_NONE;
	if (!config_setting_is_group(s)) {
		cfg_err(x, s, "expected a group { }, not %s", cfg_type_name(s));
		return GOT_ERROR;
	}
	*out = s;
	return GOT_VALUE;
}

int
cfg_get_seq(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
	    const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);

	if (s == NULL)
		return GOT_NONE;
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		cfg_err(x, s, "expected a list ( ) or an array [ ], not %s",
			cfg_type_name(s));
		return GOT_ERROR;
	}
	*out = s;
	return GOT_VALUE;
}

int
cfg_get_int(struct cfg_ctx *x, const config_setting_t *s, long long min,
	    long long max, long long *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		cfg_err(x, s, "expected an integer, not %s", cfg_type_name(s));
		return GOT_ERROR;
	}
	/* Expansion reported this setting's value already (config_text.h). */
	if (cfg_text_wide_line(&x->text, config_setting_source_line(s)))
		return GOT_ERROR;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cfg_err(x, s, "%lld out of range %lld..%lld", v, min, max);
		return GOT_ERROR;
	}
	*out = v;
	return GOT_VALUE;
}

int
cfg_get_str_elem(struct cfg_ctx *x, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_err(x, s, "expected a string, not %s", cfg_type_name(s));
		return GOT_ERROR;
	}
	*out = config_setting_get_string(s);
	return GOT_VALUE;
}

int
cfg_get_str(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
	    const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (s == NULL)
		return GOT_NONE;
	return cfg_get_str_elem(x, s, out);
}

const config_setting_t *
cfg_member(const config_setting_t *grp, const char *key, int idx)
{
	const config_setting_t *m = config_setting_get_member(grp, key);
	const config_setting_t *e;

	if (m == NULL || idx < 0)
		return m ? m : grp;
	e = config_setting_get_elem(m, (unsigned int)idx);
	return e ? e : m;
}

/* ---- names and addresses ----------------------------------------------------- */

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

int
cfg_parse_name_key(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		   const char *v, void *base)
{
	const char *why = cfg_name_error(v);

	if (why != NULL) {
		cfg_err(x, s, "\"%s\"%s", v, why);
		return GOT_ERROR;
	}
	snprintf((char *)base + k->off, k->size, "%s", v);
	return GOT_VALUE;
}

/* v as a plain unicast address into *ip, left 0 on error. */
static int
unicast(struct cfg_ctx *x, const config_setting_t *s, const char *v, uint32_t *ip)
{
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

int
cfg_get_ip_elem(struct cfg_ctx *x, const config_setting_t *s, uint32_t *ip)
{
	const char *v;

	if (cfg_get_str_elem(x, s, &v) != GOT_VALUE)
		return GOT_ERROR;
	return unicast(x, s, v, ip);
}

int
cfg_parse_ip_key(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		 const char *v, void *base)
{
	uint32_t ip = 0;
	int rc = unicast(x, s, v, &ip);

	memcpy((char *)base + k->off, &ip, sizeof(ip));
	return rc;
}

void
cfg_get_cidr_elem(struct cfg_ctx *x, const config_setting_t *s, struct cfg_addr *a)
{
	const char *v;
	uint32_t host, mask;

	if (cfg_get_str_elem(x, s, &v) != GOT_VALUE)
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
	mask = cfg_prefix_mask(a->prefix);
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

/* ---- names of enums ---------------------------------------------------------- */

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
