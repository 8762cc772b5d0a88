/* The sync view and its formats (see sync_view.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "config.h"
#include "control.h"
#include "ha.h"
#include "stats.h"
#include "sync.h"
#include "sync_view.h"

static const char *
peer_state(const struct sync_peer_status *p, uint64_t now)
{
	if (p->refused)
		return "refused";
	if (!p->met)
		return "unmet";
	return now - p->last_ms > SYNC_PEER_DOWN_MS ? "down" : "up";
}

static const char *
bulk_name(uint8_t b)
{
	return b == SYNC_BULK_DONE ? "done" : b == SYNC_BULK_ASKED ? "asked" : "none";
}

/* With ha.vips follow: master holds every VIP, backup none. */
static const char *
role(const struct sl_app *app, const struct ha_status *h, uint32_t *held, uint32_t *vips)
{
	const struct cfg *c = app->cfg;
	uint32_t i, j;

	*held = *vips = 0;
	for (i = 0; i < c->n_services; i++) {
		for (j = 0; j < i && c->services[j].vip != c->services[i].vip; j++)
			;
		if (j < i)
			continue;
		(*vips)++;
		for (j = 0; j < h->n_held; j++)
			if (h->held[j] == c->services[i].vip) {
				(*held)++;
				break;
			}
	}
	if (!h->follow)
		return "standalone";
	return *held == *vips ? "master" : *held == 0 ? "backup" : "partial";
}

void
sync_view(const struct sl_app *app, const struct sync_view_ops *ops, void *arg)
{
	struct sync_status *s = malloc(sizeof(*s));
	struct ha_status *h = malloc(sizeof(*h));
	struct stats_ctl c;
	struct wk_stats w;
	uint32_t i, held, vips;
	char b[32];

	if (s == NULL || h == NULL) {
		ops->str(arg, "error", "out of memory");
		goto out;
	}
	sync_status(app, s);
	ha_status(h);
	stats_ctl(app, &c);
	stats_sum(app, &w);
	/* The running config is replaced (and freed) by a reload under the
	 * control lock. */
	control_lock();
	ops->str(arg, "role", role(app, h, &held, &vips));
	control_unlock();
	ops->num(arg, "vips", vips);
	ops->num(arg, "vips_held", held);
	ops->num(arg, "address_changes", h->changes);
	ops->num(arg, "garp_sent", h->garp_sent);
	ops->num(arg, "sync", (uint64_t)s->on);
	ops->num(arg, "ready", (uint64_t)s->ready);
	if (!s->on)
		goto out;
	ops->num(arg, "node", s->node);
	ops->num(arg, "group", s->group);
	ops->num(arg, "epoch", s->epoch);
	ops->num(arg, "messages_sent", c.sync_msgs_sent);
	ops->num(arg, "messages_send_failed", c.sync_send_failed);
	ops->num(arg, "messages_received", c.sync_msgs_received);
	ops->num(arg, "records_sent", c.sync_records_sent);
	ops->num(arg, "records_received", c.sync_records_received);
	ops->num(arg, "records_dropped", c.sync_records_dropped);
	ops->num(arg, "records_unknown_service", c.sync_records_unknown);
	ops->num(arg, "records_queued", s->queued);
	ops->num(arg, "events", w.sync_events);
	ops->num(arg, "events_lost", w.sync_events_lost);
	ops->num(arg, "installed", w.sync_installed);
	ops->num(arg, "refreshed", w.sync_refreshed);
	ops->num(arg, "install_unknown_service", w.sync_unknown_service);
	ops->num(arg, "install_unknown_backend", w.sync_unknown_backend);
	ops->num(arg, "install_failed", w.sync_install_failed);
	ops->num(arg, "bulk_served", s->bulk_served);
	ops->num(arg, "bulk_serving", s->bulk_serving);
	ops->open(arg, "rejected");
	for (i = 1; i < SYNC_R__COUNT; i++)
		ops->num(arg, sync_reject_name((enum sync_reject)i), s->rejects[i]);
	ops->close(arg);
	ops->open(arg, "peers");
	for (i = 0; i < s->n_peers; i++) {
		const struct sync_peer_status *p = &s->peers[i];

		snprintf(b, sizeof(b), "%u", p->node);
		ops->open(arg, b);
		ops->str(arg, "address", cfg_ip_str(p->addr, b));
		ops->str(arg, "state", peer_state(p, s->now_ms));
		ops->num(arg, "last_heard_ms", s->now_ms - p->last_ms);
		ops->num(arg, "epoch", p->epoch);
		ops->num(arg, "workers", p->workers);
		ops->num(arg, "messages", p->msgs);
		ops->num(arg, "records", p->records);
		ops->str(arg, "bulk", bulk_name(p->bulk));
		ops->num(arg, "bulk_records", p->bulk_records);
		ops->num(arg, "bulk_ms", p->bulk == SYNC_BULK_DONE ?
			 p->bulk_done_ms - p->bulk_asked_ms : 0);
		if (p->why[0] != '\0')
			ops->str(arg, "refused", p->why);
		ops->close(arg);
	}
	ops->close(arg);
out:
	free(s);
	free(h);
}

