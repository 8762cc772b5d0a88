#!/usr/bin/env bash
# Benchmark 4 (issue 4), real traffic: Sluice vs HAProxy (mode tcp) vs nginx
# (stream) in front of the same three backends, on the same hosts, in one run.
#
#   bash test/bench/bench_real.sh            # as root, after scripts/build.sh
#
# Topology: scripts/topology.sh (client ns slc-cli, the load balancer in the
# root ns on veths slc-p0/slc-p1, backends slc-b1..3 behind a bridge). wrk runs
# in slc-cli against http://198.18.0.10/ and the backends serve on :8080.
#   - Sluice owns slc-p0/slc-p1 through af_packet; the root-ns ends carry no
#     addresses (arp_ignore=8, as topology.sh leaves them).
#   - HAProxy / nginx are kernel proxies: while they run, slc-p0 gets
#     198.18.0.1/24 + the VIP 198.18.0.10/32 and slc-p1 198.18.1.1/24
#     (arp_ignore=0), so the client reaches the VIP over the same veth and the
#     backends route back via 198.18.1.1 exactly as in Sluice's nat mode. The
#     addresses are removed and arp_ignore restored before Sluice runs.
# For every load balancer, two wrk runs with the same threads, connections
# and duration: "close" (header Connection: close: the backend closes after
# each response and wrk reconnects, so one TCP connection per request) and
# "keepalive". Connections are counted independently of wrk: TcpActiveOpens
# in the client ns and TcpPassiveOpens in the backend namespaces (and
# conns_created from Sluice's telemetry), so a run where wrk did not really
# reconnect shows.
#
# Environment (defaults in brackets):
#   BENCH_THREADS [1] BENCH_CONNS [32] BENCH_DURATION [10] (seconds)
#   BENCH_BACKEND [nginx]   nginx: nginx in each backend ns, tiny static
#                           reply; py: test/integration/backend.py
#   BENCH_LBS [direct haproxy nginx sluice]   which to run, in this order;
#                           direct = wrk from the bridge ns straight to one
#                           backend (the backend's own ceiling, no LB)
#   BENCH_SLUICE ["nat:1:0 nat:1:20 nat:2:0 nat:2:20 fullnat:1:0"]
#                           Sluice variants MODE:WORKERS:IDLE_SLEEP_US
#   BENCH_SCHED [rr]        Sluice scheduler (HAProxy/nginx: round robin)
#   BENCH_WARMUP [2]        seconds of unmeasured wrk before each LB's runs
#   BENCH_REPEAT [1]        rounds over all LBs; the table keeps each row's
#                           median round and shows the range
#   BENCH_QUIET_WAIT [60]   before each run, wait up to this many seconds
#                           for other users of the machine to go quiet
#                           (column "other CPU %" shows what remained)
#   BENCH_PERF [""]         a Sluice variant (e.g. nat:1:0): also perf-record
#                           its close run (perf.data kept in BENCH_OUT)
#   BENCH_OUT [temp dir]    keep raw wrk outputs, configs and logs there
#   SLUICE_BIN [build/sluice]  the binary to measure
# The client namespaces get net.ipv4.tcp_tw_reuse=1 (see bench_main).
# Output: progress on stderr; a markdown table on stdout (also BENCH_OUT/
# results.md when BENCH_OUT is set). Exit 0 when every run completed.
set -u
BENCH_SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/topology.sh
source "$BENCH_SELF_DIR/../../scripts/topology.sh"
# gen_service (the per-service block of the integration tests' configs).
# shellcheck source=../integration/lib.sh
source "$BENCH_SELF_DIR/../integration/lib.sh"

