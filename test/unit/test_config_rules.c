/*
 * Config loader tests: keys, types, ranges, addresses and the validation
 * rules of ports and services, limits, stats. Fixtures in test_config.c.
 */
#include "test_config.h"
#include "unit.h"

/* ---- errors: one test per rule -------------------------------------------- */

void
test_unknown_keys(void)
{
	EXPECT_ONE("prots = ();\n" PORTS, "t.conf:1: unknown key \"prots\"");
	EXPECT_ONE("workers: { bursts = 32; };\n" PORTS,
		   "t.conf:1: unknown key \"workers.bursts\"");
	EXPECT_ONE("conntrack: { timeouts: { tcp = 1; }; };\n" PORTS,
		   "t.conf:1: unknown key \"conntrack.timeouts.tcp\"");
	EXPECT_ONE("fullnat: { min = 2000; };\n" PORTS,
		   "t.conf:1: unknown key \"fullnat.min\"");
	EXPECT_ONE("scheduler: { interval = 5; };\n" PORTS,
		   "t.conf:1: unknown key \"scheduler.interval\"");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "  mut = 1500; } );\n",
		   "t.conf:2: unknown key \"ports[0].mut\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    protocl = \"udp\"; }\n"),
		   "t.conf:7: unknown key \"services[0].protocl\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.11\"; wieght = 2; } ); }\n"),
		   "t.conf:7: unknown key \"services[0].backends[0].wieght\"");
}

void
test_wrong_types(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = \"80\"; }\n"),
		   "t.conf:6: services[0].port: expected an integer, not a string");
	EXPECT_ONE("workers: { burst = 32.0; };\n" PORTS,
		   "t.conf:1: workers.burst: expected an integer, not a float");
	EXPECT_ONE("workers: { burst = true; };\n" PORTS,
		   "t.conf:1: workers.burst: expected an integer, not a boolean");
	EXPECT_ONE("conntrack = ( 1 );\n" PORTS,
		   "t.conf:1: conntrack: expected a group { }, not a list ( )");
	EXPECT_ONE("ports = { };\n",
		   "t.conf:1: ports: expected a list ( ) or an array [ ], not a group { }");
	EXPECT_ONE(PORTS "services = ( \"web\" );\n",
		   "t.conf:5: services[0]: expected a group { }, not a string");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = \"198.18.0.1/24\"; } );\n",
		   "t.conf:1: ports[0].addresses: expected a list ( ) or an array [ ], not a string");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ 1 ]; } );\n",
		   "t.conf:1: ports[0].addresses[0]: expected a string, not an integer");
	EXPECT_ONE("ports = ( { name = 7; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: expected a string, not an integer");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( \"198.18.1.11\" ); }\n"),
		   "t.conf:7: services[0].backends[0]: expected a group { }, not a string");
	/* Lists and arrays both serve as sequences. */
	EXPECT_OK("ports = ( { name = \"p\"; device = \"d\"; addresses = ( \"198.18.0.1/24\" ); } );\n"
		  "services = [ ];\n");
}

