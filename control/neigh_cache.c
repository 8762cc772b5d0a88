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
