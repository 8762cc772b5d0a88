#!/usr/bin/env bash
# scripts/demo.sh works as the README says: exit 0, every request reported
# successful, and nothing left behind.
source "$(dirname "$0")/lib.sh"
it_init test_demo

out=$IT_TMP/demo.out
(cd "$SLC_REPO" && timeout --foreground -s INT -k 30 300 bash scripts/demo.sh) >"$out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	pass "demo exited 0"
else
	fail "demo" "exit status $rc; output tail: $(tail -n 15 "$out" | tr '\n' '|')"
fi
if grep -q '^demo: all 660 requests succeeded$' "$out"; then
	pass "demo reports all 660 requests successful"
else
	fail "demo output" "no 'demo: all 660 requests succeeded' line; tail: $(tail -n 5 "$out" | tr '\n' '|')"
fi
for what in "HTTP  web" "UDP   echo" "appliance counters" "per worker"; do
	expect "demo shows '$what'" "no such section" grep -qF "$what" "$out"
done

# The demo tears down after itself.
left=$(ip netns list | grep -o '^slc-[^ ]*' | tr '\n' ' ')
left+=$(ip -o link show | grep -oE ': slc-[^:@]*' | tr -d ': ' | tr '\n' ' ')
[ -e /var/run/dpdk/slc-demo ] && left+=" /var/run/dpdk/slc-demo"
expect "demo left nothing behind" "left behind: $left" [ -z "$left" ]

[ -n "${IT_VERBOSE:-}" ] && cat "$out"
it_done
