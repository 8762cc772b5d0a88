/*
 * Pipeline benchmark: the child's set-up, the appliance's own (config,
 * app_init, ports), neighbours published as the control lcore would, the
 * templates, and the established flows opened. See bench_pipeline.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "control/config.h"
#include "dataplane/conntrack.h"
#include "dataplane/neigh.h"

#include "bench_pipeline.h"

static char *
make_config(const struct opts *o, uint32_t capacity)
{
	size_t cap = 4096 + (size_t)o->backends * 192;
	char *s = malloc(cap);
	size_t n;
	uint32_t i;

	if (s == NULL)
		return NULL;
	n = (size_t)snprintf(s, cap,
		"workers: { burst = %d; };\n"
		"conntrack: { capacity = %u; };\n"
		"ports = (\n"
		"  { name = \"client\"; device = \"net_null0\";\n"
		"    addresses = [ \"198.18.0.1/24\" ]; gateway = \"198.18.0.254\"; },\n"
		"  { name = \"backend\"; device = \"net_null1\";\n"
		"    addresses = [ \"198.18.1.1/24\" ]; }\n"
		");\n"
		"services = ( { name = \"web\"; vip = \"198.18.0.10\"; port = %d;\n"
		"  protocol = \"tcp\"; scheduler = \"%s\"; forward = \"nat\";\n"
		"  backends = (\n",
		BURST, capacity, VIP_PORT, o->sched);
	for (i = 0; i < o->backends; i++)
		n += (size_t)snprintf(s + n, cap - n,
			"    { address = \"198.18.1.%u\"; port = %d; weight = 1; }%s\n",
			11 + i, BACKEND_PORT, i + 1 < o->backends ? "," : "");
	n += (size_t)snprintf(s + n, cap - n, "  ); }%s\n", o->udp ? "," : " );");
	if (o->udp) {
		n += (size_t)snprintf(s + n, cap - n,
			"  { name = \"dns\"; vip = \"198.18.0.10\"; port = %d; protocol = \"udp\";\n"
			"    scheduler = \"%s\"; forward = \"nat\"; backends = (\n",
			VIP_UDP_PORT, o->sched);
		for (i = 0; i < o->backends; i++)
			n += (size_t)snprintf(s + n, cap - n,
				"    { address = \"198.18.1.%u\"; port = %d; }%s\n", 11 + i,
				BACKEND_UDP_PORT, i + 1 < o->backends ? "," : "");
		n += (size_t)snprintf(s + n, cap - n, "  ); } );\n");
	}
	/* The workers' half only: no control lcore sends anything here. */
	if (o->sync)
		snprintf(s + n, cap - n,
			 "sync: { node_id = 1; key = \"00112233445566778899aabbccddeeff\";\n"
			 "  source = \"198.18.1.1\"; peers = [ \"198.18.1.2\" ]; };\n");
	return s;
}

static struct cfg *
load_config(const struct opts *o, uint32_t capacity)
{
	struct cfg_errors errs;
	struct cfg *c = NULL;
	char *text = make_config(o, capacity);

	if (text == NULL)
		return NULL;
	cfg_errors_init(&errs);
	cfg_load_string(text, "<bench>", &c, &errs);
	if (c == NULL)
		cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	free(text);
	return c;
}

static int
publish_neighbours(struct bench *b)
{
	struct neigh_entry e[MAX_BACKENDS + 1];
	uint32_t i;

	memset(e, 0, sizeof(e));
	e[0].ip = rte_cpu_to_be_32(IP_GW);
	e[0].port = 0;
	memcpy(e[0].mac.addr_bytes, "\x02\x00\x00\x00\xfe\x01", 6);
	for (i = 0; i < b->o->backends; i++) {
		e[i + 1].ip = b->bip[i];
		e[i + 1].port = 1;
		memcpy(e[i + 1].mac.addr_bytes, "\x02\x00\x00\x01\x00\x00", 6);
		e[i + 1].mac.addr_bytes[5] = (uint8_t)(11 + i);
	}
	b->app.neigh = neigh_table_build(e, b->o->backends + 1);
	return b->app.neigh != NULL ? 0 : -1;
}

/*
 * Open flows [0, n): SYN (port 0), then SYN-ACK (port 1) and ACK (port 0),
 * 32 flows at a time, reading each flow's backend from its entry.
 */
