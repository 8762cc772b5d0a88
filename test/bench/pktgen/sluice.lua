-- Pktgen-DPDK script: benchmark Sluice (a nat UDP service) on real NICs.
--
-- NEVER RUN ON A REAL PKTGEN OR NIC. Written for the Lua API of Pktgen 23.x.
-- What is verified, in the test suite (scripts/test.sh runs
-- test/bench/pktgen/check.sh): this file, unmodified, runs under lua5.3
-- against stub_pktgen.lua, a stub of the 23.x API (app/lpktgenlib.c) with a
-- simulated DUT, so every call it makes, the table fields it reads, its
-- control flow (ARP answered, not answered, MAC given; warm-up, measured
-- run) and its RESULT arithmetic are checked. Not verified: that a real
-- Pktgen on a real NIC behaves as the stub does. docs/pktgen.md says how to
-- build Pktgen, wire the ports and pair this script with
-- test/bench/pktgen/sluice.conf.
--
--   pktgen port 0 (clients)  ── 64 B UDP, N_ADDRS x N_PORTS flows ──►  Sluice "clients"
--   pktgen port 1 (backend)  ◄── the same packets, NATed to the backend ── Sluice "servers"
--
-- Port 0 sends range traffic from 198.19.0.0/16 (behind the clients'
-- gateway 198.18.0.254, which port 0 impersonates) to VIP:5353; port 1 is
-- the backend 198.18.1.11 (Pktgen answers ARP for a port's own source
-- address). Latency probes (Pktgen 23.x: UDP to dport 1028, timestamped,
-- one every LAT_RATE_US) go through Sluice's second service VIP:1028 and
-- are timed when port 1 receives them.
--
-- Run: pktgen -l 0-4 -n 4 -a <nic0> -a <nic1> -- -P -m "[1:2].0,[3:4].1" \
--        -f test/bench/pktgen/sluice.lua

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;../?.lua"
pcall(require, "Pktgen")

local out = printf or function(...) io.write(string.format(...)) end

-- Settings ------------------------------------------------------------------

local TX, RX = "0", "1"           -- Pktgen ports: clients' side, backends' side
local VIP, SVC_PORT = "198.18.0.10", 5353
local GATEWAY = "198.18.0.254"    -- port 0's own address (Sluice's gateway)
local SLUICE_CLIENT_IP = "198.18.0.1"
local BACKEND = "198.18.1.11"     -- port 1's own address (the only backend)
local SLUICE_SERVER_IP = "198.18.1.1"
-- Sluice's MAC on its "clients" port. Left nil, it is learned by ARP for
-- the VIP; set it (e.g. "3c:fd:fe:00:00:01") where ARP cannot be used.
local SLUICE_CLIENT_MAC = nil

-- Range fields all step once per packet, so the number of distinct flows is
-- lcm(N_ADDRS, N_PORTS): keep the two coprime (1000 x 1001 = 1,001,000).
local SRC_BASE = { 198, 19, 0, 1 }
local N_ADDRS = 1000              -- client addresses 198.19.0.1 ..
local SPORT_MIN, N_PORTS = 1024, 1001

local PKT_SIZE = 64               -- with FCS
local RATE = 100                  -- percent of line rate during the measurement
local WARMUP_RATE = 10            -- percent: one pass creates every connection
local WARMUP_S = 5
local DURATION_S = 30
local LATENCY = true
local LAT_RATE_US = 1000          -- one probe per millisecond
local LAT_ENTROPY = 16            -- probes from sport .. sport+15: 16 connections
local QUIT_AT_END = false

-- Helpers -------------------------------------------------------------------

local function ip_at(base, n)     -- base (4 octets) + n, as a dotted quad
	local v = ((base[1] * 256 + base[2]) * 256 + base[3]) * 256 + base[4] + n
	return string.format("%d.%d.%d.%d", (v >> 24) & 255, (v >> 16) & 255,
		(v >> 8) & 255, v & 255)
end

local function gcd(a, b)
	while b ~= 0 do a, b = b, a % b end
	return a
end

