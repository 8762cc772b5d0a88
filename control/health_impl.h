/*
 * What health.c (target states, scheduling, transitions) and
 * health_probe.c (the probes' sockets) share: the engine's layout and the
 * calls between the two halves. Not part of the health.h contract.
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
 * Threading: as health.h, the struct hc's owner thread only.
 */
#ifndef SLUICE_HEALTH_IMPL_H
#define SLUICE_HEALTH_IMPL_H

#include <net/if.h>
#include <stdint.h>

#include "health.h"

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

/* ---- health.c ------------------------------------------------------------- */

/*
 * The probe of target ti ended at `now`: ok 1 success, 0 failure (reason),
 * -1 not counted (a local problem). Releases its slot, counts it towards
 * rise or fall and schedules the next probe.
 */
void hc_probe_done(struct hc *hc, uint32_t ti, int ok, const char *reason);

/* ---- health_probe.c ------------------------------------------------------- */

/* The epoll set and the echo id and nonce: 0 or -errno. */
int hc_probe_open(struct hc *hc);

/* Close every probe's socket, the ICMP one and the epoll set; free the buffers. */
void hc_probe_close(struct hc *hc);

/*
 * Send target ti's probe from slot si (connect, or an echo request). A
 * probe that cannot start ends here, through hc_probe_done.
 */
void hc_probe_start(struct hc *hc, uint32_t ti, uint32_t si);

/* Move the probes in flight along: ICMP replies, ready sockets. */
void hc_probe_poll(struct hc *hc);

/* Free slot si: its socket closed, its ICMP sequence number free for reuse. */
void hc_slot_release(struct hc *hc, uint32_t si);

#endif
