/*
 * Health-check probes (see health.h for the contract, health_impl.h for
 * the layout): the sockets of the engine in health.c. tcp connects, http
 * sends its request and reads the response, icmp sends echo requests over
 * one raw socket shared by every target and matches replies and errors to
 * them; one epoll set, polled with a zero timeout, says which sockets are
 * ready. Each probe ends with hc_probe_done and its reason; errors of this
 * host rather than the backend's end it uncounted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../dataplane/hash.h"
#include "health_impl.h"

#define HC_HTTP_HEAD_MAX 4096        /* status line and headers */
#define HC_HTTP_BUF (HC_HTTP_HEAD_MAX + HC_HTTP_BODY_MAX)
#define HC_EVENTS 256                /* epoll events per epoll_wait */
#define HC_EVENT_ROUNDS 4            /* epoll_wait calls per poll at most */
#define HC_ICMP_READS 1024           /* ICMP datagrams read per poll at most */
#define HC_ICMP_FILTER 1             /* linux/icmp.h ICMP_FILTER, a SOL_RAW option */
#define HC_ICMP_PAYLOAD 8            /* nonce and slot generation after the echo header */

/* ---- errors --------------------------------------------------------------- */

/* A failure of this host, not of the backend: the probe counts neither way. */
static int
is_local_error(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EAGAIN || err == EADDRNOTAVAIL;
}

static void
reason_errno(char *buf, size_t len, const char *what, int err)
{
	const char *r;

	switch (err) {
	case ECONNREFUSED:
		r = "connection refused";
		break;
	case ECONNRESET:
		r = "connection reset";
		break;
	case ETIMEDOUT:
		r = "timeout";
		break;
	case EHOSTUNREACH:
		r = "host unreachable";
		break;
	case ENETUNREACH:
		r = "network unreachable";
		break;
	case EPERM:
	case EACCES:
		r = "not permitted";
		break;
	default:
		r = strerror(err);
		break;
	}
	snprintf(buf, len, "%s%s%s", what ? what : "", what ? ": " : "", r);
}

/* ---- probe slots ---------------------------------------------------------- */

void
hc_slot_release(struct hc *hc, uint32_t si)
{
	struct hc_slot *s = &hc->slots[si];

	if (s->fd >= 0)
		close(s->fd); /* also leaves the epoll set: the fd is not shared */
	else if (hc->seq_slot != NULL && hc->seq_slot[s->seq] == (int32_t)si + 1)
		hc->seq_slot[s->seq] = 0;
	s->fd = -1;
	s->gen++;
	hc->tgts[s->tgt].slot = -1;
	hc->free_slots[hc->n_free++] = si;
}

static void
probe_fail_errno(struct hc *hc, uint32_t ti, const char *what, int err)
{
	char reason[HC_REASON_LEN];

	reason_errno(reason, sizeof(reason), what, err);
	hc_probe_done(hc, ti, is_local_error(err) ? -1 : 0, reason);
}

/* ---- icmp ----------------------------------------------------------------- */

static uint16_t
inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* One raw socket for every echo; only replies and errors are let through. */
static int
icmp_open(struct hc *hc)
{
	uint32_t filter = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
			    (1u << ICMP_TIME_EXCEEDED));
	int fd;

	if (hc->icmp_fd >= 0)
		return 0;
	if (hc->seq_slot == NULL) {
		hc->seq_slot = calloc(65536, sizeof(*hc->seq_slot));
		if (hc->seq_slot == NULL)
			return -ENOMEM;
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	/* Best effort: without the filter, other ICMP is read and ignored. */
	(void)setsockopt(fd, SOL_RAW, HC_ICMP_FILTER, &filter, sizeof(filter));
	if (hc->ifname[0] != '\0' &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, hc->ifname,
		       (socklen_t)strlen(hc->ifname)) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	hc->icmp_fd = fd;
	return 0;
}

