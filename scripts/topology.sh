# shellcheck shell=bash
#
# The one test/demo topology of Sluice: namespaces, veths, bridge, backends.
# Sourced by test/integration/lib.sh and scripts/demo.sh; never executed.
#
#   ns slc-cli                root ns (Sluice, af_packet)            ns slc-sw
#   eth0 198.18.0.2-9/24 ---- slc-p0  [SLUICE]  slc-p1 ------------ up0 -+- br0 198.18.1.254/24
#   (VIP 198.18.0.10, appliance 198.18.0.1)     (198.18.1.1, FULLNAT 198.18.1.2) +- b1 -- ns slc-b1 eth0 198.18.1.11
#   eth1 198.18.2.2/30 ------------------------------------ rt0 198.18.2.1/30    +- b2 -- ns slc-b2 eth0 198.18.1.12
#   (eth1/rt0 exist in dr mode only: the direct-return path)                     +- b3 -- ns slc-b3 eth0 198.18.1.13
#
# Everything lives in 198.18.0.0/15, in namespaces slc-* and in links named
# slc-* in the root ns, so topo_down can find and remove all of it after any
# crash. Every wait is a bounded poll. Needs root, iproute2, ethtool, and
# Debian's python3 (SLC_PY).
# The second half of this file starts/stops the appliance and waits for it.

SLC_TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SLC_REPO=${SLC_REPO:-$(cd "$SLC_TOPO_DIR/.." && pwd)}
SLC_BACKEND_PY=${SLC_BACKEND_PY:-$SLC_REPO/test/integration/backend.py}
# Debian's interpreter by its path: a python3 earlier on PATH may be a
# version-manager shim that takes seconds to start, which every bounded wait
# and timed check would then include.
SLC_PY=${SLC_PY:-/usr/bin/python3}
# Pid files (backends, Sluice) and backend logs; a fixed place, so that a rerun
# after a crash finds what the crashed run left.
SLC_RUN_DIR=${SLC_RUN_DIR:-/run/sluice-topo}

SLC_NS_CLI=slc-cli
SLC_NS_SW=slc-sw
SLC_BACKENDS=(b1 b2 b3)
SLC_PORT0=slc-p0
SLC_PORT1=slc-p1
SLC_VIP=198.18.0.10
SLC_CLIENT_IP=198.18.0.2
SLC_CLIENT_EXTRA_IPS=(198.18.0.3 198.18.0.4 198.18.0.5 198.18.0.6 198.18.0.7 198.18.0.8 198.18.0.9)
SLC_PORT0_IP=198.18.0.1
SLC_PORT1_IP=198.18.1.1
SLC_LOCAL_IP=198.18.1.2
SLC_BRIDGE_IP=198.18.1.254
SLC_HTTP_PORT=8080
SLC_UDP_PORT=5353

topo_log() { echo "topology: $*" >&2; }

# topo_kill_pidfile FILE WORD: end the process whose pid FILE holds, if its
# command line still contains WORD (a recycled pid is left alone); bounded
# wait, then SIGKILL. Removes FILE.
topo_kill_pidfile() {
	local f=$1 word=$2 pid i
	[ -e "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null)
	rm -f "$f"
	case "$pid" in '' | *[!0-9]*) return 0 ;; esac
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$word" || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	topo_log "pid $pid ($word) ignored SIGTERM for 10 s: SIGKILL"
	kill -9 "$pid" 2>/dev/null
}

# Backend i (1-based) address: 198.18.1.1<i>.
topo_backend_ip() { echo "198.18.1.1${1#b}"; }

# The HA pair's namespaces (scripts/topology_ha.sh) are ours too: removed
# with the rest, whichever topology a crashed run left.
SLC_NS_LBS=(slc-lb1 slc-lb2)
topo_namespaces() { echo "$SLC_NS_CLI $SLC_NS_SW" "${SLC_BACKENDS[@]/#/slc-}" "${SLC_NS_LBS[@]}"; }

# topo_in NS CMD...: run in a namespace (root ns if NS is empty).
topo_in() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# Offloads off on one veth end: af_packet must see full checksums and no
# GSO/GRO super-frames.
topo_no_offload() {
	topo_in "$1" ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 ||
		{ topo_log "ethtool -K $2 failed${1:+ in $1}"; return 1; }
}

