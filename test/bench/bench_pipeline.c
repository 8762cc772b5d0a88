/*
 * Pipeline benchmark (issue 4): one worker's real packet path (parse ->
 * conntrack -> schedule -> rewrite -> TX) on one core, fed pre-built mbufs
 * in bursts of 32, no real I/O.
 *
 * The set-up is the appliance's own: rte_eal_init, a config from
 * cfg_load_string() naming two net_null ports, app_init() with one worker,
 * and a neighbour table (gateway + backends) published in app.neigh, since
 * no control lcore runs. The main lcore then acts as worker 0, exactly as
 * worker_main() does: worker_pass_begin, one burst "received" per port,
 * worker_pass_end (TX flush, expiry slice).
 *
 * Feed: each burst is 32 mbufs taken from the port's pool
 * (rte_pktmbuf_alloc_bulk) and filled from a 64-byte template (addresses,
 * ports, incremental IPv4 and TCP checksums) for random flows. The worker
 * sends them to net_null, whose TX frees them back to the pool, so mbufs go
 * round. The feed is timed on its own too, ending in rte_pktmbuf_free_bulk
 * ("feed") and in a net_null TX burst ("feed+null"): the worker's share is
 * gross - feed, and null - feed is what net_null's TX costs per packet.
 * The worker's share is also timed directly ("timed"): each pass builds
 * both bursts first, then reads the TSC around worker_pass_begin ...
 * worker_pass_end only, so the mbufs reach the worker pre-built, as the
 * issue defines the benchmark, and in cache, as after an RX burst.
 *
 * Each configuration runs in a child process with its own EAL (forked
 * before rte_eal_init): a table size is fixed at app_init(), and ports and
 * named pools cannot be set up twice in one process.
 *
 * Scenarios:
 *   est  N connections opened (SYN, SYN-ACK, ACK: ESTABLISHED), then
 *        64-byte ACKs of random flows, per pass one burst client->VIP on
 *        port 0 and one burst backend->client on port 1 (50/50);
 *   new  SYNs from never-seen client endpoints, one burst per pass; the
 *        table holds a whole run, and the run's connections are deleted
 *        (untimed) before the next run;
 *   mix  est with 20 % of the port-0 packets new SYNs: 10 % new overall;
 *   mem  heap bytes a worker takes per connection (rte_malloc heap stats
 *        around worker_create), against ct_table_memsize().
 *
 * Usage: see usage() below; results to stdout and, with --csv, a CSV that
 * test/bench/plot_mpps.py turns into docs/mpps_vs_conns.svg.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "dataplane/limits.h"

#include "bench_pipeline.h"

const char *const sc_names[SC__COUNT] = { "est", "new", "mix", "mem" };

/* 1-minute load average: a busy machine shows in the figures. */
static double
loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Busy share of all CPUs over `ms` milliseconds, from /proc/stat; -1 if unknown. */
static double
cpu_busy(unsigned int ms)
{
	unsigned long long v[2][8];
	int k, i;

	for (k = 0; k < 2; k++) {
		FILE *f = fopen("/proc/stat", "r");
		int got;

		if (f == NULL)
			return -1;
		got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[k][0], &v[k][1],
			     &v[k][2], &v[k][3], &v[k][4], &v[k][5], &v[k][6], &v[k][7]);
		fclose(f);
		if (got != 8)
			return -1;
		if (k == 0)
			usleep(ms * 1000);
	}
	{
		unsigned long long tot = 0, idle = (v[1][3] - v[0][3]) + (v[1][4] - v[0][4]);

		for (i = 0; i < 8; i++)
			tot += v[1][i] - v[0][i];
		return tot == 0 ? -1 : 1.0 - (double)idle / (double)tot;
	}
}

/*
 * --wait-quiet: on a shared machine, wait (up to `s` seconds) until all
 * CPUs are under 10 % busy for half a second before starting a run.
 */
static void
wait_quiet(unsigned int s)
{
	unsigned int waited = 0;
	double b = 1;

	while (waited < s * 2 && (b = cpu_busy(500)) > 0.10)
		waited++;
	if (b > 0.10)
		fprintf(stderr, "bench: machine still %.0f %% busy after %u s; running anyway\n",
			b * 100, s);
}