static int
open_flows(struct bench *b, uint32_t n)
{
	struct worker *w = b->w;
	struct rte_mbuf *pk[BURST];
	uint32_t i, k, cnt;

	b->be_of = malloc(n);
	if (b->be_of == NULL)
		return -1;
	for (i = 0; i < n; i += cnt) {
		cnt = RTE_MIN((uint32_t)BURST, n - i);
		worker_pass_begin(w);
		feed_alloc(b, 0, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_orig(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_syn,
				  est_client_ip(i + k), est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		worker_pass_end(w);
		for (k = 0; k < cnt; k++) {
			struct ct_tuple key = {
				.src_ip = est_client_ip(i + k), .dst_ip = rte_cpu_to_be_32(IP_VIP),
				.src_port = est_client_port(i + k),
				.dst_port = rte_cpu_to_be_16(VIP_PORT),
			};
			enum ct_dir dir;
			const struct ct_conn *c = ct_lookup(w->ct, IPPROTO_TCP, &key, &dir);

			if (c == NULL || c->backend_id >= b->o->backends) {
				fprintf(stderr, "bench: flow %u not created\n", i + k);
				bench_print_drops(w);
				return -1;
			}
			b->be_of[i + k] = (uint8_t)c->backend_id;
		}
		worker_pass_begin(w);
		feed_alloc(b, 1, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_reply(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_synack,
				   b->bip[b->be_of[i + k]], b->bport, est_client_ip(i + k),
				   est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		feed_alloc(b, 0, pk, (uint16_t)cnt);
		for (k = 0; k < cnt; k++)
			fill_orig(rte_pktmbuf_mtod(pk[k], uint8_t *), &b->t_ack,
				  est_client_ip(i + k), est_client_port(i + k));
		worker_process(w, pk, (uint16_t)cnt);
		worker_pass_end(w);
	}
	cnt = 0;
	for (k = 0; k < b->o->backends; k++)
		cnt += w->active[k];
	if (cnt != n || bench_drops_total(w) != 0) {
		fprintf(stderr, "bench: %u of %u flows ESTABLISHED, %" PRIu64 " drops\n",
			cnt, n, bench_drops_total(w));
		bench_print_drops(w);
		return -1;
	}
	b->n_flows = n;
	return 0;
}

/* A TCP segment with flags, or (proto UDP) a datagram, to dst:dport. */
static void
tmpl_init(struct pb_tmpl *t, const struct rte_ether_addr *dmac, uint8_t proto, uint32_t dst,
	  uint16_t dport, uint8_t flags)
{
	static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };
	struct pb_spec s;

	memset(&s, 0, sizeof(s));
	memcpy(s.dst_mac, dmac, 6);
	memcpy(s.src_mac, gw_mac, 6);
	s.ttl = 64;
	s.proto = proto;
	s.frag = 0x4000; /* DF */
	s.dst_ip = dst;
	s.dst_port = dport;
	if (proto == IPPROTO_UDP) {
		s.payload_len = FRAME_LEN - 14 - 20 - 8;
	} else {
		s.tcp_flags = flags;
		s.tcp_seq = 0x01020304;
		s.tcp_ack = flags & RTE_TCP_ACK_FLAG ? 0x0a0b0c0d : 0;
		s.eth_pad = FRAME_LEN - 14 - 20 - 20;
	}
	if (pb_tmpl_build(t, &s) != 0 || t->len != FRAME_LEN)
		rte_exit(EXIT_FAILURE, "bench: template not built\n");
}

static void
bench_templates(struct bench *b)
{
	const struct rte_ether_addr *m0 = &b->app.ports[0].mac, *m1 = &b->app.ports[1].mac;
	uint8_t f[64];
	uint32_t i;

	b->bport = rte_cpu_to_be_16(BACKEND_PORT);
	for (i = 0; i < b->o->backends; i++)
		b->bip[i] = rte_cpu_to_be_32(IP_BACKEND0 + i);
	tmpl_init(&b->t_syn, m0, IPPROTO_TCP, IP_VIP, VIP_PORT, RTE_TCP_SYN_FLAG);
	tmpl_init(&b->t_ack, m0, IPPROTO_TCP, IP_VIP, VIP_PORT, RTE_TCP_ACK_FLAG);
	tmpl_init(&b->t_synack, m1, IPPROTO_TCP, 0, 0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	tmpl_init(&b->t_rack, m1, IPPROTO_TCP, 0, 0, RTE_TCP_ACK_FLAG);
	if (b->o->udp)
		tmpl_init(&b->t_new, m0, IPPROTO_UDP, IP_VIP, VIP_UDP_PORT, 0);
	else
		b->t_new = b->t_syn;
	fill_orig(f, &b->t_ack, est_client_ip(12345), est_client_port(12345));
	if (!pb_csums_ok(f, FRAME_LEN))
		rte_exit(EXIT_FAILURE, "bench: template checksum (orig) wrong\n");
	fill_reply(f, &b->t_rack, b->bip[0], b->bport, est_client_ip(777), est_client_port(777));
	if (!pb_csums_ok(f, FRAME_LEN))
		rte_exit(EXIT_FAILURE, "bench: template checksum (reply) wrong\n");
}

/* Child: one configuration from EAL init to cleanup. */
int
bench_child_run(const struct opts *o, enum scenario sc, uint32_t conns, struct result *r,
	  const char *argv0)
{
	char lcore[16], mem[32], *argv[32];
	struct bench b;
	uint32_t capacity;
	size_t need;
	int argc = 0, rc = -1;
	char *extra = NULL, *tok, *save = NULL;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.sc = sc;
	b.rng = 0x9e3779b97f4a7c15ull ^ conns;
	switch (sc) {
	case SC_EST:
		capacity = conns;
		break;
	case SC_NEW:
		/* The base flows, plus one run of SYNs (or the warm-up), 1 % slack. */
		capacity = conns + (uint32_t)(o->new_per_run + o->new_per_run / 100 + BURST);
		break;
	case SC_MIX:
		/* 10 % of every run, warm-up included, stay in the table. */
		capacity = conns + (uint32_t)((o->pkts * (o->runs + 1) / 10) * 11 / 10 + 1024);
		break;
	default:
		capacity = 1024;
		break;
	}
	capacity = RTE_MAX(capacity, 1024u);
	r->sc = sc;
	r->conns = conns;
	r->capacity = sc == SC_MEM ? conns : capacity;
	r->runs = o->runs;
	need = ct_table_memsize(capacity) + (sc == SC_MEM ? ct_table_memsize(conns) : 0);
	snprintf(lcore, sizeof(lcore), "%u", o->lcore);
	snprintf(mem, sizeof(mem), "%zu", (need >> 20) + 256);
	argv[argc++] = (char *)argv0;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcore;
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	/* No files shared with other DPDK processes on the machine. */
	argv[argc++] = (char *)(o->huge ? "--in-memory" : "--no-shconf");
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=*:warning";
	if (!o->huge)
		argv[argc++] = (char *)"--no-huge";
	if (o->eal_extra != NULL) {
		extra = strdup(o->eal_extra);
		for (tok = strtok_r(extra, " ", &save); tok != NULL && argc < 31;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench: EAL init failed: %s%s\n", rte_strerror(rte_errno),
			o->huge ? " (hugepages: echo N > /proc/sys/vm/nr_hugepages)" : "");
		free(extra);
		return -1;
	}
	r->tsc_ghz = (double)rte_get_tsc_hz() / 1e9;
	b.app.cfg = load_config(o, capacity);
	if (b.app.cfg == NULL)
		goto out_eal;
	{
		unsigned int lc = rte_lcore_id();

		if (app_init(&b.app, b.app.cfg, 1, &lc) != 0 || app_start_ports(&b.app) != 0)
			goto out_app;
	}
	b.w = b.app.workers[0];
	b.port_id[0] = b.app.ports[0].port_id;
	b.port_id[1] = b.app.ports[1].port_id;
	b.pool[0] = b.app.ports[0].pool;
	b.pool[1] = b.app.ports[1].pool;
	b.ol_flags = o->sw_csum ? 0 : RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	b.new_thresh = sc == SC_MIX ? 13107 : 0; /* 0.2 * 65536 */
	bench_templates(&b);
	if (publish_neighbours(&b) != 0)
		goto out_app;

	if (sc == SC_MEM) {
		rc = bench_mem(&b, r, conns);
	} else {
		uint32_t flows = sc == SC_EST ? conns : o->base;
		uint64_t t0 = rte_rdtsc();

		if (flows > 0 && open_flows(&b, flows) != 0)
			goto out_neigh;
		fprintf(stderr, "bench: %s: %u flows opened in %.1f s\n", sc_names[sc], flows,
			(double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
		rc = bench_traffic(&b, r);
		/* Flows opened together come round the expiry wheel together
		 * 65.5 s later (CT_WHEEL_SPAN) and are re-armed in one burst. */
		if ((double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz() > 60)
			fprintf(stderr, "bench: warning: ran over 60 s after opening the flows;"
				" re-arming of their wheel slot may be in the figures\n");
	}
out_neigh:
	neigh_table_free(b.app.neigh);
	b.app.neigh = NULL;
	free(b.be_of);
out_app:
	app_fini(&b.app);
	cfg_free(b.app.cfg);
out_eal:
	rte_eal_cleanup();
	free(extra);
	r->ok = rc == 0;
	return rc;
}
