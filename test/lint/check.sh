#!/usr/bin/env bash
# Source checks that no compiler makes: one "PASS name" or "FAIL name" line
# each, exit status 1 if any failed. Run from scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
failed=0
result() { # $1 = name, $2 = offending lines (empty: pass)
	if [ -z "$2" ]; then
		echo "PASS lint: $1"
	else
		echo "FAIL lint: $1"
		sed 's/^/  /' <<<"$2" | head -n 20
		failed=1
	fi
}

# A python3 found on PATH may be a version-manager shim that takes seconds
# to start (it broke test_health's timed checks on a fresh machine): tests
# and scripts run Debian's /usr/bin/python3, through $SLC_PY in shell.
# install-deps.sh names the package, which is not running it.
bare=$(git ls-files -- '*.sh' '.ci/*' | grep -v '^scripts/install-deps.sh$' |
	xargs grep -nE '(^|[^/[:alnum:]_.-])python3([[:space:]]|$)' 2>/dev/null |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*#')
result 'no test or script starts Python from PATH (use $SLC_PY)' "$bare"
shebang=$(for f in $(git ls-files -- '*.py'); do
	l=$(head -n 1 "$f")
	case "$l" in '#!'*) [ "$l" = '#!/usr/bin/python3' ] || echo "$f: $l" ;; esac
done)
result "Python scripts start Debian's interpreter (#!/usr/bin/python3)" "$shebang"

# Arrows one way: the build runs the same check (dataplane/meson.build).
upward=$(bash tools/check_includes.sh dataplane 2>&1)
result 'dataplane/ includes nothing outside itself (control -> dataplane only)' "$upward"

exit $failed
