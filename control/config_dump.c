/*
 * struct cfg -> libconfig text that loads back into the same struct.
 *
 * Runtime API changes are made on a copy of the running config, written out
 * with cfg_dump() and loaded again with cfg_load_string(), so every change
 * passes exactly the validators a file does (and gets the same messages).
 * It is also what `sluicectl config` shows: the running configuration.
 *
 * Every string goes through dump_str(), whatever the loader allows in it: a
 * device or socket path may hold quotes and backslashes, and one raw '"'
 * made the whole dump a syntax error, failing every API change. What the
 * text cannot carry (no terminator, a count past its array, an enum without
 * a name, a timeout not in whole seconds) is refused before anything is
 * written, never written approximately.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/*
 * A libconfig 1.5 string literal. Its scanner takes any byte but '"' and
 * '\' as itself and reads \xHH for any byte; control bytes are escaped
 * anyway so a dump stays one setting per line. test_config_dump checks every
 * byte value both ways. v is NUL-terminated (cfg_dump_check).
 */
static void
dump_str(FILE *f, const char *v)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* "key = <string>;" */
static void
dump_kv(FILE *f, const char *before, const char *key, const char *v, const char *after)
{
	fprintf(f, "%s%s = ", before, key);
	dump_str(f, v);
	fprintf(f, ";%s", after);
}

/* The keys a health group gave (h->set), on one line, no newline; nothing if none. */
static void
dump_health(FILE *f, const struct cfg_health *h, const char *indent)
{
	if (h->set == 0)
		return;
	fprintf(f, "%shealth: {", indent);
	if (h->set & CFG_HC_SET_TYPE)
		fprintf(f, " type = \"%s\";", cfg_hc_type_name((enum cfg_hc_type)h->type));
	if (h->set & CFG_HC_SET_INTERVAL)
		fprintf(f, " interval_ms = %u;", h->interval_ms);
	if (h->set & CFG_HC_SET_TIMEOUT)
		fprintf(f, " timeout_ms = %u;", h->timeout_ms);
	if (h->set & CFG_HC_SET_RISE)
		fprintf(f, " rise = %u;", h->rise);
	if (h->set & CFG_HC_SET_FALL)
		fprintf(f, " fall = %u;", h->fall);
	if (h->set & CFG_HC_SET_PORT)
		fprintf(f, " port = %u;", h->port);
	if (h->set & CFG_HC_SET_PATH)
		dump_kv(f, " ", "path", h->path, "");
	if (h->set & CFG_HC_SET_STATUS)
		fprintf(f, " status = %u;", h->status);
	if (h->set & CFG_HC_SET_BODY)
		dump_kv(f, " ", "body", h->body, "");
	fprintf(f, " };");
}

static void
dump_port(FILE *f, const struct cfg_port *p, int last)
{
	char b[INET_ADDRSTRLEN];
	uint32_t a;

	dump_kv(f, "  { ", "name", p->name, "\n");
	dump_kv(f, "    ", "device", p->device, "\n");
	fprintf(f, "    addresses = [ ");
	for (a = 0; a < p->n_addrs; a++)
		fprintf(f, "%s\"%s/%u\"", a ? ", " : "", cfg_ip_str(p->addrs[a].ip, b),
			p->addrs[a].prefix);
	fprintf(f, " ];\n");
	if (p->gateway != 0)
		fprintf(f, "    gateway = \"%s\";\n", cfg_ip_str(p->gateway, b));
	if (p->mtu != 0)
		fprintf(f, "    mtu = %u;\n", p->mtu);
	if (p->vlan != 0)
		fprintf(f, "    vlan = %u;\n", p->vlan);
	fprintf(f, "    rx_desc = %u;\n    tx_desc = %u;\n  }%s\n", p->rx_desc, p->tx_desc,
		last ? "" : ",");
}

