#!/bin/sh
# keepalived's check (vrrp_script) for a Sluice appliance: succeeds when
# Sluice answers on its API socket and says it is ready to be master
# (`sluicectl sync`: "ready 1", i.e. it has every peer's connections).
# Usage: sluice-ready.sh [API_SOCKET]. The client: $SLUICECTL, else the
# build tree's next to this script, else the installed one next to this
# script's prefix, else sluicectl on PATH.
sock=${1:-/run/sluice/sluice.sock}
here=$(dirname "$0")
ctl=${SLUICECTL:-}
for c in "$here/../build/control/sluicectl" "$here/../../bin/sluicectl"; do
	[ -n "$ctl" ] && break
	[ -x "$c" ] && ctl=$c
done
[ -n "$ctl" ] || ctl=sluicectl
"$ctl" -s "$sock" -t 1 sync 2>/dev/null | grep -qx 'ready 1'