/* Parent: one child per configuration; result back through a pipe. */
static int
run_config(const struct opts *o, enum scenario sc, uint32_t conns, struct result *r,
	   const char *argv0)
{
	int fd[2], status;
	pid_t pid;
	ssize_t got;

	memset(r, 0, sizeof(*r));
	if (o->wait_quiet > 0)
		wait_quiet(o->wait_quiet);
	r->loadavg = loadavg();
	if (pipe(fd) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		bench_child_run(o, sc, conns, r, argv0);
		if (write(fd[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(2);
		_exit(r->ok ? 0 : 1);
	}
	close(fd[1]);
	got = read(fd[0], r, sizeof(*r));
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got != (ssize_t)sizeof(*r) || !r->ok) {
		r->ok = 0;
		return -1;
	}
	return 0;
}

/* Output */

static void
print_result(const struct opts *o, const struct result *r, FILE *csv)
{
	double g = bench_median(r->gross_ns, r->runs), net = g - r->feed_ns;
	double tw = bench_median(r->timed_ns, r->runs);
	double gmin = r->gross_ns[0], gmax = r->gross_ns[0];
	unsigned int i;

	if (r->sc == SC_MEM) {
		printf("mem  capacity %10u  worker heap %12" PRIu64 " B = %6.1f B/conn"
		       "  (ct_table_memsize %6.1f B/conn)\n",
		       r->conns, r->mem_bytes, r->mem_per_conn, r->memsize_per_conn);
		if (csv != NULL)
			fprintf(csv, "mem,%u,%u,%s,%s,,,,,,,,,,,%.2f,%.2f,,%.2f,,\n", r->conns,
				r->capacity, o->sched, o->huge ? "huge" : "nohuge", r->mem_per_conn,
				r->memsize_per_conn, r->loadavg);
		return;
	}
	for (i = 1; i < r->runs; i++) {
		gmin = RTE_MIN(gmin, r->gross_ns[i]);
		gmax = RTE_MAX(gmax, r->gross_ns[i]);
	}
	printf("%-4s conns %9u cap %9u %s: gross %6.1f ns/pkt %6.2f Mpps"
	       " [%.1f..%.1f ns] | feed %5.1f ns (+null tx %4.1f) |"
	       " worker %6.1f ns/pkt %6.2f Mpps | timed %6.1f ns/pkt %6.2f Mpps%s",
	       sc_names[r->sc], r->conns, r->capacity, o->sched, g, 1e3 / g, gmin, gmax,
	       r->feed_ns, r->null_ns - r->feed_ns, net, 1e3 / net, tw, 1e3 / tw,
	       r->sc == SC_NEW ? " = conns/s" : "");
	if (r->sc == SC_MIX)
		printf(" (new %.1f %%)", r->new_frac * 100);
	printf(" load %.1f\n", r->loadavg);
	if (csv != NULL)
		fprintf(csv, "%s,%u,%u,%s,%s,%u,%" PRIu64 ",%.2f,%.3f,%.2f,%.2f,%.2f,%.3f,%.2f,%.2f,,,"
			"%.4f,%.2f,%.2f,%.3f\n",
			sc_names[r->sc], r->conns, r->capacity, o->sched,
			o->huge ? "huge" : "nohuge", r->runs, r->pkts, g, 1e3 / g, r->feed_ns,
			r->null_ns - r->feed_ns, net, 1e3 / net, gmin, gmax, r->new_frac, r->loadavg,
			tw, 1e3 / tw);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bench_pipeline [options]\n"
		"  --scenario LIST  est,new,mix,mem (default: all)\n"
		"  --conns LIST     established flows for est and capacities for mem,\n"
		"                   K/M suffixes (default 1K,1M,10M)\n"
		"  --base N         established flows under new and mix (default 1M;\n"
		"                   new with --base 0 starts from an empty table)\n"
		"  --pkts N         packets per run, est and mix (default 16M)\n"
		"  --new N          SYNs per run, new (default 4M)\n"
		"  --runs N         timed runs; medians are reported (default 5)\n"
		"  --backends N     backends of the service (default 16)\n"
		"  --sched NAME     scheduler (default wlc)\n"
		"  --lcore N        core to run on (default 1)\n"
		"  --huge           hugepages (default --no-huge); reserve them first\n"
		"  --sw-csum        verify IPv4 checksums in software (default: mbufs\n"
		"                   carry RX_IP_CKSUM_GOOD, as from a NIC with offload)\n"
		"  --eal 'ARGS'     extra EAL arguments\n"
		"  --csv FILE       write one row per configuration\n"
		"  --wait-quiet S   before each configuration, wait up to S seconds for\n"
		"                   the machine to be idle (all CPUs < 10 %% busy)\n"
		"  --quick          tiny run (1K flows, 3 runs), a few seconds\n"
		"  --sync           session sync on: the worker reports connections to its\n"
		"                   ring (drained outside the worker's timing)\n"
		"  --udp            new flows (new, mix) are UDP datagrams, each reported\n"
		"                   as it is made when --sync\n");
}

static int
parse_count(const char *s, uint64_t *v)
{
	char *end;
	double x = strtod(s, &end);

	if (end == s || x < 0)
		return -1;
	if (*end == 'K' || *end == 'k')
		x *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		x *= 1048576, end++;
	if (*end != '\0')
		return -1;
	*v = (uint64_t)x;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'c' },
		{ "base", required_argument, NULL, 'b' },
		{ "pkts", required_argument, NULL, 'p' },
		{ "new", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'B' },
		{ "sched", required_argument, NULL, 'S' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "huge", no_argument, NULL, 'H' },
		{ "sw-csum", no_argument, NULL, 'C' },
		{ "eal", required_argument, NULL, 'E' },
		{ "csv", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "wait-quiet", required_argument, NULL, 'w' },
		{ "sync", no_argument, NULL, 'Y' },
		{ "udp", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *list = NULL, *tok, *save;
	uint64_t v;
	int opt, i, any = 0;

	memset(o, 0, sizeof(*o));
	o->base = 1u << 20;
	o->pkts = 16u << 20;
	o->new_per_run = 4u << 20;
	o->runs = 5;
	o->backends = 16;
	snprintf(o->sched, sizeof(o->sched), "wlc");
	o->lcore = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				for (i = 0; i < SC__COUNT && strcmp(tok, sc_names[i]) != 0; i++)
					;
				if (i == SC__COUNT) {
					fprintf(stderr, "unknown scenario '%s'\n", tok);
					return -1;
				}
				o->scenarios[i] = 1;
				any = 1;
			}
			free(list);
			break;
		case 'c':
			list = strdup(optarg);
			o->n_conns = 0;
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (parse_count(tok, &v) != 0 || v == 0 || v > SL_MAX_CT_CAPACITY ||
				    o->n_conns == MAX_CONFIGS) {
					fprintf(stderr, "bad --conns entry '%s'\n", tok);
					return -1;
				}
				o->conns[o->n_conns++] = (uint32_t)v;
			}
			free(list);
			break;
		case 'b':
		case 'p':
		case 'n':
		case 'r':
		case 'B':
		case 'l':
		case 'w':
			if (parse_count(optarg, &v) != 0) {
				fprintf(stderr, "bad number '%s'\n", optarg);
				return -1;
			}
			if (opt == 'b')
				o->base = (uint32_t)v;
			else if (opt == 'p')
				o->pkts = v;
			else if (opt == 'n')
				o->new_per_run = v;
			else if (opt == 'r')
				o->runs = v < 1 ? 1 : v > MAX_RUNS ? MAX_RUNS : (unsigned int)v;
			else if (opt == 'B')
				o->backends = v < 1 ? 1 : v > MAX_BACKENDS ? MAX_BACKENDS : (uint32_t)v;
			else if (opt == 'w')
				o->wait_quiet = (unsigned int)v;
			else
				o->lcore = (unsigned int)v;
			break;
		case 'S':
			snprintf(o->sched, sizeof(o->sched), "%s", optarg);
			break;
		case 'H':
			o->huge = 1;
			break;
		case 'C':
			o->sw_csum = 1;
			break;
		case 'E':
			o->eal_extra = optarg;
			break;
		case 'o':
			o->csv = optarg;
			break;
		case 'q':
			o->quick = 1;
			break;
		case 'Y':
			o->sync = 1;
			break;
		case 'U':
			o->udp = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!any)
		for (i = 0; i < SC__COUNT; i++)
			o->scenarios[i] = 1;
	if (o->quick) {
		o->conns[0] = 1024;
		o->n_conns = 1;
		o->base = 1024;
		o->pkts = 1u << 20;
		o->new_per_run = 1u << 18;
		o->runs = 3;
	} else if (o->n_conns == 0) {
		o->conns[0] = 1024;
		o->conns[1] = 1u << 20;
		o->conns[2] = 10000000;
		o->n_conns = 3;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct result r;
	FILE *csv = NULL;
	unsigned int i;
	int sc, failed = 0;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.csv != NULL) {
		csv = fopen(o.csv, "w");
		if (csv == NULL) {
			fprintf(stderr, "bench: %s: %s\n", o.csv, strerror(errno));
			return 2;
		}
		fprintf(csv, "scenario,conns,capacity,sched,memory,runs,pkts_per_run,"
			"gross_ns,gross_mpps,feed_ns,null_tx_ns,worker_ns,worker_mpps,"
			"gross_ns_min,gross_ns_max,bytes_per_conn,memsize_per_conn,new_frac,loadavg,"
			"timed_ns,timed_mpps\n");
	}
	printf("bench_pipeline: 1 worker on lcore %u, %s, %u backends, %s, bursts of %d,"
	       " %d-byte frames, IPv4 checksum %s, new flows %s, session sync %s\n",
	       o.lcore, o.huge ? "hugepages" : "--no-huge", o.backends, o.sched, BURST,
	       FRAME_LEN + 4, o.sw_csum ? "verified in software" : "offloaded (RX flag)",
	       o.udp ? "UDP" : "TCP SYNs", o.sync ? "on" : "off");
	for (sc = 0; sc < SC__COUNT; sc++) {
		if (!o.scenarios[sc])
			continue;
		if (sc == SC_EST || sc == SC_MEM) {
			for (i = 0; i < o.n_conns; i++) {
				if (run_config(&o, sc, o.conns[i], &r, argv[0]) != 0) {
					fprintf(stderr, "bench: %s %u failed\n", sc_names[sc], o.conns[i]);
					failed = 1;
					continue;
				}
				print_result(&o, &r, csv);
			}
		} else if (run_config(&o, sc, o.base, &r, argv[0]) == 0) {
			print_result(&o, &r, csv);
		} else {
			fprintf(stderr, "bench: %s failed\n", sc_names[sc]);
			failed = 1;
		}
		fflush(stdout);
		if (csv != NULL)
			fflush(csv);
	}
	if (csv != NULL)
		fclose(csv);
	return failed;
}