THREADS=${BENCH_THREADS:-1}
CONNS=${BENCH_CONNS:-32}
DURATION=${BENCH_DURATION:-10}
BACKEND=${BENCH_BACKEND:-nginx}
LBS=${BENCH_LBS:-direct haproxy nginx sluice}
SLUICE_VARIANTS=${BENCH_SLUICE:-nat:1:0 nat:1:20 nat:2:0 nat:2:20 fullnat:1:0}
SCHED=${BENCH_SCHED:-rr}
WARMUP=${BENCH_WARMUP:-2}
REPEAT=${BENCH_REPEAT:-1}
PERF_VARIANT=${BENCH_PERF:-}
PREFIX=slc-bench
URL=http://$SLC_VIP/
NGINX_STREAM_SO=/usr/lib/nginx/modules/ngx_stream_module.so
# Pid files in the topology's run dir, so a rerun after a crash finds them.
HAPROXY_PID=$SLC_RUN_DIR/bench-haproxy.pid
NGINX_LB_PID=$SLC_RUN_DIR/bench-nginx-lb.pid

log() { echo "bench_real: $*" >&2; }
die() {
	log "$*"
	exit 1
}

bench_require() {
	local cmd missing=""
	[ "$(id -u)" -eq 0 ] || { echo "bench_real.sh needs root (namespaces, AF_PACKET)" >&2; exit 2; }
	[ -x "$SLUICE_BIN" ] || { echo "no $SLUICE_BIN: run bash scripts/build.sh first" >&2; exit 2; }
	for cmd in ip ethtool "$SLC_PY" jq wrk haproxy nginx curl awk; do
		command -v "$cmd" >/dev/null || missing+=" $cmd"
	done
	[ -z "$missing" ] || { echo "missing:$missing (see test/bench/README.md)" >&2; exit 2; }
	[ -e "$NGINX_STREAM_SO" ] ||
		{ echo "no nginx stream module ($NGINX_STREAM_SO): apt-get install libnginx-mod-stream" >&2; exit 2; }
	local others
	others=$(slc_foreign)
	[ -z "$others" ] || { echo "another sluice is running; stop it first:" >&2; echo "$others" >&2; exit 2; }
	case "$BACKEND" in nginx | py) ;; *) echo "BENCH_BACKEND must be nginx or py" >&2; exit 2 ;; esac
}

# ---------------------------------------------------------------------------
# Clean-up: everything this script may have started or changed.

kernel_lb_stop() {
	topo_kill_pidfile "$HAPROXY_PID" haproxy
	topo_kill_pidfile "$NGINX_LB_PID" nginx
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	slc_stop >/dev/null 2>&1
	kernel_lb_stop
	kernel_addrs_off >/dev/null 2>&1
	backends_stop
	topo_down >/dev/null 2>&1 || log "WARN: topology not fully removed"
	if [ -z "${BENCH_OUT:-}" ] && [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
		rm -rf "$TMP"
		rmdir /tmp/slc-bench 2>/dev/null
	fi
	exit $rc
}

# ---------------------------------------------------------------------------
# Backends.

backend_nginx_conf() {
	local b=$1 d
	d=$TMP/backend-$b
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOF
# Benchmark backend $b: one worker, tiny static reply, no logs.
daemon off;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path $d/tmp;
  proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp;
  scgi_temp_path $d/tmp;
  server {
    listen 8080 backlog=4096;
    location / { default_type text/plain; return 200 "$b\n"; }
  }
}
EOF
	echo "$d"
}

backends_start() {
	local b d i
	if [ "$BACKEND" = py ]; then
		topo_backends_start || return 1
		return 0
	fi
	for b in "${SLC_BACKENDS[@]}"; do
		d=$(backend_nginx_conf "$b")
		ip netns exec "slc-$b" nginx -p "$d" -c "$d/nginx.conf" </dev/null >"$d/stdout.log" 2>&1 &
		echo $! >"$SLC_RUN_DIR/bench-backend-$b.pid"
	done
	for b in "${SLC_BACKENDS[@]}"; do
		for i in $(seq 1 50); do
			ip netns exec "slc-$b" curl -s -m 1 -o /dev/null http://127.0.0.1:8080/ && continue 2
			sleep 0.1
		done
		log "backend nginx $b not serving: $(cat "$TMP/backend-$b/error.log" "$TMP/backend-$b/stdout.log" 2>/dev/null)"
		return 1
	done
	log "backends: nginx on :8080 in ${SLC_BACKENDS[*]}"
}

