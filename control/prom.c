/*
 * Prometheus exporter. Names follow Prometheus conventions: a sluice_
 * prefix, base units, _total for counters, labels for dimensions (worker,
 * reason, service, backend, state).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ethdev.h>

#include "api.h"
#include "control.h"
#include "ha.h"
#include "mgmt_req.h"
#include "prom.h"
#include "snapshot.h"
#include "srv.h"
#include "stats.h"
#include "sync.h"

#define PROM_REQ_MAX 2048
/*
 * Scrapers send their request at once and take the answer at once; these
 * bound what a client that does neither can hold: a slot (of
 * PROM_MAX_CONNS) for PROM_READ_MS, then PROM_WRITE_MS for an answer of a
 * few hundred kB at most.
 */
#define PROM_MAX_CONNS 64
#define PROM_READ_MS 3000
#define PROM_WRITE_MS 10000

static struct srv *prom_srv;
static struct srv_counters prom_counters;
static struct sl_app *prom_app;

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct worker_metric {
	const char *name;
	const char *help;
	size_t off;
};

/* Every worker counter; those without a family of their own (NULL) are
 * skipped here, and shown in /sluice/stats. */
#define WM(field, n, h) { n, h, offsetof(struct wk_stats, field) },
static const struct worker_metric worker_metrics[] = {
	SL_WK_COUNTERS(WM)
};
#undef WM

static void
render_workers(FILE *f, const struct sl_app *app)
{
	size_t i;
	uint32_t w;

	for (i = 0; i < RTE_DIM(worker_metrics); i++) {
		if (worker_metrics[i].name == NULL)
			continue;
		family(f, worker_metrics[i].name, "counter", worker_metrics[i].help);
		for (w = 0; w < app->n_workers; w++) {
			uint64_t v;

			memcpy(&v, (const char *)stats_worker(app, w) + worker_metrics[i].off,
			       sizeof(v));
			fprintf(f, "%s{worker=\"%u\"} %" PRIu64 "\n", worker_metrics[i].name, w, v);
		}
	}
}

/* The ports' own counters (the driver's): what the wire saw. */
static void
render_ports(FILE *f, const struct sl_app *app)
{
	static const struct {
		const char *name;
		const char *help;
		size_t off;
	} m[] = {
		{ "sluice_port_rx_packets_total", "Packets the port received.",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "sluice_port_tx_packets_total", "Packets the port sent.",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "sluice_port_rx_bytes_total", "Bytes the port received.",
		  offsetof(struct rte_eth_stats, ibytes) },
		{ "sluice_port_tx_bytes_total", "Bytes the port sent.",
		  offsetof(struct rte_eth_stats, obytes) },
		{ "sluice_port_rx_missed_total", "Packets the port dropped: RX queues full.",
		  offsetof(struct rte_eth_stats, imissed) },
		{ "sluice_port_rx_errors_total", "Erroneous packets received.",
		  offsetof(struct rte_eth_stats, ierrors) },
		{ "sluice_port_tx_errors_total", "Packets the port failed to send.",
		  offsetof(struct rte_eth_stats, oerrors) },
	};
	struct rte_eth_stats st[SL_MAX_PORTS];
	uint32_t p;
	size_t i;

	for (p = 0; p < app->n_ports; p++)
		if (rte_eth_stats_get(app->ports[p].port_id, &st[p]) != 0)
			memset(&st[p], 0, sizeof(st[p]));
	for (i = 0; i < RTE_DIM(m); i++) {
		family(f, m[i].name, "counter", m[i].help);
		for (p = 0; p < app->n_ports; p++) {
			uint64_t v;

			memcpy(&v, (const char *)&st[p] + m[i].off, sizeof(v));
			fprintf(f, "%s{port=\"%s\"} %" PRIu64 "\n", m[i].name, app->ports[p].name, v);
		}
	}
}

static void
render_drops(FILE *f, const struct sl_app *app)
{
	struct wk_stats s;
	char name[48];
	uint32_t r;

	stats_sum(app, &s);
	family(f, "sluice_drops_total", "counter", "Packets dropped, by reason.");
	for (r = 0; r < SL_DROP__COUNT; r++) {
		stats_drop_name((enum sl_drop)r, name, sizeof(name));
		fprintf(f, "sluice_drops_total{reason=\"%s\"} %" PRIu64 "\n", name, s.drops[r]);
	}
}

