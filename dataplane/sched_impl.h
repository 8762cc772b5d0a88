/*
 * Scheduler internals shared by sched.c (which builds the rr, lc and wlc
 * table) and the per-algorithm files (sched_wrr.c, sched_sh.c, sched_mh.c),
 * and by the scheduler's unit test: the layout of struct sched_table, the builders and
 * the pickers. Nothing else should include this header.
 *
 * Every algorithm reduces to one int32 array of backend indices (lut):
 *   rr, lc, wlc  the eligible backends, in configuration order;
 *   wrr          one full cycle of the interleaved weighted sequence;
 *   mh, sh       the Maglev lookup table, -1 where nothing is eligible.
 * so sched_pick() is a switch over the algorithm and an index or a short
 * scan, never a call through a function pointer.
 *
 * Threading: builders run on the control lcore and may allocate; pickers run
 * on workers, never allocate and never write the table (only the caller's
 * cursor), so any number of workers may share one table.
 */
#ifndef SLUICE_SCHED_IMPL_H
#define SLUICE_SCHED_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#include "hash.h"
#include "sched.h"

/*
 * Smallest Maglev table accepted. Maglev wants M well above 100 x backends
 * for an even spread; below this no spread is worth having.
 */
#define SCHED_MH_MIN_SIZE 251u

/*
 * Longest wrr cycle (entries). Above it weights are scaled down, which costs
 * at most one entry of precision per backend: 4 MB worst case per service.
 */
#define SCHED_WRR_MAX_LEN (1u << 20)

struct sched_table {
	/* Read by sched_pick(), hot. */
	enum sched_algo algo;
	uint32_t len;                    /* entries in lut */
	int32_t *lut;                    /* see the file comment */
	struct sched_backend *backends;  /* copy of the caller's array */
	/* Control side only. */
	uint32_t n;                      /* entries in backends */
};

/* The one eligibility rule every algorithm applies. */
static inline int
sched_backend_eligible(const struct sched_backend *b)
{
	return b->weight > 0 && b->up;
}

/*
 * Indices of the eligible backends of t, in order, into *list (malloc'd, the
 * caller frees; NULL when there are none). Returns their count, or -ENOMEM.
 * Context: control lcore.
 */
int64_t sched_eligible_list(const struct sched_table *t, int32_t **list);

/*
 * Builders: fill t->lut and t->len from t->backends and t->n (t->algo set).
 * Return 0 or -ENOMEM; on error t->lut is NULL. Context: control lcore.
 */
int sched_list_build(struct sched_table *t); /* rr, lc, wlc */
int sched_wrr_build(struct sched_table *t);
int sched_sh_build(struct sched_table *t);
/* `size` is prime and within [SCHED_MH_MIN_SIZE, SCHED_MH_MAX_SIZE]. */
int sched_mh_build(struct sched_table *t, uint32_t size);

/*
 * Where backend b's Maglev walk starts in a table of m slots and its step;
 * a function of b->ip and b->port only. Exported for the unit test's
 * reference implementation.
 */
void sched_mh_permutation(const struct sched_backend *b, uint32_t m,
			  uint32_t *offset, uint32_t *skip);

/*
 * rr and wrr: the cycle was computed at build time, a pick is its next entry.
 * The modulo (not a reset at len) keeps a cursor valid when the table it
 * walks is replaced by one of a different length.
 */
static inline int
sched_seq_pick(const struct sched_table *t, struct sched_cursor *cursor)
{
	if (unlikely(t->len == 0))
		return -1;
	return t->lut[cursor->pos++ % t->len];
}

/* A pointer the view may leave NULL reads as zero. */
static inline uint64_t
sched_load_count(const uint32_t *counts, uint32_t id)
{
	return counts != NULL ? counts[id] : 0;
}

/*
 * lc and wlc, as IPVS: overhead = active * 256 + inactive, so established
 * connections dominate and lingering TIME_WAIT-like ones only break ties.
 * wlc minimises overhead / weight, compared as overhead_a * weight_b <
 * overhead_b * weight_a (below 2^58: no overflow, no division); lc is wlc
 * with every weight read as 1. The scan starts one further each pick so
 * equal loads rotate instead of all landing on the first backend, which
 * matters most right after a publish when every count reads the same.
 */
static inline int
sched_lc_pick(const struct sched_table *t, struct sched_cursor *cursor,
	      const struct sched_load_view *load, int weighted)
{
	static const struct sched_load_view no_load;
	uint64_t best_oh = 0, best_w = 1;
	uint32_t len = t->len, i, k;
	int32_t best = -1;

	if (unlikely(len == 0))
		return -1;
	if (load == NULL)
		load = &no_load;
	i = cursor->pos++ % len;
	for (k = 0; k < len; k++) {
		const struct sched_backend *b = &t->backends[t->lut[i]];
		uint64_t oh, w = weighted ? b->weight : 1;

		oh = (sched_load_count(load->others_active, b->id) +
		      sched_load_count(load->mine_active, b->id)) * 256 +
		     sched_load_count(load->others_inactive, b->id) +
		     sched_load_count(load->mine_inactive, b->id);
		if (best < 0 || oh * best_w < best_oh * w) {
			best = t->lut[i];
			best_oh = oh;
			best_w = w;
		}
		if (++i == len)
			i = 0;
	}
	return best;
}

/* mh: the table is always fully sized (len = M > 0), -1 where none eligible. */
static inline int
sched_mh_pick(const struct sched_table *t, uint32_t hash)
{
	return t->lut[hash % t->len];
}

/*
 * sh hashes the source address itself (murmur3's finaliser): addresses of
 * one subnet differ in a few low bits, and a plain modulo of those would
 * land on neighbouring, not spread, table entries.
 */
static inline uint32_t
sched_sh_hash(uint32_t src_ip)
{
	return sl_mix32(src_ip ^ SL_GOLDEN32);
}

static inline int
sched_sh_pick(const struct sched_table *t, uint32_t src_ip)
{
	return t->lut[sched_sh_hash(src_ip) % t->len];
}

#endif