void
test_ranges_globals(void)
{
	EXPECT_ONE("workers: { burst = 0; };\n" PORTS,
		   "t.conf:1: workers.burst: 0 out of range 1..256");
	EXPECT_ONE("workers: { burst = 257; };\n" PORTS,
		   "t.conf:1: workers.burst: 257 out of range 1..256");
	EXPECT_ONE("workers: { idle_sleep_us = 100001; };\n" PORTS,
		   "t.conf:1: workers.idle_sleep_us: 100001 out of range 0..100000");
	EXPECT_ONE("workers: { idle_sleep_us = -1; };\n" PORTS,
		   "t.conf:1: workers.idle_sleep_us: -1 out of range 0..100000");
	EXPECT_ONE("workers: { mbufs_per_port = 16777217; };\n" PORTS,
		   "t.conf:1: workers.mbufs_per_port: 16777217 out of range 0..16777216");
	EXPECT_ONE("conntrack: { capacity = 1023; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 1023 out of range 1024..268435456");
	EXPECT_ONE("conntrack: { capacity = 268435457; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 268435457 out of range 1024..268435456");
	EXPECT_ONE("conntrack: { expire_budget = 0; };\n" PORTS,
		   "t.conf:1: conntrack.expire_budget: 0 out of range 1..65536");
	EXPECT_ONE("conntrack: { timeouts: { established = 0; }; };\n" PORTS,
		   "t.conf:1: conntrack.timeouts.established: 0 out of range 1..2000000");
	EXPECT_ONE("conntrack: { timeouts: { udp = 2000001; }; };\n" PORTS,
		   "t.conf:1: conntrack.timeouts.udp: 2000001 out of range 1..2000000");
	EXPECT_ONE("scheduler: { load_interval_ms = 9; };\n" PORTS,
		   "t.conf:1: scheduler.load_interval_ms: 9 out of range 10..10000");
	EXPECT_ONE("fullnat: { port_min = 1023; };\n" PORTS,
		   "t.conf:1: fullnat.port_min: 1023 out of range 1024..65535");
	EXPECT_ONE("fullnat: { port_max = 65536; };\n" PORTS,
		   "t.conf:1: fullnat.port_max: 65536 out of range 1024..65535");
	EXPECT_ONE("fullnat: {\n  port_min = 3000;\n  port_max = 3000;\n};\n" PORTS,
		   "t.conf:2: fullnat.port_min: port_min 3000 must be below port_max 3000");
	EXPECT_ONE("fullnat: { port_max = 1024; };\n" PORTS,
		   "t.conf:1: fullnat.port_max: port_min 1024 must be below port_max 1024");
	/* 64-bit literals (L suffix) are read whole and range-checked. */
	EXPECT_ONE("conntrack: { capacity = 4294968320L; };\n" PORTS,
		   "t.conf:1: conntrack.capacity: 4294968320 out of range 1024..268435456");
}

/* libconfig 1.5 would read 4294968320 as 1024 and accept it. */
void
test_wrapped_integers(void)
{
	EXPECT_ONE("conntrack: {\n  capacity = 4294968320;\n};\n" PORTS,
		   "t.conf:2: integer 4294968320 is outside the 32-bit signed range");
	EXPECT_ONE("workers: { burst = -2147483649; };\n" PORTS,
		   "t.conf:1: integer -2147483649 is outside the 32-bit signed range");
	EXPECT_ONE("workers: { burst = 0x100000020; };\n" PORTS,
		   "t.conf:1: integer 0x100000020 is outside the 32-bit signed range");
	/* Digits in strings and comments are not integers. */
	EXPECT_OK("# 99999999999\n/* 99999999999 */ // 99999999999\n"
		  "ports = ( { name = \"p99999999999\"; device = \"x,a=99999999999\";\n"
		  "  addresses = [ \"198.18.0.1/24\" ]; } );\n");
}

void
test_ranges_ports(void)
{
#define PORT1(extra) "ports = ( { name = \"p\"; device = \"d\"; " \
	"addresses = [ \"198.18.0.1/24\" ];\n  " extra " } );\n"
	EXPECT_ONE(PORT1("mtu = 67;"),
		   "t.conf:2: ports[0].mtu: 67 out of range 68..9000 (or 0: port default)");
	EXPECT_ONE(PORT1("mtu = 9001;"),
		   "t.conf:2: ports[0].mtu: 9001 out of range 68..9000 (or 0: port default)");
	EXPECT_ONE(PORT1("mtu = -1;"),
		   "t.conf:2: ports[0].mtu: -1 out of range 68..9000 (or 0: port default)");
	EXPECT_OK(PORT1("mtu = 0;"));
	EXPECT_ONE(PORT1("vlan = 4095;"),
		   "t.conf:2: ports[0].vlan: 4095 out of range 1..4094 (or 0: untagged)");
	EXPECT_ONE(PORT1("vlan = -1;"),
		   "t.conf:2: ports[0].vlan: -1 out of range 1..4094 (or 0: untagged)");
	EXPECT_ONE(PORT1("vlan = \"100\";"),
		   "t.conf:2: ports[0].vlan: expected an integer, not a string");
	EXPECT_OK(PORT1("vlan = 0;"));
	EXPECT_OK(PORT1("vlan = 1;"));
	EXPECT_OK(PORT1("vlan = 4094;"));
	EXPECT_ONE(PORT1("rx_desc = 32;"),
		   "t.conf:2: ports[0].rx_desc: 32 out of range 64..16384");
	EXPECT_ONE(PORT1("tx_desc = 32768;"),
		   "t.conf:2: ports[0].tx_desc: 32768 out of range 64..16384");
	EXPECT_ONE(PORT1("rx_desc = 1000;"),
		   "t.conf:2: ports[0].rx_desc: 1000 is not a power of two");
	EXPECT_ONE(PORT1("tx_desc = 1536;"),
		   "t.conf:2: ports[0].tx_desc: 1536 is not a power of two");
	EXPECT_ONE(PORT1("name = \"q\";"), "t.conf:2: duplicate setting name");
#undef PORT1
}

