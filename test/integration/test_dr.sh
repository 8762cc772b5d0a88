#!/usr/bin/env bash
# DR: the appliance only rewrites the MAC; backends (VIP on lo) answer the
# client directly over the router path slc-sw -> slc-cli eth1, around Sluice.
source "$(dirname "$0")/lib.sh"
it_init test_dr
it_topology dr 80   # DR backends listen on the service port

conf=$IT_TMP/dr-wrr.conf
gen_config "$conf" dr wrr 3,2,1
it_sluice_start "$conf"

eth0_rx=$(link_stat "$SLC_NS_CLI" eth0 rx_packets)
eth1_rx=$(link_stat "$SLC_NS_CLI" eth1 rx_packets)
eth0_tx=$(link_stat "$SLC_NS_CLI" eth0 tx_packets)
stats_get "$IT_TMP/before.json"
r=$(slc_client http --url "$VIP_URL" --count 1000 --weights b1=3,b2=2,b3=1)
check_requests "wrr 3:2:1, 1000 new connections" "$r" 1000 0.10
stats_get "$IT_TMP/after.json"
d_eth0=$(($(link_stat "$SLC_NS_CLI" eth0 rx_packets) - eth0_rx))
d_eth1=$(($(link_stat "$SLC_NS_CLI" eth1 rx_packets) - eth1_rx))
d_sent=$(($(link_stat "$SLC_NS_CLI" eth0 tx_packets) - eth0_tx))
d_tx=$(jq -n --slurpfile a "$IT_TMP/after.json" --slurpfile b "$IT_TMP/before.json" '$a[0].tx_packets - $b[0].tx_packets')

check_peers "tcp, real client address" "$r" "$SLC_CLIENT_IP"

# Every reply (>= 2 packets per connection: SYN-ACK, response) came in on
# eth1; eth0 got next to nothing (ARP at most).
if [ "$d_eth1" -ge 2000 ] && [ "$d_eth0" -lt 100 ]; then
	pass "replies bypassed the appliance: client eth1 +$d_eth1 packets, eth0 +$d_eth0"
else
	fail "direct return" "client eth1 +$d_eth1 packets (want >= 2000), eth0 +$d_eth0 (want < 100)"
fi
# The appliance forwarded the client's packets only (NAT would send about
# twice as many: both directions).
if [ "$d_tx" -ge $((d_sent * 9 / 10)) ] && [ "$d_tx" -le $((d_sent * 3 / 2)) ]; then
	pass "appliance forwarded one direction only: client sent $d_sent packets, appliance tx +$d_tx"
else
	fail "one direction" "client sent $d_sent packets, appliance tx +$d_tx (want about the same, not 2x)"
fi

# UDP in DR: the backend answers from the VIP (on its lo), around Sluice.
r=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count 60 --weights b1=1,b2=1,b3=1)
check_requests "udp rr, 60 datagrams" "$r" 60 0.10

it_sluice_stop "dr run"

# Weighted least-connections after a restart: the same spread from counts.
conf=$IT_TMP/dr-wlc.conf
gen_config "$conf" dr wlc 3,2,1
it_sluice_start "$conf"
r=$(slc_client http --url "$VIP_URL" --count 1000 --weights b1=3,b2=2,b3=1)
check_requests "wlc 3:2:1, 1000 new connections" "$r" 1000 0.10
it_sluice_stop "dr wlc run"
it_done
