#!/usr/bin/env bash
# A backend's next hop under ARP poisoning (nat): another backend host sends
# gratuitous ARP claiming b1's address while traffic flows; Sluice verifies
# the claim, b1's own MAC answers, nothing moves and b1 still serves. Then b1
# really moves (its veth takes a new MAC and announces it): Sluice follows
# within about the probe period (1 s) and b1 serves again.
source "$(dirname "$0")/lib.sh"
it_init test_neigh
it_topology nat

B1=$(topo_backend_ip b1)
conf=$IT_TMP/neigh.conf
gen_config "$conf" nat rr 1,1,1
it_sluice_start "$conf"

# b1's MAC in /sluice/neigh, lower case as sysfs has it ("" if absent).
neigh_mac() {
	jq -r --arg a "$B1" '[.[] | select(.address == $a) | .mac | ascii_downcase][0] // ""' \
		<<<"$(slc_tel /sluice/neigh)"
}

# garp NS MAC COUNT: COUNT gratuitous ARP requests from NS's eth0, "B1 is at MAC".
garp() {
	ip netns exec "$1" "$SLC_PY" - "$2" "$B1" "$3" <<'PY'
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
ip = socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
frame = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
         struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + b"\x00" * 6 + ip)
for _ in range(int(sys.argv[3])):
	s.send(frame)
PY
}

real=$(topo_mac slc-b1 eth0)
poison=$(topo_mac slc-b3 eth0)
expect "b1 resolved at its own MAC ($real)" "/sluice/neigh: $(slc_tel /sluice/neigh)" \
	[ "$(neigh_mac)" = "$real" ]

# Traffic flows while b3 claims b1's address, three times.
slc_client http --url "$VIP_URL" --count 300 --weights b1=1,b2=1,b3=1 >"$IT_TMP/during.json" &
client=$!
garp slc-b3 "$poison" 3 || fail "forged ARP" "could not send from slc-b3"
slc_tel wait /sluice/stats --cond "neigh_conflicts >= 1" --deadline 5 >/dev/null 2>&1
st=$(slc_tel /sluice/stats)
expect "forged claim refused: neigh_conflicts $(jget "$st" .neigh_conflicts)" \
	"$st" [ "$(jget "$st" .neigh_conflicts)" -ge 1 ]
expect "forged claim not followed: neigh_moves $(jget "$st" .neigh_moves)" \
	"$st" [ "$(jget "$st" .neigh_moves)" = 0 ]
wait "$client"
check_requests "traffic during the forged claims" "$(cat "$IT_TMP/during.json")" 300 0.15
expect "b1 still at its own MAC ($(neigh_mac))" "poisoned: $(neigh_mac) (b3 is $poison)" \
	[ "$(neigh_mac)" = "$real" ]
r=$(slc_client http --url "$VIP_URL" --count 60 --weights b1=1,b2=1,b3=1)
check_requests "after the forged claims, b1 serves" "$r" 60 0.15

# b1 really moves: a new MAC on its veth, announced as Linux does (arp_notify).
moved=02:5c:00:00:01:11
ip netns exec slc-b1 sysctl -qw net.ipv4.conf.eth0.arp_notify=1
t0=$(date +%s%N)
ip -n slc-b1 link set eth0 address "$moved" || fatal "cannot change b1's MAC"
slc_tel wait /sluice/neigh --cond ". mentions ${moved^^}" --deadline 5 >/dev/null 2>&1
ms=$((($(date +%s%N) - t0) / 1000000))
st=$(slc_tel /sluice/stats)
expect "b1's move followed in $ms ms (neigh_moves $(jget "$st" .neigh_moves))" \
	"b1 at $(neigh_mac), not $moved, after $ms ms" [ "$(neigh_mac)" = "$moved" ]
expect "move followed within the probe period and a scan ($ms ms)" "$ms ms" in_range "$ms" 0 2500
r=$(slc_client http --url "$VIP_URL" --count 60 --weights b1=1,b2=1,b3=1)
check_requests "after the move, b1 serves at its new MAC" "$r" 60 0.15

it_sluice_stop "neigh run"
it_done
