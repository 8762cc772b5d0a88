#!/usr/bin/env bash
# Execute the Pktgen script (sluice.lua) under Debian's lua5.3 against
# stub_pktgen.lua, a stand-in for Pktgen 23.x's Lua API with a simulated DUT,
# and check what it did and printed; then `sluice --check` its config.
#   test/bench/pktgen/check.sh [SLUICE_BIN [SCRIPT]]
# SLUICE_BIN defaults to build/sluice; SCRIPT to test/bench/pktgen/sluice.lua
# (another path checks a modified copy). Prints PASS/FAIL lines and
# "pktgen-stub: N passed, M failed"; exit 0 only when all passed.
#
# What this proves: the script's control flow, its calls (names, argument
# shapes), the table fields it reads and its result arithmetic, against the
# 23.x API as the stub models it. Not proved: that a real Pktgen on a real
# NIC behaves as the stub does.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bin=${1:-$repo/build/sluice}
script=${2:-$here/sluice.lua}
lua=${LUA:-lua5.3}

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS pktgen-stub: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL pktgen-stub: $1: $2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME SCRIPT [VAR=VALUE...]: the stub, then SCRIPT, from the
# repository root as Pktgen would be run from its own; output in
# $tmp/NAME.out. The script's loops are bounded and the stub's clock is
# fake, so this takes milliseconds; the timeout only guards against a
# future endless loop.
run() {
	local name=$1 file=$2
	shift 2
	(cd "$repo" && env "$@" timeout 20 "$lua" -e "dofile('$here/stub_pktgen.lua')" "$file") \
		>"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.rc"
}

# has NAME LINE: LINE occurs as a whole line in the output of run NAME.
has() { grep -qFx -- "$2" "$tmp/$1.out"; }

# line_of NAME LINE: number of the first whole line equal to LINE, or 0.
line_of() { grep -nFx -- "$2" "$tmp/$1.out" | head -n 1 | cut -d: -f1 | grep . || echo 0; }

# field NAME KEY: the value of KEY=... on the RESULT line.
field() { sed -n 's/^RESULT.* '"$2"'=\([^ ]*\).*/\1/p' "$tmp/$1.out" | head -n 1; }

if ! command -v "$lua" >/dev/null; then
	fail "interpreter" "no $lua (apt-get install lua5.3; scripts/install-deps.sh installs it)"
	echo "pktgen-stub: $passed passed, $failed failed"
	exit 1
fi

# --- ARP answered: the whole benchmark runs -------------------------------
run ok "$script"
if [ "$(cat "$tmp/ok.rc")" = 0 ] && ! grep -q '^STUB ERROR' "$tmp/ok.out"; then
	pass "script runs to its end against the 23.x stub"
else
	fail "script run" "exit $(cat "$tmp/ok.rc"); $(grep -m 3 -E '^STUB ERROR|lua5.3:|stack traceback' "$tmp/ok.out" | tr '\n' '|')"
fi

if has ok "sluice.lua: Sluice's client-side MAC 02:53:4c:00:00:01"; then
	pass "Sluice's MAC learned from the ARP reply (portInfo ... l2_l3_info.dst_mac)"
else
	fail "ARP" "no \"Sluice's client-side MAC 02:53:4c:00:00:01\" line"
fi

# The single packets: they carry ARP and the latency probes.
missing=""
for l in "set_ipaddr 0 src 198.18.0.254/24" "set_ipaddr 0 dst 198.18.0.10" \
	"set_ipaddr 1 src 198.18.1.11/24" "set_ipaddr 1 dst 198.18.1.1" \
	"set all size 64" "set 0 sport 1024" "set 0 dport 5353" "set 0 count 0" \
	"set_type all ipv4" "set_proto all udp" "send_arp 1 gratuitous target=198.18.1.1" \
	"send_arp 0 gratuitous target=198.18.0.10"; do
	has ok "STUB $l" || missing="$missing [$l]"
done
if [ -z "$missing" ]; then
	pass "single packets: port 0 198.18.0.254 -> VIP, port 1 198.18.1.11, 64 B, gratuitous ARP"
else
	fail "single packets" "missing:$missing"
fi

