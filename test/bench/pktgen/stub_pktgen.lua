-- A stand-in for Pktgen-DPDK 23.x's Lua API (the `pktgen` table of
-- app/lpktgenlib.c), so that test/bench/pktgen/sluice.lua can be executed
-- without Pktgen or a NIC: test/bench/pktgen/check.sh loads this file first,
-- then runs the unmodified script, and checks what it printed.
--
-- What it gives the script:
--   * only the functions sluice.lua may call, with the argument counts and
--     shapes of 23.x (a port list string or number, "src"/"dst", range
--     sub-commands "start"/"min"/"max"/"inc", "port"/"rate" stats, ...);
--     anything else is an error, and so is any global the script reads or
--     writes that nobody defined (a typo in a variable name);
--   * the tables portStats, pktStats and portInfo return in 23.x, keyed by
--     port id, with the fields the script reads where 23.x puts them;
--   * a simulated run: a fake clock that delay and sleep advance at once, a
--     10 GbE line rate, and a DUT that forwards port 0's frames to port 1
--     minus LOSS_PPM, but only when they are addressed to its MAC, VIP and
--     service port, and answers ARP for the VIP (from the second request
--     on) unless STUB_ARP=none.
--
-- Every call is printed as one line "STUB <name> <args>" on stdout, between
-- the script's own lines, so the order of events can be checked. Every
-- error the stub raises is printed as "STUB ERROR <message>" first: the
-- script calls some functions under pcall, which would otherwise swallow it.
--
-- Where 23.x accepts anything silently (an unknown range sub-command, an
-- enable/disable word other than on/off/enable/disable, a stats type other
-- than "port"/"rate"), the stub is stricter: those are typos here.

local NB_PORTS = 2
local LINE_PPS = 14880952          -- 10 GbE at 64 bytes
local LOSS_PPM = 2500              -- the DUT drops 0.25 % of what it forwards
local PORT_MAC = { [0] = "02:00:00:00:00:00", [1] = "02:00:00:00:00:01" }
local DUT_MAC = "02:53:4c:00:00:01"
local DUT_VIP, DUT_SVC_PORT = "198.18.0.10", 5353
local LAT_US = { min = 4.25, avg = 6.5, max = 31.75 } -- what port 1 measures
local DEFAULT_LAT_RATE_US = 10000  -- Pktgen 23.x's DEFAULT_LATENCY_RATE
local ARP_MODE = os.getenv("STUB_ARP") or "reply"

local function say(fmt, ...)
	io.write(string.format(fmt, ...), "\n")
end

local function fail(fmt, ...)
	local msg = string.format(fmt, ...)
	say("STUB ERROR %s", msg)
	error(msg, 0) -- the interpreter's traceback shows the script's line
end

