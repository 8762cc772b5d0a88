#!/usr/bin/env bash
# End-to-end benchmark over memif: our generator (gen) sends 64-byte UDP to
# the VIP from many flows into the device under test and counts what comes
# out. The DUT is testpmd io-forwarding (the baseline: the cost of the memif
# path itself) and sluice (a nat UDP service, one worker), in the same run:
# each round runs testpmd, sluice, testpmd again. Prints baseline Mpps,
# sluice Mpps, their ratio and loss. Builds nothing; run by hand, never as a
# timed test.
#
#   test/bench/bench_e2e.sh [--quick] [--rounds N] [--duration S] [--warmup S]
#                           [--flows "N ..."] [--proto udp|tcp] [--keep]
#                           [--wait-quiet S] [--until-clean N] [--huge]
#   BUILD_DIR=build-e2e test/bench/bench_e2e.sh      (default: build/)
#   SLUICE=/path/to/sluice GEN=... TESTPMD=...        (override single binaries)
#
#   --quick      one round of 1 s at 1024 flows (~20 s): proves the bench works
#   --flows      flow counts, one table row each (default "1000 100000 1000000")
#   --keep       keep the logs (path printed at the end)
#   --huge       hugepages for gen and the DUTs (reserve them first, e.g.
#                echo 1024 > /proc/sys/vm/nr_hugepages; the script only checks)
#   --wait-quiet S  before each run, wait up to S seconds for the machine to
#                be idle (under 10 % busy); each run reports how long gen and
#                the DUT's worker waited for their CPUs, and warns
#   --until-clean N  after --rounds, keep going (at most 30 rounds per flow
#                count) until N rounds ran without CPU competition
#
# Topology (memif sockets in a private temp dir; gen is the server of both):
#
#        gen (core 0)                       DUT (worker/forwarder on core 1)
#   port A  net_memif0 ── a.sock ──  net_memif0  "clients"  198.18.0.1/24
#   port B  net_memif1 ── b.sock ──  net_memif1  "servers"  198.18.1.1/24
#
# gen answers ARP on A for the clients' gateway 198.18.0.254 and on B for
# the backends 198.18.1.11-14, and resolves the VIP 198.18.0.10 by ARP
# (sluice) or sends to a fixed MAC (testpmd, which forwards blindly).
# Clients are 198.19.0.0/16 behind the gateway, 1000 source ports each.
#
# Pinning, the same for both DUTs: gen alone polls core 0; the DUT's
# forwarding lcore (testpmd's io core, sluice's worker with idle_sleep_us = 0)
# polls core 1; the DUT's main lcore shares core 0 with gen (testpmd's sits
# in read(), sluice's control lcore wakes once per 1 ms tick). Both DUTs have
# one RX and two TX queues per port (sluice's control lcore has a TX queue of
# its own; testpmd gets --txq=2 so gen sees the same rings), and all three
# run with --no-huge (4 KB pages) unless --huge is given. Without hugepages a
# large connection table costs Sluice TLB misses that testpmd does not pay.
#
# Exit status: 0 when every run produced a result (the 0.5 target is
# reported, not enforced), 1 when a run failed, 2 on bad usage.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
TESTPMD=${TESTPMD:-dpdk-testpmd}
GEN_CORE=${GEN_CORE:-0}
DUT_CORE=${DUT_CORE:-1}
ROUNDS=3
DURATION=5
WARMUP=1
FLOWS="1000 100000 1000000"
PROTO=udp
KEEP=0
WAIT_QUIET=0
HUGE=0
UNTIL_CLEAN=0
MAX_ROUNDS=30
TIMEOUT=30                 # gen: links, ARP and warm-up must be done by then
TARGET=0.5

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) ROUNDS=1; DURATION=1; WARMUP=0.5; FLOWS=1024 ;;
	--rounds) ROUNDS=${2:?}; shift ;;
	--duration) DURATION=${2:?}; shift ;;
	--warmup) WARMUP=${2:?}; shift ;;
	--flows) FLOWS=${2:?}; shift ;;
	--proto) PROTO=${2:?}; shift ;;
	--keep) KEEP=1 ;;
	--wait-quiet) WAIT_QUIET=${2:?}; shift ;;
	--huge) HUGE=1 ;;
	--until-clean) UNTIL_CLEAN=${2:?}; shift ;;
	-h|--help) usage 0 ;;
	*) echo "bench_e2e: unknown argument '$1'" >&2; usage 2 ;;
	esac
	shift
