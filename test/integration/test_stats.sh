#!/usr/bin/env bash
# Telemetry and Prometheus: the counters match the traffic sent exactly.
source "$(dirname "$0")/lib.sh"
it_init test_stats
it_topology nat

conf=$IT_TMP/stats.conf
gen_config "$conf" nat wrr 1,1,1
it_sluice_start "$conf"

prom() { curl -s --max-time 5 "http://127.0.0.1:$IT_PROM_PORT/metrics"; }
# prom_sum METRIC [LABEL_REGEX]: sum of a metric's samples.
prom_sum() {
	prom | awk -v m="$1" -v l="${2:-}" '$1 ~ "^"m"([{]|$)" && $0 ~ l { s += $NF } END { printf "%d\n", s }'
}

m=$(prom)
expect "prometheus: text format with HELP and TYPE" "$(head -n 3 <<<"$m")" \
	grep -q '^# TYPE sluice_rx_packets_total counter$' <<<"$m"
# The start-up resolved the backends by ARP: the control lcore's requests
# are counted, in telemetry and in prometheus alike, and none was dropped.
t=$(slc_tel /sluice/stats)
a=$(prom_sum sluice_arp_requests_total 'result="sent"')
expect "ARP requests counted in telemetry ($(jget "$t" .arp_requests))" \
	"requests sent at start-up are not counted" in_range "$(jget "$t" .arp_requests)" 1 1000000
expect "ARP requests counted in prometheus ($a)" "requests sent at start-up are not counted" \
	in_range "$a" 1 1000000
d=$(prom_sum sluice_arp_requests_total 'result="dropped"')
expect "no ARP request dropped (telemetry $(jget "$t" .arp_requests_dropped), prometheus $d)" "$t" \
	[ "$(jget "$t" .arp_requests_dropped)/$d" = 0/0 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$IT_PROM_PORT/other")
expect "prometheus: other paths are 404" "got $code" [ "$code" = 404 ]

t0=$(jget "$(slc_tel /sluice/stats)" .conns_created)
p0=$(prom_sum sluice_connections_created_total)
b0=$(prom_sum sluice_backend_connections_scheduled_total 'service="web"')
r=$(slc_client http --url "$VIP_URL" --count 200)
check_requests "200 requests" "$r" 200
u=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count 50)
check_requests "50 datagrams" "$u" 50
t1=$(jget "$(slc_tel /sluice/stats)" .conns_created)
p1=$(prom_sum sluice_connections_created_total)
b1=$(prom_sum sluice_backend_connections_scheduled_total 'service="web"')
# TCP: a new client port per request (the client's TIME_WAIT keeps ports
# from coming back), so exactly one connection each. UDP: the kernel may
# hand a new socket the port a closed one had, which is the same flow.
expect "telemetry: 200 TCP + 1..50 UDP connections created" "delta $((t1 - t0))" \
	in_range $((t1 - t0)) 201 250
expect "prometheus: the same count as telemetry" "telemetry $((t1 - t0)), prometheus $((p1 - p0))" \
	[ $((p1 - p0)) -eq $((t1 - t0)) ]
expect "prometheus: exactly 200 scheduled to web's backends" "delta $((b1 - b0))" [ $((b1 - b0)) -eq 200 ]
j=$(slc_tel /sluice/backends)
per=$(jq -c '[.[] | select(.service == "web") | .scheduled]' <<<"$j")
pb=$(for b in 11 12 13; do prom_sum sluice_backend_connections_scheduled_total "backend=\"198.18.1.$b:8080\",*" ; done | tr '\n' ',' )
expect "per-backend counts agree between telemetry and prometheus" "telemetry $per, prometheus [$pb]" \
	[ "$per" = "[${pb%,}]" ]

# Per service and backend traffic: the service is the sum of its backends.
sp=$(prom_sum sluice_service_packets_total 'service="web"')
bp=$(prom_sum sluice_backend_packets_total 'service="web"')
expect "service web's packets ($sp) = its backends' ($bp), >= the requests' 1000" "see values" \
	[ "$sp" = "$bp" -a "$sp" -ge 1000 ]
sb=$(prom_sum sluice_service_bytes_total 'service="web"')
bb=$(prom_sum sluice_backend_bytes_total 'service="web"')
expect "service web's bytes ($sb) = its backends' ($bb)" "see values" [ "$sb" = "$bb" -a "$sb" -gt "$sp" ]