void
test_ranges_services(void)
{
#define SVC1(extra) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n    " \
			 extra " }\n")
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 0; }\n"),
		   "t.conf:6: services[0].port: 0 out of range 1..65535");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 65536; }\n"),
		   "t.conf:6: services[0].port: 65536 out of range 1..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; port = 0; } );"),
		   "t.conf:7: services[0].backends[0].port: 0 out of range 1..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; weight = 65536; } );"),
		   "t.conf:7: services[0].backends[0].weight: 65536 out of range 0..65535");
	EXPECT_ONE(SVC1("backends = ( { address = \"198.18.1.11\"; weight = -1; } );"),
		   "t.conf:7: services[0].backends[0].weight: -1 out of range 0..65535");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 250;"),
		   "t.conf:7: services[0].mh_table_size: 250 out of range 251..1048573");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 1048583;"),
		   "t.conf:7: services[0].mh_table_size: 1048583 out of range 251..1048573");
	EXPECT_ONE(SVC1("scheduler = \"mh\"; mh_table_size = 65536;"),
		   "t.conf:7: services[0].mh_table_size: 65536 is not a prime");
	EXPECT_OK(SVC1("scheduler = \"mh\"; mh_table_size = 1048573;"));
	CU_ASSERT_EQUAL(g_cfg ? g_cfg->services[0].mh_size : 0, 1048573);
	/* Only meaningful for mh, but still checked: a typo here is a typo. */
	EXPECT_OK(SVC1("scheduler = \"rr\"; mh_table_size = 251;"));
	EXPECT_ONE(SVC1("scheduler = \"fifo\";"),
		   "t.conf:7: services[0].scheduler: unknown scheduler \"fifo\" "
		   "(one of: wlc, rr, wrr, lc, sh, mh)");
	EXPECT_ONE(SVC1("protocol = \"sctp\";"),
		   "t.conf:7: services[0].protocol: unknown protocol \"sctp\" (one of: tcp, udp)");
	EXPECT_ONE(SVC1("forward = \"tun\";"),
		   "t.conf:7: services[0].forward: unknown forwarding mode \"tun\" "
		   "(one of: nat, fullnat, dr)");
	EXPECT_ONE(SVC1("forward = \"NAT\";"),
		   "t.conf:7: services[0].forward: unknown forwarding mode \"NAT\" "
		   "(one of: nat, fullnat, dr)");
#undef SVC1
}

void
test_bad_addresses(void)
{
#define PADDR(a) "ports = ( { name = \"p\"; device = \"d\";\n  addresses = [ " a " ]; } );\n"
	EXPECT_ONE(PADDR("\"198.18.0.1\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.1/33\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1/33\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.1/0\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.1/0\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.256/24\""),
		   "t.conf:2: ports[0].addresses[0]: \"198.18.0.256/24\" is not an IPv4 address/prefix (1..32)");
	EXPECT_ONE(PADDR("\"198.18.0.0/24\""),
		   "t.conf:2: ports[0].addresses[0]: 198.18.0.0/24 is the network address of its subnet, not a host");
	EXPECT_ONE(PADDR("\"198.18.0.255/24\""),
		   "t.conf:2: ports[0].addresses[0]: 198.18.0.255/24 is the broadcast address of its subnet, not a host");
	EXPECT_ONE(PADDR("\"127.0.0.1/8\""),
		   "t.conf:2: ports[0].addresses[0]: 127.0.0.1/8 is not a unicast host address");
	/* A /31 (RFC 3021) and a /32 have no network or broadcast address. */
	EXPECT_OK(PADDR("\"198.18.0.0/31\", \"198.18.5.255/32\""));
	/* Each element is checked: the bad one is named, the others kept. */
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\";\n  addresses = [ \"198.18.0.1/24\",\n"
		   "    \"198.18.1.1/2x\" ]; } );\n",
		   "t.conf:3: ports[0].addresses[1]: \"198.18.1.1/2x\" is not an IPv4 address/prefix (1..32)");