/* The control lcore's counters, a family at a time (counters.h). */
static void
render_ctl(FILE *f, const struct sl_app *app)
{
	static const struct {
		const char *family;
		const char *label;
	} m[] = {
#define CM(field, fam, label, h) { fam, label },
		SL_CTL_COUNTERS(CM)
#undef CM
	};
	static const struct {
		const char *name;
		const char *help;
	} fams[] = {
#define CF(fam, help) { fam, help },
		SL_CTL_FAMILIES(CF)
#undef CF
	};
	struct stats_ctl c;
	size_t i, k;

	stats_ctl(app, &c);
	for (k = 0; k < RTE_DIM(fams); k++) {
		family(f, fams[k].name, "counter", fams[k].help);
		for (i = 0; i < RTE_DIM(m); i++)
			if (strcmp(m[i].family, fams[k].name) == 0)
				fprintf(f, "%s{%s} %" PRIu64 "\n", fams[k].name, m[i].label,
					stats_ctl_value(&c, (unsigned int)i));
	}
}

/* One backend's figures for the per-backend families, read once a scrape. */
struct be_row {
	struct stats_backend st;
	uint64_t up;
};

/* A sample of a per-backend family: its state label (NULL: none) and the
 * be_row field it shows. */
struct be_sample {
	const char *state;
	size_t off;
};

#define BE_FIELD(f) offsetof(struct be_row, st.f)

/* A per-backend family: every backend of every service, in snapshot order,
 * rows[] indexed the same way. */
static void
render_backend_family(FILE *f, const struct snapshot *s, const struct be_row *rows,
		      const char *name, const char *type, const char *help,
		      const struct be_sample *smp, size_t n_smp)
{
	uint32_t i, j, k = 0;
	size_t m;

	family(f, name, type, help);
	for (i = 0; i < s->n_services; i++) {
		for (j = 0; j < s->services[i].n_backends; j++, k++) {
			const struct sched_backend *b = &s->services[i].backends[j];
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
			for (m = 0; m < n_smp; m++) {
				uint64_t v;

				memcpy(&v, (const char *)&rows[k] + smp[m].off, sizeof(v));
				fprintf(f, "%s{service=\"%s\",backend=\"%s:%u\"", name,
					s->services[i].name, ip, rte_be_to_cpu_16(b->port));
				if (smp[m].state != NULL)
					fprintf(f, ",state=\"%s\"", smp[m].state);
				fprintf(f, "} %" PRIu64 "\n", v);
			}
		}
	}
}

/*
 * Connections, and traffic per backend and per service. Caller holds
 * control_lock(): names come from the snapshot. -1 when out of memory.
 */
