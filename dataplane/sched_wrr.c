/*
 * Weighted round robin: one full cycle of picks is computed at build time and
 * walked by the worker's cursor (sched_seq_pick), so a pick is one load.
 *
 * The cycle is smooth, like nginx's smooth weighted round robin: weights
 * 5:1:1 give "a a a c a a b", never five a's in a row. Its length is
 * sum(w / g), g the gcd of the weights, and each backend appears exactly
 * w / g times. Rather than run nginx's rule (an O(n) scan per entry, so
 * O(len * n) to precompute up to 2^20 entries) we give backend i its k-th
 * entry at the ideal time (k + phase_i) / u_i of the cycle (u_i = w_i / g)
 * and merge those times with a heap: O(len log n). Its entries are then
 * evenly spaced, and phases from the golden-ratio sequence keep backends of
 * equal weight from all falling on the same instant, which is what makes
 * nginx's cycle, started from zero, run four a's across its wrap-around.
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_impl.h"

struct wrr_state {
	int32_t idx;    /* index into the backend array */
	uint32_t units; /* entries per cycle */
	uint32_t done;  /* entries emitted */
	uint32_t phase; /* 16-bit fraction of one spacing */
};

static uint32_t
wrr_gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/*
 * Whether a's next entry comes before b's: (done + phase) / units compared
 * by cross multiplication; units <= weight < 2^16, so the products stay below
 * 2^48. Ties go to the earlier backend so the cycle does not depend on the
 * heap's order.
 */
static int
wrr_before(const struct wrr_state *a, const struct wrr_state *b)
{
	uint64_t ta = ((uint64_t)a->done << 16 | a->phase) * b->units;
	uint64_t tb = ((uint64_t)b->done << 16 | b->phase) * a->units;

	if (ta != tb)
		return ta < tb;
	return a->idx < b->idx;
}

static void
wrr_sift_down(struct wrr_state **heap, uint32_t n, uint32_t i)
{
	struct wrr_state *s = heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && wrr_before(heap[c + 1], heap[c]))
			c++;
		if (!wrr_before(heap[c], s))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = s;
}

/* Units per backend: weights over their gcd, scaled down above the cap. */
static uint64_t
wrr_units(const struct sched_table *t, struct wrr_state *st, uint32_t ne)
{
	uint32_t i, g = 0;
	uint64_t len = 0, scaled = 0;

	for (i = 0; i < ne; i++)
		g = wrr_gcd(t->backends[st[i].idx].weight, g);
	for (i = 0; i < ne; i++) {
		st[i].units = t->backends[st[i].idx].weight / g;
		len += st[i].units;
	}
	if (len <= SCHED_WRR_MAX_LEN)
		return len;
	/* Proportional, but never below one entry: a weight still counts. */
	g = 0;
	for (i = 0; i < ne; i++) {
		uint64_t u = (uint64_t)st[i].units * SCHED_WRR_MAX_LEN / len;

		st[i].units = u > 0 ? (uint32_t)u : 1;
		g = wrr_gcd(st[i].units, g);
	}
	for (i = 0; i < ne; i++) {
		st[i].units /= g;
		scaled += st[i].units;
	}
	return scaled;
}

int
sched_wrr_build(struct sched_table *t)
{
	struct wrr_state *st, **heap;
	int32_t *elig;
	int64_t count;
	uint32_t i, ne, hn;
	uint64_t len;
	int ret = -ENOMEM;

	count = sched_eligible_list(t, &elig);
	if (count <= 0)
		return (int)count;
	ne = (uint32_t)count;
	st = malloc(ne * sizeof(*st));
	heap = malloc(ne * sizeof(*heap));
	if (st == NULL || heap == NULL)
		goto free_state;
	for (i = 0; i < ne; i++) {
		st[i].idx = elig[i];
		st[i].done = 0;
		st[i].phase = (i * 0x9e3779b9u + 0x4f1bbcdcu) >> 16;
		heap[i] = &st[i];
	}
	len = wrr_units(t, st, ne);
	t->lut = malloc(len * sizeof(*t->lut));
	if (t->lut == NULL)
		goto free_state;
	t->len = (uint32_t)len;

	hn = ne;
	for (i = hn / 2; i-- > 0;)
		wrr_sift_down(heap, hn, i);
	for (i = 0; i < t->len; i++) {
		struct wrr_state *s = heap[0];

		t->lut[i] = s->idx;
		if (++s->done == s->units)
			heap[0] = heap[--hn];
		if (hn > 0)
			wrr_sift_down(heap, hn, 0);
	}
	ret = 0;

free_state:
	free(heap);
	free(st);
	free(elig);
	return ret;
}
