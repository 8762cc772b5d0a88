/*
 * Session sync's whole path on one core, the stages in turn: encode and
 * send (sync_encode, sendto on a loopback UDP socket), receive and
 * authenticate (recvfrom, sync_decode, the replay window) and hand to the
 * owning worker's ring (sync_hand_out, as the control lcore does), then
 * install (worker_sync_pass on a real worker: service and backend found,
 * ct_insert, state and expiry set). Each stage is timed on its own, in
 * records per second; a round repeats the three stages over slices that
 * fit a worker's install ring, and rounds are repeated so that the VM's
 * fast and slow phases fall on every stage. Medians and fastest rounds.
 * The table fills as rounds go (fresh client endpoints each time); its
 * load at the end is printed.
 *
 * Usage: bench_sync_path [rounds] [slices per round]
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>

#include "control/sync.h"
#include "control/sync_wire.h"
#include "dataplane/conntrack.h"
#include "dataplane/worker.h"
#include "inproc.h"
#include "bench_util.h"

#define SLICE_MSGS (SL_SYNC_RING_SIZE / SYNC_MAX_RECS - 1)
#define N_BACKENDS 16

static const char config_text[] =
	"conntrack: { capacity = 2097152; };\n"
	INPROC_PORTS
	"sync: { node_id = 1; key = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\";\n"
	"  source = \"198.18.1.1\"; peers = [ \"198.18.1.2\" ]; };\n"
	"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\";\n"
	"  scheduler = \"wlc\"; forward = \"nat\"; backends = (\n"
	"    { address = \"198.18.1.11\"; port = 8080; }, { address = \"198.18.1.12\"; port = 8080; },\n"
	"    { address = \"198.18.1.13\"; port = 8080; }, { address = \"198.18.1.14\"; port = 8080; },\n"
	"    { address = \"198.18.1.15\"; port = 8080; }, { address = \"198.18.1.16\"; port = 8080; },\n"
	"    { address = \"198.18.1.17\"; port = 8080; }, { address = \"198.18.1.18\"; port = 8080; },\n"
	"    { address = \"198.18.1.19\"; port = 8080; }, { address = \"198.18.1.20\"; port = 8080; },\n"
	"    { address = \"198.18.1.21\"; port = 8080; }, { address = \"198.18.1.22\"; port = 8080; },\n"
	"    { address = \"198.18.1.23\"; port = 8080; }, { address = \"198.18.1.24\"; port = 8080; },\n"
	"    { address = \"198.18.1.25\"; port = 8080; }, { address = \"198.18.1.26\"; port = 8080; }\n"
	"  ); } );\n";

static void
report(const char *what, double *rate, unsigned int n)
{
	qsort(rate, n, sizeof(*rate), bench_cmp_double);
	printf("  %-34s median %6.2f M records/s, fastest round %6.2f\n", what,
	       rate[n / 2] / 1e6, rate[n - 1] / 1e6);
}

int
main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 9;
	unsigned int slices = argc > 2 ? (unsigned int)atoi(argv[2]) : 8;
	static struct sync_rec recs[SYNC_MAX_RECS], got[SYNC_MAX_RECS];
	static uint8_t msg[SYNC_MAX_MSG], rx[SYNC_MAX_MSG];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sync_hdr h = { .type = SYNC_T_CONNS, .group = 1, .sender = 2, .epoch = 3 };
	struct sync_key key = { .len = 32 };
	struct sync_replay win = { 0 };
	double *tx, *rxr, *ins;
	struct sl_app app;
	struct cfg *cfg;
	struct worker *w;
	socklen_t tl = sizeof(to);
	uint64_t client = 0, bad = 0, lost = 0, installed0;
	unsigned int r, s, m, i;
	int fs, fr, buf = 16 << 20;

	if (rounds == 0 || slices == 0) {
		fprintf(stderr, "usage: %s [rounds] [slices per round]\n", argv[0]);
		return EXIT_FAILURE;
	}
	memset(&app, 0, sizeof(app));
	if (inproc_start("bench_sync_path", config_text, 1, 768, &app, &cfg) != 0)
		return EXIT_FAILURE;
	w = app.workers[0];
	memcpy(key.bytes, cfg->sync.key, 32);
	fs = socket(AF_INET, SOCK_DGRAM, 0);
	fr = socket(AF_INET, SOCK_DGRAM, 0);
	if (fs < 0 || fr < 0 || bind(fr, (struct sockaddr *)&to, sizeof(to)) != 0 ||
	    getsockname(fr, (struct sockaddr *)&to, &tl) != 0) {
		perror("bench_sync_path: loopback socket");
		return EXIT_FAILURE;
	}
	if (setsockopt(fr, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fr, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	tx = calloc(rounds, sizeof(*tx));
	rxr = calloc(rounds, sizeof(*rxr));
	ins = calloc(rounds, sizeof(*ins));
	if (tx == NULL || rxr == NULL || ins == NULL)
		return EXIT_FAILURE;
	for (r = 0; r < rounds; r++) {
		double t_tx = 0, t_rx = 0, t_in = 0, t0;
		uint64_t n_recs = (uint64_t)slices * SLICE_MSGS * SYNC_MAX_RECS;

		for (s = 0; s < slices; s++) {
			t0 = bench_now_s();
			for (m = 0; m < SLICE_MSGS; m++) {
				size_t len;

				for (i = 0; i < SYNC_MAX_RECS; i++, client++)
					recs[i] = (struct sync_rec){
						.proto = IPPROTO_TCP, .mode = 0, .state = CT_ESTABLISHED,
						.caddr = htonl(0x0a000000u + (uint32_t)(client / 60000)),
						.cport = htons((uint16_t)(1024 + client % 60000)),
						.vaddr = htonl(0xc612000au), .vport = htons(80),
						.daddr = htonl(0xc612010bu + (uint32_t)(client % N_BACKENDS)),
						.dport = htons(8080), .timeout_ms = 900000,
					};
				h.seq++;
				len = sync_encode(msg, &key, &h, recs, SYNC_MAX_RECS);
				if (sendto(fs, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
					bad++;
			}
			t_tx += bench_now_s() - t0;
			t0 = bench_now_s();
			for (m = 0; m < SLICE_MSGS; m++) {
				struct sync_hdr gh;
				uint32_t n;
				ssize_t got_len = recv(fr, rx, sizeof(rx), 0);

				if (got_len <= 0 ||
				    sync_decode(rx, (size_t)got_len, &key, 1, &gh, got, &n) != SYNC_OK ||
				    sync_replay_accept(&win, gh.epoch, gh.seq) != SYNC_OK) {
					bad++;
					continue;
				}
				lost += sync_hand_out(&app, got, n);
			}
			t_rx += bench_now_s() - t0;
			worker_pass_begin(w);
			installed0 = w->stats.sync_installed;
			t0 = bench_now_s();
			while (!rte_ring_empty(w->sync_in))
				worker_sync_pass(w);
			t_in += bench_now_s() - t0;
			if (w->stats.sync_installed - installed0 != (uint64_t)SLICE_MSGS * SYNC_MAX_RECS)
				bad++;
		}
		tx[r] = (double)n_recs / t_tx;
		rxr[r] = (double)n_recs / t_rx;
		ins[r] = (double)n_recs / t_in;
	}
	printf("bench_sync_path: %u rounds x %u slices x %u messages of %u records, HMAC-SHA256,"
	       " 1 worker, NAT, %d backends\n", rounds, slices, (unsigned int)SLICE_MSGS,
	       (unsigned int)SYNC_MAX_RECS, N_BACKENDS);
	report("encode + send (loopback UDP)", tx, rounds);
	report("receive + authenticate + hand out", rxr, rounds);
	report("install (worker)", ins, rounds);
	printf("  table at the end: %u connections of %u; %" PRIu64 " failures, %" PRIu64
	       " records dropped (ring full)\n", ct_table_stats(w->ct)->active,
	       ct_capacity(w->ct), bad, lost);
	close(fs);
	close(fr);
	inproc_stop(&app, &cfg);
	return bad == 0 && lost == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
