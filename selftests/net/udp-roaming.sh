#!/bin/bash
# Roaming: an authenticated packet from a new outer address moves the
# peer's endpoint and raises an event; a pinned endpoint does not move.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 8

two_nodes 4 chacha20-poly1305
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"
is "$(peer_endpoint $n2 1)" "192.0.2.1:$port1" "n2 knows n1 at its first address"

in_ns $n2 burrow-nl monitor >"$keydir/events" 2>&1 &
monitor=$!
ip -n $n1 addr del 192.0.2.1/24 dev veth0
ip -n $n1 addr add 192.0.2.11/24 dev veth0
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "traffic continues after n1's address changed"
is "$(peer_endpoint $n2 1)" "192.0.2.11:$port1" "n2 moved the endpoint"
tunnel_ping $n2 10.10.0.1 >/dev/null
ok $? "n2 reaches n1 at its new address"
# The monitor subscribes asynchronously; until it has, events pass it by.
# So keep roaming (between two new addresses) until one is reported.
roam_address=11
roam_until_reported() {
	grep -q "endpoint-changed" "$keydir/events" && return 0
	local next=$((roam_address == 11 ? 12 : 11))
	ip -n $n1 addr del 192.0.2.$roam_address/24 dev veth0
	ip -n $n1 addr add 192.0.2.$next/24 dev veth0
	roam_address=$next
	in_ns $n1 ping -c 1 -W 1 10.10.0.2 >/dev/null
	grep -q "endpoint-changed" "$keydir/events"
}
wait_for 30 roam_until_reported
ok $? "an endpoint-changed event was sent ($(tr '\n' ' ' <"$keydir/events"))"
kill $monitor

pinned_endpoint=$(peer_endpoint $n2 1)
in_ns $n2 burrow-nl peer set burrow0 id 1 pinned on
ip -n $n1 addr del 192.0.2.$roam_address/24 dev veth0
ip -n $n1 addr add 192.0.2.21/24 dev veth0
in_ns $n1 ping -c 2 -W 1 10.10.0.2 >/dev/null
is "$(peer_endpoint $n2 1)" "$pinned_endpoint" "a pinned endpoint stays put"
is "$(counter $n2 drop_decrypt)" 0 "no decryption failures"
done_testing
