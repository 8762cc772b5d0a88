/*
 * Health-check engine (see health.h for the contract).
 *
 * Every target is in exactly one of these places:
 *  - nowhere (type none: never probed; or new: scheduled at the next poll,
 *    which knows the time),
 *  - the heap, keyed by `due`: the next probe's start when idle, the
 *    probe's deadline when one is in flight,
 *  - the wait queue: due, but every probe slot was busy.
 * A probe holds a slot: the socket (tcp, http) or the ICMP sequence number
 * (icmp, which shares one raw socket), and the http buffer. Slots bound the
 * engine's file descriptors; their sockets sit in one epoll set polled with
 * a zero timeout, so a poll costs what is ready, not what is in flight.
 *
 * Targets are kept sorted by key: hc_state is a binary search, and
 * hc_set_targets merges the old and new sorted lists to carry state over.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
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
#include "health.h"

#define HC_MAX_PROBES 65535          /* slots are numbered in 16 bits for icmp */
#define HC_HTTP_HEAD_MAX 4096        /* status line and headers */
#define HC_HTTP_BUF (HC_HTTP_HEAD_MAX + HC_HTTP_BODY_MAX)
#define HC_EVENTS 256                /* epoll events per epoll_wait */
#define HC_EVENT_ROUNDS 4            /* epoll_wait calls per poll at most */
#define HC_ICMP_READS 1024           /* ICMP datagrams read per poll at most */
#define HC_STARTS_PER_POLL 64        /* probes started per poll at most: 64,000/s at 1 ms */
#define HC_MIN_TRANSITIONS 1024
#define HC_ICMP_FILTER 1             /* linux/icmp.h ICMP_FILTER, a SOL_RAW option */
#define HC_ICMP_PAYLOAD 8            /* nonce and slot generation after the echo header */

enum hc_phase {
	HC_PH_NONE,      /* type none: never probed */
	HC_PH_NEW,       /* to be scheduled at the next poll */
	HC_PH_IDLE,      /* in the heap, due = next start */
	HC_PH_WAIT,      /* in the wait queue */
	HC_PH_CONNECT,   /* tcp/http: connect in progress */
	HC_PH_SEND,      /* http: request partly sent */
	HC_PH_RECV,      /* http: reading the response */
	HC_PH_ICMP,      /* icmp: echo request sent */
};

struct hc_tgt {
	struct hc_target t;
	uint64_t due;            /* see the file comment */
	uint64_t started;        /* start of the current or last probe */
	uint64_t probes;
	uint64_t failures;
	uint64_t last_ms;
	uint32_t ok_run;
	uint32_t fail_run;
	uint32_t last_rtt_ms;
	int32_t heap_pos;        /* -1: not in the heap */
	int32_t slot;            /* -1: no probe in flight */
	uint16_t probe_port;     /* host order; 0 for icmp */
	uint8_t up;
	uint8_t phase;           /* enum hc_phase */
	char last_reason[HC_REASON_LEN];
};

struct hc_slot {
	int fd;                  /* tcp/http socket, -1 for icmp or free */
	uint32_t tgt;
	uint32_t gen;            /* bumped on release: stale epoll events are ignored */
	uint16_t seq;            /* icmp sequence number */
	uint32_t len;            /* http: request length, then response bytes held */
	uint32_t off;            /* http: request bytes sent */
	uint32_t body_off;       /* http: where the body starts, 0 = headers not complete */
	int status_ok;           /* http: status line seen and as expected */
	char *buf;               /* http: HC_HTTP_BUF + 1 bytes, kept for reuse */
};

struct hc {
	char ifname[IF_NAMESIZE];   /* "" = no SO_BINDTODEVICE */
	int epfd;
	int icmp_fd;                /* -1 until the first icmp probe */
	int icmp_errno;             /* why the ICMP socket could not be opened */
	uint16_t echo_id;
	uint16_t echo_seq;
	uint32_t nonce;
	int32_t *seq_slot;          /* 65536 entries: slot + 1 per sequence, 0 = none */
	uint64_t now;
	int need_schedule;          /* some target is HC_PH_NEW */

