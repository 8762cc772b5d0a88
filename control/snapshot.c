/*
 * Snapshot construction: config -> immutable lookup structures.
 *
 * Ids index per-worker arrays (backend ids: connection counters; service
 * ids: round-robin cursors), so they are stable across rebuilds: a service
 * keeps its id while its (VIP, port, protocol) exists, a backend while its
 * service and address:port exist. A new backend takes the lowest id that is
 * neither in use nor still counted by a connection to a removed backend.
 * FULLNAT local address indices (worker port pools) are append-only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "snapshot.h"

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static const struct snap_service *
prev_service(const struct snapshot *prev, const struct cfg_service *cs)
{
	if (prev == NULL)
		return NULL;
	return snap_find_service(prev, cs->vip, rte_cpu_to_be_16(cs->port), cs->proto);
}

static const struct sched_backend *
prev_backend(const struct snap_service *ps, uint32_t ip, uint16_t port_be)
{
	uint32_t j;

	if (ps == NULL)
		return NULL;
	for (j = 0; j < ps->n_backends; j++)
		if (ps->backends[j].ip == ip && ps->backends[j].port == port_be)
			return &ps->backends[j];
	return NULL;
}

/* Lowest id below max that is not taken (and not busy, if given). */
static int
take_id(uint8_t *taken, const uint8_t *busy, uint32_t max, uint32_t *cursor)
{
	uint32_t id;

	for (id = *cursor; id < max; id++) {
		if (!taken[id] && (busy == NULL || !busy[id])) {
			taken[id] = 1;
			*cursor = id + 1;
			return (int)id;
		}
	}
	return -1;
}

/* Service and backend ids: kept ones first, then new ones. */
static int
assign_ids(struct snapshot *s, const struct cfg *c, const struct snapshot *prev,
	   const uint8_t *busy, char *err, size_t errlen)
{
	uint8_t *svc_taken = calloc(SL_MAX_SERVICES, 1);
	uint8_t *be_taken = calloc(SL_MAX_BACKENDS, 1);
	uint32_t i, j, svc_cursor = 0, be_cursor = 0;
	int rc = -1, id;

	if (svc_taken == NULL || be_taken == NULL) {
		snprintf(err, errlen, "out of memory for ids");
		goto out;
	}
	for (i = 0; i < c->n_services; i++) {
		const struct snap_service *ps = prev_service(prev, &c->services[i]);
		struct snap_service *ss = &s->services[i];

		ss->id = UINT16_MAX;
		if (ps != NULL && !svc_taken[ps->id]) {
			ss->id = ps->id;
			svc_taken[ps->id] = 1;
		}
		for (j = 0; j < ss->n_backends; j++) {
			const struct sched_backend *pb =
				prev_backend(ps, ss->backends[j].ip, ss->backends[j].port);

			ss->backends[j].id = UINT32_MAX;
			if (pb != NULL && !be_taken[pb->id]) {
				ss->backends[j].id = pb->id;
				be_taken[pb->id] = 1;
			}
		}
	}
	for (i = 0; i < c->n_services; i++) {
		struct snap_service *ss = &s->services[i];

		ss->held = 1;
		if (ss->id == UINT16_MAX) {
			id = take_id(svc_taken, NULL, SL_MAX_SERVICES, &svc_cursor);
			if (id < 0) {
				snprintf(err, errlen, "no free service id");
				goto out;
			}
			ss->id = (uint16_t)id;
		}
		for (j = 0; j < ss->n_backends; j++) {
			if (ss->backends[j].id != UINT32_MAX)
				continue;
			id = take_id(be_taken, busy, SL_MAX_BACKENDS, &be_cursor);
			if (id < 0) {
				snprintf(err, errlen,
					 "no free backend id: connections to removed backends still"
					 " hold theirs; retry once they have closed or expired");
				goto out;
			}
			ss->backends[j].id = (uint32_t)id;
		}
	}
	s->n_ids = 0;
	for (i = 0; i < c->n_services; i++)
		for (j = 0; j < s->services[i].n_backends; j++)
			if (s->services[i].backends[j].id + 1 > s->n_ids)
				s->n_ids = s->services[i].backends[j].id + 1;
	rc = 0;
out:
	free(svc_taken);
	free(be_taken);
	return rc;
}

