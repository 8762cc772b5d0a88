#!/usr/bin/env bash
# Runtime API and sluicectl: every command, its JSON parsed and checked;
# bad requests rejected with a message and no change.
source "$(dirname "$0")/lib.sh"
it_init test_api
it_topology nat

conf=$IT_TMP/api.conf
gen_config "$conf" nat wrr 1,1,1
it_sluice_start "$conf"
sock=$IT_TMP/sluice.sock

expect "api socket is a socket with mode 0600" "$(stat -c '%F %a' "$sock" 2>&1)" \
	[ "$(stat -c '%F %a' "$sock" 2>/dev/null)" = "socket 600" ]

# list
j=$(it_ctl list --json) || fatal "sluicectl list --json failed: $j"
expect "list: services web and echo" "$(jget "$j" -c '[.services[].name]')" \
	[ "$(jget "$j" -c '[.services[].name]')" = '["web","echo"]' ]
expect "list: web has b1..b3, weight 1, up, wrr, nat" "$(jget "$j" -c '.services[0]')" \
	[ "$(jget "$j" -c '[.services[0] | .scheduler, .forward, (.backends[] | "\(.address):\(.port)/\(.weight)/\(.state)")]')" = \
	'["wrr","nat","198.18.1.11:8080/1/up","198.18.1.12:8080/1/up","198.18.1.13:8080/1/up"]' ]
expect "list (text) names the VIP" "$(it_ctl list)" grep -q "198.18.0.10:80" <<<"$(it_ctl list)"

# traffic, then conns and stats
r=$(slc_client http --url "$VIP_URL" --count 30)
check_requests "30 requests" "$r" 30
j=$(it_ctl conns -S web --json) || fatal "conns failed: $j"
n=$(jget "$j" '[.connections[] | select(.client | startswith("198.18.0.2:"))] | length')
expect "conns -S web lists the 30+ connections from the client" "$n listed" [ "$n" -ge 30 ]
expect "conns: backends are the service's" "$(jget "$j" -c '[.connections[].backend] | unique')" \
	[ "$(jget "$j" '[.connections[].backend | select(test("^198\\.18\\.1\\.1[123]:8080$") | not)] | length')" = 0 ]
n=$(jget "$(it_ctl conns -c 198.18.0.9 --json)" '.connections | length')
expect "conns -c filters by client" "$n listed for an idle client" [ "$n" = 0 ]
n=$(jget "$(it_ctl conns -n 5 --json)" '.connections | length')
expect "conns -n 5 caps the listing" "$n listed" [ "$n" = 5 ]
j=$(it_ctl stats --json) || fatal "stats failed"
t=$(slc_tel /sluice/stats)
expect "stats: conns_created matches telemetry" "api $(jget "$j" .conns_created), telemetry $(jget "$t" .conns_created)" \
	[ "$(jget "$j" .conns_created)" = "$(jget "$t" .conns_created)" ]

# changes
gen0=$(jget "$(it_ctl list --json)" .generation)
it_ctl weight web 198.18.1.11:8080 3 >/dev/null
it_ctl drain web 198.18.1.12 >/dev/null
j=$(it_ctl list --json)
expect "weight and drain applied" "$(jget "$j" -c '[.services[0].backends[] | "\(.weight)/\(.state)"]')" \
	[ "$(jget "$j" -c '[.services[0].backends[] | "\(.weight)/\(.state)"]')" = '["3/up","0/drain","1/up"]' ]
r=$(slc_client http --url "$VIP_URL" --count 40 --weights b1=3,b3=1)
check_requests "40 requests after drain" "$r" 40 0.10
expect "drained b2 got no new connection" "$(jget "$r" -c .by_backend)" [ "$(jget "$r" '.by_backend.b2 // 0')" = 0 ]

