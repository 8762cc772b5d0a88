/*
 * The management server on a real UNIX socket in a temporary directory, with
 * small deadlines and caps: a drip is cut at its request deadline, a client
 * that never reads at its write deadline, the cap evicts the oldest reader
 * or refuses; a slow handler holds up only its lane. Also the request
 * formats (mgmt_req.h) and srv_listen_unix's modes.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/mgmt_req.h"
#include "control/srv.h"
#include "unit.h"

static char dir[64];
static char path[96];

static uint64_t
ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned int n)
{
	struct timespec ts = { .tv_sec = n / 1000, .tv_nsec = (long)(n % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sl-test-srv-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s.sock", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static int
dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read to EOF within max ms into buf; bytes read, -1 on timeout. */
static int
read_all(int fd, char *buf, size_t cap, unsigned int max)
{
	uint64_t end = ms() + max;
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(end - ms());
		ssize_t k;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		k = recv(fd, buf + got, cap - 1 - got, 0);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	return (int)got;
}

/* One request, its answer within max ms; the answer's length or -1. */
static int
ask(const char *req, char *buf, size_t cap, unsigned int max)
{
	int fd = dial(), n;

	if (fd < 0)
		return -1;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	n = read_all(fd, buf, cap, max);
	close(fd);
	return n;
}

/* "echo X\n\n" answers "X"; "slow\n\n" sleeps 600 ms first; "big" 4 MB. */
static void
handle(char *req, size_t len, FILE *out)
{
	(void)len;
	if (strncmp(req, "slow", 4) == 0) {
		sleep_ms(600);
		fputs("slept", out);
	} else if (strncmp(req, "big", 3) == 0) {
		/* In blocks: 4 M fputc calls took over a second on a busy
		 * machine, time the write-deadline test then counted. */
		static char block[64 << 10];
		size_t i;

		memset(block, 'x', sizeof(block));
		for (i = 0; i < (4u << 20) / sizeof(block); i++)
			fwrite(block, 1, sizeof(block), out);
	} else if (strncmp(req, "echo ", 5) == 0) {
		fwrite(req + 5, 1, strcspn(req + 5, "\n"), out);
	}
}

static unsigned int
lane_of(const char *req, size_t len)
{
	(void)len;
	return strncmp(req, "slow", 4) == 0 ? 1 : 0;
}

static struct srv_counters cnt;

static struct srv *
start(unsigned int max_conns, unsigned int lanes)
{
	struct srv *s = NULL;
	int fd = srv_listen_unix(path, 0600, 16);

	memset(&cnt, 0, sizeof(cnt));
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(srv_start(&s, fd, &(struct srv_conf){
		.name = "test-srv", .handle = handle, .lane = lane_of, .n_lanes = lanes,
		.ends = mgmt_api_ends, .max_req = 256, .max_conns = max_conns,
		.read_ms = 400, .write_ms = 400, .counters = &cnt }) == 0);
	return s;
}

static struct srv_counters
counters(void)
{
	struct srv_counters c;

	srv_counters_read(&cnt, &c);
	return c;
}

