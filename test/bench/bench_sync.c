/*
 * Session sync's codec on one core: full messages (SYNC_MAX_RECS records)
 * encoded with their MAC, and decoded (framing, MAC, every record) plus the
 * replay window, in records per second. Rounds alternate encode and decode
 * so the VM's fast and slow phases fall on both; the median and the
 * fastest round of each are printed. What the control lcore's sender and
 * receiver can do at most, before sockets and installs.
 *
 * Usage: bench_sync [rounds] [messages per round]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "control/sync_wire.h"
#include "dataplane/conntrack_types.h"
#include "dataplane/snapshot.h"
#include "bench_util.h"

int
main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 9;
	unsigned int msgs = argc > 2 ? (unsigned int)atoi(argv[2]) : 20000;
	static const struct sync_key key = { .bytes = "bench-sync-key-0123456789abcdef!", .len = 32 };
	struct sync_rec recs[SYNC_MAX_RECS], out[SYNC_MAX_RECS];
	struct sync_hdr h = { .type = SYNC_T_CONNS, .group = 1, .sender = 2, .epoch = 3 };
	struct sync_replay w = { 0 };
	uint8_t buf[SYNC_MAX_MSG];
	double *enc, *dec;
	unsigned int r, m, i, bad = 0;

	if (rounds == 0 || msgs == 0) {
		fprintf(stderr, "usage: %s [rounds] [messages per round]\n", argv[0]);
		return EXIT_FAILURE;
	}
	enc = calloc(rounds, sizeof(*enc));
	dec = calloc(rounds, sizeof(*dec));
	if (enc == NULL || dec == NULL)
		return EXIT_FAILURE;
	for (i = 0; i < SYNC_MAX_RECS; i++)
		recs[i] = (struct sync_rec){
			.proto = IPPROTO_TCP, .mode = SVC_MODE_FULLNAT, .state = CT_ESTABLISHED,
			.caddr = htonl(0xc6120003u + i), .vaddr = htonl(0xc612000au),
			.daddr = htonl(0xc612010bu), .laddr = htonl(0xc6120164u),
			.cport = htons((uint16_t)(40000 + i)), .vport = htons(80),
			.dport = htons(8080), .lport = htons((uint16_t)(1024 + i)),
			.timeout_ms = 900000,
		};
	for (r = 0; r < rounds; r++) {
		double t0 = bench_now_s();
		size_t len = 0;

		for (m = 0; m < msgs; m++) {
			h.seq = r * msgs + m + 1;
			recs[0].timeout_ms = m;     /* a different message each time */
			len = sync_encode(buf, &key, &h, recs, SYNC_MAX_RECS);
		}
		enc[r] = (double)msgs * SYNC_MAX_RECS / (bench_now_s() - t0);
		t0 = bench_now_s();
		for (m = 0; m < msgs; m++) {
			struct sync_hdr got;
			uint32_t n;

			if (sync_decode(buf, len, &key, 1, &got, out, &n) != SYNC_OK ||
			    n != SYNC_MAX_RECS)
				bad++;
			/* A window that accepts: each message a new sequence. */
			if (sync_replay_accept(&w, got.epoch, r * msgs + m + 1) != SYNC_OK)
				bad++;
		}
		dec[r] = (double)msgs * SYNC_MAX_RECS / (bench_now_s() - t0);
	}
	if (bad != 0) {
		fprintf(stderr, "bench_sync: %u messages refused\n", bad);
		return EXIT_FAILURE;
	}
	qsort(enc, rounds, sizeof(*enc), bench_cmp_double);
	qsort(dec, rounds, sizeof(*dec), bench_cmp_double);
	printf("encode+MAC          records/s median %.2f M  fastest %.2f M  (%u rounds x %u msgs x %u records)\n",
	       enc[rounds / 2] / 1e6, enc[rounds - 1] / 1e6, rounds, msgs, (unsigned int)SYNC_MAX_RECS);
	printf("decode+MAC+replay   records/s median %.2f M  fastest %.2f M\n",
	       dec[rounds / 2] / 1e6, dec[rounds - 1] / 1e6);
	free(enc);
	free(dec);
	return EXIT_SUCCESS;
}
