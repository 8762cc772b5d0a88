/*
 * Keys as their sections declare them (struct cfg_key, config_impl.h):
 * reading one, checking a group's members, writing the defaults, and the
 * restart check, which compares exactly the keys declared restart-only.
 * Threading: as config.h.
 */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

/* ---- fields -------------------------------------------------------------------- */

static void
store(const struct cfg_key *k, void *base, uint32_t v)
{
	char *p = (char *)base + k->off;
	uint16_t v16 = (uint16_t)v;
	uint8_t v8 = (uint8_t)v;

	switch (k->size) {
	case 1:
		memcpy(p, &v8, 1);
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v, 4);
		break;
	default:
		break;
	}
}

uint32_t
cfg_key_value(const struct cfg_key *k, const void *base)
{
	const char *p = (const char *)base + k->off;
	uint32_t v32 = 0;
	uint16_t v16;
	uint8_t v8;

	switch (k->size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		return 0;
	}
}

void
cfg_key_defaults(const struct cfg_key *keys, uint32_t n, void *base)
{
	const struct cfg_key *k;

	for (k = keys; k < keys + n; k++) {
		if (k->flags & (CFG_KEY_REQUIRED | CFG_KEY_INHERITS))
			continue;
		if (k->flags & CFG_KEY_CHARS)
			snprintf((char *)base + k->off, k->size, "%s",
				 k->def_str != NULL ? k->def_str : "");
		else
			store(k, base, (uint32_t)k->def * (k->scale ? k->scale : 1));
	}
}

int
cfg_key_same(const struct cfg_key *k, const void *a, const void *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;

	if (k->same != NULL)
		return k->same(a, b);
	if (k->flags & CFG_KEY_CHARS)
		return strncmp(pa, pb, k->size) == 0;
	return memcmp(pa, pb, k->size) == 0;
}

/* ---- reading ------------------------------------------------------------------- */

void
cfg_check_keys(struct cfg_ctx *x, const config_setting_t *grp,
	       const struct cfg_key *keys, uint32_t n, const char *const *others)
{
	char path[256];
	int i, len = config_setting_length(grp);

	for (i = 0; i < len; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, (unsigned int)i);
		const char *name = config_setting_name(m), *file;
		const char *const *o = others;
		uint32_t k;
		int line;

		for (k = 0; k < n; k++)
			if (strcmp(keys[k].name, name) == 0)
				break;
		if (k < n)
			continue;
		while (o != NULL && *o != NULL && strcmp(*o, name) != 0)
			o++;
		if (o != NULL && *o != NULL)
			continue;
		line = cfg_setting_line(x, m, &file);
		cfg_setting_path(m, path, sizeof(path));
		cfg_err_line(x, file, line, "unknown key \"%s\"", path);
	}
}

int
cfg_get_key(struct cfg_ctx *x, const config_setting_t *grp, const struct cfg_key *k,
	    void *base)
{
	const config_setting_t *s = config_setting_get_member(grp, k->name);
	const char *v;
	long long n;

	if (s == NULL) {
		if (k->flags & CFG_KEY_REQUIRED)
			cfg_missing(x, grp, k->name);
		return GOT_NONE;
	}
	if (k->type == CFG_KEY_STRING) {
		if (cfg_get_str_elem(x, s, &v) != GOT_VALUE)
			return GOT_ERROR;
		return k->parse(x, k, s, v, base);
	}
	if (k->flags & CFG_KEY_OR_ZERO) {
		if (cfg_get_int(x, s, LLONG_MIN, LLONG_MAX, &n) != GOT_VALUE)
			return GOT_ERROR;
		if (n != 0 && (n < k->min || n > k->max)) {
			cfg_err(x, s, "%lld out of range %lld..%lld (or 0: %s)", n, k->min,
				k->max, k->zero);
			return GOT_ERROR;
		}
	} else if (cfg_get_int(x, s, k->min, k->max, &n) != GOT_VALUE) {
		return GOT_ERROR;
	}
	if ((k->flags & CFG_KEY_POW2) && (n & (n - 1)) != 0) {
		cfg_err(x, s, "%lld is not a power of two", n);
		return GOT_ERROR;
	}
	if (k->check != NULL && k->check(x, s, n) != 0)
		return GOT_ERROR;
	store(k, base, (uint32_t)n * (k->scale ? k->scale : 1));
	return GOT_VALUE;
}

int
cfg_read_group(struct cfg_ctx *x, const config_setting_t *parent, const char *name,
	       const struct cfg_key *keys, uint32_t n, const char *const *others,
	       void *base, int *rc)
{
	const config_setting_t *g;
	uint32_t i;
	int got;

	got = cfg_get_group(x, parent, name, &g);
	if (got != GOT_VALUE)
		return got;
	cfg_check_keys(x, g, keys, n, others);
	for (i = 0; i < n; i++) {
		got = cfg_get_key(x, g, &keys[i], base);
		if (rc != NULL)
			rc[i] = got;
	}
	return GOT_VALUE;
}

/* ---- the restart check ----------------------------------------------------------- */

int
cfg_restart_check(const struct cfg *running, const struct cfg *next, char *msg,
		  size_t len)
{
	char key[128] = "", at[16] = "";
	uint32_t i, k;
	int line = -1;

	for (i = 0; i < CFG_N_SECTIONS && line < 0; i++) {
		const struct cfg_section *sec = cfg_sections[i];

		if (sec->list) {
			if (sec->restart)
				line = sec->changed(running, next, i, key, sizeof(key));
			continue;
		}
		for (k = 0; k < sec->n_keys && line < 0; k++) {
			if (!(sec->keys[k].flags & CFG_KEY_RESTART) ||
			    cfg_key_same(&sec->keys[k], running, next))
				continue;
			snprintf(key, sizeof(key), "%s.%s", sec->name, sec->keys[k].name);
			/* Left out: where its section is, if it still is. */
			line = next->lines.key[i][k] ? next->lines.key[i][k] :
			       next->lines.section[i];
		}
	}
	if (line < 0)
		return 0;
	/* As every config message: "FILE:LINE: ...", "FILE: ..." without a line. */
	if (line > 0)
		snprintf(at, sizeof(at), ":%d", line);
	if (msg != NULL && len > 0)
		snprintf(msg, len, "%s%s: %s changed: that needs a restart; running configuration kept",
			 next->source, at, key);
	return 1;
}
