/*
 * The runtime API's changes: add-service ... drain, and reload (see
 * api_cmds.h for the commands).
 *
 * A change is parsed whole (parse_edit) with config.c's own validators
 * before the running config is even copied, because the copy is edited as a
 * struct and then written out as text to pass the file's cross-checks: a
 * field that reached that text unchecked could say anything. Unknown,
 * repeated or misplaced options and numbers that are not plain decimal
 * digits are refused, by name. The edit itself (edit_config) then runs on
 * the control lcore, on a copy, and what is left to refuse there is what
 * needs the running config: names that exist or not.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_impl.h"
#include "control.h"

/*
 * A change request after parse_edit: every field already passed the
 * validators a file's value passes, so what edit_config writes into the
 * copy of the config is something a file could have said.
 */
struct api_edit {
	enum api_cmd_id id;
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

/* ---- parsing: on the API thread, before any config is touched ------------ */

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
parse_edit(struct api_req *r, struct api_edit *e)
{
	const struct api_cmd *cmd = r->cmd;
	const char *val[128] = { NULL };
	const char *why;
	uint32_t v;
	int i;

	memset(e, 0, sizeof(*e));
	e->id = api_cmd_id(cmd);
	for (i = 1; i <= cmd->n_args; i++) {
		if (i < r->argc && !api_is_option(r->argv[i]))
			continue;
		/* An option where an argument belongs: name it if unknown. */
		if (i < r->argc && api_parse_opts(r, i, cmd->opts, val) != 0)
			return -1;
		snprintf(r->msg, sizeof(r->msg), "usage: %s", cmd->usage);
		return -1;
	}
	if (api_parse_opts(r, cmd->n_args + 1, cmd->opts, val) != 0)
		return -1;
	if (e->id == API_CMD_RELOAD)
		return 0;
	why = cfg_name_error(r->argv[1]);
	if (why != NULL) {
		snprintf(r->msg, sizeof(r->msg), "service name \"%s\"%s", r->argv[1], why);
		return -1;
	}
	snprintf(e->name, sizeof(e->name), "%s", r->argv[1]);
	switch (e->id) {
	case API_CMD_ADD_SERVICE:
		if (api_parse_endpoint(r->argv[2], &e->ip, &e->port) != 0 || e->port == 0) {
			snprintf(r->msg, sizeof(r->msg), "'%s' is not VIP:PORT", r->argv[2]);
			return -1;
		}
		e->proto = IPPROTO_TCP;
		e->sched = SCHED_ALGO_WLC;
		e->mode = SVC_MODE_NAT;
		e->mh_size = SCHED_MH_DEFAULT_SIZE;
		break;
	case API_CMD_ADD_BACKEND:
	case API_CMD_DEL_BACKEND:
	case API_CMD_WEIGHT:
	case API_CMD_DRAIN:
		if (api_parse_endpoint(r->argv[2], &e->ip, &e->port) != 0) {
			snprintf(r->msg, sizeof(r->msg), "'%s' is not IP[:PORT]", r->argv[2]);
			return -1;
		}
		break;
	default:
		break;
	}
	if ((e->id == API_CMD_ADD_SERVICE || e->id == API_CMD_ADD_BACKEND) &&
	    !cfg_is_unicast(e->ip)) {
		snprintf(r->msg, sizeof(r->msg), "%s is not a unicast host address", r->argv[2]);
		return -1;
	}
	if (e->id == API_CMD_ADD_SERVICE || e->id == API_CMD_EDIT_SERVICE)
		return parse_service_opts(r, val, e);
	if (e->id == API_CMD_ADD_BACKEND || e->id == API_CMD_WEIGHT) {
		const char *w = e->id == API_CMD_WEIGHT ? r->argv[3] : val['w'];

		v = 1;
		if (w != NULL && cfg_parse_uint(w, SCHED_MAX_WEIGHT, &v) != 0) {
			snprintf(r->msg, sizeof(r->msg), "weight '%s': 0..%u", w, SCHED_MAX_WEIGHT);
			return -1;
		}
		e->weight = (uint16_t)v;
	}
	return 0;
}

/* ---- the edit: on a copy of the running config ----------------------------- */

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

/* add-service: parse_edit's defaults, then its options. */
static int
add_service(struct api_req *r, const struct api_edit *e, struct cfg *c)
{
	struct cfg_service *s, *grown;

	if (find_service(c, e->name) != NULL) {
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

static void
del_service(struct cfg *c, struct cfg_service *s)
{
	free(s->backends);
	c->n_backends_total -= s->n_backends;
	memmove(s, s + 1, (size_t)(&c->services[c->n_services] - (s + 1)) * sizeof(*s));
	c->n_services--;
}

static int
add_backend(struct api_req *r, const struct api_edit *e, struct cfg *c, struct cfg_service *s)
{
	/* As in a file: without a port, the service's. */
	uint16_t port = e->port != 0 ? e->port : s->port;
	struct cfg_backend *grown, *b;

	if (find_backend(s, e->ip, port) >= 0) {
		snprintf(r->msg, sizeof(r->msg), "service '%s' already has backend %s", s->name,
			 r->argv[2]);
		return -1;
	}
	grown = realloc(s->backends, (s->n_backends + 1) * sizeof(*grown));
	if (grown == NULL) {
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
	s->backends = grown;
	b = &s->backends[s->n_backends++];
	memset(b, 0, sizeof(*b));
	b->ip = e->ip;
	b->port = port;
	b->weight = e->weight;
	c->n_backends_total++;
	return 0;
}

/*
 * The backend of s the request names: by IP:PORT, or by IP alone when it
 * is the only one there. Its index, or -1 with why in r->msg.
 */
static int
named_backend(struct api_req *r, const struct api_edit *e, const struct cfg_service *s)
{
	int j = e->port != 0 ? find_backend(s, e->ip, e->port) : find_backend_by_ip(s, e->ip);

	if (j == -2)
		snprintf(r->msg, sizeof(r->msg), "service '%s' has several backends at %s: give IP:PORT",
			 s->name, r->argv[2]);
	else if (j < 0)
		snprintf(r->msg, sizeof(r->msg), "service '%s' has no backend %s", s->name,
			 r->argv[2]);
	return j < 0 ? -1 : j;
}

static void
del_backend(struct cfg *c, struct cfg_service *s, uint32_t j)
{
	memmove(&s->backends[j], &s->backends[j + 1],
		(s->n_backends - j - 1) * sizeof(s->backends[0]));
	s->n_backends--;
	c->n_backends_total--;
}

/*
 * Apply a checked request (not reload) to c, a copy of the running config;
 * what is left to refuse here is what needs that config (names that exist
 * or not).
 */
static int
edit_config(struct api_req *r, const struct api_edit *e, struct cfg *c)
{
	struct cfg_service *s;
	int j;

	if (e->id == API_CMD_ADD_SERVICE)
		return add_service(r, e, c);
	s = find_service(c, e->name);
	if (s == NULL) {
		snprintf(r->msg, sizeof(r->msg), "no service named '%s'", e->name);
		return -1;
	}
	switch (e->id) {
	case API_CMD_EDIT_SERVICE:
		apply_service_opts(e, s);
		return 0;
	case API_CMD_DEL_SERVICE:
		del_service(c, s);
		return 0;
	case API_CMD_ADD_BACKEND:
		return add_backend(r, e, c, s);
	default:
		break;
	}
	j = named_backend(r, e, s);
	if (j < 0)
		return -1;
	if (e->id == API_CMD_DEL_BACKEND)
		del_backend(c, s, (uint32_t)j);
	else
		s->backends[j].weight = e->id == API_CMD_DRAIN ? 0 : e->weight;
	return 0;
}

int
api_edit_request(struct cfg *c, int argc, char **argv, char *msg, size_t len)
{
	struct api_req r = { .argc = argc, .argv = argv };
	struct api_edit e;
	int rc = -1;

	r.cmd = api_cmd_find(argv[0]);
	if (r.cmd == NULL || !r.cmd->edit || api_cmd_id(r.cmd) == API_CMD_RELOAD)
		snprintf(r.msg, sizeof(r.msg), "not a change: '%s'", argv[0]);
	else if (parse_edit(&r, &e) == 0)
		rc = edit_config(&r, &e, c);
	snprintf(msg, len, "%s", r.msg);
	return rc;
}

/* ---- on the control lcore ---------------------------------------------------- */

/* Runs on the control lcore: copy, edit, validate as a file, apply. */
static int
change_on_control(struct sl_app *app, void *arg)
{
	struct api_change *ch = arg;
	struct api_req *r = ch->r;
	struct cfg *copy = NULL, *checked = NULL;

	if (ch->e.id == API_CMD_RELOAD)
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
api_change(struct api_req *r)
{
	struct api_change ch = { .r = r };
	int rc;

	if (parse_edit(r, &ch.e) != 0)
		return -1;
	rc = control_call(change_on_control, &ch);
	if (rc == -ESHUTDOWN) {
		snprintf(r->msg, sizeof(r->msg), "sluice is shutting down");
		rc = -1;
	}
	return rc;
}
