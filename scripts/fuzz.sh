#!/usr/bin/env bash
# Run one libFuzzer harness of test/fuzz/ on its committed seed corpus:
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
# TARGET: packet, config, api, http or sync. SECONDS: how long (0: no limit,
# e.g. with -runs=10000000). Builds build-fuzz/ first if needed (clang,
# ASan + UBSan, -Dfuzz=true; the normal builds are untouched).
# New inputs and any crash go to a temporary directory, never to the
# committed corpus: kept (path printed) on a crash or with FUZZ_KEEP=1.
# Exit status: 0 when the run ended without a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
	echo "usage: scripts/fuzz.sh packet|config|api|http|sync SECONDS [libFuzzer options...]" >&2
	exit 2
fi
target=$1
seconds=$2
shift 2
case "$target" in
packet | config | api | http | sync) ;;
*)
	echo "fuzz: unknown target '$target' (packet, config, api, http, sync)" >&2
	exit 2
	;;
esac

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang nice -n 10 meson setup "$dir" -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
nice -n 10 ninja -C "$dir" "test/fuzz/fuzz_$target" >/dev/null

out=$(mktemp -d "/tmp/sluice-fuzz-$target.XXXXXX")
opts=(-print_final_stats=1 -artifact_prefix="$out/")
[ "$seconds" -gt 0 ] && opts+=(-max_total_time="$seconds")
[ -f "test/fuzz/$target.dict" ] && opts+=(-dict="test/fuzz/$target.dict")
# libconfig 1.5 leaks on some syntax errors (test/fuzz/lsan.supp): a leak
# check after each such input would cost a full LSan scan, 20x the run.
# Leaks are still checked once, at exit, with the suppressions.
[ "$target" = config ] && opts+=(-detect_leaks=0)
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)

rc=0
# A UBSan report is a finding, not a line in a log; leaks are findings too.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=test/fuzz/lsan.supp \
	ASAN_OPTIONS=detect_leaks=1${symbolizer:+:external_symbolizer_path=$symbolizer} \
	nice -n 10 "$dir/test/fuzz/fuzz_$target" "${opts[@]}" "$@" \
	"$out" "test/fuzz/corpus/$target" || rc=$?

if [ "$rc" -ne 0 ]; then
	echo "fuzz $target: FINDING (exit $rc); inputs and crash in $out" >&2
	ls "$out" | grep -E '^(crash|leak|timeout|oom)-' >&2 || true
elif [ "${FUZZ_KEEP:-0}" = 1 ]; then
	echo "fuzz $target: no finding; new inputs kept in $out"
else
	rm -rf "$out"
fi
exit "$rc"
