#!/bin/bash
# burrow devices are created, configured, brought up and down and deleted in
# two namespaces independently; they are layer-3 point-to-point devices.
. "$(dirname "$0")/../lib/tap.sh"
plan 22

ns_add burrow-a
ns_add burrow-b

for ns in burrow-a burrow-b; do
	run_ok "$ns: create burrow0" ip -n $ns link add burrow0 type burrow
done

details=$(ip -n burrow-a -d -j link show burrow0)
is "$(jq -r '.[0].linkinfo.info_kind' <<<"$details")" burrow "device kind is burrow"
is "$(jq -r '.[0].mtu' <<<"$details")" 1420 "default MTU leaves room for the worst-case overhead"
is "$(jq -r '.[0].link_type' <<<"$details")" none "no link-layer header"
is "$(jq -r '.[0].linkinfo.info_data.peers' <<<"$details")" 0 \
	"ip -d -j link show: info_data reports 0 peers"
is "$(jq -r '.[0].linkinfo.info_data.listen_port // "none"' <<<"$details")" none \
	"ip -d -j link show: no listen port without a socket"
text=$(ip -n burrow-a -d link show burrow0)
[[ $text == *"burrow no-socket peers 0 keepalive 0 inactivity-timeout"* ]]
ok $? "ip -d link show prints the burrow details (got: $(grep -o 'burrow .*' <<<"$text" | head -1))"
run_ok "attach a socket on port 41000" ip netns exec burrow-a burrow-nl dev set burrow0 listen 41000
run_ok "add a peer" ip netns exec burrow-a burrow-nl peer add burrow0 id 7
details=$(ip -n burrow-a -d -j link show burrow0)
is "$(jq -c '.[0].linkinfo.info_data | {listen_port, peers}' <<<"$details")" \
	'{"listen_port":41000,"peers":1}' "ip -d -j link show follows the socket and the peer table"
flags=$(jq -r '.[0].flags | join(",")' <<<"$details")
[[ $flags == *POINTOPOINT* && $flags == *NOARP* ]]
ok $? "point-to-point and NOARP (flags: $flags)"

run_ok "burrow-a: set up" ip -n burrow-a link set burrow0 up
flags=$(ip -n burrow-a -j link show burrow0 | jq -r '.[0].flags | join(",")')
[[ $flags == *UP* ]]
ok $? "burrow-a: device is up (flags: $flags)"
flags=$(ip -n burrow-b -j link show burrow0 | jq -r '.[0].flags | join(",")')
[[ $flags != *UP* ]]
ok $? "burrow-b: same-named device is independent and still down"

run_ok "MTU can be lowered to 1280" ip -n burrow-a link set burrow0 mtu 1280
run_fails "MTU below the IPv4 minimum is refused" 2 "" ip -n burrow-a link set burrow0 mtu 67
run_ok "address can be added" ip -n burrow-a addr add 10.99.0.1/24 dev burrow0
run_ok "burrow-a: set down" ip -n burrow-a link set burrow0 down

for ns in burrow-a burrow-b; do
	ip -n $ns link del burrow0
	! ip -n $ns link show burrow0 >/dev/null 2>&1
	ok $? "$ns: deleted device is gone"
done

status=0
for i in $(seq 50); do
	ip -n burrow-b link add "burrow$i" type burrow || status=1
done
for i in $(seq 50); do
	ip -n burrow-b link del "burrow$i" || status=1
done
[ "$(ip -n burrow-b -j link show type burrow | jq length)" = 0 ] || status=1
ok $status "50 devices created and deleted"
done_testing
