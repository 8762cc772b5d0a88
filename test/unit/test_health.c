/*
 * Health-check engine against real servers on 127.0.0.1 that the test runs
 * itself, inside its own polling loop: a TCP listener, an HTTP responder
 * with a settable status and body, one that accepts and never answers, a
 * full backlog, a closed port. The engine runs on a fake clock advanced one
 * millisecond per loop pass, so timeouts cost no real time; every loop
 * also has a real-time deadline, so a failure never hangs the suite.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/config.h"
#include "control/health.h"
#include "unit.h"

#define SRV_MAX_CONNS 64
#define REAL_LIMIT_MS 5000   /* real time any one wait may take */

enum srv_mode {
	SRV_ACCEPT,   /* accept and close: a TCP check's peer */
	SRV_HTTP,     /* answer each request with status and body */
	SRV_MUTE,     /* accept, read, never answer */
	SRV_IDLE,     /* never accept (a full backlog stays full) */
	SRV_RAW,      /* answer each request with body verbatim */
};

struct srv_conn {
	int fd;
	size_t len;
	char req[1024];
};

struct srv {
	int lfd;
	uint16_t port;
	enum srv_mode mode;
	int status;
	char body[8192];
	char last_req[1024];
	uint32_t accepted;
	struct srv_conn conns[SRV_MAX_CONNS];
	uint32_t n_conns;
};

static uint64_t g_now;            /* the engine's fake clock, ms */
static struct srv *g_srv[4];      /* served by every loop pass */

static uint64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
set_nonblock(int fd)
{
	CU_ASSERT_FATAL(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

/* A socket bound to 127.0.0.1:port (0 = any free port). */
static int
bound_socket(uint16_t port, uint16_t *got)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*got = ntohs(a.sin_port);
	return fd;
}

static void
srv_listen(struct srv *s, uint16_t port, int backlog)
{
	s->lfd = bound_socket(port, &s->port);
	CU_ASSERT_FATAL(listen(s->lfd, backlog) == 0);
	set_nonblock(s->lfd);
}

static struct srv *
srv_new(enum srv_mode mode, int status, const char *body)
{
	struct srv *s = calloc(1, sizeof(*s));
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->mode = mode;
	s->status = status;
	snprintf(s->body, sizeof(s->body), "%s", body ? body : "");
	srv_listen(s, 0, 128);
	for (i = 0; i < UNIT_DIM(g_srv); i++) {
		if (g_srv[i] == NULL) {
			g_srv[i] = s;
			break;
		}
	}
	return s;
}

static void
srv_close_conns(struct srv *s)
{
	uint32_t i;

	for (i = 0; i < s->n_conns; i++)
		close(s->conns[i].fd);
	s->n_conns = 0;
}

static void
srv_free(struct srv *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	for (i = 0; i < UNIT_DIM(g_srv); i++)
		if (g_srv[i] == s)
			g_srv[i] = NULL;
	srv_close_conns(s);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
}

static void
conn_drop(struct srv *s, uint32_t i)
{
	close(s->conns[i].fd);
	s->conns[i] = s->conns[--s->n_conns];
}

static void
srv_answer(struct srv *s, struct srv_conn *c)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.0 %d X\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
			 s->status, strlen(s->body));

	/* Loopback buffers take all of it at once. */
	if (write(c->fd, head, (size_t)n) != n ||
	    write(c->fd, s->body, strlen(s->body)) != (ssize_t)strlen(s->body))
		fprintf(stderr, "srv: short write\n");
}

