#!/usr/bin/env bash
# NAT: weighted spread (wrr, then wlc after a restart), client address kept,
# keep-alive stickiness, UDP, ICMP echo to the VIP, source-hash stickiness,
# both workers busy and return traffic handed to the owning worker.
source "$(dirname "$0")/lib.sh"
it_init test_nat
it_topology nat

W=b1=3,b2=2,b3=1
SH_PORT=81
conf=$IT_TMP/nat-wrr.conf
gen_config "$conf" nat wrr 3,2,1 "$SH_PORT"
it_sluice_start "$conf"

# 1000 new connections, weighted round robin 3:2:1.
r=$(slc_client http --url "$VIP_URL" --count 1000 --weights "$W")
check_requests "wrr 3:2:1, 1000 new connections" "$r" 1000 0.10

# NAT keeps the client address.
check_peers "tcp, real client address" "$r" "$SLC_CLIENT_IP"

# One keep-alive connection: 200 requests, one TCP connection, one backend.
check_keepalive

# UDP service (rr): 100 request/responses, spread evenly.
r=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count 100 --weights b1=1,b2=1,b3=1)
check_requests "udp rr, 100 datagrams" "$r" 100 0.10
check_peers "udp, real client address" "$r" "$SLC_CLIENT_IP"

# ICMP echo to the VIP, answered by the appliance.
if out=$(ip netns exec "$SLC_NS_CLI" ping -c 3 -W 2 "$SLC_VIP" 2>&1); then
	pass "ping $SLC_VIP: $(grep -o '[0-9]* received' <<<"$out")"
else
	fail "ping $SLC_VIP" "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

# Source hash: 5 client addresses x 20 requests, each address on one backend.
srcs=()
for ip in "${SLC_CLIENT_EXTRA_IPS[@]:0:5}"; do srcs+=(--source "$ip"); done
r=$(slc_client http --url "http://$SLC_VIP:$SH_PORT/" --count 100 "${srcs[@]}")
if check_requests "sh, 5 sources x 20 requests" "$r" 100; then
	multi=$(jq -r '[.by_source | to_entries[] | select((.value | length) != 1) | .key] | join(",")' <<<"$r")
	if [ -z "$multi" ] && [ "$(jget "$r" '.by_source | length')" = 5 ]; then
		pass "sh: every source stayed on one backend ($(jget "$r" -c '.by_source | map_values(keys[0])'))"
	else
		fail "sh stickiness" "sources on several backends: ${multi:-?}; $(jget "$r" -c .by_source)"
	fi
fi

# Both workers received packets; return traffic was handed between them.
wk=$(slc_tel /sluice/workers) || fatal "telemetry /sluice/workers failed" workers
for w in 0 1; do
	n=$(jget "$wk" ".\"$w\".rx_packets // 0")
	expect "worker $w received $n packets" "rx_packets $n ($wk)" [ "$n" -gt 0 ]
done
st=$(slc_tel /sluice/stats) || fatal "telemetry /sluice/stats failed" stats
n=$(jget "$st" '.steered // 0')
expect "steered $n packets to the owning worker" "steered = $n" [ "$n" -gt 0 ]

# Frag-needed about replies, sent to the VIP, teaches the backends the path
# MTU to the client.
check_pmtu_relayed "$SLC_CLIENT_IP"

# Scheduled connections per backend are visible.
bk=$(slc_tel /sluice/backends) || fatal "telemetry /sluice/backends failed" backends
# Entries {"0": {"service": "web", "scheduled": n, ...}, ...}.
n=$(jq '[.[] | select(.service == "web") | .scheduled] | add // 0' <<<"$bk")
expect "/sluice/backends counts $n web connections" "fewer than 1000: $bk" [ "$n" -ge 1000 ]

it_sluice_stop "wrr run"

# Weighted least-connections after a restart.
conf=$IT_TMP/nat-wlc.conf
gen_config "$conf" nat wlc 3,2,1
it_sluice_start "$conf"
r=$(slc_client http --url "$VIP_URL" --count 1000 --weights "$W")
check_requests "wlc 3:2:1, 1000 new connections" "$r" 1000 0.10
it_sluice_stop "wlc run"

it_done
