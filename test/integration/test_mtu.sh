#!/usr/bin/env bash
# Jumbo frames and path MTU through the appliance (nat). Every link is at
# MTU 9000; Sluice's client port says mtu 9000, its backend port 8500. An
# 8000-byte UDP datagram reaches the backend whole (af_packet's ring slot
# and the mbufs sized from the mtu: with the PMD's default slot it arrived
# cut to 2 KB and was dropped); a TCP segment too large for the backend
# port, with DF as Linux sends it, is answered with fragmentation needed,
# so the client's kernel learns the path MTU and the request completes.
source "$(dirname "$0")/lib.sh"
it_init test_mtu
it_topology nat

BIG_PORT=5400
SINK_PY=$IT_TMP/sink.py
LINK_MTU=9000
BACKEND_MTU=8500

# Every link and the bridge at 9000; the VIP's route learns nothing yet.
for dev in "$SLC_PORT0" "$SLC_PORT1"; do ip link set "$dev" mtu $LINK_MTU; done
ip -n "$SLC_NS_CLI" link set eth0 mtu $LINK_MTU
for dev in up0 br0 "${SLC_BACKENDS[@]}"; do ip -n "$SLC_NS_SW" link set "$dev" mtu $LINK_MTU; done
for b in "${SLC_BACKENDS[@]}"; do ip -n "slc-$b" link set eth0 mtu $LINK_MTU; done
ip -n "$SLC_NS_CLI" route flush cache

# A UDP sink on b1: answers each datagram with its length.
cat >"$SINK_PY" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(str(len(data)).encode(), peer)
EOF
ip netns exec slc-b1 "$SLC_PY" "$SINK_PY" $BIG_PORT "$IT_TMP/sink.ready" &
SINK_PID=$!
for _ in $(seq 1 50); do [ -e "$IT_TMP/sink.ready" ] && break; sleep 0.1; done
[ -e "$IT_TMP/sink.ready" ] || fatal "UDP sink on b1 did not start"

conf=$IT_TMP/mtu.conf
gen_config "$conf" nat rr 1,1,1
# Port mtus, a pool that fits jumbo mbufs in -m 512, and the sink's service.
sed -i -e "s|^  idle_sleep_us = 20;|  idle_sleep_us = 20;\n  mbufs_per_port = 4096;|" \
	-e "s|^    addresses = \[ \"$SLC_PORT0_IP/24\" \];|&\n    mtu = $LINK_MTU;|" \
	-e "s|^    addresses = \[ \"$SLC_PORT1_IP/24\" \];|&\n    mtu = $BACKEND_MTU;|" "$conf"
# The list's last line ");" goes, its last service gets a comma, then b1's sink.
sed -i -e '$d' "$conf"
sed -i -e '$s/}$/},/' "$conf"
{
	gen_service big $BIG_PORT udp rr nat $BIG_PORT 1 - -
	echo ");"
} >>"$conf"
it_sluice_start "$conf"

# client PY: a Python snippet run in the client namespace.
client_py() { ip netns exec "$SLC_NS_CLI" "$SLC_PY" -c "$1"; }

# 8000 bytes of UDP (8028 of IP): whole at the backend.
got=$(client_py "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(5):
    s.sendto(b'x' * 8000, ('$SLC_VIP', $BIG_PORT))
    try:
        print(s.recv(64).decode()); break
    except socket.timeout:
        pass
" 2>&1)
expect "an 8000-byte datagram reaches the backend whole" "the sink answered '$got'" [ "$got" = 8000 ]

# A request with an 8900-byte header: the client's first segment fills its
# 9000-byte link, too large for the backend port.
stats_get "$IT_TMP/before.json"
got=$(client_py "
import socket
s = socket.create_connection(('$SLC_VIP', 80), timeout=5)
s.sendall(b'GET / HTTP/1.0\r\nX-Pad: ' + b'a' * 8900 + b'\r\n\r\n')
print(s.recv(64).split(b'\r\n')[0].decode())
" 2>&1)
expect "a request sent in full-size segments is answered" "got '$got'" grep -q ' 200 ' <<<"$got"
route=$(ip -n "$SLC_NS_CLI" route get "$SLC_VIP" 2>&1)
expect "the client's kernel learnt the path MTU $BACKEND_MTU" "ip route get: $route" \
	grep -q "mtu $BACKEND_MTU" <<<"$route"
stats_get "$IT_TMP/after.json"
n=$(jq -n --slurpfile a "$IT_TMP/after.json" --slurpfile b "$IT_TMP/before.json" \
	'($a[0].drop_frag_needed // 0) - ($b[0].drop_frag_needed // 0)')
expect "fragmentation needed sent ($n), counted as drop_frag_needed" "drop_frag_needed grew by $n" \
	[ "$n" -ge 1 ]

it_sluice_stop "mtu run"
kill "$SINK_PID" 2>/dev/null
wait "$SINK_PID" 2>/dev/null
it_done
