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

#include "../dataplane/limits.h"
#include "../dataplane/snapshot.h"

#define CFG_DEV_LEN 256
#define CFG_HC_STR_LEN 128        /* health path and body: up to 127 characters */

/* Health check defaults (docs/configuration.md, "Health checks"). */
#define CFG_HC_INTERVAL_MS 2000
#define CFG_HC_TIMEOUT_MS 1000
#define CFG_HC_RISE 2
#define CFG_HC_FALL 3
#define CFG_HC_STATUS 200

/* What a health check does (health.type). */
enum cfg_hc_type {
	CFG_HC_NONE = 0,  /* no check: the backend is always up */
	CFG_HC_TCP = 1,   /* TCP connect */
	CFG_HC_HTTP = 2,  /* HTTP/1.0 GET, expected status, optional body text */
	CFG_HC_ICMP = 3,  /* ICMP echo */
};

/* What happens to established connections of a backend that goes DOWN. */
enum cfg_down_policy {
	CFG_DOWN_KEEP = 0,  /* they continue; only new ones avoid the backend */
	CFG_DOWN_RESET = 1, /* they are removed (the control lcore flushes them) */
};

/* Bits of cfg_health.set: the keys a health group gave. */
#define CFG_HC_SET_TYPE     0x001u
#define CFG_HC_SET_INTERVAL 0x002u
#define CFG_HC_SET_TIMEOUT  0x004u
#define CFG_HC_SET_RISE     0x008u
#define CFG_HC_SET_FALL     0x010u
#define CFG_HC_SET_PORT     0x020u
#define CFG_HC_SET_PATH     0x040u
#define CFG_HC_SET_STATUS   0x080u
#define CFG_HC_SET_BODY     0x100u

/*
 * One health check. A service's holds every value (defaults for the keys
 * its group left out); a backend's holds only the keys its own group gave,
 * flagged in `set`, the rest zero. cfg_health_resolve() merges the two into
 * the check that backend gets. `set` keeps the file's wording, so cfg_dump
 * writes back exactly the keys that were written.
 */
struct cfg_health {
	uint32_t interval_ms;    /* a probe starts every interval_ms */
	uint32_t timeout_ms;     /* < interval_ms */
	uint16_t set;            /* CFG_HC_SET_* */
	uint16_t port;           /* host order; 0 = the backend's port (tcp, http) */
	uint16_t status;         /* http: expected status */
	uint8_t type;            /* enum cfg_hc_type */
	uint8_t rise;            /* consecutive successes to go UP, 1..100 */
	uint8_t fall;            /* consecutive failures to go DOWN, 1..100 */
	char path[CFG_HC_STR_LEN]; /* http: request path, starts with '/' */
	char body[CFG_HC_STR_LEN]; /* http: text the body must contain; "" = any */
};

struct cfg_addr {
	uint32_t ip;      /* network order */
	uint8_t prefix;   /* 0..32 */
};

struct cfg_port {
	char name[SL_NAME_LEN];
	char device[CFG_DEV_LEN]; /* PCI address or vdev devargs */
	struct cfg_addr addrs[SL_MAX_PORT_ADDRS];
	uint32_t n_addrs;
	uint32_t gateway;         /* network order, 0 = none */
	uint16_t mtu;             /* 0 = leave the port's default */
	uint16_t vlan;            /* 802.1Q VID on the wire, 1..4094; 0 = untagged */
	uint16_t rx_desc;
	uint16_t tx_desc;
	int line;
};

struct cfg_backend {
	uint32_t ip;      /* network order */
	uint16_t port;    /* host order */
	uint16_t weight;  /* 0 = drained */
	struct cfg_health health; /* overrides of the service's check (set bits) */
	int line;
};