it_ctl del-backend web 198.18.1.13:8080 >/dev/null
it_ctl add-backend web 198.18.1.13:8080 -w 2 >/dev/null
it_ctl add-service web2 198.18.0.10:8081 -s rr >/dev/null
it_ctl add-backend web2 198.18.1.11:8080 >/dev/null
it_ctl edit-service web2 -s mh >/dev/null
j=$(it_ctl list --json)
expect "add/del backend, add/edit service" "$(jget "$j" -c '[.services[] | "\(.name)/\(.scheduler)/\(.backends | length)"]')" \
	[ "$(jget "$j" -c '[.services[] | "\(.name)/\(.scheduler)/\(.backends | length)"]')" = '["web/wrr/3","echo/rr/3","web2/mh/1"]' ]
r=$(slc_client http --url "http://$SLC_VIP:8081/" --count 10)
check_requests "the added service serves" "$r" 10
it_ctl del-service web2 >/dev/null
expect "del-service" "$(it_ctl list --json | jq -c '[.services[].name]')" \
	[ "$(it_ctl list --json | jq -c '[.services[].name]')" = '["web","echo"]' ]
gen1=$(jget "$(it_ctl list --json)" .generation)
expect "every change published a snapshot" "generation $gen0 -> $gen1" [ "$gen1" -eq $((gen0 + 8)) ]

# bad requests: an error, exit status 1, nothing changed
before=$(it_ctl config)
bad() { # NAME PATTERN ARGS...
	local name=$1 pattern=$2 out rc
	shift 2
	out=$(it_ctl "$@" 2>&1)
	rc=$?
	expect "rejected: $name" "exit $rc: $out" [ $rc -eq 1 ]
	expect "rejected: $name says '$pattern'" "$out" grep -qF -- "$pattern" <<<"$out"
}
bad "unknown command" "unknown command" frobnicate
bad "weight out of range" "0..65535" weight web 198.18.1.11:8080 70000
bad "missing service" "no service named 'nope'" add-backend nope 198.18.1.11
bad "missing backend" "has no backend" del-backend web 198.18.1.99
bad "duplicate backend" "already has backend" add-backend web 198.18.1.11:8080
bad "VIP on a port address" "is an address of port" add-service x 198.18.1.1:80
bad "bad scheduler" "unknown scheduler" edit-service web -s fastest
bad "bad endpoint" "is not VIP:PORT" add-service x 198.18.0.10
bad "unknown option" "unknown option" add-backend web 198.18.1.14 -x 1
# Issue 9: every field is checked before the config is touched. A quote in a
# name once went into the dumped text unescaped and rewrote the config.
inject='x";health:{type="icmp"};#'
bad "a name with a quote (config injection)" "only letters, digits, '_' and '-'" \
	add-service "$inject" 198.18.0.10:8082
expect "the injection left the running config as it was" "config differs" \
	[ "$(it_ctl config)" = "$before" ]
long=$(printf 'n%.0s' {1..32})
bad "a 32-character name" "1..31 characters" add-service "$long" 198.18.0.10:8082
bad "a 300-character name to edit" "1..31 characters" edit-service "$(printf 'n%.0s' {1..300})" -s rr
bad "a bad name for a backend's service" "only letters" add-backend 'we b' 198.18.1.14
# Numbers are decimal digits and nothing else, within range.
for w in +5 ' 5' '5 ' 5x -1 0x5 05 65536 99999999999999999999; do
	bad "weight '$w'" "weight '$w': 0..65535" weight web 198.18.1.11:8080 "$w"
