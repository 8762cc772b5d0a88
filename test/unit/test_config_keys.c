/*
 * Key declaration tests (config_impl.h): the loader applies exactly the
 * defaults and bounds each section's table declares, every key read only
 * at start-up is declared restart-only, and cfg_restart_check refuses a
 * change to any of them with "FILE:LINE: KEY changed: ..." while letting
 * every other change through. The cases are generated from the tables, so
 * a key added to a table is tested without a line here; the list of
 * restart-only keys is written out once below (and once in
 * docs/configuration.md, compared too), so a flag dropped by mistake fails.
 * Inline texts use the name "t.conf".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "control/config_impl.h"
#include "unit.h"

#ifndef SL_SOURCE_ROOT
#error "SL_SOURCE_ROOT must name the source tree (test/unit/meson.build sets it)"
#endif

#define PORTS \
	"ports = (\n" \
	"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n" \
	"  { name = \"backend\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; }\n" \
	");\n"

#define RESTART_TAIL ": that needs a restart; running configuration kept"

/* Every key only start-up reads: main.c, app.c, the workers, api.c, prom.c. */
static const char *const restart_only[] = {
	"workers.burst", "workers.idle_sleep_us", "workers.mbufs_per_port",
	"conntrack.capacity", "conntrack.expire_budget",
	"fullnat.port_min", "fullnat.port_max",
	"stats.prometheus",
	"api.socket", "api.mode",
	"ports",
	"sync.node_id", "sync.key", "sync.group", "sync.port", "sync.source", "sync.multicast",
	"ha.vips",
};

/* A changed value for each restart-only string key (its parse is its own). */
static const struct {
	const char *key;
	const char *value;
} string_values[] = {
	{ "stats.prometheus", "\"127.0.0.1:9273\"" },
	{ "api.socket", "\"/tmp/other.sock\"" },
	{ "api.mode", "\"0660\"" },
	{ "ha.vips", "\"follow\"" },
};

/* snprintf into buf, failing the test rather than cutting a text short. */
static void __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	CU_ASSERT_FATAL(n >= 0 && (size_t)n < len);
}

static struct cfg *g_cfg;
static struct cfg_errors g_errs;

static void
setup(void)
{
	g_cfg = NULL;
	cfg_errors_init(&g_errs);
}

static void
teardown(void)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
}

static int
load(const char *text)
{
	cfg_free(g_cfg);
	g_cfg = NULL;
	cfg_errors_free(&g_errs);
	return cfg_load_string(text, "t.conf", &g_cfg, &g_errs);
}

/* A config of its own (not g_cfg), or NULL with the errors printed. */
static struct cfg *
load_cfg(const char *text)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	cfg_load_string(text, "t.conf", &c, &errs);
	cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	return c;
}

static int
has_msg(const char *msg)
{
	uint32_t i;

	for (i = 0; i < g_errs.n; i++)
		if (strcmp(g_errs.msgs[i], msg) == 0)
			return 1;
	fprintf(stderr, "\n  expected: %s\n", msg);
	for (i = 0; i < g_errs.n; i++)
		fprintf(stderr, "  got:      %s\n", g_errs.msgs[i]);
	return 0;
}

/* Whether a message says path is out of range ("t.conf:N: path: V out of range ..."). */
static int
has_range_msg(const char *path)
{
	char needle[160];
	uint32_t i;

	fmt(needle, sizeof(needle), ": %s: ", path);
	for (i = 0; i < g_errs.n; i++)
		if (strstr(g_errs.msgs[i], needle) != NULL &&
		    strstr(g_errs.msgs[i], " out of range ") != NULL)
			return 1;
	return 0;
}

/* ---- walking the tables -------------------------------------------------------- */

/* One table with where it sits: "workers", "conntrack.timeouts", "services[].health". */
struct table {
	char path[64];
	const struct cfg_key *keys;
	uint32_t n;
	const struct cfg_section *sec;
	int top;        /* the section's own keys (not a sub-table, not a list element) */
	uint32_t sec_i; /* index in cfg_sections */
};

