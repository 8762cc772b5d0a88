/*
 * A small management server: a thread of its own that accepts connections
 * on a listening socket and serves one request per connection, so a slow or
 * stalled client costs that thread only, never the control lcore. Shared by
 * the runtime API (UNIX socket) and the Prometheus endpoint (TCP).
 * Threading: srv_start/srv_stop on the main lcore; the handler runs on the
 * server's thread.
 */
#ifndef SLUICE_SRV_H
#define SLUICE_SRV_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Serve one connection: req holds what the client sent up to its end
 * marker (NUL-terminated), len its length. Write the answer with
 * srv_send_all(); the server closes the connection.
 */
typedef void (*srv_handler)(int fd, char *req, size_t len);

struct srv {
	int fd;                      /* listening socket, -1 when stopped */
	volatile int stopping;
	pthread_t thread;
	srv_handler handle;
	const char *const *ends;     /* request end markers, NULL-terminated */
	size_t max_req;              /* bytes read at most */
	int timeout_s;               /* per connection, each way */
};

/*
 * Serve listen_fd (bound and listening) with handle on a thread named
 * name. The request of a connection ends at the first of `ends` found, or
 * at max_req bytes; a client slower than timeout_s is cut off.
 * Returns 0 or -errno; on error listen_fd is closed.
 */
int srv_start(struct srv *s, int listen_fd, srv_handler handle,
	      const char *const *ends, size_t max_req, int timeout_s, const char *name);

/* Stop accepting, join the thread, close the socket. Idempotent. */
void srv_stop(struct srv *s);

/* Write all of p[0..n); 0, or -1 when the peer went away. */
int srv_send_all(int fd, const void *p, size_t n);

/*
 * Whether req (what was read so far, NUL-terminated) holds one of ends.
 * Context: any thread; pure. Exposed for test/fuzz/.
 */
int srv_request_ended(const char *const *ends, const char *req);

#endif