backends_stop() {
	local b
	topo_backends_stop
	for b in "${SLC_BACKENDS[@]}"; do
		topo_kill_pidfile "$SLC_RUN_DIR/bench-backend-$b.pid" nginx
	done
}

# ---------------------------------------------------------------------------
# Addresses for the kernel proxies on the root-ns veth ends.

ARP_IGNORE_SAVED=()

kernel_addrs_on() {
	local dev
	ARP_IGNORE_SAVED=()
	for dev in "$SLC_PORT0" "$SLC_PORT1"; do
		ARP_IGNORE_SAVED+=("$dev=$(sysctl -n "net.ipv4.conf.$dev.arp_ignore")")
		sysctl -qw "net.ipv4.conf.$dev.arp_ignore=0" >/dev/null || return 1
	done
	ip addr add "$SLC_PORT0_IP/24" dev "$SLC_PORT0" &&
		ip addr add "$SLC_VIP/32" dev "$SLC_PORT0" &&
		ip addr add "$SLC_PORT1_IP/24" dev "$SLC_PORT1"
}

kernel_addrs_off() {
	local kv
	ip addr flush dev "$SLC_PORT0" 2>/dev/null
	ip addr flush dev "$SLC_PORT1" 2>/dev/null
	for kv in "${ARP_IGNORE_SAVED[@]}"; do
		sysctl -qw "net.ipv4.conf.${kv%%=*}.arp_ignore=${kv#*=}" >/dev/null
	done
	ARP_IGNORE_SAVED=()
	# Neighbour entries learned from the kernel are harmless (same MACs),
	# but start every LB from the same state.
	neigh_flush
}

neigh_flush() {
	local b
	ip -n "$SLC_NS_CLI" neigh flush dev eth0 2>/dev/null
	for b in "${SLC_BACKENDS[@]}"; do
		ip -n "slc-$b" neigh flush dev eth0 2>/dev/null
	done
}

wait_vip() {
	local i
	for i in $(seq 1 50); do
		ip netns exec "$SLC_NS_CLI" curl -s -m 1 -o /dev/null "$URL" && return 0
		sleep 0.1
	done
	return 1
}

haproxy_start() {
	local c=$TMP/haproxy.cfg b
	{
		cat <<EOF
global
  maxconn 4096
  pidfile $TMP/haproxy.pidfile
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind $SLC_VIP:80
  default_backend be
backend be
  balance roundrobin
EOF
		for b in "${SLC_BACKENDS[@]}"; do
			echo "  server $b $(topo_backend_ip "$b"):$SLC_HTTP_PORT"
		done
	} >"$c"
	haproxy -db -f "$c" </dev/null >"$TMP/haproxy.log" 2>&1 &
	echo $! >"$HAPROXY_PID"
	wait_vip || { log "haproxy not answering: $(cat "$TMP/haproxy.log")"; return 1; }
	log "haproxy $(haproxy -v | awk 'NR==1{print $3}') up (mode tcp, roundrobin, default nbthread = $(nproc))"
}

nginx_lb_start() {
	local d=$TMP/nginx-lb b
	mkdir -p "$d"
	{
		cat <<EOF
load_module $NGINX_STREAM_SO;
daemon off;
master_process on;
worker_processes auto;
pid $d/nginx.pid;
error_log $d/error.log warn;
worker_rlimit_nofile 200000;
events { worker_connections 65536; }
stream {
  upstream be {
EOF
		for b in "${SLC_BACKENDS[@]}"; do
			echo "    server $(topo_backend_ip "$b"):$SLC_HTTP_PORT;"
		done
		cat <<EOF
  }
  server {
    listen $SLC_VIP:80 backlog=4096;
    proxy_pass be;
    proxy_connect_timeout 5s;
    proxy_timeout 30s;
  }
}
EOF
	} >"$d/nginx.conf"
	nginx -p "$d" -c "$d/nginx.conf" </dev/null >"$d/stdout.log" 2>&1 &
	echo $! >"$NGINX_LB_PID"
	wait_vip || { log "nginx stream not answering: $(cat "$d/error.log" "$d/stdout.log")"; return 1; }
	log "nginx stream up (worker_processes auto = $(nproc), round robin)"
}

