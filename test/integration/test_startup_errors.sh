#!/usr/bin/env bash
# Start-up refuses configs the machine cannot honour, with a message that
# names the fix, and exits non-zero without leaving anything behind:
# too few lcores, a port with fewer queues than workers, too little memory.
# Uses net_null ports and af_packet on lo only: no topology needed.
source "$(dirname "$0")/lib.sh"
it_init test_startup_errors
trap 'rc=$?; rm -rf "/var/run/dpdk/$IT_PREFIX-se"; (exit $rc); it_cleanup' EXIT

# run_expect NAME PATTERN EAL... -- APPARGS...: sluice must exit non-zero
# (within 60 s) and print PATTERN.
run_expect() {
	local name=$1 pattern=$2 out rc
	shift 2
	out=$IT_TMP/${name// /_}.out
	timeout -k 5 60 "$SLUICE_BIN" --no-huge --no-pci --file-prefix "$IT_PREFIX-se" "$@" >"$out" 2>&1
	rc=$?
	expect "$name: exits non-zero (not a timeout)" "exit status $rc" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
	expect "$name: says '$pattern'" "output: $(tail -n 3 "$out" | tr '\n' '|')" grep -qF -- "$pattern" "$out"
}

null_conf() { # FILE CAPACITY DEVICE0
	cat >"$1" <<EOF
conntrack: { capacity = $2; };
ports = (
  { name = "a"; device = "$3"; addresses = [ "198.18.0.1/24" ]; },
  { name = "b"; device = "net_null1"; addresses = [ "198.18.1.1/24" ]; }
);
services = (
  { name = "web"; vip = "198.18.0.10"; port = 80;
    backends = ( { address = "198.18.1.11"; port = 8080; } ); }
);
EOF
}

null_conf "$IT_TMP/ok.conf" 65536 net_null0
null_conf "$IT_TMP/big.conf" 268435456 net_null0
null_conf "$IT_TMP/lo.conf" 65536 "net_af_packet0,iface=lo,qpairs=1"

run_expect "one lcore" "need one control lcore plus" \
	-m 256 --lcores 0@0 -- -c "$IT_TMP/ok.conf"
run_expect "too few queues" "workers need one pair each" \
	-m 256 --lcores 0@0,1@0,2@1 -- -c "$IT_TMP/lo.conf"
run_expect "too little memory" "lower conntrack.capacity or give EAL more memory" \
	-m 256 --lcores 0@0,1@1 -- -c "$IT_TMP/big.conf"
run_expect "bad config" "error(s) in" \
	-m 256 --lcores 0@0,1@1 -- -c "$IT_TMP/missing.conf"

# The same machine and config with enough memory does start (the checks
# above fail for their stated reason, not for any reason).
log=$IT_TMP/ok.out
timeout -s INT -k 5 30 "$SLUICE_BIN" --no-huge --no-pci -m 256 --file-prefix "$IT_PREFIX-se" \
	--lcores 0@0,1@1 -- -c "$IT_TMP/ok.conf" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	grep -q "sluice: ready" "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
expect "valid config on net_null ports starts" "log: $(tail -n 3 "$log" | tr '\n' '|')" grep -q "sluice: ready" "$log"
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
expect "stops cleanly on SIGTERM" "exit status $rc" [ "$rc" -eq 0 ]
it_done
