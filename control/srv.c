/*
 * Management server (see srv.h). The poll thread owns every connection
 * except while a lane handles it: it hands the connection over with the
 * request in it, and takes it back, answer attached, from the done list.
 * Lanes never touch a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "srv.h"

/* Connections accepted per wake-up at most, so a flood cannot starve I/O. */
#define SRV_ACCEPT_BURST 16

enum conn_state { CONN_FREE, CONN_READ, CONN_HANDLE, CONN_WRITE };

struct conn {
	int fd;
	enum conn_state state;
	uint64_t since_ms;           /* accepted: eviction picks the oldest */
	uint64_t deadline_ms;        /* of the current phase, read or write */
	size_t got;
	char *req;                   /* max_req + 1 bytes */
	char *ans;                   /* the lane's answer, malloc'ed */
	size_t ans_len, sent;
	struct conn *next;           /* on a lane's queue or the done list */
};

struct lane {
	struct srv *s;
	pthread_t thread;
	pthread_cond_t cond;
	struct conn *head, *tail;
	int started;
};

struct srv {
	struct srv_conf conf;
	int fd;                      /* listening */
	int wake;                    /* eventfd: answers ready, or stop */
	pthread_t thread;
	pthread_mutex_t mu;          /* lane queues, done list, stopping */
	int stopping;
	struct conn *done;
	struct lane lanes[SRV_MAX_LANES];
	struct conn *conns;          /* max_conns slots */
	struct pollfd *pfd;          /* 2 + max_conns */
	struct conn **pconn;
	struct srv_counters *cnt;    /* written by the poll thread only */
	struct srv_counters own_cnt; /* when the caller gave none */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
count(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

size_t
srv_request_end(const char *const *ends, const char *buf, size_t len)
{
	const char *const *e;
	size_t best = 0;

	for (e = ends; *e != NULL; e++) {
		const char *hit = memmem(buf, len, *e, strlen(*e));
		size_t end;

		if (hit == NULL)
			continue;
		end = (size_t)(hit - buf) + strlen(*e);
		if (best == 0 || end < best)
			best = end;
	}
	return best;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	free(c->ans);
	c->ans = NULL;
	c->state = CONN_FREE;
}

/* Context: poll thread. */
static void
dispatch(struct srv *s, struct conn *c)
{
	unsigned int l = s->conf.lane != NULL ? s->conf.lane(c->req, c->got) : 0;
	struct lane *ln;

	if (l >= s->conf.n_lanes)
		l = s->conf.n_lanes - 1;
	ln = &s->lanes[l];
	c->state = CONN_HANDLE;
	c->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (ln->tail != NULL)
		ln->tail->next = c;
	else
		ln->head = c;
	ln->tail = c;
	pthread_cond_signal(&ln->cond);
	pthread_mutex_unlock(&s->mu);
}

static void *
lane_main(void *arg)
{
	struct lane *ln = arg;
	struct srv *s = ln->s;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct conn *c;
		FILE *out;
		uint64_t one = 1;

		while (ln->head == NULL && !s->stopping)
			pthread_cond_wait(&ln->cond, &s->mu);
		if (s->stopping)
			break;
		c = ln->head;
		ln->head = c->next;
		if (ln->head == NULL)
			ln->tail = NULL;
		pthread_mutex_unlock(&s->mu);

		c->ans = NULL;
		c->ans_len = 0;
		out = open_memstream(&c->ans, &c->ans_len);
		if (out != NULL) {
			s->conf.handle(c->req, c->got, out);
			if (fclose(out) != 0) {
				free(c->ans);
				c->ans = NULL;
			}
		}
		pthread_mutex_lock(&s->mu);
		c->next = s->done;
		s->done = c;
		if (write(s->wake, &one, sizeof(one)) < 0) {
			/* Only EAGAIN (counter saturated): a wake-up is pending anyway. */
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Send what the client takes now; 1 when the answer is all sent. */
static int
conn_write(struct conn *c)
{
	while (c->sent < c->ans_len) {
		ssize_t k = send(c->fd, c->ans + c->sent, c->ans_len - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (k <= 0)
			return -1;
		c->sent += (size_t)k;
	}
	return 1;
}

/* Answers back from the lanes: start writing each. Context: poll thread. */
static void
take_done(struct srv *s, uint64_t now)
{
	struct conn *c, *next;
	uint64_t v;

	if (read(s->wake, &v, sizeof(v)) < 0) {
		/* EAGAIN: woken by a stale readiness; the list decides. */
	}
	pthread_mutex_lock(&s->mu);
	c = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->mu);
	for (; c != NULL; c = next) {
		next = c->next;
		if (c->ans == NULL || c->ans_len == 0) {
			conn_close(c);
			continue;
		}
		c->state = CONN_WRITE;
		c->sent = 0;
		c->deadline_ms = now + s->conf.write_ms;
		if (conn_write(c) != 0)
			conn_close(c);
	}
}

/* Read what has arrived; hand the request over once it is complete. */
static void
conn_read(struct srv *s, struct conn *c)
{
	size_t end;

	for (;;) {
		ssize_t k = recv(c->fd, c->req + c->got, s->conf.max_req - c->got, MSG_DONTWAIT);

		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k <= 0) {
			/* Gone, or half-closed, before the request ended: no answer. */
			conn_close(c);
			return;
		}
		c->got += (size_t)k;
		/* The whole buffer each time: a marker may straddle two reads. */
		end = srv_request_end(s->conf.ends, c->req, c->got);
		if (end != 0)
			c->got = end;   /* what follows the marker is not the request's */
		c->req[c->got] = '\0';
		if (end != 0 || c->got == s->conf.max_req) {
			dispatch(s, c);
			return;
		}
	}
}

/* A slot for a new connection: a free one, else the oldest still reading. */
static struct conn *
slot_for_new(struct srv *s)
{
	struct conn *oldest = NULL;
	unsigned int i;

	for (i = 0; i < s->conf.max_conns; i++) {
		struct conn *c = &s->conns[i];

		if (c->state == CONN_FREE)
			return c;
		if (c->state == CONN_READ && (oldest == NULL || c->since_ms < oldest->since_ms))
			oldest = c;
	}
	/* Counted first: whoever sees the close sees the count. */
	if (oldest != NULL) {
		count(&s->cnt->evicted);
		conn_close(oldest);
	}
	return oldest;
}

static void
accept_some(struct srv *s, uint64_t now)
{
	int n;

	for (n = 0; n < SRV_ACCEPT_BURST; n++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;   /* EAGAIN; or EMFILE & co: retried at the next wake-up */
		c = slot_for_new(s);
		if (c == NULL) {
			count(&s->cnt->refused);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CONN_READ;
		c->since_ms = now;
		c->deadline_ms = now + s->conf.read_ms;
		c->got = 0;
		c->req[0] = '\0';
		count(&s->cnt->accepted);
	}
}

/* Close what is past its deadline; return ms until the next one (-1: none). */
static int
expire(struct srv *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < s->conf.max_conns; i++) {
		struct conn *c = &s->conns[i];

		if (c->state != CONN_READ && c->state != CONN_WRITE)
			continue;
		if (c->deadline_ms <= now) {
			count(&s->cnt->deadline);
			conn_close(c);
		} else if (c->deadline_ms < next) {
			next = c->deadline_ms;
		}
	}
	return next == UINT64_MAX ? -1 : (int)(next - now);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		uint64_t now = now_ms();
		int timeout = expire(s, now), stopping;
		unsigned int i, n = 2;

		pthread_mutex_lock(&s->mu);
		stopping = s->stopping;
		pthread_mutex_unlock(&s->mu);
		if (stopping)
			break;
		s->pfd[0] = (struct pollfd){ .fd = s->wake, .events = POLLIN };
		s->pfd[1] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
		for (i = 0; i < s->conf.max_conns; i++) {
			struct conn *c = &s->conns[i];

			if (c->state != CONN_READ && c->state != CONN_WRITE)
				continue;
			s->pfd[n] = (struct pollfd){ .fd = c->fd,
				.events = c->state == CONN_READ ? POLLIN : POLLOUT };
			s->pconn[n++] = c;
		}
		if (poll(s->pfd, n, timeout) < 0)
			continue;
		now = now_ms();
		/* Connections first: a slot they free is there for the new ones. */
		for (i = 2; i < n; i++) {
			struct conn *c = s->pconn[i];

			if (s->pfd[i].revents == 0)
				continue;
			if (c->state == CONN_READ)
				conn_read(s, c);
			else if (c->state == CONN_WRITE && conn_write(c) != 0)
				conn_close(c);
		}
		if (s->pfd[0].revents != 0)
			take_done(s, now);
		if (s->pfd[1].revents != 0)
			accept_some(s, now);
	}
	return NULL;
}

static void
srv_free(struct srv *s)
{
	unsigned int i;

	if (s->conns != NULL)
		for (i = 0; i < s->conf.max_conns; i++)
			free(s->conns[i].req);
	free(s->conns);
	free(s->pfd);
	free(s->pconn);
	if (s->wake >= 0)
		close(s->wake);
	free(s);
}

/* Wake every thread of s to stop and join the ones started. */
static void
stop_threads(struct srv *s, int poll_started)
{
	uint64_t one = 1;
	unsigned int l;

	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	for (l = 0; l < s->conf.n_lanes; l++)
		pthread_cond_signal(&s->lanes[l].cond);
	pthread_mutex_unlock(&s->mu);
	if (write(s->wake, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wake-up is pending already. */
	}
	if (poll_started)
		pthread_join(s->thread, NULL);
	for (l = 0; l < s->conf.n_lanes; l++) {
		if (s->lanes[l].started)
			pthread_join(s->lanes[l].thread, NULL);
		pthread_cond_destroy(&s->lanes[l].cond);
	}
}

int
srv_start(struct srv **out, int listen_fd, const struct srv_conf *conf)
{
	struct srv *s;
	unsigned int i;
	int rc = -ENOMEM;

	if (conf->n_lanes == 0 || conf->n_lanes > SRV_MAX_LANES || conf->max_conns == 0 ||
	    conf->max_req == 0 || conf->handle == NULL || conf->ends == NULL) {
		close(listen_fd);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(listen_fd);
		return -ENOMEM;
	}
	/* accept() must not wait: the poll thread serves everyone else too. */
	if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) != 0) {
		rc = -errno;
		close(listen_fd);
		free(s);
		return rc;
	}
	s->conf = *conf;
	s->cnt = conf->counters != NULL ? conf->counters : &s->own_cnt;
	s->fd = listen_fd;
	s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->conns = calloc(conf->max_conns, sizeof(*s->conns));
	s->pfd = calloc(conf->max_conns + 2, sizeof(*s->pfd));
	s->pconn = calloc(conf->max_conns + 2, sizeof(*s->pconn));
	if (s->wake < 0 || s->conns == NULL || s->pfd == NULL || s->pconn == NULL) {
		rc = s->wake < 0 ? -errno : -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < conf->max_conns; i++) {
		s->conns[i].fd = -1;
		s->conns[i].req = malloc(conf->max_req + 1);
		if (s->conns[i].req == NULL)
			goto out_free;
	}
	pthread_mutex_init(&s->mu, NULL);
	for (i = 0; i < conf->n_lanes; i++) {
		char name[16];

		s->lanes[i].s = s;
		pthread_cond_init(&s->lanes[i].cond, NULL);
		rc = -pthread_create(&s->lanes[i].thread, NULL, lane_main, &s->lanes[i]);
		if (rc != 0)
			goto out_threads;
		s->lanes[i].started = 1;
		/* 15 characters at most, the kernel's: "sluice-api-0". */
		snprintf(name, sizeof(name), "%.13s-%c", conf->name, (char)('0' + i));
		pthread_setname_np(s->lanes[i].thread, name);
	}
	rc = -pthread_create(&s->thread, NULL, srv_main, s);
	if (rc != 0)
		goto out_threads;
	pthread_setname_np(s->thread, conf->name);
	*out = s;
	return 0;
out_threads:
	stop_threads(s, 0);
	pthread_mutex_destroy(&s->mu);
out_free:
	close(listen_fd);
	srv_free(s);
	return rc;
}

void
srv_stop(struct srv *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	stop_threads(s, 1);
	/* Threads joined: every connection, queued, done or open, is ours. */
	for (i = 0; i < s->conf.max_conns; i++)
		if (s->conns[i].state != CONN_FREE)
			conn_close(&s->conns[i]);
	close(s->fd);
	pthread_mutex_destroy(&s->mu);
	srv_free(s);
}

void
srv_counters_read(const struct srv_counters *from, struct srv_counters *to)
{
	to->accepted = __atomic_load_n(&from->accepted, __ATOMIC_RELAXED);
	to->deadline = __atomic_load_n(&from->deadline, __ATOMIC_RELAXED);
	to->evicted = __atomic_load_n(&from->evicted, __ATOMIC_RELAXED);
	to->refused = __atomic_load_n(&from->refused, __ATOMIC_RELAXED);
}

int
srv_listen_unix(const char *path, mode_t mode, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a crashed run: only if nobody answers on it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	/*
	 * Linux creates the file with the socket inode's mode less the umask, so
	 * setting the mode first means it never exists more open than mode
	 * (checked on Linux 6.x; the old chmod-after-bind left a window at
	 * 0777 & ~umask). The umask may have taken bits away: give them back,
	 * from narrower to exactly mode, never wider.
	 */
	if (fchmod(fd, mode) != 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out_close;
	if (lstat(path, &st) != 0)
		goto out_unlink;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;   /* replaced under us: touch nothing */
		goto out_close;
	}
	if ((st.st_mode & 07777) != mode && chmod(path, mode) != 0)
		goto out_unlink;
	if (listen(fd, backlog) != 0)
		goto out_unlink;
	return fd;
out_unlink:
	rc = -errno;
	unlink(path);
	close(fd);
	return rc;
out_close:
	rc = -errno;
	close(fd);
	return rc;
}