static int
laddr_index(struct snapshot *s, uint32_t ip, char *err, size_t errlen)
{
	uint32_t k;

	for (k = 0; k < s->n_laddrs; k++)
		if (s->laddrs[k] == ip)
			return (int)k;
	if (s->n_laddrs == SL_MAX_LADDRS) {
		snprintf(err, errlen, "more than %u distinct local addresses since start-up",
			 SL_MAX_LADDRS);
		return -1;
	}
	s->laddrs[s->n_laddrs] = ip;
	return (int)s->n_laddrs++;
}

static int
build_services(struct snapshot *s, const struct cfg *c, const struct snapshot *prev,
	       const uint8_t *busy, snap_up_fn up, void *up_arg, char *err,
	       size_t errlen)
{
	uint32_t i, j;

	s->services = calloc(c->n_services ? c->n_services : 1, sizeof(*s->services));
	s->svc_mask = pow2_at_least(c->n_services * 2 + 2) - 1;
	s->svc_index = malloc(sizeof(int32_t) * (s->svc_mask + 1));
	if (s->services == NULL || s->svc_index == NULL) {
		snprintf(err, errlen, "out of memory for %u services", c->n_services);
		return -1;
	}
	memset(s->svc_index, 0xff, sizeof(int32_t) * (s->svc_mask + 1));
	if (prev != NULL) {
		memcpy(s->laddrs, prev->laddrs, sizeof(s->laddrs));
		s->n_laddrs = prev->n_laddrs;
	}

	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *cs = &c->services[i];
		struct snap_service *ss = &s->services[i];

		ss->vip = cs->vip;
		ss->port = rte_cpu_to_be_16(cs->port);
		ss->proto = cs->proto;
		ss->mode = cs->mode;
		ss->sched_algo = cs->sched;
		snprintf(ss->name, sizeof(ss->name), "%s", cs->name);
		ss->n_backends = cs->n_backends;
		s->n_services = i + 1; /* so snap_free() undoes a partial build */
		ss->backends = calloc(cs->n_backends ? cs->n_backends : 1,
				      sizeof(*ss->backends));
		if (ss->backends == NULL) {
			snprintf(err, errlen, "out of memory for service %s", cs->name);
			return -1;
		}
		for (j = 0; j < cs->n_backends; j++) {
			struct sched_backend *b = &ss->backends[j];

			b->ip = cs->backends[j].ip;
			b->port = rte_cpu_to_be_16(cs->backends[j].port);
			b->weight = cs->backends[j].weight;
			b->up = 1;
		}
		for (j = 0; j < cs->n_laddrs; j++) {
			int k = laddr_index(s, cs->laddrs[j], err, errlen);

			if (k < 0)
				return -1;
			ss->laddr_idx[j] = (uint16_t)k;
		}
		ss->n_laddrs = (uint16_t)cs->n_laddrs;
		s->n_backends += cs->n_backends;
	}
	if (assign_ids(s, c, prev, busy, err, errlen) != 0)
		return -1;

	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *cs = &c->services[i];
		struct snap_service *ss = &s->services[i];
		struct sched_params params = { .mh_size = cs->mh_size };
		uint32_t slot;

		for (j = 0; j < ss->n_backends; j++) {
			struct sched_backend *b = &ss->backends[j];

			if (up != NULL)
				b->up = up(up_arg, ss->id, b->id) != 0;
			if (!b->up && cs->down_policy == CFG_DOWN_RESET) {
				s->reset_ids[b->id >> 6] |= 1ull << (b->id & 63);
				s->any_reset = 1;
			}
		}
		ss->sched = sched_build((enum sched_algo)cs->sched, ss->backends, ss->n_backends,
					&params);
		if (ss->sched == NULL) {
			snprintf(err, errlen, "service %s: scheduler %s: %s", cs->name,
				 sched_algo_name((enum sched_algo)cs->sched), strerror(errno));
			return -1;
		}
		if (cs->sched == SCHED_ALGO_WLC || cs->sched == SCHED_ALGO_LC)
			s->needs_load = 1;

		slot = snap_svc_hash(ss->vip, ss->port, ss->proto) & s->svc_mask;
		while (s->svc_index[slot] >= 0)
			slot = (slot + 1) & s->svc_mask;
		s->svc_index[slot] = (int32_t)i;
	}
	return 0;
}