static void
icmp_start(struct hc *hc, uint32_t ti, uint32_t si)
{
	struct hc_tgt *g = &hc->tgts[ti];
	struct hc_slot *s = &hc->slots[si];
	uint8_t pkt[sizeof(struct icmphdr) + HC_ICMP_PAYLOAD];
	struct icmphdr *ih = (struct icmphdr *)pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = g->t.ip };
	uint32_t i;
	int rc;

	rc = icmp_open(hc);
	if (rc != 0) {
		probe_fail_errno(hc, ti, "icmp socket", -rc);
		return;
	}
	/* A sequence number no probe in flight holds (at most 65535 do). */
	for (i = 0; i < 65536; i++) {
		hc->echo_seq++;
		if (hc->seq_slot[hc->echo_seq] == 0)
			break;
	}
	s->seq = hc->echo_seq;
	hc->seq_slot[s->seq] = (int32_t)si + 1;
	memset(pkt, 0, sizeof(pkt));
	ih->type = ICMP_ECHO;
	ih->un.echo.id = htons(hc->echo_id);
	ih->un.echo.sequence = htons(s->seq);
	memcpy(pkt + sizeof(*ih), &hc->nonce, sizeof(hc->nonce));
	memcpy(pkt + sizeof(*ih) + sizeof(hc->nonce), &s->gen, sizeof(s->gen));
	ih->checksum = inet_csum(pkt, sizeof(pkt));
	g->phase = HC_PH_ICMP;
	if (sendto(hc->icmp_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		probe_fail_errno(hc, ti, NULL, errno);
}

/* The in-flight icmp probe for (id, seq) sent to dst, or -1. */
static int32_t
icmp_match(const struct hc *hc, const struct icmphdr *ih, uint32_t dst,
	   const uint8_t *payload, size_t plen)
{
	const struct hc_slot *s;
	int32_t si;

	if (ntohs(ih->un.echo.id) != hc->echo_id)
		return -1;
	si = hc->seq_slot[ntohs(ih->un.echo.sequence)] - 1;
	if (si < 0)
		return -1;
	s = &hc->slots[si];
	if (hc->tgts[s->tgt].t.ip != dst)
		return -1;
	if (payload != NULL && (plen < HC_ICMP_PAYLOAD ||
				memcmp(payload, &hc->nonce, sizeof(hc->nonce)) != 0 ||
				memcmp(payload + sizeof(hc->nonce), &s->gen, sizeof(s->gen)) != 0))
		return -1;
	return si;
}

static void
icmp_error_reason(char *buf, size_t len, uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
		[0] = "network unreachable", [1] = "host unreachable",
		[2] = "protocol unreachable", [3] = "port unreachable",
		[9] = "network prohibited", [10] = "host prohibited",
		[13] = "administratively prohibited",
	};

	if (type == ICMP_TIME_EXCEEDED)
		snprintf(buf, len, "ttl exceeded");
	else if (code < sizeof(unreach) / sizeof(unreach[0]) && unreach[code] != NULL)
		snprintf(buf, len, "%s", unreach[code]);
	else
		snprintf(buf, len, "destination unreachable (code %u)", code);
}

/* One datagram from the raw socket: IP header, then ICMP. */
static void
icmp_input(struct hc *hc, const uint8_t *p, size_t len)
{
	const struct iphdr *ip = (const struct iphdr *)p, *inner;
	const struct icmphdr *ih, *orig;
	char reason[HC_REASON_LEN];
	size_t hl, il;
	int32_t si;

	if (len < sizeof(*ip) || (hl = (size_t)ip->ihl * 4) < sizeof(*ip) ||
	    len < hl + sizeof(*ih))
		return;
	ih = (const struct icmphdr *)(p + hl);
	if (ih->type == ICMP_ECHOREPLY) {
		si = icmp_match(hc, ih, ip->saddr, p + hl + sizeof(*ih),
				len - hl - sizeof(*ih));
		if (si >= 0)
			hc_probe_done(hc, hc->slots[si].tgt, 1, "ok");
		return;
	}
	if (ih->type != ICMP_DEST_UNREACH && ih->type != ICMP_TIME_EXCEEDED)
		return;
	/* The error quotes our request: its IP header and 8 bytes of ICMP. */
	inner = (const struct iphdr *)(p + hl + sizeof(*ih));
	if (len < hl + sizeof(*ih) + sizeof(*inner))
		return;
	il = (size_t)inner->ihl * 4;
	if (il < sizeof(*inner) || inner->protocol != IPPROTO_ICMP ||
	    len < hl + sizeof(*ih) + il + sizeof(*orig))
		return;
	orig = (const struct icmphdr *)((const uint8_t *)inner + il);
	if (orig->type != ICMP_ECHO)
		return;
	si = icmp_match(hc, orig, inner->daddr, NULL, 0);
	if (si < 0)
		return;
	icmp_error_reason(reason, sizeof(reason), ih->type, ih->code);
	hc_probe_done(hc, hc->slots[si].tgt, 0, reason);
}

