#!/usr/bin/env bash
# Configure (once) and build Sluice into build/ (or $1), developer mode:
# warnings are errors. Extra arguments go to `meson setup`, e.g.
#   scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@"
fi
ninja -C "$dir"
