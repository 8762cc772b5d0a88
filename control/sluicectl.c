/*
 * sluicectl: the runtime API's command-line client, in the habits of
 * ipvsadm. It passes its arguments to the appliance unchanged (the server
 * parses and validates them, so the client never disagrees with it) and
 * prints the answer: text, or JSON with --json.
 *
 *   sluicectl [-s SOCKET] COMMAND [ARGS] [--json]
 *
 * Exit status: 0 done, 1 refused (the message says why), 2 no appliance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/sluice/sluice.sock"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluicectl [-s SOCKET] COMMAND [ARGS] [--json]\n"
		"  list                                services, backends, connections, rates\n"
		"  stats                               appliance counters and drops\n"
		"  conns [-S SVC] [-b IP[:PORT]] [-c CLIENT] [-n MAX]\n"
		"  flush [-S SVC] [-b IP[:PORT]] [-c CLIENT]\n"
		"  config                              the running configuration\n"
		"  reload                              re-read the configuration file\n"
		"  add-service NAME VIP:PORT [-p tcp|udp] [-s SCHED] [-f nat|fullnat|dr]\n"
		"              [-l LADDR,...] [-m MH_SIZE]\n"
		"  edit-service NAME [-s SCHED] [-f MODE] [-l LADDR,...] [-m MH_SIZE]\n"
		"  del-service NAME\n"
		"  add-backend SVC IP[:PORT] [-w WEIGHT]\n"
		"  del-backend SVC IP[:PORT]\n"
		"  weight SVC IP[:PORT] WEIGHT\n"
		"  drain SVC IP[:PORT]                 weight 0: no new connections\n"
		"SOCKET defaults to $SLUICE_SOCKET, then " DEFAULT_SOCKET ".\n");
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("SLUICE_SOCKET");
	char buf[65536];
	int i = 1, fd, status = -1;
	size_t have = 0;
	ssize_t k;

	if (path == NULL)
		path = DEFAULT_SOCKET;
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 1 : 0;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: socket path too long\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "sluicectl: cannot reach sluice at %s: %s\n", path, strerror(errno));
		return 2;
	}
	for (; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL || argv[i][0] == '\0') {
			fprintf(stderr, "sluicectl: arguments cannot be empty or contain newlines\n");
			close(fd);
			return 1;
		}
		if (send_all(fd, argv[i], strlen(argv[i])) != 0 || send_all(fd, "\n", 1) != 0)
			goto lost;
	}
	if (send_all(fd, "\n", 1) != 0)
		goto lost;
	/* First line: ok | error; the rest is the body, streamed. */
	while ((k = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0) {
		char *nl;

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
lost_closed:
	fprintf(stderr, "sluicectl: connection to %s lost\n", path);
	return 2;
}