#undef PADDR
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10/32\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: \"198.18.0.10/32\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.018.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: \"198.018.0.10\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"224.0.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: 224.0.0.10 is not a unicast host address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"backend-1\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: \"backend-1\" is not an IPv4 address");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"0.0.0.0\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: 0.0.0.0 is not a unicast host address");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "  gateway = \"198.18.0.254/24\"; } );\n",
		   "t.conf:2: ports[0].gateway: \"198.18.0.254/24\" is not an IPv4 address");
}

void
test_required_keys(void)
{
	EXPECT_ONE("", "t.conf: missing required key \"ports\"");
	EXPECT_ONE("workers: { };\n", "t.conf: missing required key \"ports\"");
	EXPECT_ONE("ports = (\n  { device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"name\"");
	EXPECT_ONE("ports = (\n  { name = \"p\"; addresses = [ \"198.18.0.1/24\" ]; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"device\"");
	EXPECT_ONE("ports = (\n  { name = \"p\"; device = \"d\"; }\n);\n",
		   "t.conf:2: ports[0]: missing required key \"addresses\"");
	EXPECT_ONE(SVCS("  { vip = \"198.18.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0]: missing required key \"name\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; port = 80; }\n"),
		   "t.conf:6: services[0]: missing required key \"vip\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; }\n"),
		   "t.conf:6: services[0]: missing required key \"port\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { port = 80; } ); }\n"),
		   "t.conf:7: services[0].backends[0]: missing required key \"address\"");
}

void
test_names(void)
{
	EXPECT_ONE("ports = ( { name = \"cli ent\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"cli ent\": only letters, digits, '_' and '-' are allowed");
	EXPECT_ONE("ports = ( { name = \"\"; device = \"d\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"\" must be 1..31 characters");
	EXPECT_ONE("ports = ( { name = \"abcdefghijklmnopqrstuvwxyz012345\"; device = \"d\";\n"
		   "  addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].name: \"abcdefghijklmnopqrstuvwxyz012345\" must be 1..31 characters");
	EXPECT_OK("ports = ( { name = \"abcdefghijklmnopqrstuvwxyz01234\"; device = \"d\";\n"
		  "  addresses = [ \"198.18.0.1/24\" ]; } );\n");
	EXPECT_ONE(SVCS("  { name = \"web/1\"; vip = \"198.18.0.10\"; port = 80; }\n"),
		   "t.conf:6: services[0].name: \"web/1\": only letters, digits, '_' and '-' are allowed");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"net_null0, iface=x\";\n"
		   "  addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].device: \"net_null0, iface=x\" contains a space or control character");
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"\"; addresses = [ \"198.18.0.1/24\" ]; } );\n",
		   "t.conf:1: ports[0].device: must be 1..255 characters");
}

void
test_port_count(void)
{
	char text[4096];
	size_t used;
	int i;

	EXPECT_ONE("ports = ( );\n", "t.conf:1: ports: 0 ports, expected 1..8");
	used = (size_t)snprintf(text, sizeof(text), "ports = (\n");
	for (i = 0; i < 9; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
			"  { name = \"p%d\"; device = \"net_null%d\"; addresses = [ \"198.18.%d.1/24\" ];%s }%s\n",
			i, i, i, i == 8 ? " mtu = 1;" : "", i < 8 ? "," : "");
	snprintf(text + used, sizeof(text) - used, ");\n");
	/* The ninth port is reported, and still checked. */
	CU_ASSERT_EQUAL(load(text), 2);
	CU_ASSERT(has_msg("t.conf:1: ports: 9 ports, expected 1..8"));
	CU_ASSERT(has_msg("t.conf:10: ports[8].mtu: 1 out of range 68..9000 (or 0: port default)"));
	EXPECT_ONE("ports = ( { name = \"p\"; device = \"d\"; addresses = [ ]; } );\n",
		   "t.conf:1: ports[0].addresses: 0 addresses, expected 1..16");
	used = (size_t)snprintf(text, sizeof(text),
				"ports = ( { name = \"p\"; device = \"d\"; addresses = [\n");
	for (i = 0; i < 17; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "  \"198.18.%d.1/24\"%s\n", i, i < 16 ? "," : "");
	snprintf(text + used, sizeof(text) - used, "]; } );\n");
	EXPECT_ONE(text, "t.conf:1: ports[0].addresses: 17 addresses, expected 1..16");
}

