/*
 * What the config loader's files share: config.c (load, errors, the section
 * driver), config_get.c (typed getters and validators), config_keys.c (the
 * key reader and the restart check) and one config_<section>.c per section
 * of the file. Other modules use config.h; unit tests may include this.
 *
 * Each scalar key is declared once, in a table of its section's file
 * (struct cfg_key): its name, default, bounds and whether only start-up
 * reads it. The parser, the defaults, the restart check, the docs check and
 * the unit tests all read those tables, so a bound or a default has one
 * place to change. Rules that relate keys stay code beside the table.
 * Threading: as config.h; a struct cfg_ctx belongs to one load.
 */
#ifndef SLUICE_CONFIG_IMPL_H
#define SLUICE_CONFIG_IMPL_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "config_text.h"

#define CFG_DIM(a) (sizeof(a) / sizeof((a)[0]))

/* Getter results. */
#define GOT_ERROR (-1)
#define GOT_NONE 0
#define GOT_VALUE 1

/* One message waiting to be sorted into file order. */
struct cfg_msg {
	char *text;
	size_t file_len;  /* text starts with the file name */
	int included;     /* from an @include file: after the main file's */
	int line;
	uint32_t seq;     /* keeps the passes' order within a line */
};

/* One load: where messages go and what the passes share. */
struct cfg_ctx {
	const char *name;              /* file name used in messages */
	struct cfg_errors *errs;       /* NULL: count only */
	int n_err;                     /* found, whether stored or not */
	struct cfg_msg *pending;       /* moved to errs in file order at the end */
	uint32_t n_pending;
	uint32_t cap_pending;
	struct cfg_text text;          /* what libconfig parsed, and its line map */
	struct cfg_port *ports;        /* every port in the file, even past 8 */
	uint32_t n_ports;
	const config_setting_t **port_set; /* the group each port came from */
	const config_setting_t **svc_set;  /* the group each service came from */
};

/* ---- key declarations ------------------------------------------------------ */

enum cfg_key_type {
	CFG_KEY_INT,     /* an integer setting, in min..max */
	CFG_KEY_STRING,  /* a string setting, converted and checked by parse */
};

#define CFG_KEY_RESTART  0x01u /* read only at start-up: a reload may not change it */
#define CFG_KEY_REQUIRED 0x02u /* absent is an error, at its group's line */
#define CFG_KEY_POW2     0x04u /* a power of two */
#define CFG_KEY_OR_ZERO  0x08u /* 0 (meaning `zero`) or min..max */
#define CFG_KEY_CHARS    0x10u /* the field is a char array of `size` bytes */
#define CFG_KEY_INHERITS 0x20u /* no default of its own: the code sets it (def 0) */

struct cfg_key {
	const char *name;      /* as written in its group */
	uint8_t type;          /* enum cfg_key_type */
	uint8_t flags;         /* CFG_KEY_* */
	uint16_t set_bit;      /* health groups: the cfg_health.set bit it sets */
	uint32_t size;         /* of the field at off: 1, 2, 4, or the char array's; 0: none */
	size_t off;            /* in the struct its group fills */
	uint32_t scale;        /* the field holds the value written x scale; 0 = 1 */
	long long min, max;    /* CFG_KEY_INT: the range; a string's parse may use them */
	long long def;         /* default of an integer field, as written */
	const char *def_str;   /* default of a CFG_KEY_CHARS field; NULL = "" */
	const char *zero;      /* CFG_KEY_OR_ZERO: what 0 means, for the message */
	/* CFG_KEY_INT: a rule on the value in range; 0, or reported and -1. */
	int (*check)(struct cfg_ctx *x, const config_setting_t *s, long long v);
	/* CFG_KEY_STRING: convert v into base; GOT_VALUE, or reported and GOT_ERROR. */
	int (*parse)(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		     const char *v, void *base);
	/* Whether a and b (bases) hold the same value, when not the field's bytes. */
	int (*same)(const void *a, const void *b);
};

/* The keys of a group below a section ("timeouts", "backends[]", "health"). */
struct cfg_key_table {
	const char *path;
	const struct cfg_key *keys;
	uint32_t n;
};