# ---------------------------------------------------------------------------
# Sluice.

# sluice_conf OUT MODE WORKERS IDLE_US
sluice_conf() {
	local out=$1 mode=$2 workers=$3 idle=$4
	{
		cat <<EOF
# generated by test/bench/bench_real.sh: mode=$mode workers=$workers idle_sleep_us=$idle sched=$SCHED
workers: {
  idle_sleep_us = $idle;
};
conntrack: {
  capacity = 262144;
};
ports = (
  { name = "client";
    device = "net_af_packet0,iface=$SLC_PORT0,qpairs=$workers";
    addresses = [ "$SLC_PORT0_IP/24" ];
  },
  { name = "backend";
    device = "net_af_packet1,iface=$SLC_PORT1,qpairs=$workers";
    addresses = [ "$SLC_PORT1_IP/24" ];
  }
);
services = (
EOF
		gen_service web 80 tcp "$SCHED" "$mode" "$SLC_HTTP_PORT" 1 1 1
		echo ");"
	} >"$out"
}

# EAL lcores: lcore 0 is the control lcore (1 ms tick, mostly asleep). One
# worker: its own core (1). Two workers: one per core, the control lcore
# sharing core 0 (the topology's default).
sluice_eal() {
	case "$1" in
	1) echo "--no-huge -m 512 --no-pci --lcores 0@0,1@1" ;;
	*) echo "--no-huge -m 512 --no-pci --lcores 0@0,1@0,2@1" ;;
	esac
}

sluice_conns_created() {
	[ -n "$SLC_PID" ] || { echo 0; return; }
	slc_tel /sluice/stats 2>/dev/null | jq -r '.conns_created // 0' 2>/dev/null || echo 0
}

# ---------------------------------------------------------------------------
# Measurement.