static uint32_t
tables(struct table *t, uint32_t max)
{
	uint32_t i, j, n = 0;

	for (i = 0; i < CFG_N_SECTIONS; i++) {
		const struct cfg_section *sec = cfg_sections[i];

		CU_ASSERT_FATAL(n < max);
		fmt(t[n].path, sizeof(t[n].path), "%s%s", sec->name, sec->list ? "[]" : "");
		t[n].keys = sec->keys;
		t[n].n = sec->n_keys;
		t[n].sec = sec;
		t[n].top = !sec->list;
		t[n].sec_i = i;
		n++;
		for (j = 0; j < sec->n_sub; j++) {
			CU_ASSERT_FATAL(n < max);
			fmt(t[n].path, sizeof(t[n].path), "%s%s.%s", sec->name,
				 sec->list ? "[]" : "", sec->sub[j]->path);
			t[n].keys = sec->sub[j]->keys;
			t[n].n = sec->sub[j]->n;
			t[n].sec = sec;
			t[n].top = 0;
			t[n].sec_i = i;
			n++;
		}
	}
	return n;
}

/*
 * A valid config with `setting` (may be "") written at line 1 in the group
 * of table t, and what else that group needs; `key` is the key tested, so
 * it is not written twice. 0, or -1 for a table this test does not know.
 */
static int
text_for(const struct table *t, const char *key, const char *setting, char *buf, size_t len)
{
	const char *svc_port = strcmp(key, "port") == 0 ? "" : "port = 80; ";
	const char *hc_type = strcmp(key, "type") == 0 ? "" : "type = \"http\"; ";

	if (strcmp(t->path, "sync") == 0)
		/* What the section needs besides the key tested. */
		fmt(buf, len, "sync: { %s%s%s peers = [ \"198.18.1.2\" ]; %s };\n" PORTS,
		    strcmp(key, "node_id") == 0 ? "" : "node_id = 1; ",
		    strcmp(key, "key") == 0 ? "" : "key = \"00112233445566778899aabbccddeeff\"; ",
		    strcmp(key, "source") == 0 ? "" : "source = \"198.18.0.1\"; ", setting);
	else if (t->top)
		fmt(buf, len, "%s: { %s };\n" PORTS, t->path, setting);
	else if (strcmp(t->path, "conntrack.timeouts") == 0)
		fmt(buf, len, "conntrack: { timeouts: { %s }; };\n" PORTS, setting);
	else if (strcmp(t->path, "ports[]") == 0)
		fmt(buf, len, "ports = ( { name = \"p\"; device = \"d\"; "
			 "addresses = [ \"198.18.0.1/24\" ]; %s } );\n", setting);
	else if (strcmp(t->path, "services[]") == 0)
		fmt(buf, len, "services = ( { name = \"s\"; vip = \"198.18.0.10\"; %s%s "
			 "backends = ( { address = \"198.18.1.11\"; } ); } );\n" PORTS,
			 svc_port, setting);
	else if (strcmp(t->path, "services[].backends[]") == 0)
		fmt(buf, len, "services = ( { name = \"s\"; vip = \"198.18.0.10\"; port = 80; "
			 "backends = ( { address = \"198.18.1.11\"; %s } ); } );\n" PORTS, setting);
	else if (strcmp(t->path, "services[].health") == 0)
		fmt(buf, len, "services = ( { name = \"s\"; vip = \"198.18.0.10\"; port = 80; "
			 "health: { %s%s }; backends = ( { address = \"198.18.1.11\"; } ); } );\n"
			 PORTS, hc_type, setting);
	else
		return -1;
	return 0;
}

