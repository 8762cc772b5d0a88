/*
 * Command line of the end-to-end traffic generator. See gen_opts.h.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "gen_opts.h"

void
gen_opts_usage(FILE *f)
{
	fprintf(f,
		"usage: gen [EAL options] -- [options]\n"
		"  --port-a NAME        client-side ethdev (net_memif0)\n"
		"  --port-b NAME        backend-side ethdev (net_memif1)\n"
		"  --rxq N              RX queues polled per port = the DUT's TX queues (2)\n"
		"  --vip ADDR           destination address (198.18.0.10)\n"
		"  --dport N            destination port (5353)\n"
		"  --proto udp|tcp      udp (default), or tcp: SYNs in warm-up, ACKs measured\n"
		"  --src ADDR/LEN       client addresses (198.19.0.0/16)\n"
		"  --flows N            distinct flows (1024)\n"
		"  --ports-per-addr N   source ports per client address (1000)\n"
		"  --size N             frame size with FCS, 64..1518 (64)\n"
		"  --duration S         measured seconds (10)\n"
		"  --warmup S           minimum warm-up seconds (2)\n"
		"  --timeout S          deadline for links, ARP and first packets (30)\n"
		"  --arp-a LIST         addresses/prefixes answered by ARP on A (198.18.0.254)\n"
		"  --arp-b LIST         addresses/prefixes answered by ARP on B (198.18.1.0/24)\n"
		"  --no-resolve         do not ARP for the VIP; send to --dst-mac\n"
		"  --dst-mac MAC        destination MAC with --no-resolve (02:00:00:00:00:02)\n"
		"  --progress           print rates every second while measuring\n"
		"  --hold               after the report, keep the ports up until SIGINT/SIGTERM\n"
		"                       (the DUT then shuts down with its peer still there)\n"
		"  --ignore-arp-b N     leave the first N ARP requests for --arp-b unanswered\n"
		"                       (a lost request: tests the DUT's retries) (0)\n"
		"  --rx-delay MS        poll no RX queue until MS ms after the links are up:\n"
		"                       a memif client hands the DUT no TX room meanwhile (0)\n");
}

static int
parse_addr_list(struct gen_addrset *set, const char *text)
{
	char buf[512], *tok, *save = NULL;

	if (strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	memset(set, 0, sizeof(*set));
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		if (gen_addrset_add(set, tok) != 0)
			return -1;
	return set->n > 0 ? 0 : -1;
}

static int
parse_prefix(const char *text, uint32_t *base_host, uint32_t *count)
{
	struct gen_addrset s;
	uint32_t mask;

	memset(&s, 0, sizeof(s));
	if (gen_addrset_add(&s, text) != 0)
		return -1;
	mask = rte_be_to_cpu_32(s.mask[0]);
	*base_host = rte_be_to_cpu_32(s.net[0]);
	*count = mask == 0 ? UINT32_MAX : ~mask + 1;
	return 0;
}

static int
parse_num(const char *text, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(text, &end);

	if (*end != '\0' || end == text || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void
set_defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->name[GEN_PA] = "net_memif0";
	o->name[GEN_PB] = "net_memif1";
	o->rxq = 2;
	inet_pton(AF_INET, "198.18.0.10", &o->vip);
	o->dport = 5353;
	o->proto = IPPROTO_UDP;
	parse_prefix("198.19.0.0/16", &o->src_base, &o->src_count);
	o->flows = 1024;
	o->ports_per_addr = 1000;
	o->frame_len = 64;
	o->duration = 10;
	o->warmup = 2;
	o->timeout = 30;
	parse_addr_list(&o->arp[GEN_PA], "198.18.0.254");
	parse_addr_list(&o->arp[GEN_PB], "198.18.1.0/24");
	o->resolve = 1;
	rte_ether_unformat_addr("02:00:00:00:00:02", &o->dst_mac);
}

/* One option's value into o; 0, or -1 if the value is bad. */
static int
set_opt(struct gen_opts *o, int opt, const char *arg)
{
	struct in_addr a;
	double v = 0;
	int bad = 0;

	switch (opt) {
	case 'A': o->name[GEN_PA] = arg; break;
	case 'B': o->name[GEN_PB] = arg; break;
	case 'q': bad = parse_num(arg, 1, GEN_MAX_RXQ, &v); o->rxq = (uint16_t)v; break;
	case 'v': bad = inet_pton(AF_INET, arg, &a) != 1; o->vip = a.s_addr; break;
	case 'p': bad = parse_num(arg, 1, 65535, &v); o->dport = (uint16_t)v; break;
	case 'P':
		bad = strcmp(arg, "udp") != 0 && strcmp(arg, "tcp") != 0;
		o->proto = strcmp(arg, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
		break;
	case 's': bad = parse_prefix(arg, &o->src_base, &o->src_count); break;
	case 'f': bad = parse_num(arg, 1, 1 << 28, &v); o->flows = (uint32_t)v; break;
	case 'I': bad = parse_num(arg, 0, 1000, &v); o->ignore_arp_b = (uint32_t)v; break;
	case 'D': bad = parse_num(arg, 0, 10000, &v); o->rx_delay_ms = (uint32_t)v; break;
	case 'n': bad = parse_num(arg, 1, 64512, &v); o->ports_per_addr = (uint32_t)v; break;
	case 'S': bad = parse_num(arg, 64, 1518, &v); o->frame_len = (uint16_t)v; break;
	case 'd': bad = parse_num(arg, 0.1, 3600, &o->duration); break;
	case 'w': bad = parse_num(arg, 0, 3600, &o->warmup); break;
	case 't': bad = parse_num(arg, 1, 3600, &o->timeout); break;
	case 'a': bad = parse_addr_list(&o->arp[GEN_PA], arg); break;
	case 'b': bad = parse_addr_list(&o->arp[GEN_PB], arg); break;
	case 'm': bad = rte_ether_unformat_addr(arg, &o->dst_mac) != 0; break;
	default: bad = 1; break;
	}
	return bad ? -1 : 0;
}

int
gen_opts_parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longs[] = {
		{ "port-a", 1, 0, 'A' }, { "port-b", 1, 0, 'B' }, { "rxq", 1, 0, 'q' },
		{ "vip", 1, 0, 'v' }, { "dport", 1, 0, 'p' }, { "proto", 1, 0, 'P' },
		{ "src", 1, 0, 's' }, { "flows", 1, 0, 'f' }, { "ports-per-addr", 1, 0, 'n' },
		{ "size", 1, 0, 'S' }, { "duration", 1, 0, 'd' }, { "warmup", 1, 0, 'w' },
		{ "timeout", 1, 0, 't' }, { "arp-a", 1, 0, 'a' }, { "arp-b", 1, 0, 'b' },
		{ "no-resolve", 0, 0, 'R' }, { "dst-mac", 1, 0, 'm' },
		{ "progress", 0, 0, 'g' }, { "hold", 0, 0, 'H' }, { "help", 0, 0, 'h' },
		{ "ignore-arp-b", 1, 0, 'I' }, { "rx-delay", 1, 0, 'D' },
		{ 0, 0, 0, 0 }
	};
	int opt, li = 0;
	uint64_t addrs;

	set_defaults(o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longs, &li)) != -1) {
		switch (opt) {
		case 'R':
			o->resolve = 0;
			continue;
		case 'g':
			o->progress = 1;
			continue;
		case 'H':
			o->hold = 1;
			continue;
		case 'h':
			gen_opts_usage(stdout);
			exit(0);
		case '?':
			gen_opts_usage(stderr);
			return -1;
		default:
			break;
		}
		if (set_opt(o, opt, optarg) != 0) {
			fprintf(stderr, "gen: bad value for --%s: '%s'\n", longs[li].name, optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gen: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	addrs = ((uint64_t)o->flows + o->ports_per_addr - 1) / o->ports_per_addr;
	if (addrs > o->src_count) {
		fprintf(stderr, "gen: %u flows at %u ports per address need %" PRIu64
			" addresses; --src has %u\n", o->flows, o->ports_per_addr, addrs,
			o->src_count);
		return -1;
	}
	return 0;
}
