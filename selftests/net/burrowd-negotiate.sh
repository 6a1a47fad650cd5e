#!/bin/bash
# burrowd negotiation end to end, the 'make demo' topology: a hub with an
# address pool and two members (lib/burrowd-hub.sh). Members get addresses
# from the pool (ADDRESS_REQUEST / ADDRESS_ASSIGN) and the hub takes the
# routes its policy allows (ROUTE_ADVERTISEMENT): the allowed one reaches
# the hub's kernel peer and routing table, the forbidden one reaches
# neither and is reported back (ROUTE_REFUSED). Member to member traffic
# crosses the hub. The hub's shutdown removes exactly what it added; after
# its restart each member gets its old address back from the stored lease.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 22

bd_hub_nodes
# Not burrowd's: must survive the hub's shutdown. (An address too: the
# kernel flushes a device's IPv4 routes when its last IPv4 address goes.)
ip -n burrow-n1 addr add 10.77.0.1/32 dev burrow0
ip -n burrow-n1 route add 10.88.0.0/24 dev burrow0
ip -n burrow-n2 addr add 10.20.2.1/32 dev lo

bd_start 1
bd_start 2
m2_assigned() { [ "$(bd_assigned 2)" = 10.99.0.2/32 ]; }
wait_for 90 m2_assigned
ok $? "m2 is assigned 10.99.0.2/32, the pool's first free address" ||
	diag "$(bd_addresses_json 2)" "$(tail -n 30 "$bd_dir/n2/log")" "$(tail -n 30 "$bd_dir/n1/log")"
bd_start 3
m3_assigned() { [ "$(bd_assigned 3)" = 10.99.0.3/32 ]; }
wait_for 90 m3_assigned
ok $? "m3 is assigned 10.99.0.3/32" || diag "$(bd_addresses_json 3)" "$(tail -n 30 "$bd_dir/n3/log")"
in_ns burrow-n2 ip -j addr show dev burrow0 | jq -e '.[0].addr_info[] | select(.local == "10.99.0.2" and .prefixlen == 32)' >/dev/null
ok $? "the assigned address is on m2's device"
is "$(bd_addresses_json 1 | jq -r '[.leases[] | "\(.peer)=\(.address)"] | join(" ")')" \
	"m2=10.99.0.2/32 m3=10.99.0.3/32" "the hub lists both leases"
in_ns burrow-n1 ip -j addr show dev burrow0 | jq -e '.[0].addr_info[] | select(.local == "10.99.0.1" and .prefixlen == 24)' >/dev/null
ok $? "the hub's configured address is on its device"

# Routes: m3 advertised 10.20.3.0/24 (allowed) and 192.168.30.0/24 (not).
hub_took_m3() { bd_routes_json 1 | jq -e '.peers[] | select(.name == "m3") | .accepted == ["10.20.3.0/24"]'; }
wait_for 30 hub_took_m3
ok $? "the hub accepted m3's 10.20.3.0/24" || diag "$(bd_routes_json 1)"
is "$(bd_routes_json 1 | jq -r '.peers[] | select(.name == "m3") | .refused | map("\(.route): \(.reason)") | join(",")')" \
	"192.168.30.0/24: not allowed by policy" "the hub refused m3's 192.168.30.0/24 by policy"
m3_told() { bd_routes_json 3 | jq -e '.peers[0].refused_by_peer[0].route == "192.168.30.0/24"'; }
wait_for 10 m3_told
ok $? "m3 was told (ROUTE_REFUSED) which route was refused"
bd_log_has 1 "route 192.168.30.0/24 from m3 refused: not allowed by policy"
ok $? "the hub logged the refusal"
# Kernel ids are random (userspace/ids.h): looked up by peer name.
is "$(bd_peer_json 1 m3 | jq -r '.allowed_ips | sort | join(",")')" "10.20.3.0/24,10.99.0.3/32" \
	"hub kernel: m3's allowed prefixes are its lease and its accepted route, not the refused one"
in_ns burrow-n1 ip route show 10.20.3.0/24 | grep -q 'dev burrow0'
ok $? "hub routing table: 10.20.3.0/24 dev burrow0"
is "$(in_ns burrow-n1 ip route show 192.168.30.0/24)" "" "hub routing table: nothing for the refused prefix"
is "$(bd_peer_json 2 hub | jq -r '.allowed_ips | join(",")')" "10.99.0.0/24" \
	"m2 kernel: the hub's peer carries the accepted 10.99.0.0/24"

run_ok "m2 pings m3's assigned address through the hub" tunnel_ping burrow-n2 10.99.0.3
# From the hub's pool address: m2 accepts the hub's packets from 10.99.0.0/24 only.
hub_ping() { wait_for 10 in_ns burrow-n1 ping -c 1 -W 1 -I 10.99.0.1 10.20.2.1 &&
	in_ns burrow-n1 ping -c 3 -i 0.2 -W 2 -I 10.99.0.1 10.20.2.1; }
run_ok "the hub reaches 10.20.2.1 behind m2 over the accepted route" hub_ping

# The hub goes away: everything it added leaves, the rest stays.
bd_stop 1
ok $? "SIGTERM: the hub exits 0"
is "$(in_ns burrow-n1 ip route show dev burrow0 | grep -v '^10.88.0.0/24' | tr '\n' ' ')" "" \
	"the hub's routes and address route are gone"
in_ns burrow-n1 ip route show 10.88.0.0/24 | grep -q 'dev burrow0'
ok $? "a route burrowd did not add is still there" || diag "$(in_ns burrow-n1 ip route)"
is "$(in_ns burrow-n1 ip -j addr show dev burrow0 | jq -r '[.[0].addr_info[] | select(.family == "inet") | .local] | join(",")')" \
	10.77.0.1 "the hub's configured address is removed, the other one stays"

# Restart with m2 away: without the stored lease, m3 would now get .2.
bd_stop 2
bd_start 1
wait_for 90 m3_assigned
ok $? "after the hub restarts m3 keeps 10.99.0.3/32" || diag "$(bd_addresses_json 3)" "$(tail -n 20 "$bd_dir/n3/log")"
bd_start 2
wait_for 90 m2_assigned
ok $? "and m2 keeps 10.99.0.2/32" || diag "$(bd_addresses_json 2)"
run_ok "m2 reaches m3 again" tunnel_ping burrow-n2 10.99.0.3
done_testing
