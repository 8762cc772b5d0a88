/*
 * Snapshot building: service index, local addresses, routes, backend ids,
 * FULLNAT port slices, and the appliance's limits (1,000 services, 10,000
 * backends) built and looked up in full.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/snapshot.h"
#include "unit.h"

static const char base_conf[] =
	"fullnat: { port_min = 1024; port_max = 65535; };\n"
	"ports = (\n"
	"  { name = \"client\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
	"  { name = \"backend\"; device = \"net_null1\";\n"
	"    addresses = [ \"198.18.1.1/24\", \"198.19.0.1/16\" ]; gateway = \"198.19.0.254\"; }\n"
	");\n"
	"services = (\n"
	"  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; scheduler = \"wrr\";\n"
	"    backends = ( { address = \"198.18.1.11\"; port = 8080; weight = 3; },\n"
	"                 { address = \"198.18.1.12\"; port = 8080; weight = 1; } ); },\n"
	"  { name = \"dns\"; vip = \"198.18.0.10\"; port = 53; protocol = \"udp\"; scheduler = \"mh\";\n"
	"    backends = ( { address = \"198.18.1.11\"; }, { address = \"198.18.1.13\"; } ); },\n"
	"  { name = \"full\"; vip = \"198.18.0.20\"; port = 443; forward = \"fullnat\";\n"
	"    local_addresses = [ \"198.18.1.2\", \"198.18.1.3\" ];\n"
	"    backends = ( { address = \"198.18.1.14\"; } ); },\n"
	"  { name = \"full2\"; vip = \"198.18.0.21\"; port = 443; forward = \"fullnat\";\n"
	"    local_addresses = [ \"198.18.1.3\" ];\n"
	"    backends = ( { address = \"198.18.1.15\"; } ); }\n"
	");\n";

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	CU_ASSERT_FATAL(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

static struct cfg *
load(const char *text)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;

	cfg_errors_init(&errs);
	cfg_load_string(text, "t.conf", &c, &errs);
	if (c == NULL)
		cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static struct snapshot *
build(const struct cfg *c, uint32_t workers)
{
	char err[256] = "";
	struct snapshot *s = snap_build(c, workers, 7, err, sizeof(err));

	if (s == NULL)
		fprintf(stderr, "snap_build: %s\n", err);
	return s;
}

static void
test_services(void)
{
	struct cfg *c = load(base_conf);
	struct snapshot *s = build(c, 2);
	const struct snap_service *svc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->gen, 7);
	CU_ASSERT_EQUAL(s->n_services, 4);
	svc = snap_find_service(s, ip("198.18.0.10"), htons(80), IPPROTO_TCP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
	CU_ASSERT_STRING_EQUAL(svc->name, "web");
	CU_ASSERT_EQUAL(svc->mode, SVC_MODE_NAT);
	CU_ASSERT_EQUAL(svc->n_backends, 2);
	CU_ASSERT_EQUAL(svc->backends[0].port, htons(8080));
	CU_ASSERT_EQUAL(svc->backends[0].weight, 3);
	svc = snap_find_service(s, ip("198.18.0.10"), htons(53), IPPROTO_UDP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
	CU_ASSERT_STRING_EQUAL(svc->name, "dns");
	/* the backend port defaults to the service port */
	CU_ASSERT_EQUAL(svc->backends[1].port, htons(53));
	/* protocol and port are part of the key */
	CU_ASSERT_PTR_NULL(snap_find_service(s, ip("198.18.0.10"), htons(53), IPPROTO_TCP));
	CU_ASSERT_PTR_NULL(snap_find_service(s, ip("198.18.0.10"), htons(81), IPPROTO_TCP));
	CU_ASSERT_PTR_NULL(snap_find_service(s, ip("198.18.0.11"), htons(80), IPPROTO_TCP));
	snap_free(s);
	cfg_free(c);
}

static void
test_backend_ids(void)
{
	struct cfg *c = load(base_conf);
	struct snapshot *s = build(c, 2);
	uint32_t i, j, next = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* ids are dense, in config order, unique across services (a backend
	 * address in two services has two ids: counts are per service) */
	for (i = 0; i < s->n_services; i++)
		for (j = 0; j < s->services[i].n_backends; j++)
			CU_ASSERT_EQUAL(s->services[i].backends[j].id, next++);
	CU_ASSERT_EQUAL(s->n_backends, next);
	CU_ASSERT_EQUAL(next, 6);
	CU_ASSERT_EQUAL(s->services[i - 1].id, i - 1);
	snap_free(s);
	cfg_free(c);
}