/*
 * A top-level setting. A group's keys are read by the driver in table order
 * (then `after`, for rules between them and its sub-groups); a list (ports,
 * services) parses itself. `restart` declares a whole list restart-only,
 * and `changed` then says where two configs differ.
 */
struct cfg_section {
	const char *name;
	uint8_t list;                    /* a list of groups, not a group */
	uint8_t restart;                 /* list: read only at start-up */
	const struct cfg_key *keys;      /* a group's scalar keys; a list element's */
	uint32_t n_keys;
	const char *const *others;       /* a group's keys not in `keys` (NULL-ended; NULL) */
	const struct cfg_key_table *const *sub; /* tables of the groups inside */
	uint32_t n_sub;
	void (*defaults)(struct cfg *c); /* beyond its keys' own (NULL: none) */
	/* group: after its keys, rc[i] = what reading keys[i] gave (GOT_*) */
	void (*after)(struct cfg_ctx *x, const config_setting_t *g, struct cfg *c,
		      const int *rc);
	/* list: read it from root; 0 or -ENOMEM */
	int (*parse)(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c);
	/* pass 3, rules across sections (NULL: none); 0 or -ENOMEM */
	int (*check)(struct cfg_ctx *x, struct cfg *c);
	/* restart list: the key that differs in `key` and its line in next, or -1 */
	int (*changed)(const struct cfg *run, const struct cfg *next, uint32_t sec,
		       char *key, size_t len);
};

/* Every section, in the order the file's top level is read and checked. */
extern const struct cfg_section *const cfg_sections[CFG_N_SECTIONS];

extern const struct cfg_section cfg_sec_workers;
extern const struct cfg_section cfg_sec_conntrack;
extern const struct cfg_section cfg_sec_fullnat;
extern const struct cfg_section cfg_sec_scheduler;
extern const struct cfg_section cfg_sec_stats;
extern const struct cfg_section cfg_sec_api;
extern const struct cfg_section cfg_sec_ports;
extern const struct cfg_section cfg_sec_services;
extern const struct cfg_section cfg_sec_sync;
extern const struct cfg_section cfg_sec_ha;

/* ---- errors (config.c) ------------------------------------------------------ */

