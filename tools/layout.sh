#!/usr/bin/env bash
# The house as built, at any revision: lines per source file and module,
# and the include graph between the source folders.
#   tools/layout.sh [REV]          REV: a commit (default: the work tree)
#   tools/layout.sh [REV] --dot    the file-level include graph in DOT
# Counts are `wc -l` of every .c and .h under dataplane/ and control/.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
dot=0
[ "${2:-}" = --dot ] && dot=1
[ "$rev" = --dot ] && { rev=""; dot=1; }

list() {
	if [ -n "$rev" ]; then
		git ls-tree -r --name-only "$rev" -- dataplane control | grep -E '\.[ch]$'
	else
		git ls-files -co --exclude-standard -- dataplane control | grep -E '\.[ch]$' |
			while read -r f; do [ -f "$f" ] && echo "$f"; done
	fi
}
show() { if [ -n "$rev" ]; then git show "$rev:$1"; else cat "$1"; fi; }

files=$(list | sort)
# Each quoted include, resolved against the including file's folder.
edges=$(for f in $files; do
	d=$(dirname "$f")
	show "$f" | sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' |
		while read -r inc; do
			t=$(realpath -m --relative-to=. "$d/$inc")
			echo "$f $t"
		done
done)

if [ "$dot" = 1 ]; then
	echo "digraph includes {"
	echo "  rankdir=LR; node [shape=box, fontsize=10];"
	while read -r a b; do [ -n "$a" ] && echo "  \"$a\" -> \"$b\";"; done <<<"$edges"
	echo "}"
	exit 0
fi

echo "== lines per file (${rev:-work tree})"
for f in $files; do
	printf '%6d  %s\n' "$(show "$f" | wc -l)" "$f"
done
echo
echo "== lines per module (a module: one .c with its .h, or a lone header)"
for f in $files; do
	m=${f%.[ch]}
	printf '%s %d\n' "$m" "$(show "$f" | wc -l)"
done | awk '{s[$1]+=$2} END {for (m in s) printf "%6d  %s\n", s[m], m}' | sort -k2
echo
echo "== totals per folder"
for f in $files; do printf '%s %d\n' "${f%%/*}" "$(show "$f" | wc -l)"; done |
	awk '{s[$1]+=$2; n[$1]++} END {for (d in s) printf "%6d lines in %3d files  %s/\n", s[d], n[d], d}' | sort -k6
echo "  files over 800 lines: $(for f in $files; do [ "$(show "$f" | wc -l)" -gt 800 ] && echo "$f"; done | tr '\n' ' ')"
echo
echo "== include edges between folders (from -> to: count)"
awk '{split($1, a, "/"); split($2, b, "/"); print a[1] " -> " b[1]}' <<<"$edges" |
	sort | uniq -c | awk '{printf "%6d  %s %s %s\n", $1, $2, $3, $4}'
echo
echo "== includes that cross from dataplane/ to control/ (must be none)"
grep -E '^dataplane/[^ ]+ control/' <<<"$edges" || echo "  none"