/* One pass: accept what waits, read requests, answer complete ones. */
static void
srv_step(struct srv *s)
{
	uint32_t i;
	int fd;

	if (s->mode == SRV_IDLE || s->lfd < 0)
		return;
	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		s->accepted++;
		if (s->mode == SRV_ACCEPT || s->n_conns == SRV_MAX_CONNS) {
			close(fd);
			continue;
		}
		set_nonblock(fd);
		s->conns[s->n_conns++] = (struct srv_conn){ .fd = fd };
	}
	for (i = 0; i < s->n_conns;) {
		struct srv_conn *c = &s->conns[i];
		ssize_t n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);

		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_drop(s, i);
			continue;
		}
		if (n > 0) {
			c->len += (size_t)n;
			c->req[c->len] = '\0';
		}
		if ((s->mode == SRV_HTTP || s->mode == SRV_RAW) &&
		    strstr(c->req, "\r\n\r\n") != NULL) {
			memcpy(s->last_req, c->req, sizeof(s->last_req));
			if (s->mode == SRV_HTTP)
				srv_answer(s, c);
			else if (write(c->fd, s->body, strlen(s->body)) !=
				 (ssize_t)strlen(s->body))
				fprintf(stderr, "srv: short write\n");
			conn_drop(s, i);
			continue;
		}
		i++;
	}
}

/* ---- driving the engine --------------------------------------------------- */

static struct hc_target
target(uint64_t key, const char *ip, uint16_t port, enum cfg_hc_type type)
{
	struct hc_target t;

	memset(&t, 0, sizeof(t));
	t.key = key;
	CU_ASSERT(inet_pton(AF_INET, ip, &t.ip) == 1);
	t.port = port;
	cfg_health_defaults(&t.check);
	t.check.type = (uint8_t)type;
	t.check.interval_ms = 200;
	t.check.timeout_ms = 100;
	return t;
}

static uint64_t
probes(const struct hc *hc, uint64_t key)
{
	struct hc_info in;

	CU_ASSERT_EQUAL_FATAL(hc_info(hc, key, &in), 0);
	return in.probes;
}

/* One loop pass: servers, then the engine, then the fake clock. */
static void
step(struct hc *hc)
{
	uint32_t i;

	for (i = 0; i < UNIT_DIM(g_srv); i++)
		if (g_srv[i] != NULL)
			srv_step(g_srv[i]);
	hc_poll(hc, g_now);
}

/* Run until target key has finished n probes; 1 if it did in time. */
static int
until_probes(struct hc *hc, uint64_t key, uint64_t n)
{
	uint64_t fake_end = g_now + 100000, real_end = real_ms() + REAL_LIMIT_MS;

	for (;;) {
		step(hc);
		if (probes(hc, key) >= n)
			return 1;
		if (g_now >= fake_end || real_ms() > real_end)
			return 0;
		g_now++;
	}
}

/* Run for ms fake milliseconds. */
static void
run_for(struct hc *hc, uint64_t ms)
{
	uint64_t end = g_now + ms;

	while (g_now < end) {
		step(hc);
		g_now++;
	}
}

static uint32_t
take(struct hc *hc, struct hc_transition *tr, uint32_t max)
{
	return hc_transitions(hc, tr, max);
}

static void
expect_reason(const struct hc *hc, uint64_t key, const char *prefix)
{
	struct hc_info in;

	CU_ASSERT_EQUAL_FATAL(hc_info(hc, key, &in), 0);
	if (strncmp(in.last_reason, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "\n  reason \"%s\", expected \"%s...\"\n", in.last_reason, prefix);
		CU_FAIL("reason");
	}
}

static void
setup(void)
{
	g_now = 1000000;
	memset(g_srv, 0, sizeof(g_srv));
}

static void
teardown(void)
{
	uint32_t i;

	for (i = 0; i < UNIT_DIM(g_srv); i++)
		srv_free(g_srv[i]);
}

/* ---- tests ---------------------------------------------------------------- */

