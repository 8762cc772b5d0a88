#!/usr/bin/env bash
# Install, build and run every test: unit suites (normal and ASan/UBSan
# builds), benchmark and fuzz smoke runs, then the integration tests (real
# binary, namespaces, af_packet).
# Prints one closing line "tests: N passed, M failed"; exit status 0 only
# when everything passed. This is what .ci/run runs.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
count_meson() { # $1 = meson test log
	local ok fail
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0}))
}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

for variant in build build-asan; do
	if [ "$variant" = build-asan ]; then
		opts=(-Db_sanitize=address,undefined -Db_lundef=false)
	else
		opts=()
	fi
	if ! bash scripts/build.sh "$variant" "${opts[@]}"; then
		echo "FAIL: $variant does not build"
		failed=$((failed + 1))
		continue
	fi
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$variant" --suite unit --print-errorlogs | tee "$log/$variant.txt"
	count_meson "$log/$variant.txt"
	if ! grep -q '^Ok:' "$log/$variant.txt"; then
		echo "FAIL: $variant unit tests did not run"
		failed=$((failed + 1))
	fi
done

# Source checks (test/lint/check.sh): one PASS/FAIL line each.
bash test/lint/check.sh | tee "$log/lint.txt"
passed=$((passed + $(grep -c '^PASS' "$log/lint.txt")))
failed=$((failed + $(grep -c '^FAIL' "$log/lint.txt")))

# Benchmarks are run by hand (docs/performance.md); here each runs once at
# a tiny size, only to prove it still works.
for bench in "build/test/bench/bench_maglev 3" "build/test/bench/bench_pipeline --quick" \
	"build/test/bench/bench_randread --max-mib 2" "build/test/bench/bench_sync 3 100" \
	"build/test/bench/bench_sync_path 1 1" "build/test/bench/bench_pipeline --quick --scenario new --udp --sync"; do
	if bash scripts/isolated.sh $bench >"$log/bench.txt" 2>&1; then
		echo "PASS bench smoke: $bench"
		passed=$((passed + 1))
	else
		echo "FAIL bench smoke: $bench"
		tail -n 20 "$log/bench.txt"
		failed=$((failed + 1))
	fi
done

# The fuzz harnesses (docs/reliability.md): each replays its committed
# corpus (seeds and regression inputs of past findings), then fuzzes for a
# few seconds; a crash, sanitizer report or leak fails it.
for target in packet config api http sync; do
	if bash scripts/fuzz.sh "$target" 15 >"$log/fuzz.txt" 2>&1; then
		echo "PASS fuzz smoke: $target ($(grep -o 'number_of_executed_units: [0-9]*' \
			"$log/fuzz.txt" | tail -n 1 | cut -d' ' -f2) inputs)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz smoke: $target"
		tail -n 30 "$log/fuzz.txt"
		failed=$((failed + 1))
	fi
done

# The Pktgen script for real NICs cannot run here (no Pktgen, no NIC): it
# runs against a stub of Pktgen 23.x's Lua API instead, which checks its
# calls, control flow and result arithmetic; its Sluice config goes
# through --check (docs/pktgen.md).
if bash test/bench/pktgen/check.sh build/sluice >"$log/pktgen.txt" 2>&1; then
	echo "PASS pktgen script against the Pktgen API stub ($(grep -c '^PASS' "$log/pktgen.txt") checks)"
	passed=$((passed + 1))
else
	echo "FAIL pktgen script against the Pktgen API stub"
	tail -n 20 "$log/pktgen.txt"
	failed=$((failed + 1))
fi

if [ -x build/sluice ]; then
	# Private network and mount namespaces: nothing the tests create can
	# meet another run, a benchmark or a real appliance on this machine.
	bash scripts/isolated.sh bash test/integration/run.sh | tee "$log/integration.txt"
	line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed' "$log/integration.txt" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
	else
		echo "FAIL: integration tests gave no result line"
		failed=$((failed + 1))
	fi
fi

# The API's timeout path again on the ASan/UBSan binary: its clean exit is
# LeakSanitizer's verdict on mail a timed-out request abandoned to a worker.
if [ -x build-asan/sluice ]; then
	if SLUICE_BIN=$PWD/build-asan/sluice bash scripts/isolated.sh \
		bash test/integration/run.sh test_api_timeout >"$log/asan-integration.txt" 2>&1; then
		echo "PASS integration under ASan: test_api_timeout"
		passed=$((passed + 1))
	else
		echo "FAIL integration under ASan: test_api_timeout"
		tail -n 20 "$log/asan-integration.txt"
		failed=$((failed + 1))
	fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
