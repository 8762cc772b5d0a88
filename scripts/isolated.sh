#!/usr/bin/env bash
# Run a command in private network and mount namespaces, so the namespaces,
# links, TAP interfaces, sockets, pid files and DPDK runtime directories it
# creates cannot meet those of another run on the same machine (a benchmark,
# a second test run, a real appliance):
#   sudo scripts/isolated.sh test/integration/run.sh test_nat
# Inside, /run/netns, /run/sluice*, /run/dpdk and /tmp/slc-it are fresh
# tmpfs mounts, /sys is this namespace's and the loopback is up. Hugepages
# stay shared.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS]" >&2; exit 2; }
for d in /run/netns /run/sluice /run/sluice-topo /run/dpdk /tmp/slc-it; do
	mkdir -p "$d"
done
exec unshare --mount --net --propagation private -- bash -c '
	set -e
	for d in /run/netns /run/sluice /run/sluice-topo /run/dpdk /tmp/slc-it; do
		mount -t tmpfs -o mode=0755 tmpfs "$d"
	done
	# /sys/class/net must show this network namespace, not the host one.
	mount -t sysfs sysfs /sys
	ip link set lo up
	export SLC_ISOLATED=1
	exec "$@"
' isolated "$@"
