/*
 * Health-check engine, its probes: tcp connect and refusal, http requests,
 * statuses, bodies and odd responses, timeouts, icmp echo, a bad device,
 * no descriptor left behind (servers and loop: healthsrv.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "control/health.h"
#include "healthsrv.h"
#include "unit.h"

/* Connect works: UP, no transition; refused: DOWN after fall; back: UP after rise. */
static void
test_tcp_refused(void)
{
	struct hs_srv *s = hs_srv_new(HS_ACCEPT, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(7, "127.0.0.1", s->port, CFG_HC_TCP);
	struct hc_transition tr[4];
	uint16_t port = s->port;
	uint64_t p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1); /* UP from the start */
	CU_ASSERT_FATAL(hs_until_probes(hc, 7, 3));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1);
	CU_ASSERT_EQUAL(hs_take(hc, tr, 4), 0);
	hs_expect_reason(hc, 7, "ok");
	CU_ASSERT(s->accepted >= 3);

	close(s->lfd); /* nothing listens: refused */
	s->lfd = -1;
	p = hs_probes(hc, 7);
	CU_ASSERT_FATAL(hs_until_probes(hc, 7, p + 3));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 0);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].key, 7);
	CU_ASSERT_EQUAL(tr[0].up, 0);
	CU_ASSERT_EQUAL(tr[0].ip, htonl(INADDR_LOOPBACK));
	CU_ASSERT_EQUAL(tr[0].port, port);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "connection refused");

	hs_srv_listen(s, port, 128);
	CU_ASSERT_EQUAL_FATAL(s->port, port);
	p = hs_probes(hc, 7);
	CU_ASSERT_FATAL(hs_until_probes(hc, 7, p + 2));
	CU_ASSERT_EQUAL(hc_state(hc, 7), 1);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].up, 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "ok");
	hc_destroy(hc);
}

/* The request line and Host header; status and body checks. */
static void
test_http(void)
{
	struct hs_srv *s = hs_srv_new(HS_HTTP, 200, "status: all ok\n");
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(3, "127.0.0.1", 1, CFG_HC_HTTP);
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
	CU_ASSERT_FATAL(hs_until_probes(hc, 3, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 1);
	hs_expect_reason(hc, 3, "ok");
	snprintf(want, sizeof(want), "GET /hc?x=1 HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n", s->port);
	CU_ASSERT(strncmp(s->last_req, want, strlen(want)) == 0);

	/* Right status, body without the text. */
	snprintf(s->body, sizeof(s->body), "status: degraded\n");
	p = hs_probes(hc, 3);
	CU_ASSERT_FATAL(hs_until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 0);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 4), 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "body mismatch");

	/* The text just inside the first 4 KiB of body counts... */
	memset(s->body, 'x', HC_HTTP_BODY_MAX - 6);
	snprintf(s->body + HC_HTTP_BODY_MAX - 6, 7, "all ok");
	p = hs_probes(hc, 3);
	CU_ASSERT_FATAL(hs_until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 1);
	/* ...just past them it does not. */
	memset(s->body, 'x', HC_HTTP_BODY_MAX - 5);
	snprintf(s->body + HC_HTTP_BODY_MAX - 5, 7, "all ok");
	p = hs_probes(hc, 3);
	CU_ASSERT_FATAL(hs_until_probes(hc, 3, p + 1));
	CU_ASSERT_EQUAL(hc_state(hc, 3), 0);
	hs_expect_reason(hc, 3, "body mismatch");

	/* Wrong status wins over the body. */
	snprintf(s->body, sizeof(s->body), "all ok");
	s->status = 404;
	p = hs_probes(hc, 3);
	CU_ASSERT_FATAL(hs_until_probes(hc, 3, p + 1));
	hs_expect_reason(hc, 3, "bad status 404");
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
	struct hs_srv *s = hs_srv_new(HS_RAW, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(1, "127.0.0.1", s->port, CFG_HC_HTTP);
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < UNIT_DIM(cases); i++) {
		snprintf(s->body, sizeof(s->body), "%s", cases[i].response);
		snprintf(t.check.body, sizeof(t.check.body), "%s", cases[i].body);
		t.key = i + 1; /* a new check each time */
		CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
		CU_ASSERT_FATAL(hs_until_probes(hc, t.key, 1));
		hs_expect_reason(hc, t.key, cases[i].reason);
	}
	hc_destroy(hc);
}

/* Accepted but never answered: the probe ends at exactly timeout_ms. */
static void
test_http_timeout(void)
{
	struct hs_srv *s = hs_srv_new(HS_MUTE, 0, NULL);
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t = hs_target(4, "127.0.0.1", s->port, CFG_HC_HTTP);
	struct hc_transition tr[4];
	struct hc_info in;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 2;
	t.check.timeout_ms = 150;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 4, 1));
	CU_ASSERT_EQUAL(hc_info(hc, 4, &in), 0);
	CU_ASSERT_EQUAL(in.last_rtt_ms, 150);
	CU_ASSERT_EQUAL(hc_state(hc, 4), 1);
	CU_ASSERT_FATAL(hs_until_probes(hc, 4, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 4), 0);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 4), 1);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "timeout waiting for response");
	hc_destroy(hc);
}