# The range traffic docs/pktgen.md promises: clients 198.19.0.1 .. +999,
# ports 1024 .. 2024, to VIP 198.18.0.10:5353 and Sluice's MAC, 64 bytes.
missing=""
for l in "range.dst_mac 0 start 02:53:4c:00:00:01" \
	"range.dst_ip 0 start 198.18.0.10" "range.dst_ip 0 inc 0.0.0.0" \
	"range.dst_ip 0 min 198.18.0.10" "range.dst_ip 0 max 198.18.0.10" \
	"range.src_ip 0 start 198.19.0.1" "range.src_ip 0 inc 0.0.0.1" \
	"range.src_ip 0 min 198.19.0.1" "range.src_ip 0 max 198.19.3.232" \
	"range.ip_proto 0 udp" \
	"range.dst_port 0 start 5353" "range.dst_port 0 inc 0" \
	"range.dst_port 0 min 5353" "range.dst_port 0 max 5353" \
	"range.src_port 0 start 1024" "range.src_port 0 inc 1" \
	"range.src_port 0 min 1024" "range.src_port 0 max 2024" \
	"range.pkt_size 0 start 64" "range.pkt_size 0 inc 0" \
	"range.pkt_size 0 min 64" "range.pkt_size 0 max 64" "set_range 0 on"; do
	has ok "STUB $l" || missing="$missing [$l]"
done
if [ -z "$missing" ]; then
	pass "range: 198.19.0.1-198.19.3.232 x 1024-2024 -> 198.18.0.10:5353, 64 B, range on"
else
	fail "range settings" "missing:$missing"
fi

# Warm-up, clear, then the measured run, in that order: the sequence of
# rate changes, starts, stops, clears and sleeps (30 one-second sleeps
# folded into one line).
awk '/^STUB (set 0 rate|start|stop|clr|sleep) / || /^STUB clr$/ {
		sub(/^STUB /, "")
		if ($1 == "start") $0 = $1 " " $2 " " $3
		if ($0 == prev && $0 == "sleep 1") { n++; next }
		if (prev == "sleep 1") print "sleep 1 x" n
		if ($0 != "sleep 1") print
		prev = $0; n = 1
	}
	END { if (prev == "sleep 1") print "sleep 1 x" n }' "$tmp/ok.out" >"$tmp/trace"
cat >"$tmp/want" <<'EOF'
stop 0
stop 1
clr
set 0 rate 10
start 0 rate=10
sleep 5
stop 0
clr
set 0 rate 100
start 0 rate=100
sleep 1 x30
stop 0
EOF
if diff -U0 "$tmp/want" "$tmp/trace" >"$tmp/trace.diff"; then
	pass "warm-up (10 %, 5 s), stop, clear, then measured run (100 %, 30 x 1 s), stop"
else
	fail "run order" "want -, got +: $(tail -n +3 "$tmp/trace.diff" | tr '\n' '|')"
fi

# What the stub's DUT saw at the measured start: traffic it forwards, and
# its own count of the flows the range settings make.
if has ok "STUB start 0 rate=100 range=true dut_accepts=true flows=1001000"; then
	pass "measured traffic is addressed to the DUT and spans 1001000 flows (stub's own count)"
else
	fail "measured start" "$(grep -m 1 '^STUB start 0 rate=100' "$tmp/ok.out" || echo 'no start at rate 100')"
fi

# Latency: rate and entropy set, enabled on both ports before the measured
# start, disabled after it; the stub only times probes when both are on.
lstart=$(line_of ok "STUB start 0 rate=100 range=true dut_accepts=true flows=1001000")
order_ok=yes
for l in "latency 0 rate 1000" "latency 0 entropy 16" "latency 0 enable" "latency 1 enable"; do
	n=$(line_of ok "STUB $l")
	{ [ "$n" -gt 0 ] && [ "$n" -lt "$lstart" ]; } || order_ok="no ($l at line $n, start at $lstart)"
done
n=$(line_of ok "STUB latency all disable")
[ "$n" -gt "$lstart" ] || order_ok="no (latency all disable at line $n)"
if [ "$order_ok" = yes ] &&
	has ok "sluice.lua: latency over 30000 probes (0 skipped): min 4.25 avg 6.50 max 31.75 us"; then
	pass "latency: rate 1000 us, entropy 16, on for ports 0 and 1, 30000 probes timed, then off"
else
	fail "latency" "order: $order_ok; $(grep -v '^STUB' "$tmp/ok.out" | grep -m 1 'latency' || echo 'no latency line')"
fi

# The result: one RESULT line with the stub's counters. Port 0 sent 30 s
# at 10 GbE line rate (14880952 pps) after the clear; the DUT dropped
# 2500 ppm of them; port 1's imissed is a quarter of the loss.
nres=$(grep -c '^RESULT ' "$tmp/ok.out")
want="RESULT tx_pkts=446428560 rx_pkts=445312489 rx_mpps=14.844 loss_pct=0.2500 flows=1001000 lat_min_us=4.25 lat_avg_us=6.50 lat_max_us=31.75"
if [ "$nres" = 1 ] && has ok "$want"; then
	pass "RESULT matches the stub's counters: $want"
