/*
 * A small management server shared by the runtime API (UNIX socket) and the
 * Prometheus endpoint (TCP): one request and one answer per connection.
 *
 * One thread multiplexes every connection with poll(): it accepts, reads
 * requests, writes answers and enforces deadlines, never blocking on a
 * client. A complete request goes to a handler thread (a "lane"), which
 * writes its answer into memory; the poll thread then sends it. So a client
 * that drips, stalls or does not read costs its own connection only, and a
 * slow handler holds up only the requests queued on its lane.
 *
 * Each connection has two deadlines: its whole request must arrive within
 * read_ms of being accepted (a client dripping a byte at a time is cut off
 * then, not reset by each byte), and its whole answer must be taken within
 * write_ms of being ready. At most max_conns are open at once: one more
 * closes the open connection that has waited longest for its request, or is
 * refused (accepted and closed) when every open one is being answered.
 * Every such closing is counted (srv_counters_read).
 *
 * Threading: srv_start/srv_stop on one thread (the main lcore); handlers run
 * on their lane's thread, one request at a time per lane, lanes in
 * parallel; srv_counters_read and srv_request_end from any thread.
 */
#ifndef SLUICE_SRV_H
#define SLUICE_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define SRV_MAX_LANES 4

/*
 * Answer one request: req holds what the client sent, up to and including
 * its end marker (NUL-terminated; it may hold other NULs), len its length.
 * Write the whole answer to out; the server sends it and closes. An empty
 * answer closes the connection without one.
 */
typedef void (*srv_handler)(char *req, size_t len, FILE *out);

/* The lane (0..n_lanes-1) a complete request is handled on. */
typedef unsigned int (*srv_lane_fn)(const char *req, size_t len);

/* Connections, counted by the poll thread; each closing counted once. */
struct srv_counters {
	uint64_t accepted;           /* given a slot (refused ones are not) */
	uint64_t deadline;           /* closed at a read or write deadline */
	uint64_t evicted;            /* closed, still reading, to make room */
	uint64_t refused;            /* closed at once: every slot answering */
};

struct srv_conf {
	const char *name;            /* thread names: NAME, NAME-0, NAME-1, ... */
	srv_handler handle;
	srv_lane_fn lane;            /* NULL: every request on lane 0 */
	unsigned int n_lanes;        /* handler threads, 1..SRV_MAX_LANES */
	const char *const *ends;     /* request end markers, NULL-terminated */
	size_t max_req;              /* a request this long is handled as it is */
	unsigned int max_conns;      /* open connections at most, >= 1 */
	unsigned int read_ms;        /* whole request, from accept */
	unsigned int write_ms;       /* whole answer, from when it is ready */
	struct srv_counters *counters;  /* counted here (outlives the server), or NULL */
};

struct srv;

/*
 * Serve listen_fd (bound and listening) as conf says (copied; its strings
 * and markers must outlive the server). On success *out is the server.
 * Returns 0 or -errno; on error listen_fd is closed.
 */
int srv_start(struct srv **out, int listen_fd, const struct srv_conf *conf);

/*
 * Stop accepting and reading, wait for the handlers running (they finish
 * their request), close every connection and the listening socket, free s.
 * NULL is a no-op.
 */
void srv_stop(struct srv *s);

/* A copy of counters a server counts into (atomic per counter). */
void srv_counters_read(const struct srv_counters *from, struct srv_counters *to);

/*
 * Framing, a pure function of the bytes received: the length of the
 * request in buf[0..len) (up to the end of its first end marker, found
 * anywhere, NULs included), or 0 when no marker has arrived yet.
 */
size_t srv_request_end(const char *const *ends, const char *buf, size_t len);

/*
 * A listening UNIX stream socket at path that is never more open than mode:
 * the file is created by bind() with mode already set on the socket (the
 * umask can only take bits away), then given exactly mode. A stale socket
 * file nobody answers on is replaced; one that answers is -EADDRINUSE.
 * Returns the socket (SOCK_CLOEXEC) or -errno.
 */
int srv_listen_unix(const char *path, mode_t mode, int backlog);

#endif
