#!/usr/bin/env bash
# Failover time of an HA pair (scripts/topology_ha.sh: two appliances in
# namespaces, keepalived VRRPv3 with adverts every ADVERT s, session sync),
# N takeovers: kill -9 of the master's Sluice, then its restart and
# failback. Per takeover: kill to new master (its VIP held, seen through
# sluicectl sync), and kill to the first request of 20 long-lived
# connections answered through the new master; medians and extremes.
#
#   sudo scripts/isolated.sh test/bench/bench_failover.sh [N=10] [ADVERT=0.1] [MODE=nat]
# Times include the 50 ms polling of the waits (a bound, not an offset).
set -u
N=${1:-10}
export ADVERT_ARG=${2:-0.1}
MODE=${3:-nat}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
source "$here/../../scripts/topology_ha.sh"
it_init bench_failover
command -v keepalived >/dev/null || fatal "keepalived is not installed (scripts/install-deps.sh)"
source "$here/../integration/lib_ha.sh"
ADVERT=$ADVERT_ARG
CONNS=20

ha_pair_up "$MODE" 1 bench
ll_start bench 10
wait_for 30 ll_ready || fatal "long-lived client not ready"
out=$IT_TMP/times
: >"$out"
for k in $(seq 1 "$N"); do
	wait_for 10 tracked_at_least 1 $((CONNS + 1)) || fatal "backup lacks the connections"
	kill9
	kill -USR1 "$LL_PID"
	t0=$(now_ms)
	wait_for 10 is_role 1 master || fatal "takeover $k: no new master"
	t1=$(now_ms)
	wait_for 10 ll_after_mark 2 || fatal "takeover $k: connections not answered again"
	first=$(ll '.marks[-1].first_ms')
	echo "$k $((t1 - t0)) $first" >>"$out"
	printf 'takeover %2d: new master %4d ms, first request answered %4d ms after the kill\n' \
		"$k" "$((t1 - t0))" "$first"
	start_appliance 0 "$MODE" "back$k"
	wait_for 30 is_role 0 master || fatal "failback $k: appliance 1 not master again"
	wait_for 10 is_role 1 backup || fatal "failback $k: appliance 2 not backup"
done
ll_stop
echo "mode $MODE, keepalived VRRPv3 advert_int $ADVERT s, $N takeovers by kill -9 (machine: $(nproc) CPUs, $(uname -r))"
awk '
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n++; m[n] = $2; f[n] = $3 }
END {
	printf "new master:             median %d ms, min %d, max %d\n", median(m, n), m[1], m[n]
	printf "first request answered: median %d ms, min %d, max %d\n", median(f, n), f[1], f[n]
}' "$out"
echo "long-lived connections: $(ll -c '{established,failed_conns,requests,max_gap_ms}')"
[ "$(ll .failed_conns)" = 0 ]
