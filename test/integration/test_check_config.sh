#!/usr/bin/env bash
# sluice --check: valid configs exit 0; each broken config exits 1 and names
# the offending line as "FILE:LINE:" on stderr. No EAL, no topology.
source "$(dirname "$0")/lib.sh"
it_init test_check_config

# check_valid NAME FILE
check_valid() {
	local err=$IT_TMP/${1//\//_}.err
	if "$SLUICE_BIN" --check -c "$2" 2>"$err" >/dev/null; then
		pass "valid $1 accepted"
	else
		fail "valid $1" "exit $? for a valid config: $(head -n 3 "$err" | tr '\n' '|')"
	fi
}

# check_broken NAME FILE LINE...: exit 1 and "FILE:LINE:" on stderr for every
# LINE given as a number; "A|B" accepts either line.
check_broken() {
	local name=$1 file=$2 rc err=$IT_TMP/$1.err spec ok l
	shift 2
	"$SLUICE_BIN" --check -c "$file" 2>"$err" >/dev/null
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "broken $name" "exit $rc, want 1; stderr: $(head -n 3 "$err" | tr '\n' '|')"
		return
	fi
	for spec in "$@"; do
		ok=""
		for l in ${spec//|/ }; do
			grep -qF "$file:$l:" "$err" && ok=$l
		done
		if [ -z "$ok" ]; then
			fail "broken $name" "no \"$file:$spec:\" on stderr; got: $(head -n 5 "$err" | tr '\n' '|')"
			return
		fi
	done
	pass "broken $name rejected at line(s) $* ($(head -n 1 "$err" | sed "s|^$IT_TMP/||"))"
}

# line_of FILE TEXT: first line containing TEXT.
line_of() { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# mutate NAME SED_SCRIPT: a broken copy of the base config.
mutate() {
	sed -e "$2" "$BASE" >"$IT_TMP/$1.conf"
	echo "$IT_TMP/$1.conf"
}

# Valid: generated configs for every mode and scheduler, and the shipped ones.
for mode in nat fullnat dr; do
	for sched in wrr wlc rr lc sh mh; do
		gen_config "$IT_TMP/ok-$mode-$sched.conf" "$mode" "$sched" 3,2,1 81
	done
done
for f in "$IT_TMP"/ok-*.conf; do
	check_valid "$(basename "$f" .conf)" "$f"
done
for f in "$SLC_REPO"/conf/default.conf "$SLC_REPO"/conf/examples/*.conf; do
	[ -e "$f" ] && check_valid "${f#"$SLC_REPO"/}" "$f"
done

BASE=$IT_TMP/base.conf
gen_config "$BASE" nat wrr 3,2,1

f=$(mutate bad_backend_address 's/"198\.18\.1\.12"/"198.18.1.300"/')
check_broken bad_backend_address "$f" "$(line_of "$f" 198.18.1.300)"

f=$(mutate bad_port_prefix 's|"198\.18\.0\.1/24"|"198.18.0.1/33"|')
check_broken bad_port_prefix "$f" "$(line_of "$f" 198.18.0.1/33)"

f=$(mutate unknown_scheduler '0,/scheduler = "wrr"/s//scheduler = "fastest"/')
check_broken unknown_scheduler "$f" "$(line_of "$f" fastest)"

dup='  , { name = "web"; vip = "198.18.0.10"; port = 8081; protocol = "tcp"; scheduler = "rr"; forward = "nat"; backends = ( { address = "198.18.1.11"; port = 8080; weight = 1; } ); }'
f=$(mutate duplicate_service_name "\$i\\
$dup")
check_broken duplicate_service_name "$f" "$(line_of "$f" 'port = 8081')"

dup='  , { name = "web2"; vip = "198.18.0.10"; port = 80; protocol = "tcp"; scheduler = "rr"; forward = "nat"; backends = ( { address = "198.18.1.11"; port = 8080; weight = 1; } ); }'
f=$(mutate duplicate_service_vip_port "\$i\\
$dup")
check_broken duplicate_service_vip_port "$f" "$(line_of "$f" web2)"

f=$(mutate unknown_key '0,/    port = 80;/s//    port = 80;\n    colour = "blue";/')
check_broken unknown_key "$f" "$(line_of "$f" colour)"

f=$(mutate syntax_error 's/capacity = 65536;/capacity = = 65536;/')
check_broken syntax_error "$f" "$(line_of "$f" 'capacity = =')"

f=$(mutate weight_out_of_range '0,/weight = 2;/s//weight = 70000;/')
check_broken weight_out_of_range "$f" "$(line_of "$f" 70000)"

# Every error is reported, not only the first.
f=$(mutate three_errors 's/"198\.18\.1\.12"/"198.18.1.300"/; 0,/scheduler = "wrr"/s//scheduler = "fastest"/; 0,/    port = 80;/s//    port = 80;\n    colour = "blue";/')
check_broken three_errors "$f" "$(line_of "$f" 198.18.1.300)" "$(line_of "$f" fastest)" "$(line_of "$f" colour)"

# FULLNAT without a local address: at the service or its forward key.
gen_config "$IT_TMP/fullnat.conf" fullnat wrr 3,2,1
sed -e '/local_addresses/d' "$IT_TMP/fullnat.conf" >"$IT_TMP/fullnat_no_laddr.conf"
f=$IT_TMP/fullnat_no_laddr.conf
check_broken fullnat_without_local_addresses "$f" \
	"$(line_of "$f" 'name = "web"')|$(line_of "$f" 'forward = "fullnat"')"

# A file that does not exist.
"$SLUICE_BIN" --check -c "$IT_TMP/does-not-exist.conf" >/dev/null 2>"$IT_TMP/nofile.err"
rc=$?
if [ $rc -eq 1 ] && grep -qF "$IT_TMP/does-not-exist.conf" "$IT_TMP/nofile.err"; then
	pass "missing file rejected"
else
	fail "missing file" "exit $rc, stderr: $(head -n 2 "$IT_TMP/nofile.err" | tr '\n' '|')"
fi

it_done