static int
port_of_subnet(const struct cfg *c, uint32_t ip)
{
	uint32_t p, a;

	for (p = 0; p < c->n_ports; p++) {
		for (a = 0; a < c->ports[p].n_addrs; a++) {
			const struct cfg_addr *ad = &c->ports[p].addrs[a];
			uint32_t mask = ad->prefix ?
				rte_cpu_to_be_32(~0u << (32 - ad->prefix)) : 0;

			if ((ip & mask) == (ad->ip & mask))
				return (int)p;
		}
	}
	return -1;
}

static void
add_local(struct snapshot *s, const struct cfg *c, uint32_t ip, uint8_t kind,
	  uint16_t laddr_idx)
{
	uint32_t i = snap_svc_hash(ip, 0, 0) & s->local_mask;
	int port;

	while (s->locals[i].ip != 0 && s->locals[i].ip != ip)
		i = (i + 1) & s->local_mask;
	if (s->locals[i].ip == 0) {
		port = port_of_subnet(c, ip);
		s->locals[i].ip = ip;
		s->locals[i].arp_port = port < 0 ? UINT8_MAX : (uint8_t)port;
	}
	s->locals[i].kinds |= kind;
	if (kind == SNAP_LOCAL_LADDR)
		s->locals[i].laddr_idx = laddr_idx;
}

static void
peer_put(struct snapshot *s, uint32_t ip)
{
	uint32_t i = snap_svc_hash(ip, 0, 0) & s->peer_mask;

	while (s->peers[i] != 0 && s->peers[i] != ip)
		i = (i + 1) & s->peer_mask;
	s->peers[i] = ip;
}

static int
build_peers(struct snapshot *s, const struct cfg *c, char *err, size_t errlen)
{
	uint32_t i, j;

	s->peer_mask = pow2_at_least((s->n_backends + c->sync.n_peers) * 2 + 2) - 1;
	s->peers = calloc(s->peer_mask + 1, sizeof(*s->peers));
	if (s->peers == NULL) {
		snprintf(err, errlen, "out of memory for peer addresses");
		return -1;
	}
	for (i = 0; i < s->n_services; i++)
		for (j = 0; j < s->services[i].n_backends; j++)
			peer_put(s, s->services[i].backends[j].ip);
	for (i = 0; i < c->sync.n_peers; i++)
		peer_put(s, c->sync.peers[i]);
	return 0;
}

static int
build_locals(struct snapshot *s, const struct cfg *c, char *err, size_t errlen)
{
	uint32_t n = s->n_services + s->n_laddrs, p, a, i;

	for (p = 0; p < c->n_ports; p++)
		n += c->ports[p].n_addrs;
	s->local_mask = pow2_at_least(n * 2 + 2) - 1;
	s->locals = calloc(s->local_mask + 1, sizeof(*s->locals));
	if (s->locals == NULL) {
		snprintf(err, errlen, "out of memory for local addresses");
		return -1;
	}
	for (p = 0; p < c->n_ports; p++)
		for (a = 0; a < c->ports[p].n_addrs; a++)
			add_local(s, c, c->ports[p].addrs[a].ip, SNAP_LOCAL_ADDR, 0);
	for (i = 0; i < s->n_services; i++)
		add_local(s, c, s->services[i].vip, SNAP_LOCAL_VIP, 0);
	/* Only addresses in use: indices of removed ones stay reserved for
	 * their port pools but are no longer answered for. */
	for (i = 0; i < s->n_services; i++) {
		const struct snap_service *ss = &s->services[i];
		uint32_t j;

		for (j = 0; j < ss->n_laddrs; j++)
			add_local(s, c, s->laddrs[ss->laddr_idx[j]], SNAP_LOCAL_LADDR,
				  ss->laddr_idx[j]);
	}
	return 0;
}

static int
route_cmp(const void *a, const void *b)
{
	uint32_t ma = rte_be_to_cpu_32(((const struct snap_route *)a)->mask);
	uint32_t mb = rte_be_to_cpu_32(((const struct snap_route *)b)->mask);

	/* Longer prefix (numerically larger mask) first. */
	return ma < mb ? 1 : ma > mb ? -1 : 0;
}

