/*
 * sluicectl: the runtime API's command-line client, in the habits of
 * ipvsadm. It passes its arguments to the appliance unchanged (the server
 * parses and validates them, so the client never disagrees with it) and
 * prints the answer: text, or JSON with --json. Its help lists the
 * server's own command table (api_cmds.h).
 *
 *   sluicectl [-s SOCKET] [-t SECONDS] COMMAND [ARGS] [--json]
 *
 * The whole exchange (connect, request, answer) has one deadline, so a
 * stuck or overloaded appliance costs a script -t seconds, not forever.
 * Exit status: 0 done, 1 refused (the message says why), 2 no appliance
 * answering (none there, or no answer within the deadline).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api_cmds.h"

#define DEFAULT_SOCKET "/run/sluice/sluice.sock"
/*
 * Longer than the slowest answer the appliance gives on purpose: conns and
 * flush wait up to 10 s on the workers, perhaps after another one.
 */
#define DEFAULT_TIMEOUT_S 30
#define TIMEOUT_MAX_S 86400

static void
usage(FILE *f)
{
	fprintf(f, "usage: sluicectl [-s SOCKET] [-t SECONDS] COMMAND [ARGS] [--json]\n");
	api_cmds_help(f);
	fprintf(f,
		"SOCKET defaults to $SLUICE_SOCKET, then " DEFAULT_SOCKET ".\n"
		"-t SECONDS: give up (exit 2) when the whole exchange takes longer;\n"
		"  default %d s; 0 waits for ever.\n", DEFAULT_TIMEOUT_S);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for ev; 0, or -1 at the deadline (0: none). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (;;) {
		int64_t left = deadline == 0 ? -1 : deadline - now_ms();
		int n;

		if (deadline != 0 && left <= 0)
			return -1;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0;   /* let the read or write report it */
	}
}

/* 0, -1 when the peer went away, -2 at the deadline. */
static int
send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t k;

		if (wait_fd(fd, POLLOUT, deadline) != 0)
			return -2;
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * A UNIX connect does not wait when the listener's queue is full if the
 * socket is non-blocking (EAGAIN): try again until the deadline.
 */
static int
connect_by(int fd, const struct sockaddr_un *sa, int64_t deadline)
{
	for (;;) {
		struct timespec ts = { .tv_nsec = 10 * 1000000 };

		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (deadline != 0 && now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -2;
		}
		nanosleep(&ts, NULL);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("SLUICE_SOCKET");
	long timeout_s = DEFAULT_TIMEOUT_S;
	int64_t deadline = 0;
	char buf[65536];
	int i = 1, j, fd, status = -1, rc;
	size_t have = 0;
	ssize_t k;

	if (path == NULL)
		path = DEFAULT_SOCKET;
	/* Options before COMMAND are sluicectl's; after it, the command's. */
	while (i + 1 < argc && (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "-t") == 0)) {
		if (argv[i][1] == 's') {
			path = argv[i + 1];
		} else {
			char *end;

			errno = 0;
			timeout_s = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || end == argv[i + 1] || *end != '\0' || timeout_s < 0 ||
			    timeout_s > TIMEOUT_MAX_S) {
				fprintf(stderr, "sluicectl: -t %s: seconds, 0..%d\n", argv[i + 1],
					TIMEOUT_MAX_S);
				return 1;
			}
		}
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 1 : 0;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: socket path too long\n");
		return 2;
	}
	for (j = i; j < argc; j++) {
		if (strchr(argv[j], '\n') != NULL || argv[j][0] == '\0') {
			fprintf(stderr, "sluicectl: arguments cannot be empty or contain newlines\n");
			return 1;
		}
	}
	if (timeout_s > 0)
		deadline = now_ms() + timeout_s * 1000;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (rc = connect_by(fd, &sa, deadline)) == -1) {
		fprintf(stderr, "sluicectl: cannot reach sluice at %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (rc == -2) {
		close(fd);
		goto timed_out;
	}
	for (; i < argc; i++) {
		rc = send_all(fd, argv[i], strlen(argv[i]), deadline);
		if (rc == 0)
			rc = send_all(fd, "\n", 1, deadline);
		if (rc != 0)
			goto lost;
	}
	rc = send_all(fd, "\n", 1, deadline);
	if (rc != 0)
		goto lost;
	/* First line: ok | error; the rest is the body, streamed. */
	for (;;) {
		char *nl;

		if (wait_fd(fd, POLLIN, deadline) != 0) {
			rc = -2;
			goto lost;
		}
		k = recv(fd, buf + have, sizeof(buf) - 1 - have, MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		buf[have] = '\0';
		if (status < 0 && (nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			status = strcmp(buf, "ok") == 0 ? 0 : 1;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		if (status >= 0) {
			fwrite(buf, 1, have, status == 0 ? stdout : stderr);
			have = 0;
		}
	}
	close(fd);
	if (status < 0)
		goto lost_closed;
	return status;
lost:
	close(fd);
	if (rc == -2)
		goto timed_out;
lost_closed:
	fprintf(stderr, "sluicectl: connection to %s lost\n", path);
	return 2;
timed_out:
	fprintf(stderr, "sluicectl: no answer from sluice at %s within %ld s (-t)\n", path,
		timeout_s);
	return 2;
}
