/*
 * ports = ( { name; device; addresses; gateway; mtu; vlan; rx_desc; tx_desc; }, ... ):
 * the data ports, 1..SL_MAX_PORTS, in port index order. DPDK configures
 * them once, at start-up, so the whole list needs a restart. Rules between
 * ports (names, devices, addresses, the one gateway) are checked once all
 * are read; services check their addresses against them (pass 3).
 * Threading: as config.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "config.h"
#include "config_impl.h"

#define CFG_DEFAULT_DESC 1024
#define CFG_MIN_DESC 64
#define CFG_MAX_DESC 16384
#define CFG_MIN_MTU 68
#define CFG_MAX_MTU 9000
#define CFG_MAX_VID 4094          /* 0 and 4095 are reserved (802.1Q) */

/* A device string fit to hand to DPDK as devargs. */
static int
parse_device(struct cfg_ctx *x, const struct cfg_key *k, const config_setting_t *s,
	     const char *v, void *base)
{
	const char *p;

	if (v[0] == '\0' || strlen(v) >= k->size) {
		cfg_err(x, s, "must be 1..%d characters", (int)k->size - 1);
		return GOT_ERROR;
	}
	for (p = v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			cfg_err(x, s, "\"%s\" contains a space or control character", v);
			return GOT_ERROR;
		}
	}
	snprintf((char *)base + k->off, k->size, "%s", v);
	return GOT_VALUE;
}

enum { KEY_NAME, KEY_DEVICE, KEY_GATEWAY, KEY_MTU, KEY_VLAN, KEY_RX_DESC, KEY_TX_DESC };

#define DESC_KEY(key, field) \
	{ .name = key, .type = CFG_KEY_INT, .flags = CFG_KEY_POW2, \
	  .off = offsetof(struct cfg_port, field), .size = 2, .min = CFG_MIN_DESC, \
	  .max = CFG_MAX_DESC, .def = CFG_DEFAULT_DESC }

static const struct cfg_key keys[] = {
	[KEY_NAME] = { .name = "name", .type = CFG_KEY_STRING,
		       .flags = CFG_KEY_REQUIRED | CFG_KEY_CHARS,
		       .off = offsetof(struct cfg_port, name), .size = SL_NAME_LEN,
		       .parse = cfg_parse_name_key },
	[KEY_DEVICE] = { .name = "device", .type = CFG_KEY_STRING,
			 .flags = CFG_KEY_REQUIRED | CFG_KEY_CHARS,
			 .off = offsetof(struct cfg_port, device), .size = CFG_DEV_LEN,
			 .parse = parse_device },
	[KEY_GATEWAY] = { .name = "gateway", .type = CFG_KEY_STRING,
			  .off = offsetof(struct cfg_port, gateway), .size = 4,
			  .parse = cfg_parse_ip_key },
	[KEY_MTU] = { .name = "mtu", .type = CFG_KEY_INT, .flags = CFG_KEY_OR_ZERO,
		      .off = offsetof(struct cfg_port, mtu), .size = 2, .min = CFG_MIN_MTU,
		      .max = CFG_MAX_MTU, .def = 0, .zero = "port default" },
	[KEY_VLAN] = { .name = "vlan", .type = CFG_KEY_INT, .flags = CFG_KEY_OR_ZERO,
		       .off = offsetof(struct cfg_port, vlan), .size = 2, .min = 1,
		       .max = CFG_MAX_VID, .def = 0, .zero = "untagged" },
	[KEY_RX_DESC] = DESC_KEY("rx_desc", rx_desc),
	[KEY_TX_DESC] = DESC_KEY("tx_desc", tx_desc),
};

static const char *const others[] = { "addresses", NULL };

static void
parse_addresses(struct cfg_ctx *x, const config_setting_t *ps, struct cfg_port *p)
{
	const config_setting_t *s;
	int i, n;

	switch (cfg_get_seq(x, ps, "addresses", &s)) {
	case GOT_NONE:
		cfg_missing(x, ps, "addresses");
		break;
	case GOT_VALUE:
		n = config_setting_length(s);
		if (n == 0 || n > SL_MAX_PORT_ADDRS)
			cfg_err(x, s, "%d addresses, expected 1..%d", n, SL_MAX_PORT_ADDRS);
		/* Every element is checked; the first 16 are kept. */
		for (i = 0; i < n; i++) {
			struct cfg_addr scratch, *a = i < SL_MAX_PORT_ADDRS ?
				&p->addrs[i] : &scratch;

			cfg_get_cidr_elem(x, config_setting_get_elem(s, (unsigned int)i), a);
		}
		p->n_addrs = n < SL_MAX_PORT_ADDRS ? (uint32_t)n : SL_MAX_PORT_ADDRS;
		break;
	default:
		break;
	}
}