static void
test_locals(void)
{
	struct cfg *c = load(base_conf);
	struct snapshot *s = build(c, 2);
	const struct snap_local *l;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	l = snap_find_local(s, ip("198.18.0.1"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->kinds, SNAP_LOCAL_ADDR);
	CU_ASSERT_EQUAL(l->arp_port, 0);
	l = snap_find_local(s, ip("198.19.0.1"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->arp_port, 1);
	/* one VIP, two services: one entry */
	l = snap_find_local(s, ip("198.18.0.10"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->kinds, SNAP_LOCAL_VIP);
	CU_ASSERT_EQUAL(l->arp_port, 0);
	/* local addresses shared by two services are one index */
	CU_ASSERT_EQUAL(s->n_laddrs, 2);
	l = snap_find_local(s, ip("198.18.1.3"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->kinds, SNAP_LOCAL_LADDR);
	CU_ASSERT_EQUAL(l->arp_port, 1);
	CU_ASSERT_EQUAL(s->laddrs[l->laddr_idx], ip("198.18.1.3"));
	CU_ASSERT_EQUAL(s->services[3].n_laddrs, 1);
	CU_ASSERT_EQUAL(s->services[3].laddr_idx[0], l->laddr_idx);
	/* not local: a backend, a client, an address nobody uses */
	CU_ASSERT_PTR_NULL(snap_find_local(s, ip("198.18.1.11")));
	CU_ASSERT_PTR_NULL(snap_find_local(s, ip("198.18.0.2")));
	CU_ASSERT_PTR_NULL(snap_find_local(s, ip("203.0.113.1")));
	snap_free(s);
	cfg_free(c);
}

static void
test_routes(void)
{
	struct cfg *c = load(base_conf);
	struct snapshot *s = build(c, 2);
	uint8_t port = 99;
	uint32_t nh = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(snap_route(s, ip("198.18.0.77"), &port, &nh), 0);
	CU_ASSERT_EQUAL(port, 0);
	CU_ASSERT_EQUAL(nh, ip("198.18.0.77"));
	/* the /24 on port 1 wins over nothing, the /16 holds the rest of 198.19 */
	CU_ASSERT_EQUAL(snap_route(s, ip("198.18.1.11"), &port, &nh), 0);
	CU_ASSERT_EQUAL(port, 1);
	CU_ASSERT_EQUAL(snap_route(s, ip("198.19.200.1"), &port, &nh), 0);
	CU_ASSERT_EQUAL(port, 1);
	CU_ASSERT_EQUAL(nh, ip("198.19.200.1"));
	/* off-link: the gateway */
	CU_ASSERT_EQUAL(snap_route(s, ip("203.0.113.9"), &port, &nh), 0);
	CU_ASSERT_EQUAL(port, 1);
	CU_ASSERT_EQUAL(nh, ip("198.19.0.254"));
	/* longest prefix first */
	CU_ASSERT_EQUAL(s->routes[0].mask, ip("255.255.255.0"));
	CU_ASSERT_EQUAL(s->routes[s->n_routes - 1].mask, ip("255.255.0.0"));
	snap_free(s);
	cfg_free(c);
}

static void
test_no_gateway(void)
{
	struct cfg *c = load(
		"ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; } );\n");
	struct snapshot *s = build(c, 1);
	uint8_t port;
	uint32_t nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->n_services, 0);
	CU_ASSERT_EQUAL(snap_route(s, ip("203.0.113.9"), &port, &nh), -1);
	CU_ASSERT_PTR_NULL(snap_find_service(s, ip("198.18.0.10"), htons(80), IPPROTO_TCP));
	snap_free(s);
	cfg_free(c);
}

static void
test_lport_slices(void)
{
	struct cfg *c = load(base_conf);
	struct snapshot *s = build(c, 3);
	uint32_t span = (65535 - 1024 + 1) / 3;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->lport_min, 1024);
	CU_ASSERT_EQUAL(s->lport_span, span);
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(1024)), 0);
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(1024 + span - 1)), 0);
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(1024 + span)), 1);
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(1024 + 2 * span)), 2);
	/* the remainder past the last full slice stays with the last worker;
	 * ports below the range are nobody's and go to worker 0 */
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(65535)), 2);
	CU_ASSERT_EQUAL(snap_lport_owner(s, htons(80)), 0);
	snap_free(s);
	cfg_free(c);
}