struct cfg_service {
	char name[SL_NAME_LEN];
	uint32_t vip;     /* network order */
	uint16_t port;    /* host order, 1..65535 */
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t mode;     /* enum svc_mode */
	uint8_t sched;    /* enum sched_algo */
	uint32_t mh_size; /* mh table size (prime) */
	uint32_t laddrs[SL_MAX_SVC_LADDRS]; /* FULLNAT source addresses, network order */
	uint32_t n_laddrs;
	struct cfg_health health;  /* every value; type CFG_HC_NONE = no check */
	uint8_t down_policy;       /* enum cfg_down_policy */
	struct cfg_backend *backends;
	uint32_t n_backends;
	int line;
};

/* Session sync (sync section; config_sync.c). */
#define CFG_SYNC_KEY_MIN 16       /* bytes of HMAC key, at least */
#define CFG_SYNC_KEY_MAX 64
struct cfg_sync {
	uint8_t on;               /* the section is written */
	uint32_t node_id;         /* this appliance, unique in the group */
	uint32_t group;           /* both ends must agree */
	uint16_t port;            /* UDP, host order */
	uint32_t source;          /* network order: a port address to bind */
	uint32_t mcast;           /* network order; 0 = none */
	uint32_t peers[SL_MAX_SYNC_PEERS]; /* network order */
	uint32_t n_peers;
	uint8_t key[CFG_SYNC_KEY_MAX];
	uint32_t key_len;
};

/*
 * Where the main file wrote what a reload may not change, for
 * cfg_restart_check's message: a line of cfg.source (a setting from an
 * included file: the line of its @include), 0 = not written. Indexed like
 * the loader's section tables (config_impl.h). cfg_equal and cfg_dump
 * ignore them, as they ignore every line.
 */