static void
icmp_poll(struct hc *hc)
{
	uint8_t buf[2048];
	uint32_t i;

	if (hc->icmp_fd < 0)
		return;
	for (i = 0; i < HC_ICMP_READS; i++) {
		ssize_t n = recv(hc->icmp_fd, buf, sizeof(buf), 0);

		if (n < 0)
			return; /* EAGAIN: nothing more; errors of a raw socket: retry next poll */
		icmp_input(hc, buf, (size_t)n);
	}
}

/* ---- tcp and http --------------------------------------------------------- */

static int
is_http(const struct hc_tgt *g)
{
	return g->t.check.type == CFG_HC_HTTP;
}

static int
watch(struct hc *hc, uint32_t si, uint32_t events, int op)
{
	struct epoll_event ev = {
		.events = events,
		.data.u64 = (uint64_t)hc->slots[si].gen << 32 | si,
	};

	return epoll_ctl(hc->epfd, op, hc->slots[si].fd, &ev);
}

static void
http_request(struct hc *hc, uint32_t ti, struct hc_slot *s)
{
	const struct hc_tgt *g = &hc->tgts[ti];
	char host[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = g->t.ip };
	char port[8] = "";
	int n;

	inet_ntop(AF_INET, &a, host, sizeof(host));
	if (g->probe_port != 80)
		snprintf(port, sizeof(port), ":%u", g->probe_port);
	n = snprintf(s->buf, HC_HTTP_BUF + 1,
		     "GET %s HTTP/1.0\r\nHost: %s%s\r\nUser-Agent: sluice-health-check\r\n"
		     "Accept: */*\r\nConnection: close\r\n\r\n",
		     g->t.check.path[0] ? g->t.check.path : "/", host, port);
	s->len = (uint32_t)n;
	s->off = 0;
}

/* Parse "HTTP/x.y NNN ..." from the first line; -1 if it is not one. */
static int
http_status(const char *line, size_t len)
{
	static const char shape[] = "HTTP/9.9 999"; /* 9: a digit */
	size_t i;

	if (len < sizeof(shape) - 1)
		return -1;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == '9' ? line[i] < '0' || line[i] > '9' : line[i] != shape[i])
			return -1;
	}
	if (line[9] < '1' || line[9] > '5')
		return -1;
	if (len > 12 && line[12] != ' ' && line[12] != '\r' && line[12] != '\n')
		return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

/*
 * Look at what the response holds so far; eof: the server closed it.
 * Returns 1 when the probe ended (hc_probe_done called), 0 to read on.
 */
