#!/usr/bin/env bash
# Run every integration test (test_*.sh, in name order) against the real
# binary; print each result and "integration: N passed, M failed".
#   sudo test/integration/run.sh [test_nat ...]     (SLUICE_BIN overrides build/sluice)
# Each test cleans up after itself (trap), and before itself after a crash.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${SLUICE_BIN:-$repo/build/sluice}

if [ "$(id -u)" -ne 0 ]; then
	echo "integration: must run as root (network namespaces, veths, AF_PACKET)" >&2
	exit 2
fi
if [ ! -x "$bin" ]; then
	echo "integration: no sluice binary at $bin (build it first: meson setup build && ninja -C build, or set SLUICE_BIN)" >&2
	exit 2
fi
export SLUICE_BIN=$bin

tests=()
if [ $# -gt 0 ]; then
	for t in "$@"; do tests+=("$here/${t%.sh}.sh"); done
else
	# Standalone config checks first, the demo last.
	for t in check_config nat fullnat dr garbage demo; do
		[ -e "$here/test_$t.sh" ] && tests+=("$here/test_$t.sh")
	done
	for t in "$here"/test_*.sh; do
		case " ${tests[*]} " in *" $t "*) ;; *) tests+=("$t") ;; esac
	done
fi

passed=0 failed=0 failed_names=()
# Ctrl-C: the running test cleans up and exits 130 first, then the run
# stops (below); the trap covers a signal between tests.
trap 'echo "integration: interrupted"; exit 130' INT TERM
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	if [ ! -e "$t" ]; then
		echo "=== $name: no such test"
		failed=$((failed + 1)) failed_names+=("$name")
		continue
	fi
	echo "=== $name"
	start=$SECONDS
	# A hung test gets SIGINT after 10 minutes, so its trap still cleans up.
	# --foreground: Ctrl-C reaches the test directly.
	timeout --foreground -s INT -k 30 600 bash "$t"
	rc=$?
	if [ $rc -eq 130 ]; then
		# The test was interrupted (Ctrl-C) and has cleaned up: stop here.
		echo "=== $name: interrupted"
		echo "integration: interrupted"
		exit 130
	fi
	if [ $rc -eq 0 ]; then
		echo "=== $name: ok ($((SECONDS - start)) s)"
		passed=$((passed + 1))
	else
		echo "=== $name: FAILED (exit $rc, $((SECONDS - start)) s)"
		failed=$((failed + 1)) failed_names+=("$name")
	fi
done

[ $failed -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "integration: $passed passed, $failed failed"
[ $failed -eq 0 ]
