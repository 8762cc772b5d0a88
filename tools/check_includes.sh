#!/usr/bin/env bash
# Arrows one way (docs/architecture.md): control/ builds on dataplane/,
# never the reverse. A dataplane file includes system headers and its own
# folder's, by plain name; as every one of them obeys the same rule, no
# file under dataplane/ reaches control/ even indirectly.
#   tools/check_includes.sh DATAPLANE_DIR [STAMP]
# Prints each offending line and exits 1; else touches STAMP (the build
# runs it so that breaking the rule fails the build) and exits 0.
set -euo pipefail
dir=$1
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' \
	"$dir"/*.c "$dir"/*.h 2>/dev/null || true)
if [ -n "$bad" ]; then
	echo "dataplane/ may include only its own headers and system headers (control -> dataplane, never back):" >&2
	echo "$bad" >&2
	exit 1
fi
[ $# -lt 2 ] || touch "$2"
