/*
 * struct cfg -> libconfig text that loads back into the same struct.
 *
 * Runtime API changes are made on a copy of the running config, written out
 * with cfg_dump() and loaded again with cfg_load_string(), so every change
 * passes exactly the validators a file does (and gets the same messages).
 * It is also what `sluicectl config` shows: the running configuration.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static const char *
ip_str(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* A libconfig string literal: quotes, backslashes and control bytes escaped. */
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
	if (h->set & CFG_HC_SET_PATH) {
		fprintf(f, " path = ");
		dump_str(f, h->path);
		fputc(';', f);
	}
	if (h->set & CFG_HC_SET_STATUS)
		fprintf(f, " status = %u;", h->status);
	if (h->set & CFG_HC_SET_BODY) {
		fprintf(f, " body = ");
		dump_str(f, h->body);
		fputc(';', f);
	}
	fprintf(f, " };");
}

static void
dump_port(FILE *f, const struct cfg_port *p, int last)
{
	char b[INET_ADDRSTRLEN];
	uint32_t a;

	fprintf(f, "  { name = \"%s\";\n    device = \"%s\";\n    addresses = [ ",
		p->name, p->device);
	for (a = 0; a < p->n_addrs; a++)
		fprintf(f, "%s\"%s/%u\"", a ? ", " : "", ip_str(p->addrs[a].ip, b),
			p->addrs[a].prefix);
	fprintf(f, " ];\n");
	if (p->gateway != 0)
		fprintf(f, "    gateway = \"%s\";\n", ip_str(p->gateway, b));
	if (p->mtu != 0)
		fprintf(f, "    mtu = %u;\n", p->mtu);
	fprintf(f, "    rx_desc = %u;\n    tx_desc = %u;\n  }%s\n", p->rx_desc, p->tx_desc,
		last ? "" : ",");
}

static void
dump_service(FILE *f, const struct cfg_service *s, int last)
{
	char b[INET_ADDRSTRLEN];
	uint32_t i;

	fprintf(f, "  { name = \"%s\";\n    vip = \"%s\";\n    port = %u;\n"
		"    protocol = \"%s\";\n    scheduler = \"%s\";\n    forward = \"%s\";\n"
		"    mh_table_size = %u;\n",
		s->name, ip_str(s->vip, b), s->port, s->proto == IPPROTO_UDP ? "udp" : "tcp",
		sched_algo_name((enum sched_algo)s->sched), cfg_mode_name((enum svc_mode)s->mode),
		s->mh_size);
	if (s->n_laddrs > 0) {
		fprintf(f, "    local_addresses = [ ");
		for (i = 0; i < s->n_laddrs; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "", ip_str(s->laddrs[i], b));
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
			i ? "," : "", ip_str(be->ip, b), be->port, be->weight);
		dump_health(f, &be->health, "\n        ");
		fprintf(f, " }");
	}
	fprintf(f, "\n    );\n  }%s\n", last ? "" : ",");
}

int
cfg_dump(const struct cfg *c, FILE *f)
{
	char b[INET_ADDRSTRLEN];
	uint32_t i;

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
		fprintf(f, "stats: {\n  prometheus = \"%s:%u\";\n};\n", ip_str(c->prom_ip, b),
			c->prom_port);
	fprintf(f, "api: {\n  socket = \"%s\";\n  mode = \"%04o\";\n};\n",
			c->api_socket, c->api_mode);
	fprintf(f, "ports = (\n");
	for (i = 0; i < c->n_ports; i++)
		dump_port(f, &c->ports[i], i + 1 == c->n_ports);
	fprintf(f, ");\nservices = (\n");
	for (i = 0; i < c->n_services; i++)
		dump_service(f, &c->services[i], i + 1 == c->n_services);
	fprintf(f, ");\n");
	return ferror(f) ? -1 : 0;
}

char *
cfg_dump_string(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	if (cfg_dump(c, f) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
