/*
 * Health checks: probes backends with kernel sockets and reports UP/DOWN
 * transitions, each with its reason.
 *
 * The engine never blocks: every socket is non-blocking, readiness comes
 * from one epoll set polled with a zero timeout, and ICMP echo for all
 * targets shares one socket. The caller drives it with its own clock
 * (hc_poll(now_ms) about every millisecond), so tests can run it on a fake
 * clock.
 *
 * Semantics:
 *  - A target starts UP (a fresh start or a reload sends traffic at once)
 *    and goes DOWN after `fall` consecutive failed probes; a DOWN target
 *    goes UP after `rise` consecutive successful ones.
 *  - A probe starts every `interval_ms`; its first start is spread over
 *    one interval by a hash of the key, so a thousand targets do not probe
 *    in the same millisecond. At most one probe per target is in flight,
 *    and it ends after `timeout_ms` at the latest (timeout < interval).
 *  - At most `max_probes` probes are in flight together; the rest wait in
 *    order of their due time and start as soon as a probe ends. One poll
 *    starts at most 64 probes (64,000 per second at a 1 ms tick), so a
 *    burst of due probes cannot make a poll long.
 *  - Local trouble (out of file descriptors or buffers) is not the
 *    backend's fault: such a probe counts neither way and is retried at
 *    the next interval.
 *  - tcp: a connect; http: HTTP/1.0 GET with a Host header, the status line
 *    must carry `status`, and the first 4 KiB of the body must contain
 *    `body` (if set); icmp: an echo request answered by an echo reply.
 *    Probe connections are closed with a reset (SO_LINGER 0) so that
 *    thousands of checks leave no TIME_WAIT behind on the appliance.
 *
 * Threading: one thread (the control lcore) owns a struct hc and makes
 * every call on it; not MT-safe. Linux (epoll, SO_BINDTODEVICE, ping
 * sockets); no DPDK.
 */
#ifndef SLUICE_HEALTH_H
#define SLUICE_HEALTH_H

#include <stdint.h>

#include "config.h"

#define HC_DEFAULT_MAX_PROBES 1024
#define HC_REASON_LEN 64
#define HC_HTTP_BODY_MAX 4096   /* body bytes searched for `body` */

/* One thing to check. */
struct hc_target {
	uint64_t key;            /* the caller's id, unique among targets */
	uint32_t ip;             /* network order */
	uint16_t port;           /* host order: the backend's port; check.port overrides */
	struct cfg_health check; /* cfg_health_resolve() of service and backend */
};

struct hc_transition {
	uint64_t key;
	uint32_t ip;             /* network order */
	uint16_t port;           /* host order: the port probed (0 for icmp) */
	uint8_t up;              /* new state: 1 UP, 0 DOWN */
	char reason[HC_REASON_LEN]; /* DOWN: the last failure, e.g. "connection refused",
				     * "bad status 503", "body mismatch", "timeout", "no reply";
				     * UP: "ok" */
};

/* What the engine knows about one target (for `sluicectl list` and logs). */
struct hc_info {
	uint8_t up;
	uint8_t probing;         /* a probe is in flight */
	uint8_t waiting;         /* due, waiting for a free probe slot */
	uint32_t ok_run;         /* consecutive successes */
	uint32_t fail_run;       /* consecutive failures */
	uint64_t probes;         /* probes finished, either way */
	uint64_t failures;       /* of which failed */
	uint64_t last_ms;        /* when the last probe finished (caller's clock) */
	uint32_t last_rtt_ms;    /* how long it took */
	char last_reason[HC_REASON_LEN]; /* "ok" or why it failed; "" before the first */
};

struct hc;

/*
 * New engine. ifname: bind every probe socket to this device
 * (SO_BINDTODEVICE; NULL = route normally). max_probes: probes in flight
 * together, i.e. file descriptors the engine may hold (0 = 1024); keep it
 * well below RLIMIT_NOFILE. NULL with errno set on failure.
 * Context: control lcore (or any single thread that will own it).
 */
struct hc *hc_create(const char *ifname, uint32_t max_probes);

/*
 * Replace the set of targets (n may be 0). A target whose key, address,
 * probed port, type and http settings are unchanged keeps its state and
 * counters and its probe in flight, so a reload does not reset rise/fall;
 * a change of only interval, timeout, rise or fall keeps them too (the new
 * values apply from the next probe). Any other target starts afresh (UP).
 * Targets gone are dropped with their probes, and their queued transitions
 * stay queued. Type CFG_HC_NONE targets are never probed and always UP.
 * 0, -EINVAL (duplicate key, or a check the config validators would
 * refuse: zero interval, timeout, rise or fall, timeout >= interval, an
 * unknown type) or -ENOMEM; on error nothing changed.
 * Context: owner thread.
 */
int hc_set_targets(struct hc *hc, const struct hc_target *t, uint32_t n);

/*
 * Do what is due at now_ms (milliseconds on any monotonic clock, the same
 * for every call): collect finished probes, time out late ones, start due
 * ones. Never blocks. Context: owner thread, about every millisecond.
 */
void hc_poll(struct hc *hc, uint64_t now_ms);

/*
 * Move up to max transitions, oldest first, into out; returns how many.
 * Transitions are kept until taken, at most max(1024, 2 x targets): past
 * that the oldest are dropped and counted (hc_transitions_lost).
 * Context: owner thread.
 */
uint32_t hc_transitions(struct hc *hc, struct hc_transition *out, uint32_t max);
uint64_t hc_transitions_lost(const struct hc *hc);

/* 1 UP, 0 DOWN, -ENOENT for an unknown key. Context: owner thread. */
int hc_state(const struct hc *hc, uint64_t key);

/* 0 and *out, or -ENOENT. Context: owner thread. */
int hc_info(const struct hc *hc, uint64_t key, struct hc_info *out);

/* Close every socket and free the engine (NULL is fine). Context: owner thread. */
void hc_destroy(struct hc *hc);

#endif
