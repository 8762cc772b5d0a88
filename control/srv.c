/* One-request-per-connection management server (see srv.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "srv.h"

int
srv_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);

		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

int
srv_request_ended(const char *const *ends, const char *req)
{
	const char *const *e;

	for (e = ends; *e != NULL; e++)
		if (strstr(req, *e) != NULL)
			return 1;
	return 0;
}

static void
serve(struct srv *s, int fd, char *req)
{
	struct timeval tv = { .tv_sec = s->timeout_s };
	size_t got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	req[0] = '\0';
	while (got < s->max_req) {
		ssize_t k = recv(fd, req + got, s->max_req - got, 0);

		if (k <= 0)
			return;
		got += (size_t)k;
		req[got] = '\0';
		if (srv_request_ended(s->ends, req))
			break;
	}
	s->handle(fd, req, got);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	char *req = malloc(s->max_req + 1);

	if (req == NULL)
		return NULL;
	/* poll with a timeout, so srv_stop() is noticed without a wake-up. */
	while (!s->stopping) {
		int fd;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(s, fd, req);
		close(fd);
	}
	free(req);
	return NULL;
}

int
srv_start(struct srv *s, int listen_fd, srv_handler handle, const char *const *ends,
	  size_t max_req, int timeout_s, const char *name)
{
	int rc;

	s->fd = listen_fd;
	s->stopping = 0;
	s->handle = handle;
	s->ends = ends;
	s->max_req = max_req;
	s->timeout_s = timeout_s;
	rc = pthread_create(&s->thread, NULL, srv_main, s);
	if (rc != 0) {
		close(listen_fd);
		s->fd = -1;
		return -rc;
	}
	pthread_setname_np(s->thread, name);
	return 0;
}

void
srv_stop(struct srv *s)
{
	if (s->fd < 0)
		return;
	s->stopping = 1;
	pthread_join(s->thread, NULL);
	close(s->fd);
	s->fd = -1;
}
