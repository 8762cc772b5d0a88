#!/bin/sh
# keepalived's check (vrrp_script) for a Sluice appliance: succeeds when
# Sluice answers on its API socket and says it is ready to be master
# (`sluicectl sync`: "ready 1", i.e. it has every peer's connections).
# Usage: sluice-ready.sh [API_SOCKET]; SLUICECTL names the client when it
# is not next to this script's build tree nor on PATH.
sock=${1:-/run/sluice/sluice.sock}
ctl=${SLUICECTL:-$(dirname "$0")/../build/control/sluicectl}
[ -x "$ctl" ] || ctl=sluicectl
"$ctl" -s "$sock" -t 1 sync 2>/dev/null | grep -qx 'ready 1'