void
test_port_duplicates(void)
{
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"a\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:3: ports[1].name: duplicate port name \"a\" (first at line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"0000:3b:00.0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\"; device = \"0000:3b:00.0\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:3: ports[1].device: device \"0000:3b:00.0\" is already port \"a\" (line 2)");
	/* One vdev name is one device, whatever its arguments. */
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_af_packet0,iface=x\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\";\n    device = \"net_af_packet0,iface=y\"; addresses = [ \"198.18.1.1/24\" ]; }\n);\n",
		   "t.conf:4: ports[1].device: device \"net_af_packet0\" is already port \"a\" (line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
		   "  { name = \"b\"; device = \"net_null1\";\n"
		   "    addresses = [ \"198.18.1.1/24\", \"198.18.0.1/16\" ]; }\n);\n",
		   "t.conf:4: ports[1].addresses[1]: address 198.18.0.1 is already on port \"a\" (line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\";\n"
		   "    addresses = [ \"198.18.0.1/24\", \"198.18.0.1/25\" ]; }\n);\n",
		   "t.conf:3: ports[0].addresses[1]: address 198.18.0.1 listed twice");
}

void
test_gateway(void)
{
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.1.254\"; }\n);\n",
		   "t.conf:3: ports[0].gateway: 198.18.1.254 is not inside any subnet of port \"a\"");
	EXPECT_OK("ports = (\n"
		  "  { name = \"a\"; device = \"net_null0\";\n"
		  "    addresses = [ \"198.18.0.1/24\", \"198.19.0.1/24\" ]; gateway = \"198.19.0.254\"; }\n);\n");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.254\"; },\n"
		   "  { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.18.1.1/24\" ];\n"
		   "    gateway = \"198.18.1.254\"; }\n);\n",
		   "t.conf:5: ports[1].gateway: only one port may have a gateway (port \"a\" has one, line 2)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.1\"; }\n);\n",
		   "t.conf:3: ports[0].gateway: 198.18.0.1 is an address of this appliance");
}

void
test_service_duplicates(void)
{
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"web2\"; vip = \"198.18.0.10\"; port = 80; protocol = \"tcp\"; }\n"),
		   "t.conf:7: services[1]: duplicate service 198.18.0.10:80/tcp (\"web\", line 6)");
	/* Same address and port, other protocol: a different service. */
	EXPECT_OK(SVCS(WEB_AND "  { name = \"web2\"; vip = \"198.18.0.10\"; port = 80; protocol = \"udp\"; }\n"));
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"web\"; vip = \"198.18.0.10\"; port = 81; }\n"),
		   "t.conf:7: services[1].name: duplicate service name \"web\" (first at line 6)");
}

void
test_vip_conflicts(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.1\"; port = 80; }\n"),
		   "t.conf:6: services[0].vip: 198.18.0.1 is an address of port \"client\"");
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"x\";\n    vip = \"198.18.1.11\"; port = 80; }\n"),
		   "t.conf:8: services[1].vip: 198.18.1.11 is a backend of service \"web\" (line 6)");
	/* A backend of a later service counts as well. */
	EXPECT_ONE(SVCS("  { name = \"x\"; vip = \"198.18.1.12\"; port = 80; },\n"
			"  { name = \"y\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.12\"; } ); }\n"),
		   "t.conf:6: services[0].vip: 198.18.1.12 is a backend of service \"y\" (line 8)");
	EXPECT_ONE("ports = (\n"
		   "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ];\n"
		   "    gateway = \"198.18.0.254\"; }\n);\n"
		   "services = ( { name = \"web\"; vip = \"198.18.0.254\"; port = 80; } );\n",
		   "t.conf:5: services[0].vip: 198.18.0.254 is the gateway of port \"a\"");
}

