#!/usr/bin/env bash
# Warm-up: forwarding starts within a few milliseconds of a port's link
# coming up, not at the next ARP retry (NEIGH_RETRY_MS, 1 s), and the
# packets dropped meanwhile do not flood the event ring (events_lost = 0).
# Sluice and the benchmark generator (test/bench/gen) are joined by memif,
# whose links, unlike af_packet's, go up only when the peer connects:
#   1. gen first (memif server), sluice connects as a client: the links come
#      up during sluice's start-up (the end-to-end benchmark's set-up);
#   2. sluice first (memif server), ready with its links down; gen connects
#      afterwards;
#   3. as 2, but gen leaves the first ARP request for each backend
#      unanswered (--ignore-arp-b 4): a request lost around link-up must be
#      repeated within the fast retries, not at the next 1 s retry;
#   4. as 2, but gen polls nothing for 100 ms after its links are up
#      (--rx-delay 100), so sluice has no TX room for its link-up requests:
#      they wait for room, none is dropped (10 dropped without the hold).
# gen answers ARP for the gateway and the backends, resolves the VIP, sends
# UDP from 64 flows and reports how long after its links came up the first
# packet came out of sluice. Without the requests on link up, case 1 takes
# ~1000 ms every time; case 2 fails whenever the link comes up in the first
# three quarters of a retry cycle. Without the workers' miss filter both
# lose millions of events.
source "$(dirname "$0")/lib.sh"
it_init test_warmup

GEN=${GEN:-$(dirname "$SLUICE_BIN")/test/bench/gen}
[ -x "$GEN" ] || fatal "no generator at $GEN (ninja -C build builds test/bench/gen)"
GEN_PREFIX=$IT_PREFIX-gen
GEN_PID=""
GEN_LOG=""
# Well under the 1 s retry, with room for a busy 2-CPU machine.
MAX_FIRST_MS=250

gen_stop() {
	local i
	if [ -n "$GEN_PID" ]; then
		kill -TERM "$GEN_PID" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$GEN_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$GEN_PID" 2>/dev/null
		wait "$GEN_PID" 2>/dev/null
		GEN_PID=""
	fi
	rm -rf "/var/run/dpdk/$GEN_PREFIX"
}
trap 'rc=$?; gen_stop; (exit $rc); it_cleanup' EXIT

# memif DIR INDEX ROLE: vdev arguments of one memif port, socket in DIR.
memif() {
	echo "net_memif$2,role=$3,socket=$1/$([ "$2" = 0 ] && echo a || echo b).sock,socket-abstract=no"
}

