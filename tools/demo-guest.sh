#!/bin/bash
# Runs inside the demo guest: three nodes in network namespaces, a hub with
# an address pool and two members, each running burrowd from a generated
# config (selftests/lib/burrowd-hub.sh). Step by step: the handshakes, the
# addresses the hub assigns, a route it accepts and one it refuses, the
# kernel's view (burrow-nl show), traffic from member to member through the
# hub, a hostile member whose unsolicited address and out-of-policy route
# are refused, and the counters.
. "$(dirname "$0")/../selftests/lib/demo.sh"
. "$(dirname "$0")/../selftests/lib/burrowd-hub.sh"
plan 10

title "three nodes: hub (burrow-n1), m2 (burrow-n2, 192.0.2.2), m3 (burrow-n3, 198.51.100.3)"
bd_hub_nodes
ip -n burrow-n2 addr add 10.20.2.1/32 dev lo	# something behind m2's advertised 10.20.2.0/24
# m4: a member the hub knows, played later by the capsule test client.
m4_key=$(burrowd genkey "$bd_dir/n4.key")
cat >>"$(bd_conf 1)" <<EOC

[peer m4]
public_key = $m4_key
may_announce = 10.20.0.0/16
EOC
for n in 1 2 3; do
	echo; echo "--- $(bd_conf "$n" | sed "s|$bd_dir/||")"
	grep -v '^\(private_key\|state\|control_socket\|public_key\|log_level\)' "$(bd_conf "$n")"
done

title "handshake: each member dials the hub over QUIC (TLS 1.3, pinned Ed25519 keys)"
bd_start 1
bd_start 2
bd_start 3
members_up() { bd_up 2 && bd_up 3; }
wait_for 90 members_up
ok $? "both members have a session with the hub"
for n in 1 2 3; do
	grep -h 'session with .* up as' "$bd_dir/n$n/log" | sed "s/^/[$(bd_ns "$n")] /"
done

title "assigned addresses: ADDRESS_REQUEST -> ADDRESS_ASSIGN from the hub's pool"
assigned() { [ -n "$(bd_assigned 2)" ] && [ -n "$(bd_assigned 3)" ]; }
wait_for 30 assigned
ok $? "the hub assigned an address to each member"
# Whichever member asked first got .2: read what m3 was given.
m3_address=$(bd_assigned 3); m3_address=${m3_address%/*}
step burrow-n1 burrowd addresses -c "$(bd_conf 1)"
step burrow-n2 ip -br addr show dev burrow0
step burrow-n3 ip -br addr show dev burrow0

title "routes: ROUTE_ADVERTISEMENT checked against the hub's policy (may_announce = 10.20.0.0/16)"
refused() { bd_routes_json 3 | jq -e '.peers[0].refused_by_peer | length == 1'; }
wait_for 30 refused
ok $? "the hub accepted 10.20.3.0/24 and refused 192.168.30.0/24"
step burrow-n1 burrowd routes -c "$(bd_conf 1)"
step burrow-n3 burrowd routes -c "$(bd_conf 3)"
grep -h 'refused' "$bd_dir/n1/log" "$bd_dir/n3/log" | grep route | sed 's/^/  log: /'
step burrow-n1 ip route show dev burrow0

title "the kernel's view"
step burrow-n1 burrow-nl show

title "traffic: m2 -> m3 through the hub, and the hub -> 10.20.2.1 behind m2"
step burrow-n2 ping -c 3 "$m3_address"
ok $? "m2 pings m3's assigned address through the hub"
step burrow-n1 ping -c 2 10.20.2.1
ok $? "the hub reaches the route m2 advertised"
in_ns burrow-n3 iperf3 -s -1 -D -B "$m3_address" >/dev/null
wait_for 10 in_ns burrow-n3 ss -ltn sport = :5201
step burrow-n2 iperf3 -c "$m3_address" -t 3
ok $? "iperf3 from m2 to m3 through the hub"

title "a hostile member: m4 sends an ADDRESS_ASSIGN the hub never asked for, and a route outside its may_announce"
# ADDRESS_ASSIGN {request 0, 128.0.0.0/1} {request 0, 192.0.2.2/32 = m2's underlay};
# ROUTE_ADVERTISEMENT 192.168.66.0/24. The client stays connected until told.
echo "[burrow-n3] \$ burrowd-capsule-client -n m4 ... hello send ADDRESS_ASSIGN ... send ROUTE_ADVERTISEMENT ..."
in_ns burrow-n3 burrowd-capsule-client -k "$bd_dir/n4.key" -p "${bd_key[1]}" -c 198.51.100.1:51821 \
	-n m4 hello send 0x01 000480000000010004c000020220 send 0x03 04c0a84200c0a842ff00 \
	expect 0x2b0b08 wait-file "$bd_dir/m4-done" >"$bd_dir/m4.out" 2>&1 &
m4_pid=$!
m4_answered() { grep -q '^ROUTE_REFUSED' "$bd_dir/m4.out"; }
wait_for 30 m4_answered
ok $? "the hub answered m4 (ROUTE_REFUSED)" || diag "$(cat "$bd_dir/m4.out")"
sed 's/^/  m4 got: /' "$bd_dir/m4.out"
grep -h 'from m4' "$bd_dir/n1/log" | grep refused | sed 's/^/  log: /'
step burrow-n1 burrowd addresses -c "$(bd_conf 1)"
step burrow-n1 ip -br addr show dev burrow0
hub_addrs=$(in_ns burrow-n1 ip -j addr show dev burrow0 | jq -r '[.[0].addr_info[].local] | join(",")')
[[ ,$hub_addrs, != *,128.0.0.0,* && ,$hub_addrs, != *,192.0.2.2,* ]] &&
	bd_addresses_json 1 | jq -e '[.peers[] | select(.name == "m4") | .refused_from_peer[].reason] == ["unsolicited", "unsolicited"]' >/dev/null
ok $? "the unsolicited addresses stayed off the hub's device and are listed as refused"
bd_routes_json 1 | jq -e '.peers[] | select(.name == "m4") | .accepted == [] and .refused[0].route == "192.168.66.0/24"' >/dev/null
ok $? "m4's route 192.168.66.0/24 was refused by policy"
touch "$bd_dir/m4-done"
wait "$m4_pid"

title "counters"
step burrow-n1 burrow-nl -s dev show burrow0
step burrow-n1 burrow-nl peer show burrow0
step burrow-n1 burrowd status -c "$(bd_conf 1)"
drops=$(( $(counter burrow-n1 drop_decrypt) + $(counter burrow-n2 drop_decrypt) + $(counter burrow-n3 drop_decrypt) ))
[ "$drops" = 0 ]
ok $? "no decryption failures on any node"
done_testing