/* The struct table t's keys fill in g_cfg. */
static const void *
base_of(const struct table *t)
{
	if (t->top || strcmp(t->path, "conntrack.timeouts") == 0)
		return g_cfg;
	if (strcmp(t->path, "ports[]") == 0)
		return &g_cfg->ports[0];
	if (strcmp(t->path, "services[]") == 0)
		return &g_cfg->services[0];
	if (strcmp(t->path, "services[].backends[]") == 0)
		return &g_cfg->services[0].backends[0];
	return &g_cfg->services[0].health;
}

/* "services[].health" -> "services[0].health.KEY", as messages name it. */
static void
msg_path(const struct table *t, const char *key, char *buf, size_t len)
{
	const char *p;
	size_t n = 0;

	for (p = t->path; *p != '\0' && n + 2 < len; p++) {
		buf[n++] = *p;
		if (p[0] == '[' && p[1] == ']')
			buf[n++] = '0';
	}
	fmt(buf + n, len - n, ".%s", key);
}

/* ---- the tables themselves ------------------------------------------------------- */

static int
is_restart_only(const char *name)
{
	size_t i;

	for (i = 0; i < UNIT_DIM(restart_only); i++)
		if (strcmp(restart_only[i], name) == 0)
			return 1;
	return 0;
}

/* Declarations that hold together, and restart flags only where the check looks. */
static void
test_declarations(void)
{
	struct table t[32];
	uint32_t n = tables(t, UNIT_DIM(t)), i, k, j, declared = 0;
	char name[128];

	CU_ASSERT(n > CFG_N_SECTIONS);
	for (i = 0; i < n; i++) {
		if (t[i].top)
			CU_ASSERT(t[i].n <= CFG_SECTION_KEYS);
		if (t[i].sec->list && t[i].sec->restart && strchr(t[i].path, '.') == NULL) {
			CU_ASSERT_PTR_NOT_NULL(t[i].sec->changed);
			CU_ASSERT(is_restart_only(t[i].sec->name));
			declared++;
		}
		for (k = 0; k < t[i].n; k++) {
			const struct cfg_key *key = &t[i].keys[k];
			unsigned long long field_max;

			fmt(name, sizeof(name), "%s.%s", t[i].path, key->name);
			for (j = 0; j < k; j++)
				if (strcmp(t[i].keys[j].name, key->name) == 0)
					CU_FAIL("a key declared twice in one table");
			/* Only a section's own keys are compared by the restart check. */
			if (key->flags & CFG_KEY_RESTART) {
				CU_ASSERT(t[i].top);
				CU_ASSERT(key->size != 0 || key->same != NULL);
				if (!is_restart_only(name))
					fprintf(stderr, "\n  %s is restart-only, not in the list\n", name);
				CU_ASSERT(is_restart_only(name));
				declared++;
			} else if (t[i].top && is_restart_only(name)) {
				fprintf(stderr, "\n  %s should be restart-only\n", name);
				CU_FAIL("a start-up key not declared restart-only");
			}
			if (key->type == CFG_KEY_STRING) {
				CU_ASSERT_PTR_NOT_NULL(key->parse);
				continue;
			}
			/* An integer: a field that holds its bounds, a default within them. */
			CU_ASSERT(key->size == 1 || key->size == 2 || key->size == 4);
			CU_ASSERT(key->min <= key->max);
			field_max = key->size == 4 ? UINT32_MAX : (1ull << (8 * key->size)) - 1;
			CU_ASSERT((unsigned long long)key->max * (key->scale ? key->scale : 1) <=
				  field_max);
			CU_ASSERT(key->min >= 0);
			if (!(key->flags & (CFG_KEY_REQUIRED | CFG_KEY_INHERITS)) &&
			    !((key->flags & CFG_KEY_OR_ZERO) && key->def == 0)) {
				if (key->def < key->min || key->def > key->max)
					fprintf(stderr, "\n  %s: default %lld outside %lld..%lld\n",
						name, key->def, key->min, key->max);
				CU_ASSERT(key->def >= key->min && key->def <= key->max);
			}
		}
	}
	/* Every name on the list is declared. */
	CU_ASSERT_EQUAL(declared, UNIT_DIM(restart_only));
}