/* ---- JSON and text ---------------------------------------------------------- */

struct fw {
	FILE *f;
	int json;
	int depth;
	int first;
};

static void
fw_key(struct fw *o, const char *key)
{
	if (o->json) {
		fprintf(o->f, "%s\"%s\":", o->first ? "" : ",", key);
	} else {
		fprintf(o->f, "%*s%s", 2 * o->depth, "", key);
	}
	o->first = 0;
}

static void
fw_num(void *arg, const char *key, uint64_t v)
{
	struct fw *o = arg;

	fw_key(o, key);
	fprintf(o->f, o->json ? "%" PRIu64 : " %" PRIu64 "\n", v);
}

static void
fw_str(void *arg, const char *key, const char *v)
{
	struct fw *o = arg;
	const char *p;

	fw_key(o, key);
	if (!o->json) {
		fprintf(o->f, " %s\n", v);
		return;
	}
	fputc('"', o->f);
	for (p = v; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			fprintf(o->f, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, o->f);
	fputc('"', o->f);
}

static void
fw_open(void *arg, const char *key)
{
	struct fw *o = arg;

	fw_key(o, key);
	fputs(o->json ? "{" : ":\n", o->f);
	o->depth++;
	o->first = 1;
}

static void
fw_close(void *arg)
{
	struct fw *o = arg;

	if (o->json)
		fputc('}', o->f);
	o->depth--;
	o->first = 0;
}

void
sync_view_write(const struct sl_app *app, FILE *f, int json)
{
	static const struct sync_view_ops ops = { fw_num, fw_str, fw_open, fw_close };
	struct fw o = { .f = f, .json = json, .first = 1 };

	if (json)
		fputc('{', f);
	sync_view(app, &ops, &o);
	if (json)
		fputs("}\n", f);
}

/* ---- telemetry -------------------------------------------------------------- */

#define TEL_DEPTH 4

struct tw {
	struct rte_tel_data *d[TEL_DEPTH];
	char key[TEL_DEPTH][32];
	int depth;
	int lost;        /* groups not opened (too deep, no memory): their closes */
};

static void
tw_num(void *arg, const char *key, uint64_t v)
{
	struct tw *o = arg;

	if (o->lost == 0)
		rte_tel_data_add_dict_u64(o->d[o->depth], key, v);
}

static void
tw_str(void *arg, const char *key, const char *v)
{
	struct tw *o = arg;

	if (o->lost == 0)
		rte_tel_data_add_dict_string(o->d[o->depth], key, v);
}

static void
tw_open(void *arg, const char *key)
{
	struct tw *o = arg;
	struct rte_tel_data *c;

	if (o->lost != 0 || o->depth + 1 >= TEL_DEPTH || (c = rte_tel_data_alloc()) == NULL) {
		o->lost++;
		return;
	}
	rte_tel_data_start_dict(c);
	o->depth++;
	o->d[o->depth] = c;
	snprintf(o->key[o->depth], sizeof(o->key[0]), "%s", key);
}

static void
tw_close(void *arg)
{
	struct tw *o = arg;

	if (o->lost != 0) {
		o->lost--;
		return;
	}
	if (o->depth == 0)
		return;
	rte_tel_data_add_dict_container(o->d[o->depth - 1], o->key[o->depth], o->d[o->depth], 0);
	o->depth--;
}

static const struct sl_app *tel_app;

static int
tel_sync(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const struct sync_view_ops ops = { tw_num, tw_str, tw_open, tw_close };
	struct tw o = { .d = { d } };

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	sync_view(tel_app, &ops, &o);
	return 0;
}

int
sync_view_register(struct sl_app *app)
{
	tel_app = app;
	return rte_telemetry_register_cmd("/sluice/sync", tel_sync,
					  "Session sync and VIP following: role, peers, records, rejects.");
}
