# shellcheck shell=bash
#
# The HA topology: two appliances, each in its own namespace with its own
# keepalived, their client-side ports on one bridge with the client, their
# backend-side ports on the backends' bridge. Sourced after topology.sh
# (test/integration/test_ha.sh, test/bench/bench_failover.sh); never run.
#
#                  ns slc-sw                                ns slc-sw
#  ns slc-cli      brc                                      br0 198.18.1.254/24
#  eth0 ---------- c0                                       +- b1 -- slc-b1 198.18.1.11
#  198.18.0.2/24   +- l1c -- p0 [ns slc-lb1: SLUICE] p1 -- l1b  +- b2 -- slc-b2 198.18.1.12
#                  |         198.18.0.21      198.18.1.21   |  +- b3 -- slc-b3 198.18.1.13
#                  +- l2c -- p0 [ns slc-lb2: SLUICE] p1 -- l2b
#                            198.18.0.22      198.18.1.22
#
# Floating, held by keepalived's master on its appliance's TAPs: the VIP
# 198.18.0.10 (sl-client), the nat backends' gateway 198.18.1.250 and the
# FULLNAT local address 198.18.1.2 (sl-backend). Session sync runs between
# the backend-side addresses; VRRP adverts cross the client-side bridge.

SLC_HA_LB_CLIENT_IP=(198.18.0.21 198.18.0.22)
SLC_HA_LB_BACKEND_IP=(198.18.1.21 198.18.1.22)
SLC_HA_GATEWAY=198.18.1.250
SLC_HA_KEY=5c0b1e55a11ce0ddba11fee1900dbeef5c0b1e55a11ce0ddba11fee1900dbeef

# topo_ha_up MODE: namespaces, bridges and backends' routing for nat |
# fullnat | dr (dr: backends hold the VIP on lo and answer through slc-sw's
# rt0 to the client's eth1, as in topology.sh).
topo_ha_up() {
	local mode=$1 ns b i
	# shellcheck disable=SC2046 # namespace names are words
	topo_namespaces_up $(topo_namespaces) || return 1
	for b in brc br0; do
		ip -n "$SLC_NS_SW" link add "$b" type bridge forward_delay 0 stp_state 0 || return 1
		ip netns exec "$SLC_NS_SW" ethtool -K "$b" tso off gso off gro off >/dev/null 2>&1
		ip -n "$SLC_NS_SW" link set "$b" up
	done
	# Multicast (VRRP adverts, sync) floods: no snooping to learn first.
	ip netns exec "$SLC_NS_SW" sh -c 'echo 0 > /sys/class/net/brc/bridge/multicast_snooping; echo 0 > /sys/class/net/br0/bridge/multicast_snooping'
	ip netns exec "$SLC_NS_SW" sysctl -qw net.bridge.bridge-nf-call-iptables=0 >/dev/null 2>&1 || true
	ip -n "$SLC_NS_SW" addr add "$SLC_BRIDGE_IP/24" dev br0

	topo_veth "$SLC_NS_CLI" eth0 "$SLC_NS_SW" c0 || return 1
	ip -n "$SLC_NS_SW" link set c0 master brc
	ip -n "$SLC_NS_CLI" addr add "$SLC_CLIENT_IP/24" dev eth0
	for i in 0 1; do
		ns=${SLC_NS_LBS[$i]}
		topo_veth "$ns" p0 "$SLC_NS_SW" "l$((i + 1))c" || return 1
		topo_veth "$ns" p1 "$SLC_NS_SW" "l$((i + 1))b" || return 1
		ip -n "$SLC_NS_SW" link set "l$((i + 1))c" master brc
		ip -n "$SLC_NS_SW" link set "l$((i + 1))b" master br0
		# The veths belong to DPDK: the appliance's kernel sees only its TAPs.
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.p0.arp_ignore=8 net.ipv4.conf.p1.arp_ignore=8 \
			net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.p0.rp_filter=1 net.ipv4.conf.p1.rp_filter=1 >/dev/null
	done
	for b in "${SLC_BACKENDS[@]}"; do
		topo_veth "slc-$b" eth0 "$SLC_NS_SW" "$b" || return 1
		ip -n "$SLC_NS_SW" link set "$b" master br0
		ip -n "slc-$b" addr add "$(topo_backend_ip "$b")/24" dev eth0
		case "$mode" in
		nat) ip -n "slc-$b" route add default via "$SLC_HA_GATEWAY" ;;
		fullnat) ip -n "slc-$b" route add default via "$SLC_BRIDGE_IP" ;;
		dr) topo_dr_backend "slc-$b" ;;
		*) topo_log "topo_ha_up: mode $mode"; return 2 ;;
		esac || return 1
	done
	if [ "$mode" = dr ]; then
		topo_dr_return || return 1
	fi
	topo_log "ha topology up ($mode)"
}