	struct hc_tgt *tgts;        /* sorted by key */
	uint32_t n_tgts;
	uint32_t *heap;             /* target indices */
	uint32_t n_heap;
	uint32_t *waitq;            /* ring of target indices, capacity n_tgts */
	uint32_t wait_head;
	uint32_t n_wait;

	struct hc_slot *slots;
	uint32_t max_probes;
	uint32_t *free_slots;       /* stack */
	uint32_t n_free;

	struct hc_transition *tr;   /* ring */
	uint32_t tr_cap;
	uint32_t tr_head;
	uint32_t n_tr;
	uint64_t tr_lost;
};

/* ---- small helpers -------------------------------------------------------- */

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

static int
is_http(const struct hc_tgt *g)
{
	return g->t.check.type == CFG_HC_HTTP;
}

/* Same thing probed the same way: state carries over a reload. */
static int
same_probe(const struct hc_tgt *a, const struct hc_target *b, uint16_t b_port)
{
	const struct cfg_health *x = &a->t.check, *y = &b->check;

	if (a->t.ip != b->ip || a->probe_port != b_port || x->type != y->type)
		return 0;
	if (x->type != CFG_HC_HTTP)
		return 1;
	return x->status == y->status && strcmp(x->path, y->path) == 0 &&
	       strcmp(x->body, y->body) == 0;
}

/* What the config validators guarantee; checked again, the engine divides by it. */
static int
check_valid(const struct cfg_health *c)
{
	if (c->type == CFG_HC_NONE)
		return 1;
	return c->type <= CFG_HC_ICMP && c->interval_ms > 0 && c->timeout_ms > 0 &&
	       c->timeout_ms < c->interval_ms && c->rise > 0 && c->fall > 0;
}

static uint16_t
probe_port_of(const struct hc_target *t)
{
	if (t->check.type != CFG_HC_TCP && t->check.type != CFG_HC_HTTP)
		return 0;
	return t->check.port != 0 ? t->check.port : t->port;
}

/* ---- heap of targets by due time ------------------------------------------ */

static void
heap_swap(struct hc *hc, uint32_t a, uint32_t b)
{
	uint32_t ta = hc->heap[a], tb = hc->heap[b];

	hc->heap[a] = tb;
	hc->heap[b] = ta;
	hc->tgts[tb].heap_pos = (int32_t)a;
	hc->tgts[ta].heap_pos = (int32_t)b;
}

static uint64_t
heap_due(const struct hc *hc, uint32_t pos)
{
	return hc->tgts[hc->heap[pos]].due;
}

static void
heap_up(struct hc *hc, uint32_t pos)
{
	while (pos > 0 && heap_due(hc, (pos - 1) / 2) > heap_due(hc, pos)) {
		heap_swap(hc, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
}

static void
heap_down(struct hc *hc, uint32_t pos)
{
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, m = pos;

		if (l < hc->n_heap && heap_due(hc, l) < heap_due(hc, m))
			m = l;
		if (r < hc->n_heap && heap_due(hc, r) < heap_due(hc, m))
			m = r;
		if (m == pos)
			return;
		heap_swap(hc, pos, m);
		pos = m;
	}
}

/* Set g's due time and place it in the heap (or move it there). */
static void
heap_set(struct hc *hc, uint32_t ti, uint64_t due)
{
	struct hc_tgt *g = &hc->tgts[ti];

	g->due = due;
	if (g->heap_pos < 0) {
		g->heap_pos = (int32_t)hc->n_heap;
		hc->heap[hc->n_heap++] = ti;
	}
	heap_up(hc, (uint32_t)g->heap_pos);
	heap_down(hc, (uint32_t)g->heap_pos);
}

static uint32_t
heap_pop(struct hc *hc)
{
	uint32_t ti = hc->heap[0];

	hc->n_heap--;
	if (hc->n_heap > 0) {
		hc->heap[0] = hc->heap[hc->n_heap];
		hc->tgts[hc->heap[0]].heap_pos = 0;
		heap_down(hc, 0);
	}
	hc->tgts[ti].heap_pos = -1;
	return ti;
}

/* ---- transitions ---------------------------------------------------------- */

static void
push_transition(struct hc *hc, const struct hc_tgt *g, const char *reason)
{
	struct hc_transition *tr;

	if (hc->tr_cap == 0)
		return;
	if (hc->n_tr == hc->tr_cap) {
		hc->tr_head = (hc->tr_head + 1) % hc->tr_cap;
		hc->n_tr--;
		hc->tr_lost++;
	}
	tr = &hc->tr[(hc->tr_head + hc->n_tr) % hc->tr_cap];
	memset(tr, 0, sizeof(*tr));
	tr->key = g->t.key;
	tr->ip = g->t.ip;
	tr->port = g->probe_port;
	tr->up = g->up;
	snprintf(tr->reason, sizeof(tr->reason), "%s", reason);
	hc->n_tr++;
}

uint32_t
hc_transitions(struct hc *hc, struct hc_transition *out, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && hc->n_tr > 0) {
		out[n++] = hc->tr[hc->tr_head];
		hc->tr_head = (hc->tr_head + 1) % hc->tr_cap;
		hc->n_tr--;
	}
	return n;
}