static void
test_lport_range_too_small(void)
{
	struct cfg *c = load(
		"fullnat: { port_min = 60000; port_max = 60003; };\n"
		"ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; } );\n");
	char err[256] = "";

	CU_ASSERT_PTR_NULL(snap_build(c, 8, 1, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "smaller than 8 workers"));
	cfg_free(c);
}

/* The appliance's limits: 1,000 services and 10,000 backends. */
static void
test_limits(void)
{
	size_t cap = 1u << 21, len = 0;
	char *text = malloc(cap);
	struct cfg *c;
	struct snapshot *s;
	uint32_t i, j, found = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)snprintf(text + len, cap - len,
		"ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		"          { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.19.0.1/16\" ]; } );\n"
		"services = (\n");
	for (i = 0; i < 1000; i++) {
		len += (size_t)snprintf(text + len, cap - len,
			"%s{ name = \"s%u\"; vip = \"198.18.0.%u\"; port = %u; scheduler = \"%s\";\n"
			"  backends = (", i ? "," : "", i, 10 + i % 200, 1000 + i,
			i % 100 == 0 ? "mh" : "wlc");
		for (j = 0; j < 10; j++)
			len += (size_t)snprintf(text + len, cap - len,
				"%s{ address = \"198.19.%u.%u\"; }", j ? "," : "",
				1 + (i * 10 + j) / 250, 1 + (i * 10 + j) % 250);
		len += (size_t)snprintf(text + len, cap - len, "); }\n");
	}
	snprintf(text + len, cap - len, ");\n");
	CU_ASSERT_FATAL(len < cap - 16);
	c = load(text);
	free(text);
	CU_ASSERT_EQUAL(c->n_services, 1000);
	CU_ASSERT_EQUAL(c->n_backends_total, 10000);
	s = build(c, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->n_backends, 10000);
	for (i = 0; i < 1000; i++) {
		char vip[32];
		const struct snap_service *svc;

		snprintf(vip, sizeof(vip), "198.18.0.%u", 10 + i % 200);
		svc = snap_find_service(s, ip(vip), htons((uint16_t)(1000 + i)), IPPROTO_TCP);
		if (svc != NULL && svc->id == i && svc->n_backends == 10)
			found++;
	}
	CU_ASSERT_EQUAL(found, 1000);
	snap_free(s);
	cfg_free(c);
}

static const struct sched_backend *
find_backend(const struct snapshot *s, const char *vip, uint16_t port,
	     const char *addr)
{
	const struct snap_service *svc =
		snap_find_service(s, ip(vip), htons(port), IPPROTO_TCP);
	uint32_t j;

	if (svc == NULL)
		return NULL;
	for (j = 0; j < svc->n_backends; j++)
		if (svc->backends[j].ip == ip(addr))
			return &svc->backends[j];
	return NULL;
}

#define REBUILD_PORTS \
	"ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n" \
	"          { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; } );\n"

