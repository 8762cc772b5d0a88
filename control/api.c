/*
 * Runtime API server and its read-only commands (see api.h for the wire
 * format, api_cmds.h for the commands; changes are api_edit.c's).
 *
 * Every request is answered from the command table: its name picks the
 * handler (run_command), its lane (mgmt_req.c) and its usage message.
 * Arguments come first, then "-k VALUE" options (api_args.c). Filters of
 * conns and flush: -S SERVICE, -b IP[:PORT] (with -S), -c CLIENT_IP,
 * -n MAX (conns). Any command takes --json.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "../dataplane/mail.h"
#include "../dataplane/worker.h"
#include "api.h"
#include "api_cmds.h"
#include "api_impl.h"
#include "control.h"
#include "mgmt_req.h"
#include "snapshot.h"
#include "srv.h"
#include "stats.h"
#include "sync_view.h"

#define API_MAX_ARGS 64
#define API_MAX_REQ 8192
#define API_CONNS_DEFAULT 1000
#define API_CONNS_MAX 100000
#define API_MAIL_DEADLINE_MS 10000
/*
 * sluicectl sends its request at once and reads the answer as it comes;
 * these bound what a client that does neither can hold: a slot (of
 * API_MAX_CONNS) for API_READ_MS, then API_WRITE_MS for an answer (a
 * 100,000-connection listing is ~10 MB).
 */
#define API_MAX_CONNS 32
#define API_READ_MS 3000
#define API_WRITE_MS 10000

static struct srv *api_srv;
/* Apart from the server: Prometheus reads them whenever, even during api_stop(). */
static struct srv_counters api_counters;
static struct sl_app *api_app;
static char api_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* ---- output helpers ---------------------------------------------------- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static const char *
ip_str(uint32_t ip, char *buf)
{
	return cfg_ip_str(ip, buf);
}

static const char *
proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}


/* ---- read-only commands ---------------------------------------------------- */

static int
cmd_list(struct api_req *r)
{
	const struct sl_app *app = api_app;
	const struct snapshot *s;
	char b1[INET_ADDRSTRLEN];
	uint32_t i, j;
	FILE *f = r->out;

	control_lock();
	s = app->snap;
	if (r->json)
		fprintf(f, "{\"generation\":%" PRIu64 ",\"services\":[", s->gen);
	else
		fprintf(f, "Prot VIP:Port              Scheduler Forward  Name\n"
			"  -> Backend:Port          Weight State ActiveConn InActConn  Scheduled  Conn/s\n");
	for (i = 0; i < s->n_services; i++) {
		const struct snap_service *sv = &s->services[i];

		if (r->json) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			json_str(f, sv->name);
			fprintf(f, ",\"vip\":\"%s\",\"port\":%u,\"protocol\":\"%s\",\"scheduler\":\"%s\","
				"\"forward\":\"%s\",\"local_addresses\":[", ip_str(sv->vip, b1),
				rte_be_to_cpu_16(sv->port), proto_name(sv->proto),
				sched_algo_name((enum sched_algo)sv->sched_algo),
				cfg_mode_name((enum svc_mode)sv->mode));
			for (j = 0; j < sv->n_laddrs; j++)
				fprintf(f, "%s\"%s\"", j ? "," : "",
					ip_str(s->laddrs[sv->laddr_idx[j]], b1));
			{
				struct stats_service ss;

				stats_service(app, sv->id, &ss);
				fprintf(f, "],\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
					",\"refused\":%" PRIu64 ",\"backends\":[", ss.packets,
					ss.bytes, ss.refused);
			}
		} else {
			char ep[32];

			snprintf(ep, sizeof(ep), "%s:%u", ip_str(sv->vip, b1),
				 rte_be_to_cpu_16(sv->port));
			fprintf(f, "%-4s %-22s %-9s %-8s %s\n", sv->proto == IPPROTO_UDP ? "UDP" : "TCP",
				ep, sched_algo_name((enum sched_algo)sv->sched_algo),
				cfg_mode_name((enum svc_mode)sv->mode), sv->name);
		}
		for (j = 0; j < sv->n_backends; j++) {
			const struct sched_backend *be = &sv->backends[j];
			const char *state = !be->up ? "down" : be->weight == 0 ? "drain" : "up";
			struct stats_backend bs;

			stats_backend(app, be->id, &bs);
			if (r->json) {
				fprintf(f, "%s{\"address\":\"%s\",\"port\":%u,\"weight\":%u,\"state\":\"%s\","
					"\"active\":%" PRIu64 ",\"inactive\":%" PRIu64 ",\"scheduled\":%"
					PRIu64 ",\"rate_cps\":%u,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
					",\"health_reason\":", j ? "," : "",
					ip_str(be->ip, b1), rte_be_to_cpu_16(be->port), be->weight, state,
					bs.active, bs.inactive, bs.scheduled, control_rate(be->id),
					bs.packets, bs.bytes);
				json_str(f, control_health_reason(be->id));
				fputc('}', f);
			} else {
				char ep[32];

				snprintf(ep, sizeof(ep), "%s:%u", ip_str(be->ip, b1),
					 rte_be_to_cpu_16(be->port));
				fprintf(f, "  -> %-22s %6u %-5s %10" PRIu64 " %9" PRIu64 " %10" PRIu64
					" %7u %s\n", ep, be->weight, state, bs.active, bs.inactive,
					bs.scheduled,
					control_rate(be->id), be->up ? "" : control_health_reason(be->id));
			}
		}
		if (r->json)
			fprintf(f, "]}");
	}
	if (r->json)
		fprintf(f, "]}\n");
	control_unlock();
	return 0;
}