# topo_veth NS_A DEV_A NS_B DEV_B: a veth pair, each end moved, offloads off, up.
topo_veth() {
	local nsa=$1 deva=$2 nsb=$3 devb=$4
	# Created in the root ns under temporary names that cannot clash with
	# anything there, then moved and renamed.
	local ta=slc-t$$a tb=slc-t$$b
	ip link add "$ta" type veth peer name "$tb" || return 1
	topo_place "$ta" "$nsa" "$deva" && topo_place "$tb" "$nsb" "$devb"
}

topo_place() {
	local tmp=$1 ns=$2 dev=$3
	if [ -n "$ns" ]; then
		ip link set "$tmp" netns "$ns" || return 1
	fi
	topo_in "$ns" ip link set "$tmp" name "$dev" || return 1
	topo_no_offload "$ns" "$dev" || return 1
	topo_in "$ns" ip link set "$dev" up
}

# Kill the processes recorded in pid files under SLC_RUN_DIR and every process
# still inside one of our namespaces (started by us: nothing else uses slc-*).
topo_kill_all() {
	local pid ns i f
	topo_backends_stop
	for f in "$SLC_RUN_DIR"/sluice-*.pid; do
		[ -e "$f" ] || continue
		f=${f##*/sluice-}
		slc_kill_leftover "${f%.pid}"
	done
	for ns in $(topo_namespaces); do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	# Bounded wait for them to go, then force.
	for i in $(seq 1 50); do
		local left=""
		for ns in $(topo_namespaces); do
			[ -e "/run/netns/$ns" ] || continue
			left+=$(ip netns pids "$ns" 2>/dev/null)
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for ns in $(topo_namespaces); do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
}

# Remove everything the topology creates; safe to run any number of times and
# after a crashed run. Returns non-zero if something could not be removed.
topo_down() {
	local ns dev rc=0
	topo_kill_all
	for ns in $(topo_namespaces); do
		[ -e "/run/netns/$ns" ] && { ip netns del "$ns" || rc=1; }
	done
	# Root-ns ends (their peers die with the namespaces, but a half-built run
	# may have left a pair entirely in the root ns).
	for dev in $(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' |
		grep -E '^slc-(p[01]|t[0-9]+[ab])$'); do
		ip link del "$dev" 2>/dev/null
	done
	rm -f "$SLC_RUN_DIR"/backend-*.log
	rmdir "$SLC_RUN_DIR" 2>/dev/null
	# Namespace deletion is asynchronous for links: wait, bounded.
	local i
	for i in $(seq 1 50); do
		ip -o link show 2>/dev/null | grep -qE ': slc-' || break
		sleep 0.1
	done
	if ip -o link show 2>/dev/null | grep -qE ': slc-'; then
		topo_log "links left behind: $(ip -o link show | grep -oE 'slc-[^:@ ]*' | tr '\n' ' ')"
		rc=1
	fi
	return $rc
}

# topo_namespaces_up NS...: leftovers of any topology removed, then these
# namespaces made, lo up, no IPv6 chatter (router solicitations, MLD).
topo_namespaces_up() {
	local ns
	topo_down || return 1
	mkdir -p "$SLC_RUN_DIR"
	for ns in "$@"; do
		ip netns add "$ns" || { topo_log "cannot create namespace $ns"; return 1; }
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	done
}

# Build the base topology (mode-independent); removes leftovers first.
topo_up() {
	local b ip
	topo_namespaces_up "$SLC_NS_CLI" "$SLC_NS_SW" "${SLC_BACKENDS[@]/#/slc-}" || return 1

	# Client side: slc-p0 (root ns, Sluice) <-> slc-cli eth0.
	topo_veth "" "$SLC_PORT0" "$SLC_NS_CLI" eth0 || return 1
	ip -n "$SLC_NS_CLI" addr add "$SLC_CLIENT_IP/24" dev eth0
	for ip in "${SLC_CLIENT_EXTRA_IPS[@]}"; do
		ip -n "$SLC_NS_CLI" addr add "$ip/24" dev eth0
	done

	# Backend side: slc-p1 (root ns) <-> slc-sw up0, on bridge br0 with b1..b3.
	ip -n "$SLC_NS_SW" link add br0 type bridge forward_delay 0 stp_state 0 || return 1
	ip netns exec "$SLC_NS_SW" ethtool -K br0 tso off gso off gro off >/dev/null 2>&1
	ip -n "$SLC_NS_SW" addr add "$SLC_BRIDGE_IP/24" dev br0
	ip -n "$SLC_NS_SW" link set br0 up
	# A bridge that calls netfilter for every frame costs the sender's CPU
	# (16 % of a worker's samples in bench_real.sh); nothing here filters.
	ip netns exec "$SLC_NS_SW" sysctl -qw net.bridge.bridge-nf-call-iptables=0 >/dev/null 2>&1 || true
	topo_veth "" "$SLC_PORT1" "$SLC_NS_SW" up0 || return 1
	ip -n "$SLC_NS_SW" link set up0 master br0
	for b in "${SLC_BACKENDS[@]}"; do
		topo_veth "slc-$b" eth0 "$SLC_NS_SW" "$b" || return 1
		ip -n "$SLC_NS_SW" link set "$b" master br0
		ip -n "slc-$b" addr add "$(topo_backend_ip "$b")/24" dev eth0
	done

	# The Sluice ports belong to the DPDK process: no addresses, no IPv6, and
	# the root kernel neither answers ARP nor forwards anything arriving there.
	# The kernel still sees every frame af_packet sees, and it owns the port
	# addresses too (on Sluice's TAP interfaces, the exception path): strict
	# reverse-path filtering makes it drop what arrives on the veths (no
	# route points there), so only the copy Sluice hands it through the TAP
	# reaches its sockets. Loose mode on "all" would override that.
	if [ "$(sysctl -n net.ipv4.conf.all.rp_filter)" = 2 ]; then
		if [ "${SLC_ISOLATED:-0}" = 1 ]; then
			sysctl -qw net.ipv4.conf.all.rp_filter=1 >/dev/null
		else
			topo_log "warning: net.ipv4.conf.all.rp_filter=2 (loose) lets the kernel answer on $SLC_PORT0/$SLC_PORT1 too; run under scripts/isolated.sh"
		fi
	fi
	for dev in "$SLC_PORT0" "$SLC_PORT1"; do
		sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" "net.ipv4.conf.$dev.forwarding=0" \
			"net.ipv4.conf.$dev.arp_ignore=8" "net.ipv4.conf.$dev.rp_filter=1" >/dev/null ||
			{ topo_log "sysctl on $dev failed"; return 1; }
	done
	topo_log "up"
}

# dr's return path: backends -> slc-sw (router) -> slc-cli eth1, replies
# from the VIP arriving on eth1 while requests leave on eth0.
topo_dr_return() {
	topo_veth "$SLC_NS_SW" rt0 "$SLC_NS_CLI" eth1 || return 1
	ip -n "$SLC_NS_SW" addr add 198.18.2.1/30 dev rt0
	ip -n "$SLC_NS_CLI" addr add 198.18.2.2/30 dev eth1
	ip -n "$SLC_NS_SW" route add 198.18.0.0/24 via 198.18.2.2
	ip netns exec "$SLC_NS_SW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.br0.rp_filter=0 \
		net.ipv4.conf.rt0.rp_filter=0 >/dev/null
	ip netns exec "$SLC_NS_CLI" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 \
		net.ipv4.conf.eth1.rp_filter=0 >/dev/null
}

# A dr backend in namespace NS: the VIP on lo, never answered by ARP, and
# its replies routed by slc-sw.
topo_dr_backend() {
	local ns=$1
	ip -n "$ns" addr add "$SLC_VIP/32" dev lo &&
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 >/dev/null &&
		ip -n "$ns" route add default via "$SLC_BRIDGE_IP"
}

# Mode-dependent routing: nat | fullnat | dr. Can be called again to switch.
topo_mode() {
	local mode=$1 b ns
	case "$mode" in nat | fullnat | dr) ;; *) topo_log "unknown mode '$mode'"; return 2 ;; esac

	# Undo what any mode set.
	ip -n "$SLC_NS_SW" link del rt0 2>/dev/null
	ip netns exec "$SLC_NS_SW" sysctl -qw net.ipv4.ip_forward=0 >/dev/null
	for b in "${SLC_BACKENDS[@]}"; do
		ns=slc-$b
		ip -n "$ns" route del default 2>/dev/null
		ip -n "$ns" addr del "$SLC_VIP/32" dev lo 2>/dev/null
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0 >/dev/null
	done

	for b in "${SLC_BACKENDS[@]}"; do
		ns=slc-$b
		case "$mode" in
		nat) ip -n "$ns" route add default via "$SLC_PORT1_IP" ;;
		fullnat) ip -n "$ns" route add default via "$SLC_BRIDGE_IP" ;;
		dr) topo_dr_backend "$ns" ;;
		esac || { topo_log "routing for $ns ($mode) failed"; return 1; }
	done

	if [ "$mode" = dr ]; then
		topo_dr_return || return 1
	fi
	topo_log "mode $mode"
}

