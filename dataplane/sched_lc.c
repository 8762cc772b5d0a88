/*
 * Least-connections (lc) and weighted least-connections (wlc): the table is
 * only the list of eligible backends; the choice is made per pick from the
 * load view (sched_lc_pick in sched_impl.h), because connection counts move
 * with every new connection while the table is rebuilt only on changes.
 */
#include "sched_impl.h"

int
sched_lc_build(struct sched_table *t)
{
	int64_t count = sched_eligible_list(t, &t->lut);

	if (count < 0)
		return (int)count;
	t->len = (uint32_t)count;
	return 0;
}
