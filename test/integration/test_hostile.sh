#!/usr/bin/env bash
# Hostile input, well formed: what a router, Linux or IPVS would refuse is
# refused, each under its own counter, makes no connection, and normal
# traffic keeps flowing (docs/reliability.md, "Refused from the wire").
#  1. frames from the client segment, one refusal each (hostile.py frames);
#  2. a blind reset attack on a live connection, from both sides, and a
#     forged ICMP port unreachable about it: the connection stays
#     ESTABLISHED and answers on the same socket.
# The rest of issue 12's list needs a topology or a kernel of its own and
# has its own test: a flood at the exception path (test_exc_flood), a
# forged claim to a backend's MAC (test_neigh), PMTU and jumbo frames
# (test_mtu; ICMP errors relayed: test_nat, test_fullnat), tagged ports
# (test_vlan), resets when a backend goes DOWN (test_health).
source "$(dirname "$0")/lib.sh"
it_init test_hostile
it_topology nat

conf=$IT_TMP/hostile.conf
gen_config "$conf" nat wrr 1,1,1
it_sluice_start "$conf"

# counter_delta KEY BEFORE_FILE AFTER_FILE
counter_delta() { jq -n --arg k "$1" --slurpfile a "$3" --slurpfile b "$2" '($a[0][$k] // 0) - ($b[0][$k] // 0)'; }

# 1. One frame per refusal, three copies each, from the client's namespace.
before=$IT_TMP/frames.before.json after=$IT_TMP/frames.after.json
stats_get "$before"
out=$(ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/hostile.py" frames --iface eth0 \
	--dst-mac "$(topo_mac "" "$SLC_PORT0")" --src-ip "$SLC_CLIENT_IP" --vip "$SLC_VIP" \
	--tcp-port 80 --udp-port "$SLC_UDP_PORT" --subnet-bcast 198.18.0.255 \
	--foreign-src "$(topo_backend_ip 1)" --port-ip "$SLC_PORT0_IP") ||
	fatal "hostile.py frames failed: $out"
conds=()
for key in $(jq -r '.expect | keys[]' <<<"$out"); do
	want=$(jq -r --arg k "$key" --slurpfile b "$before" '.expect[$k] + ($b[0][$k] // 0)' <<<"$out")
	conds+=(--cond "$key >= $want")
done
slc_tel wait /sluice/stats "${conds[@]}" --deadline 5 >/dev/null 2>&1
stats_get "$after"
for key in $(jq -r '.expect | keys[]' <<<"$out"); do
	want=$(jq -r --arg k "$key" '.expect[$k]' <<<"$out")
	if ! jq -e --arg k "$key" 'has($k)' "$after" >/dev/null; then
		fail "frames" "/sluice/stats has no counter $key (sent $want frames for it)"
		continue
	fi
	got=$(counter_delta "$key" "$before" "$after")
	expect "frames: $key +$got (sent $want)" "$key +$got, sent $want" [ "$got" -ge "$want" ]
done
got=$(counter_delta conns_created "$before" "$after")
expect "frames: none made a connection" "conns_created +$got" [ "$got" = 0 ]
got=$(counter_delta arp_replies "$before" "$after")
expect "frames: no ARP answered" "arp_replies +$got" [ "$got" = 0 ]
got=$(counter_delta icmp_echo_replies "$before" "$after")
expect "frames: no echo answered (no smurf reflection)" "icmp_echo_replies +$got" [ "$got" = 0 ]
got=$(counter_delta to_kernel "$before" "$after")
expect "frames: nothing handed to the kernel" "to_kernel +$got" [ "$got" = 0 ]

r=$(slc_client http --url "$VIP_URL" --count 30)
check_requests "30 requests after the refused frames" "$r" 30

# 2. Blind resets. A keep-alive connection through the VIP, idle between
# two requests; its endpoints go to a file, the second request waits for go.
ends=$IT_TMP/rst.ends go=$IT_TMP/rst.go
ip netns exec "$SLC_NS_CLI" "$SLC_PY" - "$SLC_VIP" "$ends" "$go" >"$IT_TMP/rst.json" 2>&1 <<'PY' &
import http.client, json, os, sys, time
vip, ends, go = sys.argv[1:4]
c = http.client.HTTPConnection(vip, 80, timeout=5)
c.request("GET", "/")
r = c.getresponse()
r.read()
out = {"first": r.status}
open(ends + ".tmp", "w").write("%s:%d" % c.sock.getsockname())
os.rename(ends + ".tmp", ends)
deadline = time.time() + 60
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.05)
try:
    c.request("GET", "/")
    r = c.getresponse()
    r.read()
    out["second"] = r.status
