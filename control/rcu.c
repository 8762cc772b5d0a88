/*
 * RCU on DPDK's QSBR defer queue. The queue's own limits do not fit as they
 * are: its ring rounds the size up to a power of two and it never waits,
 * so the pending count is kept here, and a publish that finds
 * RCU_MAX_PENDING waiting reclaims until the oldest is free (the bound is
 * what keeps a stuck worker from growing memory without limit).
 * Auto-reclaim inside enqueue is off (trigger above the size): every free
 * happens in rcu_reclaim, under control_lock().
 */
/* The defer queue is still marked experimental in DPDK 22.11; only this file
 * uses it. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_pause.h>

#include "../dataplane/log.h"
#include "control.h"
#include "rcu.h"

struct rcu_item {
	void *ptr;
	void (*free_fn)(void *);
};

static struct rte_rcu_qsbr_dq *dq;
static uint32_t pending;

static void
item_free(void *p, void *e, unsigned int n)
{
	struct rcu_item it;
	unsigned int i;

	(void)p;
	/* e is the queue's byte buffer, past its 8-byte token: not aligned
	 * for the item, so copy each out. */
	for (i = 0; i < n; i++) {
		memcpy(&it, (char *)e + (size_t)i * sizeof(it), sizeof(it));
		it.free_fn(it.ptr);
		pending--;
	}
}

int
rcu_init(struct rte_rcu_qsbr *v)
{
	struct rte_rcu_qsbr_dq_parameters prm = {
		.name = "sl_rcu_dq",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
		.size = RCU_MAX_PENDING,
		.esize = sizeof(struct rcu_item),
		.trigger_reclaim_limit = RCU_MAX_PENDING + 1,
		.free_fn = item_free,
		.v = v,
	};

	if (dq != NULL)
		return -EBUSY;
	dq = rte_rcu_qsbr_dq_create(&prm);
	if (dq == NULL)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	pending = 0;
	return 0;
}

uint32_t
rcu_reclaim(void)
{
	unsigned int freed = 0;

	if (dq == NULL || pending == 0)
		return 0;
	control_lock();
	rte_rcu_qsbr_dq_reclaim(dq, RCU_MAX_PENDING, &freed, NULL, NULL);
	control_unlock();
	return freed;
}

uint32_t
rcu_pending(void)
{
	return pending;
}

void
rcu_publish(void **slot, void *ptr, void (*free_fn)(void *))
{
	struct rcu_item it = { .free_fn = free_fn };

	control_lock();
	it.ptr = __atomic_exchange_n(slot, ptr, __ATOMIC_ACQ_REL);
	control_unlock();
	if (it.ptr == NULL)
		return;
	while (pending >= RCU_MAX_PENDING)
		if (rcu_reclaim() == 0)
			rte_pause();
	/* The token is taken inside, after the exchange above: a reader that
	 * loaded the old pointer has not yet passed the state it waits for. */
	if (rte_rcu_qsbr_dq_enqueue(dq, &it) != 0) {
		/* Cannot happen with the count above; never free early. */
		SL_LOG(ERR, ctl, "rcu: defer queue refused a retired pointer (%s); leaked",
		       rte_strerror(rte_errno));
		return;
	}
	pending++;
}

int
rcu_fini(void)
{
	int rc = 0;

	if (dq == NULL)
		return 0;
	control_lock();
	if (rte_rcu_qsbr_dq_delete(dq) != 0) {
		SL_LOG(ERR, ctl, "rcu: %u retired pointers still held by a reader; not freed",
		       pending);
		rc = -EAGAIN;
	} else {
		dq = NULL;
	}
	control_unlock();
	return rc;
}