/* "FILE:LINE: path.to.key: message" */
void cfg_err(struct cfg_ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE: message" (line <= 0: "FILE: message"); file NULL: the main file. */
void cfg_err_line(struct cfg_ctx *x, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cfg_err_oom(struct cfg_ctx *x);

/* "a.b[2].c": how an operator finds the setting without the line. */
void cfg_setting_path(const config_setting_t *s, char *buf, size_t len);
/* Where s is written: its file (main or included; file may be NULL) and line there. */
int cfg_setting_line(const struct cfg_ctx *x, const config_setting_t *s, const char **file);
/* s's line in the main file: for a setting of an included file, its @include line. */
int cfg_main_line(const struct cfg_ctx *x, const config_setting_t *s);

/* ---- typed getters and validators (config_get.c) ---------------------------- */

const char *cfg_type_name(const config_setting_t *s);
/* A missing key is reported at the line of the group that lacks it. */
void cfg_missing(struct cfg_ctx *x, const config_setting_t *grp, const char *key);
int cfg_get_group(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
		  const config_setting_t **out);
/* Lists and arrays both serve as sequences; elements are checked one by one. */
int cfg_get_seq(struct cfg_ctx *x, const config_setting_t *parent, const char *key,
		const config_setting_t **out);
int cfg_get_int(struct cfg_ctx *x, const config_setting_t *s, long long min,
		long long max, long long *out);
int cfg_get_str_elem(struct cfg_ctx *x, const config_setting_t *s, const char **out);
int cfg_get_str(struct cfg_ctx *x, const config_setting_t *grp, const char *key,
		const char **out);
/* A plain unicast IPv4 address (no prefix) into *ip, left 0 on error. */
int cfg_get_ip_elem(struct cfg_ctx *x, const config_setting_t *s, uint32_t *ip);
/* "a.b.c.d/len" naming a host of its subnet, zeroed on error. */
void cfg_get_cidr_elem(struct cfg_ctx *x, const config_setting_t *s, struct cfg_addr *a);
/* grp.key, grp.key[idx] (idx >= 0), or grp itself when the key is absent. */
const config_setting_t *cfg_member(const config_setting_t *grp, const char *key, int idx);

/* Up to max_digits decimal digits, no leading zero, no sign, no wrap; past them. */
const char *cfg_parse_decimal(const char *s, int max_digits, unsigned int *out);
uint32_t cfg_prefix_mask(uint8_t prefix);
/* ip (network order) inside a's subnet. */
int cfg_in_subnet(uint32_t ip, const struct cfg_addr *a);

/* String key parsers more than one section uses: a name, a unicast address. */
int cfg_parse_name_key(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		       const char *v, void *base);
int cfg_parse_ip_key(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
		     const char *v, void *base);

/* ---- keys (config_keys.c) ---------------------------------------------------- */

/*
 * Report every member of grp that is neither in keys nor in others
 * (NULL-terminated, may be NULL).
 */
void cfg_check_keys(struct cfg_ctx *x, const config_setting_t *grp,
		    const struct cfg_key *keys, uint32_t n, const char *const *others);

/*
 * Read key k of group grp into base, the struct its group fills: its type,
 * bounds and flags, then k->check or k->parse. GOT_VALUE (stored), GOT_NONE
 * (absent: the field keeps its default; reported if required) or GOT_ERROR
 * (reported; the field unchanged).
 */
int cfg_get_key(struct cfg_ctx *x, const config_setting_t *grp, const struct cfg_key *k,
		void *base);

/*
 * Group `name` of parent, if present: its members checked against the table
 * and every key read in table order, rc[i] (may be NULL) = what keys[i] gave.
 * GOT_VALUE when the group was read.
 */
int cfg_read_group(struct cfg_ctx *x, const config_setting_t *parent, const char *name,
		   const struct cfg_key *keys, uint32_t n, const char *const *others,
		   void *base, int *rc);

/* Every key's default into base (CFG_KEY_REQUIRED and _INHERITS: zero). */
void cfg_key_defaults(const struct cfg_key *keys, uint32_t n, void *base);

/* Whether k holds the same value in bases a and b. */
int cfg_key_same(const struct cfg_key *k, const void *a, const void *b);

/* The field of integer key k in base, as stored (scaled). */
uint32_t cfg_key_value(const struct cfg_key *k, const void *base);

/* ---- what sections share ----------------------------------------------------- */

/* Which port has ip as one of its addresses, or inside one of its subnets; -1 if none. */
int cfg_port_with_addr(const struct cfg_ctx *x, uint32_t ip);
int cfg_port_with_subnet(const struct cfg_ctx *x, uint32_t ip);

/* services[].health (config_health.c): inherit NULL for a service's group. */
void cfg_parse_health(struct cfg_ctx *x, const config_setting_t *parent,
		      struct cfg_health *h, const struct cfg_health *inherit,
		      int inherit_type_bad);
/* Whether a health group's "type" was given but rejected. */
int cfg_hc_type_bad(const config_setting_t *parent, const struct cfg_health *h);
extern const struct cfg_key_table cfg_health_table;

/* One address in a sorted index: backend or VIP, with where it came from. */
struct cfg_addr_ref {
	uint32_t ip;   /* network order */
	uint16_t port; /* host order, for backend dedup */
	uint32_t svc;
	uint32_t idx;
};

/* qsort order: address, port, service, index (config_services.c). */
int cfg_addr_ref_cmp(const void *pa, const void *pb);

/* services[].backends (config_backends.c): parse, and pass 3 for service i. */
int cfg_parse_backends(struct cfg_ctx *x, const config_setting_t *ss,
		       struct cfg_service *sv, uint32_t *total);
int cfg_check_backends(struct cfg_ctx *x, const struct cfg *c, uint32_t i);
extern const struct cfg_key_table cfg_backend_table;

#endif
