#!/usr/bin/env bash
# Sluice demo: a client namespace, three backends, Sluice in between with its
# embedded default configuration (conf/default.conf). Sends 600 HTTP and 60
# UDP requests through the VIP, shows how they were spread against the
# configured weights and what the appliance counted, then removes everything.
#
#   sudo bash scripts/demo.sh   (installs what is missing and builds first;
#                                SLC_DEMO_NO_BUILD=1 skips both)
#
# Exit status: 0 only if every request succeeded.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=topology.sh
source "$REPO/scripts/topology.sh"

HTTP_COUNT=600
UDP_COUNT=60
# The weights of conf/default.conf's services ("web": wlc 3:2:1, "echo": rr).
HTTP_WEIGHTS=b1=3,b2=2,b3=1
UDP_WEIGHTS=b1=1,b2=1,b3=1
PREFIX=slc-demo

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces)" >&2
	exit 2
fi
if [ "${SLC_DEMO_NO_BUILD:-0}" != 1 ]; then
	bash "$REPO/scripts/install-deps.sh" || { echo "demo: installing dependencies failed" >&2; exit 2; }
	bash "$REPO/scripts/build.sh" >/dev/null || { echo "demo: build failed (run scripts/build.sh to see why)" >&2; exit 2; }
fi
if [ ! -x "$SLUICE_BIN" ]; then
	echo "demo: no binary at $SLUICE_BIN: build first (meson setup build && ninja -C build)" >&2
	exit 2
fi
others=""
# In scripts/isolated.sh's private namespaces nothing else can meet us.
[ "${SLC_ISOLATED:-0}" = 1 ] || others=$(slc_foreign)
if [ -n "$others" ]; then
	echo "demo: another sluice is running on the demo's fixed interface names; stop it first:" >&2
	echo "$others" >&2
	exit 2
fi
for cmd in ip ethtool "$SLC_PY" jq; do
	command -v "$cmd" >/dev/null || { echo "demo: needs $cmd" >&2; exit 2; }
done

TMP=$(slc_tmpdir /tmp/slc-demo) || { echo "demo: cannot create a temp dir" >&2; exit 1; }
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	slc_stop >/dev/null 2>&1
	topo_down >/dev/null 2>&1 || echo "demo: warning: topology not fully removed" >&2
	rm -rf "$TMP"
	rmdir /tmp/slc-demo 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM

die() {
	echo "demo: $*" >&2
	[ -s "$TMP/sluice.log" ] && { echo "--- sluice output (tail) ---" >&2; tail -n 20 "$TMP/sluice.log" >&2; }
	exit 1
}

echo "== topology: client ns slc-cli -- slc-p0 [sluice] slc-p1 -- slc-sw bridge -- b1 b2 b3 (nat)"
if ! { topo_up && topo_mode nat && topo_backends_start; }; then
	die "topology set-up failed"
fi

echo "== starting sluice with its embedded default configuration"
slc_start "$PREFIX" "$TMP/sluice.log" || die "sluice did not start"
grep -m1 'sluice: ready' "$TMP/sluice.log"
slc_wait_backends "http://$SLC_VIP/" || die "sluice did not resolve the backends"

# table TITLE JSON: the spread of one client run against its weights.
table() {
	echo
	echo "$1: $(jq -r '"\(.ok) ok, \(.failed) failed"' <<<"$2")"
	printf '  %-8s %6s %9s %9s %9s\n' backend weight expected requests share
	jq -r '.spread | to_entries[] | [.key, .value.weight, (.value.expected*100), .value.count, (.value.share*100)] | @tsv' <<<"$2" |
		while IFS=$'\t' read -r name w exp n share; do
			printf '  %-8s %6s %8.1f%% %9s %8.1f%%\n' "$name" "$w" "$exp" "$n" "$share"
		done
	jq -r '.errors[] | "  error: \(.)"' <<<"$2"
}

echo "== $HTTP_COUNT HTTP requests (new connection each) and $UDP_COUNT UDP requests to $SLC_VIP"
http=$(slc_client http --url "http://$SLC_VIP/" --count "$HTTP_COUNT" --weights "$HTTP_WEIGHTS") ||
	die "HTTP client failed"
udp=$(slc_client udp --host "$SLC_VIP" --port "$SLC_UDP_PORT" --count "$UDP_COUNT" --weights "$UDP_WEIGHTS") ||
	die "UDP client failed"
table "HTTP  web  $SLC_VIP:80/tcp   wlc, weights 3:2:1" "$http"
table "UDP   echo $SLC_VIP:$SLC_UDP_PORT/udp rr, weights 1:1:1" "$udp"
echo "  (the backends saw client address(es): $(jq -r '.peer_ips | join(", ")' <<<"$http"))"

echo
echo "== appliance counters (telemetry /sluice/stats, non-zero)"
slc_tel /sluice/stats | jq -r 'to_entries[] | select(.value != 0) | "\(.key) \(.value)"' |
	awk '{ printf "  %-24s %12s\n", $1, $2 }'
echo "== per worker (/sluice/workers)"
slc_tel /sluice/workers | jq -r 'to_entries[] | "  worker \(.key): rx \(.value.rx_packets)  tx \(.value.tx_packets)  steered_in \(.value.steered_in)  conns_tracked \(.value.conns_tracked)"'
echo "== connections per backend (/sluice/backends)"
# Entries {"0": {"service", "address", "port", "weight", "scheduled", "active", "inactive"}, ...}.
slc_tel /sluice/backends | jq -r '.[] | "\(.service)/\(.address):\(.port) \(.scheduled) \(.active) \(.inactive)"' |
	awk 'BEGIN { printf "  %-24s %9s %7s %9s\n", "service/backend", "scheduled", "active", "inactive" }
	     { printf "  %-24s %9s %7s %9s\n", $1, $2, $3, $4 }'
echo
echo "== stopping sluice"
slc_stop
rc=$?
[ $rc -eq 0 ] || die "sluice exited with status $rc"
sed -n '/sluice: ready/,$p' "$TMP/sluice.log" | tail -n +2 | sed 's/^/  /'

failed=$(($(jq .failed <<<"$http") + $(jq .failed <<<"$udp")))
total=$((HTTP_COUNT + UDP_COUNT))
echo
if [ "$failed" -eq 0 ] && [ "$(jq .ok <<<"$http")" -eq "$HTTP_COUNT" ] && [ "$(jq .ok <<<"$udp")" -eq "$UDP_COUNT" ]; then
	echo "demo: all $total requests succeeded"
	exit 0
fi
echo "demo: $failed of $total requests FAILED"
exit 1