/* Connect works: UP, no transition; refused: DOWN after fall; back: UP after rise. */
static void
test_tcp_refused(void)
{
	struct srv *s = srv_new(SRV_ACCEPT, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(7, "127.0.0.1", s->port, CFG_HC_TCP);
	struct hc_transition tr[4];
	uint16_t port = s->port;
	uint64_t p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1); /* UP from the start */
	CU_ASSERT_FATAL(until_probes(hc, 7, 3));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1);
	CU_ASSERT_EQUAL(take(hc, tr, 4), 0);
	expect_reason(hc, 7, "ok");
	CU_ASSERT(s->accepted >= 3);

	close(s->lfd); /* nothing listens: refused */
	s->lfd = -1;
	p = probes(hc, 7);
	CU_ASSERT_FATAL(until_probes(hc, 7, p + 3));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 0);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].key, 7);
	CU_ASSERT_EQUAL(tr[0].up, 0);
	CU_ASSERT_EQUAL(tr[0].ip, htonl(INADDR_LOOPBACK));
	CU_ASSERT_EQUAL(tr[0].port, port);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "connection refused");

	srv_listen(s, port, 128);
	CU_ASSERT_EQUAL_FATAL(s->port, port);
	p = probes(hc, 7);
	CU_ASSERT_FATAL(until_probes(hc, 7, p + 2));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].up, 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "ok");
	hc_destroy(hc);
}

/* DOWN exactly at the fall-th failure, UP exactly at the rise-th success. */
static void
check_exact(uint8_t rise, uint8_t fall)
{
	struct srv *s = srv_new(SRV_HTTP, 200, "fine");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_transition tr[4];
	uint64_t p;
	uint8_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.rise = rise;
	t.check.fall = fall;
	snprintf(t.check.path, sizeof(t.check.path), "/health");
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 1), 1);

	s->status = 503;
	p = probes(hc, 1);
	for (i = 1; i <= fall; i++) {
		CU_ASSERT_FATAL(until_probes(hc, 1, p + i));
		CU_ASSERT_EQUAL(hc_state(hc, 1), i < fall);
		CU_ASSERT_EQUAL(take(hc, tr, 4), i < fall ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tr[0].up, 0);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "bad status 503");
	/* More failures while DOWN: no more transitions. */
	CU_ASSERT_FATAL(until_probes(hc, 1, p + fall + 2));
	CU_ASSERT_EQUAL(take(hc, tr, 4), 0);

	s->status = 200;
	p = probes(hc, 1);
	for (i = 1; i <= rise; i++) {
		CU_ASSERT_FATAL(until_probes(hc, 1, p + i));
		CU_ASSERT_EQUAL(hc_state(hc, 1), i >= rise);
		CU_ASSERT_EQUAL(take(hc, tr, 4), i < rise ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tr[0].up, 1);
	hc_destroy(hc);
	teardown();
}

static void
test_rise_fall_exact(void)
{
	check_exact(2, 3);
	check_exact(1, 1);
	check_exact(4, 2);
}

/* A success in between restarts the failure count. */
static void
test_fall_needs_consecutive(void)
{
	struct srv *s = srv_new(SRV_HTTP, 200, "");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_info in;
	uint64_t p;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 3;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 1, 1));
	for (i = 0; i < 3; i++) {
		p = probes(hc, 1);
		s->status = 500;
		CU_ASSERT_FATAL(until_probes(hc, 1, p + 2));
		s->status = 200;
		CU_ASSERT_FATAL(until_probes(hc, 1, p + 3));
	}
	CU_ASSERT_EQUAL(hc_state(hc, 1), 1);
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT_EQUAL(in.failures, 6);
	CU_ASSERT_EQUAL(in.ok_run, 1);
	CU_ASSERT_EQUAL(in.fail_run, 0);
	hc_destroy(hc);
}

