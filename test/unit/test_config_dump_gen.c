/*
 * Config dump tests: every byte a string can hold, and generated configs
 * (every section and key now and then) round-tripped. Fixtures in
 * test_config_dump.c.
 */
#include "test_config_dump.h"
#include "unit.h"

/* ---- every byte a string can hold ------------------------------------------ */

/*
 * api.socket takes any byte, a device any printable ASCII one: each, raw in
 * the struct, survives the dump. A raw '"' or '\' once made the dump a
 * syntax error, so every API change failed on such a config.
 */
void
test_every_byte(void)
{
	struct cfg *c = load_ok(PORTS);
	char what[64];
	int b, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (b = 1; b < 256; b++) {
		snprintf(c->api_socket, sizeof(c->api_socket), "/run/a%cb%c", b, b);
		snprintf(what, sizeof(what), "api.socket with byte 0x%02x", b);
		bad += round_trip(c, what);
	}
	snprintf(c->api_socket, sizeof(c->api_socket), "%s", "/run/sluice.sock");
	for (b = 0x21; b < 0x7f; b++) {
		snprintf(c->ports[0].device, sizeof(c->ports[0].device),
			 "net_pcap0,rx_pcap=/tmp/%c%c.pcap", b, b);
		snprintf(what, sizeof(what), "ports[0].device with byte 0x%02x", b);
		bad += round_trip(c, what);
	}
	CU_ASSERT_EQUAL(bad, 0);
	cfg_free(c);
}

/* ---- generated configs ----------------------------------------------------- */

struct gen {
	uint64_t s;       /* splitmix64 state: one seed, one sequence */
	FILE *f;
	/* the strings as meant, to check the loader decoded what was written */
	char socket[108];
	int socket_set;
	char device[SL_MAX_PORTS][CFG_DEV_LEN];
	char body[16][CFG_HC_STR_LEN];
	int n_body;
};

static uint64_t
next64(struct gen *g)
{
	return sl_mix64(g->s += SL_GOLDEN64);
}

/* 0..n-1 */
static uint32_t
rnd(struct gen *g, uint32_t n)
{
	return (uint32_t)(next64(g) % n);
}

/* lo..hi */
static uint32_t
range(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + rnd(g, hi - lo + 1);
}

/* Small counts mostly, now and then the largest. */
static uint32_t
count(struct gen *g, uint32_t lo, uint32_t hi)
{
	if (rnd(g, 10) == 0)
		return hi;
	return range(g, lo, lo + (hi - lo) / 4);
}

/* Bytes a config's strings make trouble with, and some plain ones. */
static const char awkward[] = "\"\\,#=;: {}()[]@/*'$%&!?<>|~`\x80\xff\xc3\xa9\n\t\r\x01\x1f\x7f";

/*
 * len bytes into dst of class: 'a' any byte, 'p' printable ASCII (0x21..0x7e),
 * 'n' a name's [A-Za-z0-9_-], not starting with '-'; then a NUL.
 */
static void
rnd_str(struct gen *g, char *dst, uint32_t len, char class)
{
	static const char name_chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	uint32_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch;

		if (class == 'n') {
			/* The last of name_chars, '-', never comes first. */
			ch = (unsigned char)name_chars[rnd(g, sizeof(name_chars) - 1 - (i == 0))];
		} else {
			do {
				ch = rnd(g, 2) ? (unsigned char)awkward[rnd(g, sizeof(awkward) - 1)] :
					(unsigned char)range(g, 1, 255);
			} while (class == 'p' && (ch <= ' ' || ch >= 0x7f));
		}
		dst[i] = (char)ch;
	}
	dst[len] = '\0';
}

/*
 * v as a libconfig string, written a different way each time: each byte raw
 * or as \xHH (or \" \\ \n \r \t \f), now and then split into adjacent
 * literals, which libconfig joins.
 */