else
	fail "RESULT" "$nres RESULT line(s); got: $(grep -m 1 '^RESULT ' "$tmp/ok.out"); want: $want"
fi
if has ok "sluice.lua: sent 446428560, received 445312489 (14.844 Mpps), lost 0.2500 % (port 1 imissed 279017)"; then
	pass "summary line: sent, received, loss and port 1's imissed"
else
	fail "summary line" "$(grep -m 1 '^sluice.lua: sent' "$tmp/ok.out" || echo none)"
fi

# The arithmetic on its own: loss and Mpps recomputed from the RESULT's
# packet counts (loss relative to what was sent; 30 s of measurement).
tx=$(field ok tx_pkts)
rx=$(field ok rx_pkts)
if [ -n "$tx" ] && [ -n "$rx" ] &&
	[ "$(awk -v t="$tx" -v r="$rx" 'BEGIN { printf "%.4f %.3f", 100 * (t - r) / t, r / 30 / 1e6 }')" = \
		"$(field ok loss_pct) $(field ok rx_mpps)" ]; then
	pass "loss_pct = 100 (tx - rx) / tx and rx_mpps = rx / 30 s"
else
	fail "arithmetic" "tx=$tx rx=$rx loss_pct=$(field ok loss_pct) rx_mpps=$(field ok rx_mpps)"
fi

# --- ARP never answered: the script says so and sends nothing -------------
run noarp "$script" STUB_ARP=none
if [ "$(cat "$tmp/noarp.rc")" = 0 ] && ! grep -q '^STUB ERROR' "$tmp/noarp.out" &&
	has noarp "sluice.lua: no ARP reply for 198.18.0.10; set SLUICE_CLIENT_MAC"; then
	pass "no ARP reply: the script says so and stops"
else
	fail "no ARP reply" "exit $(cat "$tmp/noarp.rc"); $(grep -v '^STUB' "$tmp/noarp.out" | tail -n 3 | tr '\n' '|')"
fi
nreq=$(grep -c '^STUB send_arp 0 request ' "$tmp/noarp.out")
if ! grep -qE '^STUB (start|set_range|range\.)' "$tmp/noarp.out" &&
	! grep -q '^RESULT ' "$tmp/noarp.out" && [ "$nreq" = 10 ]; then
	pass "no ARP reply: 10 requests, then no range set-up, no traffic, no RESULT"
else
	fail "no ARP reply" "$nreq requests; $(grep -m 2 -E '^STUB (start|set_range|range\.)|^RESULT ' "$tmp/noarp.out" | tr '\n' '|')"
fi

# --- Sluice's MAC given in the settings: no ARP needed ---------------------
# The one setting changed in a copy, and the stub's DUT never answers ARP.
sed 's/^local SLUICE_CLIENT_MAC = nil/local SLUICE_CLIENT_MAC = "02:53:4c:00:00:01"/' \
	"$script" >"$tmp/given-mac.lua"
run givenmac "$tmp/given-mac.lua" STUB_ARP=none
if ! cmp -s "$script" "$tmp/given-mac.lua" && [ "$(cat "$tmp/givenmac.rc")" = 0 ] &&
	! grep -q '^STUB ERROR' "$tmp/givenmac.out" &&
	! grep -q '^STUB send_arp 0 request' "$tmp/givenmac.out" &&
	has givenmac "STUB set_mac 0 dst 02:53:4c:00:00:01" && has givenmac "$want"; then
	pass "SLUICE_CLIENT_MAC set: no ARP request, set_mac 0 dst, same RESULT"
else
	fail "SLUICE_CLIENT_MAC" "exit $(cat "$tmp/givenmac.rc"); $(grep -v '^STUB' "$tmp/givenmac.out" | tail -n 2 | tr '\n' '|')"
fi

# --- The Sluice side: its config validates (--check needs no EAL, no NIC) -
conf=$here/sluice.conf
if [ ! -x "$bin" ]; then
	fail "sluice --check" "no sluice binary at $bin (meson setup build && ninja -C build)"
elif out=$("$bin" --check -c "$conf" 2>&1); then
	pass "sluice --check -c test/bench/pktgen/sluice.conf: ${out##*: }"
	# The same file with one error must fail, or the pass above means nothing.
	sed 's/scheduler = "rr";/scheduler = "nosuch";/' "$conf" >"$tmp/broken.conf"
	if "$bin" --check -c "$tmp/broken.conf" >/dev/null 2>&1; then
		fail "sluice --check" "accepts the config with an unknown scheduler too"
	else
		pass "sluice --check rejects the same config with an unknown scheduler"
	fi
else
	fail "sluice --check" "$out"
fi

echo "pktgen-stub: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