uint64_t
hc_transitions_lost(const struct hc *hc)
{
	return hc->tr_lost;
}

/* ---- probe slots ---------------------------------------------------------- */

static void
slot_release(struct hc *hc, uint32_t si)
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

/*
 * The probe of target ti ended at `now`: ok 1 success, 0 failure (reason),
 * -1 not counted (a local problem). Schedules the next probe.
 */
static void
probe_done(struct hc *hc, uint32_t ti, int ok, const char *reason)
{
	struct hc_tgt *g = &hc->tgts[ti];

	if (g->slot >= 0)
		slot_release(hc, (uint32_t)g->slot);
	g->phase = HC_PH_IDLE;
	g->last_ms = hc->now;
	g->last_rtt_ms = (uint32_t)(hc->now - g->started);
	if (ok < 0) {
		snprintf(g->last_reason, sizeof(g->last_reason), "not checked: %s", reason);
	} else if (ok) {
		g->probes++;
		snprintf(g->last_reason, sizeof(g->last_reason), "ok");
		g->fail_run = 0;
		if (g->ok_run < UINT32_MAX)
			g->ok_run++;
		if (!g->up && g->ok_run >= g->t.check.rise) {
			g->up = 1;
			push_transition(hc, g, "ok");
		}
	} else {
		g->probes++;
		g->failures++;
		snprintf(g->last_reason, sizeof(g->last_reason), "%s", reason);
		g->ok_run = 0;
		if (g->fail_run < UINT32_MAX)
			g->fail_run++;
		if (g->up && g->fail_run >= g->t.check.fall) {
			g->up = 0;
			push_transition(hc, g, reason);
		}
	}
	heap_set(hc, ti, g->started + g->t.check.interval_ms);
}