struct stats_out {
	FILE *f;
	int json;
	int first;
};

static void
stats_emit(void *arg, const struct stats_item *it)
{
	struct stats_out *o = arg;

	if (o->json)
		fprintf(o->f, "%s\"%s\":%" PRIu64, o->first ? "" : ",", it->key, it->value);
	else
		fprintf(o->f, "%-28s %" PRIu64 "\n", it->key, it->value);
	o->first = 0;
}

static int
cmd_stats(struct api_req *r)
{
	struct stats_out o = { .f = r->out, .json = r->json, .first = 1 };

	if (r->json)
		fputc('{', r->out);
	stats_view(api_app, stats_emit, &o);
	if (r->json)
		fputs("}\n", r->out);
	return 0;
}

static int
cmd_config(struct api_req *r)
{
	char *text;

	control_lock();
	text = cfg_dump_string(api_app->cfg);
	if (text == NULL)
		cfg_dump_error(api_app->cfg, errno, r->msg, sizeof(r->msg));
	control_unlock();
	if (text == NULL)
		return -1;
	if (r->json) {
		fputs("{\"config\":", r->out);
		json_str(r->out, text);
		fputs("}\n", r->out);
	} else {
		fputs(text, r->out);
	}
	free(text);
	return 0;
}

/* ---- connections: worker mailboxes ---------------------------------------- */

struct conn_filter {
	uint32_t svc_id;
	uint32_t backend_id;
	uint32_t client_ip;
	uint32_t max;
};