static void
build_routes(struct snapshot *s, const struct cfg *c)
{
	uint32_t p, a;

	for (p = 0; p < c->n_ports; p++) {
		for (a = 0; a < c->ports[p].n_addrs; a++) {
			const struct cfg_addr *ad = &c->ports[p].addrs[a];
			struct snap_route *r = &s->routes[s->n_routes++];

			r->mask = ad->prefix ?
				rte_cpu_to_be_32(~0u << (32 - ad->prefix)) : 0;
			r->net = ad->ip & r->mask;
			r->port = (uint8_t)p;
		}
		if (c->ports[p].gateway != 0) {
			s->gateway = c->ports[p].gateway;
			s->gateway_port = (uint8_t)p;
		}
	}
	qsort(s->routes, s->n_routes, sizeof(s->routes[0]), route_cmp);
}

struct snapshot *
snap_build(const struct cfg *c, uint32_t n_workers, uint64_t gen, char *err,
	   size_t errlen)
{
	return snap_rebuild(c, n_workers, gen, NULL, NULL, err, errlen);
}

struct snapshot *
snap_rebuild(const struct cfg *c, uint32_t n_workers, uint64_t gen,
	     const struct snapshot *prev, const uint8_t *busy, char *err,
	     size_t errlen)
{
	return snap_rebuild_health(c, n_workers, gen, prev, busy, NULL, NULL, err, errlen);
}

struct snapshot *
snap_rebuild_health(const struct cfg *c, uint32_t n_workers, uint64_t gen,
		    const struct snapshot *prev, const uint8_t *busy, snap_up_fn up,
		    void *up_arg, char *err, size_t errlen)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	uint32_t range;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory for snapshot");
		return NULL;
	}
	s->gen = gen;
	s->n_workers = n_workers;
	s->timeouts = c->timeouts;
	s->sync_mcast = c->sync.mcast;
	s->sync_port = c->sync.on ? rte_cpu_to_be_16(c->sync.port) : 0;
	s->lport_min = c->lport_min;
	range = (uint32_t)c->lport_max - c->lport_min + 1;
	s->lport_span = (uint16_t)(range / n_workers);
	if (s->lport_span == 0) {
		snprintf(err, errlen, "fullnat port range %u-%u is smaller than %u workers",
			 c->lport_min, c->lport_max, n_workers);
		goto fail;
	}
	if (build_services(s, c, prev, busy, up, up_arg, err, errlen) != 0)
		goto fail;
	if (build_locals(s, c, err, errlen) != 0 || build_peers(s, c, err, errlen) != 0)
		goto fail;
	build_routes(s, c);
	return s;
fail:
	snap_free(s);
	return NULL;
}

static void
local_put(struct snap_local *tab, uint32_t mask, const struct snap_local *l)
{
	uint32_t i = snap_svc_hash(l->ip, 0, 0) & mask;

	while (tab[i].ip != 0)
		i = (i + 1) & mask;
	tab[i] = *l;
}

int
snap_add_floating(struct snapshot *s, uint32_t ip, uint8_t port)
{
	struct snap_local l = { .ip = ip, .kinds = SNAP_LOCAL_ADDR | SNAP_LOCAL_FLOAT,
				.arp_port = port };
	uint32_t i, n = 0;

	if (snap_find_local(s, ip) != NULL)
		return 0;
	for (i = 0; i <= s->local_mask; i++)
		n += s->locals[i].ip != 0;
	/* At most half full, as build_locals sizes it. */
	if ((n + 1) * 2 + 2 > s->local_mask + 1) {
		uint32_t mask = pow2_at_least((n + 1) * 2 + 2) - 1;
		struct snap_local *tab = calloc(mask + 1, sizeof(*tab));

		if (tab == NULL)
			return -ENOMEM;
		for (i = 0; i <= s->local_mask; i++)
			if (s->locals[i].ip != 0)
				local_put(tab, mask, &s->locals[i]);
		free(s->locals);
		s->locals = tab;
		s->local_mask = mask;
	}
	local_put(s->locals, s->local_mask, &l);
	return 0;
}

void
snap_free(struct snapshot *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	if (s->services != NULL) {
		for (i = 0; i < s->n_services; i++) {
			sched_free(s->services[i].sched);
			free(s->services[i].backends);
		}
	}
	free(s->services);
	free(s->svc_index);
	free(s->locals);
	free(s->peers);
	free(s);
}