void
test_backend_rules(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
			"    { address = \"198.18.1.11\"; },\n"
			"    { address = \"198.18.1.12\"; },\n"
			"    { address = \"198.18.1.11\"; port = 80; } ); }\n"),
		   "t.conf:9: services[0].backends[2]: duplicate backend 198.18.1.11:80 (first at line 7)");
	/* Same address, other port: two backends (two server processes). */
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
		       "    { address = \"198.18.1.11\"; }, { address = \"198.18.1.11\"; port = 81; } ); }\n"));
	/* One backend may serve several services. */
	EXPECT_OK(SVCS(WEB_AND "  { name = \"b\"; vip = \"198.18.0.11\"; port = 80;\n"
		       "    backends = ( { address = \"198.18.1.11\"; } ); }\n"));
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    backends = ( { address = \"198.18.1.1\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: 198.18.1.1 is an address of port \"backend\", not a backend");
}

void
test_dr_rules(void)
{
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.1.11\";\n"
			"                   port = 8080; } ); }\n"),
		   "t.conf:8: services[0].backends[0].port: forward = \"dr\" cannot change the port: "
		   "8080 must equal the service port 80");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.5.11\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].address: forward = \"dr\" needs backends on a "
		   "connected subnet: 198.18.5.11 is not inside any port subnet");
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
		       "    backends = ( { address = \"198.18.1.11\"; port = 80; },\n"
		       "                 { address = \"198.18.0.12\"; } ); }\n"));
	/* NAT may reach backends through the gateway and change the port. */
	EXPECT_OK(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
		       "    backends = ( { address = \"198.18.5.11\"; port = 8080; } ); }\n"));
}

void
test_fullnat_rules(void)
{
#define FN(laddrs) SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n" \
			"    local_addresses = [ " laddrs " ];\n" \
			"    backends = ( { address = \"198.18.1.11\"; } ); },\n" \
			"  { name = \"b\"; vip = \"198.18.1.10\"; port = 80; }\n")
	EXPECT_OK(FN("\"198.18.1.2\", \"198.18.0.2\""));
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\"; }\n"),
		   "t.conf:6: services[0]: forward = \"fullnat\" needs \"local_addresses\"");
	EXPECT_ONE(FN(""), "t.conf:7: services[0].local_addresses: 0 local addresses, expected 1..64");
	EXPECT_ONE(FN("\"198.18.5.2\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.5.2 is not inside any port subnet");
	EXPECT_ONE(FN("\"198.18.1.1\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.1 is an address of port \"backend\"");
	EXPECT_ONE(FN("\"198.18.1.10\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.10 is the VIP of service \"b\" (line 9)");
	EXPECT_ONE(FN("\"198.18.1.11\""),
		   "t.conf:7: services[0].local_addresses[0]: 198.18.1.11 is a backend of service \"web\" (line 8)");
	EXPECT_ONE(FN("\"198.18.1.2\", \"198.18.1.3\", \"198.18.1.2\""),
		   "t.conf:7: services[0].local_addresses[2]: 198.18.1.2 listed twice");
	EXPECT_ONE(FN("\"198.18.1.2/32\""),
		   "t.conf:7: services[0].local_addresses[0]: \"198.18.1.2/32\" is not an IPv4 address");
#undef FN
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80;\n"
			"    local_addresses = [ \"198.18.1.2\" ]; }\n"),
		   "t.conf:7: services[0].local_addresses: only valid with forward = \"fullnat\"");
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    local_addresses = [ \"198.18.1.2\" ]; }\n"),
		   "t.conf:7: services[0].local_addresses: only valid with forward = \"fullnat\"");
}

void
test_fullnat_laddr_count(void)
{
	char text[8192];
	size_t used;
	int i;

	used = (size_t)snprintf(text, sizeof(text), "%s",
		SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"fullnat\";\n"
		     "    local_addresses = [\n"));
	/* SVCS closed the list; reopen by trimming its tail ");\n". */
	used -= 3;
	for (i = 0; i < 65; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "\"198.18.1.%d\"%s", 100 + i, i < 64 ? ", " : "");
	snprintf(text + used, sizeof(text) - used, " ]; }\n);\n");
	EXPECT_ONE(text, "t.conf:7: services[0].local_addresses: 65 local addresses, expected 1..64");
}