/* The request line and Host header; status and body checks. */
static void
test_http(void)
{
	struct srv *s = srv_new(SRV_HTTP, 200, "status: all ok\n");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(3, "127.0.0.1", 1, CFG_HC_HTTP);
	struct hc_transition tr[4];
	char want[128];
	uint64_t p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.port = s->port; /* overrides the backend's port 1 */
	t.check.fall = 1;
	t.check.rise = 1;
	snprintf(t.check.path, sizeof(t.check.path), "/hc?x=1");
	snprintf(t.check.body, sizeof(t.check.body), "all ok");
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 3, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 1);
	expect_reason(hc, 3, "ok");
	snprintf(want, sizeof(want), "GET /hc?x=1 HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n", s->port);
	CU_ASSERT(strncmp(s->last_req, want, strlen(want)) == 0);

	/* Right status, body without the text. */
	snprintf(s->body, sizeof(s->body), "status: degraded\n");
	p = probes(hc, 3);
	CU_ASSERT_FATAL(until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 0);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 4), 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "body mismatch");

	/* The text just inside the first 4 KiB of body counts... */
	memset(s->body, 'x', HC_HTTP_BODY_MAX - 6);
	snprintf(s->body + HC_HTTP_BODY_MAX - 6, 7, "all ok");
	p = probes(hc, 3);
	CU_ASSERT_FATAL(until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 1);
	/* ...just past them it does not. */
	memset(s->body, 'x', HC_HTTP_BODY_MAX - 5);
	snprintf(s->body + HC_HTTP_BODY_MAX - 5, 7, "all ok");
	p = probes(hc, 3);
	CU_ASSERT_FATAL(until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 0);
	expect_reason(hc, 3, "body mismatch");

	/* Wrong status wins over the body. */
	snprintf(s->body, sizeof(s->body), "all ok");
	s->status = 404;
	p = probes(hc, 3);
	CU_ASSERT_FATAL(until_probes(hc, 3, p + 1));
	expect_reason(hc, 3, "bad status 404");
	hc_destroy(hc);
}

/* Responses that are not quite HTTP, and ones that are but look odd. */
static void
test_http_odd_responses(void)
{
	static const struct {
		const char *response;
		const char *body;    /* the check's body text */
		const char *reason;
	} cases[] = {
		{ "", "", "empty response" },
		{ "SSH-2.0-OpenSSH_9.2\r\n", "", "bad response" },
		{ "HTTP/1.1 20\r\n\r\n", "", "bad response" },
		{ "HTTP/1.1 200\r\n\r\nok", "ok", "ok" },
		{ "HTTP/1.0 200 OK\n\nok", "ok", "ok" },
		{ "HTTP/1.0 200 OK\r\nServer: x\r\n", "ok", "body mismatch" },
		{ "HTTP/1.0 200 OK\r\nServer: x\r\n", "", "ok" },
		{ "HTTP/1.0 301 Moved\r\nLocation: /x\r\n\r\n", "", "bad status 301" },
	};
	struct srv *s = srv_new(SRV_RAW, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < UNIT_DIM(cases); i++) {
		snprintf(s->body, sizeof(s->body), "%s", cases[i].response);
		snprintf(t.check.body, sizeof(t.check.body), "%s", cases[i].body);
		t.key = i + 1; /* a new check each time */
		CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
		CU_ASSERT_FATAL(until_probes(hc, t.key, 1));
		expect_reason(hc, t.key, cases[i].reason);
	}
	hc_destroy(hc);
}

/* Accepted but never answered: the probe ends at exactly timeout_ms. */
static void
test_http_timeout(void)
{
	struct srv *s = srv_new(SRV_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(4, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_transition tr[4];
	struct hc_info in;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 2;
	t.check.timeout_ms = 150;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 4, 1));
	CU_ASSERT_EQUAL(hc_info(hc, 4, &in), 0);
	CU_ASSERT_EQUAL(in.last_rtt_ms, 150);
	CU_ASSERT_EQUAL(hc_state(hc, 4), 1);
	CU_ASSERT_FATAL(until_probes(hc, 4, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 4), 0);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 4), 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "timeout waiting for response");
	hc_destroy(hc);
}

/* A full backlog drops the SYN: the connect itself times out. */
static void
test_tcp_timeout(void)
{
	struct srv *s = srv_new(SRV_IDLE, 0, NULL);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t;
	int filler;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	/* Backlog 0 holds one connection; the filler takes it. */
	close(s->lfd);
	srv_listen(s, 0, 0);
	a.sin_port = htons(s->port);
	filler = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(filler >= 0);
	CU_ASSERT_FATAL(connect(filler, (struct sockaddr *)&a, sizeof(a)) == 0);
	t = target(5, "127.0.0.1", s->port, CFG_HC_TCP);
	t.check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 5, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 5), 0);
	expect_reason(hc, 5, "timeout");
	close(filler);
	hc_destroy(hc);
}

