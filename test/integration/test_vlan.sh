#!/usr/bin/env bash
# An 802.1Q port (nat): the client segment is VLAN 100 and Sluice's client
# port says vlan 100. This kernel has no VLAN devices, so the client's link
# is a tagging relay (vlan_relay.py: the client stack on ct1, ct0 relayed to
# eth0, Sluice's peer, as an access port of VLAN 100). Through the VIP,
# TCP, UDP and ping work: every frame Sluice sends there is tagged (what it
# forwards, its answers, the control lcore's ARP requests), every tagged
# frame it takes is untagged before it is read. So does the kernel behind
# the port's TAP (a connection to the port's address is refused by that
# kernel: its RST leaves tagged). An untagged frame is dropped, counted.
source "$(dirname "$0")/lib.sh"
it_init test_vlan
it_topology nat

VID=100
RELAY_PY=$SLC_IT_DIR/vlan_relay.py

# The client stack moves to ct1; eth0 becomes the relay's trunk.
ip -n "$SLC_NS_CLI" addr flush dev eth0
ip -n "$SLC_NS_CLI" link add ct0 type veth peer name ct1
for dev in ct0 ct1; do
	topo_no_offload "$SLC_NS_CLI" "$dev" || fatal "offloads on $dev"
	ip -n "$SLC_NS_CLI" link set "$dev" up
done
ip -n "$SLC_NS_CLI" addr add "$SLC_CLIENT_IP/24" dev ct1
ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$RELAY_PY" eth0 ct0 $VID "$IT_TMP/relay.ready" 300 &
RELAY_PID=$!
for _ in $(seq 1 50); do [ -e "$IT_TMP/relay.ready" ] && break; sleep 0.1; done
[ -e "$IT_TMP/relay.ready" ] || fatal "the VLAN relay did not start"

conf=$IT_TMP/vlan.conf
gen_config "$conf" nat rr 1,1,1
sed -i -e "s|^    addresses = \[ \"$SLC_PORT0_IP/24\" \];|&\n    vlan = $VID;|" "$conf"
it_sluice_start "$conf"

r=$(slc_client http --url "$VIP_URL" --count 60 --weights b1=1,b2=1,b3=1)
check_requests "tcp through the VIP from VLAN $VID, 60 connections" "$r" 60 0.10
r=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count 30 --weights b1=1,b2=1,b3=1)
check_requests "udp through the VIP, 30 datagrams" "$r" 30
if out=$(ip netns exec "$SLC_NS_CLI" ping -c 2 -W 2 "$SLC_VIP" 2>&1); then
	pass "ping $SLC_VIP on VLAN $VID: $(grep -o '[0-9]* received' <<<"$out")"
else
	fail "ping $SLC_VIP on VLAN $VID" "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

# The kernel behind the client port's TAP: the SYN to the port address
# reaches it untagged, its RST leaves tagged.
got=$(ip netns exec "$SLC_NS_CLI" "$SLC_PY" -c "
import socket
try:
    socket.create_connection(('$SLC_PORT0_IP', 9), timeout=3)
    print('connected')
except OSError as e:
    print(type(e).__name__)
" 2>&1)
expect "the TAP's kernel answers on VLAN $VID (connection refused)" "got '$got'" \
	[ "$got" = ConnectionRefusedError ]

# An untagged ARP request for the VIP, straight on the trunk: dropped.
stats_get "$IT_TMP/before.json"
n=$(jq '.drop_vlan_wrong_vid // 0' "$IT_TMP/before.json")
ip netns exec "$SLC_NS_CLI" "$SLC_PY" -c "
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
mac = bytes.fromhex('020000000901')
ip = lambda a: socket.inet_aton(a)
arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + mac + ip('$SLC_CLIENT_IP') + bytes(6) + ip('$SLC_VIP')
s.send(b'\xff' * 6 + mac + b'\x08\x06' + arp)
"
if out=$(slc_tel wait /sluice/stats --cond "drop_vlan_wrong_vid > $n" --deadline 3 2>&1); then
	pass "an untagged frame on the VLAN port is dropped as vlan_wrong_vid"
else
	fail "an untagged frame on the VLAN port is dropped as vlan_wrong_vid" "$out"
fi

it_sluice_stop "vlan run"
kill "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null
it_done