static void
put_str(struct gen *g, const char *v)
{
	const unsigned char *p;

	fputc('"', g->f);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		const char *named = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" :
			*p == '\n' ? "\\n" : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" :
			*p == '\f' ? "\\f" : NULL;

		if (rnd(g, 20) == 0)
			fputs(rnd(g, 2) ? "\" \"" : "\"\n  \"", g->f);
		if (named != NULL && rnd(g, 3) != 0 && (*p == '"' || *p == '\\' || rnd(g, 2)))
			fputs(named, g->f);
		else if (*p == '"' || *p == '\\' || rnd(g, 6) == 0)
			fprintf(g->f, rnd(g, 2) ? "\\x%02x" : "\\X%02X", *p);
		else
			fputc(*p, g->f);
	}
	fputc('"', g->f);
}

/* Between settings: nothing, a space, or a comment that looks like config. */
static void
put_gap(struct gen *g)
{
	switch (rnd(g, 8)) {
	case 0:
		fputs(" # \"x = 1; @include \"/dev/zero\"\n", g->f);
		break;
	case 1:
		fputs(" /* \"\n@include \"x\" */ ", g->f);
		break;
	case 2:
		fputs(" // 99999999999 \"\n", g->f);
		break;
	default:
		fputc(rnd(g, 2) ? ' ' : '\n', g->f);
		break;
	}
}

/* `key = ` or `key: ` */
static void
put_key(struct gen *g, const char *key)
{
	put_gap(g);
	fprintf(g->f, "%s%s", key, rnd(g, 2) ? " = " : ": ");
}

static void
put_u(struct gen *g, const char *key, uint32_t v)
{
	put_key(g, key);
	/* Hex where the value fits 31 bits, as libconfig reads it. */
	fprintf(g->f, rnd(g, 8) == 0 ? "0x%x;" : "%u;", v);
}

static void
put_s(struct gen *g, const char *key, const char *v)
{
	put_key(g, key);
	put_str(g, v);
	fputc(';', g->f);
}

static void
gen_globals(struct gen *g)
{
	static const char *const tkeys[] = {
		"syn_sent", "syn_recv", "established", "fin_wait",
		"close_wait", "time_wait", "close", "udp",
	};
	char s[128];
	uint32_t i, lo, hi;

	if (rnd(g, 2)) {
		fputs("workers: {", g->f);
		if (rnd(g, 2))
			put_u(g, "burst", range(g, 1, 256));
		if (rnd(g, 2))
			put_u(g, "idle_sleep_us", range(g, 0, 100000));
		if (rnd(g, 2))
			put_u(g, "mbufs_per_port", range(g, 0, 1u << 24));
		fputs(" };\n", g->f);
	}
	if (rnd(g, 2)) {
		fputs("conntrack: {", g->f);
		if (rnd(g, 2))
			put_u(g, "capacity", range(g, 1024, 1u << 28));
		if (rnd(g, 2))
			put_u(g, "expire_budget", range(g, 1, 65536));
		if (rnd(g, 2)) {
			put_key(g, "timeouts");
			fputs("{", g->f);
			for (i = 0; i < 8; i++)
				if (rnd(g, 2))
					put_u(g, tkeys[i], range(g, 1, 2000000));
			fputs(" };", g->f);
		}
		fputs(" };\n", g->f);
	}
	if (rnd(g, 2)) {
		lo = range(g, 1024, 65534);
		hi = range(g, lo + 1, 65535);
		fputs("fullnat: {", g->f);
		switch (rnd(g, 3)) {
		case 0:
			put_u(g, "port_min", lo);
			put_u(g, "port_max", hi);
			break;
		case 1:
			put_u(g, "port_min", lo);
			break;
		default:
			put_u(g, "port_max", hi);
			break;
		}
		fputs(" };\n", g->f);
	}
	if (rnd(g, 2)) {
		fputs("scheduler: {", g->f);
		put_u(g, "load_interval_ms", range(g, 10, 10000));
		fputs(" };\n", g->f);
	}
	if (rnd(g, 2)) {
		snprintf(s, sizeof(s), "%u.%u.%u.%u:%u", rnd(g, 256), rnd(g, 256), rnd(g, 256),
			 rnd(g, 256), range(g, 1, 65535));
		fputs("stats: {", g->f);
		put_s(g, "prometheus", s);
		fputs(" };\n", g->f);
	}
	if (rnd(g, 2)) {
		fputs("api: {", g->f);
		if (rnd(g, 2)) {
			g->socket_set = 1;
			if (rnd(g, 5) == 0) {
				g->socket[0] = '\0';
			} else {
				g->socket[0] = '/';
				rnd_str(g, g->socket + 1, count(g, 0, sizeof(g->socket) - 2), 'a');
			}
			put_s(g, "socket", g->socket);
		}
		if (rnd(g, 2)) {
			snprintf(s, sizeof(s), "%.*s0%o", (int)rnd(g, 3), "00", rnd(g, 0777 + 1));
			put_s(g, "mode", s);
		}
		fputs(" };\n", g->f);
	}
}