static int
http_check(struct hc *hc, uint32_t ti, struct hc_slot *s, int eof)
{
	const struct cfg_health *c = &hc->tgts[ti].t.check;
	char reason[HC_REASON_LEN];
	const char *nl, *end;
	size_t blen = strlen(c->body);
	int st;

	if (!s->status_ok) {
		nl = memchr(s->buf, '\n', s->len);
		if (nl == NULL) {
			if (!eof && s->len < HC_HTTP_HEAD_MAX)
				return 0;
			hc_probe_done(hc, ti, 0, s->len == 0 ? "empty response" : "bad response");
			return 1;
		}
		st = http_status(s->buf, (size_t)(nl - s->buf) + 1);
		if (st < 0) {
			hc_probe_done(hc, ti, 0, "bad response");
			return 1;
		}
		if (st != c->status) {
			snprintf(reason, sizeof(reason), "bad status %d", st);
			hc_probe_done(hc, ti, 0, reason);
			return 1;
		}
		s->status_ok = 1;
		if (blen == 0) {
			hc_probe_done(hc, ti, 1, "ok");
			return 1;
		}
	}
	if (s->body_off == 0) {
		end = memmem(s->buf, s->len, "\r\n\r\n", 4);
		if (end != NULL) {
			s->body_off = (uint32_t)(end - s->buf) + 4;
		} else if ((end = memmem(s->buf, s->len, "\n\n", 2)) != NULL) {
			s->body_off = (uint32_t)(end - s->buf) + 2;
		} else if (!eof && s->len < HC_HTTP_HEAD_MAX) {
			return 0;
		} else {
			hc_probe_done(hc, ti, 0, eof ? "body mismatch" : "response headers too long");
			return 1;
		}
	}
	if (memmem(s->buf + s->body_off, s->len - s->body_off, c->body, blen) != NULL) {
		hc_probe_done(hc, ti, 1, "ok");
		return 1;
	}
	if (eof || s->len - s->body_off >= HC_HTTP_BODY_MAX) {
		hc_probe_done(hc, ti, 0, "body mismatch");
		return 1;
	}
	return 0;
}

static void
http_recv(struct hc *hc, uint32_t ti, struct hc_slot *s)
{
	for (;;) {
		/* Never hold more than the headers' and the searched body's bytes. */
		uint32_t cap = s->body_off ? s->body_off + HC_HTTP_BODY_MAX : HC_HTTP_HEAD_MAX;
		ssize_t n;

		if (cap > HC_HTTP_BUF)
			cap = HC_HTTP_BUF;
		n = recv(s->fd, s->buf + s->len, cap - s->len, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				probe_fail_errno(hc, ti, NULL, errno);
			return;
		}
		s->len += (uint32_t)n;
		if (http_check(hc, ti, s, n == 0))
			return;
		if (n == 0)
			return; /* not reached: http_check ends the probe at eof */
	}
}

static void
http_send(struct hc *hc, uint32_t ti, uint32_t si)
{
	struct hc_slot *s = &hc->slots[si];

	while (s->off < s->len) {
		ssize_t n = send(s->fd, s->buf + s->off, s->len - s->off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return; /* EPOLLOUT is still watched */
			probe_fail_errno(hc, ti, NULL, errno);
			return;
		}
		s->off += (uint32_t)n;
	}
	hc->tgts[ti].phase = HC_PH_RECV;
	s->len = 0;
	s->body_off = 0;
	s->status_ok = 0;
	if (watch(hc, si, EPOLLIN, EPOLL_CTL_MOD) != 0) {
		probe_fail_errno(hc, ti, "epoll", errno);
		return;
	}
	http_recv(hc, ti, s);
}

/* Connected (tcp: done; http: send the request). */
static void
connected(struct hc *hc, uint32_t ti, uint32_t si)
{
	if (!is_http(&hc->tgts[ti])) {
		hc_probe_done(hc, ti, 1, "ok");
		return;
	}
	hc->tgts[ti].phase = HC_PH_SEND;
	http_request(hc, ti, &hc->slots[si]);
	http_send(hc, ti, si);
}