static int
render_backends(FILE *f, const struct sl_app *app)
{
	static const struct be_sample scheduled[] = { { NULL, BE_FIELD(scheduled) } };
	static const struct be_sample conns[] = {
		{ "active", BE_FIELD(active) }, { "inactive", BE_FIELD(inactive) } };
	static const struct be_sample packets[] = { { NULL, BE_FIELD(packets) } };
	static const struct be_sample bytes[] = { { NULL, BE_FIELD(bytes) } };
	static const struct be_sample up[] = { { NULL, offsetof(struct be_row, up) } };
	static const char *const names[] = { "sluice_service_packets_total",
		"sluice_service_bytes_total", "sluice_service_connections_refused_total" };
	static const char *const helps[] = { "Packets forwarded for each service.",
		"Bytes forwarded for each service.",
		"New connections refused for each service: no backend available." };
	const struct snapshot *s = app->snap;
	struct stats_conns cc;
	struct be_row *rows = calloc(s->n_backends + 1, sizeof(*rows));
	uint32_t i, j, k = 0;
	int dir;

	if (rows == NULL)
		return -1;
	for (i = 0; i < s->n_services; i++) {
		for (j = 0; j < s->services[i].n_backends; j++, k++) {
			stats_backend(app, s->services[i].backends[j].id, &rows[k].st);
			rows[k].up = s->services[i].backends[j].up;
		}
	}
	stats_conns(app, &cc);
	family(f, "sluice_connections", "gauge",
	       "Connections in the tables: tracked (all), active (established), inactive.");
	fprintf(f, "sluice_connections{state=\"tracked\"} %" PRIu64 "\n", cc.tracked);
	fprintf(f, "sluice_connections{state=\"active\"} %" PRIu64 "\n", cc.active);
	fprintf(f, "sluice_connections{state=\"inactive\"} %" PRIu64 "\n", cc.inactive);
	render_backend_family(f, s, rows, "sluice_backend_connections_scheduled_total", "counter",
			      "Connections scheduled to each backend.", scheduled,
			      RTE_DIM(scheduled));
	render_backend_family(f, s, rows, "sluice_backend_connections", "gauge",
			      "Connections per backend: active (established) and inactive.",
			      conns, RTE_DIM(conns));
	render_backend_family(f, s, rows, "sluice_backend_packets_total", "counter",
			      "Packets forwarded to and from each backend.", packets,
			      RTE_DIM(packets));
	render_backend_family(f, s, rows, "sluice_backend_bytes_total", "counter",
			      "Bytes forwarded to and from each backend.", bytes, RTE_DIM(bytes));
	for (dir = 0; dir < 3; dir++) {
		family(f, names[dir], "counter", helps[dir]);
		for (i = 0; i < s->n_services; i++) {
			struct stats_service ss;

			stats_service(app, s->services[i].id, &ss);
			fprintf(f, "%s{service=\"%s\"} %" PRIu64 "\n", names[dir],
				s->services[i].name,
				dir == 0 ? ss.packets : dir == 1 ? ss.bytes : ss.refused);
		}
	}
	render_backend_family(f, s, rows, "sluice_backend_up", "gauge",
			      "1 if the backend is UP (health checks), else 0.", up, RTE_DIM(up));
	free(rows);
	return 0;
}

/* The management endpoints' own connections: what the deadlines and caps cut. */
static void
render_mgmt(FILE *f)
{
	static const char *const eps[] = { "prometheus", "api" };
	struct srv_counters c[2];
	int e;

	srv_counters_read(&prom_counters, &c[0]);
	api_get_counters(&c[1]);
	family(f, "sluice_mgmt_connections_total", "counter",
	       "Connections to the management endpoints, accepted into a slot.");
	for (e = 0; e < 2; e++)
		fprintf(f, "sluice_mgmt_connections_total{endpoint=\"%s\"} %" PRIu64 "\n", eps[e],
			c[e].accepted);
	family(f, "sluice_mgmt_connections_closed_total", "counter",
	       "Management connections cut: at a deadline, evicted still reading for room, "
	       "refused with every slot answering.");
	for (e = 0; e < 2; e++)
		fprintf(f, "sluice_mgmt_connections_closed_total{endpoint=\"%s\",reason=\"deadline\"} "
			"%" PRIu64 "\nsluice_mgmt_connections_closed_total{endpoint=\"%s\","
			"reason=\"evicted\"} %" PRIu64 "\nsluice_mgmt_connections_closed_total{"
			"endpoint=\"%s\",reason=\"refused\"} %" PRIu64 "\n", eps[e], c[e].deadline,
			eps[e], c[e].evicted, eps[e], c[e].refused);
}

/* Session sync and VIP following: what the generated families cannot say
 * (rejects by reason, installs by result, peers). */