/* Port p: addresses 10.p.a.1 (port 0's first a /16 holding the DR and local
 * addresses below), gateway 10.p.0.254 for one port. */
static void
gen_ports(struct gen *g, uint32_t n, uint32_t gw_port)
{
	char s[CFG_DEV_LEN + 32];
	uint32_t p, a, n_a, prefix, len;
	int list;

	fputs("ports = (", g->f);
	for (p = 0; p < n; p++) {
		fprintf(g->f, "%s\n  {", p ? "," : "");
		rnd_str(g, s, range(g, 0, 20), 'n');
		snprintf(s + strlen(s), 4, "_%u", p);
		put_s(g, "name", s);
		/* Unique up to the first ',': "net_x<p>_" then no comma. */
		len = (uint32_t)snprintf(g->device[p], sizeof(g->device[p]), "net_x%u_", p);
		rnd_str(g, g->device[p] + len, count(g, 0, 100), 'p');
		for (a = len; g->device[p][a] != '\0'; a++)
			if (g->device[p][a] == ',')
				g->device[p][a] = '.';
		if (rnd(g, 2)) {
			len = (uint32_t)strlen(g->device[p]);
			g->device[p][len] = ',';
			rnd_str(g, g->device[p] + len + 1, count(g, 0, CFG_DEV_LEN - 2 - len), 'p');
		}
		put_s(g, "device", g->device[p]);
		put_key(g, "addresses");
		list = (int)rnd(g, 2);
		fputs(list ? "( " : "[ ", g->f);
		n_a = count(g, 1, SL_MAX_PORT_ADDRS);
		for (a = 0; a < n_a; a++) {
			prefix = p == 0 && a == 0 ? 16 : a == 0 && p == gw_port ? range(g, 8, 24) :
				range(g, 8, 32);
			snprintf(s, sizeof(s), "10.%u.%u.1/%u", p, a, prefix);
			if (a)
				fputs(", ", g->f);
			put_str(g, s);
		}
		fputs(list ? " );" : " ];", g->f);
		if (p == gw_port) {
			snprintf(s, sizeof(s), "10.%u.0.254", p);
			put_s(g, "gateway", s);
		}
		switch (rnd(g, 3)) {
		case 0:
			put_u(g, "mtu", 0);
			break;
		case 1:
			put_u(g, "mtu", range(g, 68, 9000));
			break;
		default:
			break;
		}
		if (rnd(g, 2))
			put_u(g, "vlan", range(g, 0, 4094));
		if (rnd(g, 2))
			put_u(g, "rx_desc", 1u << range(g, 6, 14));
		if (rnd(g, 2))
			put_u(g, "tx_desc", 1u << range(g, 6, 14));
		fputs(" }", g->f);
	}
	fputs("\n);\n", g->f);
}

/* What a service's health group settled, for its backends' rules. */
struct hc_eff {
	uint32_t type;     /* enum cfg_hc_type */
	uint32_t interval;
	uint32_t timeout;
};

static const char *const hc_types[] = { "none", "tcp", "http", "icmp" };

/*
 * One health group valid under its service's settled check (svc NULL: this
 * is the service's own group, starting from the defaults). *out gets what
 * this group settles.
 */
