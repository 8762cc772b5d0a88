/*
 * Counters and the /sluice/ telemetry commands:
 *   /sluice/stats     appliance totals and drops by reason
 *   /sluice/workers   per-worker packets, hand-offs and connections
 *   /sluice/backends  list: service, address, port, weight, scheduled,
 *                     active and inactive connections
 *   /sluice/neigh     list: address, port, mac of resolved next hops
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "../dataplane/neigh.h"
#include "control.h"
#include "snapshot.h"
#include "stats.h"

static struct sl_app *stats_app;

void
stats_sum(const struct sl_app *app, struct wk_stats *out)
{
	uint32_t w, r;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < app->n_workers; w++) {
		const struct wk_stats *s = &app->workers[w]->stats;

#define SUM(f, p, h) out->f += s->f;
		SL_WK_COUNTERS(SUM)
#undef SUM
		for (r = 0; r < SL_DROP__COUNT; r++)
			out->drops[r] += s->drops[r];
	}
}

const struct wk_stats *
stats_worker(const struct sl_app *app, uint32_t w)
{
	return &app->workers[w]->stats;
}

void
stats_backend(const struct sl_app *app, uint32_t id, struct stats_backend *out)
{
	uint32_t w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < app->n_workers; w++) {
		const struct worker *wk = app->workers[w];

		out->scheduled += wk->scheduled[id];
		out->active += wk->active[id];
		out->inactive += wk->inactive[id];
		out->packets += wk->be_traffic[id].packets;
		out->bytes += wk->be_traffic[id].bytes;
	}
}

uint64_t
stats_backend_scheduled(const struct sl_app *app, uint32_t id)
{
	uint64_t n = 0;
	uint32_t w;

	for (w = 0; w < app->n_workers; w++)
		n += app->workers[w]->scheduled[id];
	return n;
}

int
stats_backend_busy(const struct sl_app *app, uint32_t id)
{
	uint32_t w;

	for (w = 0; w < app->n_workers; w++)
		if (app->workers[w]->active[id] != 0 || app->workers[w]->inactive[id] != 0)
			return 1;
	return 0;
}

void
stats_worker_load(const struct sl_app *app, uint32_t w, uint32_t id, uint32_t *active,
		  uint32_t *inactive)
{
	*active = app->workers[w]->active[id];
	*inactive = app->workers[w]->inactive[id];
}

void
stats_service(const struct sl_app *app, uint16_t id, struct stats_service *out)
{
	uint32_t w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < app->n_workers; w++) {
		out->packets += app->workers[w]->svc_traffic[id].packets;
		out->bytes += app->workers[w]->svc_traffic[id].bytes;
		out->refused += app->workers[w]->svc_refused[id];
	}
}

void
stats_conns(const struct sl_app *app, struct stats_conns *cc)
{
	uint32_t w, id, n_ids = app->snap->n_ids;

	memset(cc, 0, sizeof(*cc));
	for (w = 0; w < app->n_workers; w++) {
		const struct worker *wk = app->workers[w];

		cc->tracked += ct_table_stats(wk->ct)->active;
		for (id = 0; id < n_ids; id++) {
			cc->active += wk->active[id];
			cc->inactive += wk->inactive[id];
		}
	}
}

void
stats_drop_name(enum sl_drop r, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", sl_drop_name(r));
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

static void
drop_key(enum sl_drop r, char *buf, size_t len)
{
	char name[48];

	stats_drop_name(r, name, sizeof(name));
	snprintf(buf, len, "drop_%s", name);
}

struct stat_field {
	const char *key;
	size_t off;
};

/* The counter f names in the struct at base (wk_stats or stats_ctl). */
static uint64_t
field(const void *base, const struct stat_field *f)
{
	uint64_t v;

	memcpy(&v, (const char *)base + f->off, sizeof(v));
	return v;
}

void
stats_ctl(const struct sl_app *app, struct stats_ctl *out)
{
#define LOAD(f, p, l, h) out->f = __atomic_load_n(&app->f, __ATOMIC_RELAXED);
	SL_CTL_COUNTERS(LOAD)
#undef LOAD
}

#define CTL_FIELD(f, p, l, h) { #f, offsetof(struct stats_ctl, f) },
static const struct stat_field ctl_fields[STATS_CTL_COUNT] = {
	SL_CTL_COUNTERS(CTL_FIELD)
};
#undef CTL_FIELD

uint64_t
stats_ctl_value(const struct stats_ctl *c, unsigned int i)
{
	return i < STATS_CTL_COUNT ? field(c, &ctl_fields[i]) : 0;
}

#define STAT_FIELD(f, p, h) { #f, offsetof(struct wk_stats, f) },
static const struct stat_field stat_fields[] = {
	SL_WK_COUNTERS(STAT_FIELD)
};
#undef STAT_FIELD

static void
emit_fields(const struct stat_field *f, size_t n, const void *base,
	    void (*emit)(void *arg, const struct stats_item *it), void *arg)
{
	struct stats_item it = { .drop = -1 };
	size_t i;

	for (i = 0; i < n; i++) {
		it.key = f[i].key;
		it.value = field(base, &f[i]);
		emit(arg, &it);
	}
}