static void
test_framing(void)
{
	static const char *const two[] = { "\r\n\r\n", "\n\n", NULL };

	CU_ASSERT_EQUAL(srv_request_end(mgmt_api_ends, "list\n", 5), 0);
	CU_ASSERT_EQUAL(srv_request_end(mgmt_api_ends, "list\n\nmore", 10), 6);
	CU_ASSERT_EQUAL(srv_request_end(mgmt_api_ends, "a\0b\n\n", 5), 5);   /* NULs */
	CU_ASSERT_EQUAL(srv_request_end(two, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	CU_ASSERT_EQUAL(srv_request_end(two, "x\n\ny\r\n\r\n", 8), 3);        /* first */
	CU_ASSERT_EQUAL(srv_request_end(two, "", 0), 0);
}

static void
test_formats(void)
{
	char req[] = "--json\nconns\n-n\n5\n\n", bad[] = "list\n", *argv[4];

	CU_ASSERT_EQUAL(mgmt_api_parse(req, strlen(req), argv, 4), 4);
	CU_ASSERT_STRING_EQUAL(argv[1], "conns");
	CU_ASSERT_STRING_EQUAL(argv[3], "5");
	CU_ASSERT_EQUAL(mgmt_api_parse(bad, strlen(bad), argv, 4), -EINVAL);
	{
		char many[] = "a\nb\nc\nd\ne\n\n";

		CU_ASSERT_EQUAL(mgmt_api_parse(many, strlen(many), argv, 4), -E2BIG);
	}
	{
		char none[] = "\n\n";

		CU_ASSERT_EQUAL(mgmt_api_parse(none, 2, argv, 4), 0);
	}
	CU_ASSERT_EQUAL(mgmt_api_lane("list\n\n", 6), MGMT_LANE_QUICK);
	CU_ASSERT_EQUAL(mgmt_api_lane("--json\nstats\n\n", 14), MGMT_LANE_QUICK);
	CU_ASSERT_EQUAL(mgmt_api_lane("conns\n\n", 7), MGMT_LANE_SLOW);
	CU_ASSERT_EQUAL(mgmt_api_lane("listx\n\n", 7), MGMT_LANE_SLOW);
	CU_ASSERT_EQUAL(mgmt_api_lane("list", 4), MGMT_LANE_SLOW);
	CU_ASSERT_EQUAL(mgmt_prom_route("GET /metrics HTTP/1.1\r\n\r\n", 25), MGMT_PROM_METRICS);
	CU_ASSERT_EQUAL(mgmt_prom_route("GET /metrics?x=1 HTTP/1.1\r\n\r\n", 29),
			MGMT_PROM_METRICS);
	CU_ASSERT_EQUAL(mgmt_prom_route("GET /metricsx HTTP/1.1\r\n\r\n", 26),
			MGMT_PROM_NOT_FOUND);
	CU_ASSERT_EQUAL(mgmt_prom_route("GET /metrics", 12), MGMT_PROM_NOT_FOUND);
}

/* The mode is the socket's from bind() on, whatever the umask; then exact. */
static void
test_listen_mode(void)
{
	static const struct { mode_t umask, mode; } cases[] = {
		{ 0000, 0600 }, { 0022, 0660 }, { 0077, 0660 }, { 0777, 0600 },
	};
	size_t i;

	for (i = 0; i < UNIT_DIM(cases); i++) {
		mode_t old = umask(cases[i].umask);
		int fd = srv_listen_unix(path, cases[i].mode, 4);
		struct stat st;

		umask(old);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(stat(path, &st), 0);
		CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
		CU_ASSERT_EQUAL(st.st_mode & 07777, cases[i].mode);
		/* Someone answers there: not replaced. */
		CU_ASSERT_EQUAL(srv_listen_unix(path, cases[i].mode, 4), -EADDRINUSE);
		close(fd);
	}
	/* Left by a crashed run (nobody listens): replaced. */
	{
		int fd = srv_listen_unix(path, 0600, 4);

		CU_ASSERT_TRUE(fd >= 0);
		close(fd);
	}
}

static void
test_answers(void)
{
	struct srv *s = start(8, 1);
	char buf[64];

	CU_ASSERT_EQUAL(ask("echo hi\n\n", buf, sizeof(buf), 1000), 2);
	CU_ASSERT_STRING_EQUAL(buf, "hi");
	CU_ASSERT_EQUAL(counters().accepted, 1);
	srv_stop(s);
}

/* A byte every 100 ms never ends the request: cut at read_ms, not per byte. */
static void
test_drip_cut_at_deadline(void)
{
	struct srv *s = start(8, 1);
	int fd = dial(), i, closed = 0;
	uint64_t t0 = ms(), took;
	char buf[64];

	CU_ASSERT_FATAL(fd >= 0);
	for (i = 0; i < 20 && !closed; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1 ||
		    (poll(&p, 1, 100) == 1 && recv(fd, buf, sizeof(buf), 0) <= 0))
			closed = 1;
	}
	took = ms() - t0;
	CU_ASSERT_TRUE(closed);
	CU_ASSERT_TRUE(took >= 350 && took < 900);
	CU_ASSERT_EQUAL(counters().deadline, 1);
	close(fd);
	srv_stop(s);
}

/* Stallers do not delay another client; a full cap evicts the oldest. */
static void
test_stallers_and_cap(void)
{
	struct srv *s = start(4, 1);
	int idle[5], i;
	uint64_t t0;
	char buf[64];

	for (i = 0; i < 4; i++) {
		idle[i] = dial();
		CU_ASSERT_FATAL(idle[i] >= 0);
		sleep_ms(5);   /* distinct accept times: idle[0] is the oldest */
	}
	sleep_ms(20);
	t0 = ms();
	CU_ASSERT_EQUAL(ask("echo x\n\n", buf, sizeof(buf), 300), 1);
	CU_ASSERT_TRUE(ms() - t0 < 200);
	CU_ASSERT_EQUAL(counters().evicted, 1);
	/* The oldest went: EOF at once; the others are still open. */
	CU_ASSERT_EQUAL(read_all(idle[0], buf, sizeof(buf), 100), 0);
	CU_ASSERT_EQUAL(read_all(idle[1], buf, sizeof(buf), 50), -1);
	for (i = 0; i < 4; i++)
		close(idle[i]);
	srv_stop(s);
}

/* Every slot answering (slow lane busy): a new connection is refused. */
static void
test_refused_when_all_answering(void)
{
	struct srv *s = start(1, 2);
	int slow = dial(), fd;
	char buf[64];

	CU_ASSERT_FATAL(slow >= 0);
	CU_ASSERT_EQUAL(send(slow, "slow\n\n", 6, MSG_NOSIGNAL), 6);
	sleep_ms(100);
	fd = dial();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(read_all(fd, buf, sizeof(buf), 300), 0);   /* closed at once */
	CU_ASSERT_EQUAL(counters().refused, 1);
	close(fd);
	CU_ASSERT_EQUAL(read_all(slow, buf, sizeof(buf), 2000), 5);
	close(slow);
	srv_stop(s);
}

/* A slow handler on one lane; the other lane answers meanwhile. */
static void
test_slow_lane_apart(void)
{
	struct srv *s = start(8, 2);
	int slow = dial();
	uint64_t t0;
	char buf[64];

	CU_ASSERT_FATAL(slow >= 0);
	CU_ASSERT_EQUAL(send(slow, "slow\n\n", 6, MSG_NOSIGNAL), 6);
	sleep_ms(50);
	t0 = ms();
	CU_ASSERT_EQUAL(ask("echo q\n\n", buf, sizeof(buf), 1000), 1);
	CU_ASSERT_TRUE(ms() - t0 < 300);
	CU_ASSERT_EQUAL(read_all(slow, buf, sizeof(buf), 2000), 5);
	close(slow);
	srv_stop(s);
}

/* A client that never reads a big answer is cut at write_ms. */
static void
test_write_deadline(void)
{
	struct srv *s = start(8, 1);
	int fd = dial(), i;
	uint64_t t0;
	char buf[64];

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(send(fd, "big\n\n", 5, MSG_NOSIGNAL), 5);
	t0 = ms();
	for (i = 0; i < 100 && counters().deadline == 0; i++)
		sleep_ms(20);
	CU_ASSERT_EQUAL(counters().deadline, 1);
	CU_ASSERT_TRUE(ms() - t0 < 1500);
	/* Meanwhile and after, others are served. */
	CU_ASSERT_EQUAL(ask("echo y\n\n", buf, sizeof(buf), 300), 1);
	close(fd);
	srv_stop(s);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "framing: first end marker, NULs included", test_framing },
		{ "api and prometheus request formats", test_formats },
		{ "unix socket mode from bind on, any umask", test_listen_mode },
		{ "one request, one answer", test_answers },
		{ "a drip is cut at the request deadline", test_drip_cut_at_deadline },
		{ "stallers do not delay others; cap evicts the oldest", test_stallers_and_cap },
		{ "refused when every slot is answering", test_refused_when_all_answering },
		{ "a slow handler holds up its lane only", test_slow_lane_apart },
		{ "a client that does not read is cut at the write deadline", test_write_deadline },
	};

	return unit_add_suite("srv", setup, teardown, tests, UNIT_DIM(tests));
}