static void
gen_health(struct gen *g, const struct hc_eff *svc, struct hc_eff *out)
{
	char s[CFG_HC_STR_LEN];
	struct hc_eff e = svc ? *svc : (struct hc_eff){ CFG_HC_NONE, 2000, 1000 };

	put_key(g, "health");
	fputs("{", g->f);
	if (rnd(g, 3)) {
		e.type = rnd(g, 4);
		put_s(g, "type", hc_types[e.type]);
	}
	switch (rnd(g, 4)) {
	case 0: /* interval alone: above the timeout in force */
		e.interval = range(g, e.timeout + 1 > 100 ? e.timeout + 1 : 100, 3600000);
		put_u(g, "interval_ms", e.interval);
		break;
	case 1: /* timeout alone: below the interval in force */
		e.timeout = range(g, 10, e.interval - 1 < 60000 ? e.interval - 1 : 60000);
		put_u(g, "timeout_ms", e.timeout);
		break;
	case 2:
		e.interval = range(g, 100, 3600000);
		e.timeout = range(g, 10, e.interval - 1 < 60000 ? e.interval - 1 : 60000);
		put_u(g, "timeout_ms", e.timeout);
		put_u(g, "interval_ms", e.interval);
		break;
	default:
		break;
	}
	if (rnd(g, 2))
		put_u(g, "rise", range(g, 1, 100));
	if (rnd(g, 2))
		put_u(g, "fall", range(g, 1, 100));
	if ((e.type == CFG_HC_TCP || e.type == CFG_HC_HTTP) && rnd(g, 2))
		put_u(g, "port", range(g, 1, 65535));
	if (e.type == CFG_HC_HTTP) {
		if (rnd(g, 2)) {
			s[0] = '/';
			rnd_str(g, s + 1, count(g, 0, CFG_HC_STR_LEN - 2), 'p');
			put_s(g, "path", s);
		}
		if (rnd(g, 2))
			put_u(g, "status", range(g, 100, 599));
		if (rnd(g, 2)) {
			char *body = g->n_body < 16 ? g->body[g->n_body++] : s;

			rnd_str(g, body, count(g, 0, CFG_HC_STR_LEN - 1), 'a');
			put_s(g, "body", body);
		}
	}
	fputs(" };", g->f);
	*out = e;
}

static void
gen_service(struct gen *g, uint32_t i)
{
	static const char *const scheds[] = { "wlc", "rr", "wrr", "lc", "sh", "mh" };
	static const char *const fwds[] = { "nat", "fullnat", "dr" };
	static const uint32_t primes[] = { 251, 257, 509, 65537, 1048573 };
	struct hc_eff svc = { CFG_HC_NONE, 2000, 1000 }, be;
	char s[64];
	uint32_t port = i * 6000 + range(g, 1, 5999), mode = rnd(g, 3), j, n;

	fprintf(g->f, "%s\n  {", i ? "," : "");
	rnd_str(g, s, range(g, 0, 20), 'n');
	snprintf(s + strlen(s), 4, "_%u", i);
	put_s(g, "name", s);
	snprintf(s, sizeof(s), "172.16.%u.1", rnd(g, 4));
	put_s(g, "vip", s);
	put_u(g, "port", port);
	if (rnd(g, 2))
		put_s(g, "protocol", rnd(g, 2) ? "tcp" : "udp");
	if (rnd(g, 2))
		put_s(g, "scheduler", scheds[rnd(g, 6)]);
	if (mode != SVC_MODE_NAT || rnd(g, 2))
		put_s(g, "forward", fwds[mode]);
	if (rnd(g, 2))
		put_u(g, "mh_table_size", primes[rnd(g, 5)]);
	if (mode == SVC_MODE_FULLNAT) {
		put_key(g, "local_addresses");
		fputs("[ ", g->f);
		n = count(g, 1, SL_MAX_SVC_LADDRS);
		for (j = 0; j < n; j++) {
			snprintf(s, sizeof(s), "10.0.250.%u", j + 1);
			if (j)
				fputs(", ", g->f);
			put_str(g, s);
		}
		fputs(" ];", g->f);
	}
	if (rnd(g, 2))
		gen_health(g, NULL, &svc);
	if (rnd(g, 2))
		put_s(g, "down_policy", rnd(g, 2) ? "keep" : "reset");
	if (rnd(g, 4)) {
		put_key(g, "backends");
		fputs("(", g->f);
		n = count(g, 0, 20);
		for (j = 0; j < n; j++) {
			fprintf(g->f, "%s\n    {", j ? "," : "");
			if (mode == SVC_MODE_DR)
				snprintf(s, sizeof(s), "10.0.%u.%u", 100 + i, j + 2);
			else
				snprintf(s, sizeof(s), "192.168.%u.%u", rnd(g, 2) ? i : 0, j + 1);
			put_s(g, "address", s);
			if (rnd(g, 2))
				put_u(g, "port", mode == SVC_MODE_DR ? port : range(g, 1, 65535));
			if (rnd(g, 2))
				put_u(g, "weight", range(g, 0, 65535));
			if (rnd(g, 3) == 0)
				gen_health(g, &svc, &be);
			fputs(" }", g->f);
		}
		fputs("\n  );", g->f);
	}
	fputs(" }", g->f);
}