void
stats_view(const struct sl_app *app, void (*emit)(void *arg, const struct stats_item *it),
	   void *arg)
{
	struct stats_conns cc;
	struct stats_ctl ctl;
	struct wk_stats s;
	struct stats_item it = { .drop = -1 };
	char key[64];
	size_t i;

	stats_sum(app, &s);
	stats_ctl(app, &ctl);
	control_lock();
	stats_conns(app, &cc);
	control_unlock();
	emit_fields(stat_fields, RTE_DIM(stat_fields), &s, emit, arg);
	it.key = "steered";
	it.value = s.steered_out;
	emit(arg, &it);
	emit_fields(ctl_fields, STATS_CTL_COUNT, &ctl, emit, arg);
	{
		const struct stats_item gauges[] = {
			{ "conns_tracked", cc.tracked, -1 },
			{ "conns_active", cc.active, -1 },
			{ "conns_inactive", cc.inactive, -1 },
		};

		for (i = 0; i < RTE_DIM(gauges); i++)
			emit(arg, &gauges[i]);
	}
	for (i = 0; i < SL_DROP__COUNT; i++) {
		drop_key((enum sl_drop)i, key, sizeof(key));
		it.key = key;
		it.value = s.drops[i];
		it.drop = (int)i;
		emit(arg, &it);
	}
}

static void
tel_emit(void *arg, const struct stats_item *it)
{
	rte_tel_data_add_dict_u64(arg, it->key, it->value);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	stats_view(stats_app, tel_emit, d);
	return 0;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t w;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (w = 0; w < stats_app->n_workers; w++) {
		const struct worker *wk = stats_app->workers[w];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "lcore", wk->lcore);
		rte_tel_data_add_dict_u64(c, "rx_packets", wk->stats.rx_packets);
		rte_tel_data_add_dict_u64(c, "tx_packets", wk->stats.tx_packets);
		rte_tel_data_add_dict_u64(c, "steered_in", wk->stats.steered_in);
		rte_tel_data_add_dict_u64(c, "steered_out", wk->stats.steered_out);
		rte_tel_data_add_dict_u64(c, "conns_created", wk->stats.conns_created);
		rte_tel_data_add_dict_u64(c, "conns_tracked", ct_table_stats(wk->ct)->active);
		snprintf(name, sizeof(name), "%u", w);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

/*
 * Telemetry dict keys allow only [A-Za-z0-9_/] and DPDK 22.11 arrays cannot
 * hold dicts, so entries are dicts keyed by their position ("0", "1", ...)
 * with the addresses in values.
 */
static int
tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct snapshot *s;
	uint32_t i, j, n = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	control_lock();
	s = stats_app->snap;
	for (i = 0; i < s->n_services; i++) {
		for (j = 0; j < s->services[i].n_backends; j++) {
			const struct sched_backend *b = &s->services[i].backends[j];
			struct rte_tel_data *c;
			char ip[INET_ADDRSTRLEN], key[16];
			struct stats_backend bs;

			if (n == RTE_TEL_MAX_DICT_ENTRIES)
				goto out;
			c = rte_tel_data_alloc();
			if (c == NULL)
				goto out;
			stats_backend(stats_app, b->id, &bs);
			inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
			rte_tel_data_start_dict(c);
			rte_tel_data_add_dict_string(c, "service", s->services[i].name);
			rte_tel_data_add_dict_string(c, "address", ip);
			rte_tel_data_add_dict_u64(c, "port", rte_be_to_cpu_16(b->port));
			rte_tel_data_add_dict_u64(c, "weight", b->weight);
			rte_tel_data_add_dict_u64(c, "scheduled", bs.scheduled);
			rte_tel_data_add_dict_u64(c, "active", bs.active);
			rte_tel_data_add_dict_u64(c, "inactive", bs.inactive);
			rte_tel_data_add_dict_u64(c, "packets", bs.packets);
			rte_tel_data_add_dict_u64(c, "bytes", bs.bytes);
			rte_tel_data_add_dict_string(c, "state", b->up ? "up" : "down");
			snprintf(key, sizeof(key), "%u", n++);
			rte_tel_data_add_dict_container(d, key, c, 0);
		}
	}
out:
	control_unlock();
	return 0;
}

static int
tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct neigh_table *t;
	uint32_t i, n = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	control_lock();
	t = stats_app->neigh;
	for (i = 0; t != NULL && i <= t->mask && n < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], key[16];
		struct rte_tel_data *c;

		if (t->e[i].ip == 0)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		inet_ntop(AF_INET, &t->e[i].ip, ip, sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &t->e[i].mac);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "address", ip);
		rte_tel_data_add_dict_string(c, "port", stats_app->ports[t->e[i].port].name);
		rte_tel_data_add_dict_string(c, "mac", mac);
		snprintf(key, sizeof(key), "%u", n++);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	control_unlock();
	return 0;
}

int
stats_register(struct sl_app *app)
{
	int rc = 0;

	stats_app = app;
	rc |= rte_telemetry_register_cmd("/sluice/stats", tel_stats,
		"Appliance counters and drops by reason. No parameters");
	rc |= rte_telemetry_register_cmd("/sluice/workers", tel_workers,
		"Per-worker counters. No parameters");
	rc |= rte_telemetry_register_cmd("/sluice/backends", tel_backends,
		"Connections scheduled per service/backend. No parameters");
	rc |= rte_telemetry_register_cmd("/sluice/neigh", tel_neigh,
		"Resolved next hops. No parameters");
	return rc == 0 ? 0 : -EINVAL;
}

/* The exit dump: drops only when non-zero, with what they mean. */
static void
print_emit(void *arg, const struct stats_item *it)
{
	if (it->drop < 0)
		fprintf(arg, "%-28s %" PRIu64 "\n", it->key, it->value);
	else if (it->value != 0)
		fprintf(arg, "%-28s %" PRIu64 "  (%s)\n", it->key, it->value,
			sl_drop_text((enum sl_drop)it->drop));
}

void
stats_print(const struct sl_app *app, FILE *f)
{
	stats_view(app, print_emit, f);
}
