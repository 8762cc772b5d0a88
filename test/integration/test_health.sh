#!/usr/bin/env bash
# Health checks over the data ports (probes leave through the kernel TAP and
# the appliance): a stopped backend goes DOWN within fall x interval +
# timeout and gets no new connection while the VIP keeps serving; restarted,
# it is UP again after rise x interval and gets traffic. A wrong HTTP status
# and an unreachable ICMP target mark DOWN; a service with every backend
# DOWN refuses new connections at once; down_policy "reset" ends the
# established connections of a backend that goes DOWN.
source "$(dirname "$0")/lib.sh"
it_init test_health
it_topology nat

INTERVAL=500 TIMEOUT=300 RISE=2 FALL=2
conf=$IT_TMP/health.conf
gen_config "$conf" nat wrr 1,1,1
# web: tcp checks. Extra services after "echo": every backend DOWN by a
# wrong expected status; an unreachable address checked by ping; a
# reset-policy service whose only backend is checked on a closed port.
"$SLC_PY" - "$conf" "$INTERVAL" "$TIMEOUT" "$RISE" "$FALL" <<'PY'
import sys
path, interval, timeout, rise, fall = sys.argv[1:6]
s = open(path).read()
tcp = ('    health: { type = "tcp"; interval_ms = %s; timeout_ms = %s; rise = %s; fall = %s; };\n'
       % (interval, timeout, rise, fall))
s = s.replace('    forward = "nat";\n', '    forward = "nat";\n' + tcp, 1)
extra = '''  },
  { name = "wrongstatus"; vip = "198.18.0.10"; port = 81; forward = "nat";
    health: { type = "http"; path = "/"; status = 404; interval_ms = 300; timeout_ms = 200; fall = 1; };
    backends = ( { address = "198.18.1.11"; port = 8080; }, { address = "198.18.1.12"; port = 8080; } );
  },
  { name = "ghost"; vip = "198.18.0.10"; port = 82; forward = "nat";
    health: { type = "icmp"; interval_ms = 300; timeout_ms = 200; fall = 1; };
    backends = ( { address = "198.18.1.99"; port = 8080; }, { address = "198.18.1.13"; port = 8080; } );
  },
  { name = "resetme"; vip = "198.18.0.10"; port = 83; forward = "nat"; down_policy = "reset";
    health: { type = "tcp"; port = 9; interval_ms = 1000; timeout_ms = 300; rise = 1; fall = 8; };
    backends = ( { address = "198.18.1.11"; port = 8080; } );
  }
);
'''
i = s.rindex('  }\n);')
s = s[:i] + extra
open(path, 'w').write(s)
PY
"$SLUICE_BIN" --check -c "$conf" >/dev/null || fatal "generated config invalid: $("$SLUICE_BIN" --check -c "$conf" 2>&1)"

# The reset-policy backend goes DOWN 8 s after start: open its connection first.
it_sluice_start "$conf"
ready=$IT_TMP/long.ready go=$IT_TMP/long.go
ip netns exec "$SLC_NS_CLI" "$SLC_PY" - "$SLC_VIP" "$ready" "$go" >"$IT_TMP/long.json" 2>&1 <<'PY' &
import http.client, json, os, select, sys, time
vip, ready, go = sys.argv[1:4]
c = http.client.HTTPConnection(vip, 83, timeout=5)
c.request("GET", "/")
r = c.getresponse()
r.read()
first = r.status
open(ready, "w").write(str(first))
# Idle, as a client waiting on its backend is: the appliance must end the
# connection itself (an RST arrives) when the backend goes DOWN.
out = {"first": first}
deadline = time.time() + 60
while not os.path.exists(go) and time.time() < deadline:
    if select.select([c.sock], [], [], 0.05)[0]:
        try:
            out["idle"] = "eof" if c.sock.recv(1) == b"" else "data"
        except Exception as e:
            out["idle"] = type(e).__name__
        break
if "idle" not in out:
    try:
        c.request("GET", "/")
        out["second"] = c.getresponse().status
    except Exception as e:
        out["error"] = type(e).__name__
print(json.dumps(out))
PY
long_pid=$!
for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.1; done
expect "reset-policy service served its first request" "$(cat "$IT_TMP/long.json")" [ "$(cat "$ready" 2>/dev/null)" = 200 ]
# Read now: the walk resets the connection the moment its backend goes DOWN,
# which may come while the checks below run.
before=$(jget "$(slc_tel /sluice/stats)" .conns_reset)

# state SERVICE ADDR: the backend's state in `sluicectl list`.
state() { it_ctl list --json | jq -r --arg s "$1" --arg a "$2" \
	'.services[] | select(.name == $s) | .backends[] | select(.address == $a) | .state'; }
