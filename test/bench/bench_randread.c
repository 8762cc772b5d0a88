/*
 * What one random cache line costs on this machine, by working-set size:
 * the ceiling under the pipeline benchmark's established-flow figure at
 * 1 M+ connections, where each packet reads an index bucket and an entry
 * at random (docs/performance.md, "What holds the 1 M figure").
 *
 * The access pattern is the bulk lookup's: a batch of 32 random lines is
 * prefetched, then each is read, so up to 32 misses may be in flight, as
 * many as the core allows. Reported: TSC ns per line, best of 5 passes of
 * 100 k batches, for arrays of 1 MiB to 512 MiB, in 2 MiB hugepages
 * (MAP_HUGETLB; needs reserved pages, as bench_pipeline --huge; without
 * them that column reads n/a) and in 4 KiB pages (transparent hugepages
 * disabled for the array). The gap
 * between the two is address translation; the rise with size in hugepages
 * is the caches running out.
 *
 * No DPDK: a plain process, pinned with taskset.
 *   taskset -c 1 build/test/bench/bench_randread [--max-mib N]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#define BATCH 32
#define BATCHES 100000
#define PASSES 5
#define LINE 64

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static inline uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* TSC ticks per ns, from the wall clock over a short interval. */
static double
tsc_per_ns(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 100000000L);
	t1 = __rdtsc();
	return (double)(t1 - t0) /
	       (double)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
}

/* Best ns per line over PASSES passes on the first `bytes` of p. */
static double
measure(const volatile uint8_t *p, size_t bytes, double tpn, uint64_t *sink)
{
	uint64_t lines = bytes / LINE, best = UINT64_MAX;
	unsigned int pass, b, i;

	for (pass = 0; pass < PASSES; pass++) {
		uint64_t t0 = __rdtsc(), t;

		for (b = 0; b < BATCHES; b++) {
			uint64_t idx[BATCH];

			for (i = 0; i < BATCH; i++) {
				idx[i] = (uint64_t)(((unsigned __int128)xorshift() * lines) >> 64);
				__builtin_prefetch((const void *)(p + idx[i] * LINE));
			}
			for (i = 0; i < BATCH; i++)
				*sink += p[idx[i] * LINE];
		}
		t = __rdtsc() - t0;
		if (t < best)
			best = t;
	}
	return (double)best / tpn / ((double)BATCHES * BATCH);
}

static uint8_t *
map(size_t bytes, int huge)
{
	uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0), -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* 4 KiB means 4 KiB: no transparent hugepage may back the array. */
	if (!huge && madvise(p, bytes, MADV_NOHUGEPAGE) != 0) {
		munmap(p, bytes);
		return NULL;
	}
	memset(p, 1, bytes);
	return p;
}

int
main(int argc, char **argv)
{
	size_t max_mib = 512, mib;
	uint8_t *pages[2];
	uint64_t sink = 0;
	double tpn;
	int h;

	if (argc == 3 && strcmp(argv[1], "--max-mib") == 0) {
		max_mib = strtoul(argv[2], NULL, 10);
	} else if (argc != 1) {
		fprintf(stderr, "usage: bench_randread [--max-mib N]\n");
		return 2;
	}
	if (max_mib < 1 || max_mib > 65536) {
		fprintf(stderr, "bench_randread: --max-mib 1..65536\n");
		return 2;
	}
	for (h = 0; h < 2; h++) {
		pages[h] = map(max_mib << 20, h == 0);
		if (pages[h] == NULL)
			fprintf(stderr, "bench_randread: %zu MiB in %s: %s%s\n", max_mib,
				h == 0 ? "hugepages" : "4 KiB pages", strerror(errno),
				h == 0 ? " (reserve: echo N > /proc/sys/vm/nr_hugepages)" : "");
	}
	if (pages[1] == NULL)
		return 1;
	tpn = tsc_per_ns();
	printf("bench_randread: batches of %d prefetched random lines, best of %d x %d batches\n",
	       BATCH, PASSES, BATCHES);
	printf("%10s %16s %16s %8s\n", "MiB", "2M pages ns/line", "4K pages ns/line", "4K/2M");
	for (mib = 1; mib <= max_mib; mib *= 2) {
		double t[2];

		for (h = 0; h < 2; h++)
			t[h] = pages[h] != NULL ? measure(pages[h], mib << 20, tpn, &sink) : 0;
		if (pages[0] != NULL)
			printf("%10zu %16.2f %16.2f %8.2f\n", mib, t[0], t[1], t[1] / t[0]);
		else
			printf("%10zu %16s %16.2f %8s\n", mib, "n/a", t[1], "n/a");
	}
	/* Keeps the reads from being optimised away. */
	return sink == 0 ? 1 : 0;
}
