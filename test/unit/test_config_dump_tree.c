/*
 * Config dump tests: every config file in the tree round-trips, cfg_equal
 * sees every field, what the dump refuses. Fixtures in test_config_dump.c.
 */
#include "test_config_dump.h"
#include "unit.h"

/* ---- every config file in the tree ----------------------------------------- */

/* Round-trips each file of dir that loads; how many did, or -1 on a failure. */
static int
round_trip_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0, bad = 0;

	if (d == NULL)
		return 0; /* e.g. no fuzz corpus yet */
	while ((e = readdir(d)) != NULL) {
		struct cfg *c = NULL;
		char path[1024];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* Invalid inputs (error fixtures, fuzz finds) have no dump. */
		if (cfg_load_file(path, &c, NULL) != 0)
			continue;
		n++;
		bad += round_trip(c, path);
		cfg_free(c);
	}
	closedir(d);
	return bad ? -1 : n;
}

void
test_tree_files(void)
{
	int n;

	n = round_trip_dir(SL_SOURCE_ROOT "/conf");
	CU_ASSERT_EQUAL(n, 1);
	n = round_trip_dir(SL_SOURCE_ROOT "/conf/examples");
	CU_ASSERT(n >= 3);
	n = round_trip_dir(SL_SOURCE_ROOT "/test/unit/conf");
	CU_ASSERT(n >= 1);
	n = round_trip_dir(SL_SOURCE_ROOT "/test/fuzz/corpus/config");
	CU_ASSERT(n >= 0);
}

/* ---- cfg_equal sees every field --------------------------------------------- */

/* A config with every kind of member: a port, an http-checked service, backends. */
#define FULL \
	"api: { socket = \"/run/x.sock\"; };\n" \
	"stats: { prometheus = \"127.0.0.1:9273\"; };\n" \
	"ports = ( { name = \"p\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n" \
	"  gateway = \"198.18.0.254\"; mtu = 1500; vlan = 7; } );\n" \
	"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n" \
	"  local_addresses = [ \"198.18.0.20\" ];\n" \
	"  health: { type = \"http\"; path = \"/h\"; body = \"ok\"; };\n" \
	"  backends = ( { address = \"198.18.0.11\"; health: { rise = 5; }; } ); } );\n" \
	"ha: { vips = \"follow\"; };\n" \
	"sync: { node_id = 3; key = \"00112233445566778899aabbccddeeff\"; source = \"198.18.0.1\";\n" \
	"  multicast = \"239.0.0.81\"; peers = [ \"198.18.0.2\" ]; };\n"

/*
 * Each changes one field of a copy; cfg_equal must then say "different".
 * Adding a field to struct cfg means adding a line here and a compare there.
 */
