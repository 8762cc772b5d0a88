/*
 * Runtime API server and its commands (see api.h for the wire format).
 *
 *   list | stats | config | conns [filters] | flush [filters] | reload
 *   add-service NAME VIP:PORT [-p tcp|udp] [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]
 *   edit-service NAME [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]
 *   del-service NAME
 *   add-backend SERVICE IP[:PORT] [-w WEIGHT]
 *   del-backend SERVICE IP[:PORT]
 *   weight SERVICE IP[:PORT] WEIGHT        drain SERVICE IP[:PORT]
 * Filters: -S SERVICE, -b IP[:PORT] (with -S), -c CLIENT_IP, -n MAX (conns).
 * Any command takes --json.
 *
 * Arguments come first, then "-k VALUE" options. A change is parsed whole
 * (parse_edit) with config.c's own validators before the running config is
 * even copied, because the copy is edited as a struct and then written out
 * as text to pass the file's cross-checks: a field that reached that text
 * unchecked could say anything. Unknown, repeated or misplaced options and
 * numbers that are not plain decimal digits are refused, by name.
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
#include "control.h"
#include "mgmt_req.h"
#include "snapshot.h"
#include "srv.h"
#include "stats.h"

#define API_MAX_ARGS 64
#define API_MAX_REQ 8192
#define API_MSG 4096
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
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static const char *
proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* ---- argument parsing ---------------------------------------------------- */

struct api_req {
	int argc;
	char **argv;
	int json;
	FILE *out;
	char msg[API_MSG];
};

/*
 * "IP" or "IP:PORT" as a file writes them: a strict dotted quad, a port of
 * decimal digits 1..65535 (*port 0 when absent).
 */
static int
parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	uint32_t p = 0;

	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (cfg_parse_ipv4(addr, ip, NULL) != 0)
		return -1;
	if (colon != NULL && (cfg_parse_uint(colon + 1, 65535, &p) != 0 || p == 0))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* An argument in the shape of an option: "-x", "--x"; "-1" is a number. */
static int
is_option(const char *a)
{
	return a[0] == '-' && (a[1] == '-' || (a[1] >= 'a' && a[1] <= 'z') ||
			       (a[1] >= 'A' && a[1] <= 'Z'));
}

/*
 * argv[from..] are "-k VALUE" pairs, each k one of `known` (letters), each
 * at most once; val[k] is set for those given. Anything else is refused by
 * name, so no mistyped option is ever silently ignored.
 */
static int
parse_opts(struct api_req *r, int from, const char *known, const char *val[128])
{
	int i;

	for (i = from; i < r->argc; i += 2) {
		const char *a = r->argv[i];
		unsigned char k = (unsigned char)a[1];

		if (!is_option(a)) {
			snprintf(r->msg, sizeof(r->msg), "unexpected argument '%s'", a);
			return -1;
		}
		if (a[2] != '\0' || k == '-' || strchr(known, k) == NULL) {
			char list[64] = "";
			size_t n, used;

			for (n = 0; known[n] != '\0'; n++) {
				used = strlen(list);
				snprintf(list + used, sizeof(list) - used, "%s-%c", n ? ", " : "",
					 known[n]);
			}
			if (known[0] == '\0')
				snprintf(r->msg, sizeof(r->msg), "unknown option '%s': %s takes none",
					 a, r->argv[0]);
			else
				snprintf(r->msg, sizeof(r->msg), "unknown option '%s' for %s (known: %s)",
					 a, r->argv[0], list);
			return -1;
		}
		if (val[k] != NULL) {
			snprintf(r->msg, sizeof(r->msg), "option '%s' given twice", a);
			return -1;
		}
		if (i + 1 >= r->argc) {
			snprintf(r->msg, sizeof(r->msg), "option '%s' needs a value", a);
			return -1;
		}
		val[k] = r->argv[i + 1];
	}
	return 0;
}

/* For the commands that take no argument at all. */
static int
no_args(struct api_req *r)
{
	const char *val[128] = { NULL };

	return parse_opts(r, 1, "", val);
}

/* ---- read-only commands ---------------------------------------------------- */

