#!/usr/bin/env bash
# High availability: two appliances, each with its own keepalived (VRRPv3,
# 100 ms adverts) and session sync between them. For nat, fullnat and dr: 100
# long-lived TCP connections (a request every 100 ms each) and a UDP flow
# survive the master's kill -9, its restart (bulk sync, then failback) and
# its clean stop, every connection on its first backend; new connections
# work after each takeover. Negative control: with sync off the same kill
# breaks the long-lived connections. Forged, truncated, wrong-version,
# replayed and unmet-peer messages are refused and counted, installing
# nothing. Topology: scripts/topology_ha.sh.
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/topology_ha.sh
source "$IT_LIB_DIR/../../scripts/topology_ha.sh"
it_init test_ha
command -v keepalived >/dev/null || fatal "keepalived is not installed (scripts/install-deps.sh)"

# shellcheck source=lib_ha.sh
source "$IT_LIB_DIR/lib_ha.sh"

# takeover MODE WHAT: WHAT (a command) ends the master, then the client is marked;
# wait for appliance 2 to take over and every connection to be answered again.
takeover() {
	local mode=$1 t0 t1
	shift
	# Marked once the master is gone (reaped): what is answered after that
	# went through appliance 2.
	"$@"
	kill -USR1 "$LL_PID"
	t0=$(now_ms)
	wait_for 10 is_role 1 master || { fail "$mode: appliance 2 takes over" "role $(ha_role 1)"; return 1; }
	t1=$(now_ms)
	if wait_for 15 ll_after_mark 5; then
		pass "$mode: after $*: every connection answered again; takeover: new master in $((t1 - t0)) ms, first request answered $(ll '.marks[-1].first_ms') ms after the old one died (UDP $(ll '.marks[-1].udp_first_ms') ms), longest stall of a connection $(ll .max_gap_ms) ms"
	else
		fail "$mode: after $*: connections answered again" "$(ll -c '{min_after_mark,failed_conns,failures}')"
		return 1
	fi
	slc_client http --url "$VIP_URL" --count 20 >"$IT_TMP/new.json" 2>&1
	expect "$mode: 20 new connections after the takeover" "$(head -c 400 "$IT_TMP/new.json")" \
		[ "$(jq -r .ok "$IT_TMP/new.json" 2>/dev/null)" = 20 ]
}

term() {
	kill -TERM "${SLC_HA_PID[0]}"
	wait "${SLC_HA_PID[0]}" 2>/dev/null
	echo $? >"$IT_TMP/term.rc"
}

# run MODE SYNC: the whole scenario; SYNC 0 is the negative control.
run() {
	local mode=$1 sync=$2 tag
	tag=$([ "$sync" = 1 ] && echo sync || echo nosync)
	local label=$tag
	[ "${HA_EXAMPLES:-0}" = 1 ] && label+=", conf/examples/ha"
	[ -n "${SLC_HA_SYNC_MCAST:-}" ] && label+=", multicast $SLC_HA_SYNC_MCAST"
	ha_pair_up "$mode" "$sync" "$tag"
	pass "$mode ($label, ${SLC_HA_WORKERS[0]} and ${SLC_HA_WORKERS[1]} workers): appliance 1 master, appliance 2 backup"

	ll_start "$mode-$tag" $([ "$sync" = 1 ] && echo 10 || echo 3)
	wait_for 30 ll_ready || fatal "$mode: long-lived client not ready: $(cat "$LL_STATUS" 2>/dev/null | head -c 600)"
	if [ "$sync" = 1 ]; then
		# Every connection and the UDP flow synced to the backup first.
		wait_for 10 tracked_at_least 1 $((CONNS + 1)) ||
			fail "$mode: backup has the connections" "$(ha_ctl 1 stats --json | jq -c '{conns_tracked}')"
	fi

	if [ "$sync" = 0 ]; then
		kill -USR1 "$LL_PID"
		kill9
		wait_for 10 is_role 1 master || fatal "$mode: appliance 2 takes over (no sync)"
		if wait_for 20 ll_failed_at_least $((CONNS * 9 / 10)); then
			pass "negative control, sync off: $(ll .failed_conns) of $CONNS long-lived connections broke at the takeover"
		else
			fail "negative control, sync off: the connections break" "$(ll -c '{failed_conns,min_after_mark}')"
		fi
		ll_stop
		return
	fi

	takeover "$mode" kill9 || true

	# Failback: appliance 1 comes back, has every connection (bulk) before
	# its keepalived may take the VIP back, then does.
	start_appliance 0 "$mode" "$tag-back"
	if wait_for 20 is_role 0 master && wait_for 5 is_role 1 backup; then
		pass "$mode: appliance 1 back: bulk sync $(ha_sync 0 | jq -r '.peers."2" | "\(.bulk), \(.bulk_records) records in \(.bulk_ms) ms"'), master again"
	else
		fail "$mode: failback" "appliance 1 $(ha_role 0), 2 $(ha_role 1): $(ha_sync 0 | jq -c .peers)"
	fi
	kill -USR1 "$LL_PID"
	if wait_for 15 ll_after_mark 5; then
		pass "$mode: after the failback every connection answered again (first answer $(ll '.marks[-1].first_ms') ms after it was seen)"
	else
		fail "$mode: after the failback" "$(ll -c '{min_after_mark,failed_conns,failures}')"
	fi
	expect "$mode: appliance 1 holds every connection after the bulk" \
		"$(ha_ctl 0 stats --json | jq -c '{conns_tracked}')" tracked_at_least 0 $((CONNS + 1))

	[ "$mode" = nat ] && forged

	takeover "$mode" term || true
	expect "$mode: the old master stopped cleanly on SIGTERM" "exit $(cat "$IT_TMP/term.rc")" \
		[ "$(cat "$IT_TMP/term.rc")" = 0 ]

	ll_stop
	expect "$mode: all $CONNS long-lived connections made" "$(ll -c '{established}')" \
		[ "$(ll .established)" = "$CONNS" ]
	expect "$mode: no long-lived connection failed, none moved backend ($(ll .requests) requests)" \
		"$(ll -c '{failed_conns,failures}')" [ "$(ll .failed_conns)" = 0 ]
	expect "$mode: the UDP flow stayed on $(ll .udp.backend) ($(ll .udp.received)/$(ll .udp.sent) answered)" \
		"$(ll -c .udp)" [ "$(ll .udp.backend_changes)" = 0 ] && [ "$(ll .udp.received)" -gt 0 ]
}

