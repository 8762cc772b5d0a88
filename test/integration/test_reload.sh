#!/usr/bin/env bash
# Reload under load: 10 reloads (adding and removing a backend, changing
# weights) while a client keeps opening connections: zero failed requests;
# a keep-alive connection opened before the reloads is still served after
# them; an invalid config is rejected and the appliance keeps running it;
# so is one that changes api.socket or api.mode (restart-only keys).
source "$(dirname "$0")/lib.sh"
it_init test_reload
it_topology nat

conf=$IT_TMP/reload.conf
gen_config "$conf" nat wrr 1,1,-
it_sluice_start "$conf"

# A long-lived connection (on b1 or b2: neither is ever removed).
ready=$IT_TMP/long.ready
go=$IT_TMP/long.go
ip netns exec "$SLC_NS_CLI" "$SLC_PY" - "$SLC_VIP" "$ready" "$go" >"$IT_TMP/long.json" 2>&1 <<'PY' &
import http.client, json, os, sys, time
vip, ready, go = sys.argv[1:4]
c = http.client.HTTPConnection(vip, 80, timeout=5)
c.request("GET", "/")
first = c.getresponse().read().decode().split()[0]
port1 = c.sock.getsockname()[1]
with open(ready, "w") as f:
    f.write(first)
deadline = time.time() + 180
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.05)
c.request("GET", "/")
r = c.getresponse()
second = r.read().decode().split()[0]
print(json.dumps({"first": first, "second": second, "status": r.status,
                  "same_connection": c.sock.getsockname()[1] == port1}))
PY
long_pid=$!
for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.1; done
[ -s "$ready" ] || fatal "the long-lived connection did not start: $(cat "$IT_TMP/long.json")"

# The load: batches of 200 new connections, one after another, until the
# reloads are done (at most 100 batches).
stop=$IT_TMP/load.stop
(
	for _ in $(seq 1 100); do
		[ -e "$stop" ] && break
		slc_client http --url "$VIP_URL" --count 200 --timeout 5 --budget 120
		echo
	done
) >"$IT_TMP/load.jsonl" &
load_pid=$!

created() { jget "$(slc_tel /sluice/stats)" .conns_created; }
weights=(1,1,1 3,1,1 3,1,- 1,3,- 1,3,2 1,3,- 2,2,- 2,2,2 1,1,5 1,1,-)
gen_before=$(jget "$(it_ctl list --json)" .generation)
n=0
for w in "${weights[@]}"; do
	# Wait until the load has made progress since the last reload.
	base=$(created)
	for _ in $(seq 1 200); do
		[ "$(created)" -ge $((base + 20)) ] && break
		kill -0 $load_pid 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $load_pid 2>/dev/null || break
	gen_config "$conf" nat wrr "$w"
	if [ $((n % 2)) -eq 0 ]; then
		out=$(it_ctl reload 2>&1) || fail "reload $w" "$out"
	else
		# Every other reload by signal, as an init system would.
		kill -HUP "$SLC_PID"
		g=$((gen_before + n + 1))
		for _ in $(seq 1 100); do
			[ "$(jget "$(it_ctl list --json)" .generation)" -ge "$g" ] && break
			sleep 0.05
		done
	fi
	n=$((n + 1))
done
expect "10 reloads happened while the load ran" "only $n" [ "$n" -eq 10 ]
gen_after=$(jget "$(it_ctl list --json)" .generation)
expect "10 snapshots published" "generation $gen_before -> $gen_after" [ "$gen_after" -eq $((gen_before + 10)) ]
touch "$stop"
wait $load_pid
totals=$(jq -s -c '{batches: length, ok: (map(.ok) | add), failed: (map(.failed) | add), errors: (map(.errors[]) | .[:3])}' "$IT_TMP/load.jsonl")
expect "load across the 10 reloads: no request failed ($(jget "$totals" .ok) ok)" "$totals" \
	[ "$(jget "$totals" .failed):$(jget "$totals" .ok)" = "0:$(($(jget "$totals" .batches) * 200))" ]
expect "the last weights hold: b3 removed" "$(it_ctl list --json | jq -c '[.services[0].backends[].address]')" \
	[ "$(it_ctl list --json | jq -c '[.services[0].backends[].address]')" = '["198.18.1.11","198.18.1.12"]' ]