/* Text with `n_svc` services of `n_be` backends each; `opts` go on line 6. */
static char *
big_config(uint32_t n_svc, uint32_t n_be, const char *opts)
{
	char *buf = NULL;
	size_t len = 0;
	uint32_t i, j;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("ports = (\n"
	      "  { name = \"a\"; device = \"net_null0\"; addresses = [ \"198.18.0.1/24\" ]; },\n"
	      "  { name = \"b\"; device = \"net_null1\"; addresses = [ \"198.19.0.1/16\" ]; }\n"
	      ");\n"
	      "services = (\n", f);
	for (i = 0; i < n_svc; i++) {
		fprintf(f, "  { name = \"s%u\"; vip = \"198.18.0.%u\"; port = %u; %s\n"
			"    backends = (\n",
			i, 10 + i % 200, 1 + i, opts);
		for (j = 0; j < n_be; j++)
			fprintf(f, "      { address = \"198.19.%u.%u\"; }%s\n",
				j / 200, 2 + j % 200, j + 1 < n_be ? "," : "");
		fprintf(f, "    ); }%s\n", i + 1 < n_svc ? "," : "");
	}
	fputs(");\n", f);
	fclose(f);
	return buf;
}

void
test_limits(void)
{
	char *text;

	/* 1000 services are fine, 1001 are not. */
	text = big_config(1000, 0, "");
	EXPECT_OK(text);
	free(text);
	text = big_config(1001, 0, "");
	EXPECT_ONE(text, "t.conf:5: services: 1001 services, at most 1000");
	free(text);

	/* 10000 backends in all are fine; one more is reported once. */
	text = big_config(2, 5000, "");
	EXPECT_OK(text);
	CU_ASSERT_EQUAL(g_cfg ? g_cfg->n_backends_total : 0, 10000);
	free(text);
	text = big_config(3, 5000, "");
	EXPECT_ONE(text, "t.conf:10013: services[2].backends: 15000 backends in all services so far, "
		   "at most 10000");
	free(text);

	/* Maglev needs more table slots than backends. */
	text = big_config(1, 250, "scheduler = \"mh\"; mh_table_size = 251;");
	EXPECT_OK(text);
	free(text);
	text = big_config(1, 251, "scheduler = \"mh\"; mh_table_size = 251;");
	EXPECT_ONE(text, "t.conf:6: services[0].mh_table_size: mh table size 251 must exceed "
		   "the number of backends (251)");
	free(text);
	/* Other schedulers have no table. */
	text = big_config(1, 251, "scheduler = \"wrr\"; mh_table_size = 251;");
	EXPECT_OK(text);
	free(text);
}

void
test_errors_do_not_cascade(void)
{
	/* A bad VIP is reported once, not again as a conflict or duplicate. */
	EXPECT_ONE(SVCS(WEB_AND "  { name = \"x\"; vip = \"bad\"; port = 80; }\n"),
		   "t.conf:7: services[1].vip: \"bad\" is not an IPv4 address");
	/* Two bad backends are not "duplicates" of each other. */
	CU_ASSERT_EQUAL(load(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; backends = (\n"
				  "    { address = \"x\"; }, { address = \"x\"; } ); }\n")), 2);
	/* An ill-typed port leaves no default behind for the dr port rule. */
	EXPECT_ONE(SVCS("  { name = \"web\"; vip = \"198.18.0.10\"; port = 80; forward = \"dr\";\n"
			"    backends = ( { address = \"198.18.1.11\"; port = \"80\"; } ); }\n"),
		   "t.conf:7: services[0].backends[0].port: expected an integer, not a string");
}