static void
dump_service(FILE *f, const struct cfg_service *s, int last)
{
	char b[INET_ADDRSTRLEN];
	uint32_t i;

	dump_kv(f, "  { ", "name", s->name, "\n");
	fprintf(f, "    vip = \"%s\";\n    port = %u;\n"
		"    protocol = \"%s\";\n    scheduler = \"%s\";\n    forward = \"%s\";\n"
		"    mh_table_size = %u;\n",
		cfg_ip_str(s->vip, b), s->port, s->proto == IPPROTO_UDP ? "udp" : "tcp",
		sched_algo_name((enum sched_algo)s->sched), cfg_mode_name((enum svc_mode)s->mode),
		s->mh_size);
	if (s->n_laddrs > 0) {
		fprintf(f, "    local_addresses = [ ");
		for (i = 0; i < s->n_laddrs; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "", cfg_ip_str(s->laddrs[i], b));
		fprintf(f, " ];\n");
	}
	if (s->health.set != 0) {
		dump_health(f, &s->health, "    ");
		fputc('\n', f);
	}
	fprintf(f, "    down_policy = \"%s\";\n",
		cfg_down_policy_name((enum cfg_down_policy)s->down_policy));
	fprintf(f, "    backends = (");
	for (i = 0; i < s->n_backends; i++) {
		const struct cfg_backend *be = &s->backends[i];

		fprintf(f, "%s\n      { address = \"%s\"; port = %u; weight = %u;",
			i ? "," : "", cfg_ip_str(be->ip, b), be->port, be->weight);
		dump_health(f, &be->health, "\n        ");
		fprintf(f, " }");
	}
	fprintf(f, "\n    );\n  }%s\n", last ? "" : ",");
}

/* ---- what the text cannot carry ------------------------------------------ */

#define HC_SET_ALL (CFG_HC_SET_TYPE | CFG_HC_SET_INTERVAL | CFG_HC_SET_TIMEOUT | \
		    CFG_HC_SET_RISE | CFG_HC_SET_FALL | CFG_HC_SET_PORT | \
		    CFG_HC_SET_PATH | CFG_HC_SET_STATUS | CFG_HC_SET_BODY)

static void
dump_sync(FILE *f, const struct cfg_sync *y)
{
	char b[INET_ADDRSTRLEN];
	uint32_t i;

	fprintf(f, "sync: {\n  node_id = %u;\n  group = %u;\n  port = %u;\n  key = \"",
		y->node_id, y->group, y->port);
	for (i = 0; i < y->key_len; i++)
		fprintf(f, "%02x", y->key[i]);
	fprintf(f, "\";\n  source = \"%s\";\n", cfg_ip_str(y->source, b));
	if (y->mcast != 0)
		fprintf(f, "  multicast = \"%s\";\n", cfg_ip_str(y->mcast, b));
	fprintf(f, "  peers = [");
	for (i = 0; i < y->n_peers; i++)
		fprintf(f, "%s \"%s\"", i ? "," : "", cfg_ip_str(y->peers[i], b));
	fprintf(f, " ];\n};\n");
}

