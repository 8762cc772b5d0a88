/* The control lcore's next hops (neigh_cache.h). */
#include <string.h>

#include "neigh_cache.h"

struct ctl_neigh *
nc_find(struct neigh_cache *c, uint32_t ip, uint8_t port)
{
	uint32_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].ip == ip && c->e[i].port == port)
			return &c->e[i];
	return NULL;
}

/* Last news of an entry: learned, or for one never answered, asked for
 * (which only traffic still needing it causes; see control.c). */
static uint64_t
nc_news_ms(const struct ctl_neigh *e)
{
	return e->resolved ? e->updated_ms : e->requested_ms;
}

/* The entry to forget for a new one: not wanted, longest without news. */
static struct ctl_neigh *
nc_victim(struct neigh_cache *c)
{
	struct ctl_neigh *v = NULL;
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		struct ctl_neigh *e = &c->e[i];

		if (e->wanted)
			continue;
		if (v == NULL || nc_news_ms(e) < nc_news_ms(v))
			v = e;
	}
	return v;
}

struct ctl_neigh *
nc_add(struct neigh_cache *c, uint32_t ip, uint8_t port, int *forgot_resolved)
{
	struct ctl_neigh *e = nc_find(c, ip, port);

	*forgot_resolved = 0;
	if (e != NULL)
		return e;
	if (c->n < c->cap) {
		e = &c->e[c->n++];
	} else {
		e = nc_victim(c);
		if (e == NULL)
			return NULL;
		*forgot_resolved = e->resolved;
	}
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->port = port;
	return e;
}

enum nc_verdict
nc_learn(struct ctl_neigh *e, const struct rte_ether_addr *mac, int reply, uint64_t now)
{
	int answers = reply && e->requested_ms != 0 && now - e->requested_ms < NC_VERIFY_MS;
	int same = e->resolved && rte_is_same_ether_addr(&e->mac, mac);

	if (same) {
		e->updated_ms = now;
		if (e->verifying && answers) {
			e->verifying = 0;
			e->confirmed_ms = now;
			return NC_CONFIRMED;
		}
		return NC_SAME;
	}
	if (!e->resolved || !e->wanted) {
		e->mac = *mac;
		e->resolved = 1;
		e->updated_ms = now;
		e->verifying = 0;
		return NC_LEARNT;
	}
	/* One verification per address: a later claimant replaces the first
	 * only by answering us (a frame sent unasked, as a gratuitous one is,
	 * proves nothing and does not shorten the wait). */
	if (e->verifying) {
		if (answers) {
			e->claim_mac = *mac;
			e->claim_answered = 1;
		}
		return NC_HELD;
	}
	if (e->confirmed_ms != 0 && now - e->confirmed_ms < NC_HOLD_MS)
		return NC_REFUSED;
	e->claim_mac = *mac;
	e->claim_answered = (uint8_t)answers;
	e->verifying = 1;
	e->probes = 0;
	e->verify_ms = now;
	return NC_VERIFY;
}

enum nc_step
nc_verify_step(struct ctl_neigh *e, uint64_t now)
{
	if (!e->verifying)
		return NC_WAIT;
	if (now - e->verify_ms >= NC_VERIFY_MS) {
		e->verifying = 0;
		if (!e->claim_answered)
			return NC_UNANSWERED;
		e->mac = e->claim_mac;
		e->updated_ms = now;
		return NC_MOVED;
	}
	if (e->probes < NC_PROBES &&
	    now - e->verify_ms >= (uint64_t)e->probes * NC_VERIFY_MS / NC_PROBES) {
		e->probes++;
		return NC_PROBE;
	}
	return NC_WAIT;
}