# topo_backends_start [HTTP_PORT]: backend.py in every backend ns, then wait
# (bounded) until each accepts TCP and answers UDP from inside its own ns.
topo_backends_start() {
	local port=${1:-$SLC_HTTP_PORT} b
	mkdir -p "$SLC_RUN_DIR"
	topo_backends_stop
	for b in "${SLC_BACKENDS[@]}"; do
		# ip netns exec execs the interpreter: $! is the server's own pid.
		ip netns exec "slc-$b" "$SLC_PY" "$SLC_BACKEND_PY" --name "$b" \
			--http-port "$port" --udp-port "$SLC_UDP_PORT" </dev/null >/dev/null 2>"$SLC_RUN_DIR/backend-$b.log" &
		echo $! >"$SLC_RUN_DIR/backend-$b.pid"
	done
	for b in "${SLC_BACKENDS[@]}"; do
		ip netns exec "slc-$b" "$SLC_PY" "$SLC_BACKEND_PY" --probe --http-port "$port" \
			--udp-port "$SLC_UDP_PORT" --deadline 10 ||
			{ topo_log "backend $b not serving: $(cat "$SLC_RUN_DIR/backend-$b.log" 2>/dev/null)"; return 1; }
	done
	topo_log "backends serving on :$port/tcp and :$SLC_UDP_PORT/udp"
}

