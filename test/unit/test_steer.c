/*
 * Flow ownership: both directions of a connection agree on their worker
 * without shared state, and owners spread evenly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/snapshot.h"
#include "dataplane/steer.h"
#include "unit.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static struct snapshot *
snap_for(uint32_t workers)
{
	static const char text[] =
		"fullnat: { port_min = 1024; port_max = 65535; };\n"
		"ports = ( { name = \"c\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		"          { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; } );\n"
		"services = (\n"
		"  { name = \"nat\"; vip = \"198.18.0.10\"; port = 80;\n"
		"    backends = ( { address = \"198.18.1.11\"; port = 8080; } ); },\n"
		"  { name = \"full\"; vip = \"198.18.0.20\"; port = 80; forward = \"fullnat\";\n"
		"    local_addresses = [ \"198.18.1.2\" ];\n"
		"    backends = ( { address = \"198.18.1.12\"; } ); },\n"
		"  { name = \"dr\"; vip = \"198.18.0.30\"; port = 80; forward = \"dr\";\n"
		"    backends = ( { address = \"198.18.1.13\"; } ); }\n"
		");\n";
	struct cfg_errors errs;
	struct cfg *c = NULL;
	struct snapshot *s;
	char err[128];

	cfg_errors_init(&errs);
	cfg_load_string(text, "t.conf", &c, &errs);
	cfg_errors_free(&errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	s = snap_build(c, workers, 1, err, sizeof(err));
	cfg_free(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

static struct pkt_meta
meta(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.kind = PKT_KIND_IPV4;
	m.proto = IPPROTO_TCP;
	m.src_ip = src;
	m.src_port = sport;
	m.dst_ip = dst;
	m.dst_port = dport;
	return m;
}

/* A nat request and its reply (backend -> client) name the same owner,
 * whichever worker received either. */
static void
test_nat_symmetric(void)
{
	uint32_t n, i, agree = 0, total = 0;

	for (n = 2; n <= 8; n++) {
		struct snapshot *s = snap_for(n);
		const struct snap_service *svc =
			snap_find_service(s, inet_addr("198.18.0.10"), htons(80), IPPROTO_TCP);

		CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
		for (i = 0; i < 2000; i++) {
			uint32_t client = htonl(0xc6120000u | (rnd() & 0xffff));
			uint16_t cport = (uint16_t)rnd();
			struct pkt_meta req = meta(client, cport, svc->vip, svc->port);
			struct pkt_meta rep = meta(svc->backends[0].ip, svc->backends[0].port,
						   client, cport);
			uint32_t o1 = steer_owner(s, svc, &req, rnd() % n);
			uint32_t o2 = steer_owner(s, NULL, &rep, rnd() % n);

			agree += o1 == o2 && o1 < n;
			total++;
		}
		snap_free(s);
	}
	CU_ASSERT_EQUAL(agree, total);
}

/* One client's sequential ports spread evenly over the workers. */
static void
test_nat_spread(void)
{
	uint32_t counts[4] = { 0 }, p, w;

	for (p = 1024; p < 1024 + 40000; p++)
		counts[steer_nat_owner(4, inet_addr("198.18.0.2"), htons((uint16_t)p))]++;
	for (w = 0; w < 4; w++) {
		CU_ASSERT(counts[w] > 10000 * 95 / 100);
		CU_ASSERT(counts[w] < 10000 * 105 / 100);
	}
}

/* fullnat flows and dr SYNs stay with the worker that received them; a fullnat
 * reply goes to the worker whose port slice holds its destination port. */
static void
test_fullnat_dr(void)
{
	struct snapshot *s = snap_for(4);
	const struct snap_service *full =
		snap_find_service(s, inet_addr("198.18.0.20"), htons(80), IPPROTO_TCP);
	const struct snap_service *dr =
		snap_find_service(s, inet_addr("198.18.0.30"), htons(80), IPPROTO_TCP);
	struct pkt_meta m;
	uint32_t w, first, ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(full);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dr);
	m = meta(inet_addr("198.18.0.2"), htons(5555), full->vip, full->port);
	CU_ASSERT_EQUAL(steer_owner(s, full, &m, 3), 3);
	m = meta(inet_addr("198.18.0.2"), htons(5555), dr->vip, dr->port);
	m.tcp_flags = RTE_TCP_SYN_FLAG;
	CU_ASSERT_EQUAL(steer_owner(s, dr, &m, 2), 2);
	/* The rest of a dr flow that missed: where session sync installs it. */
	m.tcp_flags = RTE_TCP_ACK_FLAG;
	w = steer_nat_owner(4, m.src_ip, m.src_port);
	CU_ASSERT_EQUAL(steer_owner(s, dr, &m, (w + 1) % 4), w);
	CU_ASSERT_EQUAL(steer_sync_owner(s, SVC_MODE_DR, m.src_ip, m.src_port, 0), w);
	CU_ASSERT_EQUAL(steer_sync_owner(s, SVC_MODE_NAT, m.src_ip, m.src_port, 0), w);
	CU_ASSERT_EQUAL(steer_sync_owner(s, SVC_MODE_FULLNAT, m.src_ip, m.src_port,
					 htons((uint16_t)(s->lport_min + 2 * s->lport_span))), 2);
	for (w = 0; w < 4; w++) {
		first = s->lport_min + w * s->lport_span;
		m = meta(full->backends[0].ip, full->backends[0].port,
			 inet_addr("198.18.1.2"), htons((uint16_t)first));
		ok += steer_owner(s, NULL, &m, (w + 1) % 4) == w;
		m.dst_port = htons((uint16_t)(first + s->lport_span - 1));
		ok += steer_owner(s, NULL, &m, (w + 2) % 4) == w;
	}
	CU_ASSERT_EQUAL(ok, 8);
	snap_free(s);
}

/* Packets to a local address that is not a service nor a FULLNAT local
 * address are handled where they arrived (no hand-off). */
static void
test_local_not_service(void)
{
	struct snapshot *s = snap_for(4);
	struct pkt_meta m = meta(inet_addr("198.18.0.2"), htons(5555),
				 inet_addr("198.18.0.10"), htons(22));

	CU_ASSERT_EQUAL(steer_owner(s, NULL, &m, 1), 1);
	m.dst_ip = inet_addr("198.18.0.1");
	CU_ASSERT_EQUAL(steer_owner(s, NULL, &m, 3), 3);
	snap_free(s);
}

static void
test_one_worker(void)
{
	struct snapshot *s = snap_for(1);
	struct pkt_meta m = meta(inet_addr("198.18.1.11"), htons(8080),
				 inet_addr("198.18.0.2"), htons(5555));

	CU_ASSERT_EQUAL(steer_owner(s, NULL, &m, 0), 0);
	snap_free(s);
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "nat request and reply agree", test_nat_symmetric },
		{ "nat owners spread evenly", test_nat_spread },
		{ "fullnat and dr ownership", test_fullnat_dr },
		{ "local, not a service: no hand-off", test_local_not_service },
		{ "one worker", test_one_worker },
	};

	return unit_add_suite("steer", NULL, NULL, tests, UNIT_DIM(tests));
}
