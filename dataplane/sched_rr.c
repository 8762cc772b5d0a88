/*
 * Round robin: the eligible backends in configuration order, walked by the
 * worker's cursor (sched_seq_pick). Weights only decide eligibility: any
 * weight above 0 counts the same.
 */
#include "sched_impl.h"

int
sched_rr_build(struct sched_table *t)
{
	int64_t count = sched_eligible_list(t, &t->lut);

	if (count < 0)
		return (int)count;
	t->len = (uint32_t)count;
	return 0;
}