static int
icmp_allowed(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd < 0) {
		fprintf(stderr, "\n  no raw ICMP socket (%s): icmp test skipped\n",
			strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

/*
 * 127.0.0.1 answers; 198.51.100.1 (TEST-NET-2) does not, and with every
 * probe bound to "lo" no packet can leave the machine.
 */
static void
test_icmp(void)
{
	struct hc *hc = hc_create("lo", 0);
	struct hc_target t[2] = {
		target(10, "127.0.0.1", 0, CFG_HC_ICMP),
		target(11, "198.51.100.1", 0, CFG_HC_ICMP),
	};
	struct hc_transition tr[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	if (!icmp_allowed()) {
		hc_destroy(hc);
		return;
	}
	t[1].check.fall = 2;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 2), 0);
	CU_ASSERT_FATAL(until_probes(hc, 10, 3));
	CU_ASSERT_FATAL(until_probes(hc, 11, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 10), 1);
	expect_reason(hc, 10, "ok");
	CU_ASSERT_EQUAL(hc_state(hc, 11), 0);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].key, 11);
	CU_ASSERT_EQUAL(tr[0].port, 0);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "no reply");
	hc_destroy(hc);
}

/* Probes bound to a device that does not exist fail, and say why. */
static void
test_bad_device(void)
{
	struct srv *s = srv_new(SRV_ACCEPT, 0, NULL);
	struct hc *hc = hc_create("nosuchdev0", 0);
	struct hc_target t = target(1, "127.0.0.1", s->port, CFG_HC_TCP);

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 1), 0);
	expect_reason(hc, 1, "nosuchdev0: No such device");
	hc_destroy(hc);

	errno = 0;
	CU_ASSERT_PTR_NULL(hc_create("a-name-far-too-long-for-linux", 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(hc_create(NULL, 70000));
}

/* Unchanged targets keep state over hc_set_targets; changed ones restart. */
static void
test_set_targets(void)
{
	struct srv *s = srv_new(SRV_ACCEPT, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	uint16_t closed_port;
	int closed = bound_socket(0, &closed_port); /* bound, not listening */
	struct hc_target t[3], u[3];
	struct hc_transition tr[8];
	struct hc_info in;
	uint64_t pa;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t[0] = target(100, "127.0.0.1", closed_port, CFG_HC_TCP); /* goes DOWN */
	t[1] = target(200, "127.0.0.1", s->port, CFG_HC_TCP);
	t[2] = target(300, "127.0.0.1", s->port, CFG_HC_NONE);
	t[0].check.fall = 1;
	t[0].check.rise = 3;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 3), 0);
	CU_ASSERT_FATAL(until_probes(hc, 100, 2));
	CU_ASSERT_FATAL(until_probes(hc, 200, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 100), 0);
	CU_ASSERT_EQUAL(take(hc, tr, 8), 1);
	CU_ASSERT_EQUAL(hc_state(hc, 300), 1); /* none: never probed */
	CU_ASSERT_EQUAL(probes(hc, 300), 0);

	/* Same targets, another order, 100 with a new interval only. */
	u[0] = t[2];
	u[1] = t[1];
	u[2] = t[0];
	u[2].check.interval_ms = 300;
	u[2].check.timeout_ms = 250;
	pa = probes(hc, 100);
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), 0);
	CU_ASSERT_EQUAL(probes(hc, 100), pa);
	CU_ASSERT_EQUAL(hc_info(hc, 100, &in), 0);
	CU_ASSERT_EQUAL(in.fail_run, pa);
	expect_reason(hc, 100, "connection refused");

	/* Duplicate keys: refused, nothing changes. */
	u[1].key = 100;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	CU_ASSERT_EQUAL(probes(hc, 100), pa);
	CU_ASSERT_EQUAL(hc_state(hc, 200), 1);

	/* Checks the validators refuse are refused here too. */
	u[1] = t[1];
	u[1].check.timeout_ms = u[1].check.interval_ms;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	u[1] = t[1];
	u[1].check.fall = 0;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	u[1] = t[1];
	u[1].check.type = 9;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), -EINVAL);
	CU_ASSERT_EQUAL(probes(hc, 100), pa);

	/* A changed port is another check: it restarts UP with no history. */
	u[1] = t[1];
	u[2].port = s->port;
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 3), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), 1);
	CU_ASSERT_EQUAL(probes(hc, 100), 0);
	CU_ASSERT_FATAL(until_probes(hc, 100, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 100), 1);
	CU_ASSERT_EQUAL(take(hc, tr, 8), 0);

	/* Removed: unknown. Emptied: all gone. */
	CU_ASSERT_EQUAL(hc_set_targets(hc, u, 2), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 100), -ENOENT);
	CU_ASSERT_EQUAL(hc_info(hc, 100, &in), -ENOENT);
	CU_ASSERT_EQUAL(hc_state(hc, 200), 1);
	CU_ASSERT_EQUAL(hc_set_targets(hc, NULL, 0), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 200), -ENOENT);
	run_for(hc, 500);
	close(closed);
	hc_destroy(hc);
}

