/*
 * Weighted round robin: one full cycle of picks is computed at build time and
 * walked by the worker's cursor (sched_seq_pick), so a pick is one load.
 *
 * The cycle is smooth, as nginx's smooth weighted round robin: weights 5:1:1
 * give "a a a c a a b", never five a's in a row. Its length is sum(w / g),
 * g the gcd of the weights, and each backend appears exactly w / g times.
 * Backend i's entries are placed at evenly spaced ideal times
 * (k + phase_i) / u_i of the cycle (u_i = w_i / g) and merged in time order
 * with a heap. Phases come from the golden-ratio sequence so that backends
 * do not fall due at the same instants and bunch: with one phase for all,
 * 5:1:1 repeats with four a's in a row across the wrap-around, as nginx's
 * rule run from zero does ("a a b a c a a").
 *
 * Cost: O(len log n), and nginx's rule would be O(len * n). Microseconds for
 * usual weights; ~50 ms at the SCHED_WRR_MAX_LEN cap with 1000 backends of
 * random weights 1..65535 (measured on the 2-core dev VM).
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

/* A heap node: when its backend's next entry is due, and which backend. */
struct wrr_node {
	uint64_t due;
	uint32_t st;    /* index into the wrr_state array, in list order */
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
 * Backend i's k-th entry is due at (k + phase_i) / units_i of the cycle, in
 * units of 2^-32 (k < 2^16: the dividend fits in 48 bits). Rounding can
 * merge due times closer than 2^-32; the tie then goes to the earlier
 * backend, either order being as smooth.
 */
static uint64_t
wrr_due(const struct wrr_state *s)
{
	return ((uint64_t)s->done << 32 | (uint64_t)s->phase << 16) / s->units;
}

static int
wrr_before(const struct wrr_node *a, const struct wrr_node *b)
{
	return a->due < b->due || (a->due == b->due && a->st < b->st);
}

static void
wrr_sift_down(struct wrr_node *heap, uint32_t n, uint32_t i)
{
	struct wrr_node x = heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && wrr_before(&heap[c + 1], &heap[c]))
			c++;
		if (!wrr_before(&heap[c], &x))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = x;
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
	struct wrr_state *st;
	struct wrr_node *heap;
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
		/* Golden-ratio sequence: phases spread evenly for any count. */
		st[i].phase = (i * 0x9e3779b9u + 0x4f1bbcdcu) >> 16;
	}
	len = wrr_units(t, st, ne);
	t->lut = malloc(len * sizeof(*t->lut));
	if (t->lut == NULL)
		goto free_state;
	t->len = (uint32_t)len;

	for (i = 0; i < ne; i++) {
		heap[i].due = wrr_due(&st[i]);
		heap[i].st = i;
	}
	hn = ne;
	for (i = hn / 2; i-- > 0;)
		wrr_sift_down(heap, hn, i);
	for (i = 0; i < t->len; i++) {
		struct wrr_state *s = &st[heap[0].st];

		t->lut[i] = s->idx;
		if (++s->done == s->units)
			heap[0] = heap[--hn];
		else
			heap[0].due = wrr_due(s);
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