except Exception as e:
    out["error"] = type(e).__name__
print(json.dumps(out))
PY
rst_pid=$!
for _ in $(seq 1 100); do [ -s "$ends" ] && break; sleep 0.1; done
[ -s "$ends" ] || fatal "the long-lived client did not connect: $(cat "$IT_TMP/rst.json")"
client=$(cat "$ends")
# conn_field FIELD: the connection's FIELD in `sluicectl conns` (state, backend).
conn_field() { it_ctl conns -c "${client%:*}" --json |
	jq -r --arg c "$client" --arg f "$1" '.connections[] | select(.client == $c) | .[$f]'; }
backend=$(conn_field backend)
expect "the connection is tracked, established" "state $(conn_field state), backend $backend" \
	[ "$(conn_field state)" = ESTABLISHED ]
b=${backend%:*}
bns=slc-b${b##*.1}

before=$IT_TMP/rst.before.json after=$IT_TMP/rst.after.json
stats_get "$before"
ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/hostile.py" rst --iface eth0 \
	--dst-mac "$(topo_mac "" "$SLC_PORT0")" --src "$client" --dst "$SLC_VIP:80" --count 200 \
	--seed 1 >/dev/null || fatal "hostile.py rst (client side) failed"
ip netns exec "$bns" "$SLC_PY" "$SLC_IT_DIR/hostile.py" rst --iface eth0 \
	--dst-mac "$(topo_mac "" "$SLC_PORT1")" --src "$backend" --dst "$client" --count 200 \
	--seed 2 >/dev/null || fatal "hostile.py rst (backend side) failed"
# Each RST is either dropped (far off) or passed unconfirmed (near, 1 in 128).
slc_tel wait /sluice/stats --cond "drop_rst_out_of_window + rst_unconfirmed >= $(($(jq .drop_rst_out_of_window "$before") + $(jq .rst_unconfirmed "$before") + 400))" \
	--deadline 5 >/dev/null 2>&1
stats_get "$after"
dropped=$(counter_delta drop_rst_out_of_window "$before" "$after")
passed=$(counter_delta rst_unconfirmed "$before" "$after")
expect "blind RSTs: all 400 judged, most dropped" "dropped $dropped, passed unconfirmed $passed" \
	[ $((dropped + passed)) -ge 400 ] && [ "$dropped" -ge 360 ]
expect "blind RSTs: the connection is still established" "state $(conn_field state)" \
	[ "$(conn_field state)" = ESTABLISHED ]

# A forged "port unreachable" about the connection, as from a router on
# the client's path: relayed to the backend (whose stack judges it), the
# connection's state untouched.
relayed=$(jq .icmp_errors_relayed "$after")
ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/hostile.py" unreach --iface eth0 \
	--dst-mac "$(topo_mac "" "$SLC_PORT0")" --from "$SLC_CLIENT_IP" --src "$SLC_VIP:80" \
	--dst "$client" >/dev/null || fatal "hostile.py unreach failed"
slc_tel wait /sluice/stats --cond "icmp_errors_relayed >= $((relayed + 1))" --deadline 5 >/dev/null 2>&1
got=$(jget "$(slc_tel /sluice/stats)" .icmp_errors_relayed)
expect "forged port unreachable: relayed, once" "icmp_errors_relayed $relayed -> $got" [ "$got" = $((relayed + 1)) ]
expect "forged port unreachable: the connection is still established" "state $(conn_field state)" \
	[ "$(conn_field state)" = ESTABLISHED ]
touch "$go"
wait $rst_pid
j=$(cat "$IT_TMP/rst.json")
expect "blind RSTs: the same connection answers its next request" "$j" \
	[ "$(jget "$j" -c '[.first, .second]')" = '[200,200]' ]

if slc_alive; then pass "sluice still running"; else fatal "sluice died"; fi
it_sluice_stop "hostile run"
it_done
