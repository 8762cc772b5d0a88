/*
 * Configuration: libconfig text -> validated struct cfg.
 *
 * Parsing never stops at the first problem: every error is collected as
 * "file:line: message" so an operator fixes a file in one pass. A struct cfg
 * is only returned when it has no error, so nothing half-valid is ever
 * applied. The same validators serve file loading and (later) runtime API
 * "set" paths. Threading: control lcore or tools; no EAL needed.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "../dataplane/conntrack_types.h"
#include "../dataplane/sched.h"

#define CFG_MAX_PORTS 8
#define CFG_MAX_ADDRS 16          /* addresses per port */
#define CFG_MAX_SERVICES 1000
#define CFG_MAX_BACKENDS 10000    /* in all services together */
#define CFG_MAX_LADDRS 64         /* FULLNAT local addresses per service */
#define CFG_NAME_LEN 32
#define CFG_DEV_LEN 256

enum svc_mode {
	SVC_MODE_NAT = 0,
	SVC_MODE_FULLNAT = 1,
	SVC_MODE_DR = 2,
};

struct cfg_addr {
	uint32_t ip;      /* network order */
	uint8_t prefix;   /* 0..32 */
};

struct cfg_port {
	char name[CFG_NAME_LEN];
	char device[CFG_DEV_LEN]; /* PCI address or vdev devargs */
	struct cfg_addr addrs[CFG_MAX_ADDRS];
	uint32_t n_addrs;
	uint32_t gateway;         /* network order, 0 = none */
	uint16_t mtu;             /* 0 = leave the port's default */
	uint16_t rx_desc;
	uint16_t tx_desc;
	int line;
};

struct cfg_backend {
	uint32_t ip;      /* network order */
	uint16_t port;    /* host order */
	uint16_t weight;  /* 0 = drained */
	int line;
};

struct cfg_service {
	char name[CFG_NAME_LEN];
	uint32_t vip;     /* network order */
	uint16_t port;    /* host order, 1..65535 */
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t mode;     /* enum svc_mode */
	uint8_t sched;    /* enum sched_algo */
	uint32_t mh_size; /* mh table size (prime) */
	uint32_t laddrs[CFG_MAX_LADDRS]; /* FULLNAT source addresses, network order */
	uint32_t n_laddrs;
	struct cfg_backend *backends;
	uint32_t n_backends;
	int line;
};

struct cfg {
	char source[256];          /* file name used in messages */
	/* workers */
	uint32_t burst;            /* rx burst size, 1..256, default 32 */
	uint32_t idle_sleep_us;    /* sleep when a pass found nothing; 0 = pure poll */
	uint32_t mbufs_per_port;   /* 0 = computed */
	/* conntrack */
	uint32_t ct_capacity;      /* per worker */
	struct ct_timeouts timeouts;
	uint32_t expire_budget;    /* entries visited per loop pass */
	/* fullnat local port range, host order, per local address */
	uint16_t lport_min;
	uint16_t lport_max;
	/* scheduler load publication for lc/wlc */
	uint32_t load_interval_ms;
	/* runtime API: UNIX socket path ("" = off) and its permissions */
	char api_socket[108];
	uint32_t api_mode;
	/* Prometheus text endpoint on the management network; port 0 = off */
	uint32_t prom_ip;          /* network order; 0.0.0.0 = every address */
	uint16_t prom_port;        /* host order */
	/* ports and services */
	struct cfg_port ports[CFG_MAX_PORTS];
	uint32_t n_ports;
	struct cfg_service *services;
	uint32_t n_services;
	uint32_t n_backends_total;
};

/* Collected "file:line: message" errors. */
struct cfg_errors {
	char **msgs;
	uint32_t n;
	uint32_t cap;
};

/*
 * Parse and validate. On success returns 0 and *out (free with cfg_free).
 * On failure returns the number of errors (> 0), *out = NULL, and each
 * message is appended to errs (initialised by the caller with
 * cfg_errors_init). `name` is the file name used in messages; for
 * cfg_load_file it is `path`, and @include paths are relative to the file's
 * directory. out may be NULL to validate only; errs may be NULL to count only.
 * A message is "name:line: message", or "name: message" when no line applies
 * (unreadable file, missing top-level "ports").
 * Context: control lcore or tools, no EAL; calls sharing no errs are independent.
 */
int cfg_load_file(const char *path, struct cfg **out, struct cfg_errors *errs);
int cfg_load_string(const char *text, const char *name, struct cfg **out,
		    struct cfg_errors *errs);

/* Defaults for every optional key (used before parsing). */
void cfg_set_defaults(struct cfg *c);

void cfg_free(struct cfg *c);

void cfg_errors_init(struct cfg_errors *e);
void cfg_errors_print(const struct cfg_errors *e, FILE *f);
void cfg_errors_free(struct cfg_errors *e);

const char *cfg_mode_name(enum svc_mode m);

/*
 * Write c as libconfig text that loads back into an equal struct (the
 * source name aside). cfg_dump_string returns a malloc'd string or NULL.
 */
int cfg_dump(const struct cfg *c, FILE *f);
char *cfg_dump_string(const struct cfg *c);

/*
 * Parse a strict dotted quad "a.b.c.d" (no leading zeros) into *ip (network
 * order), or "a.b.c.d/len" (len 0..32; 32 if absent) into *ip and *prefix.
 * With prefix NULL, a "/len" suffix is rejected. 0 on success, else -EINVAL.
 */
int cfg_parse_ipv4(const char *s, uint32_t *ip, uint8_t *prefix);

#endif