done

GEN=${GEN:-$BUILD_DIR/test/bench/gen}
SLUICE=${SLUICE:-$BUILD_DIR/sluice}
for f in "$GEN" "$SLUICE"; do
	[ -x "$f" ] || { echo "bench_e2e: no $f: build first (ninja -C $BUILD_DIR) or set BUILD_DIR" >&2; exit 2; }
done
command -v "$TESTPMD" >/dev/null || { echo "bench_e2e: no $TESTPMD (Debian package dpdk)" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "bench_e2e: needs 2 CPUs" >&2; exit 2; }
case $PROTO in udp|tcp) ;; *) echo "bench_e2e: --proto udp|tcp" >&2; exit 2 ;; esac

MEMOPT=--no-huge
if [ "$HUGE" = 1 ]; then
	MEMOPT=--huge-unlink
	free_mb=$(awk '/^HugePages_Free/ { f = $2 } /^Hugepagesize/ { s = $2 } END { print int(f * s / 1024) }' /proc/meminfo)
	max_flows=$(echo "$FLOWS" | tr ' ' '\n' | sort -n | tail -1)
	cap=1048576
	while [ "$cap" -lt $((max_flows * 2)) ]; do cap=$((cap * 2)); done
	need_mb=$((256 + 512 + cap / 10000))    # gen + the largest sluice (-m of each)
	if [ "$free_mb" -lt "$need_mb" ]; then
		echo "bench_e2e: --huge: ${free_mb} MB of hugepages free, about ${need_mb} MB needed" \
			"(echo $((need_mb / 2 + 64)) > /proc/sys/vm/nr_hugepages)" >&2
		exit 2
	fi
fi

if [ "$(id -u)" -eq 0 ]; then
	RUNDIR=/var/run/dpdk
else
	RUNDIR=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi
TMP=$(mktemp -d /tmp/sluice-e2e.XXXXXX) || exit 1
TAG=sl-e2e-$$
PREFIXES="$TAG-gen $TAG-tpmd $TAG-sluice"
PIDS=""
FIFO_FD=""