static int
cmd_list(struct api_req *r)
{
	const struct sl_app *app = api_app;
	const struct snapshot *s;
	char b1[INET_ADDRSTRLEN];
	uint32_t i, j, w;
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
				uint64_t sp = 0, sb = 0, sr = 0;

				for (w = 0; w < app->n_workers; w++) {
					sp += app->workers[w]->svc_traffic[sv->id].packets;
					sb += app->workers[w]->svc_traffic[sv->id].bytes;
					sr += app->workers[w]->svc_refused[sv->id];
				}
				fprintf(f, "],\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
					",\"refused\":%" PRIu64 ",\"backends\":[", sp, sb, sr);
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
			uint64_t act = 0, inact = 0, sched = 0, pkts = 0, bytes = 0;
			const char *state = !be->up ? "down" : be->weight == 0 ? "drain" : "up";

			for (w = 0; w < app->n_workers; w++) {
				act += app->workers[w]->active[be->id];
				inact += app->workers[w]->inactive[be->id];
				sched += app->workers[w]->scheduled[be->id];
				pkts += app->workers[w]->be_traffic[be->id].packets;
				bytes += app->workers[w]->be_traffic[be->id].bytes;
			}
			if (r->json) {
				fprintf(f, "%s{\"address\":\"%s\",\"port\":%u,\"weight\":%u,\"state\":\"%s\","
					"\"active\":%" PRIu64 ",\"inactive\":%" PRIu64 ",\"scheduled\":%"
					PRIu64 ",\"rate_cps\":%u,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
					",\"health_reason\":", j ? "," : "",
					ip_str(be->ip, b1), rte_be_to_cpu_16(be->port), be->weight, state,
					act, inact, sched, control_rate(be->id), pkts, bytes);
				json_str(f, control_health_reason(be->id));
				fputc('}', f);
			} else {
				char ep[32];

				snprintf(ep, sizeof(ep), "%s:%u", ip_str(be->ip, b1),
					 rte_be_to_cpu_16(be->port));
				fprintf(f, "  -> %-22s %6u %-5s %10" PRIu64 " %9" PRIu64 " %10" PRIu64
					" %7u %s\n", ep, be->weight, state, act, inact, sched,
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

static int
cmd_stats(struct api_req *r)
{
	struct stats_conns cc;
	struct stats_ctl ctl;
	struct wk_stats s;
	char name[48];
	uint32_t i;
	FILE *f = r->out;

	stats_sum(api_app, &s);
	stats_ctl(api_app, &ctl);
	control_lock();
	stats_conns(api_app, &cc);
	control_unlock();
#define STAT(key, v) do { \
		if (r->json) \
			fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", key, (uint64_t)(v)); \
		else \
			fprintf(f, "%-28s %" PRIu64 "\n", key, (uint64_t)(v)); \
		first = 0; \
	} while (0)
	{
		int first = 1;

		if (r->json)
			fputc('{', f);
		STAT("rx_packets", s.rx_packets);
		STAT("rx_bytes", s.rx_bytes);
		STAT("tx_packets", s.tx_packets);
		STAT("tx_bytes", s.tx_bytes);
		STAT("steered", s.steered_out);
		STAT("conns_created", s.conns_created);
		STAT("conns_refused", s.conns_refused);
		STAT("conns_reset", s.conns_reset);
		STAT("conns_tracked", cc.tracked);
		STAT("conns_active", cc.active);
		STAT("conns_inactive", cc.inactive);
		STAT("arp_replies", s.arp_replies);
		STAT("icmp_echo_replies", s.icmp_echo_replies);
		for (i = 0; i < STATS_CTL_COUNT; i++)
			STAT(stats_ctl_key(i), stats_ctl_value(&ctl, i));
		for (i = 0; i < SL_DROP__COUNT; i++) {
			char key[64];

			stats_drop_name((enum sl_drop)i, name, sizeof(name));
			snprintf(key, sizeof(key), "drop_%s", name);
			STAT(key, s.drops[i]);
		}
		if (r->json)
			fputs("}\n", f);
	}
#undef STAT
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

/* -S, -b, -c, -n into ids of the current snapshot. */
static int
parse_filter(struct api_req *r, struct conn_filter *flt, int allow_max)
{
	const char *val[128] = { NULL };
	const char *svc, *be, *cl, *mx;
	const struct snapshot *s;
	uint32_t i, j, v;

	if (parse_opts(r, 1, allow_max ? "Sbcn" : "Sbc", val) != 0)
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

		if (parse_endpoint(be, &ip, &port) != 0) {
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

	if (parse_filter(r, &flt, !flush) != 0)
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

/* ---- changes: every field checked, then applied on the control lcore ---- */

enum edit_op {
	EDIT_RELOAD,
	EDIT_ADD_SERVICE,
	EDIT_EDIT_SERVICE,
	EDIT_DEL_SERVICE,
	EDIT_ADD_BACKEND,
	EDIT_DEL_BACKEND,
	EDIT_WEIGHT,
	EDIT_DRAIN,
};

/* A change command: its positional arguments, then the options it takes. */
struct edit_cmd {
	const char *name;
	enum edit_op op;
	int n_args;
	const char *opts;
	const char *usage;
};

static const struct edit_cmd edit_cmds[] = {
	{ "reload", EDIT_RELOAD, 0, "", "reload" },
	{ "add-service", EDIT_ADD_SERVICE, 2, "sflmp",
	  "add-service NAME VIP:PORT [-p tcp|udp] [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]" },
	{ "edit-service", EDIT_EDIT_SERVICE, 1, "sflm",
	  "edit-service NAME [-s SCHED] [-f MODE] [-l LADDR,..] [-m SIZE]" },
	{ "del-service", EDIT_DEL_SERVICE, 1, "", "del-service NAME" },
	{ "add-backend", EDIT_ADD_BACKEND, 2, "w", "add-backend SERVICE IP[:PORT] [-w WEIGHT]" },
	{ "del-backend", EDIT_DEL_BACKEND, 2, "", "del-backend SERVICE IP[:PORT]" },
	{ "weight", EDIT_WEIGHT, 3, "", "weight SERVICE IP[:PORT] WEIGHT" },
	{ "drain", EDIT_DRAIN, 2, "", "drain SERVICE IP[:PORT]" },
};

/*
 * A change request after parse_edit: every field already passed the
 * validators a file's value passes, so what edit_config writes into the
 * copy of the config is something a file could have said.
 */
struct api_edit {
	const struct edit_cmd *cmd;
	char name[SL_NAME_LEN];          /* the service */
	uint32_t ip;                      /* VIP or backend, network order */
	uint16_t port;                    /* host order; 0: none given (backends) */
	uint16_t weight;
	uint8_t proto, sched, mode;
	uint8_t has_sched, has_mode, has_laddrs;
	uint32_t mh_size;                 /* 0: not given */
	uint32_t laddrs[SL_MAX_SVC_LADDRS];
	uint32_t n_laddrs;
};

/* What the API thread hands the control lcore. */
struct api_change {
	struct api_req *r;
	struct api_edit e;
};

/* -l A,B,..: 1..SL_MAX_SVC_LADDRS unicast addresses, no empty one. */
static int
parse_laddrs(struct api_req *r, const char *v, struct api_edit *e)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char addr[INET_ADDRSTRLEN];

		if (n == 0) {
			snprintf(r->msg, sizeof(r->msg), "-l: an empty address in '%s'", v);
			return -1;
		}
		if (e->n_laddrs == SL_MAX_SVC_LADDRS) {
			snprintf(r->msg, sizeof(r->msg), "-l: at most %d local addresses",
				 SL_MAX_SVC_LADDRS);
			return -1;
		}
		if (n < sizeof(addr)) {
			memcpy(addr, p, n);
			addr[n] = '\0';
		}
		if (n >= sizeof(addr) || cfg_parse_ipv4(addr, &e->laddrs[e->n_laddrs], NULL) != 0 ||
		    !cfg_is_unicast(e->laddrs[e->n_laddrs])) {
			snprintf(r->msg, sizeof(r->msg), "-l: '%.*s' is not a unicast IPv4 address",
				 (int)n, p);
			return -1;
		}
		e->n_laddrs++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* -s, -f, -l, -m, -p (those in the command's opts). */
static int
parse_service_opts(struct api_req *r, const char *const val[128], struct api_edit *e)
{
	int a;

	if (val['p'] != NULL) {
		a = cfg_proto_from_name(val['p']);
		if (a < 0) {
			snprintf(r->msg, sizeof(r->msg), "unknown protocol '%s' (tcp, udp)", val['p']);
			return -1;
		}
		e->proto = (uint8_t)a;
	}
	if (val['s'] != NULL) {
		a = sched_algo_from_name(val['s']);
		if (a < 0) {
			snprintf(r->msg, sizeof(r->msg), "unknown scheduler '%s'", val['s']);
			return -1;
		}
		e->sched = (uint8_t)a;
		e->has_sched = 1;
	}
	if (val['f'] != NULL) {
		a = cfg_mode_from_name(val['f']);
		if (a < 0) {
			snprintf(r->msg, sizeof(r->msg),
				 "unknown forwarding mode '%s' (nat, fullnat, dr)", val['f']);
			return -1;
		}
		e->mode = (uint8_t)a;
		e->has_mode = 1;
	}
	if (val['m'] != NULL &&
	    (cfg_parse_uint(val['m'], SCHED_MH_MAX_SIZE, &e->mh_size) != 0 ||
	     e->mh_size < CFG_MIN_MH_SIZE || !sched_is_prime(e->mh_size))) {
		snprintf(r->msg, sizeof(r->msg), "-m '%s': a prime in %u..%u", val['m'],
			 CFG_MIN_MH_SIZE, SCHED_MH_MAX_SIZE);
		return -1;
	}
	if (val['l'] != NULL) {
		if (parse_laddrs(r, val['l'], e) != 0)
			return -1;
		e->has_laddrs = 1;
	}
	return 0;
}

/*
 * Check every argument of a change before any config is copied: a request
 * refused here, or later by the file's cross-checks, changes nothing.
 * Context: the API thread; touches no shared state.
 */
static int
parse_edit(struct api_req *r, const struct edit_cmd *cmd, struct api_edit *e)
{
	const char *val[128] = { NULL };
	const char *why;
	uint32_t v;
	int i;

	memset(e, 0, sizeof(*e));
	e->cmd = cmd;
	for (i = 1; i <= cmd->n_args; i++) {
		if (i < r->argc && !is_option(r->argv[i]))
			continue;
		/* An option where an argument belongs: name it if unknown. */
		if (i < r->argc && parse_opts(r, i, cmd->opts, val) != 0)
			return -1;
		snprintf(r->msg, sizeof(r->msg), "usage: %s", cmd->usage);
		return -1;
	}
	if (parse_opts(r, cmd->n_args + 1, cmd->opts, val) != 0)
		return -1;
	if (cmd->op == EDIT_RELOAD)
		return 0;
	why = cfg_name_error(r->argv[1]);
	if (why != NULL) {
		snprintf(r->msg, sizeof(r->msg), "service name \"%s\"%s", r->argv[1], why);
		return -1;
	}
	snprintf(e->name, sizeof(e->name), "%s", r->argv[1]);
	switch (cmd->op) {
	case EDIT_ADD_SERVICE:
		if (parse_endpoint(r->argv[2], &e->ip, &e->port) != 0 || e->port == 0) {
			snprintf(r->msg, sizeof(r->msg), "'%s' is not VIP:PORT", r->argv[2]);
			return -1;
		}
		e->proto = IPPROTO_TCP;
		e->sched = SCHED_ALGO_WLC;
		e->mode = SVC_MODE_NAT;
		e->mh_size = SCHED_MH_DEFAULT_SIZE;
		break;
	case EDIT_ADD_BACKEND:
	case EDIT_DEL_BACKEND:
	case EDIT_WEIGHT:
	case EDIT_DRAIN:
		if (parse_endpoint(r->argv[2], &e->ip, &e->port) != 0) {
			snprintf(r->msg, sizeof(r->msg), "'%s' is not IP[:PORT]", r->argv[2]);
			return -1;
		}
		break;
	default:
		break;
	}
	if ((cmd->op == EDIT_ADD_SERVICE || cmd->op == EDIT_ADD_BACKEND) &&
	    !cfg_is_unicast(e->ip)) {
		snprintf(r->msg, sizeof(r->msg), "%s is not a unicast host address", r->argv[2]);
		return -1;
	}
	if (cmd->op == EDIT_ADD_SERVICE || cmd->op == EDIT_EDIT_SERVICE)
		return parse_service_opts(r, val, e);
	if (cmd->op == EDIT_ADD_BACKEND || cmd->op == EDIT_WEIGHT) {
		const char *w = cmd->op == EDIT_WEIGHT ? r->argv[3] : val['w'];

		v = 1;
		if (w != NULL && cfg_parse_uint(w, SCHED_MAX_WEIGHT, &v) != 0) {
			snprintf(r->msg, sizeof(r->msg), "weight '%s': 0..%u", w, SCHED_MAX_WEIGHT);
			return -1;
		}
		e->weight = (uint16_t)v;
	}
	return 0;
}

static struct cfg_service *
find_service(struct cfg *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

static int
find_backend(const struct cfg_service *s, uint32_t ip, uint16_t port)
{
	uint32_t j;

	for (j = 0; j < s->n_backends; j++)
		if (s->backends[j].ip == ip && s->backends[j].port == port)
			return (int)j;
	return -1;
}

/* The only backend at ip, whatever its port: index, -1 none, -2 several. */
static int
find_backend_by_ip(const struct cfg_service *s, uint32_t ip)
{
	uint32_t j;
	int found = -1;

	for (j = 0; j < s->n_backends; j++) {
		if (s->backends[j].ip != ip)
			continue;
		if (found >= 0)
			return -2;
		found = (int)j;
	}
	return found;
}

/* The options parse_edit found, on a service being added or edited. */
static void
apply_service_opts(const struct api_edit *e, struct cfg_service *s)
{
	if (e->has_sched)
		s->sched = e->sched;
	if (e->has_mode)
		s->mode = e->mode;
	if (e->mh_size != 0)
		s->mh_size = e->mh_size;
	if (e->has_laddrs) {
		memcpy(s->laddrs, e->laddrs, e->n_laddrs * sizeof(e->laddrs[0]));
		s->n_laddrs = e->n_laddrs;
	}
	/* Local addresses belong to fullnat only: leaving fullnat drops them. */
	if (s->mode != SVC_MODE_FULLNAT && !e->has_laddrs)
		s->n_laddrs = 0;
}

/*
 * Apply a checked request to c, a copy of the running config; what is left
 * to refuse here is what needs that config (names that exist or not).
 */
static int
edit_config(struct api_req *r, const struct api_edit *e, struct cfg *c)
{
	const char *ep = e->cmd->n_args >= 2 ? r->argv[2] : "";
	struct cfg_service *s = find_service(c, e->name);
	uint16_t port = e->port;
	int j;

	if (e->cmd->op == EDIT_ADD_SERVICE) {
		struct cfg_service *grown;

		if (s != NULL) {
			snprintf(r->msg, sizeof(r->msg), "service '%s' already exists", e->name);
			return -1;
		}
		grown = realloc(c->services, (c->n_services + 1) * sizeof(*grown));
		if (grown == NULL) {
			snprintf(r->msg, sizeof(r->msg), "out of memory");
			return -1;
		}
		c->services = grown;
		s = &c->services[c->n_services++];
		memset(s, 0, sizeof(*s));
		memcpy(s->name, e->name, sizeof(s->name));
		s->vip = e->ip;
		s->port = e->port;
		s->proto = e->proto;
		s->sched = e->sched;
		s->mode = e->mode;
		s->mh_size = e->mh_size;
		apply_service_opts(e, s);
		return 0;
	}
	if (s == NULL) {
		snprintf(r->msg, sizeof(r->msg), "no service named '%s'", e->name);
		return -1;
	}
	if (e->cmd->op == EDIT_EDIT_SERVICE) {
		apply_service_opts(e, s);
		return 0;
	}
	if (e->cmd->op == EDIT_DEL_SERVICE) {
		free(s->backends);
		c->n_backends_total -= s->n_backends;
		memmove(s, s + 1, (size_t)(&c->services[c->n_services] - (s + 1)) * sizeof(*s));
		c->n_services--;
		return 0;
	}
	if (port == 0 && e->cmd->op == EDIT_ADD_BACKEND)
		port = s->port;   /* as in a file: the service's port */
	j = port != 0 ? find_backend(s, e->ip, port) : find_backend_by_ip(s, e->ip);
	if (j == -2) {
		snprintf(r->msg, sizeof(r->msg), "service '%s' has several backends at %s: give IP:PORT",
			 s->name, ep);
		return -1;
	}
	if (e->cmd->op == EDIT_ADD_BACKEND) {
		struct cfg_backend *grown;

		if (j >= 0) {
			snprintf(r->msg, sizeof(r->msg), "service '%s' already has backend %s",
				 s->name, ep);
			return -1;
		}
		grown = realloc(s->backends, (s->n_backends + 1) * sizeof(*grown));
		if (grown == NULL) {
			snprintf(r->msg, sizeof(r->msg), "out of memory");
			return -1;
		}
		s->backends = grown;
		memset(&s->backends[s->n_backends], 0, sizeof(s->backends[0]));
		s->backends[s->n_backends].ip = e->ip;
		s->backends[s->n_backends].port = port;
		s->backends[s->n_backends].weight = e->weight;
		s->n_backends++;
		c->n_backends_total++;
		return 0;
	}
	if (j < 0) {
		snprintf(r->msg, sizeof(r->msg), "service '%s' has no backend %s", s->name, ep);
		return -1;
	}
	if (e->cmd->op == EDIT_DEL_BACKEND) {
		memmove(&s->backends[j], &s->backends[j + 1],
			(s->n_backends - (uint32_t)j - 1) * sizeof(s->backends[0]));
		s->n_backends--;
		c->n_backends_total--;
		return 0;
	}
	s->backends[j].weight = e->cmd->op == EDIT_DRAIN ? 0 : e->weight;
	return 0;
}

int
api_edit_request(struct cfg *c, int argc, char **argv, char *msg, size_t len)
{
	struct api_req r = { .argc = argc, .argv = argv };
	struct api_edit e;
	size_t i;
	int rc = -1;

	for (i = 0; i < RTE_DIM(edit_cmds) && strcmp(edit_cmds[i].name, argv[0]) != 0; i++)
		;
	if (i == RTE_DIM(edit_cmds) || edit_cmds[i].op == EDIT_RELOAD)
		snprintf(r.msg, sizeof(r.msg), "not a change: '%s'", argv[0]);
	else if (parse_edit(&r, &edit_cmds[i], &e) == 0)
		rc = edit_config(&r, &e, c);
	snprintf(msg, len, "%s", r.msg);
	return rc;
}

/* Runs on the control lcore: copy, edit, validate as a file, apply. */
static int
change_on_control(struct sl_app *app, void *arg)
{
	struct api_change *ch = arg;
	struct api_req *r = ch->r;
	struct cfg *copy = NULL, *checked = NULL;

	if (ch->e.cmd->op == EDIT_RELOAD)
		return control_reload(app, r->msg, sizeof(r->msg));
	if (control_validate(app->cfg, "<running>", &copy, r->msg, sizeof(r->msg)) != 0)
		return -1;
	if (edit_config(r, &ch->e, copy) != 0) {
		cfg_free(copy);
		return -1;
	}
	if (control_validate(copy, "<api>", &checked, r->msg, sizeof(r->msg)) != 0) {
		cfg_free(copy);
		return -1;
	}
	cfg_free(copy);
	return control_apply(app, checked, r->argv[0], r->msg, sizeof(r->msg));
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
		snprintf(r.msg, sizeof(r.msg), "no command (list, stats, conns, flush, config, reload,"
			 " add-service, edit-service, del-service, add-backend, del-backend, weight,"
			 " drain)");
		rc = -1;
	} else if (strcmp(args[0], "list") == 0) {
		rc = no_args(&r) != 0 ? -1 : cmd_list(&r);
	} else if (strcmp(args[0], "stats") == 0) {
		rc = no_args(&r) != 0 ? -1 : cmd_stats(&r);
	} else if (strcmp(args[0], "config") == 0) {
		rc = no_args(&r) != 0 ? -1 : cmd_config(&r);
	} else if (strcmp(args[0], "conns") == 0) {
		rc = cmd_conns(&r, 0);
	} else if (strcmp(args[0], "flush") == 0) {
		rc = cmd_conns(&r, 1);
	} else {
		struct api_change ch = { .r = &r };

		for (i = 0; i < (int)RTE_DIM(edit_cmds) && strcmp(edit_cmds[i].name, args[0]) != 0;
		     i++)
			;
		if (i == (int)RTE_DIM(edit_cmds)) {
			snprintf(r.msg, sizeof(r.msg), "unknown command '%s'", args[0]);
			rc = -1;
		} else if (parse_edit(&r, &edit_cmds[i], &ch.e) != 0) {
			rc = -1;
		} else {
			rc = control_call(change_on_control, &ch);
			if (rc == -ESHUTDOWN) {
				snprintf(r.msg, sizeof(r.msg), "sluice is shutting down");
				rc = -1;
			} else if (rc == 0) {
				if (r.json) {
					fputs("{\"result\":", out);
					json_str(out, r.msg);
					fputs("}\n", out);
				} else {
					fprintf(out, "%s\n", r.msg);
				}
			}
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