/* Ids survive a rebuild; new backends skip ids still counted by connections. */
static void
test_rebuild_ids(void)
{
	struct cfg *c1 = load(REBUILD_PORTS "services = (\n"
		"{ name = \"a\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
		"  { address = \"198.18.1.11\"; }, { address = \"198.18.1.12\"; },\n"
		"  { address = \"198.18.1.13\"; } ); },\n"
		"{ name = \"b\"; vip = \"198.18.0.11\"; port = 80; backends = (\n"
		"  { address = \"198.18.1.14\"; } ); } );\n");
	/* service b first now, a loses .12 and gains .15 and .16 */
	struct cfg *c2 = load(REBUILD_PORTS "services = (\n"
		"{ name = \"b\"; vip = \"198.18.0.11\"; port = 80; backends = (\n"
		"  { address = \"198.18.1.14\"; } ); },\n"
		"{ name = \"a\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
		"  { address = \"198.18.1.16\"; }, { address = \"198.18.1.11\"; },\n"
		"  { address = \"198.18.1.13\"; }, { address = \"198.18.1.15\"; } ); } );\n");
	uint8_t busy[SL_MAX_BACKENDS] = { 0 };
	struct snapshot *s1 = build(c1, 2), *s2, *s3;
	char err[256] = "";
	uint32_t id12;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	id12 = find_backend(s1, "198.18.0.10", 80, "198.18.1.12")->id;
	busy[id12] = 1;
	s2 = snap_rebuild(c2, 2, 2, s1, busy, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_EQUAL(find_backend(s2, "198.18.0.10", 80, "198.18.1.11")->id,
			find_backend(s1, "198.18.0.10", 80, "198.18.1.11")->id);
	CU_ASSERT_EQUAL(find_backend(s2, "198.18.0.10", 80, "198.18.1.13")->id,
			find_backend(s1, "198.18.0.10", 80, "198.18.1.13")->id);
	CU_ASSERT_EQUAL(find_backend(s2, "198.18.0.11", 80, "198.18.1.14")->id,
			find_backend(s1, "198.18.0.11", 80, "198.18.1.14")->id);
	CU_ASSERT_EQUAL(snap_find_service(s2, ip("198.18.0.10"), htons(80), IPPROTO_TCP)->id,
			snap_find_service(s1, ip("198.18.0.10"), htons(80), IPPROTO_TCP)->id);
	/* .12's id is busy: neither newcomer takes it; they take 4 and 5 */
	CU_ASSERT_NOT_EQUAL(find_backend(s2, "198.18.0.10", 80, "198.18.1.15")->id, id12);
	CU_ASSERT_NOT_EQUAL(find_backend(s2, "198.18.0.10", 80, "198.18.1.16")->id, id12);
	CU_ASSERT_EQUAL(s2->n_ids, 6);
	CU_ASSERT_EQUAL(s2->n_backends, 5);
	/* once .12's connections are gone, its id is reused */
	busy[id12] = 0;
	s3 = snap_rebuild(c2, 2, 3, s1, busy, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
	CU_ASSERT_EQUAL(find_backend(s3, "198.18.0.10", 80, "198.18.1.16")->id, id12);
	CU_ASSERT_EQUAL(s3->n_ids, 5);
	snap_free(s1);
	snap_free(s2);
	snap_free(s3);
	cfg_free(c1);
	cfg_free(c2);
}

/* FULLNAT local address indices are append-only: worker port pools stay put. */
static void
test_rebuild_laddrs(void)
{
	struct cfg *c1 = load(REBUILD_PORTS "services = (\n"
		"{ name = \"a\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n"
		"  local_addresses = [ \"198.18.1.2\", \"198.18.1.3\" ];\n"
		"  backends = ( { address = \"198.18.1.11\"; } ); } );\n");
	struct cfg *c2 = load(REBUILD_PORTS "services = (\n"
		"{ name = \"a\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n"
		"  local_addresses = [ \"198.18.1.4\", \"198.18.1.3\" ];\n"
		"  backends = ( { address = \"198.18.1.11\"; } ); } );\n");
	struct snapshot *s1 = build(c1, 2), *s2;
	char err[256] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	s2 = snap_rebuild(c2, 2, 2, s1, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_EQUAL(s2->n_laddrs, 3);
	CU_ASSERT_EQUAL(s2->laddrs[0], ip("198.18.1.2"));
	CU_ASSERT_EQUAL(s2->laddrs[1], ip("198.18.1.3"));
	CU_ASSERT_EQUAL(s2->laddrs[2], ip("198.18.1.4"));
	CU_ASSERT_EQUAL(s2->services[0].laddr_idx[0], 2);
	CU_ASSERT_EQUAL(s2->services[0].laddr_idx[1], 1);
	/* a removed local address is no longer answered for */
	CU_ASSERT_PTR_NULL(snap_find_local(s2, ip("198.18.1.2")));
	CU_ASSERT_PTR_NOT_NULL(snap_find_local(s2, ip("198.18.1.4")));
	snap_free(s1);
	snap_free(s2);
	cfg_free(c1);
	cfg_free(c2);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "service index", test_services },
		{ "backend ids dense and stable", test_backend_ids },
		{ "local addresses", test_locals },
		{ "routes and gateway", test_routes },
		{ "no gateway, no services", test_no_gateway },
		{ "fullnat port slices", test_lport_slices },
		{ "port range smaller than workers", test_lport_range_too_small },
		{ "1000 services, 10000 backends", test_limits },
		{ "rebuild keeps ids, skips busy ones", test_rebuild_ids },
		{ "rebuild: local address indices append-only", test_rebuild_laddrs },
	};

	return unit_add_suite("snapshot", NULL, NULL, tests, UNIT_DIM(tests));
}