topo_backends_stop() {
	local b
	for b in "${SLC_BACKENDS[@]}"; do
		topo_kill_pidfile "$SLC_RUN_DIR/backend-$b.pid" backend.py
	done
}

# slc_tmpdir ROOT: create and print ROOT/<this shell's pid>; directories
# there named for a pid that is gone are a crashed run's: removed.
slc_tmpdir() {
	local root=$1 d
	for d in "$root"/*; do
		[ -d "$d" ] && ! kill -0 "${d##*/}" 2>/dev/null && rm -rf "$d"
	done
	mkdir -p "$root/$$" && chmod 700 "$root/$$" && echo "$root/$$"
}

# MAC address of a link in a namespace ("" = root ns).
topo_mac() { topo_in "$1" cat "/sys/class/net/$2/address"; }

# ---------------------------------------------------------------------------
# The appliance process and the helpers around it (also shared by tests/demo).

SLUICE_BIN=${SLUICE_BIN:-$SLC_REPO/build/sluice}
SLC_IT_DIR=$SLC_REPO/test/integration
# 2 workers on lcores 1 and 2; lcore 0 is the control lcore.
SLC_EAL_ARGS=${SLC_EAL_ARGS:---no-huge -m 512 --no-pci --lcores 0@0,1@0,2@1}
SLC_READY_DEADLINE=${SLC_READY_DEADLINE:-20}
SLC_PID=""
SLC_PREFIX=""
SLC_LOG=""

# Query telemetry of the running appliance: slc_tel ARGS (see telemetry.py).
slc_tel() { "$SLC_PY" "$SLC_IT_DIR/telemetry.py" --prefix "$SLC_PREFIX" "$@"; }

