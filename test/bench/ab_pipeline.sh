#!/usr/bin/env bash
# Before/after comparison of bench_pipeline builds on a noisy machine: run
# each build once per round, in turn, for N rounds, so that drift of the
# machine hits every build alike; print each run's gross (or timed) ns/packet and,
# per build, the median and its ratio to the first build's (pairs taken
# round by round, median of the ratios).
#
#   test/bench/ab_pipeline.sh ROUNDS BENCH_A BENCH_B [BENCH_C ...] -- [bench_pipeline options]
# A BENCH may carry options of its own, in one word: "PATH --sync" runs
# PATH with --sync before the common options (one build, two settings).
#   e.g. test/bench/ab_pipeline.sh 8 /tmp/before/bench_pipeline build-bench/test/bench/bench_pipeline \
#            -- --huge --lcore 1 --runs 5 --scenario est --conns 1048576
# Each invocation must print exactly one est/new/mix result line (one
# scenario, one connection count). AB_FIELD=timed compares the worker's
# directly timed ns/packet instead of the gross (default AB_FIELD=gross).
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
field=${AB_FIELD:-gross}
case $field in gross|timed) ;; *) echo "ab_pipeline: AB_FIELD is gross or timed" >&2; exit 2 ;; esac
rounds=$1; shift
[ "$rounds" -ge 1 ] && [ "$rounds" -le 100 ] || { echo "ab_pipeline: 1..100 rounds" >&2; exit 2; }
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#bins[@]} -ge 2 ] || { echo "ab_pipeline: at least two builds" >&2; exit 2; }
for b in "${bins[@]}"; do
	read -ra words <<<"$b"
	[ -x "${words[0]}" ] || { echo "ab_pipeline: ${words[0]} is not executable" >&2; exit 2; }
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
	for i in "${!bins[@]}"; do
		read -ra words <<<"${bins[$i]}"
		ns=$(timeout 900 "${words[@]}" "$@" 2>&1 |
		     awk -v f="$field" '/^(est|new|mix) / { for (k = 1; k <= NF; k++) if ($k == f) { print $(k + 1); exit } }')
		[ -n "$ns" ] || { echo "ab_pipeline: ${bins[$i]} printed no result" >&2; exit 1; }
		echo "$r $i $ns" >>"$out"
		printf 'round %2d  build %d  %8s ns/pkt  %s\n' "$r" "$i" "$ns" "${bins[$i]}"
	done
done
awk -v n="${#bins[@]}" '
function median(a, m,   i, j, t) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
{ v[$2, $1] = $3; if ($1 > rounds) rounds = $1 }
END {
	for (b = 0; b < n; b++) {
		delete x; delete q
		for (r = 1; r <= rounds; r++) { x[r] = v[b, r]; q[r] = v[b, r] / v[0, r] }
		printf "build %d: median %.1f ns/pkt, median of per-round ratios to build 0: %.2f\n", b, median(x, rounds), median(q, rounds)
	}
}' "$out"