/* -S, -b, -c, -n (those the command takes) into ids of the current snapshot. */
static int
parse_filter(struct api_req *r, struct conn_filter *flt)
{
	const char *val[128] = { NULL };
	const char *svc, *be, *cl, *mx;
	const struct snapshot *s;
	uint32_t i, j, v;

	if (api_parse_opts(r, 1, r->cmd->opts, val) != 0)
		return -1;
	svc = val['S'];
	be = val['b'];
	cl = val['c'];
	mx = val['n'];
	flt->svc_id = UINT32_MAX;
	flt->backend_id = UINT32_MAX;
	flt->client_ip = 0;
	flt->max = API_CONNS_DEFAULT;
	if (cl != NULL && cfg_parse_ipv4(cl, &flt->client_ip, NULL) != 0) {
		snprintf(r->msg, sizeof(r->msg), "-c %s: not an IPv4 address", cl);
		return -1;
	}
	if (mx != NULL) {
		if (cfg_parse_uint(mx, API_CONNS_MAX, &v) != 0 || v == 0) {
			snprintf(r->msg, sizeof(r->msg), "-n '%s': 1..%u", mx, API_CONNS_MAX);
			return -1;
		}
		flt->max = v;
	}
	if (be != NULL && svc == NULL) {
		snprintf(r->msg, sizeof(r->msg), "-b needs -S SERVICE");
		return -1;
	}
	if (svc != NULL && cfg_name_error(svc) != NULL) {
		snprintf(r->msg, sizeof(r->msg), "-S: service name \"%s\"%s", svc,
			 cfg_name_error(svc));
		return -1;
	}
	if (svc == NULL)
		return 0;
	control_lock();
	s = api_app->snap;
	for (i = 0; i < s->n_services && strcmp(s->services[i].name, svc) != 0; i++)
		;
	if (i == s->n_services) {
		control_unlock();
		snprintf(r->msg, sizeof(r->msg), "no service named '%s'", svc);
		return -1;
	}
	flt->svc_id = s->services[i].id;
	if (be != NULL) {
		uint32_t ip;
		uint16_t port;

		uint32_t hits = 0, at = 0;

		if (api_parse_endpoint(be, &ip, &port) != 0) {
			control_unlock();
			snprintf(r->msg, sizeof(r->msg), "-b %s: not IP[:PORT]", be);
			return -1;
		}
		/* Without a port, the address must name one backend. */
		for (j = 0; j < s->services[i].n_backends; j++) {
			if (s->services[i].backends[j].ip == ip &&
			    (port == 0 || s->services[i].backends[j].port == rte_cpu_to_be_16(port))) {
				hits++;
				at = j;
			}
		}
		if (hits != 1) {
			control_unlock();
			snprintf(r->msg, sizeof(r->msg), hits == 0 ? "service '%s' has no backend %s" :
				 "service '%s' has several backends at %s: give IP:PORT", svc, be);
			return -1;
		}
		j = at;
		flt->backend_id = s->services[i].backends[j].id;
	}
	control_unlock();
	return 0;
}

/*
 * Post mails[w] to worker w, for every worker, and wait (bounded) until all
 * are answered. Returns 0, or -1 with r->msg set. Either way the caller
 * drops every mail (mail_drop): one a worker still holds, unanswered or not
 * yet taken, is then the worker's to free.
 */
static int
mail_workers(struct api_req *r, struct mail **mails, uint32_t n)
{
	uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * API_MAIL_DEADLINE_MS;
	uint32_t w, pending;

	for (w = 0; w < n; w++) {
		if (mail_post(mails[w], api_app->workers[w]->mailbox) != 0) {
			snprintf(r->msg, sizeof(r->msg), "worker %u mailbox full", w);
			return -1;
		}
	}
	do {
		struct timespec ts = { .tv_nsec = 1000000 };

		pending = 0;
		for (w = 0; w < n; w++)
			pending += !mail_answered(mails[w]);
		if (pending == 0)
			return 0;
		nanosleep(&ts, NULL);
	} while (rte_get_tsc_cycles() < deadline);
	snprintf(r->msg, sizeof(r->msg), "%u worker(s) did not answer within %u ms", pending,
		 API_MAIL_DEADLINE_MS);
	return -1;
}

static void
print_conn(struct api_req *r, const struct ct_info *c, uint32_t worker, uint32_t now,
	   int first)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], e[INET_ADDRSTRLEN];
	int32_t left = (int32_t)(c->expire - now);

	if (left < 0)
		left = 0;
	ip_str(c->orig.src_ip, a);
	ip_str(c->orig.dst_ip, b);
	ip_str(c->reply.dst_ip, d);
	ip_str(c->reply.src_ip, e);
	if (r->json) {
		fprintf(r->out, "%s{\"protocol\":\"%s\",\"state\":\"%s\",\"client\":\"%s:%u\","
			"\"vip\":\"%s:%u\",\"local\":\"%s:%u\",\"backend\":\"%s:%u\","
			"\"expires_ms\":%d,\"worker\":%u}",
			first ? "" : ",", proto_name(c->proto),
			ct_state_name((enum ct_state)c->state), a,
			rte_be_to_cpu_16(c->orig.src_port), b, rte_be_to_cpu_16(c->orig.dst_port), d,
			rte_be_to_cpu_16(c->reply.dst_port), e, rte_be_to_cpu_16(c->reply.src_port),
			left, worker);
	} else {
		fprintf(r->out, "%-3s %-11s %s:%u -> %s:%u => %s:%u -> %s:%u  %ds  w%u\n",
			c->proto == IPPROTO_UDP ? "UDP" : "TCP", ct_state_name((enum ct_state)c->state),
			a, rte_be_to_cpu_16(c->orig.src_port), b, rte_be_to_cpu_16(c->orig.dst_port),
			d, rte_be_to_cpu_16(c->reply.dst_port), e,
			rte_be_to_cpu_16(c->reply.src_port), left / 1000, worker);
	}
}

