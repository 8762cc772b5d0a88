/*
 * Source hashing: one client address always goes to one backend, weighted.
 * The table is a weighted Maglev table (sched_mh_build) looked up by a hash
 * of the source address (sched_sh_pick), so when a backend goes down or is
 * drained only the clients it had move; IPVS's sh, which deals buckets out
 * in turn, reassigns most buckets on any change.
 *
 * Table size: the share of a backend is quantised to one slot of M, so M
 * wants a few hundred slots per backend; but a size that followed the count
 * of *eligible* backends would change with every health flap and remap every
 * client. So the size steps with the configured count n only (which changes
 * on reconfiguration), over three primes: >= 255 slots per backend up to 64
 * backends (4093 = 16 KB, 16381 = 64 KB), then 65537 (256 KB, as an mh
 * service; still >= 65 slots per backend at 1000).
 */
#include "sched_impl.h"

static uint32_t
sh_size(uint32_t n)
{
	if (n <= 16)
		return 4093;
	if (n <= 64)
		return 16381;
	return SCHED_MH_DEFAULT_SIZE;
}

int
sched_sh_build(struct sched_table *t)
{
	return sched_mh_build(t, sh_size(t->n));
}
