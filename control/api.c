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

#include <rte_cycles.h>
#include <rte_ring.h>

#include "../dataplane/worker.h"
#include "api.h"
#include "control.h"
#include "snapshot.h"
#include "srv.h"
#include "stats.h"

#define API_MAX_ARGS 64
#define API_MAX_REQ 8192
#define API_MSG 4096
#define API_CONNS_DEFAULT 1000
#define API_CONNS_MAX 100000
#define API_MAIL_DEADLINE_MS 10000

static struct srv api_srv = { .fd = -1 };
/* An empty line ends the arguments ("\n" alone: no arguments at all). */
static const char *const request_ends[] = { "\n\n", NULL };
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

/* "IP" or "IP:PORT" (port 1..65535; def when absent). */
static int
parse_endpoint(const char *s, uint32_t *ip, uint16_t *port, uint16_t def)
{
	char buf[32];
	const char *colon = strchr(s, ':');
	unsigned long p = def;
	char *end;

	if (colon != NULL) {
		if ((size_t)(colon - s) >= sizeof(buf))
			return -1;
		memcpy(buf, s, (size_t)(colon - s));
		buf[colon - s] = '\0';
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || *end != '\0' || p == 0 || p > 65535)
			return -1;
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	if (cfg_parse_ipv4(buf, ip, NULL) != 0)
		return -1;
	*port = (uint16_t)p;   /* 0: none given and no default */
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0' || *v > max || s[0] == '-') ? -1 : 0;
}

/* Value of option `opt` (e.g. "-w") among argv[from..]; NULL if absent. */
static const char *
opt_value(const struct api_req *r, int from, const char *opt, int *bad)
{
	int i;

	for (i = from; i < r->argc; i++) {
		if (strcmp(r->argv[i], opt) == 0) {
			if (i + 1 >= r->argc) {
				*bad = 1;
				return NULL;
			}
			return r->argv[i + 1];
		}
	}
	return NULL;
}