/* A valid config in text, every section and key now and then. */
static char *
gen_config(struct gen *g)
{
	char *text = NULL;
	size_t len = 0;
	uint32_t n_ports, n_svcs, i;

	g->f = open_memstream(&text, &len);
	if (g->f == NULL)
		return NULL;
	g->socket_set = 0;
	g->n_body = 0;
	gen_globals(g);
	n_ports = count(g, 1, SL_MAX_PORTS);
	gen_ports(g, n_ports, rnd(g, 2) ? rnd(g, n_ports) : SL_MAX_PORTS);
	if (rnd(g, 8)) {
		fputs("services = (", g->f);
		n_svcs = count(g, 0, 10);
		for (i = 0; i < n_svcs; i++)
			gen_service(g, i);
		fputs("\n);\n", g->f);
	}
	fclose(g->f);
	return text;
}

/* The loader read each string as it was meant, whichever way it was written. */
static int
strings_as_meant(const struct gen *g, const struct cfg *c)
{
	uint32_t i, j, k = 0;

	if (g->socket_set && strcmp(c->api_socket, g->socket) != 0)
		return 0;
	for (i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].device, g->device[i]) != 0)
			return 0;
	/* Bodies in file order: services' and backends' as generated. */
	for (i = 0; i < c->n_services && k < (uint32_t)g->n_body; i++) {
		const struct cfg_service *s = &c->services[i];

		if ((s->health.set & CFG_HC_SET_BODY) && strcmp(s->health.body, g->body[k++]) != 0)
			return 0;
		for (j = 0; j < s->n_backends && k < (uint32_t)g->n_body; j++)
			if ((s->backends[j].health.set & CFG_HC_SET_BODY) &&
			    strcmp(s->backends[j].health.body, g->body[k++]) != 0)
				return 0;
	}
	return 1;
}

#define N_GENERATED 2000

void
test_generated(void)
{
	struct gen g = { .s = 0x5eed5eedull };
	uint32_t i, loaded = 0, bad = 0, meant = 0;
	char what[64];

	for (i = 0; i < N_GENERATED && bad < 5; i++) {
		struct cfg *c = NULL;
		struct cfg_errors errs;
		char *text = gen_config(&g);

		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		cfg_errors_init(&errs);
		cfg_load_string(text, "gen.conf", &c, &errs);
		if (c == NULL) {
			/* The generator means every config to be valid. */
			fprintf(stderr, "\nconfig %u does not load:\n", i);
			cfg_errors_print(&errs, stderr);
			fprintf(stderr, "---- text\n%s----\n", text);
			bad++;
		} else {
			loaded++;
			meant += strings_as_meant(&g, c);
			snprintf(what, sizeof(what), "generated config %u", i);
			if (round_trip(c, what) != 0) {
				fprintf(stderr, "---- generated from\n%s----\n", text);
				bad++;
			}
		}
		cfg_errors_free(&errs);
		cfg_free(c);
		free(text);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(loaded, N_GENERATED);
	CU_ASSERT_EQUAL(meant, loaded);
}
