#!/usr/bin/env bash
# The management endpoints (Prometheus, API socket) under clients that drip,
# stall or pile up: others are still served at once, the stallers are cut at
# their deadline, the connection cap evicts the oldest waiting one; sluicectl
# gives up on a server that never answers; the API socket never exists more
# open than api.mode.
source "$(dirname "$0")/lib.sh"
it_init test_mgmt
it_topology nat
PY=/usr/bin/python3
STALL=$SLC_IT_DIR/stall.py
command -v strace >/dev/null || fatal "strace missing (scripts/install-deps.sh installs it)"

conf=$IT_TMP/mgmt.conf
gen_config "$conf" nat wrr 1,1,1
sock=$IT_TMP/sluice.sock
prom_url=http://127.0.0.1:$IT_PROM_PORT/metrics
# What control/prom.c and control/api.c set: deadline for a whole request, caps.
READ_S=3 PROM_CAP=64 API_CAP=32

# wait_file FILE: up to 10 s for FILE to exist.
wait_file() {
	local i
	for i in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
jqe() { jq -e "$@" >/dev/null; }   # a jq test, quietly
prom_val() { # METRIC_WITH_LABELS: its value in a fresh scrape
	curl -s --max-time 5 "$prom_url" | awk -v m="$1" '$1 == m { print $NF }'
}

# --- the socket's mode, from its creation on ------------------------------
# Under umask 000 a socket file is born 0777 unless its mode is set before
# bind(). strace delays every chmod by 1.5 s, so a chmod-after-bind shows its
# window to a watcher; the socket must be 0600 the moment it appears. Only
# start-up is watched: sluice is stopped as soon as the socket is seen.
( umask 000
  exec strace -f -qq --seccomp-bpf -o "$IT_TMP/strace.log" -e trace=chmod,fchmodat \
	-e inject=chmod,fchmodat:delay_enter=1500000 \
	"$SLUICE_BIN" $SLC_EAL_ARGS --file-prefix slc-it-mode -- -c "$conf" ) \
	</dev/null >"$IT_TMP/mode.log" 2>&1 &
spid=$!
for i in $(seq 1 3000); do [ -S "$sock" ] && break; sleep 0.01; done
born=$(stat -c %a "$sock" 2>&1)
expect "api socket is 0600 the moment it exists (umask 000)" "born $born" [ "$born" = 600 ]
# The traced sluice, by its pid: strace itself goes when its tracee does.
child=$(pgrep -P "$spid" | head -n 1)
[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
for i in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$spid" 2>/dev/null; then
	[ -n "$child" ] && kill -KILL "$child" 2>/dev/null
	kill -KILL "$spid" 2>/dev/null
fi
wait "$spid" 2>/dev/null
rm -rf /var/run/dpdk/slc-it-mode "$sock"

it_sluice_start "$conf"
expect "api socket mode 0600 (api.mode)" "$(stat -c '%F %a' "$sock" 2>&1)" \
	[ "$(stat -c '%F %a' "$sock" 2>/dev/null)" = "socket 600" ]

# --- Prometheus: 20 idle connections and a drip, then a scrape ------------
rm -f "$IT_TMP/ready"
$PY "$STALL" --tcp "127.0.0.1:$IT_PROM_PORT" --idle 20 --drip --probe http --hold 6 \
	--ready-file "$IT_TMP/ready" >"$IT_TMP/prom-stall.json" &
stall_pid=$!
wait_file "$IT_TMP/ready" || fatal "stall.py never connected its stallers"
# curl's time_total is the transfer, not curl's start-up.
r=$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' "$prom_url")
code=${r% *} t=${r#* }
expect "prometheus: scrape with 21 stallers connected answers 200 in < 0.5 s (${t} s)" \
	"got '$r'" awk -v c="$code" -v t="$t" 'BEGIN { exit !(c == 200 && t < 0.5) }'
wait "$stall_pid"
j=$(cat "$IT_TMP/prom-stall.json")
echo "  prometheus stall: $j" | cut -c1-400
expect "prometheus: all 21 stallers were connected" "$j" [ "$(jget "$j" .connected)" = 21 ]
expect "prometheus: a scrape made among them took $(jget "$j" .probe_s) s (< 0.5)" "$j" \
	jqe '.probe_ok and .probe_s < 0.5' <<<"$j"
expect "prometheus: the drip client is cut at the ${READ_S} s request deadline ($(jget "$j" .drip_closed_s) s, $(jget "$j" .drip_bytes) bytes)" \
	"$j" jqe --argjson d $READ_S '.drip_closed_s != null and .drip_closed_s >= $d - 0.3 and .drip_closed_s <= $d + 1.5' <<<"$j"
expect "prometheus: idle connections are cut at the deadline too" "$(jget "$j" -c .idle_closed_s)" \
	jqe --argjson d $READ_S '[.idle_closed_s[] | select(. == null or . < $d - 0.3 or . > $d + 1.5)] | length == 0' <<<"$j"

# --- API: 14 idle connections and a drip, then sluicectl ------------------
rm -f "$IT_TMP/ready"
$PY "$STALL" --unix "$sock" --idle 14 --drip --probe api --hold 6 \
	--ready-file "$IT_TMP/ready" >"$IT_TMP/api-stall.json" &
stall_pid=$!
wait_file "$IT_TMP/ready" || fatal "stall.py never connected its stallers"
# -t 1: sluicectl's own clock, started after its start-up.
out=$(timeout 10 "$SLUICECTL" -s "$sock" -t 1 list 2>&1)
rc=$?
ok=no
[ $rc -eq 0 ] && grep -q "198.18.0.10:80" <<<"$out" && ok=yes
expect "api: sluicectl -t 1 list answers among 15 stallers" "exit $rc: $out" [ $ok = yes ]
wait "$stall_pid"
j=$(cat "$IT_TMP/api-stall.json")
echo "  api stall: $j" | cut -c1-400
expect "api: all 15 stallers were connected" "$j" [ "$(jget "$j" .connected)" = 15 ]
expect "api: a list made among them took $(jget "$j" .probe_s) s (< 0.5)" "$j" \
	jqe '.probe_ok and .probe_s < 0.5' <<<"$j"
expect "api: the drip client is cut at the ${READ_S} s request deadline ($(jget "$j" .drip_closed_s) s)" \
	"$j" jqe --argjson d $READ_S '.drip_closed_s != null and .drip_closed_s >= $d - 0.3 and .drip_closed_s <= $d + 1.5' <<<"$j"

# --- the caps: beyond them, the oldest connection still waiting goes ------
cap_check() { # NAME CAP TARGET_ARGS METRIC_ENDPOINT PROBE
	local name=$1 cap=$2 target=$3 ep=$4 e0 e1 j early
	e0=$(prom_val "sluice_mgmt_connections_closed_total{endpoint=\"$ep\",reason=\"evicted\"}")
	# shellcheck disable=SC2086
	j=$($PY "$STALL" $target --idle $((cap + 10)) --probe "$5" --settle 0.5 --hold 1)
	e1=$(prom_val "sluice_mgmt_connections_closed_total{endpoint=\"$ep\",reason=\"evicted\"}")
	early=$(jq '[.idle_closed_s[] | select(. != null and . < 2)] | length' <<<"$j")
	expect "$name: $((cap + 10)) idle connections over a cap of $cap, then a request: answered" \
		"$(jq -c 'del(.idle_closed_s)' <<<"$j")" jqe '.probe_ok' <<<"$j"
	expect "$name: the 11 oldest were closed at once to make room ($early)" "$(jget "$j" -c .idle_closed_s)" \
		[ "$early" = 11 ]
	expect "$name: counted, sluice_mgmt_connections_closed_total{reason=\"evicted\"} +$((e1 - e0))" \
		"from '$e0' to '$e1'" [ "$((e1 - e0))" = 11 ]
}
cap_check prometheus $PROM_CAP "--tcp 127.0.0.1:$IT_PROM_PORT" prometheus http
cap_check api $API_CAP "--unix $sock" api api
n=$(prom_val 'sluice_mgmt_connections_closed_total{endpoint="prometheus",reason="deadline"}')
expect "prometheus: connections cut at deadlines are counted ($n)" "got '$n'" in_range "$n" 21 1000

# --- sluicectl's own deadline, against a server that never answers --------
$PY "$STALL" --silent-unix "$IT_TMP/silent.sock" >"$IT_TMP/silent.log" 2>&1 &
silent_pid=$!
for i in $(seq 1 100); do grep -q listening "$IT_TMP/silent.log" && break; sleep 0.1; done
out=$(timeout 10 "$SLUICECTL" -s "$IT_TMP/silent.sock" -t 1 list 2>&1)
rc=$?
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
expect "sluicectl -t 1 against a silent server: exit 2" "exit $rc: $out" [ $rc -eq 2 ]
expect "sluicectl -t 1 against a silent server: says so" "$out" \
	grep -q "no answer from sluice at .* within 1 s" <<<"$out"
expect "sluicectl --help documents -t" "$("$SLUICECTL" --help 2>&1 | head -n 1)" \
	grep -q -- "-t SECONDS" <<<"$("$SLUICECTL" --help 2>&1)"
out=$(it_ctl -t 5 stats 2>&1)
expect "sluicectl -t before the command leaves the command's options alone" "$out" \
	grep -q rx_packets <<<"$out"

it_sluice_stop "mgmt run"
it_done