/* ---- defaults and bounds, as the loader applies them ------------------------------ */

/* Each key left out holds its declared default. */
static void
test_defaults(void)
{
	struct table t[32];
	uint32_t n = tables(t, UNIT_DIM(t)), i, k, checked = 0;
	char text[1024], name[128];
	struct cfg *d = malloc(sizeof(*d));

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	cfg_set_defaults(d);
	for (i = 0; i < n; i++) {
		for (k = 0; k < t[i].n; k++) {
			const struct cfg_key *key = &t[i].keys[k];
			const void *base;

			if (key->flags & (CFG_KEY_REQUIRED | CFG_KEY_INHERITS) || key->size == 0)
				continue;
			CU_ASSERT_EQUAL_FATAL(text_for(&t[i], key->name, "", text, sizeof(text)), 0);
			fmt(name, sizeof(name), "%s.%s", t[i].path, key->name);
			if (load(text) != 0) {
				fprintf(stderr, "\n  %s: the template does not load\n", name);
				cfg_errors_print(&g_errs, stderr);
				CU_FAIL("template");
				continue;
			}
			base = base_of(&t[i]);
			if (key->flags & CFG_KEY_CHARS) {
				const char *want = key->def_str != NULL ? key->def_str : "";

				CU_ASSERT_STRING_EQUAL((const char *)base + key->off, want);
				if (t[i].top || strcmp(t[i].path, "conntrack.timeouts") == 0)
					CU_ASSERT_STRING_EQUAL((const char *)d + key->off, want);
			} else {
				uint32_t want = (uint32_t)key->def * (key->scale ? key->scale : 1);

				if (cfg_key_value(key, base) != want)
					fprintf(stderr, "\n  %s: %u, declared %u\n", name,
						cfg_key_value(key, base), want);
				CU_ASSERT_EQUAL(cfg_key_value(key, base), want);
				if (t[i].top || strcmp(t[i].path, "conntrack.timeouts") == 0)
					CU_ASSERT_EQUAL(cfg_key_value(key, d), want);
			}
			checked++;
		}
	}
	CU_ASSERT(checked >= 30);
	free(d);
}

/* What the range message says for value v of integer key k at path. */
static void
range_msg(const struct cfg_key *k, const char *path, long long v, char *buf, size_t len)
{
	if (k->flags & CFG_KEY_OR_ZERO)
		fmt(buf, len, "t.conf:1: %s: %lld out of range %lld..%lld (or 0: %s)", path, v,
			 k->min, k->max, k->zero);
	else
		fmt(buf, len, "t.conf:1: %s: %lld out of range %lld..%lld", path, v, k->min,
			 k->max);
}

/*
 * Integer key k at v inside its bounds: no range message for it, and where
 * no rule between keys refuses the value alone, it lands in the field.
 * *refused counts the loads such a rule refused.
 */
static void
expect_in_range(const struct table *t, const struct cfg_key *k, long long v, uint32_t *refused)
{
	char text[1024], setting[96], path[128];

	fmt(setting, sizeof(setting), "%s = %lld;", k->name, v);
	CU_ASSERT_EQUAL_FATAL(text_for(t, k->name, setting, text, sizeof(text)), 0);
	msg_path(t, k->name, path, sizeof(path));
	if (load(text) == 0) {
		CU_ASSERT_EQUAL(cfg_key_value(k, base_of(t)),
				(uint32_t)v * (k->scale ? k->scale : 1));
		return;
	}
	(*refused)++;
	if (has_range_msg(path))
		cfg_errors_print(&g_errs, stderr);
	CU_ASSERT(!has_range_msg(path));
}