/* A reload while probes are in flight keeps them running and bounded. */
static void
test_set_targets_in_flight(void)
{
	struct srv *s = srv_new(SRV_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_info in;
	uint64_t until = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.timeout_ms = 150;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	/* Run until the probe is in flight. */
	for (; until < 1000; until++) {
		step(hc);
		CU_ASSERT_EQUAL_FATAL(hc_info(hc, 1, &in), 0);
		if (in.probing)
			break;
		g_now++;
	}
	CU_ASSERT_FATAL(in.probing);
	t.check.timeout_ms = 50; /* shorter: applies to the probe in flight */
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT(in.probing);
	CU_ASSERT_FATAL(until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT_EQUAL(in.last_rtt_ms, 50);
	expect_reason(hc, 1, "timeout");
	hc_destroy(hc);
}

/* First probes spread over the interval; the probe cap holds. */
static void
test_spread_and_cap(void)
{
	enum { N = 200, CAP = 8, M = 40 };
	struct srv *s = srv_new(SRV_ACCEPT, 0, NULL);
	struct srv *mute = srv_new(SRV_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target *t = calloc(N, sizeof(*t));
	uint64_t start = g_now, first[N];
	uint32_t i, k, distinct = 0, busy, max_busy = 0, max_conns = 0;
	struct hc_info in;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < N; i++) {
		t[i] = target(i + 1, "127.0.0.1", s->port, CFG_HC_TCP);
		t[i].check.interval_ms = 1000;
		t[i].check.timeout_ms = 500;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, N), 0);
	memset(first, 0, sizeof(first));
	while (g_now < start + 1000) {
		step(hc);
		for (i = 0; i < N; i++) {
			if (first[i] == 0 && probes(hc, i + 1) > 0)
				first[i] = g_now;
		}
		g_now++;
	}
	for (i = 0; i < N; i++) {
		CU_ASSERT(first[i] != 0);
		for (k = 0; k < i && first[k] != first[i]; k++)
			;
		distinct += k == i;
	}
	/* 200 keys hashed over 1000 ms: far from all in one millisecond. */
	CU_ASSERT(distinct > N / 2);
	hc_destroy(hc);

	/* M probes that each take their whole timeout: CAP run, the rest wait. */
	hc = hc_create(NULL, CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < M; i++) {
		t[i] = target(i + 1, "127.0.0.1", mute->port, CFG_HC_HTTP);
		t[i].check.interval_ms = 1000;
		t[i].check.timeout_ms = 900;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, M), 0);
	start = g_now;
	/* 40 probes of 900 ms, 8 at a time: 5 rounds, 4.5 s. */
	while (g_now < start + 6000) {
		step(hc);
		busy = 0;
		for (i = 0; i < M; i++) {
			CU_ASSERT_EQUAL_FATAL(hc_info(hc, i + 1, &in), 0);
			busy += in.probing;
		}
		if (busy > max_busy)
			max_busy = busy;
		if (mute->n_conns > max_conns)
			max_conns = mute->n_conns;
		g_now++;
	}
	CU_ASSERT_EQUAL(max_busy, CAP);
	CU_ASSERT(max_conns <= CAP);
	for (i = 0; i < M; i++) {
		CU_ASSERT(probes(hc, i + 1) >= 1);
		expect_reason(hc, i + 1, "timeout");
	}
	hc_destroy(hc);
	free(t);
}

