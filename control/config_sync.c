/*
 * sync: { node_id; key; group; port; source; multicast; peers; }: session
 * sync with the other appliances of a pair or cluster (control/sync.c).
 * The section written turns sync on. Its socket is bound at start-up to
 * `source`, one of the ports' own addresses (so datagrams cross the data
 * ports through the kernel exception path), which makes every key but
 * `peers` restart-only; `peers` is read at every send, so a reload
 * changes it.
 *
 * ha: { vips = "own" | "follow"; }: "follow" holds each VIP and FULLNAT
 * local address only while the kernel interface of its port has it, as
 * keepalived (or any VRRP daemon) adds and removes it (control/ha.c).
 * Threading: as config.h.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

enum { KEY_NODE, KEY_KEY, KEY_GROUP, KEY_PORT, KEY_SOURCE, KEY_MCAST };

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* 32..128 hex digits: a 16..64-byte HMAC key. */
static int
parse_key(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	  const char *v, void *base)
{
	struct cfg *c = base;
	size_t n = strlen(v), i;

	(void)k;
	if (n % 2 != 0 || n < 2 * CFG_SYNC_KEY_MIN || n > 2 * CFG_SYNC_KEY_MAX) {
		cfg_err(x, s, "must be %d..%d hex digits, an even number (a %d..%d-byte key)",
			2 * CFG_SYNC_KEY_MIN, 2 * CFG_SYNC_KEY_MAX, CFG_SYNC_KEY_MIN,
			CFG_SYNC_KEY_MAX);
		return GOT_ERROR;
	}
	for (i = 0; i < n; i += 2) {
		int hi = hexval(v[i]), lo = hexval(v[i + 1]);

		if (hi < 0 || lo < 0) {
			cfg_err(x, s, "\"%c%c\" is not hex", v[i], v[i + 1]);
			return GOT_ERROR;
		}
		c->sync.key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	c->sync.key_len = (uint32_t)(n / 2);
	return GOT_VALUE;
}

static int
same_key(const void *a, const void *b)
{
	const struct cfg *p = a, *q = b;

	return p->sync.key_len == q->sync.key_len &&
	       memcmp(p->sync.key, q->sync.key, p->sync.key_len) == 0;
}

/* "" (none) or an IPv4 multicast group, 224.0.0.0/4. */
static int
parse_mcast(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	    const char *v, void *base)
{
	uint32_t ip = 0;

	if (v[0] != '\0' && (cfg_parse_ipv4(v, &ip, NULL) != 0 ||
			     (ntohl(ip) >> 28) != 0xe)) {
		cfg_err(x, s, "\"%s\" is not an IPv4 multicast group (224.0.0.0/4)", v);
		return GOT_ERROR;
	}
	memcpy((char *)base + k->off, &ip, sizeof(ip));
	return GOT_VALUE;
}

static const struct cfg_key keys[] = {
	[KEY_NODE] = { .name = "node_id", .type = CFG_KEY_INT,
		       .flags = CFG_KEY_RESTART | CFG_KEY_REQUIRED,
		       .off = offsetof(struct cfg, sync.node_id), .size = 4, .min = 1,
		       .max = 65535 },
	[KEY_KEY] = { .name = "key", .type = CFG_KEY_STRING,
		      .flags = CFG_KEY_RESTART | CFG_KEY_REQUIRED,
		      .parse = parse_key, .same = same_key },
	[KEY_GROUP] = { .name = "group", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
			.off = offsetof(struct cfg, sync.group), .size = 4, .min = 0,
			.max = 65535, .def = 1 },
	[KEY_PORT] = { .name = "port", .type = CFG_KEY_INT, .flags = CFG_KEY_RESTART,
		       .off = offsetof(struct cfg, sync.port), .size = 2, .min = 1,
		       .max = 65535, .def = 8848 },
	[KEY_SOURCE] = { .name = "source", .type = CFG_KEY_STRING,
			 .flags = CFG_KEY_RESTART | CFG_KEY_REQUIRED,
			 .off = offsetof(struct cfg, sync.source), .size = 4,
			 .parse = cfg_parse_ip_key },
	[KEY_MCAST] = { .name = "multicast", .type = CFG_KEY_STRING, .flags = CFG_KEY_RESTART,
			.off = offsetof(struct cfg, sync.mcast), .size = 4,
			.parse = parse_mcast },
};
static_assert(CFG_DIM(keys) <= CFG_SECTION_KEYS, "struct cfg_lines has a slot per key");

static const char *const others[] = { "peers", NULL };

static void
after(struct cfg_ctx *x, const config_setting_t *g, struct cfg *c, const int *rc)
{
	const config_setting_t *seq, *e;
	uint32_t i, j, n;

	c->sync.on = 1;
	if (cfg_get_seq(x, g, "peers", &seq) == GOT_VALUE) {
		n = (uint32_t)config_setting_length(seq);
		if (n > SL_MAX_SYNC_PEERS) {
			cfg_err(x, seq, "%u peers, at most %d", n, SL_MAX_SYNC_PEERS);
			return;
		}
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(seq, i);
			if (cfg_get_ip_elem(x, e, &c->sync.peers[c->sync.n_peers]) != GOT_VALUE)
				continue;
			for (j = 0; j < c->sync.n_peers; j++)
				if (c->sync.peers[j] == c->sync.peers[c->sync.n_peers])
					break;
			if (j < c->sync.n_peers) {
				cfg_err(x, e, "peer written twice");
				continue;
			}
			c->sync.n_peers++;
		}
	}
	if (c->sync.n_peers == 0 && c->sync.mcast == 0 && rc[KEY_MCAST] != GOT_ERROR)
		cfg_err(x, g, "no peers and no multicast group: nobody to sync with");
	/* Read after the ports (cfg_sections' order), so they are known. */
	if (rc[KEY_SOURCE] == GOT_VALUE) {
		e = config_setting_get_member(g, "source");
		if (cfg_port_with_addr(x, c->sync.source) < 0)
			cfg_err(x, e, "not an address of a port: the sync socket is bound to one");
		for (i = 0; i < c->sync.n_peers; i++)
			if (c->sync.peers[i] == c->sync.source)
				cfg_err(x, e, "also in peers: this appliance is not its own peer");
	}
}

const struct cfg_section cfg_sec_sync = {
	.name = "sync",
	.keys = keys,
	.n_keys = CFG_DIM(keys),
	.others = others,
	.after = after,
};

static int
parse_vips(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	   const char *v, void *base)
{
	uint8_t follow;

	if (strcmp(v, "own") == 0) {
		follow = 0;
	} else if (strcmp(v, "follow") == 0) {
		follow = 1;
	} else {
		cfg_err(x, s, "\"%s\" is neither \"own\" nor \"follow\"", v);
		return GOT_ERROR;
	}
	memcpy((char *)base + k->off, &follow, 1);
	return GOT_VALUE;
}

static const struct cfg_key ha_keys[] = {
	{ .name = "vips", .type = CFG_KEY_STRING, .flags = CFG_KEY_RESTART,
	  .off = offsetof(struct cfg, vips_follow), .size = 1, .parse = parse_vips },
};

const struct cfg_section cfg_sec_ha = {
	.name = "ha",
	.keys = ha_keys,
	.n_keys = CFG_DIM(ha_keys),
};