static void
expect_out_of_range(const struct table *t, const struct cfg_key *k, long long v)
{
	char text[1024], setting[96], path[128], msg[256];
	int n;

	fmt(setting, sizeof(setting), "%s = %lld;", k->name, v);
	CU_ASSERT_EQUAL_FATAL(text_for(t, k->name, setting, text, sizeof(text)), 0);
	msg_path(t, k->name, path, sizeof(path));
	range_msg(k, path, v, msg, sizeof(msg));
	n = load(text);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(has_msg(msg));
	CU_ASSERT_PTR_NULL(g_cfg);
}

/* Every integer key at min and max is taken, at min-1 and max+1 refused. */
static void
test_bounds(void)
{
	struct table t[32];
	uint32_t n = tables(t, UNIT_DIM(t)), i, k, keys = 0, refused = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < t[i].n; k++) {
			const struct cfg_key *key = &t[i].keys[k];

			if (key->type != CFG_KEY_INT)
				continue;
			expect_in_range(&t[i], key, key->min, &refused);
			expect_in_range(&t[i], key, key->max, &refused);
			if (key->flags & CFG_KEY_OR_ZERO)
				expect_in_range(&t[i], key, 0, &refused);
			if (!(key->flags & CFG_KEY_OR_ZERO) || key->min - 1 != 0)
				expect_out_of_range(&t[i], key, key->min - 1);
			expect_out_of_range(&t[i], key, key->max + 1);
			keys++;
		}
	}
	CU_ASSERT(keys >= 25);
	/*
	 * The rules between keys refuse four bounds alone, beside the other
	 * key's default: fullnat.port_min at its max and port_max at its min
	 * (min < max), a health interval_ms at its min and timeout_ms at its
	 * max (timeout < interval).
	 */
	CU_ASSERT_EQUAL(refused, 4);
}

/* ---- the restart check --------------------------------------------------------------- */

/* A valid written value of top-level key k other than its default. */
static int
other_value(const struct table *t, const struct cfg_key *k, char *buf, size_t len)
{
	char name[128];
	size_t i;

	if (k->type == CFG_KEY_INT) {
		fmt(buf, len, "%lld", k->def < k->max ? k->def + 1 : k->def - 1);
		return 0;
	}
	fmt(name, sizeof(name), "%s.%s", t->path, k->name);
	for (i = 0; i < UNIT_DIM(string_values); i++) {
		if (strcmp(string_values[i].key, name) == 0) {
			fmt(buf, len, "%s", string_values[i].value);
			return 0;
		}
	}
	fprintf(stderr, "\n  no changed value for %s in string_values[]\n", name);
	return -1;
}

/* cfg_restart_check(run, next): 0 and no message when want is NULL, else want. */
static void
expect_check(const struct cfg *run, const struct cfg *next, const char *want)
{
	char msg[512] = "";
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	rc = cfg_restart_check(run, next, msg, sizeof(msg));
	if (want == NULL) {
		if (rc != 0)
			fprintf(stderr, "\n  refused: %s\n", msg);
		CU_ASSERT_EQUAL(rc, 0);
		return;
	}
	if (rc == 0 || strcmp(msg, want) != 0)
		fprintf(stderr, "\n  expected: %s\n  got:      %s (%d)\n", want, msg, rc);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msg, want);
}

/*
 * Each top-level key, changed on line 3 of the new file: refused with that
 * line when restart-only, applied otherwise. Removed again, the refusal
 * names its section's line, or none when the section went too.
 */