static void
tcp_start(struct hc *hc, uint32_t ti, uint32_t si)
{
	struct hc_tgt *g = &hc->tgts[ti];
	struct hc_slot *s = &hc->slots[si];
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_addr.s_addr = g->t.ip,
		.sin_port = htons(g->probe_port),
	};

	if (is_http(g) && s->buf == NULL) {
		s->buf = malloc(HC_HTTP_BUF + 1);
		if (s->buf == NULL) {
			probe_fail_errno(hc, ti, NULL, ENOMEM);
			return;
		}
	}
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		probe_fail_errno(hc, ti, "socket", errno);
		return;
	}
	/* Closing sends a reset: no TIME_WAIT per probe on this side. */
	(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (hc->ifname[0] != '\0' &&
	    setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, hc->ifname,
		       (socklen_t)strlen(hc->ifname)) != 0) {
		probe_fail_errno(hc, ti, hc->ifname, errno);
		return;
	}
	g->phase = HC_PH_CONNECT;
	if (connect(s->fd, (struct sockaddr *)&to, sizeof(to)) == 0) {
		if (watch(hc, si, EPOLLOUT, EPOLL_CTL_ADD) != 0)
			probe_fail_errno(hc, ti, "epoll", errno);
		else
			connected(hc, ti, si);
		return;
	}
	if (errno != EINPROGRESS) {
		probe_fail_errno(hc, ti, NULL, errno);
		return;
	}
	if (watch(hc, si, EPOLLOUT, EPOLL_CTL_ADD) != 0)
		probe_fail_errno(hc, ti, "epoll", errno);
}

/* A socket is ready: move its probe along. */
static void
tcp_event(struct hc *hc, uint32_t si)
{
	struct hc_slot *s = &hc->slots[si];
	uint32_t ti = s->tgt;
	socklen_t len = sizeof(int);
	int err = 0;

	switch (hc->tgts[ti].phase) {
	case HC_PH_CONNECT:
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0)
			probe_fail_errno(hc, ti, NULL, err);
		else
			connected(hc, ti, si);
		break;
	case HC_PH_SEND:
		http_send(hc, ti, si);
		break;
	case HC_PH_RECV:
		http_recv(hc, ti, s);
		break;
	default:
		break;
	}
}

/* ---- the engine's side ---------------------------------------------------- */

void
hc_probe_start(struct hc *hc, uint32_t ti, uint32_t si)
{
	if (hc->tgts[ti].t.check.type == CFG_HC_ICMP)
		icmp_start(hc, ti, si);
	else
		tcp_start(hc, ti, si);
}

/*
 * hc_poll calls this before it times out late probes: an answer that has
 * arrived by now counts, even in the millisecond of the deadline.
 */
void
hc_probe_poll(struct hc *hc)
{
	struct epoll_event ev[HC_EVENTS];
	int i, n, round;

	icmp_poll(hc);
	for (round = 0; round < HC_EVENT_ROUNDS; round++) {
		n = epoll_wait(hc->epfd, ev, HC_EVENTS, 0);
		for (i = 0; i < n; i++) {
			uint32_t si = (uint32_t)ev[i].data.u64;

			if (si < hc->max_probes && hc->slots[si].fd >= 0 &&
			    hc->slots[si].gen == (uint32_t)(ev[i].data.u64 >> 32))
				tcp_event(hc, si);
		}
		if (n < HC_EVENTS)
			break;
	}
}

int
hc_probe_open(struct hc *hc)
{
	hc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hc->epfd < 0)
		return -errno;
	/* Tell our echoes from another pinger's on the same host. */
	if (getrandom(&hc->nonce, sizeof(hc->nonce), GRND_NONBLOCK) != sizeof(hc->nonce))
		hc->nonce = (uint32_t)sl_mix64((uint64_t)getpid() << 32 ^ (uintptr_t)hc ^
					       (uint64_t)time(NULL));
	hc->echo_id = (uint16_t)(hc->nonce >> 16 ^ hc->nonce);
	return 0;
}

void
hc_probe_close(struct hc *hc)
{
	uint32_t i;

	for (i = 0; hc->slots != NULL && i < hc->max_probes; i++) {
		if (hc->slots[i].fd >= 0)
			close(hc->slots[i].fd);
		free(hc->slots[i].buf);
	}
	if (hc->icmp_fd >= 0)
		close(hc->icmp_fd);
	if (hc->epfd >= 0)
		close(hc->epfd);
	free(hc->seq_slot);
}