static void
parse_port(struct cfg_ctx *x, const config_setting_t *ps, struct cfg_port *p)
{
	p->line = cfg_setting_line(x, ps, NULL);
	cfg_key_defaults(keys, CFG_DIM(keys), p);
	if (!config_setting_is_group(ps)) {
		cfg_err(x, ps, "expected a group { }, not %s", cfg_type_name(ps));
		return;
	}
	cfg_check_keys(x, ps, keys, CFG_DIM(keys), others);
	cfg_get_key(x, ps, &keys[KEY_NAME], p);
	cfg_get_key(x, ps, &keys[KEY_DEVICE], p);
	parse_addresses(x, ps, p);
	cfg_get_key(x, ps, &keys[KEY_GATEWAY], p);
	cfg_get_key(x, ps, &keys[KEY_MTU], p);
	cfg_get_key(x, ps, &keys[KEY_VLAN], p);
	cfg_get_key(x, ps, &keys[KEY_RX_DESC], p);
	cfg_get_key(x, ps, &keys[KEY_TX_DESC], p);
}

static int
parse_ports(struct cfg_ctx *x, const config_setting_t *root, struct cfg *c)
{
	const config_setting_t *s;
	int i, n;

	switch (cfg_get_seq(x, root, "ports", &s)) {
	case GOT_NONE:
		cfg_err_line(x, NULL, 0, "missing required key \"ports\"");
		return 0;
	case GOT_ERROR:
		return 0;
	default:
		break;
	}
	n = config_setting_length(s);
	if (n == 0 || n > SL_MAX_PORTS)
		cfg_err(x, s, "%d ports, expected 1..%d", n, SL_MAX_PORTS);
	if (n == 0)
		return 0;
	x->ports = calloc((size_t)n, sizeof(*x->ports));
	x->port_set = calloc((size_t)n, sizeof(*x->port_set));
	if (x->ports == NULL || x->port_set == NULL) {
		cfg_err_oom(x);
		return -ENOMEM;
	}
	x->n_ports = (uint32_t)n;
	for (i = 0; i < n; i++) {
		x->port_set[i] = config_setting_get_elem(s, (unsigned int)i);
		parse_port(x, x->port_set[i], &x->ports[i]);
		if (i < SL_MAX_PORTS)
			c->lines.port[i] = cfg_main_line(x, x->port_set[i]);
	}
	return 0;
}

/* ---- pass 3 ------------------------------------------------------------------ */

int
cfg_port_with_addr(const struct cfg_ctx *x, uint32_t ip)
{
	uint32_t p, a;

	for (p = 0; p < x->n_ports; p++)
		for (a = 0; a < x->ports[p].n_addrs; a++)
			if (x->ports[p].addrs[a].ip == ip)
				return (int)p;
	return -1;
}

int
cfg_port_with_subnet(const struct cfg_ctx *x, uint32_t ip)
{
	uint32_t p, a;

	for (p = 0; p < x->n_ports; p++)
		for (a = 0; a < x->ports[p].n_addrs; a++)
			if (x->ports[p].addrs[a].ip != 0 &&
			    cfg_in_subnet(ip, &x->ports[p].addrs[a]))
				return (int)p;
	return -1;
}

/* Device identity: what precedes the devargs, e.g. "net_af_packet0". */
static size_t
dev_id_len(const char *dev)
{
	return strcspn(dev, ",");
}

/* Address a of port i seen earlier: on an earlier port, or before a on i. */
static void
check_port_addr(struct cfg_ctx *x, uint32_t i, uint32_t a)
{
	const config_setting_t *s = cfg_member(x->port_set[i], "addresses", (int)a);
	uint32_t ip = x->ports[i].addrs[a].ip;
	char buf[INET_ADDRSTRLEN];
	uint32_t k, b;

	if (ip == 0)
		return;
	for (k = 0; k <= i; k++) {
		const struct cfg_port *q = &x->ports[k];

		for (b = 0; b < (k == i ? a : q->n_addrs); b++) {
			if (q->addrs[b].ip != ip)
				continue;
			if (k == i)
				cfg_err(x, s, "address %s listed twice", cfg_ip_str(ip, buf));
			else
				cfg_err(x, s, "address %s is already on port \"%s\" (line %d)",
					cfg_ip_str(ip, buf), q->name, q->line);
			return;
		}
	}
}

