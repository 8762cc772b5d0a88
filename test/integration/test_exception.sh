#!/usr/bin/env bash
# Kernel exception path: the appliance host's own sockets reach the backends
# through the TAP (sl-backend) and the data port: a plain ping, a TCP
# connect, and DPDK's secondary-process tools attached to the live
# appliance (dpdk-proc-info, dpdk-pdump), which need hugepages.
source "$(dirname "$0")/lib.sh"
it_init test_exception
it_topology nat

hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_before=$(cat "$hp")
mounted_here=0
restore_hugepages() {
	rm -f /dev/hugepages/"$IT_PREFIX"map_* 2>/dev/null
	echo "$hp_before" >"$hp"
	[ "$mounted_here" = 1 ] && umount /dev/hugepages
}
trap 'rc=$?; restore_hugepages; (exit $rc); it_cleanup' EXIT
[ "$hp_before" -ge 256 ] || echo 256 >"$hp"
if ! mountpoint -q /dev/hugepages; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages && mounted_here=1
fi
expect "hugepages available" "nr_hugepages=$(cat "$hp")" [ "$(cat "$hp")" -ge 256 ]

conf=$IT_TMP/exc.conf
gen_config "$conf" nat wrr 1,1,1
SLC_EAL_ARGS="-m 256 --no-pci --lcores 0@0,1@0,2@1" it_sluice_start "$conf"

expect "TAP sl-backend carries the port address" "$(ip -br addr show sl-backend 2>&1)" \
	grep -q "198.18.1.1/24" <<<"$(ip -br addr show sl-backend 2>&1)"
out=$(ping -c 3 -W 2 -I sl-backend 198.18.1.11 2>&1)
expect "ping from the appliance host to a backend through the data port" "$out" \
	grep -q " 0% packet loss" <<<"$out"
out=$(curl -s -m 5 --interface sl-backend http://198.18.1.12:8080/ 2>&1)
expect "TCP connect (HTTP) from the appliance host to a backend" "got '$out'" \
	grep -q "^b2 198.18.1.1:" <<<"$out"
t=$(slc_tel /sluice/stats)
expect "the kernel's packets came back through the workers" "to_kernel $(jget "$t" .to_kernel)" \
	[ "$(jget "$t" .to_kernel)" -ge 6 ]
expect "the control lcore counted them into the kernel ($(jget "$t" .exc_to_kernel))" "$t" \
	in_range "$(jget "$t" .exc_to_kernel)" 6 1000000
expect "and the kernel's out to the ports ($(jget "$t" .exc_to_port))" "$t" \
	in_range "$(jget "$t" .exc_to_port)" 6 1000000
expect "nothing dropped on the exception path ($(jget "$t" .exc_dropped))" "$t" \
	[ "$(jget "$t" .exc_dropped)" = 0 ]

# Secondary processes attach to the running appliance.
out=$(timeout 20 dpdk-proc-info --file-prefix "$IT_PREFIX" --no-pci --log-level=lib.eal:error -- --stats 2>&1)
expect "dpdk-proc-info reads the ports' statistics" "$(tail -n 3 <<<"$out")" \
	grep -q "RX-packets" <<<"$out"
pcap=$IT_TMP/rx.pcap
timeout -s INT 30 dpdk-pdump --file-prefix "$IT_PREFIX" --no-pci --log-level=lib.eal:error -- \
	--pdump "port=0,queue=*,rx-dev=$pcap" >"$IT_TMP/pdump.log" 2>&1 &
pdump_pid=$!
for _ in $(seq 1 100); do grep -q "port 0" "$IT_TMP/pdump.log" 2>/dev/null && break; sleep 0.1; done
r=$(slc_client http --url "$VIP_URL" --count 20)
check_requests "20 requests while capturing" "$r" 20
kill -INT $pdump_pid 2>/dev/null
wait $pdump_pid
# pcap: 24-byte file header, then per packet a 16-byte header and the frame.
size=$(stat -c %s "$pcap" 2>/dev/null || echo 0)
expect "dpdk-pdump captured the requests (pcap of $size bytes)" "$(tail -n 5 "$IT_TMP/pdump.log")" \
	[ "$size" -gt $((24 + 20 * 3 * 70)) ]
it_sluice_stop "exception run"
it_done