static void
test_restart_keys(void)
{
	struct table t[32];
	uint32_t n = tables(t, UNIT_DIM(t)), i, k, refused = 0, passed = 0;
	char text[1024], value[96], want[256];
	struct cfg *base = load_cfg(PORTS), *next, *empty, *other;

	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	expect_check(base, base, NULL);
	for (i = 0; i < n; i++) {
		/* Its keys need one another: test_restart_sync. */
		if (!t[i].top || strcmp(t[i].path, "sync") == 0)
			continue;
		for (k = 0; k < t[i].n; k++) {
			const struct cfg_key *key = &t[i].keys[k];

			if (other_value(&t[i], key, value, sizeof(value)) != 0) {
				CU_FAIL("a restart-only string key without a test value");
				continue;
			}
			fmt(text, sizeof(text), "%s: {\n  # changed:\n  %s = %s;\n};\n" PORTS,
				 t[i].path, key->name, value);
			next = load_cfg(text);
			fmt(text, sizeof(text), "%s: {\n};\n" PORTS, t[i].path);
			empty = load_cfg(text);
			fmt(text, sizeof(text), "%s: {\n  # changed:\n  %s = %s;\n};\n" PORTS,
				 t[i].path, key->name, value);
			other = load_cfg(text);
			CU_ASSERT_PTR_NOT_NULL_FATAL(next);
			CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
			CU_ASSERT_PTR_NOT_NULL_FATAL(other);
			/* The same file again is always fine. */
			expect_check(next, other, NULL);
			if (!(key->flags & CFG_KEY_RESTART)) {
				expect_check(base, next, NULL);
				expect_check(next, base, NULL);
				passed++;
			} else {
				fmt(want, sizeof(want), "t.conf:3: %s.%s changed" RESTART_TAIL,
					 t[i].path, key->name);
				expect_check(base, next, want);
				fmt(want, sizeof(want), "t.conf:1: %s.%s changed" RESTART_TAIL,
					 t[i].path, key->name);
				expect_check(next, empty, want);
				fmt(want, sizeof(want), "t.conf: %s.%s changed" RESTART_TAIL,
					 t[i].path, key->name);
				expect_check(next, base, want);
				refused++;
			}
			cfg_free(next);
			cfg_free(empty);
			cfg_free(other);
		}
	}
	CU_ASSERT_EQUAL(refused, UNIT_DIM(restart_only) - 1 - cfg_sec_sync.n_keys);
	CU_ASSERT(passed >= 1);
	cfg_free(base);
}

/* sync, one line per key; a key given in `change` replaces its line (3..8). */
static void
sync_text(char *buf, size_t len, const char *key, const char *value, const char *peers)
{
	static const char *const lines[][2] = {
		{ "node_id", "1" }, { "key", "\"00112233445566778899aabbccddeeff\"" },
		{ "group", "1" }, { "port", "8848" }, { "source", "\"198.18.0.1\"" },
		{ "multicast", "\"\"" },
	};
	size_t i, n = 0;

	n += (size_t)snprintf(buf + n, len - n, "sync: {\n  peers = [ %s ];\n", peers);
	for (i = 0; i < UNIT_DIM(lines); i++)
		n += (size_t)snprintf(buf + n, len - n, "  %s = %s;\n", lines[i][0],
				      strcmp(lines[i][0], key) == 0 ? value : lines[i][1]);
	fmt(buf + n, len - n, "};\n" PORTS);
}

/*
 * Every sync key but peers binds the socket or names this appliance: a
 * change is refused at its line; the section removed, at no line. Peers
 * are read at each send: a reload changes them.
 */