# Per port: the drivers' counters, at least what the requests needed.
rxp=$(prom_sum sluice_port_rx_packets_total 'port="client"')
expect "prometheus: port client received the 200 requests' packets" "rx $rxp" [ "$rxp" -ge 1000 ]

# Drops by reason: telemetry and Prometheus read the same counters.
mac=$(topo_mac "" "$SLC_PORT0")
g=$(ip netns exec "$SLC_NS_CLI" "$SLC_PY" "$SLC_IT_DIR/garbage.py" --iface eth0 --dst-mac "$mac" --random 0 --repeat 2) ||
	fatal "garbage.py failed (port MAC '$mac')"
n=$(jq '.expect | length' <<<"$g")
expect "garbage.py sent frames for $n drop reasons" "$g" [ "${n:-0}" -ge 10 ]
t=$(slc_tel /sluice/stats)
m=$(prom)
bad=0
for key in $(jq -r '.expect | keys[]' <<<"$g"); do
	reason=${key#drop_}
	tv=$(jget "$t" ".$key")
	pv=$(awk -v r="reason=\"$reason\"" '$1 ~ /^sluice_drops_total/ && index($1, r) { print $NF }' <<<"$m")
	[ "$tv" = "$pv" ] && [ "$tv" -ge "$(jget "$g" ".expect.$key")" ] || { bad=1; echo "  $key: telemetry $tv prometheus $pv sent $(jget "$g" ".expect.$key")"; }
done
expect "drops by reason: telemetry = prometheus >= frames sent" "see above" [ $bad -eq 0 ]

# Every counter dataplane/counters.h declares is rendered: a key of
# /sluice/stats and of the API's stats (one view renders both) and a line
# of the exit dump; where a worker counter names a Prometheus family,
# exactly one TYPE line of it with one sample per worker; every control
# counter, one sample of its family with its label.
hdr=$(dirname "$0")/../../dataplane/counters.h
wk=$(sed -n '/^#define SL_WK_COUNTERS/,/^$/p' "$hdr")
cl=$(sed -n '/^#define SL_CTL_COUNTERS/,/^$/p' "$hdr")
names=$(sed -nE 's/^[[:space:]]*X\(([a-z_]+),.*/\1/p' <<<"$wk$cl")
families=$(sed -nE 's/^[[:space:]]*X\([a-z_]+, "(sluice_[a-z_]+)".*/\1/p' <<<"$wk")
samples=$(sed -nE 's/^[[:space:]]*X\([a-z_]+, "(sluice_[a-z_]+)", "([a-z_]+)=\\"([a-z_]+)\\"".*/\1{\2="\3"}/p' <<<"$cl")
nw=$(jq 'length' <<<"$(slc_tel /sluice/workers)")
a=$(it_ctl --json stats)
bad=""
[ "$(wc -w <<<"$names")" -ge 19 ] || bad+=" (only $(wc -w <<<"$names") names read from $hdr)"
[ "$(wc -w <<<"$samples")" -ge 5 ] || bad+=" (only $(wc -w <<<"$samples") control samples read)"
for n in $names; do
	[ "$(jq --arg k "$n" 'has($k)' <<<"$t")" = true ] || bad+=" telemetry:$n"
	[ "$(jq --arg k "$n" 'has($k)' <<<"$a")" = true ] || bad+=" api:$n"
done
for fam in $families; do
	[ "$(grep -c "^# TYPE $fam counter$" <<<"$m")" = 1 ] || bad+=" family:$fam"
	[ "$(grep -c "^$fam{worker=" <<<"$m")" = "$nw" ] || bad+=" samples:$fam"
done
for smp in $samples; do
	fam=${smp%%\{*}
	[ "$(grep -c "^# TYPE $fam counter$" <<<"$m")" = 1 ] || bad+=" family:$fam"
	[ "$(grep -cF "$smp " <<<"$m")" = 1 ] || bad+=" sample:$smp"
done
expect "every declared counter rendered ($(wc -w <<<"$names") counters, $(wc -w <<<"$families") worker families, $(wc -w <<<"$samples") control samples, $nw workers)" \
	"missing:$bad" [ -z "$bad" ]
it_sluice_stop "stats run"
bad=""
for n in $names; do
	[ "$(grep -cE "^$n +[0-9]+$" "$SLC_LOG")" = 1 ] || bad+=" $n"
done
expect "every declared counter in the exit dump once" "missing or repeated:$bad" [ -z "$bad" ]
it_done
