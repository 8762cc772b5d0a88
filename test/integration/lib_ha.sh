# shellcheck shell=bash
#
# What the HA test and the failover benchmark share (test_ha.sh,
# test/bench/bench_failover.sh): the appliances' API, waits on conditions,
# the long-lived client (longlived.py). Sourced after lib.sh and
# scripts/topology_ha.sh; never executed.

ADVERT=0.1
CONNS=100
LL_PID=""
LL_STATUS=""
SLUICECTL=${SLUICECTL:-$SLC_REPO/build/control/sluicectl}

ha_ctl() { local i=$1; shift; "$SLUICECTL" -s "$SLC_RUN_DIR/lb$((i + 1)).sock" -t 2 "$@"; }
ha_sync() { ha_ctl "$1" sync --json 2>/dev/null; }
ha_role() { ha_sync "$1" | jq -r '.role // "none"' 2>/dev/null; }
ll() { jq -r "$@" "$LL_STATUS" 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for DEADLINE_S CMD...: poll (every 50 ms) until CMD succeeds.
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while ! "$@"; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

is_role() { [ "$(ha_role "$1")" = "$2" ]; }
ll_ready() { [ "$(ll .ready)" = true ] && [ "$(ll .established)" = "$CONNS" ]; }
ll_after_mark() { [ "$(ll .min_after_mark)" -ge "$1" ] 2>/dev/null; }
ll_failed_at_least() { [ "$(ll .failed_conns)" -ge "$1" ] 2>/dev/null; }
tracked_at_least() {
	local n
	n=$(ha_ctl "$1" stats --json 2>/dev/null | jq -r '.conns_tracked // 0')
	[ "${n:-0}" -ge "$2" ]
}

start_appliance() {
	local i=$1 mode=$2 tag=$3
	topo_ha_sluice_start "$i" "$IT_TMP/lb$i.conf" "$IT_TMP/lb$i-$mode-$tag.log" ||
		fatal "appliance $((i + 1)) did not start ($mode $tag): $(tail -n 5 "$IT_TMP/lb$i-$mode-$tag.log" | tr '\n' '|')"
}

ll_start() {
	LL_STATUS=$IT_TMP/ll-$1.json
	rm -f "$LL_STATUS"
	ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/longlived.py" --host "$SLC_VIP" --port 80 \
		--udp-port "$SLC_UDP_PORT" --conns "$CONNS" --interval 0.1 --stall "$2" \
		--status "$LL_STATUS" >"$IT_TMP/ll-$1.out" 2>&1 &
	LL_PID=$!
}

ll_stop() {
	[ -n "$LL_PID" ] || return 0
	kill -TERM "$LL_PID" 2>/dev/null
	wait_for 10 ll_final
	wait "$LL_PID" 2>/dev/null
	LL_PID=""
}
ll_final() { [ "$(ll .final)" = true ]; }

kill9() { kill -9 "${SLC_HA_PID[0]}"; wait "${SLC_HA_PID[0]}" 2>/dev/null; }

# The shipped pair (conf/examples/ha/, nat with sync) for appliance I, its
# paths moved to this run's: both appliances share this machine's /run.
ha_example_confs() {
	local i=$1 n=$(($1 + 1)) ex=$SLC_REPO/conf/examples/ha
	sed "s|/run/sluice/sluice.sock|$SLC_RUN_DIR/lb$n.sock|" "$ex/lb$n.conf" >"$IT_TMP/lb$i.conf"
	sed -e "s|/run/sluice/sluice.sock|$SLC_RUN_DIR/lb$n.sock|" \
		-e "s|/usr/local/libexec/sluice/sluice-ready.sh|$SLC_REPO/scripts/sluice-ready.sh|" \
		-e "s|advert_int 0.1|advert_int $ADVERT|" "$ex/keepalived-lb$n.conf" >"$IT_TMP/ka$i.conf"
}

# ha_pair_up MODE SYNC TAG: topology, backends, both appliances (SYNC 0:
# without a sync section) and their keepalived (adverts every ADVERT s);
# returns once appliance 1 is master and 2 backup (fatal otherwise).
ha_pair_up() {
	local mode=$1 sync=$2 tag=$3 i
	topo_ha_up "$mode" >/dev/null || fatal "ha topology ($mode)"
	topo_backends_start "$([ "$mode" = dr ] && echo 80 || echo "$SLC_HTTP_PORT")" >/dev/null ||
		fatal "backends did not start"
	for i in 0 1; do
		if [ "${HA_EXAMPLES:-0}" = 1 ]; then
			ha_example_confs "$i"
		else
			topo_ha_sluice_conf "$IT_TMP/lb$i.conf" "$i" "$mode" "$sync"
			topo_ha_keepalived_conf "$IT_TMP/ka$i.conf" "$i" "$mode" "$ADVERT" \
				"$SLC_RUN_DIR/lb$((i + 1)).sock"
		fi
		start_appliance "$i" "$mode" "$tag"
		topo_ha_keepalived_start "$i" "$IT_TMP/ka$i.conf"
	done
	wait_for 20 is_role 0 master && wait_for 5 is_role 1 backup ||
		fatal "$mode: roles: appliance 1 $(ha_role 0), appliance 2 $(ha_role 1); keepalived: $(tail -n 5 "$SLC_RUN_DIR/ka1/keepalived.log" | tr '\n' '|')"
}