static void
test_restart_sync(void)
{
	static const struct {
		const char *key, *value;
		int line;
	} changes[] = {
		{ "node_id", "7", 3 }, { "key", "\"ffeeddccbbaa99887766554433221100\"", 4 },
		{ "group", "2", 5 }, { "port", "8849", 6 }, { "source", "\"198.18.1.1\"", 7 },
		{ "multicast", "\"239.0.0.81\"", 8 },
	};
	char text[1024], want[256];
	struct cfg *run, *next, *none = load_cfg(PORTS);
	size_t i;

	sync_text(text, sizeof(text), "", "", "\"198.18.1.2\"");
	run = load_cfg(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	CU_ASSERT_PTR_NOT_NULL_FATAL(none);
	CU_ASSERT_EQUAL(UNIT_DIM(changes), cfg_sec_sync.n_keys);
	for (i = 0; i < UNIT_DIM(changes); i++) {
		sync_text(text, sizeof(text), changes[i].key, changes[i].value, "\"198.18.1.2\"");
		next = load_cfg(text);
		fmt(want, sizeof(want), "t.conf:%d: sync.%s changed" RESTART_TAIL, changes[i].line,
		    changes[i].key);
		expect_check(run, next, want);
		cfg_free(next);
	}
	expect_check(run, none, "t.conf: sync.node_id changed" RESTART_TAIL);
	sync_text(text, sizeof(text), "", "", "\"198.18.1.2\", \"198.18.1.3\"");
	next = load_cfg(text);
	expect_check(run, next, NULL);
	CU_ASSERT_EQUAL(next->sync.n_peers, 2);
	cfg_free(next);
	cfg_free(run);
	cfg_free(none);
}

/* Two ports, the second on lines 3-5; services after them. */
#define PORTS_AT(second) \
	"ports = (\n" \
	"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n" \
	"  { name = \"backend\"; device = \"net_null1\";\n" \
	"    addresses = [ \"198.18.1.1/24\" ];\n" \
	"    " second " }\n" \
	");\n"

/* Any key of any port, a port more or fewer: refused at the port's line. */
static void
test_restart_ports(void)
{
	static const struct {
		const char *second; /* line 5: the second port's last keys */
		const char *key;
	} changes[] = {
		{ "mtu = 1500;", "ports[1].mtu" },
		{ "vlan = 100;", "ports[1].vlan" },
		{ "rx_desc = 512;", "ports[1].rx_desc" },
		{ "tx_desc = 2048;", "ports[1].tx_desc" },
		{ "gateway = \"198.18.1.254\";", "ports[1].gateway" },
	};
	struct cfg *run = load_cfg(PORTS_AT("")), *next;
	char want[256];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	for (i = 0; i < UNIT_DIM(changes); i++) {
		char text[1024];

		fmt(text, sizeof(text), PORTS_AT("%s"), changes[i].second);
		next = load_cfg(text);
		fmt(want, sizeof(want), "t.conf:3: %s changed" RESTART_TAIL, changes[i].key);
		expect_check(run, next, want);
		cfg_free(next);
	}
	next = load_cfg("ports = (\n"
			"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
			"  { name = \"backend\"; device = \"net_null1\";\n"
			"    addresses = [ \"198.18.1.1/24\", \"198.18.2.1/24\" ]; }\n"
			");\n");
	expect_check(run, next, "t.conf:3: ports[1].addresses changed" RESTART_TAIL);
	cfg_free(next);
	next = load_cfg("ports = (\n"
			"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
			"  { name = \"servers\"; device = \"net_null1\";\n"
			"    addresses = [ \"198.18.1.1/24\" ]; }\n"
			");\n");
	expect_check(run, next, "t.conf:3: ports[1].name changed" RESTART_TAIL);
	cfg_free(next);
	next = load_cfg("ports = (\n"
			"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
			"  { name = \"backend\"; device = \"net_null2\";\n"
			"    addresses = [ \"198.18.1.1/24\" ]; }\n"
			");\n");
	expect_check(run, next, "t.conf:3: ports[1].device changed" RESTART_TAIL);
	cfg_free(next);
	/* A port more: at the new port; one fewer: at the list. */
	next = load_cfg("\nports = (\n"
			"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
			"  { name = \"backend\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; },\n"
			"  { name = \"more\"; device = \"net_null2\"; addresses = [ \"198.18.2.1/24\" ]; }\n"
			");\n");
	expect_check(run, next, "t.conf:5: ports changed" RESTART_TAIL);
	cfg_free(next);
	next = load_cfg("\n\nports = (\n"
			"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; }\n"
			");\n");
	expect_check(run, next, "t.conf:3: ports changed" RESTART_TAIL);
	cfg_free(next);
	/* The same ports, written otherwise: fine. */
	next = load_cfg("# the same ports\n" PORTS);
	expect_check(run, next, NULL);
	cfg_free(next);
	cfg_free(run);
}

/* What a reload is for: services, backends, weights, health, load interval, timeouts. */
static void
test_restart_reloadable(void)
{
	struct cfg *run = load_cfg(
		"api: { socket = \"/tmp/a.sock\"; };\n" PORTS
		"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
		"  backends = ( { address = \"198.18.1.11\"; } ); } );\n");
	struct cfg *next = load_cfg(
		"scheduler: { load_interval_ms = 100; };\n"
		"conntrack: { timeouts: { established = 60; }; };\n"
		"api: { socket = \"/tmp/a.sock\"; };\n" PORTS
		"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = 8080;\n"
		"  scheduler = \"rr\"; health: { type = \"tcp\"; };\n"
		"  backends = ( { address = \"198.18.1.11\"; weight = 5; },\n"
		"               { address = \"198.18.1.12\"; } ); },\n"
		"  { name = \"dns\"; vip = \"198.18.0.11\"; port = 53; protocol = \"udp\"; } );\n");

	expect_check(run, next, NULL);
	expect_check(next, run, NULL);
	cfg_free(run);
	cfg_free(next);
}

/* A key in an included file: its @include's line in the file reloaded. */
static void
test_restart_include(void)
{
	char dir[] = "/tmp/sluice-test-keys-XXXXXX", path[256], inc[256], want[512];
	struct cfg_errors errs;
	struct cfg *run = NULL, *next = NULL;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	fmt(path, sizeof(path), "%s/main.conf", dir);
	fmt(inc, sizeof(inc), "%s/api.conf", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(PORTS "@include \"api.conf\"\n", f);
	fclose(f);
	f = fopen(inc, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("api: {\n  socket = \"/tmp/a.sock\";\n};\n", f);
	fclose(f);
	cfg_errors_init(&errs);
	cfg_load_file(path, &run, &errs);
	f = fopen(inc, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("api: {\n  socket = \"/tmp/b.sock\";\n};\n", f);
	fclose(f);
	cfg_load_file(path, &next, &errs);
	cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	fmt(want, sizeof(want), "%s:5: api.socket changed" RESTART_TAIL, path);
	expect_check(run, next, want);
	cfg_free(run);
	cfg_free(next);
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

/* ---- the documentation ----------------------------------------------------------------- */

/* docs/configuration.md lists exactly the restart-only keys, between its markers. */
static void
test_docs_list(void)
{
	static const char begin[] = "<!-- restart-only keys", end[] = "<!-- end of restart-only keys";
	FILE *f = fopen(SL_SOURCE_ROOT "/docs/configuration.md", "r");
	static char doc[1 << 17];
	char *a, *b, *p, *q, name[64];
	uint32_t found = 0;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	a = strstr(doc, begin);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	a = strstr(a, "-->");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	b = strstr(a, end);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	*b = '\0';
	/* Every `name` there is restart-only, and each one is there once. */
	for (p = strchr(a, '`'); p != NULL; p = strchr(q + 1, '`')) {
		q = strchr(p + 1, '`');
		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		fmt(name, sizeof(name), "%.*s", (int)(q - p - 1), p + 1);
		if (!is_restart_only(name))
			fprintf(stderr, "\n  docs list %s, not restart-only\n", name);
		CU_ASSERT(is_restart_only(name));
		found++;
	}
	CU_ASSERT_EQUAL(found, UNIT_DIM(restart_only));
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "declarations hold together; restart-only as listed", test_declarations },
		{ "every default as declared", test_defaults },
		{ "every integer key's bounds as declared", test_bounds },
		{ "restart check: each top-level key", test_restart_keys },
		{ "restart check: ports", test_restart_ports },
		{ "restart check: sync", test_restart_sync },
		{ "restart check: what a reload may change", test_restart_reloadable },
		{ "restart check: a key in an included file", test_restart_include },
		{ "docs/configuration.md lists the restart-only keys", test_docs_list },
	};

	return unit_add_suite("config_keys", setup, teardown, tests, UNIT_DIM(tests));
}