static void
probe_fail_errno(struct hc *hc, uint32_t ti, const char *what, int err)
{
	char reason[HC_REASON_LEN];

	reason_errno(reason, sizeof(reason), what, err);
	probe_done(hc, ti, is_local_error(err) ? -1 : 0, reason);
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
			probe_done(hc, hc->slots[si].tgt, 1, "ok");
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
	probe_done(hc, hc->slots[si].tgt, 0, reason);
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
 * Returns 1 when the probe ended (probe_done called), 0 to read on.
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
			probe_done(hc, ti, 0, s->len == 0 ? "empty response" : "bad response");
			return 1;
		}
		st = http_status(s->buf, (size_t)(nl - s->buf) + 1);
		if (st < 0) {
			probe_done(hc, ti, 0, "bad response");
			return 1;
		}
		if (st != c->status) {
			snprintf(reason, sizeof(reason), "bad status %d", st);
			probe_done(hc, ti, 0, reason);
			return 1;
		}
		s->status_ok = 1;
		if (blen == 0) {
			probe_done(hc, ti, 1, "ok");
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
			probe_done(hc, ti, 0, eof ? "body mismatch" : "response headers too long");
			return 1;
		}
	}
	if (memmem(s->buf + s->body_off, s->len - s->body_off, c->body, blen) != NULL) {
		probe_done(hc, ti, 1, "ok");
		return 1;
	}
	if (eof || s->len - s->body_off >= HC_HTTP_BODY_MAX) {
		probe_done(hc, ti, 0, "body mismatch");
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
		probe_done(hc, ti, 1, "ok");
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

/* ---- scheduling ----------------------------------------------------------- */

static void
probe_start(struct hc *hc, uint32_t ti)
{
	struct hc_tgt *g = &hc->tgts[ti];
	uint32_t si = hc->free_slots[--hc->n_free];
	struct hc_slot *s = &hc->slots[si];

	s->tgt = ti;
	s->fd = -1;
	g->slot = (int32_t)si;
	g->started = hc->now;
	/* The deadline; probe_done replaces it with the next start. */
	heap_set(hc, ti, hc->now + g->t.check.timeout_ms);
	if (g->t.check.type == CFG_HC_ICMP)
		icmp_start(hc, ti, si);
	else
		tcp_start(hc, ti, si);
}

static const char *
timeout_reason(const struct hc_tgt *g)
{
	switch (g->phase) {
	case HC_PH_ICMP:
		return "no reply";
	case HC_PH_CONNECT:
		return "timeout";
	default:
		return "timeout waiting for response";
	}
}

/* First probes spread over one interval, the same way for a given key. */
static void
schedule_new(struct hc *hc)
{
	uint32_t i;

	for (i = 0; i < hc->n_tgts; i++) {
		struct hc_tgt *g = &hc->tgts[i];

		if (g->phase != HC_PH_NEW)
			continue;
		g->phase = HC_PH_IDLE;
		heap_set(hc, i, hc->now + sl_mix64(g->t.key) % g->t.check.interval_ms);
	}
	hc->need_schedule = 0;
}

void
hc_poll(struct hc *hc, uint64_t now_ms)
{
	struct epoll_event ev[HC_EVENTS];
	uint32_t starts = 0;
	int i, n, round;

	hc->now = now_ms;
	if (hc->need_schedule)
		schedule_new(hc);
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
	/* Due targets queue behind the ones already waiting for a slot. */
	while (hc->n_heap > 0 && hc->tgts[hc->heap[0]].due <= now_ms) {
		uint32_t ti = hc->heap[0];
		struct hc_tgt *g = &hc->tgts[ti];

		if (g->slot < 0 && starts == HC_STARTS_PER_POLL)
			break; /* the rest next time: a poll stays short */
		heap_pop(hc);
		if (g->slot >= 0) {
			probe_done(hc, ti, 0, timeout_reason(g));
		} else if (hc->n_wait == 0 && hc->n_free > 0) {
			probe_start(hc, ti);
			starts++;
		} else {
			g->phase = HC_PH_WAIT;
			hc->waitq[(hc->wait_head + hc->n_wait) % hc->n_tgts] = ti;
			hc->n_wait++;
		}
	}
	while (hc->n_wait > 0 && hc->n_free > 0 && starts < HC_STARTS_PER_POLL) {
		uint32_t ti = hc->waitq[hc->wait_head];

		hc->wait_head = (hc->wait_head + 1) % hc->n_tgts;
		hc->n_wait--;
		probe_start(hc, ti);
		starts++;
	}
}

/* ---- targets -------------------------------------------------------------- */

static int
tgt_cmp(const void *pa, const void *pb)
{
	const struct hc_tgt *a = pa, *b = pb;

	return a->t.key < b->t.key ? -1 : a->t.key > b->t.key;
}

static int32_t
find(const struct hc *hc, uint64_t key)
{
	uint32_t lo = 0, hi = hc->n_tgts;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (hc->tgts[mid].t.key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < hc->n_tgts && hc->tgts[lo].t.key == key ? (int32_t)lo : -1;
}

/* Carry old target o's state into g (same probe; timing may differ). */
static void
carry_state(struct hc *hc, struct hc_tgt *g, const struct hc_tgt *o)
{
	g->up = o->up;
	g->phase = o->phase;
	g->due = o->due;
	g->started = o->started;
	g->ok_run = o->ok_run;
	g->fail_run = o->fail_run;
	g->probes = o->probes;
	g->failures = o->failures;
	g->last_ms = o->last_ms;
	g->last_rtt_ms = o->last_rtt_ms;
	g->slot = o->slot;
	memcpy(g->last_reason, o->last_reason, sizeof(g->last_reason));
	/* A shorter interval or timeout takes effect now, not after the old one. */
	if (g->phase == HC_PH_IDLE && g->due > hc->now + g->t.check.interval_ms)
		g->due = hc->now + sl_mix64(g->t.key) % g->t.check.interval_ms;
	if (g->slot >= 0 && g->due > g->started + g->t.check.timeout_ms)
		g->due = g->started + g->t.check.timeout_ms;
}

static int
resize_transitions(struct hc *hc, uint32_t n_tgts)
{
	uint32_t cap = n_tgts * 2 > HC_MIN_TRANSITIONS ? n_tgts * 2 : HC_MIN_TRANSITIONS;
	struct hc_transition *tr;
	uint32_t keep;

	if (cap == hc->tr_cap)
		return 0;
	tr = calloc(cap, sizeof(*tr));
	if (tr == NULL)
		return -ENOMEM;
	/* The newest ones are kept if the ring shrinks below what it holds. */
	keep = hc->n_tr < cap ? hc->n_tr : cap;
	hc->tr_lost += hc->n_tr - keep;
	hc->tr_head = (hc->tr_head + hc->n_tr - keep) % (hc->tr_cap ? hc->tr_cap : 1);
	hc->n_tr = hc_transitions(hc, tr, keep);
	free(hc->tr);
	hc->tr = tr;
	hc->tr_cap = cap;
	hc->tr_head = 0;
	return 0;
}

int
hc_set_targets(struct hc *hc, const struct hc_target *t, uint32_t n)
{
	struct hc_tgt *nt;
	uint32_t *heap, *waitq, *map = NULL, i, j, nw = 0;
	int rc = -ENOMEM;

	nt = calloc(n ? n : 1, sizeof(*nt));
	heap = calloc(n ? n : 1, sizeof(*heap));
	waitq = calloc(n ? n : 1, sizeof(*waitq));
	if (hc->n_tgts > 0)
		map = malloc(hc->n_tgts * sizeof(*map));
	if (nt == NULL || heap == NULL || waitq == NULL || (hc->n_tgts > 0 && map == NULL))
		goto free_new;
	rc = -EINVAL;
	for (i = 0; i < n; i++) {
		if (!check_valid(&t[i].check))
			goto free_new;
		nt[i].t = t[i];
		nt[i].probe_port = probe_port_of(&t[i]);
	}
	qsort(nt, n, sizeof(*nt), tgt_cmp);
	for (i = 1; i < n; i++)
		if (nt[i].t.key == nt[i - 1].t.key)
			goto free_new;
	rc = resize_transitions(hc, n);
	if (rc != 0)
		goto free_new;

	/* Merge the two sorted lists: matching keys probed alike keep state. */
	for (i = 0, j = 0; j < n; j++) {
		struct hc_tgt *g = &nt[j];

		while (i < hc->n_tgts && hc->tgts[i].t.key < g->t.key)
			map[i++] = UINT32_MAX;
		g->heap_pos = -1;
		g->slot = -1;
		if (i < hc->n_tgts && hc->tgts[i].t.key == g->t.key &&
		    hc->tgts[i].phase != HC_PH_NONE && g->t.check.type != CFG_HC_NONE &&
		    same_probe(&hc->tgts[i], &g->t, g->probe_port)) {
			carry_state(hc, g, &hc->tgts[i]);
			map[i++] = j;
			continue;
		}
		if (i < hc->n_tgts && hc->tgts[i].t.key == g->t.key)
			map[i++] = UINT32_MAX;
		g->up = 1;
		g->phase = g->t.check.type == CFG_HC_NONE ? HC_PH_NONE : HC_PH_NEW;
		if (g->phase == HC_PH_NEW)
			hc->need_schedule = 1;
	}
	while (i < hc->n_tgts)
		map[i++] = UINT32_MAX;

	/* Probes of dropped targets end; the others' slots follow their target. */
	for (i = 0; i < hc->n_tgts; i++) {
		int32_t si = hc->tgts[i].slot;

		if (si < 0)
			continue;
		if (map[i] == UINT32_MAX)
			slot_release(hc, (uint32_t)si);
		else
			hc->slots[si].tgt = map[i];
	}
	for (i = 0; i < hc->n_wait; i++) {
		uint32_t o = hc->waitq[(hc->wait_head + i) % hc->n_tgts];

		if (map[o] != UINT32_MAX)
			waitq[nw++] = map[o];
	}
	free(hc->tgts);
	free(hc->heap);
	free(hc->waitq);
	free(map);
	hc->tgts = nt;
	hc->n_tgts = n;
	hc->heap = heap;
	hc->n_heap = 0;
	hc->waitq = waitq;
	hc->wait_head = 0;
	hc->n_wait = nw;
	for (j = 0; j < n; j++)
		if (nt[j].phase != HC_PH_NONE && nt[j].phase != HC_PH_NEW &&
		    nt[j].phase != HC_PH_WAIT)
			heap_set(hc, j, nt[j].due);
	return 0;
free_new:
	free(nt);
	free(heap);
	free(waitq);
	free(map);
	return rc;
}

int
hc_state(const struct hc *hc, uint64_t key)
{
	int32_t i = find(hc, key);

	return i < 0 ? -ENOENT : hc->tgts[i].up;
}

int
hc_info(const struct hc *hc, uint64_t key, struct hc_info *out)
{
	const struct hc_tgt *g;
	int32_t i = find(hc, key);

	if (i < 0)
		return -ENOENT;
	g = &hc->tgts[i];
	memset(out, 0, sizeof(*out));
	out->up = g->up;
	out->probing = g->slot >= 0;
	out->waiting = g->phase == HC_PH_WAIT;
	out->ok_run = g->ok_run;
	out->fail_run = g->fail_run;
	out->probes = g->probes;
	out->failures = g->failures;
	out->last_ms = g->last_ms;
	out->last_rtt_ms = g->last_rtt_ms;
	memcpy(out->last_reason, g->last_reason, sizeof(out->last_reason));
	return 0;
}

/* ---- life cycle ----------------------------------------------------------- */

struct hc *
hc_create(const char *ifname, uint32_t max_probes)
{
	struct hc *hc;
	uint32_t i;
	int err;

	if (max_probes == 0)
		max_probes = HC_DEFAULT_MAX_PROBES;
	if (max_probes > HC_MAX_PROBES ||
	    (ifname != NULL && strlen(ifname) >= IF_NAMESIZE)) {
		errno = EINVAL;
		return NULL;
	}
	hc = calloc(1, sizeof(*hc));
	if (hc == NULL)
		return NULL;
	hc->icmp_fd = -1;
	hc->epfd = -1;
	if (ifname != NULL)
		snprintf(hc->ifname, sizeof(hc->ifname), "%s", ifname);
	hc->max_probes = max_probes;
	hc->slots = calloc(max_probes, sizeof(*hc->slots));
	hc->free_slots = calloc(max_probes, sizeof(*hc->free_slots));
	if (hc->slots == NULL || hc->free_slots == NULL)
		goto fail;
	for (i = 0; i < max_probes; i++) {
		hc->slots[i].fd = -1;
		hc->free_slots[hc->n_free++] = max_probes - 1 - i;
	}
	hc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hc->epfd < 0)
		goto fail;
	if (resize_transitions(hc, 0) != 0) {
		errno = ENOMEM;
		goto fail;
	}
	/* Tell our echoes from another pinger's on the same host. */
	if (getrandom(&hc->nonce, sizeof(hc->nonce), GRND_NONBLOCK) != sizeof(hc->nonce))
		hc->nonce = (uint32_t)sl_mix64((uint64_t)getpid() << 32 ^ (uintptr_t)hc ^
					       (uint64_t)time(NULL));
	hc->echo_id = (uint16_t)(hc->nonce >> 16 ^ hc->nonce);
	return hc;
fail:
	err = errno;
	hc_destroy(hc);
	errno = err;
	return NULL;
}

void
hc_destroy(struct hc *hc)
{
	uint32_t i;

	if (hc == NULL)
		return;
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
	free(hc->slots);
	free(hc->free_slots);
	free(hc->tgts);
	free(hc->heap);
	free(hc->waitq);
	free(hc->tr);
	free(hc);
}
