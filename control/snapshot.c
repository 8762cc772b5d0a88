/*
 * Snapshot construction: config -> immutable lookup structures.
 *
 * Backend ids are assigned in config order and services keep their index as
 * id; both index per-worker arrays (load counters, round-robin cursors).
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

static int
build_services(struct snapshot *s, const struct cfg *c, char *err, size_t errlen)
{
	uint32_t i, j, next_id = 0;

	s->services = calloc(c->n_services ? c->n_services : 1, sizeof(*s->services));
	s->svc_mask = pow2_at_least(c->n_services * 2 + 2) - 1;
	s->svc_index = malloc(sizeof(int32_t) * (s->svc_mask + 1));
	if (s->services == NULL || s->svc_index == NULL) {
		snprintf(err, errlen, "out of memory for %u services", c->n_services);
		return -1;
	}
	memset(s->svc_index, 0xff, sizeof(int32_t) * (s->svc_mask + 1));

	for (i = 0; i < c->n_services; i++) {
		const struct cfg_service *cs = &c->services[i];
		struct snap_service *ss = &s->services[i];
		struct sched_backend *sb;
		struct sched_params params = { .mh_size = cs->mh_size };
		uint32_t slot;

		ss->vip = cs->vip;
		ss->port = rte_cpu_to_be_16(cs->port);
		ss->proto = cs->proto;
		ss->mode = cs->mode;
		ss->id = (uint16_t)i;
		snprintf(ss->name, sizeof(ss->name), "%s", cs->name);
		ss->n_backends = cs->n_backends;
		ss->backends = calloc(cs->n_backends ? cs->n_backends : 1,
				      sizeof(*ss->backends));
		sb = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*sb));
		s->n_services = i + 1; /* so snap_free() undoes a partial build */
		if (ss->backends == NULL || sb == NULL) {
			free(sb);
			snprintf(err, errlen, "out of memory for service %s", cs->name);
			return -1;
		}
		for (j = 0; j < cs->n_backends; j++) {
			struct snap_backend *b = &ss->backends[j];

			b->id = next_id++;
			b->ip = cs->backends[j].ip;
			b->port = rte_cpu_to_be_16(cs->backends[j].port);
			b->weight = cs->backends[j].weight;
			b->up = 1;
			sb[j] = (struct sched_backend){ .id = b->id, .ip = b->ip,
				.port = b->port, .weight = b->weight, .up = 1 };
		}
		ss->sched = sched_build((enum sched_algo)cs->sched, sb,
					cs->n_backends, &params);
		free(sb);
		if (ss->sched == NULL) {
			snprintf(err, errlen, "service %s: scheduler %s: %s", cs->name,
				 sched_algo_name((enum sched_algo)cs->sched),
				 strerror(errno));
			return -1;
		}
		if (cs->sched == SCHED_ALGO_WLC || cs->sched == SCHED_ALGO_LC)
			s->needs_load = 1;

		for (j = 0; j < cs->n_laddrs; j++) {
			uint32_t k;

			for (k = 0; k < s->n_laddrs; k++)
				if (s->laddrs[k] == cs->laddrs[j])
					break;
			if (k == s->n_laddrs) {
				if (s->n_laddrs == SNAP_MAX_LADDRS) {
					snprintf(err, errlen, "more than %u distinct local addresses",
						 SNAP_MAX_LADDRS);
					return -1;
				}
				s->laddrs[s->n_laddrs++] = cs->laddrs[j];
			}
			ss->laddr_idx[j] = (uint16_t)k;
		}
		ss->n_laddrs = (uint16_t)cs->n_laddrs;

		slot = snap_svc_hash(ss->vip, ss->port, ss->proto) & s->svc_mask;
		while (s->svc_index[slot] >= 0)
			slot = (slot + 1) & s->svc_mask;
		s->svc_index[slot] = (int32_t)i;
	}
	s->n_services = c->n_services;
	s->n_backends = next_id;
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
	for (i = 0; i < s->n_laddrs; i++)
		add_local(s, c, s->laddrs[i], SNAP_LOCAL_LADDR, (uint16_t)i);
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
	struct snapshot *s = calloc(1, sizeof(*s));
	uint32_t range;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory for snapshot");
		return NULL;
	}
	s->gen = gen;
	s->n_workers = n_workers;
	s->lport_min = c->lport_min;
	range = (uint32_t)c->lport_max - c->lport_min + 1;
	s->lport_span = (uint16_t)(range / n_workers);
	if (s->lport_span == 0) {
		snprintf(err, errlen, "fullnat port range %u-%u is smaller than %u workers",
			 c->lport_min, c->lport_max, n_workers);
		goto fail;
	}
	if (build_services(s, c, err, errlen) != 0)
		goto fail;
	if (build_locals(s, c, err, errlen) != 0)
		goto fail;
	build_routes(s, c);
	return s;
fail:
	snap_free(s);
	return NULL;
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
	free(s);
}