void
test_stats_prometheus(void)
{
	EXPECT_OK("stats: { prometheus = \"127.0.0.1:9273\"; };\n" PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_ip, htonl(0x7f000001));
	CU_ASSERT_EQUAL(g_cfg->prom_port, 9273);
	EXPECT_OK("stats: { prometheus = \"0.0.0.0:80\"; };\n" PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_ip, 0);
	CU_ASSERT_EQUAL(g_cfg->prom_port, 80);
	EXPECT_OK(PORTS);
	CU_ASSERT_EQUAL(g_cfg->prom_port, 0);
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:0\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:0\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:65536\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:65536\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"127.0.0.1:80x\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"127.0.0.1:80x\" is not ADDRESS:PORT"
		   " (e.g. \"127.0.0.1:9273\")");
	EXPECT_ONE("stats: { prometheus = \"localhost:80\"; };\n" PORTS,
		   "t.conf:1: stats.prometheus: \"localhost\" is not an IPv4 address");
	EXPECT_ONE("stats: { prometheus = 9273; };\n" PORTS,
		   "t.conf:1: stats.prometheus: expected a string, not an integer");
	EXPECT_ONE("stats: { promethus = \"127.0.0.1:9273\"; };\n" PORTS,
		   "t.conf:1: unknown key \"stats.promethus\"");
}

#define SYNC_KEY "\"00112233445566778899aabbccddeeff\""

void
test_sync_section(void)
{
	EXPECT_OK(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.1\";\n"
		  "  peers = [ \"198.18.1.2\", \"198.18.1.3\" ]; multicast = \"239.0.0.81\"; };\n"
		  "ha: { vips = \"follow\"; };\n");
	CU_ASSERT(g_cfg->sync.on);
	CU_ASSERT_EQUAL(g_cfg->sync.node_id, 2);
	CU_ASSERT_EQUAL(g_cfg->sync.group, 1);
	CU_ASSERT_EQUAL(g_cfg->sync.port, 8848);
	CU_ASSERT_EQUAL(g_cfg->sync.key_len, 16);
	CU_ASSERT_EQUAL(g_cfg->sync.key[15], 0xff);
	CU_ASSERT_EQUAL(g_cfg->sync.source, htonl(0xc6120101));
	CU_ASSERT_EQUAL(g_cfg->sync.n_peers, 2);
	CU_ASSERT_EQUAL(g_cfg->sync.peers[1], htonl(0xc6120103));
	CU_ASSERT_EQUAL(g_cfg->sync.mcast, htonl(0xef000051));
	CU_ASSERT_EQUAL(g_cfg->vips_follow, 1);
	EXPECT_OK(PORTS);
	CU_ASSERT(!g_cfg->sync.on);
	CU_ASSERT_EQUAL(g_cfg->vips_follow, 0);
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = \"0011\"; source = \"198.18.1.1\";\n"
		   "  peers = [ \"198.18.1.2\" ]; };\n",
		   "t.conf:5: sync.key: must be 32..128 hex digits, an even number (a 16..64-byte key)");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = \"zz112233445566778899aabbccddeeff\";\n"
		   "  source = \"198.18.1.1\"; peers = [ \"198.18.1.2\" ]; };\n",
		   "t.conf:5: sync.key: \"zz\" is not hex");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.9\";\n"
		   "  peers = [ \"198.18.1.2\" ]; };\n",
		   "t.conf:5: sync.source: not an address of a port: the sync socket is bound to one");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.1\"; };\n",
		   "t.conf:5: sync: no peers and no multicast group: nobody to sync with");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.1\";\n"
		   "  peers = [ \"198.18.1.2\", \"198.18.1.2\" ]; };\n",
		   "t.conf:6: sync.peers[1]: peer written twice");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.1\";\n"
		   "  peers = [ \"198.18.1.1\" ]; };\n",
		   "t.conf:5: sync.source: also in peers: this appliance is not its own peer");
	EXPECT_ONE(PORTS "sync: { node_id = 2; key = " SYNC_KEY "; source = \"198.18.1.1\";\n"
		   "  multicast = \"198.18.1.7\"; };\n",
		   "t.conf:6: sync.multicast: \"198.18.1.7\" is not an IPv4 multicast group (224.0.0.0/4)");
	EXPECT_ONE(PORTS "sync: { key = " SYNC_KEY "; source = \"198.18.1.1\"; peers = [ \"198.18.1.2\" ]; };\n",
		   "t.conf:5: sync: missing required key \"node_id\"");
	EXPECT_ONE(PORTS "ha: { vips = \"mine\"; };\n",
		   "t.conf:5: ha.vips: \"mine\" is neither \"own\" nor \"follow\"");
}