static void
render_sync(FILE *f, const struct sl_app *app)
{
	static const char *const results[] = { "installed", "refreshed", "unknown_service",
						"unknown_backend", "failed" };
	struct sync_status *s = malloc(sizeof(*s));
	struct ha_status *h = malloc(sizeof(*h));
	struct wk_stats w;
	uint64_t v[5];
	uint32_t i;

	if (s == NULL || h == NULL)
		goto out;
	ha_status(h);
	sync_status(app, s);
	family(f, "sluice_ha_addresses_held", "gauge",
	       "Addresses the ports' kernel interfaces have (ha.vips follow).");
	fprintf(f, "sluice_ha_addresses_held %u\n", h->n_held);
	family(f, "sluice_ha_garp_sent_total", "counter", "Gratuitous ARPs sent on taking an address.");
	fprintf(f, "sluice_ha_garp_sent_total %" PRIu64 "\n", h->garp_sent);
	if (!s->on)
		goto out;
	stats_sum(app, &w);
	v[0] = w.sync_installed;
	v[1] = w.sync_refreshed;
	v[2] = w.sync_unknown_service;
	v[3] = w.sync_unknown_backend;
	v[4] = w.sync_install_failed;
	family(f, "sluice_sync_installs_total", "counter",
	       "Peers' connection records at the owning worker, by result.");
	for (i = 0; i < RTE_DIM(results); i++)
		fprintf(f, "sluice_sync_installs_total{result=\"%s\"} %" PRIu64 "\n", results[i],
			v[i]);
	family(f, "sluice_sync_rejected_total", "counter",
	       "Session sync messages refused whole, by reason.");
	for (i = 1; i < SYNC_R__COUNT; i++)
		fprintf(f, "sluice_sync_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
			sync_reject_name((enum sync_reject)i), s->rejects[i]);
	family(f, "sluice_sync_records_queued", "gauge",
	       "Records in the workers' sync rings, not yet sent.");
	fprintf(f, "sluice_sync_records_queued %u\n", s->queued);
	family(f, "sluice_sync_peer_last_heard_seconds", "gauge",
	       "Since a peer's last accepted message, by node id.");
	for (i = 0; i < s->n_peers; i++)
		fprintf(f, "sluice_sync_peer_last_heard_seconds{node=\"%u\"} %.3f\n",
			s->peers[i].node, (double)(s->now_ms - s->peers[i].last_ms) / 1000.0);
	family(f, "sluice_sync_peer_bulk_records", "gauge",
	       "Records a peer's bulk transfer brought, by node id.");
	for (i = 0; i < s->n_peers; i++)
		fprintf(f, "sluice_sync_peer_bulk_records{node=\"%u\"} %" PRIu64 "\n",
			s->peers[i].node, s->peers[i].bulk_records);
out:
	free(s);
	free(h);
}

static char *
render(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (f == NULL)
		return NULL;
	family(f, "sluice_workers", "gauge", "Worker lcores.");
	fprintf(f, "sluice_workers %u\n", prom_app->n_workers);
	render_workers(f, prom_app);
	render_ports(f, prom_app);
	render_drops(f, prom_app);
	render_ctl(f, prom_app);
	render_sync(f, prom_app);
	render_mgmt(f);
	control_lock();
	rc = render_backends(f, prom_app);
	control_unlock();
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
reply(FILE *out, const char *status, const char *type, const char *body, size_t len)
{
	fprintf(out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n", status, type, len);
	fwrite(body, 1, len, out);
}

/* One request per connection (srv.h: deadlines, cap). Context: srv lane. */
static void
serve(char *req, size_t len, FILE *out)
{
	char *body;
	size_t blen;

	if (mgmt_prom_route(req, len) != MGMT_PROM_METRICS) {
		static const char msg[] = "not found: try /metrics\n";

		reply(out, "404 Not Found", "text/plain", msg, sizeof(msg) - 1);
		return;
	}
	body = render(&blen);
	if (body == NULL) {
		static const char msg[] = "out of memory\n";

		reply(out, "500 Internal Server Error", "text/plain", msg, sizeof(msg) - 1);
		return;
	}
	reply(out, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, blen);
	free(body);
}

int
prom_start(struct sl_app *app)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const struct cfg *c = app->cfg;
	int one = 1, rc, prom_fd;

	if (c->prom_port == 0)
		return 0;
	prom_app = app;
	sa.sin_addr.s_addr = c->prom_ip;
	sa.sin_port = htons(c->prom_port);
	prom_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (prom_fd < 0)
		return -errno;
	setsockopt(prom_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(prom_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(prom_fd, PROM_MAX_CONNS) != 0) {
		rc = -errno;
		close(prom_fd);
		prom_fd = -1;
		return rc;
	}
	return srv_start(&prom_srv, prom_fd, &(struct srv_conf){
		.name = "sluice-prom", .handle = serve, .n_lanes = 1, .ends = mgmt_http_ends,
		.max_req = PROM_REQ_MAX, .max_conns = PROM_MAX_CONNS,
		.read_ms = PROM_READ_MS, .write_ms = PROM_WRITE_MS, .counters = &prom_counters });
}

void
prom_stop(void)
{
	srv_stop(prom_srv);
	prom_srv = NULL;
}