static int __attribute__((format(printf, 3, 4)))
refuse(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A char array holds a C string only if it has its NUL. */
#define UNTERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) == NULL)

static int
check_health(const struct cfg_health *h, const char *where, char *msg, size_t len)
{
	if (h->set & ~HC_SET_ALL)
		return refuse(msg, len, "%s.health: unknown set bits 0x%x", where,
			      (unsigned int)(h->set & ~HC_SET_ALL));
	if ((h->set & CFG_HC_SET_TYPE) && h->type > CFG_HC_ICMP)
		return refuse(msg, len, "%s.health.type: %u has no name", where, h->type);
	if (UNTERMINATED(h->path) || UNTERMINATED(h->body))
		return refuse(msg, len, "%s.health: path or body not NUL-terminated", where);
	return 0;
}

int
cfg_dump_check(const struct cfg *c, char *msg, size_t len)
{
	char where[64];
	uint32_t i, j;
	int rc;

	for (i = 0; i < CFG_N_TIMEOUT_KEYS; i++)
		if (c->timeouts.ms[cfg_timeout_keys[i].state] % 1000 != 0)
			return refuse(msg, len, "conntrack.timeouts.%s: %u ms is not whole seconds",
				      cfg_timeout_keys[i].key,
				      c->timeouts.ms[cfg_timeout_keys[i].state]);
	if (c->timeouts.ms[CT_NONE] != c->timeouts.ms[CT_CLOSE])
		return refuse(msg, len, "conntrack.timeouts: the no-state timeout %u ms is not close's %u ms",
			      c->timeouts.ms[CT_NONE], c->timeouts.ms[CT_CLOSE]);
	if (UNTERMINATED(c->api_socket))
		return refuse(msg, len, "api.socket: not NUL-terminated");
	if (c->n_ports > SL_MAX_PORTS)
		return refuse(msg, len, "%u ports, at most %d", c->n_ports, SL_MAX_PORTS);
	for (i = 0; i < c->n_ports; i++) {
		const struct cfg_port *p = &c->ports[i];

		if (UNTERMINATED(p->name) || UNTERMINATED(p->device))
			return refuse(msg, len, "ports[%u]: name or device not NUL-terminated", i);
		if (p->n_addrs > SL_MAX_PORT_ADDRS)
			return refuse(msg, len, "ports[%u]: %u addresses, at most %d", i,
				      p->n_addrs, SL_MAX_PORT_ADDRS);
	}
	if (c->sync.on && (c->sync.key_len < CFG_SYNC_KEY_MIN || c->sync.key_len > CFG_SYNC_KEY_MAX))
		return refuse(msg, len, "sync.key: %u bytes, not %d..%d", c->sync.key_len,
			      CFG_SYNC_KEY_MIN, CFG_SYNC_KEY_MAX);
	if (c->sync.n_peers > SL_MAX_SYNC_PEERS)
		return refuse(msg, len, "sync.peers: %u, at most %d", c->sync.n_peers,
			      SL_MAX_SYNC_PEERS);
	if (c->n_services > 0 && c->services == NULL)
		return refuse(msg, len, "%u services and no array", c->n_services);
	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *s = &c->services[i];

		snprintf(where, sizeof(where), "services[%u]", i);
		if (UNTERMINATED(s->name))
			return refuse(msg, len, "%s.name: not NUL-terminated", where);
		if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP)
			return refuse(msg, len, "%s.protocol: %u is neither tcp nor udp", where,
				      s->proto);
		if (sched_algo_name((enum sched_algo)s->sched) == NULL)
			return refuse(msg, len, "%s.scheduler: %u has no name", where, s->sched);
		if (s->mode > SVC_MODE_DR)
			return refuse(msg, len, "%s.forward: %u has no name", where, s->mode);
		if (s->down_policy > CFG_DOWN_RESET)
			return refuse(msg, len, "%s.down_policy: %u has no name", where,
				      s->down_policy);
		if (s->n_laddrs > SL_MAX_SVC_LADDRS)
			return refuse(msg, len, "%s: %u local addresses, at most %d", where,
				      s->n_laddrs, SL_MAX_SVC_LADDRS);
		if (s->n_backends > 0 && s->backends == NULL)
			return refuse(msg, len, "%s: %u backends and no array", where,
				      s->n_backends);
		rc = check_health(&s->health, where, msg, len);
		for (j = 0; rc == 0 && j < s->n_backends; j++) {
			snprintf(where, sizeof(where), "services[%u].backends[%u]", i, j);
			rc = check_health(&s->backends[j].health, where, msg, len);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- writing -------------------------------------------------------------- */

int
cfg_dump(const struct cfg *c, FILE *f)
{
	char b[INET_ADDRSTRLEN];
	uint32_t i;

	if (cfg_dump_check(c, NULL, 0) != 0)
		return -EINVAL;
	fprintf(f, "workers: {\n  burst = %u;\n  idle_sleep_us = %u;\n  mbufs_per_port = %u;\n};\n",
		c->burst, c->idle_sleep_us, c->mbufs_per_port);
	fprintf(f, "conntrack: {\n  capacity = %u;\n  expire_budget = %u;\n  timeouts: {\n",
		c->ct_capacity, c->expire_budget);
	for (i = 0; i < CFG_N_TIMEOUT_KEYS; i++)
		fprintf(f, "    %s = %u;\n", cfg_timeout_keys[i].key,
			c->timeouts.ms[cfg_timeout_keys[i].state] / 1000);
	fprintf(f, "  };\n};\n");
	fprintf(f, "fullnat: {\n  port_min = %u;\n  port_max = %u;\n};\n", c->lport_min,
		c->lport_max);
	fprintf(f, "scheduler: {\n  load_interval_ms = %u;\n};\n", c->load_interval_ms);
	if (c->prom_port != 0)
		fprintf(f, "stats: {\n  prometheus = \"%s:%u\";\n};\n", cfg_ip_str(c->prom_ip, b),
			c->prom_port);
	fprintf(f, "api: {\n");
	dump_kv(f, "  ", "socket", c->api_socket, "\n");
	fprintf(f, "  mode = \"%04o\";\n};\n", c->api_mode);
	fprintf(f, "ports = (\n");
	for (i = 0; i < c->n_ports; i++)
		dump_port(f, &c->ports[i], i + 1 == c->n_ports);
	fprintf(f, ");\nservices = (\n");
	for (i = 0; i < c->n_services; i++)
		dump_service(f, &c->services[i], i + 1 == c->n_services);
	fprintf(f, ");\n");
	if (c->vips_follow)
		fprintf(f, "ha: {\n  vips = \"follow\";\n};\n");
	if (c->sync.on)
		dump_sync(f, &c->sync);
	return ferror(f) ? -EIO : 0;
}

char *
cfg_dump_string(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (cfg_dump_check(c, NULL, 0) != 0) {
		errno = EINVAL;
		return NULL;
	}
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	rc = cfg_dump(c, f);
	if (rc != 0) {
		fclose(f);
		free(buf);
		errno = rc == -EINVAL ? EINVAL : ENOMEM;
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void
cfg_dump_error(const struct cfg *c, int err, char *msg, size_t len)
{
	if (err != EINVAL || cfg_dump_check(c, msg, len) == 0)
		snprintf(msg, len, "cannot write the configuration out: %s", strerror(err));
}

/* ---- equality ------------------------------------------------------------- */

static int
health_equal(const struct cfg_health *a, const struct cfg_health *b)
{
	return a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->set == b->set && a->port == b->port && a->status == b->status &&
	       a->type == b->type && a->rise == b->rise && a->fall == b->fall &&
	       strcmp(a->path, b->path) == 0 && strcmp(a->body, b->body) == 0;
}

static int
port_equal(const struct cfg_port *a, const struct cfg_port *b)
{
	uint32_t i;

	if (strcmp(a->name, b->name) != 0 || strcmp(a->device, b->device) != 0 ||
	    a->n_addrs != b->n_addrs || a->gateway != b->gateway || a->mtu != b->mtu ||
	    a->vlan != b->vlan ||
	    a->rx_desc != b->rx_desc || a->tx_desc != b->tx_desc)
		return 0;
	for (i = 0; i < a->n_addrs; i++)
		if (a->addrs[i].ip != b->addrs[i].ip || a->addrs[i].prefix != b->addrs[i].prefix)
			return 0;
	return 1;
}

static int
backend_equal(const struct cfg_backend *a, const struct cfg_backend *b)
{
	return a->ip == b->ip && a->port == b->port && a->weight == b->weight &&
	       health_equal(&a->health, &b->health);
}

static int
service_equal(const struct cfg_service *a, const struct cfg_service *b)
{
	uint32_t i;

	if (strcmp(a->name, b->name) != 0 || a->vip != b->vip || a->port != b->port ||
	    a->proto != b->proto || a->mode != b->mode || a->sched != b->sched ||
	    a->mh_size != b->mh_size || a->n_laddrs != b->n_laddrs ||
	    !health_equal(&a->health, &b->health) || a->down_policy != b->down_policy ||
	    a->n_backends != b->n_backends)
		return 0;
	for (i = 0; i < a->n_laddrs; i++)
		if (a->laddrs[i] != b->laddrs[i])
			return 0;
	for (i = 0; i < a->n_backends; i++)
		if (!backend_equal(&a->backends[i], &b->backends[i]))
			return 0;
	return 1;
}

static int
sync_equal(const struct cfg_sync *a, const struct cfg_sync *b)
{
	return a->on == b->on && a->node_id == b->node_id && a->group == b->group &&
	       a->port == b->port && a->source == b->source && a->mcast == b->mcast &&
	       a->n_peers == b->n_peers &&
	       memcmp(a->peers, b->peers, a->n_peers * sizeof(a->peers[0])) == 0 &&
	       a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

int
cfg_equal(const struct cfg *a, const struct cfg *b)
{
	uint32_t i;

	if (a->burst != b->burst || a->idle_sleep_us != b->idle_sleep_us ||
	    a->mbufs_per_port != b->mbufs_per_port || a->ct_capacity != b->ct_capacity ||
	    memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) != 0 ||
	    a->expire_budget != b->expire_budget || a->lport_min != b->lport_min ||
	    a->lport_max != b->lport_max || a->load_interval_ms != b->load_interval_ms ||
	    strcmp(a->api_socket, b->api_socket) != 0 || a->api_mode != b->api_mode ||
	    a->prom_ip != b->prom_ip || a->prom_port != b->prom_port ||
	    a->n_ports != b->n_ports || a->n_services != b->n_services ||
	    a->n_backends_total != b->n_backends_total || a->vips_follow != b->vips_follow ||
	    !sync_equal(&a->sync, &b->sync))
		return 0;
	for (i = 0; i < a->n_ports; i++)
		if (!port_equal(&a->ports[i], &b->ports[i]))
			return 0;
	for (i = 0; i < a->n_services; i++)
		if (!service_equal(&a->services[i], &b->services[i]))
			return 0;
	return 1;
}