done
bad "add-backend -w +5" "weight '+5': 0..65535" add-backend web 198.18.1.14 -w +5
bad "backend port +8080" "not IP[:PORT]" add-backend web 198.18.1.14:+8080
bad "backend port ' 8080'" "not IP[:PORT]" add-backend web '198.18.1.14: 8080'
bad "backend port empty" "not IP[:PORT]" add-backend web 198.18.1.14:
bad "backend not unicast" "not a unicast" add-backend web 224.0.0.1:8080
bad "VIP port +80" "is not VIP:PORT" add-service x 198.18.0.10:+80
bad "VIP port 65536" "is not VIP:PORT" add-service x 198.18.0.10:65536
bad "-m +257" "-m '+257'" add-service x 198.18.0.10:8082 -s mh -m +257
bad "-m not a prime" "-m '300'" add-service x 198.18.0.10:8082 -s mh -m 300
bad "conns -n +5" "-n '+5'" conns -n +5
bad "conns -S with a bad name" "-S: service name" conns -S 'a"b'
bad "-l with an empty element" "-l: an empty address" add-service x 198.18.0.10:8082 -f fullnat -l 198.18.1.2,
bad "-l overlong" "at most 64 local addresses" add-service x 198.18.0.10:8082 -f fullnat -l "$(printf '198.18.1.2,%.0s' {1..100})198.18.1.2"
bad "bad protocol" "unknown protocol" add-service x 198.18.0.10:8082 -p sctp
bad "bad forwarding mode" "unknown forwarding mode" edit-service web -f tun
# Unknown options are refused, by name, on every command.
bad "add-service -x first" "unknown option '-x'" add-service -x web3 198.18.0.10:8082
bad "add-service -x last" "unknown option '-x'" add-service web3 198.18.0.10:8082 -x 1
bad "add-service -w" "unknown option '-w'" add-service web3 198.18.0.10:8082 -w 1
bad "edit-service -p" "unknown option '-p'" edit-service web -p udp
bad "edit-service --frob" "unknown option '--frob'" edit-service web --frob 1
bad "del-service -x" "unknown option '-x'" del-service web -x
bad "del-backend -x" "unknown option '-x'" del-backend web 198.18.1.11:8080 -x
bad "weight -x" "unknown option '-x'" weight web 198.18.1.11:8080 3 -x
bad "drain -x" "unknown option '-x'" drain web 198.18.1.11 -x
bad "list -x" "unknown option '-x'" list -x
bad "stats -x" "unknown option '-x'" stats -x
bad "config -x" "unknown option '-x'" config -x
bad "reload -x" "unknown option '-x'" reload -x
bad "conns -x" "unknown option '-x'" conns -x 1
bad "flush -n" "unknown option '-n'" flush -n 5
bad "an option given twice" "given twice" edit-service web -s rr -s wlc
bad "an option without its value" "needs a value" edit-service web -s
bad "a stray argument" "unexpected argument 'rr'" edit-service web rr
j=$(it_ctl --json weight web 198.18.1.11:8080 70000 2>&1)
expect "errors in JSON too" "$j" [ "$(jget "$j" .error)" = "weight '70000': 0..65535" ]
expect "nothing changed by the rejected requests" "config differs" [ "$(it_ctl config)" = "$before" ]
it_ctl weight web 198.18.1.11:8080 5 >/dev/null
expect "a valid edit still applies after the rejected ones" "$(it_ctl list --json | jq -c '[.services[0].backends[].weight]')" \
	[ "$(it_ctl list --json | jq -c '[.services[0].backends[].weight]')" = '[5,0,2]' ]
out=$("$SLUICECTL" -s "$IT_TMP/none.sock" list 2>&1)
rc=$?
expect "no appliance: exit 2 with a message" "exit $rc: $out" [ $rc -eq 2 ]

# flush
j=$(it_ctl flush -S web --json)
n=$(jget "$j" .flushed)
expect "flush -S web removed the web connections" "flushed $n" [ "$n" -ge 30 ]
n=$(jget "$(it_ctl conns -S web --json)" '.connections | length')
expect "no web connection left after flush" "$n left" [ "$n" = 0 ]
r=$(slc_client http --url "$VIP_URL" --count 10)
check_requests "serving after flush" "$r" 10

# reload through the API
gen_config "$conf" nat wrr 1,1,7
j=$(it_ctl --json reload)
expect "reload via api" "$j" [ "$(jget "$(it_ctl list --json)" -c '[.services[0].backends[].weight]')" = '[1,1,7]' ]

it_sluice_stop "api run"
expect "api socket removed on exit" "still there" [ ! -e "$sock" ]
it_done