# gen_start DIR ROLE LOG [GEN OPTIONS]: gen on lcore 0 / CPU 0, polling
# until its report, then holding its ports until stopped (the benchmark's
# addresses).
gen_start() {
	GEN_LOG=$3
	"$GEN" --lcores 0@0 --no-huge -m 256 --no-pci --file-prefix "$GEN_PREFIX" \
		--vdev "$(memif "$1" 0 "$2")" --vdev "$(memif "$1" 1 "$2")" -- \
		--flows 64 --duration 0.2 --warmup 0.2 --timeout 15 --rxq 2 --hold "${@:4}" \
		</dev/null >"$GEN_LOG" 2>&1 &
	GEN_PID=$!
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time is up.
wait_for() {
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do
		"$@" && return 0
		kill -0 "$GEN_PID" 2>/dev/null || { "$@"; return; }
		sleep 0.1
	done
	"$@"
}
gen_reported() { grep -qs '^RESULT ' "$GEN_LOG"; }
sockets_exist() { [ -S "$1/a.sock" ] && [ -S "$1/b.sock" ]; }

# write_conf FILE DIR ROLE: one nat UDP service, the benchmark's addresses.
write_conf() {
	cat >"$1" <<EOF
workers: { idle_sleep_us = 20; };
conntrack: { capacity = 65536; };
ports = (
  { name = "clients"; device = "$(memif "$2" 0 "$3")";
    addresses = [ "198.18.0.1/24" ]; gateway = "198.18.0.254"; },
  { name = "servers"; device = "$(memif "$2" 1 "$3")";
    addresses = [ "198.18.1.1/24" ]; }
);
services = (
  { name = "warm"; vip = "198.18.0.10"; port = 5353; protocol = "udp";
    backends = ( { address = "198.18.1.11"; }, { address = "198.18.1.12"; },
                 { address = "198.18.1.13"; }, { address = "198.18.1.14"; } ); }
);
EOF
}

# check_warmup NAME [LIMIT_MS]: gen's report and sluice's counters after a run.
check_warmup() {
	local name=$1 limit=${2:-$MAX_FIRST_MS} first st lost miss tx
	if ! gen_reported; then
		fail "$name: gen reported" "no RESULT line; gen log tail: $(grep -v '^EAL' "$GEN_LOG" | tail -n 5 | tr '\n' '|')"
		return
	fi
	first=$(sed -n 's/^gen: first packet out at B \([0-9.]*\) ms.*/\1/p' "$GEN_LOG")
	expect "$name: first packet forwarded ${first:-?} ms after the links came up (limit $limit)" \
		"too late: the next hops were not asked for (again) soon after the links came up" \
		awk -v f="${first:-999999}" -v m="$limit" 'BEGIN { exit !(f < m) }'
	st=$(slc_tel /sluice/stats) || { fail "$name: telemetry" "/sluice/stats failed"; return; }
	lost=$(jget "$st" .events_lost)
	miss=$(jget "$st" .drop_neigh_miss)
	tx=$(jget "$st" .tx_packets)
	expect "$name: events_lost = $lost (drop_neigh_miss = $miss)" \
		"event ring overflowed: one miss event per dropped packet?" [ "$lost" = 0 ]
	expect "$name: $tx packets forwarded" "tx_packets = $tx" in_range "$tx" 1 999999999999
}

# sluice_serve N: sluice as the memif server in $IT_TMP/mN, ready with its
# links down (no peer yet); sets dir.
sluice_serve() {
	dir=$IT_TMP/m$1
	mkdir -p "$dir"
	write_conf "$IT_TMP/server-$1.conf" "$dir" server
	SLC_EAL_ARGS="--no-huge -m 512 --no-pci --lcores 0@0,1@1" \
		slc_start "$IT_PREFIX" "$IT_TMP/sluice-$1.log" -c "$IT_TMP/server-$1.conf" ||
		fatal "sluice did not become ready as a memif server"
	sockets_exist "$dir" || fatal "sluice did not create its memif sockets in $dir"
}

# 1. Links up during start-up.
dir=$IT_TMP/m1
mkdir -p "$dir"
write_conf "$IT_TMP/client.conf" "$dir" client
gen_start "$dir" server "$IT_TMP/gen-1.log"
wait_for 10 sockets_exist "$dir" || fatal "gen did not create its memif sockets: $(tail -n 3 "$GEN_LOG")"
SLC_EAL_ARGS="--no-huge -m 512 --no-pci --lcores 0@0,1@1" \
	slc_start "$IT_PREFIX" "$IT_TMP/sluice-1.log" -c "$IT_TMP/client.conf" ||
	fatal "sluice did not become ready as a memif client"
wait_for 30 gen_reported
check_warmup "links up at start-up"
it_sluice_stop "links up at start-up"
gen_stop

# 2. Links up after start-up: sluice serves the memif sockets, gen connects
# once sluice is ready (and its start-up ARP requests went nowhere).
sluice_serve 2
n=$(slc_tel /sluice/neigh | jq 'length')
expect "no next hop resolved while the links are down ($n)" "$(slc_tel /sluice/neigh)" [ "$n" = 0 ]
gen_start "$dir" client "$IT_TMP/gen-2.log"
wait_for 30 gen_reported
check_warmup "links up after start-up"
expect "sluice logged the link coming up and its requests" "$(grep 'link' "$SLC_LOG" | tr '\n' '|')" \
	grep -q 'port servers: link up; 4 unresolved' "$SLC_LOG"
it_sluice_stop "links up after start-up"
gen_stop

# 3. As 2, with the first request for each backend lost. Sluice re-asks every
# neighbour scan (50 ms) for a second after link-up, so the first packet
# comes out within two scans or so; at the plain retry it would take ~1000 ms.
sluice_serve 3
gen_start "$dir" client "$IT_TMP/gen-3.log" --ignore-arp-b 4
wait_for 30 gen_reported
expect "gen left 4 ARP requests unanswered" "$(grep 'ARP requests ignored' "$GEN_LOG")" \
	grep -q 'ARP requests ignored on B, all phases: 4$' "$GEN_LOG"
check_warmup "first requests lost" 500
st=$(slc_tel /sluice/stats)
expect "sluice asked again: $(jget "$st" .arp_requests) ARP requests for 4 backends" "$st" \
	in_range "$(jget "$st" .arp_requests)" 8 1000
expect "no ARP request dropped ($(jget "$st" .arp_requests_dropped))" "$st" \
	[ "$(jget "$st" .arp_requests_dropped)" = 0 ]
it_sluice_stop "first requests lost"
gen_stop

# 4. As 2, with gen polling nothing for 100 ms after its links are up: a
# memif client that has not polled has handed sluice no TX room, so the
# requests sent at link-up cannot go out yet. They wait for room instead of
# being dropped (the race case 3 lost about one run in four).
sluice_serve 4
gen_start "$dir" client "$IT_TMP/gen-4.log" --rx-delay 100
wait_for 30 gen_reported
check_warmup "no TX room at link-up"
st=$(slc_tel /sluice/stats)
expect "no TX room at link-up: no ARP request dropped ($(jget "$st" .arp_requests_dropped))" "$st" \
	[ "$(jget "$st" .arp_requests_dropped)" = 0 ]
expect "no TX room at link-up: $(jget "$st" .arp_requests) ARP requests sent" "$st" \
	in_range "$(jget "$st" .arp_requests)" 4 1000
it_sluice_stop "no TX room at link-up"
gen_stop

it_done
