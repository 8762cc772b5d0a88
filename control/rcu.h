/*
 * RCU publication and reclamation for what workers read without locks (the
 * snapshot, the neighbour table, the load view): a new pointer is published
 * at once; the old one is freed only after every worker has passed a
 * quiescent state, by DPDK's QSBR defer queue.
 * Threading: rcu_init, rcu_publish, rcu_reclaim and rcu_fini on the control
 * lcore (or one thread in tests). Frees run under control_lock(), so a
 * telemetry reader holding it never sees a pointer freed under it.
 */
#ifndef SLUICE_RCU_H
#define SLUICE_RCU_H

#include <stdint.h>

#include <rte_rcu_qsbr.h>

/* Retired pointers that may wait for their grace period; one more blocks
 * rcu_publish until the oldest can be freed. */
#define RCU_MAX_PENDING 256u

/* Defer reclamation on v (its readers registered by the workers). 0 or -errno. */
int rcu_init(struct rte_rcu_qsbr *v);

/* Publish ptr at *slot; free the previous value, if any, with free_fn
 * once no reader can hold it. Blocks only while RCU_MAX_PENDING wait. */
void rcu_publish(void **slot, void *ptr, void (*free_fn)(void *));

/* Free what has passed its grace period, without waiting; returns how many. */
uint32_t rcu_reclaim(void);

/* Retired pointers not yet freed. */
uint32_t rcu_pending(void);

/*
 * Free everything still retired and the queue. Every reader must be
 * offline (workers stopped): 0, or -EAGAIN with what a reader still holds
 * left unfreed (it said so on the log).
 */
int rcu_fini(void);

#endif
