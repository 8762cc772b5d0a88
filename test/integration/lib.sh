# shellcheck shell=bash
#
# Shared by every test/integration/test_*.sh: results, set-up and clean-up,
# per-test config files, JSON checks. Sourced, never executed.
#
#   source "$(dirname "$0")/lib.sh"
#   it_init test_name                   # root + binary checks, leftovers
#                                       # removed, trap installed, $IT_TMP
#   ... pass NAME / fail NAME REASON / fatal REASON ...
#   it_done                             # exit status = any failure
#
# The topology and the appliance process helpers (topo_*, slc_*) come from
# scripts/topology.sh, the one implementation the demo uses too.

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/topology.sh
source "$IT_LIB_DIR/../../scripts/topology.sh"

IT_PREFIX=slc-it
# Prometheus endpoint of the appliance under test (loopback of the root ns).
IT_PROM_PORT=19273
IT_NAME=""
IT_TMP=""
IT_TMP_ROOT=/tmp/slc-it
IT_PASSED=0
IT_FAILED=0
VIP_URL=http://$SLC_VIP/

pass() {
	IT_PASSED=$((IT_PASSED + 1))
	echo "PASS $IT_NAME: $1"
}

fail() {
	IT_FAILED=$((IT_FAILED + 1))
	echo "FAIL $IT_NAME: $1: $2"
}

# expect TEXT REASON CMD...: PASS TEXT if CMD succeeds, else FAIL TEXT: REASON.
expect() {
	local text=$1 reason=$2
	shift 2
	if "$@"; then pass "$text"; else fail "$text" "$reason"; fi
}

# in_range N LO HI: LO <= N <= HI (integers; a non-number is out of range).
in_range() {
	case "$1" in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# A failure after which the test cannot go on.
fatal() {
	fail "${2:-setup}" "$1"
	if [ -n "$SLC_LOG" ] && [ -s "$SLC_LOG" ]; then
		echo "--- sluice log (tail) ---"
		tail -n 30 "$SLC_LOG"
	fi
	exit 1
}

# it_require: refuse clearly (exit 2) when the run cannot work at all.
it_require() {
	local cmd missing=""
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration tests need root (network namespaces, AF_PACKET)" >&2
		exit 2
	fi
	if [ ! -x "$SLUICE_BIN" ]; then
		echo "no sluice binary at $SLUICE_BIN: build first (meson setup build && ninja -C build) or set SLUICE_BIN" >&2
		exit 2
	fi
	local others=""
	# In scripts/isolated.sh's private namespaces nothing else can meet us.
	[ "${SLC_ISOLATED:-0}" = 1 ] || others=$(slc_foreign)
	if [ -n "$others" ]; then
		echo "another sluice is running; the test topology (slc-p0, slc-p1, slc-*) takes the machine alone. Stop it first:" >&2
		echo "$others" >&2
		exit 2
	fi
	for cmd in ip ethtool "$SLC_PY" jq ping; do
		command -v "$cmd" >/dev/null || missing+=" $cmd"
	done
	if [ -n "$missing" ]; then
		echo "missing commands:$missing (scripts/install-deps.sh installs them)" >&2
		exit 2
	fi
}

it_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	slc_stop >/dev/null 2>&1
	topo_down >/dev/null 2>&1 || echo "WARN $IT_NAME: topology not fully removed" >&2
	if [ -n "$IT_TMP" ] && [ -d "$IT_TMP" ]; then
		if [ -n "${IT_KEEP:-}" ]; then
			echo "kept $IT_TMP" >&2
		else
			rm -rf "$IT_TMP"
			rmdir "$IT_TMP_ROOT" 2>/dev/null
		fi
	fi
	exit $rc
}

# it_init NAME: checks, leftovers of a crashed run removed, trap, temp dir.
it_init() {
	IT_NAME=$1
	it_require
	trap it_cleanup EXIT
	trap 'echo "$IT_NAME: interrupted" >&2; exit 130' INT TERM
	topo_down >/dev/null 2>&1
	slc_kill_leftover "$IT_PREFIX"
	IT_TMP=$(slc_tmpdir "$IT_TMP_ROOT") || fatal "cannot create a directory in $IT_TMP_ROOT"
}

it_done() {
	echo "$IT_NAME: $IT_PASSED passed, $IT_FAILED failed"
	[ "$IT_FAILED" -eq 0 ]
	exit $?
}

# it_topology MODE [HTTP_PORT]: namespaces, routing for MODE, backends serving.
it_topology() {
	topo_up || fatal "topology up failed"
	topo_mode "$1" || fatal "topology mode $1 failed"
	topo_backends_start "${2:-$SLC_HTTP_PORT}" || fatal "backends did not start"
}