/* A full backlog drops the SYN: the connect itself times out. */
static void
test_tcp_timeout(void)
{
	struct hs_srv *s = hs_srv_new(HS_IDLE, 0, NULL);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t;
	int filler;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	/* Backlog 0 holds one connection; the filler takes it. */
	close(s->lfd);
	hs_srv_listen(s, 0, 0);
	a.sin_port = htons(s->port);
	filler = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(filler >= 0);
	CU_ASSERT_FATAL(connect(filler, (struct sockaddr *)&a, sizeof(a)) == 0);
	t = hs_target(5, "127.0.0.1", s->port, CFG_HC_TCP);
	t.check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 5, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 5), 0);
	hs_expect_reason(hc, 5, "timeout");
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
		hs_target(10, "127.0.0.1", 0, CFG_HC_ICMP),
		hs_target(11, "198.51.100.1", 0, CFG_HC_ICMP),
	};
	struct hc_transition tr[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	if (!icmp_allowed()) {
		hc_destroy(hc);
		return;
	}
	t[1].check.fall = 2;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 2), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 10, 3));
	CU_ASSERT_FATAL(hs_until_probes(hc, 11, 2));
	CU_ASSERT_EQUAL(hc_state(hc, 10), 1);
	hs_expect_reason(hc, 10, "ok");
	CU_ASSERT_EQUAL(hc_state(hc, 11), 0);
	CU_ASSERT_EQUAL_FATAL(hs_take(hc, tr, 4), 1);
	CU_ASSERT_EQUAL(tr[0].key, 11);
	CU_ASSERT_EQUAL(tr[0].port, 0);
	CU_ASSERT_STRING_EQUAL(tr[0].reason, "no reply");
	hc_destroy(hc);
}

/* Probes bound to a device that does not exist fail, and say why. */
static void
test_bad_device(void)
{
	struct hs_srv *s = hs_srv_new(HS_ACCEPT, 0, NULL);
	struct hc *hc = hc_create("nosuchdev0", 0);
	struct hc_target t = hs_target(1, "127.0.0.1", s->port, CFG_HC_TCP);

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	t.check.fall = 1;
	CU_ASSERT_EQUAL(hc_set_targets(hc, &t, 1), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 1, 1));
	CU_ASSERT_EQUAL(hc_state(hc, 1), 0);
	hs_expect_reason(hc, 1, "nosuchdev0: No such device");
	hc_destroy(hc);

	errno = 0;
	CU_ASSERT_PTR_NULL(hc_create("a-name-far-too-long-for-linux", 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(hc_create(NULL, 70000));
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
	struct hs_srv *mute = hs_srv_new(HS_MUTE, 0, NULL);
	struct hs_srv *ok = hs_srv_new(HS_ACCEPT, 0, NULL);
	int before = open_fds();
	struct hc *hc = hc_create(NULL, 0);
	struct hc_target t[3] = {
		hs_target(1, "127.0.0.1", mute->port, CFG_HC_HTTP),
		hs_target(2, "127.0.0.1", ok->port, CFG_HC_TCP),
		hs_target(3, "127.0.0.1", 0, CFG_HC_ICMP),
	};
	struct hc_info in;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	for (i = 0; i < 3; i++)
		t[i].check.timeout_ms = 190;
	CU_ASSERT_EQUAL(hc_set_targets(hc, t, 3), 0);
	CU_ASSERT_FATAL(hs_until_probes(hc, 2, 3));
	CU_ASSERT_EQUAL(hc_info(hc, 1, &in), 0);
	CU_ASSERT(in.probes >= 1);
	/* Dropping a target with a probe in flight closes its socket. */
	while (hc_info(hc, 1, &in) == 0 && !in.probing) {
		hs_step(hc);
		hs_now++;
	}
	CU_ASSERT_EQUAL(hc_set_targets(hc, t + 1, 2), 0);
	hs_step(hc);
	CU_ASSERT(open_fds() <= before + 2); /* epoll, icmp */
	hc_destroy(hc);
	CU_ASSERT_EQUAL(open_fds(), before);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "tcp: UP, refused -> DOWN, back -> UP", test_tcp_refused },
		{ "http: request, status, body", test_http },
		{ "http: odd responses", test_http_odd_responses },
		{ "http: timeout", test_http_timeout },
		{ "tcp: connect timeout", test_tcp_timeout },
		{ "icmp: loopback UP, unreachable DOWN", test_icmp },
		{ "bad device and arguments", test_bad_device },
		{ "no descriptor left behind", test_no_fd_left },
	};

	return unit_add_suite("health_probe", hs_setup, hs_teardown, tests, UNIT_DIM(tests));
}