static void mut_burst(struct cfg *c) { c->burst++; }
static void mut_idle(struct cfg *c) { c->idle_sleep_us++; }
static void mut_mbufs(struct cfg *c) { c->mbufs_per_port++; }
static void mut_cap(struct cfg *c) { c->ct_capacity++; }
static void mut_timeout(struct cfg *c) { c->timeouts.ms[CT_UDP]++; }
static void mut_budget(struct cfg *c) { c->expire_budget++; }
static void mut_lmin(struct cfg *c) { c->lport_min++; }
static void mut_lmax(struct cfg *c) { c->lport_max--; }
static void mut_load(struct cfg *c) { c->load_interval_ms++; }
static void mut_socket(struct cfg *c) { c->api_socket[1] ^= 1; }
static void mut_mode(struct cfg *c) { c->api_mode ^= 1; }
static void mut_prom_ip(struct cfg *c) { c->prom_ip ^= 1; }
static void mut_prom_port(struct cfg *c) { c->prom_port++; }
static void mut_n_ports(struct cfg *c) { c->n_ports--; }
static void mut_pname(struct cfg *c) { c->ports[0].name[0] ^= 1; }
static void mut_pdev(struct cfg *c) { c->ports[0].device[0] ^= 1; }
static void mut_paddr(struct cfg *c) { c->ports[0].addrs[0].ip ^= 1u << 24; }
static void mut_pprefix(struct cfg *c) { c->ports[0].addrs[0].prefix++; }
static void mut_pn_addrs(struct cfg *c) { c->ports[0].n_addrs--; }
static void mut_pgw(struct cfg *c) { c->ports[0].gateway ^= 1u << 24; }
static void mut_pmtu(struct cfg *c) { c->ports[0].mtu++; }
static void mut_pvlan(struct cfg *c) { c->ports[0].vlan++; }
static void mut_prx(struct cfg *c) { c->ports[0].rx_desc *= 2; }
static void mut_ptx(struct cfg *c) { c->ports[0].tx_desc *= 2; }
static void mut_n_svcs(struct cfg *c) { c->n_services--; }
static void mut_n_total(struct cfg *c) { c->n_backends_total++; }
static void mut_sname(struct cfg *c) { c->services[0].name[0] ^= 1; }
static void mut_svip(struct cfg *c) { c->services[0].vip ^= 1u << 24; }
static void mut_sport(struct cfg *c) { c->services[0].port++; }
static void mut_sproto(struct cfg *c) { c->services[0].proto = IPPROTO_UDP; }
static void mut_smode(struct cfg *c) { c->services[0].mode = SVC_MODE_NAT; }
static void mut_ssched(struct cfg *c) { c->services[0].sched = SCHED_ALGO_RR; }
static void mut_smh(struct cfg *c) { c->services[0].mh_size = 251; }
static void mut_sladdr(struct cfg *c) { c->services[0].laddrs[0] ^= 1u << 24; }
static void mut_sn_laddrs(struct cfg *c) { c->services[0].n_laddrs--; }
static void mut_sdown(struct cfg *c) { c->services[0].down_policy = CFG_DOWN_RESET; }
static void mut_sn_bes(struct cfg *c) { c->services[0].n_backends--; }
static void mut_hint(struct cfg *c) { c->services[0].health.interval_ms++; }
static void mut_htmo(struct cfg *c) { c->services[0].health.timeout_ms++; }
static void mut_hset(struct cfg *c) { c->services[0].health.set ^= CFG_HC_SET_RISE; }
static void mut_hport(struct cfg *c) { c->services[0].health.port++; }
static void mut_hstatus(struct cfg *c) { c->services[0].health.status++; }
static void mut_htype(struct cfg *c) { c->services[0].health.type = CFG_HC_TCP; }
static void mut_hrise(struct cfg *c) { c->services[0].health.rise++; }
static void mut_hfall(struct cfg *c) { c->services[0].health.fall++; }
static void mut_hpath(struct cfg *c) { c->services[0].health.path[1] ^= 1; }
static void mut_hbody(struct cfg *c) { c->services[0].health.body[0] ^= 1; }
static void mut_bip(struct cfg *c) { c->services[0].backends[0].ip ^= 1u << 24; }
static void mut_bport(struct cfg *c) { c->services[0].backends[0].port++; }
static void mut_bweight(struct cfg *c) { c->services[0].backends[0].weight++; }
static void mut_bhealth(struct cfg *c) { c->services[0].backends[0].health.rise++; }
static void mut_follow(struct cfg *c) { c->vips_follow = 0; }
static void mut_yon(struct cfg *c) { c->sync.on = 0; }
static void mut_ynode(struct cfg *c) { c->sync.node_id++; }
static void mut_ygroup(struct cfg *c) { c->sync.group++; }
static void mut_yport(struct cfg *c) { c->sync.port++; }
static void mut_ysource(struct cfg *c) { c->sync.source ^= 1u << 24; }
static void mut_ymcast(struct cfg *c) { c->sync.mcast ^= 1u << 24; }
static void mut_ypeer(struct cfg *c) { c->sync.peers[0] ^= 1u << 24; }
static void mut_yn_peers(struct cfg *c) { c->sync.n_peers--; }
static void mut_ykey(struct cfg *c) { c->sync.key[3] ^= 1; }
static void mut_ykey_len(struct cfg *c) { c->sync.key_len++; }

void
test_equal_sees_every_field(void)
{
	static void (*const muts[])(struct cfg *) = {
		mut_burst, mut_idle, mut_mbufs, mut_cap, mut_timeout, mut_budget, mut_lmin,
		mut_lmax, mut_load, mut_socket, mut_mode, mut_prom_ip, mut_prom_port,
		mut_n_ports, mut_pname, mut_pdev, mut_paddr, mut_pprefix, mut_pn_addrs,
		mut_pgw, mut_pmtu, mut_pvlan, mut_prx, mut_ptx, mut_n_svcs, mut_n_total, mut_sname,
		mut_svip, mut_sport, mut_sproto, mut_smode, mut_ssched, mut_smh, mut_sladdr,
		mut_sn_laddrs, mut_sdown, mut_sn_bes, mut_hint, mut_htmo, mut_hset, mut_hport,
		mut_hstatus, mut_htype, mut_hrise, mut_hfall, mut_hpath, mut_hbody, mut_bip,
		mut_bport, mut_bweight, mut_bhealth, mut_follow, mut_yon, mut_ynode, mut_ygroup,
		mut_yport, mut_ysource, mut_ymcast, mut_ypeer, mut_yn_peers, mut_ykey, mut_ykey_len,
	};
	struct cfg *a = load_ok(FULL), *b = load_ok(FULL);
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(cfg_equal(a, b));
	/* What a dump cannot keep does not count: the source, line numbers. */
	b->source[0] ^= 1;
	b->ports[0].line++;
	b->services[0].line++;
	b->services[0].backends[0].line++;
	b->lines.section[0]++;
	b->lines.key[0][0]++;
	b->lines.port[0]++;
	CU_ASSERT(cfg_equal(a, b));
	for (i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		struct cfg *m = load_ok(FULL);
		uint32_t n_svcs;

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		n_svcs = m->n_services;
		muts[i](m);
		if (cfg_equal(a, m) || cfg_equal(m, a))
			fprintf(stderr, "\n  mutation %zu not seen\n", i);
		CU_ASSERT(!cfg_equal(a, m));
		m->n_services = n_svcs; /* so cfg_free finds every backend array */
		cfg_free(m);
	}
	cfg_free(a);
	cfg_free(b);
}