stop_pid() {            # stop_pid PID SIGNAL|-: signal (- = none), wait up to 5 s, then KILL
	local pid=$1 sig=$2
	if kill -0 "$pid" 2>/dev/null; then
		[ "$sig" != - ] && kill -"$sig" "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

close_fifo() {
	if [ -n "$FIFO_FD" ]; then
		exec {FIFO_FD}>&-
		FIFO_FD=""
	fi
}

# shellcheck disable=SC2317  # called through trap
cleanup() {
	local rc=$? pid p
	trap - EXIT INT TERM
	for pid in $PIDS; do stop_pid "$pid" TERM; done
	close_fifo
	for p in $PREFIXES; do rm -rf "${RUNDIR:?}/$p"; done
	if [ "$KEEP" = 1 ]; then
		rm -f "$TMP"/*.sock "$TMP"/*.in
		echo "bench_e2e: logs kept in $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {            # wait_for SECONDS COMMAND...: poll every 0.1 s
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# shellcheck disable=SC2317  # called through wait_for
sockets_exist() { [ -S "$TMP/a.sock" ] && [ -S "$TMP/b.sock" ]; }

memif() {               # memif INDEX ROLE: vdev args of one memif port
	echo "net_memif$1,role=$2,socket=$TMP/$([ "$1" = 0 ] && echo a || echo b).sock,socket-abstract=no"
}

write_sluice_conf() {   # write_sluice_conf FLOWS
	local cap=1048576
	while [ "$cap" -lt $(($1 * 2)) ]; do cap=$((cap * 2)); done
	CT_CAPACITY=$cap
	cat > "$TMP/sluice.conf" <<EOF
# Written by test/bench/bench_e2e.sh: one nat UDP service, backends behind
# port "servers" (gen answers ARP for them), clients behind 198.18.0.254.
workers: { burst = 32; idle_sleep_us = 0; };
conntrack: { capacity = $cap; };
ports = (
  { name = "clients"; device = "$(memif 0 client)";
    addresses = [ "198.18.0.1/24" ]; gateway = "198.18.0.254"; },
  { name = "servers"; device = "$(memif 1 client)";
    addresses = [ "198.18.1.1/24" ]; }
);
services = (
  { name = "bench"; vip = "198.18.0.10"; port = 5353; protocol = "$PROTO";
    scheduler = "rr";
    backends = ( { address = "198.18.1.11"; }, { address = "198.18.1.12"; },
                 { address = "198.18.1.13"; }, { address = "198.18.1.14"; } ); }
);
EOF
}

# run_one DUT FLOWS LOG: gen + DUT; sets RESULT to gen's RESULT line, 1 on failure.
run_one() {
	local dut=$1 flows=$2 log=$3 gen_pid dut_pid deadline mem resolve=""
	local w0="" t0 w1 t1
	RESULT=""
	DUT_WAIT=""
	DUT_SHARE=""
	BUSY_BEFORE=$(machine_busy_pct)
	deadline=$((SECONDS + WAIT_QUIET))
	while [ "$BUSY_BEFORE" -gt 10 ] && [ $SECONDS -lt $deadline ]; do
		sleep 2
		BUSY_BEFORE=$(machine_busy_pct)
	done
	rm -f "$TMP"/*.sock
	[ "$dut" = tpmd ] && resolve="--no-resolve"
	"$GEN" --lcores "0@$GEN_CORE" "$MEMOPT" -m 256 --no-pci --file-prefix "$TAG-gen" \
		--vdev "$(memif 0 server)" --vdev "$(memif 1 server)" -- \
		--flows "$flows" --proto "$PROTO" --duration "$DURATION" --warmup "$WARMUP" \
		--timeout "$TIMEOUT" --rxq 2 --hold $resolve > "$log.gen" 2>&1 &
	gen_pid=$!
	PIDS="$gen_pid"
	if ! wait_for 10 sockets_exist; then
		echo "bench_e2e: gen did not create its memif sockets" >&2
		grep -v '^EAL' "$log.gen" | tail -5 >&2
		stop_pid "$gen_pid" TERM
		PIDS=""
		return 1
	fi
	if [ "$dut" = tpmd ]; then
		# testpmd forwards until a line arrives on stdin ("Press enter to exit").
		mkfifo "$log.in"
		exec {FIFO_FD}<>"$log.in"
		"$TESTPMD" --lcores "0@$GEN_CORE,1@$DUT_CORE" "$MEMOPT" -m 512 --no-pci \
			--file-prefix "$TAG-tpmd" --vdev "$(memif 0 client)" --vdev "$(memif 1 client)" -- \
			--forward-mode=io --nb-cores=1 --rxq=1 --txq=2 --total-num-mbufs=32768 \
			--record-core-cycles \
			< "$log.in" > "$log.dut" 2>&1 &
	else
		write_sluice_conf "$flows"
		mem=$((512 + CT_CAPACITY / 10000))
		"$SLUICE" --lcores "0@$GEN_CORE,1@$DUT_CORE" "$MEMOPT" -m "$mem" --no-pci \
			--file-prefix "$TAG-sluice" -- -c "$TMP/sluice.conf" > "$log.dut" 2>&1 &
	fi
	dut_pid=$!
	PIDS="$gen_pid $dut_pid"
	# gen reports after warm-up and the measured run, then holds its ports
	# until the DUT is gone; a DUT that dies on start-up ends the wait early.
	deadline=$((SECONDS + TIMEOUT + ${DURATION%.*} + 15))
	while kill -0 "$gen_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		kill -0 "$dut_pid" 2>/dev/null || break
		grep -q '^RESULT ' "$log.gen" && break
		if [ -z "$w0" ] && grep -q '^gen: measuring' "$log.gen"; then
			w0=$(dut_sched_ns "$dut_pid")
			t0=$(date +%s%N)
		fi
		sleep 0.1
	done
	if [ -n "$w0" ] && kill -0 "$dut_pid" 2>/dev/null; then
		w1=$(dut_sched_ns "$dut_pid")
		t1=$(date +%s%N)
		# DUT_WAIT: % of the run the worker waited for its CPU; DUT_SHARE:
		# % it was on it (a busy-polling worker alone on its core: ~100).
		read -r DUT_SHARE DUT_WAIT <<< "$(echo "$w0 $w1" | awk -v t="$((t1 - t0))" '
			$3 >= $1 && $4 >= $2 { printf "%.1f %.1f", 100 * ($3 - $1) / t, 100 * ($4 - $2) / t }')"
	fi
	if ! grep -q '^RESULT ' "$log.gen"; then
		echo "bench_e2e: $dut run did not finish (DUT alive: $(kill -0 "$dut_pid" 2>/dev/null && echo yes || echo no))" >&2
	fi
	# The DUT leaves first, while gen still holds the memif servers.
	if [ "$dut" = tpmd ]; then
		kill -0 "$dut_pid" 2>/dev/null && echo >&"$FIFO_FD"
		stop_pid "$dut_pid" -
		close_fifo
	else
		stop_pid "$dut_pid" INT    # sluice prints its final counters
	fi
	stop_pid "$gen_pid" TERM
	PIDS=""
	rm -rf "${RUNDIR:?}/$TAG-gen" "${RUNDIR:?}/$TAG-tpmd" "${RUNDIR:?}/$TAG-sluice" "$log.in"
	if ! grep -q '^RESULT ' "$log.gen"; then
		echo "bench_e2e: $dut run failed; gen said:" >&2
		grep -v '^EAL' "$log.gen" | tail -5 >&2
		echo "bench_e2e: and the DUT:" >&2
		grep -v '^EAL' "$log.dut" | tail -8 >&2
		return 1
	fi
	RESULT=$(grep '^RESULT ' "$log.gen" | tail -1)
}

# "run_ns wait_ns" of the DUT's forwarding thread (EAL lcore 1): time on a
# CPU and time runnable but waiting for one (schedstat).
dut_sched_ns() {
	local t
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		rte-worker-1|lcore-worker-1)
			awk '{ print $1, $2 }' "$t/schedstat" 2>/dev/null
			return ;;
		esac
	done
	echo "0 0"
}

# Percent of all CPUs busy over half a second (nothing of ours running).
machine_busy_pct() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2
		printf "%.0f", (busy + idle > 0 ? 100 * busy / (busy + idle) : 0) }'
}

# testpmd's own capacity: its clock over the busy cycles per packet it
# reports with --record-core-cycles (cycles of polls that received nothing
# are not counted), in packets/s; 0 if the line is missing.
tpmd_capacity() {
	awk '/CPU cycles\/packet=/ { split($2, a, "="); c = a[2]
		for (i = 1; i <= NF; i++) if ($i == "MHz") mhz = $(i - 1) }
		END { print (c > 0 && mhz > 0) ? mhz * 1e6 / c : 0 }' "$1"
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench_e2e: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before start;" \
	"$ROUNDS round(s) of ${DURATION}s, $PROTO, flows: $FLOWS"
echo "bench_e2e: gen on core $GEN_CORE; DUT forwarding lcore on core $DUT_CORE, main lcore on core $GEN_CORE"
failed=0
NOISY=0
declare -a ROWS
for flows in $FLOWS; do
	# One line per round: baseline_pps baseline_loss sluice_pps sluice_loss
	# clean(0/1) testpmd_capacity_pps
	: > "$TMP/rounds.$flows"
	# One line per run without CPU competition: dut rx_pps loss capacity_pps
	: > "$TMP/runs.$flows"
	r=0
	n_clean=0
	while [ "$r" -lt "$ROUNDS" ] ||
	      { [ "$n_clean" -lt "$UNTIL_CLEAN" ] && [ "$r" -lt "$MAX_ROUNDS" ]; }; do
		r=$((r + 1))
		line=""
		clean=1
		# The baseline brackets sluice (before and after): this machine's
		# forwarding rate can jump by 2x between runs (host placement of
		# the two vCPUs); a round whose two baselines disagree is not used.
		for run in tpmd sluice tpmd2; do
			dut=${run%2}
			log=$TMP/$run.$flows.$r
			if ! run_one "$dut" "$flows" "$log"; then
				failed=1
				line=""
				break
			fi
			res=$RESULT
			drops=""
			rx=$(field "$res" rx_pps)
			loss=$(field "$res" loss_pct)
			short=$(field "$res" tx_short_pct)
			gwait=$(field "$res" gen_wait_pct)
			case $run in
			tpmd) b1=$rx; l1=$loss; c1=$(tpmd_capacity "$log.dut") ;;
			sluice) line="$rx $loss" ;;
			tpmd2) b2=$rx; l2=$loss; c2=$(tpmd_capacity "$log.dut") ;;
			esac
			[ "$dut" = sluice ] &&
				drops=$(grep -E '^(drop_|events_lost)' "$log.dut" | awk '{ printf "%s%s=%s", sep, $1, $2; sep=" " }')
			printf 'bench_e2e: flows %-8s round %s %-6s %7.3f Mpps out, loss %7.4f %%; %5s%% short TX bursts;' \
				"$flows" "$r" "$run" "$(echo "$rx" | awk '{ print $1 / 1e6 }')" "$loss" "$short"
			printf ' CPU wait: gen %s%%, DUT worker %s%% (on CPU %s%%); machine %s%% busy before\n' \
				"$gwait" "${DUT_WAIT:-?}" "${DUT_SHARE:-?}" "$BUSY_BEFORE"
			# On a quiet machine the worker waits ~1-2 % (kernel threads,
			# this script's polling) and gen ~1 % (testpmd) or ~3 % (sluice's
			# control tick shares its core); above 5 % a stranger was there.
			if [ -z "$DUT_WAIT" ] || awk -v a="$gwait" -v b="$DUT_WAIT" -v c="$BUSY_BEFORE" \
				'BEGIN { exit !(a > 5 || b > 5 || c > 10) }'; then
				echo "bench_e2e:   warning: another task competed for the CPUs: this round is not trustworthy"
				clean=0
				NOISY=1
			else
				echo "$dut $rx $loss $([ "$dut" = tpmd ] && tpmd_capacity "$log.dut" || echo 0)" \
					>> "$TMP/runs.$flows"
			fi
			if [ -n "$drops" ]; then
				echo "bench_e2e:   sluice drops and lost events over the whole run (warm-up included): $drops;" \
					"first packet out $(field "$res" first_out_ms) ms after the links came up"
			fi
		done
		if [ -n "$line" ]; then
			if awk -v a="$b1" -v b="$b2" 'BEGIN { d = a > b ? a - b : b - a
				m = a > b ? a : b; exit !(d > 0.15 * m) }'; then
				echo "bench_e2e:   warning: the two baselines differ by more than 15 %: this round is not used"
				clean=0
				NOISY=1
			fi
			echo "$(awk -v a="$b1" -v b="$b2" -v x="$l1" -v y="$l2" \
				'BEGIN { print (a + b) / 2, (x + y) / 2 }') $line $clean" \
				"$(awk -v a="$c1" -v b="$c2" 'BEGIN { print (a + b) / 2 }')" >> "$TMP/rounds.$flows"
			n_clean=$((n_clean + clean))
		fi
	done
done

# Summary. Clean rounds only, when there are any. The machine's speed is
# bimodal (see the bracketing above): rounds whose baseline is under 75 % of
# the best clean baseline of the whole run are summarised apart as "slow".
# Ratio: median of the per-round ratios (pairs measured back to back).
best=$(cat "$TMP"/rounds.* 2>/dev/null | awk '$5 == 1 && $1 > m { m = $1 } END { print m + 0 }')
summarise() {            # summarise FLOWS MODE ROUNDS-TEXT NOTE
	local flows=$1 mode=$2 used=$3 note=$4 n b bl s sl ratio cap rcap
	n=$(echo "$used" | grep -c .)
	[ "$n" -gt 0 ] || return 0
	b=$(echo "$used" | awk '{ print $1 }' | median)
	bl=$(echo "$used" | awk '{ print $2 }' | median)
	s=$(echo "$used" | awk '{ print $3 }' | median)
	sl=$(echo "$used" | awk '{ print $4 }' | median)
	ratio=$(echo "$used" | awk '{ print $3 / $1 }' | median)
	cap=$(echo "$used" | awk '{ print $6 }' | median)
	rcap=$(echo "$used" | awk '$6 > 0 { print $3 / $6 }' | median)
	ROWS+=("$(awk -v f="$flows" -v m="$mode" -v b="$b" -v s="$s" -v r="$ratio" -v bl="$bl" \
		-v sl="$sl" -v n="$n" -v note="$note" -v c="$cap" -v rc="${rcap:-0}" 'BEGIN {
		printf "| %9s | %-4s | %13.3f | %11.3f | %6.3f | %15.4f | %13.4f | %9.1f | %8.3f | %6d%s |",
			f, m, b / 1e6, s / 1e6, r, bl, sl, c / 1e6, rc, n, note }')")
}
# Best of all runs without CPU competition, each DUT on its own: slowdowns
# from outside (the other vCPU's host placement, strangers) only ever lower
# a rate, so the maximum is the least disturbed estimate of each capacity.
best_row() {
	local flows=$1
	awk -v f="$flows" '
		$1 == "tpmd" { nb++; if ($2 > b) { b = $2; bl = $3 }; if ($4 > c) c = $4 }
		$1 == "sluice" { ns++; if ($2 > s) { s = $2; sl = $3 }; }
		END { if (nb == 0 || ns == 0) exit 1
			printf "| %9s | %-4s | %13.3f | %11.3f | %6.3f | %15.4f | %13.4f | %9.1f | %8.3f | %3d+%-2d |",
				f, "best", b / 1e6, s / 1e6, s / b, bl, sl, c / 1e6, (c > 0 ? s / c : 0), nb, ns }
	' "$TMP/runs.$flows" > "$TMP/best.$flows" && ROWS+=("$(cat "$TMP/best.$flows")")
	return 0
}
for flows in $FLOWS; do
	used=$(awk '$5 == 1' "$TMP/rounds.$flows")
	if [ -z "$used" ]; then
		summarise "$flows" all "$(cat "$TMP/rounds.$flows")" " (noisy)"
	else
		summarise "$flows" fast "$(echo "$used" | awk -v m="$best" '$1 >= 0.75 * m')" ""
		summarise "$flows" slow "$(echo "$used" | awk -v m="$best" '$1 < 0.75 * m')" ""
	fi
	best_row "$flows"
	[ -s "$TMP/rounds.$flows" ] ||
		ROWS+=("$(printf '| %9s | %-4s | %13s | %11s | %6s | %15s | %13s | %9s | %8s | %6s |' \
			"$flows" - failed failed - - - - - 0)")
done

echo
echo "End to end over memif, 64-byte $PROTO, medians of rounds of ${DURATION}s" \
	"(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "|     flows | mode | baseline Mpps | sluice Mpps |  ratio | baseline loss % | sluice loss % | tpmd cap. | ratio/cap | rounds |"
echo "|----------:|------|--------------:|------------:|-------:|----------------:|--------------:|----------:|---------:|-------:|"
for row in "${ROWS[@]}"; do echo "$row"; done
echo
echo "baseline = dpdk-testpmd --forward-mode=io between the same two memif links, run before and after sluice;" \
	"ratio = median of per-round sluice / baseline (target >= $TARGET);" \
	"loss = (in at A - out at B) / in at A; rounds = rounds used (no CPU competition, baselines agree);" \
	"mode slow = baseline under 75 % of the run's best (the machine, not the DUT, slowed down);" \
	"mode best = the highest rate of each DUT over all its runs without CPU competition (rounds = testpmd+sluice runs);" \
	"tpmd cap. = testpmd's capacity in Mpps from its busy cycles per packet (--record-core-cycles):" \
	"when it is above the baseline, gen (not testpmd) set the baseline's pace and ratio/cap = sluice / tpmd cap." \
	"is the conservative ratio"
for row in "${ROWS[@]}"; do
	echo "$row" | awk -F'|' -v t="$TARGET" '$6 + 0 > 0 { m = $3; gsub(/ /, "", m)
		printf "flows %s (%s): target %s against the measured baseline", $2 + 0, m,
			($6 + 0 >= t ? "met" : "MISSED")
		if ($10 + 0 > 0)
			printf ", %s against testpmd'"'"'s capacity", ($10 + 0 >= t ? "met" : "MISSED")
		printf "\n" }'
done
if [ "$NOISY" = 1 ]; then
	echo "warning: some rounds were not used (see above): CPU competition or a machine speed change"
fi
exit $failed