#define CFG_N_SECTIONS 10         /* top-level settings the loader knows */
#define CFG_SECTION_KEYS 8        /* scalar keys of one top-level group, at most */
struct cfg_lines {
	int section[CFG_N_SECTIONS];
	int key[CFG_N_SECTIONS][CFG_SECTION_KEYS];
	int port[SL_MAX_PORTS];
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
	struct cfg_port ports[SL_MAX_PORTS];
	uint32_t n_ports;
	struct cfg_service *services;
	uint32_t n_services;
	uint32_t n_backends_total;
	/* ha, sync */
	uint8_t vips_follow;       /* VIPs held while their port's kernel interface has them */
	struct cfg_sync sync;
	struct cfg_lines lines;
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
 * cfg_load_file it is `path`, and relative @include paths are relative to
 * its directory (to the current one for cfg_load_string), at every depth.
 * Included files get every check the main one does; they must be regular
 * files, nest at most 10 deep, and all files of one load together hold at
 * most 16 MiB. out may be NULL to validate only; errs may be NULL to count only.
 * A message is "name:line: message", or "name: message" when no line applies
 * (unreadable file, missing top-level "ports").
 * Context: control lcore or tools, no EAL; calls sharing no errs are independent.
 */
int cfg_load_file(const char *path, struct cfg **out, struct cfg_errors *errs);
int cfg_load_string(const char *text, const char *name, struct cfg **out,
		    struct cfg_errors *errs);

/* Defaults for every optional key (used before parsing). */
void cfg_set_defaults(struct cfg *c);

/*
 * Whether next changes a key only start-up reads (each key declares it:
 * docs/configuration.md lists them): 0 if not; else nonzero and msg holds
 * "FILE:LINE: KEY changed: that needs a restart; running configuration kept"
 * for the first such key (in section order), FILE being next->source and
 * LINE that key's (or its port's) line there; its section's line when next
 * leaves the key out, and "FILE: KEY changed: ..." when it leaves out the
 * section too. Context: any thread; pure.
 */
int cfg_restart_check(const struct cfg *running, const struct cfg *next, char *msg,
		      size_t len);

void cfg_free(struct cfg *c);

void cfg_errors_init(struct cfg_errors *e);
void cfg_errors_print(const struct cfg_errors *e, FILE *f);
void cfg_errors_free(struct cfg_errors *e);

/* ip (network order) as dotted quad in buf (INET_ADDRSTRLEN bytes); buf. */
const char *cfg_ip_str(uint32_t ip, char *buf);
const char *cfg_mode_name(enum svc_mode m);
const char *cfg_hc_type_name(enum cfg_hc_type t);
const char *cfg_down_policy_name(enum cfg_down_policy p);

/*
 * The check backend b of service s gets: the service's values, overridden
 * by each key b's own health group gave. For other types than http, path,
 * status and body are cleared, and for icmp and none the port, so two
 * checks that probe the same way compare equal field by field.
 * Context: any thread; pure.
 */
void cfg_health_resolve(const struct cfg_service *s, const struct cfg_backend *b,
			struct cfg_health *out);

/* Service health defaults (type none, 2000/1000 ms, rise 2, fall 3, 200). */
void cfg_health_defaults(struct cfg_health *h);

/* conntrack.timeouts keys and the states they set. */
#define CFG_N_TIMEOUT_KEYS 8
struct cfg_timeout_key {
	const char *key;
	enum ct_state state;
};
extern const struct cfg_timeout_key cfg_timeout_keys[CFG_N_TIMEOUT_KEYS];

/*
 * Write c as libconfig text that cfg_load_string() loads back into a struct
 * cfg_equal() to c, for every c a load returned. cfg_dump returns 0, -EIO
 * when f failed, or -EINVAL having written nothing when c holds what the text
 * cannot carry (cfg_dump_check says what). cfg_dump_string returns a malloc'd
 * string, or NULL with errno EINVAL (refused) or ENOMEM.
 * Context: any thread; reads c only.
 */
int cfg_dump(const struct cfg *c, FILE *f);
char *cfg_dump_string(const struct cfg *c);

/*
 * 0 if cfg_dump can write c, else -EINVAL and, when msg is not NULL, why in
 * msg ("services[2].name: not NUL-terminated"): a string without its NUL, a
 * count past its array, an enum value without a name, unknown health set
 * bits, a timeout that is not whole seconds. Values the loader would refuse
 * are not its business: the dump writes them and the load says why.
 */
int cfg_dump_check(const struct cfg *c, char *msg, size_t len);

/* Why cfg_dump_string(c) failed with errno err, into msg. Context: any thread. */
void cfg_dump_error(const struct cfg *c, int err, char *msg, size_t len);

/*
 * Whether a and b configure the same thing, field by field: every value the
 * loader sets, the source name and line numbers aside (a dump has its own).
 * Context: any thread; pure.
 */
int cfg_equal(const struct cfg *a, const struct cfg *b);

/*
 * Parse a strict dotted quad "a.b.c.d" (no leading zeros) into *ip (network
 * order), or "a.b.c.d/len" (len 0..32; 32 if absent) into *ip and *prefix.
 * With prefix NULL, a "/len" suffix is rejected. 0 on success, else -EINVAL.
 */
int cfg_parse_ipv4(const char *s, uint32_t *ip, uint8_t *prefix);

/*
 * Field validators the file parser and the runtime API share, so a value
 * the API accepts is one a file could hold, and the API refuses it before
 * it touches any config. Context: any thread; pure.
 */

/* services.mh_table_size: a prime in CFG_MIN_MH_SIZE..SCHED_MH_MAX_SIZE. */
#define CFG_MIN_MH_SIZE 251

/*
 * A whole string of decimal digits, value <= max: "0", or no leading zero,
 * no sign, no space, at most 10 digits and no wrap. 0, else -EINVAL.
 */
int cfg_parse_uint(const char *s, uint32_t max, uint32_t *out);

/*
 * A port or service name: 1..SL_NAME_LEN-1 of [A-Za-z0-9_-], so it is
 * safe in logs, CLI, metrics and config text. NULL when v is one, else why
 * not, worded to follow the quoted name: " must be 1..31 characters".
 */
const char *cfg_name_error(const char *v);

/* ip (network order) is a host address: not 0/8, 127/8, multicast or above. */
int cfg_is_unicast(uint32_t ip);

/* "tcp", "udp": IPPROTO_TCP, IPPROTO_UDP; else -EINVAL. */
int cfg_proto_from_name(const char *v);

/* "nat", "fullnat", "dr": enum svc_mode; else -EINVAL. */
int cfg_mode_from_name(const char *v);

#endif