/* ---- what the dump refuses ---------------------------------------------------- */

static void
expect_refused(struct cfg *c, const char *msg)
{
	char why[256] = "";
	char *text;
	FILE *f = tmpfile();

	CU_ASSERT_EQUAL(cfg_dump_check(c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, msg);
	errno = 0;
	text = cfg_dump_string(c);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(errno, EINVAL);
	free(text);
	/* What the API and a reload then say, instead of "out of memory". */
	why[0] = '\0';
	cfg_dump_error(c, EINVAL, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(cfg_dump(c, f), -EINVAL);
	CU_ASSERT_EQUAL(ftell(f), 0); /* nothing half-written */
	fclose(f);
}

void
test_refused(void)
{
	struct cfg *c = load_ok(FULL);
	char why[8];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(cfg_dump_check(c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cfg_dump_check(c, NULL, 0), 0);

	memset(c->ports[0].device, 'x', sizeof(c->ports[0].device));
	expect_refused(c, "ports[0]: name or device not NUL-terminated");
	c->ports[0].device[0] = '\0';
	memset(c->services[0].name, 'x', sizeof(c->services[0].name));
	expect_refused(c, "services[0].name: not NUL-terminated");
	c->services[0].name[0] = '\0';
	memset(c->api_socket, '/', sizeof(c->api_socket));
	expect_refused(c, "api.socket: not NUL-terminated");
	c->api_socket[0] = '\0';
	memset(c->services[0].backends[0].health.body, 'b', CFG_HC_STR_LEN);
	expect_refused(c, "services[0].backends[0].health: path or body not NUL-terminated");
	c->services[0].backends[0].health.body[0] = '\0';

	c->n_ports = SL_MAX_PORTS + 1;
	expect_refused(c, "9 ports, at most 8");
	c->n_ports = 1;
	c->ports[0].n_addrs = SL_MAX_PORT_ADDRS + 1;
	expect_refused(c, "ports[0]: 17 addresses, at most 16");
	c->ports[0].n_addrs = 1;
	c->services[0].n_laddrs = SL_MAX_SVC_LADDRS + 1;
	expect_refused(c, "services[0]: 65 local addresses, at most 64");
	c->services[0].n_laddrs = 1;

	c->services[0].sched = SCHED_ALGO__COUNT;
	expect_refused(c, "services[0].scheduler: 6 has no name");
	c->services[0].sched = SCHED_ALGO_WLC;
	c->services[0].mode = 3;
	expect_refused(c, "services[0].forward: 3 has no name");
	c->services[0].mode = SVC_MODE_NAT;
	c->services[0].proto = 0;
	expect_refused(c, "services[0].protocol: 0 is neither tcp nor udp");
	c->services[0].proto = IPPROTO_TCP;
	c->services[0].down_policy = 2;
	expect_refused(c, "services[0].down_policy: 2 has no name");
	c->services[0].down_policy = CFG_DOWN_KEEP;
	c->services[0].health.type = 4;
	expect_refused(c, "services[0].health.type: 4 has no name");
	c->services[0].health.type = CFG_HC_TCP;
	c->services[0].backends[0].health.set |= 0x200;
	expect_refused(c, "services[0].backends[0].health: unknown set bits 0x200");
	c->services[0].backends[0].health.set &= 0x1ff;

	c->timeouts.ms[CT_ESTABLISHED] = 1500;
	expect_refused(c, "conntrack.timeouts.established: 1500 ms is not whole seconds");
	c->timeouts.ms[CT_ESTABLISHED] = 2000;
	c->timeouts.ms[CT_NONE] = 3000;
	expect_refused(c, "conntrack.timeouts: the no-state timeout 3000 ms is not close's 10000 ms");
	c->timeouts.ms[CT_NONE] = c->timeouts.ms[CT_CLOSE];

	/* Mended, it dumps again (the loader judges the emptied strings). */
	CU_ASSERT_EQUAL(cfg_dump_check(c, why, sizeof(why)), 0);
	cfg_free(c);
}
