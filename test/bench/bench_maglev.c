/*
 * Maglev build time: sched_build(SCHED_ALGO_MH) for 1000 backends into a
 * table of M = 65537 (the default), repeated, reporting the median and p99
 * in microseconds. The control lcore rebuilds on every health change, so
 * the budget is about 1 ms. Runs with equal weights, with weights 1..100,
 * where backends skip turns for want of credit, and with the worst case of
 * the credit scheme: one backend of weight 65535 among weights 1, which
 * fills nearly the whole table alone, one slot a round.
 *
 * Usage: bench_maglev [iterations] [backends] [table size]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/sched.h"
#include "bench_util.h"

/* Builds `iters` tables; prints median and p99. Returns 0 or -1. */
static int
bench(const char *label, const struct sched_backend *b, uint32_t n,
      uint32_t m, unsigned int iters)
{
	struct sched_params params = { .mh_size = m };
	double *us = malloc(iters * sizeof(*us));
	uint32_t size = 0;
	unsigned int i, p99;

	if (us == NULL)
		return -1;
	for (i = 0; i < iters; i++) {
		struct sched_table *t;
		double t0 = bench_now_s() * 1e6;

		t = sched_build(SCHED_ALGO_MH, b, n, &params);
		us[i] = bench_now_s() * 1e6 - t0;
		if (t == NULL) {
			fprintf(stderr, "sched_build: %s\n", strerror(errno));
			free(us);
			return -1;
		}
		sched_mh_table(t, &size);
		sched_free(t);
	}
	qsort(us, iters, sizeof(*us), bench_cmp_double);
	p99 = (iters * 99 + 99) / 100 - 1;
	printf("%-14s backends=%u M=%u iters=%u median=%.1f us p99=%.1f us "
	       "min=%.1f us max=%.1f us\n", label, n, size, iters,
	       us[iters / 2], us[p99], us[0], us[iters - 1]);
	free(us);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int iters = argc > 1 ? (unsigned int)atoi(argv[1]) : 200;
	uint32_t n = argc > 2 ? (uint32_t)atoi(argv[2]) : 1000;
	uint32_t m = argc > 3 ? (uint32_t)atoi(argv[3]) : SCHED_MH_DEFAULT_SIZE;
	struct sched_backend *b;
	uint32_t i;
	int ret = EXIT_SUCCESS;

	if (iters == 0 || n == 0) {
		fprintf(stderr, "usage: %s [iterations] [backends] [size]\n",
			argv[0]);
		return EXIT_FAILURE;
	}
	b = calloc(n, sizeof(*b));
	if (b == NULL)
		return EXIT_FAILURE;
	for (i = 0; i < n; i++) {
		/* 10.0.0.0/8 hosts, port 80, in network order. */
		b[i].id = i;
		b[i].ip = __builtin_bswap32(0x0a000000u + i + 1);
		b[i].port = __builtin_bswap16(80);
		b[i].weight = 1;
		b[i].up = 1;
	}
	if (bench("equal weights", b, n, m, iters) < 0)
		ret = EXIT_FAILURE;
	for (i = 0; i < n; i++)
		b[i].weight = (uint16_t)(1 + (i * 37) % 100);
	if (bench("weights 1..100", b, n, m, iters) < 0)
		ret = EXIT_FAILURE;
	for (i = 0; i < n; i++)
		b[i].weight = i == 0 ? 65535 : 1;
	if (bench("one 65535", b, n, m, iters) < 0)
		ret = EXIT_FAILURE;
	free(b);
	return ret;
}
