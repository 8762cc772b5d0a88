/*
 * Scheduler front end: the name table, parameter checks, sched_build()
 * handing a copy of the backends to the algorithm's builder, and
 * sched_pick(), one switch into the inline pickers of sched_impl.h.
 * The algorithms themselves live one per file (sched_<name>.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "sched_impl.h"

static const char *const sched_names[SCHED_ALGO__COUNT] = {
	[SCHED_ALGO_WLC] = "wlc",
	[SCHED_ALGO_RR] = "rr",
	[SCHED_ALGO_WRR] = "wrr",
	[SCHED_ALGO_LC] = "lc",
	[SCHED_ALGO_SH] = "sh",
	[SCHED_ALGO_MH] = "mh",
};

int
sched_algo_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < SCHED_ALGO__COUNT; i++)
		if (strcmp(name, sched_names[i]) == 0)
			return i;
	return -1;
}

const char *
sched_algo_name(enum sched_algo algo)
{
	if ((unsigned int)algo >= SCHED_ALGO__COUNT)
		return NULL;
	return sched_names[algo];
}

int
sched_is_prime(uint32_t n)
{
	uint64_t d;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return 0;
	/* 64-bit d: d * d must not wrap for n near 2^32. */
	for (d = 5; d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
			return 0;
	return 1;
}

int64_t
sched_eligible_list(const struct sched_table *t, int32_t **list)
{
	uint32_t i, count = 0;
	int32_t *l;

	*list = NULL;
	for (i = 0; i < t->n; i++)
		count += sched_backend_eligible(&t->backends[i]);
	if (count == 0)
		return 0;
	l = malloc(count * sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	count = 0;
	for (i = 0; i < t->n; i++)
		if (sched_backend_eligible(&t->backends[i]))
			l[count++] = (int32_t)i;
	*list = l;
	return count;
}

/*
 * rr, lc and wlc share one table, the eligible list: rr walks it with the
 * worker's cursor; lc and wlc choose per pick from the load view, because
 * connection counts move with every new connection while the table is
 * rebuilt only on changes. Weights only decide eligibility for rr and lc.
 */
int
sched_list_build(struct sched_table *t)
{
	int64_t count = sched_eligible_list(t, &t->lut);

	if (count < 0)
		return (int)count;
	t->len = (uint32_t)count;
	return 0;
}

/* The mh table size from the params, or 0 if they are invalid. */
static uint32_t
sched_mh_size(const struct sched_params *params)
{
	uint32_t m = params != NULL ? params->mh_size : 0;

	if (m == 0)
		return SCHED_MH_DEFAULT_SIZE;
	if (m < SCHED_MH_MIN_SIZE || m > SCHED_MH_MAX_SIZE ||
	    !sched_is_prime(m))
		return 0;
	return m;
}

struct sched_table *
sched_build(enum sched_algo algo, const struct sched_backend *backends,
	    uint32_t n, const struct sched_params *params)
{
	struct sched_table *t;
	uint32_t mh_size;
	int ret = -ENOMEM;

	/*
	 * A bad mh_size is refused whatever the algorithm: a config that
	 * sets it wrongly is wrong even while the service uses another one.
	 * Backend indices are returned as int, hence the INT32_MAX bound.
	 */
	mh_size = sched_mh_size(params);
	if ((unsigned int)algo >= SCHED_ALGO__COUNT || mh_size == 0 ||
	    (n > 0 && backends == NULL) || n > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto fail;
	t->algo = algo;
	t->n = n;
	if (n > 0) {
		t->backends = malloc((size_t)n * sizeof(*backends));
		if (t->backends == NULL)
			goto free_table;
		memcpy(t->backends, backends, (size_t)n * sizeof(*backends));
	}

	switch (algo) {
	case SCHED_ALGO_RR:
	case SCHED_ALGO_LC:
	case SCHED_ALGO_WLC:
		ret = sched_list_build(t);
		break;
	case SCHED_ALGO_WRR:
		ret = sched_wrr_build(t);
		break;
	case SCHED_ALGO_SH:
		ret = sched_sh_build(t);
		break;
	case SCHED_ALGO_MH:
		ret = sched_mh_build(t, mh_size);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret < 0)
		goto free_backends;
	return t;

free_backends:
	free(t->backends);
free_table:
	free(t);
fail:
	errno = -ret;
	return NULL;
}

void
sched_free(struct sched_table *t)
{
	if (t == NULL)
		return;
	free(t->lut);
	free(t->backends);
	free(t);
}

int
sched_pick(const struct sched_table *t, struct sched_cursor *cursor,
	   uint32_t hash, uint32_t src_ip,
	   const struct sched_load_view *load)
{
	switch (t->algo) {
	case SCHED_ALGO_RR:
	case SCHED_ALGO_WRR:
		return sched_seq_pick(t, cursor);
	case SCHED_ALGO_WLC:
		return sched_lc_pick(t, cursor, load, 1);
	case SCHED_ALGO_LC:
		return sched_lc_pick(t, cursor, load, 0);
	case SCHED_ALGO_SH:
		return sched_sh_pick(t, src_ip);
	case SCHED_ALGO_MH:
		return sched_mh_pick(t, hash);
	default:
		return -1;
	}
}

const struct sched_backend *
sched_backends(const struct sched_table *t, uint32_t *n)
{
	if (n != NULL)
		*n = t->n;
	return t->backends;
}

const int32_t *
sched_mh_table(const struct sched_table *t, uint32_t *size)
{
	uint32_t m = t->algo == SCHED_ALGO_MH ? t->len : 0;

	if (size != NULL)
		*size = m;
	return m > 0 ? t->lut : NULL;
}