# Sum of a TCP MIB counter (/proc/net/snmp, per network namespace) over NSs.
tcp_mib() {
	local key=$1 ns sum=0 v
	shift
	for ns in "$@"; do
		v=$(topo_in "$ns" awk -v k="$key" '$1=="Tcp:" && !h {for (i=2;i<=NF;i++) n[i]=$i; h=1; next}
			$1=="Tcp:" {for (i=2;i<=NF;i++) if (n[i]==k) print $i}' /proc/net/snmp)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

BACKEND_NSS=("${SLC_BACKENDS[@]/#/slc-}")

# Busy jiffies and total jiffies of all CPUs ("cpu" line of /proc/stat).
cpu_sample() { awk '$1=="cpu" {t=0; for (i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat; }

# CPU time "UTIME STIME" (jiffies) of a process, its threads and its direct
# children (nginx's workers).
proc_cpu() {
	local pid=$1 p u=0 s=0 v
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo "0 0"; return; }
	for p in "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null); do
		read -r v < <(awk '{sub(/.*\) /, ""); print $12, $13}' "/proc/$p/stat" 2>/dev/null)
		set -- $v
		u=$((u + ${1:-0}))
		s=$((s + ${2:-0}))
	done
	echo "$u $s"
}

# CPU jiffies (user+sys) of the processes that are part of the experiment
# besides the LB: everything in our namespaces (backends) and the kernel
# threads (ksoftirqd, kworkers: they carry the veths' softirq work).
# pids are taken once (ours_pids) so both samples cover the same processes.
ours_pids() {
	local ns
	for ns in $(topo_namespaces); do
		ip netns pids "$ns" 2>/dev/null
	done
	awk '$4 == 2 || $1 == 2 {print $1}' /proc/[0-9]*/stat 2>/dev/null
}
pids_cpu() {
	local p sum=0 v
	for p in "$@"; do
		v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# Busy CPU (% of one core) of processes outside the experiment over 1 s,
# while the LB (LB_PID, its own CPU subtracted) is idle.
foreign_load() {
	local lbpid=$1 pids c0 t0 c1 t1 o0 o1 l0 l1 u s
	pids=$(ours_pids)
	read -r c0 t0 < <(cpu_sample)
	o0=$(pids_cpu $pids)
	read -r u s < <(proc_cpu "$lbpid")
	l0=$((u + s))
	sleep 1
	read -r c1 t1 < <(cpu_sample)
	o1=$(pids_cpu $pids)
	read -r u s < <(proc_cpu "$lbpid")
	l1=$((u + s))
	awk -v b=$((c1 - c0 - (o1 - o0) - (l1 - l0))) -v hz="$(getconf CLK_TCK)" 'BEGIN {v = 100 * b / hz; printf "%.0f", v < 0 ? 0 : v}'
}

# wait_quiet LB_PID: other users of this machine (builds, other benchmarks)
# skew every figure on 2 cores. Wait (bounded: BENCH_QUIET_WAIT s) until the
# rest of the machine uses under 15 % of a core.
wait_quiet() {
	local lbpid=$1 i f=0 max=${BENCH_QUIET_WAIT:-60}
	for i in $(seq 1 "$max"); do
		f=$(foreign_load "$lbpid")
		[ "$f" -lt 15 ] && return 0
		[ $((i % 15)) -eq 1 ] && log "machine busy outside the benchmark (${f}% of a core: $(ps -eo pcpu=,comm= --sort=-pcpu | head -3 | tr -s ' ' | tr '\n' ',')); waiting"
	done
	log "WARN: still ${f}% foreign load after ${max} s; measuring anyway (see 'other CPU')"
}

# wrk latency "1.23ms" / "512.00us" / "1.02s" / "3.00m" -> milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
		else print "?" }'
}

RESULTS=""

# measure LABEL KIND NS TARGET_URL LB_PID: one wrk run (KIND close|keepalive)
# from NS; appends a row to RESULTS (tab-separated).
measure() {
	local label=$1 kind=$2 ns=$3 url=$4 lbpid=${5:-}
	local hdr=() out=$TMP/wrk-${label// /_}-$kind.txt
	local ao0 ao1 po0 po1 cc0 cc1 c0 c1 pu0 ps0 pu1 ps1 rt0 rt1
	[ "$kind" = close ] && hdr=(-H "Connection: close")
	ao0=$(tcp_mib ActiveOpens "$ns")
	po0=$(tcp_mib PassiveOpens "${BACKEND_NSS[@]}")
	rt0=$(tcp_mib RetransSegs "$ns" "${BACKEND_NSS[@]}")
	cc0=$(sluice_conns_created)
	wait_quiet "$lbpid"
	local opids o0 o1
	opids=$(ours_pids)
	o0=$(pids_cpu $opids)
	read -r c0 t0 < <(cpu_sample)
	read -r pu0 ps0 < <(proc_cpu "$lbpid")
	local perfpid=""
	if [ -n "$PERF_VARIANT" ] && [ "$label" = "sluice $PERF_VARIANT" ] && [ "$kind" = close ] &&
		command -v perf >/dev/null; then
		perf record -q -g -a -o "$TMP/perf-${PERF_VARIANT//:/-}-$kind.data" -- sleep "$DURATION" >/dev/null 2>&1 &
		perfpid=$!
	fi
	# bash's `times` after wrk: wrk's own CPU (children user, sys), for the
	# "other CPU" column.
	timeout $((DURATION + 20)) ip netns exec "$ns" bash -c 'wrk "$@"; rc=$?; times >&2; exit $rc' wrk \
		-t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${hdr[@]}" "$url" >"$out" 2>"$out.times"
	local wrc=$?
	read -r c1 t1 < <(cpu_sample)
	read -r pu1 ps1 < <(proc_cpu "$lbpid")
	o1=$(pids_cpu $opids)
	ao1=$(tcp_mib ActiveOpens "$ns")
	po1=$(tcp_mib PassiveOpens "${BACKEND_NSS[@]}")
	rt1=$(tcp_mib RetransSegs "$ns" "${BACKEND_NSS[@]}")
	cc1=$(sluice_conns_created)
	[ -z "$perfpid" ] || wait "$perfpid" 2>/dev/null
	if [ $wrc -ne 0 ] || ! grep -q 'Requests/sec' "$out"; then
		log "$label $kind: wrk failed (status $wrc): $(tr '\n' ' ' <"$out")"
		RESULTS+="$label	$kind	FAILED								"$'\n'
		BENCH_FAILED=1
		return 1
	fi
	local reqs secs rps p50 p99 errs non2xx cps bconns hz
	reqs=$(awk '/requests in/ {print $1}' "$out")
	secs=$(awk '/requests in/ {v=$4; sub(/,$/, "", v); print v}' "$out")
	secs=$(to_ms "$secs")
	rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
	p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$out")")
	p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$out")")
	errs=$(awk '/Socket errors/ {gsub(/,/, ""); print $4+$6+$8+$10}' "$out")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
	cps=$(awk -v n=$((ao1 - ao0)) -v ms="$secs" 'BEGIN {printf "%.0f", n * 1000 / ms}')
	bconns=$((po1 - po0))
	hz=$(getconf CLK_TCK)
	local idle lbcpu
	idle=$(awk -v b=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.0f", t ? 100 - 100 * b / t : 0}')
	# LB CPU: total % of one core, (user + sys).
	lbcpu=$(awk -v u=$((pu1 - pu0)) -v s=$((ps1 - ps0)) -v hz="$hz" -v ms="$secs" 'BEGIN {
		f = ms ? 100 / hz / (ms / 1000) : 0; printf "%.0f (%.0f+%.0f)", (u + s) * f, u * f, s * f }')
	[ -n "$lbpid" ] || lbcpu=-
	# CPU used outside the experiment during the run, % of one core: all
	# busy time - LB - backends and kernel threads - wrk. A figure above
	# ~15 means someone else was using the machine: rerun.
	local wrkj other
	wrkj=$(awk -v hz="$hz" 'NR == 2 {for (i = 1; i <= 2; i++) {v = $i; m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v); sub(/s$/, "", v); t += m * 60 + v}} END {printf "%.0f", t * hz}' "$out.times")
	other=$(awk -v b=$((c1 - c0)) -v o=$((o1 - o0)) -v l=$((pu1 - pu0 + ps1 - ps0)) -v w="${wrkj:-0}" -v hz="$hz" -v ms="$secs" \
		'BEGIN {v = 100 * (b - o - l - w) / hz / (ms / 1000); printf "%.0f", v < 0 ? 0 : v}')
	RESULTS+="$label	$kind	$cps	$rps	$p50	$p99	$reqs	$((ao1 - ao0))	$bconns	$((cc1 - cc0))	${errs:-0}/${non2xx:-0}	$idle	$lbcpu	$((rt1 - rt0))	$other"$'\n'
	log "$(printf '%-22s %-9s conns/s %7s  req/s %7s  p50 %8s ms  p99 %8s ms  client conns %6s  backend conns %6s  sluice conns %6s  errors %s  idle %s%%  lb cpu %s%%  retrans %s  other cpu %s%%' \
		"$label" "$kind" "$cps" "$rps" "$p50" "$p99" "$((ao1 - ao0))" "$bconns" "$((cc1 - cc0))" "${errs:-0}/${non2xx:-0}" "$idle" "$lbcpu" "$((rt1 - rt0))" "$other")"
}

warmup() {
	[ "$WARMUP" -gt 0 ] || return 0
	timeout $((WARMUP + 10)) ip netns exec "$1" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
		-H "Connection: close" "$2" >/dev/null 2>&1
}

measure_pair() {
	local label=$1 ns=${2:-$SLC_NS_CLI} url=${3:-$URL} pid=${4:-}
	local rc=0
	warmup "$ns" "$url"
	measure "$label" close "$ns" "$url" "$pid" || rc=1
	sleep 1
	measure "$label" keepalive "$ns" "$url" "$pid" || rc=1
	sleep 1
	return $rc
}

run_direct() {
	local ip
	ip=$(topo_backend_ip "${SLC_BACKENDS[0]}")
	log "direct: wrk from $SLC_NS_SW straight to one backend ($ip:$SLC_HTTP_PORT, $BACKEND)"
	measure_pair "direct to 1 backend" "$SLC_NS_SW" "http://$ip:$SLC_HTTP_PORT/" ""
}

run_kernel_lb() {
	local which=$1 rc=0
	topo_mode nat >/dev/null || return 1
	kernel_addrs_on || { log "cannot put addresses on $SLC_PORT0/$SLC_PORT1"; kernel_addrs_off; return 1; }
	if [ "$which" = haproxy ]; then
		haproxy_start && measure_pair "haproxy tcp" "$SLC_NS_CLI" "$URL" "$(cat "$HAPROXY_PID")" || rc=1
	else
		nginx_lb_start && measure_pair "nginx stream" "$SLC_NS_CLI" "$URL" "$(cat "$NGINX_LB_PID")" || rc=1
	fi
	kernel_lb_stop
	kernel_addrs_off
	return $rc
}

run_sluice() {
	local v=$1 mode workers idle conf rc=0 src
	IFS=: read -r mode workers idle <<<"$v"
	topo_mode "$mode" >/dev/null || return 1
	neigh_flush
	conf=$TMP/sluice-$mode-$workers-$idle.conf
	sluice_conf "$conf" "$mode" "$workers" "$idle"
	SLC_EAL_ARGS=$(sluice_eal "$workers")
	slc_start "$PREFIX" "$TMP/sluice-$mode-$workers-$idle.log" -c "$conf" || return 1
	slc_wait_backends "$URL" || log "sluice $v: backends not all resolved yet (continuing)"
	log "sluice $v up ($mode, $workers worker(s), idle_sleep_us=$idle, $SCHED, EAL $SLC_EAL_ARGS)"
	measure_pair "sluice $v" "$SLC_NS_CLI" "$URL" "$SLC_PID" || rc=1
	slc_tel /sluice/stats >"$TMP/sluice-$mode-$workers-$idle.stats.json" 2>/dev/null
	slc_tel /ethdev/stats,0 >"$TMP/sluice-$mode-$workers-$idle.ethdev0.json" 2>/dev/null
	slc_tel /ethdev/stats,1 >"$TMP/sluice-$mode-$workers-$idle.ethdev1.json" 2>/dev/null
	slc_stop >/dev/null 2>&1
	src=$?
	[ $src -eq 0 ] || { log "sluice $v: exit status $src on SIGTERM"; rc=1; }
	return $rc
}

# ---------------------------------------------------------------------------

bench_main() {
	bench_require
	BENCH_FAILED=0
	trap bench_cleanup EXIT
	trap 'log interrupted; exit 130' INT TERM
	kernel_lb_stop
	backends_stop
	slc_kill_leftover "$PREFIX"
	if [ -n "${BENCH_OUT:-}" ]; then
		TMP=$BENCH_OUT
		mkdir -p "$TMP"
	else
		TMP=$(slc_tmpdir /tmp/slc-bench) || die "cannot create a temp dir"
	fi

	topo_up >/dev/null || die "topology up failed"
	topo_mode nat >/dev/null || die "topology mode nat failed"
	# The clients (wrk in slc-cli, and in slc-sw for "direct") may reuse a
	# port still in TIME_WAIT (timestamps make it safe). Without it, the
	# client's own TIME_WAIT sockets (it often closes first, racing the
	# server's FIN) pile up over ~60 s of close runs, connect() slows to a
	# crawl hunting free ports, and whichever LB runs later looks worse.
	ip netns exec "$SLC_NS_CLI" sysctl -qw net.ipv4.tcp_tw_reuse=1 >/dev/null
	ip netns exec "$SLC_NS_SW" sysctl -qw net.ipv4.tcp_tw_reuse=1 >/dev/null
	backends_start || die "backends did not start"
	log "wrk -t$THREADS -c$CONNS -d${DURATION}s --latency, backends: $BACKEND"

	local rep lb v
	for rep in $(seq 1 "$REPEAT"); do
		[ "$REPEAT" -eq 1 ] || log "round $rep of $REPEAT"
		for lb in $LBS; do
			case "$lb" in
			direct) run_direct || BENCH_FAILED=1 ;;
			haproxy | nginx) run_kernel_lb "$lb" || BENCH_FAILED=1 ;;
			sluice)
				for v in $SLUICE_VARIANTS; do
					run_sluice "$v" || BENCH_FAILED=1
				done
				;;
			*) log "unknown LB '$lb' in BENCH_LBS" ;;
			esac
		done
	done

	RESULTS_MD=/dev/null
	[ -z "${BENCH_OUT:-}" ] || RESULTS_MD=$BENCH_OUT/results.md
	# Table, with the ratio to HAProxy's figure of the same kind (conns/s for
	# close, req/s for keepalive).
	{
		echo "wrk -t$THREADS -c$CONNS -d${DURATION}s --latency; backends: $BACKEND; $(nproc) CPUs; sluice scheduler $SCHED"
		echo
		echo "| LB | variant | kind | conns/s | req/s | p50 ms | p99 ms | × HAProxy | conns client / backend / new sluice entries | errors | LB CPU % (user+sys) | TCP retrans | other CPU % |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
		awk -F'\t' '
			# Rounds of one LB and kind: keep the median one (by conns/s for
			# close, req/s for keepalive) and note the range.
			NF < 3 { next }
			{
				k = $1 SUBSEP $2
				if (!(k in cnt)) order[++nk] = k
				row[k, ++cnt[k]] = $0
				m = ($2 == "close") ? $3 : $4
				val[k, cnt[k]] = (m == "FAILED") ? -1 : m + 0
			}
			END {
				for (j = 1; j <= nk; j++) {
					k = order[j]; c = cnt[k]
					for (a = 1; a <= c; a++) idx[a] = a
					for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++)
						if (val[k, idx[b]] < val[k, idx[a]]) { t = idx[a]; idx[a] = idx[b]; idx[b] = t }
					med[k] = row[k, idx[int((c + 1) / 2)]]
					rng[k] = (c > 1) ? sprintf(" (%d rounds: %d..%d)", c, val[k, idx[1]], val[k, idx[c]]) : ""
				}
				split(med["haproxy tcp" SUBSEP "close"], h, "\t"); hc = h[3]
				split(med["haproxy tcp" SUBSEP "keepalive"], h, "\t"); hk = h[4]
				for (j = 1; j <= nk; j++) {
					split(med[order[j]], f, "\t")
					lb = f[1]; var = "-"
					if (lb ~ /^sluice /) { var = substr(lb, 8); lb = "sluice" }
					else if (lb == "haproxy tcp") { lb = "HAProxy"; var = "mode tcp" }
					else if (lb == "nginx stream") { lb = "nginx"; var = "stream" }
					else if (lb == "direct to 1 backend") { lb = "none (direct)"; var = "1 backend" }
					if (f[3] == "FAILED") { printf "| %s | %s | %s | FAILED ||||||||||\n", lb, var, f[2]; continue }
					if (f[2] == "close") ratio = (hc > 0) ? sprintf("%.2f", f[3] / hc) : "-"
					else ratio = (hk > 0) ? sprintf("%.2f", f[4] / hk) : "-"
					conns = f[8] " / " f[9] ((lb == "sluice") ? " / " f[10] : "")
					if (f[2] == "close") f[3] = f[3] rng[order[j]]
					else f[4] = f[4] rng[order[j]]
					printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
						lb, var, f[2], f[3], f[4], f[5], f[6], ratio, conns, f[11], f[13], f[14], f[15]
				}
			}' <<<"$RESULTS"
	} | tee "$RESULTS_MD"
	return $BENCH_FAILED
}

# Sourced (for poking at one LB by hand): functions only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	bench_main
	exit $?
fi
