/*
 * The runtime API's argument parsing (see api_impl.h): positional
 * arguments first, then "-k VALUE" options, each refused by name when it
 * is unknown, repeated or misplaced, so no mistyped option is ever
 * silently ignored. Values go through config.h's validators.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api_impl.h"
#include "config.h"

/*
 * "IP" or "IP:PORT" as a file writes them: a strict dotted quad, a port of
 * decimal digits 1..65535 (*port 0 when absent).
 */
int
api_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	uint32_t p = 0;

	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (cfg_parse_ipv4(addr, ip, NULL) != 0)
		return -1;
	if (colon != NULL && (cfg_parse_uint(colon + 1, 65535, &p) != 0 || p == 0))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* An argument in the shape of an option: "-x", "--x"; "-1" is a number. */
int
api_is_option(const char *a)
{
	return a[0] == '-' && (a[1] == '-' || (a[1] >= 'a' && a[1] <= 'z') ||
			       (a[1] >= 'A' && a[1] <= 'Z'));
}

/*
 * argv[from..] are "-k VALUE" pairs, each k one of `known` (letters), each
 * at most once; val[k] is set for those given. Anything else is refused by
 * name, so no mistyped option is ever silently ignored.
 */
int
api_parse_opts(struct api_req *r, int from, const char *known, const char *val[128])
{
	int i;

	for (i = from; i < r->argc; i += 2) {
		const char *a = r->argv[i];
		unsigned char k = (unsigned char)a[1];

		if (!api_is_option(a)) {
			snprintf(r->msg, sizeof(r->msg), "unexpected argument '%s'", a);
			return -1;
		}
		if (a[2] != '\0' || k == '-' || strchr(known, k) == NULL) {
			char list[64] = "";
			size_t n, used;

			for (n = 0; known[n] != '\0'; n++) {
				used = strlen(list);
				snprintf(list + used, sizeof(list) - used, "%s-%c", n ? ", " : "",
					 known[n]);
			}
			if (known[0] == '\0')
				snprintf(r->msg, sizeof(r->msg), "unknown option '%s': %s takes none",
					 a, r->argv[0]);
			else
				snprintf(r->msg, sizeof(r->msg), "unknown option '%s' for %s (known: %s)",
					 a, r->argv[0], list);
			return -1;
		}
		if (val[k] != NULL) {
			snprintf(r->msg, sizeof(r->msg), "option '%s' given twice", a);
			return -1;
		}
		if (i + 1 >= r->argc) {
			snprintf(r->msg, sizeof(r->msg), "option '%s' needs a value", a);
			return -1;
		}
		val[k] = r->argv[i + 1];
	}
	return 0;
}

/* For the commands that take no argument at all. */
int
api_no_args(struct api_req *r)
{
	const char *val[128] = { NULL };

	return api_parse_opts(r, 1, "", val);
}