touch "$go"
wait $long_pid
j=$(cat "$IT_TMP/long.json")
expect "long-lived connection served after the reloads, same backend, same connection" "$j" \
	[ "$(jget "$j" -c '[.status, .same_connection, (.first == .second)]')" = '[200,true,true]' ]

# An invalid file is rejected; the running config stays.
before=$(it_ctl config)
gen_config "$conf" nat wrr 1,1,-
sed -i 's/scheduler = "wrr";/scheduler = "fastest";/' "$conf"
line=$(grep -n 'scheduler = "fastest"' "$conf" | head -n 1 | cut -d: -f1)
out=$(it_ctl reload 2>&1)
rc=$?
expect "invalid config: reload refused" "exit $rc: $out" [ $rc -eq 1 ]
expect "invalid config: says $conf:$line" "$out" grep -qF "$conf:$line:" <<<"$out"
expect "invalid config: running config unchanged" "config changed" [ "$(it_ctl config)" = "$before" ]
kill -HUP "$SLC_PID"
r=$(slc_client http --url "$VIP_URL" --count 20)
check_requests "still serving after the rejected reloads" "$r" 20
expect "SIGHUP with the invalid file logged the rejection" "$(tail -n 3 "$SLC_LOG")" \
	grep -qF "reload rejected" "$SLC_LOG"

# The API socket is created at start-up only: a reload that moves it (or
# changes its mode) is refused at the key's line, like every restart-only
# key, and the appliance goes on answering on the old socket with the old
# config. (It used to say "applied" and change nothing.)
gen_config "$conf" nat wrr 1,1,-
it_ctl reload >/dev/null 2>&1 || fail "reload of the running file" "refused"
before=$(it_ctl config)
gen_now=$(jget "$(it_ctl list --json)" .generation)
sed -i "s|socket = \"$IT_TMP/sluice.sock\";|socket = \"$IT_TMP/other.sock\";|" "$conf"
line=$(grep -n 'other.sock' "$conf" | head -n 1 | cut -d: -f1)
out=$(it_ctl reload 2>&1)
rc=$?
expect "api.socket changed: reload refused" "exit $rc: $out" [ $rc -eq 1 ]
expect "api.socket changed: says $conf:$line: and that it needs a restart" "$out" \
	grep -qF "$conf:$line: api.socket changed: that needs a restart; running configuration kept" <<<"$out"
expect "api.socket changed: the old socket answers with the running config" "config changed" \
	[ "$(it_ctl config)" = "$before" ]
expect "api.socket changed: nothing listens at the new path" "$(ls -l "$IT_TMP/other.sock" 2>&1)" \
	[ ! -e "$IT_TMP/other.sock" ]

gen_config "$conf" nat wrr 1,1,-
sed -i "s|^  socket = \"$IT_TMP/sluice.sock\";|&\n  mode = \"0660\";|" "$conf"
line=$(grep -n 'mode = "0660";' "$conf" | head -n 1 | cut -d: -f1)
out=$(it_ctl reload 2>&1)
rc=$?
expect "api.mode changed: reload refused" "exit $rc: $out" [ $rc -eq 1 ]
expect "api.mode changed: says $conf:$line: and that it needs a restart" "$out" \
	grep -qF "$conf:$line: api.mode changed: that needs a restart; running configuration kept" <<<"$out"
kill -HUP "$SLC_PID"
for _ in $(seq 1 100); do
	grep -qF "$conf:$line: api.mode changed: that needs a restart" "$SLC_LOG" && break
	sleep 0.05
done
expect "api.mode changed by SIGHUP: the rejection logged with its line" "$(tail -n 3 "$SLC_LOG")" \
	grep -qF "$conf:$line: api.mode changed: that needs a restart" "$SLC_LOG"
expect "api.mode changed: the socket keeps mode 600" "$(stat -c %a "$IT_TMP/sluice.sock" 2>&1)" \
	[ "$(stat -c %a "$IT_TMP/sluice.sock" 2>&1)" = 600 ]
expect "api.mode changed: the running config unchanged" "config changed" [ "$(it_ctl config)" = "$before" ]
expect "restart-only changes refused: no snapshot published" \
	"generation $gen_now -> $(jget "$(it_ctl list --json)" .generation)" \
	[ "$(jget "$(it_ctl list --json)" .generation)" = "$gen_now" ]
r=$(slc_client http --url "$VIP_URL" --count 20)
check_requests "still serving after the refused restart-only reloads" "$r" 20
it_sluice_stop "reload run"
it_done