/* Every option from argv[from] on must be one of `known` and take a value. */
static int
check_opts(struct api_req *r, int from, const char *known)
{
	int i;

	for (i = from; i < r->argc; i += 2) {
		char key[4];

		if (r->argv[i][0] != '-' || strlen(r->argv[i]) != 2) {
			snprintf(r->msg, sizeof(r->msg), "unexpected argument '%s'", r->argv[i]);
			return -1;
		}
		snprintf(key, sizeof(key), "%c", r->argv[i][1]);
		if (strchr(known, r->argv[i][1]) == NULL) {
			snprintf(r->msg, sizeof(r->msg), "unknown option '%s' for %s (known: %s)",
				 r->argv[i], r->argv[0], known);
			return -1;
		}
		if (i + 1 >= r->argc) {
			snprintf(r->msg, sizeof(r->msg), "option '%s' needs a value", r->argv[i]);
			return -1;
		}
	}
	return 0;
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
			const struct snap_backend *be = &sv->backends[j];
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
	control_unlock();
	if (text == NULL) {
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
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
	int bad = 0;
	const char *svc = opt_value(r, 1, "-S", &bad);
	const char *be = opt_value(r, 1, "-b", &bad);
	const char *cl = opt_value(r, 1, "-c", &bad);
	const char *mx = opt_value(r, 1, "-n", &bad);
	const struct snapshot *s;
	unsigned long v;
	uint32_t i, j;

	if (check_opts(r, 1, allow_max ? "Sbcn" : "Sbc") != 0)
		return -1;
	flt->svc_id = UINT32_MAX;
	flt->backend_id = UINT32_MAX;
	flt->client_ip = 0;
	flt->max = API_CONNS_DEFAULT;
	if (cl != NULL && cfg_parse_ipv4(cl, &flt->client_ip, NULL) != 0) {
		snprintf(r->msg, sizeof(r->msg), "-c %s: not an IPv4 address", cl);
		return -1;
	}
	if (mx != NULL) {
		if (parse_uint(mx, API_CONNS_MAX, &v) != 0 || v == 0) {
			snprintf(r->msg, sizeof(r->msg), "-n %s: 1..%u", mx, API_CONNS_MAX);
			return -1;
		}
		flt->max = (uint32_t)v;
	}
	if (be != NULL && svc == NULL) {
		snprintf(r->msg, sizeof(r->msg), "-b needs -S SERVICE");
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

		if (parse_endpoint(be, &ip, &port, 0) != 0) {
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
 * Send one message per worker and wait (bounded) until all are done.
 * On timeout the messages stay allocated (a worker may still write them).
 */
static int
mail_workers(struct api_req *r, struct wk_mail *mails, uint32_t n)
{
	uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * API_MAIL_DEADLINE_MS;
	uint32_t w, pending;

	for (w = 0; w < n; w++) {
		if (rte_ring_sp_enqueue(api_app->workers[w]->mailbox, &mails[w]) != 0) {
			snprintf(r->msg, sizeof(r->msg), "worker %u mailbox full", w);
			return -1;
		}
	}
	do {
		struct timespec ts = { .tv_nsec = 1000000 };

		pending = 0;
		for (w = 0; w < n; w++)
			pending += !__atomic_load_n(&mails[w].done, __ATOMIC_ACQUIRE);
		if (pending == 0)
			return 0;
		nanosleep(&ts, NULL);
	} while (rte_get_tsc_cycles() < deadline);
	snprintf(r->msg, sizeof(r->msg), "%u worker(s) did not answer within %u ms", pending,
		 API_MAIL_DEADLINE_MS);
	return -2;
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
	struct wk_mail *mails;
	uint64_t total = 0;
	uint32_t now;
	int rc;

	if (parse_filter(r, &flt, !flush) != 0)
		return -1;
	mails = calloc(n, sizeof(*mails));
	if (mails == NULL) {
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
	for (w = 0; w < n; w++) {
		mails[w].op = flush ? WK_MAIL_FLUSH : WK_MAIL_DUMP;
		mails[w].svc_id = flt.svc_id;
		mails[w].backend_id = flt.backend_id;
		mails[w].client_ip = flt.client_ip;
		mails[w].max = flt.max;
		if (!flush) {
			mails[w].out = calloc(flt.max, sizeof(struct ct_info));
			if (mails[w].out == NULL) {
				snprintf(r->msg, sizeof(r->msg), "out of memory");
				rc = -1;
				goto out;
			}
		}
	}
	rc = mail_workers(r, mails, n);
	if (rc == -2)
		return -1; /* deliberately leaked: a worker may still write */
	if (rc != 0)
		goto out;
	if (flush) {
		for (w = 0; w < n; w++)
			total += mails[w].n;
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
		for (i = 0; i < mails[w].n && shown < flt.max; i++, shown++)
			print_conn(r, &mails[w].out[i], w, now, shown == 0);
	if (r->json)
		fprintf(r->out, "],\"shown\":%u}\n", shown);
out:
	for (w = 0; w < n; w++)
		free(mails[w].out);
	free(mails);
	return rc == 0 ? 0 : -1;
}

/* ---- changes: on the control lcore ----------------------------------------- */

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

/* -s, -f, -l, -m, -p on a service being added or edited. */
static int
apply_service_opts(struct api_req *r, int from, struct cfg_service *s, int adding)
{
	int bad = 0;
	const char *sched = opt_value(r, from, "-s", &bad);
	const char *mode = opt_value(r, from, "-f", &bad);
	const char *laddrs = opt_value(r, from, "-l", &bad);
	const char *mh = opt_value(r, from, "-m", &bad);
	const char *proto = opt_value(r, from, "-p", &bad);
	unsigned long v;

	if (check_opts(r, from, adding ? "sflmp" : "sflm") != 0)
		return -1;
	if (sched != NULL) {
		int a = sched_algo_from_name(sched);

		if (a < 0) {
			snprintf(r->msg, sizeof(r->msg), "unknown scheduler '%s'", sched);
			return -1;
		}
		s->sched = (uint8_t)a;
	}
	if (mode != NULL) {
		if (strcmp(mode, "nat") == 0)
			s->mode = SVC_MODE_NAT;
		else if (strcmp(mode, "fullnat") == 0)
			s->mode = SVC_MODE_FULLNAT;
		else if (strcmp(mode, "dr") == 0)
			s->mode = SVC_MODE_DR;
		else {
			snprintf(r->msg, sizeof(r->msg), "unknown forwarding mode '%s' (nat, fullnat, dr)",
				 mode);
			return -1;
		}
	}
	if (proto != NULL) {
		if (strcmp(proto, "tcp") == 0)
			s->proto = IPPROTO_TCP;
		else if (strcmp(proto, "udp") == 0)
			s->proto = IPPROTO_UDP;
		else {
			snprintf(r->msg, sizeof(r->msg), "unknown protocol '%s' (tcp, udp)", proto);
			return -1;
		}
	}
	if (mh != NULL) {
		if (parse_uint(mh, UINT32_MAX, &v) != 0) {
			snprintf(r->msg, sizeof(r->msg), "-m %s: not a number", mh);
			return -1;
		}
		s->mh_size = (uint32_t)v;
	}
	if (laddrs != NULL) {
		char buf[CFG_MAX_LADDRS * 16 + 1], *tok, *save = NULL;

		snprintf(buf, sizeof(buf), "%s", laddrs);
		s->n_laddrs = 0;
		for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			if (s->n_laddrs == CFG_MAX_LADDRS ||
			    cfg_parse_ipv4(tok, &s->laddrs[s->n_laddrs], NULL) != 0) {
				snprintf(r->msg, sizeof(r->msg), "-l: '%s' is not an IPv4 address", tok);
				return -1;
			}
			s->n_laddrs++;
		}
	}
	/* Local addresses belong to fullnat only: leaving fullnat drops them. */
	if (s->mode != SVC_MODE_FULLNAT && laddrs == NULL)
		s->n_laddrs = 0;
	return 0;
}

static int
edit_config(struct api_req *r, struct cfg *c)
{
	const char *cmd = r->argv[0];
	struct cfg_service *s;
	unsigned long v;
	uint32_t ip;
	uint16_t port;
	int j;

	if (strcmp(cmd, "add-service") == 0) {
		struct cfg_service *grown;

		if (r->argc < 3 || r->argv[2][0] == '-') {
			snprintf(r->msg, sizeof(r->msg), "usage: add-service NAME VIP:PORT [options]");
			return -1;
		}
		if (parse_endpoint(r->argv[2], &ip, &port, 0) != 0 || port == 0) {
			snprintf(r->msg, sizeof(r->msg), "'%s' is not VIP:PORT", r->argv[2]);
			return -1;
		}
		if (strlen(r->argv[1]) >= CFG_NAME_LEN) {
			snprintf(r->msg, sizeof(r->msg), "service name longer than %d characters",
				 CFG_NAME_LEN - 1);
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
		snprintf(s->name, sizeof(s->name), "%s", r->argv[1]);
		s->vip = ip;
		s->port = port;
		s->proto = IPPROTO_TCP;
		s->sched = SCHED_ALGO_WLC;
		s->mode = SVC_MODE_NAT;
		s->mh_size = SCHED_MH_DEFAULT_SIZE;
		return apply_service_opts(r, 3, s, 1);
	}
	if (r->argc < 2) {
		snprintf(r->msg, sizeof(r->msg), "usage: %s SERVICE ...", cmd);
		return -1;
	}
	s = find_service(c, r->argv[1]);
	if (s == NULL) {
		snprintf(r->msg, sizeof(r->msg), "no service named '%s'", r->argv[1]);
		return -1;
	}
	if (strcmp(cmd, "edit-service") == 0)
		return apply_service_opts(r, 2, s, 0);
	if (strcmp(cmd, "del-service") == 0) {
		if (r->argc != 2) {
			snprintf(r->msg, sizeof(r->msg), "usage: del-service NAME");
			return -1;
		}
		free(s->backends);
		c->n_backends_total -= s->n_backends;
		memmove(s, s + 1, (size_t)(&c->services[c->n_services] - (s + 1)) * sizeof(*s));
		c->n_services--;
		return 0;
	}
	if (r->argc < 3 || parse_endpoint(r->argv[2], &ip, &port, 0) != 0) {
		snprintf(r->msg, sizeof(r->msg), "usage: %s SERVICE IP[:PORT] ...", cmd);
		return -1;
	}
	if (port == 0 && strcmp(cmd, "add-backend") == 0)
		port = s->port;   /* as in a file: the service's port */
	j = port != 0 ? find_backend(s, ip, port) : find_backend_by_ip(s, ip);
	if (j == -2) {
		snprintf(r->msg, sizeof(r->msg), "service '%s' has several backends at %s: give IP:PORT",
			 s->name, r->argv[2]);
		return -1;
	}
	if (strcmp(cmd, "add-backend") == 0) {
		int bad = 0;
		const char *wv = opt_value(r, 3, "-w", &bad);
		struct cfg_backend *grown;

		if (check_opts(r, 3, "w") != 0)
			return -1;
		if (j >= 0) {
			snprintf(r->msg, sizeof(r->msg), "service '%s' already has backend %s",
				 s->name, r->argv[2]);
			return -1;
		}
		v = 1;
		if (wv != NULL && parse_uint(wv, SCHED_MAX_WEIGHT, &v) != 0) {
			snprintf(r->msg, sizeof(r->msg), "weight '%s': 0..%u", wv, SCHED_MAX_WEIGHT);
			return -1;
		}
		grown = realloc(s->backends, (s->n_backends + 1) * sizeof(*grown));
		if (grown == NULL) {
			snprintf(r->msg, sizeof(r->msg), "out of memory");
			return -1;
		}
		s->backends = grown;
		memset(&s->backends[s->n_backends], 0, sizeof(s->backends[0]));
		s->backends[s->n_backends].ip = ip;
		s->backends[s->n_backends].port = port;
		s->backends[s->n_backends].weight = (uint16_t)v;
		s->n_backends++;
		c->n_backends_total++;
		return 0;
	}
	if (j < 0) {
		snprintf(r->msg, sizeof(r->msg), "service '%s' has no backend %s", s->name,
			 r->argv[2]);
		return -1;
	}
	if (strcmp(cmd, "del-backend") == 0 && r->argc == 3) {
		memmove(&s->backends[j], &s->backends[j + 1],
			(s->n_backends - (uint32_t)j - 1) * sizeof(s->backends[0]));
		s->n_backends--;
		c->n_backends_total--;
		return 0;
	}
	if (strcmp(cmd, "drain") == 0 && r->argc == 3) {
		s->backends[j].weight = 0;
		return 0;
	}
	if (strcmp(cmd, "weight") == 0 && r->argc == 4) {
		if (parse_uint(r->argv[3], SCHED_MAX_WEIGHT, &v) != 0) {
			snprintf(r->msg, sizeof(r->msg), "weight '%s': 0..%u", r->argv[3],
				 SCHED_MAX_WEIGHT);
			return -1;
		}
		s->backends[j].weight = (uint16_t)v;
		return 0;
	}
	snprintf(r->msg, sizeof(r->msg), "usage: %s SERVICE IP[:PORT]%s", cmd,
		 strcmp(cmd, "weight") == 0 ? " WEIGHT" : "");
	return -1;
}

int
api_edit(struct cfg *c, int argc, char **argv, char *msg, size_t len)
{
	struct api_req r = { .argc = argc, .argv = argv };
	int rc = edit_config(&r, c);

	snprintf(msg, len, "%s", r.msg);
	return rc;
}

/* Runs on the control lcore: copy, edit, validate as a file, apply. */
static int
change_on_control(struct sl_app *app, void *arg)
{
	struct api_req *r = arg;
	struct cfg *copy = NULL, *checked = NULL;

	if (strcmp(r->argv[0], "reload") == 0)
		return control_reload(app, r->msg, sizeof(r->msg));
	if (control_validate(app->cfg, "<running>", &copy, r->msg, sizeof(r->msg)) != 0)
		return -1;
	if (edit_config(r, copy) != 0) {
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

static const char *const change_cmds[] = {
	"reload", "add-service", "edit-service", "del-service", "add-backend",
	"del-backend", "weight", "drain", NULL
};

int
api_execute(struct sl_app *app, int argc, char **argv, FILE *out)
{
	struct api_req r = { .out = out };
	char *args[API_MAX_ARGS];
	int i, n = 0, rc;

	api_app = app;
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
	} else if (strcmp(args[0], "list") == 0 && n == 1) {
		rc = cmd_list(&r);
	} else if (strcmp(args[0], "stats") == 0 && n == 1) {
		rc = cmd_stats(&r);
	} else if (strcmp(args[0], "config") == 0 && n == 1) {
		rc = cmd_config(&r);
	} else if (strcmp(args[0], "conns") == 0) {
		rc = cmd_conns(&r, 0);
	} else if (strcmp(args[0], "flush") == 0) {
		rc = cmd_conns(&r, 1);
	} else {
		for (i = 0; change_cmds[i] != NULL && strcmp(change_cmds[i], args[0]) != 0; i++)
			;
		if (change_cmds[i] == NULL) {
			snprintf(r.msg, sizeof(r.msg), "unknown command '%s' (or wrong arguments)",
				 args[0]);
			rc = -1;
		} else {
			rc = control_call(change_on_control, &r);
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

int
api_split_request(char *req, char **args, int max_args)
{
	char *p, *nl = NULL;
	int argc = 0;

	for (p = req; (nl = strchr(p, '\n')) != NULL && nl != p && argc < max_args; p = nl + 1) {
		*nl = '\0';
		args[argc++] = p;
	}
	if (nl == NULL)
		return -EINVAL;
	return argc == max_args ? -E2BIG : argc;
}

/* Arguments, one per line, ended by an empty line. */
static void
serve(int fd, char *req, size_t len)
{
	char *args[API_MAX_ARGS], *body = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&body, &blen);
	int argc, rc;

	(void)len;
	if (out == NULL)
		return;
	argc = api_split_request(req, args, API_MAX_ARGS);
	if (argc == -EINVAL) {
		fputs("request too long or not terminated by an empty line\n", out);
		rc = -1;
	} else if (argc == -E2BIG) {
		fprintf(out, "more than %d arguments\n", API_MAX_ARGS - 1);
		rc = -1;
	} else {
		rc = api_execute(api_app, argc, args, out);
	}
	fclose(out);
	if (srv_send_all(fd, rc == 0 ? "ok\n" : "error\n", rc == 0 ? 3 : 6) == 0 && body != NULL)
		srv_send_all(fd, body, blen);
	free(body);
}

int
api_start(struct sl_app *app)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct cfg *c = app->cfg;
	char dir[sizeof(api_path)];
	int api_fd, rc;

	if (c->api_socket[0] == '\0')
		return 0;
	api_app = app;
	snprintf(api_path, sizeof(api_path), "%s", c->api_socket);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", api_path);
	snprintf(dir, sizeof(dir), "%s", api_path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST)
		return -errno;
	/* A socket file left by a crashed run: only if nobody answers on it. */
	api_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (api_fd < 0)
		return -errno;
	if (connect(api_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(api_fd);
		api_fd = -1;
		return -EADDRINUSE;
	}
	unlink(api_path);
	if (bind(api_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(api_path, (mode_t)c->api_mode) != 0 || listen(api_fd, 8) != 0) {
		rc = -errno;
		close(api_fd);
		api_fd = -1;
		return rc;
	}
	rc = srv_start(&api_srv, api_fd, serve, request_ends, API_MAX_REQ, 5, "sluice-api");
	if (rc != 0)
		unlink(api_path);
	return rc;
}

void
api_stop(void)
{
	if (api_srv.fd < 0)
		return;
	srv_stop(&api_srv);
	unlink(api_path);
}