# Run client.py inside the client namespace.
slc_client() { ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/client.py" "$@"; }

# slc_start PREFIX LOG [-c FILE]: start Sluice in the background and wait
# (bounded) for "sluice: ready". Fails if it exits or never gets ready.
slc_start() {
	local prefix=$1 log=$2 i
	shift 2
	SLC_PREFIX=$prefix
	SLC_LOG=$log
	mkdir -p "$SLC_RUN_DIR"
	slc_kill_leftover "$prefix"
	# shellcheck disable=SC2086 # EAL args are words on purpose
	"$SLUICE_BIN" $SLC_EAL_ARGS --file-prefix "$prefix" -- "$@" </dev/null >"$log" 2>&1 &
	SLC_PID=$!
	echo "$SLC_PID" >"$SLC_RUN_DIR/sluice-$prefix.pid"
	for i in $(seq 1 $((SLC_READY_DEADLINE * 10))); do
		grep -q 'sluice: ready' "$log" && return 0
		if ! kill -0 "$SLC_PID" 2>/dev/null; then
			wait "$SLC_PID"
			topo_log "sluice exited (status $?) before ready; log tail:"
			tail -n 20 "$log" >&2
			SLC_PID=""
			return 1
		fi
		sleep 0.1
	done
	topo_log "sluice not ready after ${SLC_READY_DEADLINE} s; log tail:"
	tail -n 20 "$log" >&2
	return 1
}

slc_alive() { [ -n "$SLC_PID" ] && kill -0 "$SLC_PID" 2>/dev/null; }

# slc_stop: SIGTERM, bounded wait; returns Sluice's exit status (SIGKILL after
# 10 s: returns 137). Removes the EAL runtime directory it leaves.
slc_stop() {
	local rc=0 i
	[ -n "$SLC_PID" ] || return 0
	kill -TERM "$SLC_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$SLC_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SLC_PID" 2>/dev/null; then
		topo_log "sluice ignored SIGTERM for 10 s: SIGKILL"
		kill -KILL "$SLC_PID" 2>/dev/null
	fi
	wait "$SLC_PID" 2>/dev/null
	rc=$?
	rm -f "$SLC_RUN_DIR/sluice-$SLC_PREFIX.pid"
	rm -rf "/var/run/dpdk/$SLC_PREFIX"
	SLC_PID=""
	return $rc
}

# A Sluice left running by a crashed run (same prefix) holds the EAL lock and
# the af_packet sockets: end it (pid from its pid file, command line checked).
slc_kill_leftover() {
	local prefix=$1
	topo_kill_pidfile "$SLC_RUN_DIR/sluice-$prefix.pid" "--file-prefix $prefix"
	rm -rf "/var/run/dpdk/$prefix"
}

# slc_foreign: print "PID ARGS" of every sluice process this bench did not
# start. The topology's names are fixed (slc-p0, slc-p1, slc-*), so a second
# appliance on them, or a second test run, would garble both runs.
slc_foreign() {
	local pid comm f mine=" "
	for f in "$SLC_RUN_DIR"/sluice-*.pid; do
		[ -e "$f" ] && mine+="$(cat "$f") "
	done
	while read -r pid comm; do
		[ "$comm" = sluice ] || continue
		case "$mine" in *" $pid "*) continue ;; esac
		echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done < <(ps -eo pid=,comm=)
}

# slc_wait_backends URL: wait (bounded, ~20 s) until /sluice/neigh has every
# backend; meanwhile send up to 20 short warm-up requests through URL so that
# an appliance resolving on demand gets the chance. Warm-up failures are
# expected and not counted.
slc_wait_backends() {
	local url=$1 conds=() b
	for b in "${SLC_BACKENDS[@]}"; do
		# Entries {"0": {"address": "IP", "port": NAME, "mac": MAC}, ...}.
		conds+=(--cond ". mentions $(topo_backend_ip "$b")")
	done
	for _ in $(seq 1 20); do
		slc_tel wait /sluice/neigh "${conds[@]}" --deadline 0.5 >/dev/null 2>&1 && return 0
		slc_client http --url "$url" --count 0 --warmup 1 >/dev/null 2>&1
	done
	slc_tel wait /sluice/neigh "${conds[@]}" --deadline 1 >/dev/null
}
