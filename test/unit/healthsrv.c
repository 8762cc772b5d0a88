/* The health-check suites' servers and loop (see healthsrv.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "healthsrv.h"
#include "unit.h"

#define HS_REAL_LIMIT_MS 5000   /* real time any one wait may take */

uint64_t hs_now;
static struct hs_srv *g_srv[4];   /* served by every loop pass */

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
int
hs_bound_socket(uint16_t port, uint16_t *got)
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

void
hs_srv_listen(struct hs_srv *s, uint16_t port, int backlog)
{
	s->lfd = hs_bound_socket(port, &s->port);
	CU_ASSERT_FATAL(listen(s->lfd, backlog) == 0);
	set_nonblock(s->lfd);
}

struct hs_srv *
hs_srv_new(enum hs_mode mode, int status, const char *body)
{
	struct hs_srv *s = calloc(1, sizeof(*s));
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->mode = mode;
	s->status = status;
	snprintf(s->body, sizeof(s->body), "%s", body ? body : "");
	hs_srv_listen(s, 0, 128);
	for (i = 0; i < UNIT_DIM(g_srv); i++) {
		if (g_srv[i] == NULL) {
			g_srv[i] = s;
			break;
		}
	}
	return s;
}

static void
srv_close_conns(struct hs_srv *s)
{
	uint32_t i;

	for (i = 0; i < s->n_conns; i++)
		close(s->conns[i].fd);
	s->n_conns = 0;
}

static void
srv_free(struct hs_srv *s)
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
conn_drop(struct hs_srv *s, uint32_t i)
{
	close(s->conns[i].fd);
	s->conns[i] = s->conns[--s->n_conns];
}

static void
srv_answer(struct hs_srv *s, struct hs_conn *c)
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
srv_step(struct hs_srv *s)
{
	uint32_t i;
	int fd;

	if (s->mode == HS_IDLE || s->lfd < 0)
		return;
	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		s->accepted++;
		if (s->mode == HS_ACCEPT || s->n_conns == HS_MAX_CONNS) {
			close(fd);
			continue;
		}
		set_nonblock(fd);
		s->conns[s->n_conns++] = (struct hs_conn){ .fd = fd };
	}
	for (i = 0; i < s->n_conns;) {
		struct hs_conn *c = &s->conns[i];
		ssize_t n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);

		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_drop(s, i);
			continue;
		}
		if (n > 0) {
			c->len += (size_t)n;
			c->req[c->len] = '\0';
		}
		if ((s->mode == HS_HTTP || s->mode == HS_RAW) &&
		    strstr(c->req, "\r\n\r\n") != NULL) {
			memcpy(s->last_req, c->req, sizeof(s->last_req));
			if (s->mode == HS_HTTP)
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

struct hc_target
hs_target(uint64_t key, const char *ip, uint16_t port, enum cfg_hc_type type)
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

uint64_t
hs_probes(const struct hc *hc, uint64_t key)
{
	struct hc_info in;

	CU_ASSERT_EQUAL_FATAL(hc_info(hc, key, &in), 0);
	return in.probes;
}

/* One loop pass: servers, then the engine, then the fake clock. */
void
hs_step(struct hc *hc)
{
	uint32_t i;

	for (i = 0; i < UNIT_DIM(g_srv); i++)
		if (g_srv[i] != NULL)
			srv_step(g_srv[i]);
	hc_poll(hc, hs_now);
}

/* Run until target key has finished n probes; 1 if it did in time. */
int
hs_until_probes(struct hc *hc, uint64_t key, uint64_t n)
{
	uint64_t fake_end = hs_now + 100000, real_end = real_ms() + HS_REAL_LIMIT_MS;

	for (;;) {
		hs_step(hc);
		if (hs_probes(hc, key) >= n)
			return 1;
		if (hs_now >= fake_end || real_ms() > real_end)
			return 0;
		hs_now++;
	}
}

/* Run for ms fake milliseconds. */
void
hs_run_for(struct hc *hc, uint64_t ms)
{
	uint64_t end = hs_now + ms;

	while (hs_now < end) {
		hs_step(hc);
		hs_now++;
	}
}

uint32_t
hs_take(struct hc *hc, struct hc_transition *tr, uint32_t max)
{
	return hc_transitions(hc, tr, max);
}

void
hs_expect_reason(const struct hc *hc, uint64_t key, const char *prefix)
{
	struct hc_info in;

	CU_ASSERT_EQUAL_FATAL(hc_info(hc, key, &in), 0);
	if (strncmp(in.last_reason, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "\n  reason \"%s\", expected \"%s...\"\n", in.last_reason, prefix);
		CU_FAIL("reason");
	}
}

void
hs_setup(void)
{
	hs_now = 1000000;
	memset(g_srv, 0, sizeof(g_srv));
}

void
hs_teardown(void)
{
	uint32_t i;

	for (i = 0; i < UNIT_DIM(g_srv); i++)
		srv_free(g_srv[i]);
}