local function record(name, ...)
	local parts = { "STUB", name }
	for i = 1, select("#", ...) do
		parts[#parts + 1] = tostring((select(i, ...)))
	end
	say("%s", table.concat(parts, " "))
end

-- Argument checks -----------------------------------------------------------

local function nargs(name, n, ...)
	local got = select("#", ...)
	if type(n) == "table" then
		for _, k in ipairs(n) do
			if k == got then return end
		end
	elseif got == n then
		return
	end
	fail("%s, wrong number of arguments (%d)", name, got)
end

-- A port list as lpktgenlib's pktgen_get_portlist takes it: a string
-- ("all", "0", "0-1", "0,1") or a number. Returns the sorted port ids.
local function portlist(name, v)
	local s = v
	if type(v) == "number" then s = tostring(math.tointeger(v) or v) end
	if type(s) ~= "string" then fail("%s: invalid portlist", name) end
	if s == "all" then return { 0, 1 } end
	local seen, out = {}, {}
	for part in string.gmatch(s, "[^,]+") do
		local a, b = string.match(part, "^%s*(%d+)%s*%-%s*(%d+)%s*$")
		if a == nil then
			a = string.match(part, "^%s*(%d+)%s*$")
			b = a
		end
		if a == nil then fail("%s: invalid portlist %q", name, s) end
		for p = tonumber(a), tonumber(b) do
			if p >= NB_PORTS then fail("%s: no port %d", name, p) end
			if not seen[p] then seen[p] = true; out[#out + 1] = p end
		end
	end
	if #out == 0 then fail("%s: invalid portlist %q", name, s) end
	table.sort(out)
	return out
end

local function integer(name, v)
	local n = math.tointeger(tonumber(v))
	if n == nil then fail("%s: %s is not an integer", name, tostring(v)) end
	return n
end

local function onoff(name, v)
	local s = type(v) == "string" and string.lower(v) or nil
	if s == "on" or s == "enable" or s == "start" then return true end
	if s == "off" or s == "disable" or s == "stop" then return false end
	fail("%s: %s is not on/off/enable/disable", name, tostring(v))
end

local function ipv4(name, v, allow_mask)
	local s = tostring(v)
	local a, b, c, d, m = string.match(s, "^(%d+)%.(%d+)%.(%d+)%.(%d+)/?(%d*)$")
	if a == nil or (m ~= "" and not allow_mask) then
		fail("%s: bad IPv4 address %q", name, s)
	end
	local n = 0
	for _, o in ipairs({ a, b, c, d }) do
		o = tonumber(o)
		if o > 255 then fail("%s: bad IPv4 address %q", name, s) end
		n = n * 256 + o
	end
	if m ~= "" and tonumber(m) > 32 then fail("%s: bad mask in %q", name, s) end
	return n, string.format("%s.%s.%s.%s", a, b, c, d)
end

local function mac(name, v)
	local s = string.lower(tostring(v))
	if not string.match(s, "^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") then
		fail("%s: bad MAC address %q", name, tostring(v))
	end
	return s
end

local function src_dst(name, v)
	if v ~= "src" and v ~= "dst" then fail("%s: %s is not src or dst", name, tostring(v)) end
	return v
end

local RANGE_WHAT = { start = "start", min = "min", minimum = "min",
	max = "max", maximum = "max", inc = "inc", increment = "inc" }

local function range_what(name, v)
	local w = RANGE_WHAT[v]
	if w == nil then fail("%s: %s is not start/min/max/inc", name, tostring(v)) end
	return w
end

-- Simulated ports and DUT ---------------------------------------------------

local clock_ms = 0
local port = {}
for p = 0, NB_PORTS - 1 do
	port[p] = {
		-- The single packet. Its destination MAC starts as the other
		-- port's, not zero: the script must not take whatever was there
		-- before ARP for an answer.
		single = { dst_mac = PORT_MAC[1 - p], src_mac = PORT_MAC[p],
			size = 64, sport = 1234, dport = 5678 },
		range = {}, range_on = false, rate = 100, sending = false,
		accepted = false,                  -- would the DUT forward what it sends
		sent = 0,                          -- packets sent since clr
		lat_on = false, lat_rate_us = DEFAULT_LAT_RATE_US, lat_entropy = 0,
		lat_tx_us = 0,                     -- latency-enabled sending time since clr
	}
end
local arp_requests, arp_reply_at = 0, nil

local function lost(sent) return sent * LOSS_PPM // 1000000 end

-- Packets port 1 received from the DUT, since port 1's last clear.
local function forwarded()
	return port[0].accepted and port[0].sent - lost(port[0].sent) or 0
end

local function advance(ms)
	for p = 0, NB_PORTS - 1 do
		local st = port[p]
		if st.sending then
			st.sent = st.sent + LINE_PPS * st.rate * ms // 100000
			if st.lat_on then st.lat_tx_us = st.lat_tx_us + ms * 1000 end
		end
	end
	clock_ms = clock_ms + ms
	if arp_reply_at ~= nil and clock_ms >= arp_reply_at then
		-- Pktgen takes the sender MAC of an ARP reply for the VIP as the
		-- single packet's destination.
		port[0].single.dst_mac = DUT_MAC
		arp_reply_at = nil
		record("dut-arp-reply", DUT_VIP, DUT_MAC, "at_ms=" .. clock_ms)
	end
end

-- Number of distinct (src_ip, src_port) pairs the range sends: each field
-- steps once per packet from min to max and wraps, so the sequence repeats
-- after the lcm of the two cycle lengths.
local function range_flows(r)
	local function cycle(f)
		if f == nil or f.min == nil or f.max == nil or f.inc == nil then return 1 end
		if f.inc == 0 or f.max < f.min then return 1 end
		return (f.max - f.min) // f.inc + 1
	end
	local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
	local a, b = cycle(r.src_ip), cycle(r.src_port)
	return a * b // gcd(a, b)
end

-- Whether the DUT would forward what port p now sends: addressed to its
-- MAC, UDP to VIP:service, and the range (when on) fixed on that target.
local function dut_accepts(p)
	local st = port[p]
	if p ~= 0 then return false end
	if not st.range_on then
		local s = st.single
		return s.dst_mac == DUT_MAC and s.dst_ip == DUT_VIP and s.dport == DUT_SVC_PORT
			and s.proto == "udp"
	end
	local r = st.range
	local function fixed(f, v)
		return f ~= nil and f.start == v and f.inc == 0 and f.min == v and f.max == v
	end
	return r.dst_mac ~= nil and r.dst_mac.start == DUT_MAC and r.proto == "udp"
		and fixed(r.dst_ip, DUT_VIP) and fixed(r.dst_port, DUT_SVC_PORT)
end

-- The pktgen table ----------------------------------------------------------

local api = {}

function api.screen(...)
	nargs("screen", 1, ...)
	onoff("screen", (...))
	record("screen", ...)
end

function api.start(...)
	nargs("start", 1, ...)
	for _, p in ipairs(portlist("start", (...))) do
		port[p].sending = true
		port[p].accepted = dut_accepts(p)
		record("start", p, "rate=" .. port[p].rate, "range=" .. tostring(port[p].range_on),
			"dut_accepts=" .. tostring(port[p].accepted),
			"flows=" .. (port[p].range_on and range_flows(port[p].range) or 1))
	end
end

function api.stop(...)
	nargs("stop", 1, ...)
	for _, p in ipairs(portlist("stop", (...))) do
		port[p].sending = false
		record("stop", p)
	end
end

function api.clr(...)
	nargs("clr", 0, ...)
	for p = 0, NB_PORTS - 1 do
		port[p].sent, port[p].lat_tx_us = 0, 0
	end
	record("clr")
end

function api.set_type(...)
	nargs("set_type", 2, ...)
	local pl, t = ...
	if t ~= "ipv4" and t ~= "ipv6" then fail("set_type: %s", tostring(t)) end
	for _, p in ipairs(portlist("set_type", pl)) do port[p].single.type = t end
	record("set_type", ...)
end

function api.set_proto(...)
	nargs("set_proto", 2, ...)
	local pl, t = ...
	if t ~= "udp" and t ~= "tcp" and t ~= "icmp" then fail("set_proto: %s", tostring(t)) end
	for _, p in ipairs(portlist("set_proto", pl)) do port[p].single.proto = t end
	record("set_proto", ...)
end

function api.set_ipaddr(...)
	nargs("set_ipaddr", 3, ...)
	local pl, w, a = ...
	src_dst("set_ipaddr", w)
	local _, dotted = ipv4("set_ipaddr", a, w == "src")
	for _, p in ipairs(portlist("set_ipaddr", pl)) do port[p].single[w .. "_ip"] = dotted end
	record("set_ipaddr", ...)
end

function api.set_mac(...)
	nargs("set_mac", 3, ...)
	local pl, w, m = ...
	src_dst("set_mac", w)
	m = mac("set_mac", m)
	for _, p in ipairs(portlist("set_mac", pl)) do port[p].single[w .. "_mac"] = m end
	record("set_mac", ...)
end

local SET_WHAT = { count = true, size = true, rate = true, burst = true,
	txburst = true, rxburst = true, cycles = true, sport = true, dport = true,
	ttl = true, seq_cnt = true, seqCnt = true, prime = true, dump = true }

function api.set(...)
	nargs("set", 3, ...)
	local pl, w, v = ...
	if type(w) ~= "string" or not SET_WHAT[w] then fail("set does not support %s", tostring(w)) end
	if tonumber(v) == nil then fail("set %s: %s is not a number", w, tostring(v)) end
	v = tonumber(v)
	if w == "rate" and (v <= 0 or v > 100) then fail("set rate: %s%% out of range", tostring(v)) end
	if w == "size" and (v < 64 or v > 9216) then fail("set size: %s out of range", tostring(v)) end
	for _, p in ipairs(portlist("set", pl)) do
		if w == "rate" then port[p].rate = v
		elseif w == "size" or w == "sport" or w == "dport" or w == "count" then
			port[p].single[w] = integer("set " .. w, v)
		end
	end
	record("set", ...)
end

function api.send_arp(...)
	nargs("send_arp", 2, ...)
	local pl, w = ...
	if w ~= "request" and w ~= "gratuitous" then
		fail("send_arp: %s is not request or gratuitous", tostring(w))
	end
	for _, p in ipairs(portlist("send_arp", pl)) do
		record("send_arp", p, w, "target=" .. tostring(port[p].single.dst_ip))
		if w == "request" and p == 0 and port[p].single.dst_ip == DUT_VIP then
			arp_requests = arp_requests + 1
			-- The first request goes unanswered (a cold neighbour table on
			-- a real DUT may do that): the script has to retry.
			if ARP_MODE == "reply" and arp_requests >= 2 and arp_reply_at == nil then
				arp_reply_at = clock_ms + 50
			end
		end
	end
end

function api.mac_from_arp(...)
	nargs("mac_from_arp", 1, ...)
	onoff("mac_from_arp", (...))
	record("mac_from_arp", ...)
end

function api.delay(...)
	nargs("delay", 1, ...)
	local ms = integer("delay", (...))
	if ms < 0 then fail("delay: negative") end
	record("delay", ms)
	advance(ms)
end

function api.sleep(...)
	nargs("sleep", 1, ...)
	local s = integer("sleep", (...))
	if s < 0 then fail("sleep: negative") end
	record("sleep", s)
	advance(s * 1000)
end

function api.set_range(...)
	nargs("set_range", 2, ...)
	local pl, st = ...
	local on = onoff("set_range", st)
	for _, p in ipairs(portlist("set_range", pl)) do port[p].range_on = on end
	record("set_range", ...)
end

function api.latency(...)
	nargs("latency", { 2, 3 }, ...)
	local pl, w, v = ...
	local ports = portlist("latency", pl)
	if select("#", ...) == 3 then
		if type(w) ~= "string" then fail("latency, missing argument or not a string") end
		local which = string.lower(w):sub(1, 4) == "rate" and "rate"
			or string.lower(w):sub(1, 7) == "entropy" and "entropy" or nil
		if which == nil then fail("latency, invalid arguments must be rate or entropy") end
		v = integer("latency " .. which, v)
		for _, p in ipairs(ports) do
			if which == "rate" then
				port[p].lat_rate_us = (v == 0) and DEFAULT_LAT_RATE_US or math.min(v, 1000000)
			else
				port[p].lat_entropy = v
			end
		end
	else
		local on = onoff("latency", w)
		for _, p in ipairs(ports) do port[p].lat_on = on end
	end
	record("latency", ...)
end

-- The result shape of lpktgenlib's per-port queries: t[pid] for each port
-- of the list, and t.n their number.
local function per_port(ports, build)
	local t = { n = #ports }
	for _, p in ipairs(ports) do t[p] = build(p) end
	return t
end

function api.portStats(...)
	nargs("portStats", 2, ...)
	local pl, kind = ...
	if kind ~= "port" and kind ~= "rate" then fail("portStats: type %s", tostring(kind)) end
	local ports = portlist("portStats", pl)
	record("portStats", ...)
	return per_port(ports, function(p)
		local o, i, missed
		if kind == "port" then
			-- Totals since the last clear.
			o = port[p].sent
			i = (p == 1) and forwarded() or 0
			missed = (p == 1 and port[0].accepted) and lost(port[0].sent) // 4 or 0
		else
			-- Packets in the last second.
			local pps = port[p].sending and LINE_PPS * port[p].rate // 100 or 0
			local pps0 = (port[0].sending and port[0].accepted)
				and LINE_PPS * port[0].rate // 100 or 0
			o = pps
			i = (p == 1) and pps0 - lost(pps0) or 0
			missed = 0
		end
		local e = { ipackets = i, opackets = o, ibytes = i * 60, obytes = o * 60,
			ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = missed }
		if kind == "rate" then
			e.pkts_rx, e.pkts_tx = i, o
			e.mbits_rx, e.mbits_tx = i * 84 * 8 // 1000000, o * 84 * 8 // 1000000
		end
		return e
	end)
end

function api.pktStats(...)
	nargs("pktStats", 1, ...)
	local ports = portlist("pktStats", (...))
	record("pktStats", ...)
	return per_port(ports, function(p)
		-- Probes leave port 0 while it sends with latency on; port 1
		-- times them only with latency on too.
		local probes = 0
		if p == 1 and port[1].lat_on and port[0].accepted then
			probes = port[0].lat_tx_us // port[0].lat_rate_us
		end
		local have = probes > 0
		return { arp_pkts = 0, echo_pkts = 0, ip_pkts = 0, ipv6_pkts = 0,
			vlan_pkts = 0, dropped_pkts = 0, unknown_pkts = 0, tx_failed = 0,
			mac_addr = PORT_MAC[p],
			latency = { rate_us = port[p].lat_rate_us, entropy = port[p].lat_entropy,
				jitter_threshold = 50, jitter_count = 0, num_pkts = probes,
				num_skipped = 0,
				min_cycles = 0, avg_cycles = 0, max_cycles = 0,
				min_us = have and LAT_US.min or 0.0, avg_us = have and LAT_US.avg or 0.0,
				max_us = have and LAT_US.max or 0.0 } }
	end)
end

function api.portInfo(...)
	nargs("portInfo", 1, ...)
	local ports = portlist("portInfo", (...))
	record("portInfo", ...)
	return per_port(ports, function(p)
		local s = port[p].single
		-- 23.x nests l2_l3_info (the single packet's addresses) inside
		-- the "info" sub-table, beside tx_rate, pkt_size, ...
		return {
			stats = { ipackets = 0, opackets = port[p].sent },
			totals = { pkts_rx = 0, pkts_tx = port[p].sent },
			info = {
				tx_rate = port[p].rate, pkt_size = s.size or 64,
				eth_type = "IPv4", proto_type = string.upper(s.proto or "udp"),
				l2_l3_info = { src_port = s.sport, dst_port = s.dport,
					dst_ip = s.dst_ip or "0.0.0.0", src_ip = s.src_ip or "0.0.0.0",
					dst_mac = s.dst_mac, src_mac = s.src_mac },
			},
		}
	end)
end

function api.quit(...)
	nargs("quit", 0, ...)
	record("quit")
end

-- pktgen.range: the range packet's fields (lpktgenlib's pktgenlib_range).
local range = {}

local function range_setter(field, parse)
	range[field] = function(...)
		local name = "range." .. field
		nargs(name, 3, ...)
		local pl, w, v = ...
		w = range_what(name, w)
		v = parse(name, v)
		for _, p in ipairs(portlist(name, pl)) do
			local r = port[p].range
			r[field] = r[field] or {}
			r[field][w] = v
		end
		record(name, ...)
	end
end

range_setter("dst_mac", function(name, v) return mac(name, v) end)
range_setter("dst_ip", function(name, v)
	local _, dotted = ipv4(name, v, false)
	-- "inc" is a step, compared as a number; the rest as addresses.
	return dotted == "0.0.0.0" and 0 or dotted
end)
range_setter("src_ip", function(name, v) return (ipv4(name, v, false)) end)
range_setter("dst_port", function(name, v)
	local n = integer(name, v)
	if n < 0 or n > 65535 then fail("%s: %d out of range", name, n) end
	return n
end)
range_setter("src_port", function(name, v)
	local n = integer(name, v)
	if n < 0 or n > 65535 then fail("%s: %d out of range", name, n) end
	return n
end)
range_setter("pkt_size", function(name, v)
	local n = integer(name, v)
	if n ~= 0 and (n < 64 or n > 9216) then fail("%s: %d out of range", name, n) end
	return n
end)

function range.ip_proto(...)
	nargs("range.ip_proto", 2, ...)
	local pl, t = ...
	if t ~= "udp" and t ~= "tcp" then fail("range.ip_proto: %s", tostring(t)) end
	for _, p in ipairs(portlist("range.ip_proto", pl)) do port[p].range.proto = t end
	record("range.ip_proto", ...)
end

local function strict(t, what)
	return setmetatable(t, {
		__index = function(_, k)
			fail("%s.%s does not exist in the Pktgen 23.x Lua API", what, tostring(k))
		end,
		__newindex = function(_, k)
			fail("the script assigns %s.%s", what, tostring(k))
		end,
	})
end

api.range = strict(range, "pktgen.range")
pktgen = strict(api, "pktgen")

-- Pktgen defines printf for its scripts.
function printf(fmt, ...)
	io.write(string.format(fmt, ...))
end

-- From here on, reading or creating a global nobody defined is an error.
setmetatable(_G, {
	__index = function(_, k) fail("undefined global %s", tostring(k)) end,
	__newindex = function(_, k) fail("the script creates global %s", tostring(k)) end,
})