static void
check_ports(struct cfg_ctx *x)
{
	char buf[INET_ADDRSTRLEN];
	int gw_port = -1;
	uint32_t i, k, a;

	for (i = 0; i < x->n_ports; i++) {
		const struct cfg_port *p = &x->ports[i];
		const config_setting_t *ps = x->port_set[i];
		size_t dl = dev_id_len(p->device);

		for (k = 0; k < i; k++) {
			const struct cfg_port *q = &x->ports[k];

			if (p->name[0] != '\0' && strcmp(p->name, q->name) == 0)
				cfg_err(x, cfg_member(ps, "name", -1),
					"duplicate port name \"%s\" (first at line %d)",
					p->name, q->line);
			if (dl != 0 && dl == dev_id_len(q->device) &&
			    memcmp(p->device, q->device, dl) == 0)
				cfg_err(x, cfg_member(ps, "device", -1),
					"device \"%.*s\" is already port \"%s\" (line %d)",
					(int)dl, p->device, q->name, q->line);
		}
		for (a = 0; a < p->n_addrs; a++)
			check_port_addr(x, i, a);
		if (p->gateway == 0)
			continue;
		for (a = 0; a < p->n_addrs; a++)
			if (p->addrs[a].ip != 0 && cfg_in_subnet(p->gateway, &p->addrs[a]))
				break;
		if (a == p->n_addrs)
			cfg_err(x, cfg_member(ps, "gateway", -1),
				"%s is not inside any subnet of port \"%s\"",
				cfg_ip_str(p->gateway, buf), p->name);
		if (cfg_port_with_addr(x, p->gateway) >= 0)
			cfg_err(x, cfg_member(ps, "gateway", -1),
				"%s is an address of this appliance",
				cfg_ip_str(p->gateway, buf));
		if (gw_port >= 0)
			cfg_err(x, cfg_member(ps, "gateway", -1),
				"only one port may have a gateway (port \"%s\" has one, line %d)",
				x->ports[gw_port].name, x->ports[gw_port].line);
		else
			gw_port = (int)i;
	}
}

/* After the rules, the ports the struct holds (the first SL_MAX_PORTS). */
static int
check(struct cfg_ctx *x, struct cfg *c)
{
	check_ports(x);
	c->n_ports = x->n_ports < SL_MAX_PORTS ? x->n_ports : SL_MAX_PORTS;
	if (c->n_ports != 0)
		memcpy(c->ports, x->ports, c->n_ports * sizeof(c->ports[0]));
	return 0;
}

/* ---- the restart check -------------------------------------------------------- */

/* The first key of port p that q does not share, or NULL. */
static const char *
port_diff(const struct cfg_port *p, const struct cfg_port *q)
{
	uint32_t i;

	if (p->n_addrs != q->n_addrs)
		return "addresses";
	for (i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].ip != q->addrs[i].ip || p->addrs[i].prefix != q->addrs[i].prefix)
			return "addresses";
	for (i = 0; i < CFG_DIM(keys); i++)
		if (!cfg_key_same(&keys[i], p, q))
			return keys[i].name;
	return NULL;
}

/*
 * By index, as DPDK numbers them: "ports[1].mtu" at that port's line; a port
 * more, at the first new one's line; a port fewer, at the list's.
 */
static int
changed(const struct cfg *run, const struct cfg *next, uint32_t sec, char *key, size_t len)
{
	uint32_t i, n = run->n_ports < next->n_ports ? run->n_ports : next->n_ports;
	const char *what;

	for (i = 0; i < n; i++) {
		what = port_diff(&run->ports[i], &next->ports[i]);
		if (what != NULL) {
			snprintf(key, len, "ports[%u].%s", i, what);
			return next->lines.port[i];
		}
	}
	if (run->n_ports == next->n_ports)
		return -1;
	snprintf(key, len, "ports");
	return next->n_ports > run->n_ports ? next->lines.port[n] : next->lines.section[sec];
}

const struct cfg_section cfg_sec_ports = {
	.name = "ports",
	.list = 1,
	.restart = 1,
	.keys = keys,
	.n_keys = CFG_DIM(keys),
	.parse = parse_ports,
	.check = check,
	.changed = changed,
};
