#!/bin/bash
# burrow-vm: distro-only (route relaying is userspace; the allowed-ips and device routes it drives are the paths burrowd-negotiate runs on the debug kernel)
# A hub with relay_routes = yes passes the routes it accepted from one
# member on to the others: m2 advertises 10.20.0.0/16 (with
# 10.20.0.1 on its loopback), the hub accepts it and tells m3, whose policy
# for the hub allows it: m3's kernel peer for the hub and its routing table
# get the prefix and m3 pings 10.20.0.1 through the hub. The route never
# goes back to m2. m3's own 10.30.0.0/16 is relayed to m2, whose policy
# refuses it. When m2's session ends the hub withdraws 10.20.0.0/16 from
# m3 (a new, complete ROUTE_ADVERTISEMENT without it).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 15

bd_hub_nodes
# The hub topology of lib/burrowd-hub.sh with this test's routes and policy.
{ bd_node_section 1 hub; cat <<EOC; } >"$(bd_conf 1)"
address = 10.99.0.1/24
address_pool = 10.99.0.0/24
advertise_routes = 10.99.0.0/24
relay_routes = yes

[peer m2]
public_key = ${bd_key[2]}
may_announce = 10.20.0.0/16

[peer m3]
public_key = ${bd_key[3]}
may_announce = 10.30.0.0/16
EOC
# bd_member N HUB_IP ROUTE MAY_ANNOUNCE
bd_member() {
	{ bd_node_section "$1" "m$1"; cat <<EOC; } >"$(bd_conf "$1")"
advertise_routes = $3

[peer hub]
public_key = ${bd_key[1]}
endpoint = $2:51821
request_address = auto
may_announce = $4
EOC
}
bd_member 2 192.0.2.1 10.20.0.0/16 10.99.0.0/24
bd_member 3 198.51.100.1 10.30.0.0/16 "10.99.0.0/24, 10.20.0.0/16"
ip -n burrow-n2 addr add 10.20.0.1/32 dev lo

bd_start 1
bd_start 2
bd_start 3
# Both start at once, so which one gets .2 is a race: any two pool addresses.
both_assigned() {
	local a2 a3
	a2=$(bd_assigned 2) && a3=$(bd_assigned 3) &&
		[[ $a2 == 10.99.0.*/32 && $a3 == 10.99.0.*/32 && $a2 != "$a3" ]]
}
wait_for 90 both_assigned
ok $? "m2 and m3 are up with their addresses" ||
	diag "$(tail -n 30 "$bd_dir/n1/log")" "$(tail -n 20 "$bd_dir/n2/log")" "$(tail -n 20 "$bd_dir/n3/log")"

# m3 took the relayed route: from its hub's point of view it is a route the hub advertised.
m3_accepted() { bd_routes_json 3 | jq -r '.peers[0].accepted | sort | join(",")'; }
m3_has_it() { [ "$(m3_accepted)" = "10.20.0.0/16,10.99.0.0/24" ]; }
wait_for 30 m3_has_it
ok $? "m3 accepted 10.20.0.0/16 from the hub (relayed from m2)" ||
	diag "$(bd_routes_json 3)" "$(bd_routes_json 1)" "$(tail -n 30 "$bd_dir/n1/log")"
is "$(bd_routes_json 1 | jq -r '.peers[] | select(.name == "m3") | .relayed | map("\(.route) from \(.from)") | join(",")')" \
	"10.20.0.0/16 from m2" "the hub lists the route as relayed from m2 to m3"
bd_log_has 1 "route 10.20.0.0/16 from m2 relayed to m3"
ok $? "the hub logged the relay"
is "$(bd_peer_json 3 hub | jq -r '.allowed_ips | sort | join(",")')" "10.20.0.0/16,10.99.0.0/24" \
	"m3 kernel: the hub's peer carries the relayed prefix in its allowed-ips"
in_ns burrow-n3 ip route show 10.20.0.0/16 | grep -q 'dev burrow0'
ok $? "m3 routing table: 10.20.0.0/16 dev burrow0"
is "$(bd_peer_json 1 m2 | jq -r '.allowed_ips | sort | join(",")')" "10.20.0.0/16,$(bd_assigned 2)" \
	"hub kernel: m2's peer carries the route it accepted from m2"
run_ok "m3 pings 10.20.0.1 behind m2 through the hub" tunnel_ping burrow-n3 10.20.0.1

# Never back to where it came from; and m2's policy refuses what m3 announced.
is "$(bd_routes_json 1 | jq -r '.peers[] | select(.name == "m2") | .advertised | sort | join(",")')" \
	"10.30.0.0/16,10.99.0.0/24" "the hub tells m2 its own route and m3's, not m2's own 10.20.0.0/16"
m2_refused() {
	[ "$(bd_routes_json 2 | jq -r '.peers[0].refused | map("\(.route): \(.reason)") | join(",")')" = \
		"10.30.0.0/16: not allowed by policy" ]
}
wait_for 30 m2_refused
ok $? "m2 refuses the relayed 10.30.0.0/16: its policy for the hub does not allow it" ||
	diag "$(bd_routes_json 2)"
is "$(bd_peer_json 2 hub | jq -r '.allowed_ips | join(",")')" "10.99.0.0/24" \
	"m2 kernel: the refused prefix is not in the hub's allowed-ips"
is "$(in_ns burrow-n2 ip route show 10.30.0.0/16)" "" "m2 routing table: nothing for the refused prefix"
# (A string compare: jq -e exits 0 on empty input, e.g. when the hub is not running.)
hub_told() {
	[ "$(bd_routes_json 1 | jq -r '.peers[] | select(.name == "m2") |
		.refused_by_peer | map("\(.route): \(.reason)") | join(",")')" = \
		"10.30.0.0/16: not allowed by policy" ]
}
wait_for 10 hub_told
ok $? "m2 told the hub (ROUTE_REFUSED)" || diag "$(bd_routes_json 1)"

# m2's session ends: the hub withdraws the relayed route from m3.
bd_stop 2
m3_lost_it() {
	[ "$(m3_accepted)" = "10.99.0.0/24" ] &&
		[ "$(bd_peer_json 3 hub | jq -r '.allowed_ips | join(",")')" = "10.99.0.0/24" ] &&
		[ -z "$(in_ns burrow-n3 ip route show 10.20.0.0/16)" ]
}
wait_for 30 m3_lost_it
ok $? "m2 gone: m3's route, allowed-ip and accepted entry for 10.20.0.0/16 are withdrawn" ||
	diag "$(bd_routes_json 3)" "$(in_ns burrow-n3 ip route)" "$(tail -n 20 "$bd_dir/n1/log")"
bd_log_has 1 "route 10.20.0.0/16 from m2 no longer relayed to m3"
ok $? "the hub logged the withdrawal"

done_testing
