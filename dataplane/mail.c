/*
 * Worker mail lifetime (see mail.h): two references once posted, freed by
 * whichever side drops the last one. Mail is rare (an API request), so it
 * comes from the C heap on the requester's thread, and a worker freeing one
 * it holds alone is a cold path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "mail.h"

struct mail *
mail_new(enum mail_op op, uint32_t max)
{
	struct mail *m;

	m = calloc(1, sizeof(*m) + (size_t)max * sizeof(m->out[0]));
	if (m == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	m->op = op;
	m->svc_id = UINT32_MAX;
	m->backend_id = UINT32_MAX;
	m->max = max;
	m->refs = 1;
	return m;
}

int
mail_post(struct mail *m, struct rte_ring *mailbox)
{
	/* The worker's reference exists before the worker can see m: it may
	 * answer and drop it before the enqueue returns. */
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	if (rte_ring_sp_enqueue(mailbox, m) != 0) {
		__atomic_sub_fetch(&m->refs, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	return 0;
}

int
mail_answered(const struct mail *m)
{
	return (int)__atomic_load_n(&m->done, __ATOMIC_ACQUIRE);
}

/* Drop one reference; the last one frees, after every access of the other side. */
static void
mail_unref(struct mail *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(m);
}

void
mail_drop(struct mail *m)
{
	if (m == NULL)
		return;
	__atomic_store_n(&m->abandoned, 1, __ATOMIC_RELAXED);
	mail_unref(m);
}

struct mail *
mail_take(struct rte_ring *mailbox)
{
	void *m;

	return rte_ring_sc_dequeue(mailbox, &m) == 0 ? m : NULL;
}

void
mail_answer(struct mail *m)
{
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	mail_unref(m);
}

void
mail_put(struct mail *m)
{
	mail_unref(m);
}