/* Transitions queue in order until taken; a full queue drops the oldest. */
static void
test_transition_queue(void)
{
	uint16_t closed_port;
	int closed = bound_socket(0, &closed_port);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t[2] = {
		target(1, "127.0.0.1", closed_port, CFG_HC_TCP),
		target(2, "127.0.0.1", closed_port, CFG_HC_TCP),
	};
	struct hc_transition tr[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t[0].check.fall = 1;
	t[1].check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 2), 0);
	CU_ASSERT_FATAL(until_probes(hc, 1, 1));
	CU_ASSERT_FATAL(until_probes(hc, 2, 1));
	CU_ASSERT_EQUAL_FATAL(take(hc, tr, 1), 1);
	CU_ASSERT_EQUAL_FATAL(take(hc, tr + 1, 4), 1);
	CU_ASSERT(tr[0].key != tr[1].key);
	CU_ASSERT_EQUAL(take(hc, tr, 4), 0);
	CU_ASSERT_EQUAL(hc_transitions_lost(hc), 0);
	hc_destroy(hc);
	close(closed);
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Probes in flight of every kind, then destroy: no descriptor is left. */
static void
test_no_fd_left(void)
{
	struct srv *mute = srv_new(SRV_MUTE, 0, NULL);
	struct srv *ok = srv_new(SRV_ACCEPT, 0, NULL);
	int before = open_fds();
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t[3] = {
		target(1, "127.0.0.1", mute->port, CFG_HC_HTTP),
		target(2, "127.0.0.1", ok->port, CFG_HC_TCP),
		target(3, "127.0.0.1", 0, CFG_HC_ICMP),
	};
	struct hc_info in;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < 3; i++)
		t[i].check.timeout_ms = 190;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 3), 0);
	CU_ASSERT_FATAL(until_probes(hc, 2, 3));
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT(in.probes >= 1);
	/* Dropping a target with a probe in flight closes its socket. */
	while (hc_info(hc, 1, &in) == 0 && !in.probing) {
		step(hc);
		g_now++;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t + 1, 2), 0);
	step(hc);
	CU_ASSERT(open_fds() <= before + 2); /* epoll, icmp */
	hc_destroy(hc);
	CU_ASSERT_EQUAL(open_fds(), before);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "tcp: UP, refused -> DOWN, back -> UP", test_tcp_refused },
		{ "rise/fall counts are exact", test_rise_fall_exact },
		{ "fall needs consecutive failures", test_fall_needs_consecutive },
		{ "http: request, status, body", test_http },
		{ "http: odd responses", test_http_odd_responses },
		{ "http: timeout", test_http_timeout },
		{ "tcp: connect timeout", test_tcp_timeout },
		{ "icmp: loopback UP, unreachable DOWN", test_icmp },
		{ "bad device and arguments", test_bad_device },
		{ "set_targets keeps unchanged, resets changed", test_set_targets },
		{ "set_targets with a probe in flight", test_set_targets_in_flight },
		{ "spread and probe cap", test_spread_and_cap },
		{ "transition queue", test_transition_queue },
		{ "no descriptor left behind", test_no_fd_left },
	};

	return unit_add_suite("health", setup, teardown, tests, UNIT_DIM(tests));
}