# topo_ha_sluice_conf OUT I MODE [SYNC=1]: appliance I's (0, 1) config;
# sync to the other's backend-side address, or with SLC_HA_SYNC_MCAST set
# to that multicast group instead.
topo_ha_sluice_conf() {
	local out=$1 i=$2 mode=$3 sync=${4:-1} peer=$((1 - $2)) b laddr="" hport=$SLC_HTTP_PORT
	[ "$mode" = fullnat ] && laddr="forward = \"fullnat\"; local_addresses = [ \"$SLC_LOCAL_IP\" ];"
	[ "$mode" = nat ] && laddr="forward = \"nat\";"
	# dr backends answer on the service's own port
	[ "$mode" = dr ] && laddr="forward = \"dr\";" && hport=80
	{
		cat <<CONF
# HA pair, appliance $((i + 1)) of 2 ($mode), scripts/topology_ha.sh
workers: { idle_sleep_us = 20; };
conntrack: { capacity = 65536; };
api: { socket = "$SLC_RUN_DIR/lb$((i + 1)).sock"; };
ports = (
  { name = "client"; device = "net_af_packet0,iface=p0,qpairs=${SLC_HA_WORKERS[$i]}";
    addresses = [ "${SLC_HA_LB_CLIENT_IP[$i]}/24" ]; },
  { name = "backend"; device = "net_af_packet1,iface=p1,qpairs=${SLC_HA_WORKERS[$i]}";
    addresses = [ "${SLC_HA_LB_BACKEND_IP[$i]}/24" ]; }
);
ha: { vips = "follow"; };
CONF
		if [ "$sync" = 1 ]; then
			cat <<CONF
sync: {
  node_id = $((i + 1));
  key = "$SLC_HA_KEY";
  source = "${SLC_HA_LB_BACKEND_IP[$i]}";
$(if [ -n "${SLC_HA_SYNC_MCAST:-}" ]; then
	echo "  multicast = \"$SLC_HA_SYNC_MCAST\";"
else
	echo "  peers = [ \"${SLC_HA_LB_BACKEND_IP[$peer]}\" ];"
fi)
};
CONF
		fi
		echo "services = ("
		echo "  { name = \"web\"; vip = \"$SLC_VIP\"; port = 80; protocol = \"tcp\"; scheduler = \"wlc\"; $laddr"
		echo "    backends = ("
		for b in "${SLC_BACKENDS[@]}"; do
			echo "      { address = \"$(topo_backend_ip "$b")\"; port = $hport; },"
		done | sed '$ s/,$//'
		echo "    ); },"
		echo "  { name = \"echo\"; vip = \"$SLC_VIP\"; port = $SLC_UDP_PORT; protocol = \"udp\"; scheduler = \"rr\"; $laddr"
		echo "    backends = ("
		for b in "${SLC_BACKENDS[@]}"; do
			echo "      { address = \"$(topo_backend_ip "$b")\"; port = $SLC_UDP_PORT; },"
		done | sed '$ s/,$//'
		echo "    ); }"
		echo ");"
	} >"$out"
}

