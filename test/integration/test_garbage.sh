#!/usr/bin/env bash
# Malformed input: every targeted frame raises its own drop counter, random
# junk raises some drop counter, and the appliance keeps forwarding.
source "$(dirname "$0")/lib.sh"
it_init test_garbage
it_topology nat

conf=$IT_TMP/garbage.conf
gen_config "$conf" nat wrr 3,2,1
it_sluice_start "$conf"

# drops FILE: all drop_* counters of a /sluice/stats snapshot together.
drops() { jq '[to_entries[] | select(.key | startswith("drop_")) | .value] | add // 0' "$1"; }

# send_garbage NAME NS IFACE SLUICE_PORT SRC_IP DST_IP GARBAGE_ARGS...:
# garbage.py from NS out of IFACE at the Sluice port's MAC, then check the
# counters (bounded wait).
send_garbage() {
	local name=$1 ns=$2 iface=$3 port=$4 src=$5 dst=$6
	shift 6
	local before=$IT_TMP/$name.before.json after=$IT_TMP/$name.after.json
	local out key want got conds=() reached
	stats_get "$before"
	out=$(ip netns exec "$ns" "$SLC_PY" "$SLC_IT_DIR/garbage.py" --iface "$iface" \
		--dst-mac "$(topo_mac "" "$port")" --src-ip "$src" --dst-ip "$dst" \
		--tcp-port 80 --udp-port "$SLC_UDP_PORT" "$@") ||
		{ fail "$name" "garbage.py failed"; return; }

	# What the kernel does not let through is reported, not counted.
	jq -r --arg n "$name" '(.not_sent + .kernel_held)[] | "SKIP \($n): \(.name): \(.why)"' <<<"$out"

	# Wait (bounded) until every targeted counter has gone up enough.
	for key in $(jq -r '.expect | keys[]' <<<"$out"); do
		want=$(jq -r --arg k "$key" --slurpfile b "$before" '.expect[$k] + ($b[0][$k] // 0)' <<<"$out")
		conds+=(--cond "$key >= $want")
	done
	# Then the sum of all drops (random frames): polled until it stops moving.
	[ ${#conds[@]} -gt 0 ] && slc_tel wait /sluice/stats "${conds[@]}" --deadline 5 >/dev/null 2>&1
	stats_get "$after"
	local i
	for i in $(seq 1 25); do
		[ "$(($(drops "$after") - $(drops "$before")))" -ge "$(jq '(.expect | add // 0) + .random_counted' <<<"$out")" ] && break
		sleep 0.2
		stats_get "$after"
	done

	for key in $(jq -r '.expect | keys[]' <<<"$out"); do
		want=$(jq -r --arg k "$key" '.expect[$k]' <<<"$out")
		if ! jq -e --arg k "$key" 'has($k)' "$after" >/dev/null; then
			fail "$name" "/sluice/stats has no counter $key (sent $want frames for it)"
			continue
		fi
		got=$(jq -n --arg k "$key" --slurpfile a "$after" --slurpfile b "$before" '$a[0][$k] - ($b[0][$k] // 0)')
		if [ "$got" -ge "$want" ]; then
			pass "$name: $key +$got (sent $want)"
		else
			fail "$name" "$key +$got, sent $want"
		fi
	done

	# Every frame that reached the appliance, random ones included, was dropped.
	reached=$(jq '(.expect | add // 0) + .random_counted' <<<"$out")
	got=$(($(drops "$after") - $(drops "$before")))
	if [ "$got" -ge "$reached" ]; then
		pass "$name: drop counters together +$got for $reached frames ($(jq .random_counted <<<"$out") random)"
	else
		fail "$name" "drop counters together +$got for $reached frames that reached the appliance"
	fi
	if slc_alive; then pass "$name: sluice still running"; else fatal "sluice died" "$name"; fi
}

# Targeted frames first (so each reason's count is not blurred by the random
# ones), then seeded random junk, on both ports.
cli=("$SLC_NS_CLI" eth0 "$SLC_PORT0" "$SLC_CLIENT_IP" "$SLC_VIP")
bkd=("$SLC_NS_SW" br0 "$SLC_PORT1" "$SLC_BRIDGE_IP" "$SLC_PORT1_IP")
send_garbage client-port "${cli[@]}" --random 0
send_garbage client-port-random "${cli[@]}" --repeat 0 --random 300
send_garbage backend-port "${bkd[@]}" --random 0
send_garbage backend-port-random "${bkd[@]}" --repeat 0 --random 300

# Still forwarding.
r=$(slc_client http --url "$VIP_URL" --count 50)
check_requests "50 requests after the garbage" "$r" 50

it_sluice_stop "garbage run"
it_done