# Bad messages at appliance 2: each refused under its reason, nothing
# installed; a good one naming a service it has not, refused record by record.
forged() {
	local before after d
	before=$(ha_sync 1)
	ip netns exec slc-b1 "$SLC_PY" "$SLC_IT_DIR/sync_forge.py" --host "${SLC_HA_LB_BACKEND_IP[1]}" \
		--key "$SLC_HA_KEY" badkey truncated version replay unknown unmet range >/dev/null ||
		{ fail "forged messages" "sync_forge.py failed"; return; }
	wait_for 5 forged_counted "$before" || true
	after=$(ha_sync 1)
	for d in mac length version replay; do
		expect "forged: a '$d' message refused and counted" \
			"rejected.$d went $(jq -r ".rejected.$d" <<<"$before") -> $(jq -r ".rejected.$d" <<<"$after")" \
			[ "$(jq -r ".rejected.$d" <<<"$after")" = "$(($(jq -r ".rejected.$d" <<<"$before") + 1))" ]
	done
	# Unmet node 78's message, and refused node 79's.
	expect "forged: messages from a peer not met, or refused, refused and counted" \
		"rejected.peer went $(jq -r .rejected.peer <<<"$before") -> $(jq -r .rejected.peer <<<"$after")" \
		[ "$(jq -r .rejected.peer <<<"$after")" = "$(($(jq -r .rejected.peer <<<"$before") + 2))" ]
	expect "forged: a peer with other FULLNAT ports is refused, and says why" \
		"$(jq -c '.peers."79"' <<<"$after")" \
		[ "$(jq -r '.peers."79".state' <<<"$after")" = refused ]
	expect "forged: a record for a service not here refused and counted" \
		"records_unknown_service $(jq -r .records_unknown_service <<<"$before") -> $(jq -r .records_unknown_service <<<"$after")" \
		[ "$(jq -r .records_unknown_service <<<"$after")" = "$(($(jq -r .records_unknown_service <<<"$before") + 1))" ]
	expect "forged: nothing installed from them" \
		"installed $(jq -r .installed <<<"$before") -> $(jq -r .installed <<<"$after")" \
		[ "$(jq -r .installed <<<"$after")" = "$(jq -r .installed <<<"$before")" ]
}
forged_counted() {
	[ "$(ha_sync 1 | jq -r .rejected.peer)" -ge "$(($(jq -r .rejected.peer <<<"$1") + 2))" ]
}

# nat with the pair shipped in conf/examples/ha/ (only its paths moved).
HA_EXAMPLES=1
run nat 1
HA_EXAMPLES=0
# Two workers on appliance 1, one on 2: local ports and client endpoints
# name their owners in either.
SLC_HA_WORKERS=(2 1)
run fullnat 1
SLC_HA_WORKERS=(1 1)
# Sync by multicast rather than to the peer's address.
SLC_HA_SYNC_MCAST=239.0.0.81
run dr 1
SLC_HA_SYNC_MCAST=
run nat 0
it_done