static int
cmd_conns(struct api_req *r, int flush)
{
	uint32_t n = api_app->n_workers, w, i, shown = 0;
	struct conn_filter flt;
	struct mail **mails;
	uint64_t total = 0;
	uint32_t now;
	int rc = -1;

	if (parse_filter(r, &flt) != 0)
		return -1;
	mails = calloc(n, sizeof(*mails));
	if (mails == NULL) {
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
	for (w = 0; w < n; w++) {
		mails[w] = mail_new(flush ? MAIL_FLUSH : MAIL_DUMP, flush ? 0 : flt.max);
		if (mails[w] == NULL) {
			snprintf(r->msg, sizeof(r->msg), "out of memory");
			goto out;
		}
		mails[w]->svc_id = flt.svc_id;
		mails[w]->backend_id = flt.backend_id;
		mails[w]->client_ip = flt.client_ip;
	}
	rc = mail_workers(r, mails, n);
	if (rc != 0)
		goto out;
	if (flush) {
		for (w = 0; w < n; w++)
			total += mails[w]->n;
		if (r->json)
			fprintf(r->out, "{\"flushed\":%" PRIu64 "}\n", total);
		else
			fprintf(r->out, "flushed %" PRIu64 " connections\n", total);
		goto out;
	}
	now = (uint32_t)sl_now_ms(api_app, rte_rdtsc());
	if (r->json)
		fputs("{\"connections\":[", r->out);
	for (w = 0; w < n; w++)
		for (i = 0; i < mails[w]->n && shown < flt.max; i++, shown++)
			print_conn(r, &mails[w]->out[i], w, now, shown == 0);
	if (r->json)
		fprintf(r->out, "],\"shown\":%u}\n", shown);
out:
	for (w = 0; w < n; w++)
		mail_drop(mails[w]);
	free(mails);
	return rc;
}

/* ---- dispatch -------------------------------------------------------------- */

/*
 * A switch rather than an array of handlers: with -Wswitch (an error in
 * this build) a command added to api_cmds.h without a handler here does
 * not build.
 */
static int
run_command(struct api_req *r)
{
	switch (api_cmd_id(r->cmd)) {
	case API_CMD_LIST:
		return api_no_args(r) != 0 ? -1 : cmd_list(r);
	case API_CMD_STATS:
		return api_no_args(r) != 0 ? -1 : cmd_stats(r);
	case API_CMD_CONNS:
		return cmd_conns(r, 0);
	case API_CMD_FLUSH:
		return cmd_conns(r, 1);
	case API_CMD_CONFIG:
		return api_no_args(r) != 0 ? -1 : cmd_config(r);
	case API_CMD_SYNC:
		if (api_no_args(r) != 0)
			return -1;
		sync_view_write(api_app, r->out, r->json);
		return 0;
	case API_CMD_RELOAD:
	case API_CMD_ADD_SERVICE:
	case API_CMD_EDIT_SERVICE:
	case API_CMD_DEL_SERVICE:
	case API_CMD_ADD_BACKEND:
	case API_CMD_DEL_BACKEND:
	case API_CMD_WEIGHT:
	case API_CMD_DRAIN:
		return api_change(r);
	case API_CMD_COUNT:
		break;
	}
	return -1;
}

/* "no command (list, stats, ...)": every command of the table, in order. */
static void
no_command(struct api_req *r)
{
	size_t used;
	int i;

	snprintf(r->msg, sizeof(r->msg), "no command (");
	for (i = 0; i < API_CMD_COUNT; i++) {
		used = strlen(r->msg);
		snprintf(r->msg + used, sizeof(r->msg) - used, "%s%s", i ? ", " : "",
			 api_cmds[i].name);
	}
	used = strlen(r->msg);
	snprintf(r->msg + used, sizeof(r->msg) - used, ")");
}

int
api_execute(struct sl_app *app, int argc, char **argv, FILE *out)
{
	struct api_req r = { .out = out };
	char *args[API_MAX_ARGS];
	int i, n = 0, rc;

	RTE_SET_USED(app);
	for (i = 0; i < argc && n < API_MAX_ARGS; i++) {
		if (strcmp(argv[i], "--json") == 0)
			r.json = 1;
		else
			args[n++] = argv[i];
	}
	r.argc = n;
	r.argv = args;
	if (n == 0) {
		no_command(&r);
		rc = -1;
	} else if ((r.cmd = api_cmd_find(args[0])) == NULL) {
		snprintf(r.msg, sizeof(r.msg), "unknown command '%s'", args[0]);
		rc = -1;
	} else {
		rc = run_command(&r);
	}
	if (rc == 0 && r.cmd->edit) {
		if (r.json) {
			fputs("{\"result\":", out);
			json_str(out, r.msg);
			fputs("}\n", out);
		} else {
			fprintf(out, "%s\n", r.msg);
		}
	}
	if (rc != 0) {
		if (r.json) {
			fputs("{\"error\":", out);
			json_str(out, r.msg);
			fputs("}\n", out);
		} else {
			fprintf(out, "%s\n", r.msg);
		}
	}
	return rc;
}

/* ---- socket ----------------------------------------------------------------- */

/* The lane's choice: see mgmt_api_lane. */
static unsigned int
request_lane(const char *req, size_t len)
{
	return mgmt_api_lane(req, len);
}

/* Arguments, one per line, ended by an empty line. Context: srv lane. */
static void
serve(char *req, size_t len, FILE *out)
{
	char *args[API_MAX_ARGS], *body = NULL;
	size_t blen = 0;
	FILE *bf = open_memstream(&body, &blen);
	int argc, rc = -1;

	if (bf == NULL)
		return;
	argc = mgmt_api_parse(req, len, args, API_MAX_ARGS - 1);
	if (argc == -EINVAL)
		fputs("request too long or not terminated by an empty line\n", bf);
	else if (argc == -E2BIG)
		fprintf(bf, "more than %d arguments\n", API_MAX_ARGS - 1);
	else
		rc = api_execute(api_app, argc, args, bf);
	if (fclose(bf) != 0) {
		free(body);
		return;
	}
	fputs(rc == 0 ? "ok\n" : "error\n", out);
	fwrite(body, 1, blen, out);
	free(body);
}

int
api_start(struct sl_app *app)
{
	const struct cfg *c = app->cfg;
	char dir[sizeof(api_path)];
	int api_fd, rc;

	/* Set before any lane runs, and never again: lanes only read it. */
	api_app = app;
	if (c->api_socket[0] == '\0')
		return 0;
	snprintf(api_path, sizeof(api_path), "%s", c->api_socket);
	snprintf(dir, sizeof(dir), "%s", api_path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST)
		return -errno;
	api_fd = srv_listen_unix(api_path, (mode_t)c->api_mode, API_MAX_CONNS);
	if (api_fd < 0)
		return api_fd;
	rc = srv_start(&api_srv, api_fd, &(struct srv_conf){
		.name = "sluice-api", .handle = serve, .lane = request_lane, .n_lanes = MGMT_LANES,
		.ends = mgmt_api_ends, .max_req = API_MAX_REQ, .max_conns = API_MAX_CONNS,
		.read_ms = API_READ_MS, .write_ms = API_WRITE_MS, .counters = &api_counters });
	if (rc != 0)
		unlink(api_path);
	return rc;
}

void
api_stop(void)
{
	if (api_srv == NULL)
		return;
	srv_stop(api_srv);
	api_srv = NULL;
	unlink(api_path);
}

void
api_get_counters(struct srv_counters *c)
{
	srv_counters_read(&api_counters, c);
}