# topo_ha_keepalived_conf OUT I MODE ADVERT_S SOCK: appliance I's keepalived.
# Appliance 0 has the higher priority. The check keeps an appliance out of
# MASTER until its Sluice answers and has every peer's table (bulk sync),
# so a restarted master takes its VIPs back only once it lost nothing.
topo_ha_keepalived_conf() {
	local out=$1 i=$2 mode=$3 advert=$4 sock=$5 prio extra=""
	prio=$((i == 0 ? 150 : 100))
	[ "$mode" = nat ] && extra+="    $SLC_HA_GATEWAY/32 dev sl-backend"$'\n'
	[ "$mode" = fullnat ] && extra+="    $SLC_LOCAL_IP/32 dev sl-backend"$'\n'
	cat >"$out" <<CONF
# keepalived for HA appliance $((i + 1)) ($mode), scripts/topology_ha.sh
global_defs {
  router_id sluice-lb$((i + 1))
  vrrp_version 3
  script_user root
  enable_script_security
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
}
vrrp_script sluice_ready {
  script "$SLC_REPO/scripts/sluice-ready.sh $sock"
  interval 1
  timeout 2
  fall 1
  rise 1
}
vrrp_instance web {
  interface sl-client
  state BACKUP
  virtual_router_id 51
  priority $prio
  advert_int $advert
  track_script {
    sluice_ready
  }
  virtual_ipaddress {
    $SLC_VIP/32 dev sl-client
$extra  }
}
CONF
}

# topo_ha_sluice_start I CONF LOG: appliance I's Sluice in its namespace,
# waited for (bounded) until ready; sets SLC_HA_PID[I].
SLC_HA_PID=("" "")
topo_ha_sluice_start() {
	local i=$1 conf=$2 log=$3 prefix=slc-lb$(($1 + 1))
	slc_kill_leftover "$prefix"
	# shellcheck disable=SC2046 # EAL args are words on purpose
	ip netns exec "${SLC_NS_LBS[$i]}" "$SLUICE_BIN" $(topo_ha_eal "$i") --file-prefix "$prefix" -- -c "$conf" \
		</dev/null >"$log" 2>&1 &
	SLC_HA_PID[i]=$!
	echo "${SLC_HA_PID[$i]}" >"$SLC_RUN_DIR/sluice-$prefix.pid"
	for _ in $(seq 1 $((SLC_READY_DEADLINE * 10))); do
		grep -q 'sluice: ready' "$log" && return 0
		kill -0 "${SLC_HA_PID[$i]}" 2>/dev/null || { tail -n 20 "$log" >&2; return 1; }
		sleep 0.1
	done
	return 1
}

# Workers of each appliance (1 or 2): both share two cores with everything
# else. Worker counts may differ: a receiver installs by its own rules.
SLC_HA_WORKERS=(1 1)

# EAL arguments for appliance I: lcore 0 the control lcore, then workers.
topo_ha_eal() {
	local lcores="0@0,1@1"
	[ "${SLC_HA_WORKERS[$1]}" = 2 ] && lcores="0@0,1@0,2@1"
	echo "--no-huge -m 256 --no-pci --lcores $lcores"
}

# topo_ha_keepalived_start I CONF: keepalived in appliance I's namespace,
# its pid files kept apart from the other's.
topo_ha_keepalived_start() {
	local i=$1 conf=$2 d=$SLC_RUN_DIR/ka$(($1 + 1))
	mkdir -p "$d"
	ip netns exec "${SLC_NS_LBS[$i]}" keepalived --vrrp --dont-fork --log-console --log-detail \
		--use-file "$conf" --pid "$d/keepalived.pid" --vrrp_pid "$d/vrrp.pid" \
		</dev/null >"$d/keepalived.log" 2>&1 &
	echo $! >"$d/main.pid"
}

topo_ha_keepalived_stop() {
	local i=$1
	topo_kill_pidfile "$SLC_RUN_DIR/ka$((i + 1))/main.pid" keepalived
}
