#!/usr/bin/env bash
# FULLNAT: weighted spread, backends see the local address, keep-alive
# stickiness, UDP. Backends need no route to the client at all.
source "$(dirname "$0")/lib.sh"
it_init test_fullnat
it_topology fullnat

conf=$IT_TMP/fullnat-wrr.conf
gen_config "$conf" fullnat wrr 3,2,1
it_sluice_start "$conf"

r=$(slc_client http --url "$VIP_URL" --count 1000 --weights b1=3,b2=2,b3=1)
check_requests "wrr 3:2:1, 1000 new connections" "$r" 1000 0.10

check_peers "tcp, FULLNAT local address" "$r" "$SLC_LOCAL_IP"
check_keepalive

# The listing rebuilds each reply tuple from the entry: the local address
# and a local port stand where NAT would show the client.
j=$(it_ctl conns --json) || fatal "conns failed: $j"
expect "conns: FULLNAT entries listed" "$(jget "$j" '.connections | length') listed" \
	[ "$(jget "$j" '.connections | length')" -ge 1 ]
expect "conns: every local is the FULLNAT address" "$(jget "$j" -c '[.connections[].local | split(":")[0]] | unique')" \
	[ "$(jget "$j" -c '[.connections[].local | split(":")[0]] | unique')" = "[\"$SLC_LOCAL_IP\"]" ]
expect "conns: backends are the pool's" "$(jget "$j" -c '[.connections[].backend | split(":")[0]] | unique')" \
	[ "$(jget "$j" '[.connections[].backend | split(":")[0] | select(startswith("198.18.1.1"))] | length')" = "$(jget "$j" '.connections | length')" ]

r=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count 100 --weights b1=1,b2=1,b3=1)
check_requests "udp rr, 100 datagrams" "$r" 100 0.10
check_peers "udp, FULLNAT local address" "$r" "$SLC_LOCAL_IP"

# Frag-needed about replies, sent to the VIP, reaches the backends from the
# local address: they learn the path MTU to it.
check_pmtu_relayed "$SLC_LOCAL_IP"

it_sluice_stop "fullnat run"

# Weighted least-connections after a restart: the same spread from counts.
conf=$IT_TMP/fullnat-wlc.conf
gen_config "$conf" fullnat wlc 3,2,1
it_sluice_start "$conf"
r=$(slc_client http --url "$VIP_URL" --count 1000 --weights b1=3,b2=2,b3=1)
check_requests "wlc 3:2:1, 1000 new connections" "$r" 1000 0.10
it_sluice_stop "fullnat wlc run"
it_done
