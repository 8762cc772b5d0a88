/*
 * Worker mail: one request from the API thread to one worker's mailbox (an
 * rte_ring of struct mail *), with room for the answer, and its lifetime.
 *
 * A posted mail has two owners, the requester and the worker, each holding
 * one reference; whoever drops the last frees it. So a requester that gives
 * up (its deadline passed, or a later worker's mailbox was full) drops its
 * own reference and never frees what a worker may still read or write. The
 * worker answers by setting `done` (release) before dropping its reference;
 * the requester reads `n` and `out` only after seeing `done` (acquire). A
 * requester that drops its reference first marks the mail abandoned: the
 * worker stops at its next slice and frees it, so no answer is left behind.
 * Threading: mail_new, mail_post, mail_answered and mail_drop on the
 * requester's thread, the only producer of a mailbox (single-producer
 * rings); mail_take, mail_abandoned, mail_answer and mail_put on the worker
 * lcore that owns the mailbox, or on the main lcore once it has stopped.
 */
#ifndef SLUICE_MAIL_H
#define SLUICE_MAIL_H

#include <stdint.h>

#include <rte_ring.h>

#include "conntrack_types.h"

enum mail_op {
	MAIL_DUMP = 1,               /* copy matching connections to out[] */
	MAIL_FLUSH = 2,              /* delete matching connections */
};

struct mail {
	uint32_t op;                 /* enum mail_op */
	uint32_t svc_id;             /* filter; UINT32_MAX = any */
	uint32_t backend_id;         /* filter; UINT32_MAX = any */
	uint32_t client_ip;          /* filter, network order; 0 = any */
	uint32_t max;                /* dump: room in out[] */
	uint32_t n;                  /* dump: entries copied; flush: deleted */
	uint32_t cursor;             /* worker's progress through its table */
	uint32_t refs;               /* atomic: requester + worker once posted */
	uint32_t done;               /* atomic: answered, set by the worker */
	uint32_t abandoned;          /* atomic: the requester left, set by it */
	struct ct_info out[];        /* dump: max entries */
};

/*
 * A mail for op that matches every connection, with room for max answers
 * (0 for a flush), held by the caller alone. Returns NULL and sets
 * rte_errno = ENOMEM on failure.
 * Context: requester.
 */
struct mail *mail_new(enum mail_op op, uint32_t max);

/*
 * Post m to a worker's mailbox, giving the worker a reference. Returns 0,
 * or -ENOBUFS when the mailbox is full: m then stays the caller's alone.
 * Context: requester, the mailbox's only producer.
 */
int mail_post(struct mail *m, struct rte_ring *mailbox);

/* 1 once the worker has answered: m->n and m->out are then final.
 * Context: requester. */
int mail_answered(const struct mail *m);

/*
 * The requester is done with m, answered or not: drop its reference
 * (marking m abandoned first, for a worker still holding it). NULL is a
 * no-op. Context: requester; m is not the caller's any more.
 */
void mail_drop(struct mail *m);

/* The next mail in a mailbox, with its reference, or NULL if there is none.
 * Context: the worker owning the mailbox. */
struct mail *mail_take(struct rte_ring *mailbox);

/* 1 when m's requester has left: nobody will read the answer. */
static inline int
mail_abandoned(const struct mail *m)
{
	return (int)__atomic_load_n(&m->abandoned, __ATOMIC_RELAXED);
}

/*
 * Publish m's answer (n, out) and drop the worker's reference.
 * Context: the worker holding m; m is not the caller's any more.
 */
void mail_answer(struct mail *m);

/*
 * Drop the worker's reference without answering (m abandoned, or the worker
 * going away). Context: the worker holding m; m is not the caller's any more.
 */
void mail_put(struct mail *m);

#endif
