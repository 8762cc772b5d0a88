#!/usr/bin/env bash
# The exception path under a flood: UDP at the client-side port address
# from one host, then TCP SYNs from many guessed hosts, while tcp health
# checks run against the three real backends every 200 ms. No backend goes
# DOWN, new connections through the VIP all succeed, and the flood is
# counted under exception_limit while the probes' answers pass on the
# priority ring. Then SYNs spoofing the appliance's own backend-side address
# (to the port address and the VIP) are refused as local_src, still with no
# false DOWN.
source "$(dirname "$0")/lib.sh"
it_init test_exc_flood
it_topology nat
command -v cc >/dev/null || fatal "no C compiler for the flood sender"

FLOOD_S=${FLOOD_S:-6}
flood=$IT_TMP/flood
cc -O2 -o "$flood" "$(dirname "$0")/flood.c" || fatal "cannot build the flood sender"

conf=$IT_TMP/flood.conf
gen_config "$conf" nat wrr 1,1,1
"$SLC_PY" - "$conf" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()
hc = '    health: { type = "tcp"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };\n'
s = s.replace('    forward = "nat";\n', '    forward = "nat";\n' + hc, 1)
open(path, 'w').write(s)
PY
it_sluice_start "$conf"

states() { it_ctl list --json | jq -r '[.services[] | select(.name == "web") | .backends[].state] | join(",")'; }
for _ in $(seq 1 100); do [ "$(states)" = "up,up,up" ] && break; sleep 0.05; done
expect "all web backends checked and up" "states $(states)" [ "$(states)" = "up,up,up" ]
downs() { grep -c "health: web .* DOWN" "$SLC_LOG"; }
stat() { jget "$(slc_tel /sluice/stats)" ".$1 // \"absent\""; }
prio0=$(stat to_kernel_prio)

# flood_during NAME MODE SRC DST PORT: flood for FLOOD_S seconds while a
# client makes new connections through the VIP; both must finish.
flood_during() {
	local name=$1 out=$IT_TMP/flood-$1.json r k0
	k0=$(stat exc_to_kernel)
	ip netns exec "$SLC_NS_CLI" "$flood" "$2" "$3" "$4" "$5" "$FLOOD_S" >"$out" 2>&1 &
	local pid=$!
	r=$(slc_client http --url "$VIP_URL" --count 150 --timeout 2 --budget $((FLOOD_S + 20)))
	wait $pid
	echo "  $name flood: $(cat "$out"); written to the kernel: $(($(stat exc_to_kernel) - k0))"
	check_requests "$name flood: 150 new connections through the VIP" "$r" 150
	for _ in $(seq 1 40); do [ "$(states)" = "up,up,up" ] && break; sleep 0.05; done
	expect "$name flood: no backend went DOWN" "$(downs) DOWN transitions: $(grep 'health: web' "$SLC_LOG" | tail -n 3)" \
		[ "$(downs)" = 0 ]
}

flood_during udp udp "$SLC_CLIENT_IP" "$SLC_PORT0_IP" 9
lim=$(stat drop_exception_limit)
expect "the UDP flood is counted under exception_limit ($lim)" "drop_exception_limit $lim" \
	in_range "$lim" 1000 1000000000
prio=$(stat to_kernel_prio)
expect "probe answers passed on the priority ring ($prio0 -> $prio)" "to_kernel_prio $prio" \
	in_range "$prio" $((prio0 + 10)) 1000000000
prom=$(curl -s -m 5 "http://127.0.0.1:$IT_PROM_PORT/metrics")
expect "Prometheus exports the limit drops and the priority packets" "$(grep -c exception <<<"$prom") lines" \
	bash -c 'grep -q "reason=\"exception_limit\"" <<<"$1" && grep -q "^sluice_exception_priority_packets_total" <<<"$1"' _ "$prom"

flood_during spoofed-own syn "$SLC_PORT1_IP" "$SLC_PORT0_IP" 22
own=$(stat drop_local_src)
expect "SYNs from our own backend-side address are refused as local_src ($own)" "drop_local_src $own" \
	in_range "$own" 1000 1000000000
before=$own
flood_during spoofed-own-vip syn "$SLC_PORT1_IP" "$SLC_VIP" 80
t=$(slc_tel /sluice/stats)
expect "to the VIP they make no connection (local_src or rpf)" "$(jget "$t" -c '{drop_local_src,drop_rpf}')" \
	[ $(( $(jget "$t" .drop_local_src) - before + $(jget "$t" .drop_rpf) )) -ge 1000 ]
it_done
