/*
 * What the worker's own files share (worker.c, the loop; worker_sync.c,
 * session sync): the per-backend state counts and the FULLNAT port pools.
 * Threading: the worker's lcore only.
 */
#ifndef SLUICE_WORKER_IMPL_H
#define SLUICE_WORKER_IMPL_H

#include <rte_byteorder.h>

#include "sync_rec.h"
#include "worker.h"

static inline void
wk_count_state(struct worker *w, const struct ct_conn *c, uint8_t state, int delta)
{
	uint32_t *ctr = ct_state_is_active(state) ? w->active : w->inactive;

	ctr[c->backend_id] += (uint32_t)delta;
}

/*
 * A pool's ring holds each port at most once (`queued`); `used` marks the
 * ports connections hold. A port session sync installed was taken from the
 * middle of the FIFO: it stays queued, and is skipped when it comes round.
 */
static inline int
wk_bit(const uint64_t *map, uint32_t k)
{
	return (int)((map[k >> 6] >> (k & 63)) & 1);
}

static inline void
wk_bit_set(uint64_t *map, uint32_t k, int on)
{
	if (on)
		map[k >> 6] |= 1ull << (k & 63);
	else
		map[k >> 6] &= ~(1ull << (k & 63));
}

static inline void
wk_lport_free(struct wk_lport_pool *p, uint16_t port_be)
{
	uint16_t port = rte_be_to_cpu_16(port_be);
	uint32_t k = (uint32_t)(port - p->first);

	wk_bit_set(p->used, k, 0);
	if (wk_bit(p->queued, k))
		return;
	wk_bit_set(p->queued, k, 1);
	p->ring[(p->head + p->n_free++) % p->size] = port;
}

/* The next free port of p (network order), or -1 when none is left. */
static inline int
wk_lport_take(struct wk_lport_pool *p, uint16_t *port_be)
{
	while (p->n_free > 0) {
		uint16_t port = p->ring[p->head];
		uint32_t k = (uint32_t)(port - p->first);

		p->head = (p->head + 1) % p->size;
		p->n_free--;
		wk_bit_set(p->queued, k, 0);
		if (wk_bit(p->used, k))
			continue;
		wk_bit_set(p->used, k, 1);
		*port_be = rte_cpu_to_be_16(port);
		return 0;
	}
	return -1;
}

/* Take this port (network order) for a connection a peer made: -1 if it is
 * not this pool's or a connection here holds it. */
static inline int
wk_lport_claim(struct wk_lport_pool *p, uint16_t port_be)
{
	uint16_t port = rte_be_to_cpu_16(port_be);
	uint32_t k = (uint32_t)(port - p->first);

	if (p->ring == NULL || port < p->first || k >= p->size || wk_bit(p->used, k))
		return -1;
	wk_bit_set(p->used, k, 1);
	return 0;
}

/* Queue c's record for the peers (sync on); a full ring is counted. */
void wk_sync_emit(struct worker *w, const struct ct_conn *c);

/*
 * A packet passed c, whose state went from prev: tell the peers what
 * matters (it became synced, or changed state while synced), and a copy a
 * peer made that now carries traffic here becomes this appliance's own.
 */
static inline void
wk_sync_seen(struct worker *w, struct ct_conn *c, uint8_t prev)
{
	if (likely(prev == c->state && !(c->flags & CT_F_SYNCED)))
		return;
	c->flags = (uint8_t)(c->flags & ~CT_F_SYNCED);
	if (sync_state_synced(c->state))
		wk_sync_emit(w, c);
}

#endif