# it_sluice_start CONF: start the appliance on CONF and wait until it is
# ready and has resolved all three backends (warm-up allowed).
it_sluice_start() {
	slc_start "$IT_PREFIX" "$IT_TMP/sluice-$(basename "$1" .conf).log" -c "$1" ||
		fatal "sluice did not become ready with $1"
	slc_wait_backends "$VIP_URL" || fatal "backends not in /sluice/neigh after warm-up: $(slc_tel /sluice/neigh 2>&1)"
}

# it_sluice_stop NAME: stop and check the clean exit (status 0, counters printed).
it_sluice_stop() {
	local rc
	slc_stop
	rc=$?
	expect "$1: sluice stopped cleanly (exit 0)" \
		"exit status $rc on SIGTERM; log tail: $(tail -n 5 "$SLC_LOG" | tr '\n' '|')" [ $rc -eq 0 ]
	expect "$1: final counters printed" "no 'rx_packets N' line in the output after SIGTERM" \
		grep -Eq 'rx_packets[^0-9]+[0-9]+' "$SLC_LOG"
}

# gen_config OUT MODE SCHED W1,W2,W3 [SH_PORT]: a config like conf/default.conf
# (same ports and addresses) with service "web" (tcp 80, SCHED, weights),
# "echo" (udp 5353, rr) and, with SH_PORT, "web-sh" (tcp SH_PORT, sh). NAT
# and FULLNAT backends listen on 8080; DR backends on the service port (80).
# FULLNAT uses local address 198.18.1.2.
# One setting per line, so tests can name the line of any key.
gen_config() {
	local out=$1 mode=$2 sched=$3 weights=$4 sh_port=${5:-}
	local w1 w2 w3
	IFS=, read -r w1 w2 w3 <<<"$weights"
	{
		cat <<EOF
# generated by test/integration/lib.sh gen_config: mode=$mode sched=$sched weights=$weights
workers: {
  idle_sleep_us = 20;
};
conntrack: {
  capacity = 65536;
};
api: {
  socket = "$IT_TMP/sluice.sock";
};
stats: {
  prometheus = "127.0.0.1:$IT_PROM_PORT";
};
ports = (
  { name = "client";
    device = "net_af_packet0,iface=$SLC_PORT0,qpairs=2";
    addresses = [ "$SLC_PORT0_IP/24" ];
  },
  { name = "backend";
    device = "net_af_packet1,iface=$SLC_PORT1,qpairs=2";
    addresses = [ "$SLC_PORT1_IP/24" ];
  }
);
services = (
EOF
		printf '%s,\n' "$(gen_service web 80 tcp "$sched" "$mode" "$SLC_HTTP_PORT" "$w1" "$w2" "$w3")"
		[ -n "$sh_port" ] &&
			printf '%s,\n' "$(gen_service web-sh "$sh_port" tcp sh "$mode" "$SLC_HTTP_PORT" "$w1" "$w2" "$w3")"
		gen_service echo "$SLC_UDP_PORT" udp rr "$mode" "$SLC_UDP_PORT" 1 1 1
		echo ");"
	} >"$out"
}

# gen_service NAME PORT PROTO SCHED MODE BACKEND_PORT W...: one service; in
# DR the backend port is always the service port. W "-" omits that backend.
gen_service() {
	local name=$1 port=$2 proto=$3 sched=$4 mode=$5 bport=$6
	shift 6
	local i=1 w
	[ "$mode" = dr ] && bport=$port
	cat <<EOF
  { name = "$name";
    vip = "$SLC_VIP";
    port = $port;
    protocol = "$proto";
    scheduler = "$sched";
    forward = "$mode";
EOF
	[ "$mode" = fullnat ] && echo "    local_addresses = [ \"$SLC_LOCAL_IP\" ];"
	# A weight of "-" leaves that backend out (reload tests add and remove b3).
	local entries=()
	for w in "$@"; do
		[ "$w" = - ] || entries+=("      { address = \"198.18.1.1$i\"; port = $bport; weight = $w; }")
		i=$((i + 1))
	done
	echo "    backends = ("
	local n=${#entries[@]} k
	for ((k = 0; k < n; k++)); do
		echo "${entries[k]}$([ $((k + 1)) -lt "$n" ] && echo ,)"
	done
	echo "    );"
	echo "  }"
}

# it_ctl ARGS: sluicectl against the appliance under test.
SLUICECTL=${SLUICECTL:-$(dirname "$SLUICE_BIN")/control/sluicectl}
it_ctl() { "$SLUICECTL" -s "$IT_TMP/sluice.sock" "$@"; }

# jget JSON [JQ_OPTION...] FILTER: jq -r on a JSON string.
jget() { jq -r "${@:2}" <<<"$1"; }

# check_requests NAME JSON WANT_OK [MAX_REL_DEV]: all WANT_OK requests
# succeeded (and, given MAX_REL_DEV, the spread is within it).
check_requests() {
	local name=$1 json=$2 want=$3 dev=${4:-}
	local ok failed
	ok=$(jget "$json" .ok)
	failed=$(jget "$json" .failed)
	if [ "$ok" != "$want" ] || [ "$failed" != 0 ]; then
		fail "$name" "$ok/$want ok, $failed failed; errors: $(jget "$json" '.errors | join("; ")')"
		return 1
	fi
	pass "$name: $ok/$want ok"
	[ -n "$dev" ] || return 0
	if jq -e --argjson d "$dev" '.max_rel_dev <= $d' <<<"$json" >/dev/null; then
		pass "$name: spread within $(awk "BEGIN{print $dev*100}")% of weights ($(spread_text "$json"))"
	else
		fail "$name" "spread off by more than $(awk "BEGIN{print $dev*100}")% ($(spread_text "$json"))"
		return 1
	fi
}

# check_peers NAME JSON IP: the backends saw exactly one peer address, IP.
check_peers() {
	local peers
	peers=$(jget "$2" '.peer_ips | join(",")')
	expect "$1: backends saw $3" "backends saw '$peers'" [ "$peers" = "$3" ]
}

# check_keepalive: 200 requests on one keep-alive connection stay on that
# connection and on one backend.
check_keepalive() {
	local r sticky=no
	r=$(slc_client http --url "$VIP_URL" --count 200 --keepalive)
	check_requests "keep-alive, 200 requests" "$r" 200 || return 1
	[ "$(jget "$r" .one_connection)" = true ] && [ "$(jget "$r" '.by_backend | length')" = 1 ] && sticky=yes
	expect "keep-alive stayed on one connection and one backend ($(jget "$r" -c .by_backend))" \
		"local ports $(jget "$r" .local_ports), backends $(jget "$r" -c .by_backend)" [ $sticky = yes ]
}

# "b1 500 (50.0% vs 50.0%), ..."
spread_text() {
	jq -r '[.spread | to_entries[] | "\(.key) \(.value.count) (\(.value.share*1000|round/10)% vs \(.value.expected*1000|round/10)%)"] | join(", ")' <<<"$1"
}

# Counter snapshot helpers: stats_get FILE writes /sluice/stats to FILE.
stats_get() { slc_tel /sluice/stats >"$1" || fatal "telemetry /sluice/stats failed"; }

# check_pmtu_relayed DST: the client sends the VIP "fragmentation needed"
# about replies of the UDP service (icmp_err.py, a router on its path as it
# were); each reaches the backend that sent the reply, translated, and that
# backend's kernel learns the path MTU towards DST (the client for nat, the
# local address for fullnat), as `ip route get` shows. Several flows, so
# the errors land on both workers, owners or not.
check_pmtu_relayed() {
	local dst=$1 mtu=1400 r b n got i seen
	for b in "${SLC_BACKENDS[@]}"; do
		if topo_in "slc-$b" ip route get "$dst" | grep -q " mtu "; then
			fail "pmtu: $b starts with no path MTU to $dst" "$(topo_in "slc-$b" ip route get "$dst")"
			return
		fi
	done
	r=$(ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/icmp_err.py" --vip "$SLC_VIP" \
		--port "$SLC_UDP_PORT" --count 12 --mtu "$mtu") || { fail "pmtu: icmp_err.py" "$r"; return; }
	n=$(jget "$r" '.flows | length')
	expect "pmtu: $n flows answered, frag-needed sent for each" "$r" [ "$n" = 12 ]
	for b in $(jget "$r" '[.flows[].backend] | unique | join(" ")'); do
		seen=""
		for i in $(seq 1 50); do
			if topo_in "slc-$b" ip route get "$dst" | grep -q " mtu $mtu "; then
				seen=1
				break
			fi
			sleep 0.1
		done
		expect "pmtu: $b learnt mtu $mtu towards $dst" "$(topo_in "slc-$b" ip route get "$dst")" \
			[ -n "$seen" ]
	done
	got=$(slc_tel /sluice/stats | jq '.icmp_errors_relayed // 0')
	expect "pmtu: $got ICMP errors relayed" "relayed $got, sent $n" [ "$got" -ge "$n" ]
}

# Value of a link counter in a namespace ("" = root).
link_stat() { topo_in "$1" cat "/sys/class/net/$2/statistics/$3"; }