# wait_state SERVICE ADDR STATE SECONDS [T0_MS]: bounded poll; prints the ms
# elapsed since T0_MS (wall clock; default: now).
wait_state() {
	local t0=${5:-} t1 i
	[ -n "$t0" ] || t0=$(date +%s%3N)
	for i in $(seq 1 $(($4 * 20))); do
		if [ "$(state "$1" "$2")" = "$3" ]; then
			t1=$(date +%s%3N)
			echo $((t1 - t0))
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# All web backends are checked and up; b2's server stops.
r=$(slc_client http --url "$VIP_URL" --count 30)
check_requests "30 requests, all backends up" "$r" 30
topo_kill_pidfile "$SLC_RUN_DIR/backend-b2.pid" backend.py
limit=$((FALL * INTERVAL + TIMEOUT + INTERVAL))
ms=$(wait_state web 198.18.1.12 down 10) || ms=never
expect "stopped b2 is DOWN within fall x interval + timeout (+1 interval)" "after $ms ms, limit $limit" \
	in_range "$ms" 0 "$limit"
expect "the DOWN is logged with its reason" "$(grep health: "$SLC_LOG" | tail -n 3)" \
	grep -q "health: web 198.18.1.12:8080 DOWN (connection refused)" "$SLC_LOG"
r=$(slc_client http --url "$VIP_URL" --count 100)
check_requests "100 requests with b2 DOWN" "$r" 100
expect "DOWN b2 got no new connection" "$(jget "$r" -c .by_backend)" [ "$(jget "$r" '.by_backend.b2 // 0')" = 0 ]

# b2 restarted: UP again after rise x interval, timed from the moment its
# server listens (written by backend.py), not from the interpreter's start.
ready_b2=$IT_TMP/b2.ready
rm -f "$ready_b2"
ip netns exec slc-b2 "$SLC_PY" "$SLC_BACKEND_PY" --name b2 --http-port "$SLC_HTTP_PORT" \
	--udp-port "$SLC_UDP_PORT" --ready-file "$ready_b2" </dev/null >/dev/null 2>"$SLC_RUN_DIR/backend-b2.log" &
echo $! >"$SLC_RUN_DIR/backend-b2.pid"
for _ in $(seq 1 200); do [ -s "$ready_b2" ] && break; sleep 0.05; done
t_ready=$(cat "$ready_b2" 2>/dev/null)
[ -n "$t_ready" ] || fatal "restarted b2 never listened: $(cat "$SLC_RUN_DIR/backend-b2.log")"
limit=$((RISE * INTERVAL + TIMEOUT + INTERVAL))
ms=$(wait_state web 198.18.1.12 up 10 "$t_ready") || ms=never
expect "restarted b2 is UP within rise x interval (+1 interval, + timeout)" "after $ms ms, limit $limit" \
	in_range "$ms" 0 "$limit"
r=$(slc_client http --url "$VIP_URL" --count 90 --weights b1=1,b2=1,b3=1)
check_requests "90 requests after b2 is back" "$r" 90
expect "b2 gets traffic again" "$(jget "$r" -c .by_backend)" [ "$(jget "$r" '.by_backend.b2 // 0')" -gt 10 ]

# Wrong status: every backend DOWN, so new connections are refused at once.
ms=$(wait_state wrongstatus 198.18.1.12 down 10) || ms=never
expect "http check expecting 404 marks DOWN" "state $(state wrongstatus 198.18.1.12)" [ "$ms" != never ]
expect "reason says bad status" "$(it_ctl list --json | jq -c '.services[] | select(.name == "wrongstatus") | [.backends[].health_reason]')" \
	[ "$(it_ctl list --json | jq -r '.services[] | select(.name == "wrongstatus") | .backends[0].health_reason')" = "bad status 200" ]
wait_state wrongstatus 198.18.1.11 down 10 >/dev/null
before=$(jget "$(slc_tel /sluice/stats)" .conns_refused)
out=$(ip netns exec "$SLC_NS_CLI" curl -s -m 3 -o /dev/null -w '%{http_code} %{exitcode}' "http://$SLC_VIP:81/" 2>&1)
after=$(jget "$(slc_tel /sluice/stats)" .conns_refused)
expect "all DOWN: connection refused at once (curl exit 7)" "curl said '$out'" [ "${out#* }" = 7 ]
expect "all DOWN: refusal counted" "conns_refused $before -> $after" [ "$after" -gt "$before" ]
m=$(curl -s --max-time 5 "http://127.0.0.1:$IT_PROM_PORT/metrics")
expect "all DOWN: counted for the service, and its backends read down in Prometheus" \
	"$(grep -E 'service="wrongstatus"' <<<"$m" | grep -E 'refused|_up' | tr '\n' ' ')" \
	[ "$(awk '$1 == "sluice_service_connections_refused_total{service=\"wrongstatus\"}" { print $2 }' <<<"$m")" -ge 1 \
	-a "$(grep -c '^sluice_backend_up{service="wrongstatus".* 0$' <<<"$m")" = 2 ]

# ICMP to an address with no host: DOWN ("no reply"); its sibling stays up.
ms=$(wait_state ghost 198.18.1.99 down 10) || ms=never
expect "icmp check on an unreachable address marks DOWN" "state $(state ghost 198.18.1.99)" [ "$ms" != never ]
expect "icmp check on a live backend stays up" "state $(state ghost 198.18.1.13)" [ "$(state ghost 198.18.1.13)" = up ]

# Reset policy: the established connection is ended when its backend goes
# DOWN, while its client sends nothing: the RST comes from the appliance.
ms=$(wait_state resetme 198.18.1.11 down 25) || ms=never
expect "reset-policy backend went DOWN" "state $(state resetme 198.18.1.11)" [ "$ms" != never ]
for _ in $(seq 1 50); do kill -0 $long_pid 2>/dev/null || break; sleep 0.1; done
touch "$go"
wait $long_pid
j=$(cat "$IT_TMP/long.json")
expect "its idle client was reset, without sending" "$j" \
	[ "$(jget "$j" -c '[.first, .idle]')" = '[200,"ConnectionResetError"]' ]
after=$(jget "$(slc_tel /sluice/stats)" .conns_reset)
expect "reset counted" "conns_reset $before -> $after" [ "$after" -gt "$before" ]
sent=$(jget "$(slc_tel /sluice/stats)" .resets_sent)
expect "the RST counted as sent" "resets_sent $sent" [ "$sent" -ge 1 ]

it_sluice_stop "health run"
it_done
