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
 *     Each top-level section has a file of its own (config_<section>.c)
 *     declaring its keys in a table (config_impl.h), which the driver below
 *     reads; lists (ports, services) parse themselves.
 *  3. Cross-checks between settings (uniqueness, subnets, forwarding-mode
 *     rules) run over the filled struct, with the tree still at hand so each
 *     message points at the offending setting's own line.
 * A value that failed pass 2 is left zero, and pass 3 skips zero addresses
 * and ports, so one mistake does not cascade into several messages.
 *
 * This file: error collection (sorted into file order at the end), loading,
 * and the section driver.
 * Threading: control lcore or tools; allocates with malloc; no EAL.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "config_text.h"

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

void
cfg_setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t used;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	cfg_setting_path(parent, buf, len);
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
		cfg_setting_path(s, path, sizeof(path));
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

int
cfg_setting_line(const struct cfg_ctx *x, const config_setting_t *s, const char **file)
{
	const char *f;
	int line = cfg_text_where(&x->text, config_setting_source_line(s), &f);

	if (file != NULL)
		*file = f != NULL ? f : x->name;
	return line;
}

int
cfg_main_line(const struct cfg_ctx *x, const config_setting_t *s)
{
	return cfg_text_main_line(&x->text, config_setting_source_line(s), x->name);
}

void
cfg_err(struct cfg_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	const char *file;
	int line = cfg_setting_line(x, s, &file);
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(x, s, file, line, fmt, ap);
	va_end(ap);
}

void
cfg_err_line(struct cfg_ctx *x, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(x, NULL, file ? file : x->name, line, fmt, ap);
	va_end(ap);
}

void
cfg_err_oom(struct cfg_ctx *x)
{
	cfg_err_line(x, NULL, 0, "out of memory");
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

/* ---- the section driver ---------------------------------------------------- */

/* The order messages of one line keep, and the order of the restart check. */
const struct cfg_section *const cfg_sections[CFG_N_SECTIONS] = {
	&cfg_sec_workers,
	&cfg_sec_conntrack,
	&cfg_sec_fullnat,
	&cfg_sec_scheduler,
	&cfg_sec_stats,
	&cfg_sec_api,
	&cfg_sec_ports,
	&cfg_sec_services,
	&cfg_sec_sync,
	&cfg_sec_ha,
};

void
cfg_set_defaults(struct cfg *c)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CFG_N_SECTIONS; i++) {
		const struct cfg_section *sec = cfg_sections[i];

		if (!sec->list)
			cfg_key_defaults(sec->keys, sec->n_keys, c);
		if (sec->defaults != NULL)
			sec->defaults(c);
	}
}

/* Section i of the file into c, noting where its restart check will look. */
static int
read_section(struct cfg_ctx *x, const config_setting_t *root, uint32_t i, struct cfg *c)
{
	const struct cfg_section *sec = cfg_sections[i];
	const config_setting_t *g = config_setting_get_member(root, sec->name), *s;
	int rc[CFG_SECTION_KEYS];
	uint32_t k;

	if (g != NULL)
		c->lines.section[i] = cfg_main_line(x, g);
	if (sec->list)
		return sec->parse(x, root, c);
	if (cfg_read_group(x, root, sec->name, sec->keys, sec->n_keys, sec->others, c,
			   rc) != GOT_VALUE)
		return 0;
	for (k = 0; k < sec->n_keys; k++) {
		s = config_setting_get_member(g, sec->keys[k].name);
		if (s != NULL)
			c->lines.key[i][k] = cfg_main_line(x, s);
	}
	if (sec->after != NULL)
		sec->after(x, g, c, rc);
	return 0;
}

static int
load_tree(struct cfg_ctx *x, const config_t *cf, struct cfg *c)
{
	const config_setting_t *root = config_root_setting(cf);
	const char *names[CFG_N_SECTIONS + 1];
	uint32_t i;

	for (i = 0; i < CFG_N_SECTIONS; i++)
		names[i] = cfg_sections[i]->name;
	names[CFG_N_SECTIONS] = NULL;
	cfg_check_keys(x, root, NULL, 0, names);
	for (i = 0; i < CFG_N_SECTIONS; i++)
		if (read_section(x, root, i, c) != 0)
			return -ENOMEM;
	for (i = 0; i < CFG_N_SECTIONS; i++)
		if (cfg_sections[i]->check != NULL && cfg_sections[i]->check(x, c) != 0)
			return -ENOMEM;
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