-- portStats entry of one port, across the table shapes Pktgen has used.
local function port_counts(pid)
	local t = pktgen.portStats(pid, "port")[tonumber(pid)]
	if t.curr ~= nil then t = t.curr end
	return t.opackets or 0, t.ipackets or 0, t.imissed or 0
end

-- Destination MAC of port 0's single packet, the one an ARP reply for the
-- VIP rewrites. Pktgen 23.x's portInfo puts the single packet's addresses
-- in portInfo(p)[p].info.l2_l3_info, not portInfo(p)[p].l2_l3_info.
local function single_dst_mac()
	local ok, info = pcall(pktgen.portInfo, TX)
	if not ok or info == nil or info[tonumber(TX)] == nil then return nil end
	local pi = info[tonumber(TX)].info
	local l2 = pi ~= nil and pi.l2_l3_info or nil
	if l2 == nil or l2.dst_mac == nil then return nil end
	return l2.dst_mac
end

-- Port set-up ---------------------------------------------------------------

pktgen.screen("off")
pktgen.stop("all")
pktgen.clr()

-- Single packets: they carry ARP and the latency probes (Pktgen copies a
-- port's single packet into its probe), so they use the real addresses.
pktgen.set_type("all", "ipv4")
pktgen.set_proto("all", "udp")
pktgen.set_ipaddr(TX, "src", GATEWAY .. "/24")
pktgen.set_ipaddr(TX, "dst", VIP)
pktgen.set_ipaddr(RX, "src", BACKEND .. "/24")
pktgen.set_ipaddr(RX, "dst", SLUICE_SERVER_IP)
pktgen.set("all", "size", PKT_SIZE)
pktgen.set(TX, "sport", SPORT_MIN)
pktgen.set(TX, "dport", SVC_PORT)
pktgen.set(TX, "count", 0)        -- until stopped

-- Sluice resolves the backend and the gateway by ARP; a gratuitous ARP from
-- each side teaches it at once (it also asks, and Pktgen answers for a
-- port's own source address).
pktgen.send_arp(RX, "gratuitous")
pktgen.send_arp(TX, "gratuitous")

-- The DUT's MAC: ARP for the VIP (the reply rewrites the single packet's
-- destination), unless given above. The destination is zeroed first: until
-- a reply comes it holds whatever was there before (a default, or a MAC
-- from an earlier run), which must not be taken for Sluice's.
local NO_MAC = "00:00:00:00:00:00"
local dut_mac = SLUICE_CLIENT_MAC
if dut_mac == nil then
	pktgen.set_mac(TX, "dst", NO_MAC)
	pktgen.mac_from_arp("enable")
	for _ = 1, 10 do
		pktgen.send_arp(TX, "request")
		pktgen.delay(200)
		dut_mac = single_dst_mac()
		if dut_mac ~= nil and string.lower(dut_mac) ~= NO_MAC then break end
		dut_mac = nil
	end
	if dut_mac == nil then
		out("sluice.lua: no ARP reply for %s; set SLUICE_CLIENT_MAC\n", VIP)
		return
	end
else
	pktgen.set_mac(TX, "dst", dut_mac)
end
out("sluice.lua: Sluice's client-side MAC %s\n", dut_mac)

-- Range traffic on port 0: fixed VIP:port and MACs, stepping clients.
pktgen.range.dst_mac(TX, "start", dut_mac)
pktgen.range.dst_ip(TX, "start", VIP)
pktgen.range.dst_ip(TX, "inc", "0.0.0.0")
pktgen.range.dst_ip(TX, "min", VIP)
pktgen.range.dst_ip(TX, "max", VIP)
pktgen.range.src_ip(TX, "start", ip_at(SRC_BASE, 0))
pktgen.range.src_ip(TX, "inc", "0.0.0.1")
pktgen.range.src_ip(TX, "min", ip_at(SRC_BASE, 0))
pktgen.range.src_ip(TX, "max", ip_at(SRC_BASE, N_ADDRS - 1))
pktgen.range.ip_proto(TX, "udp")
pktgen.range.dst_port(TX, "start", SVC_PORT)
pktgen.range.dst_port(TX, "inc", 0)
pktgen.range.dst_port(TX, "min", SVC_PORT)
pktgen.range.dst_port(TX, "max", SVC_PORT)
pktgen.range.src_port(TX, "start", SPORT_MIN)
pktgen.range.src_port(TX, "inc", 1)
pktgen.range.src_port(TX, "min", SPORT_MIN)
pktgen.range.src_port(TX, "max", SPORT_MIN + N_PORTS - 1)
pktgen.range.pkt_size(TX, "start", PKT_SIZE)
pktgen.range.pkt_size(TX, "inc", 0)
pktgen.range.pkt_size(TX, "min", PKT_SIZE)
pktgen.range.pkt_size(TX, "max", PKT_SIZE)
pktgen.set_range(TX, "on")

local flows = N_ADDRS * N_PORTS // gcd(N_ADDRS, N_PORTS)
out("sluice.lua: %d client addresses x %d ports = %d flows to %s:%d, %d-byte frames\n",
	N_ADDRS, N_PORTS, flows, VIP, SVC_PORT, PKT_SIZE)

-- Latency: probes leave port 0, port 1 times them (both ports enabled).
-- "rate" and "entropy" exist from Pktgen 23.x on; older ones keep defaults.
if LATENCY then
	pcall(pktgen.latency, TX, "rate", LAT_RATE_US)
	pcall(pktgen.latency, TX, "entropy", LAT_ENTROPY)
	pktgen.latency(TX, "enable")
	pktgen.latency(RX, "enable")
end

-- Warm-up: every flow once (Sluice schedules and inserts it), then quiet.
pktgen.set(TX, "rate", WARMUP_RATE)
pktgen.start(TX)
pktgen.sleep(WARMUP_S)
pktgen.stop(TX)
pktgen.delay(1000)
pktgen.clr()
pktgen.delay(500)

-- Measured run ----------------------------------------------------------------

pktgen.set(TX, "rate", RATE)
pktgen.start(TX)
for s = 1, DURATION_S do
	pktgen.sleep(1)
	local r0 = pktgen.portStats(TX, "rate")[tonumber(TX)]
	local r1 = pktgen.portStats(RX, "rate")[tonumber(RX)]
	if r0.curr ~= nil then r0, r1 = r0.curr, r1.curr end
	out("%3d s: tx %10d pps  rx %10d pps\n", s, r0.opackets or 0, r1.ipackets or 0)
end
pktgen.stop(TX)
pktgen.delay(500)               -- let the last packets arrive

local tx = port_counts(TX)
local _, rx, missed = port_counts(RX)
local loss = tx > 0 and 100.0 * (tx - rx) / tx or 0.0
out("sluice.lua: sent %d, received %d (%.3f Mpps), lost %.4f %% (port 1 imissed %d)\n",
	tx, rx, rx / DURATION_S / 1e6, loss, missed)

local lat_line = ""
if LATENCY then
	local ok, st = pcall(pktgen.pktStats, RX)
	local l = ok and st ~= nil and st[tonumber(RX)] ~= nil and st[tonumber(RX)].latency or nil
	if l ~= nil then
		out("sluice.lua: latency over %d probes (%d skipped): min %.2f avg %.2f max %.2f us\n",
			l.num_pkts or 0, l.num_skipped or 0, l.min_us or 0, l.avg_us or 0, l.max_us or 0)
		lat_line = string.format(" lat_min_us=%.2f lat_avg_us=%.2f lat_max_us=%.2f",
			l.min_us or 0, l.avg_us or 0, l.max_us or 0)
	else
		out("sluice.lua: no latency table in pktStats (see the latency page)\n")
	end
	pktgen.latency("all", "disable")
end
out("RESULT tx_pkts=%d rx_pkts=%d rx_mpps=%.3f loss_pct=%.4f flows=%d%s\n",
	tx, rx, rx / DURATION_S / 1e6, loss, flows, lat_line)

if QUIT_AT_END then pktgen.quit() end
