#!/bin/bash
# burrow-vm: distro-only
# Two nodes behind endpoint-independent NATs (nftables masquerade in
# namespaces), no configured endpoints, join a coordinator on the public
# segment. The NAT topology is proven first: an 'eim' router keeps one
# outside port for every destination, a 'symmetric' one does not. Then each
# node learns the address:port the coordinator observed, the coordinator's
# map carries it as the node's candidate, and the two nodes' control session
# comes up directly through both NATs (no relay runs): traffic both ways,
# and status shows 'path direct' with the peer's NAT-public address. Last,
# an address added to node 1's LAN interface, then removed, reaches node
# 2's map on its own (rtnetlink). Topology: selftests/lib/nat.sh.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/nat.sh"
plan 19

nat_topology eim eim
ok $? "the NAT topology is built (two eim routers)"

# ---- the topology itself: mapping per NAT kind, seen from two destinations.
is "$(nat_mapped_ports 1)" "40000 40000" \
	"eim: node 1's port 40000 keeps one outside port towards the coordinator and the relay"
nat_set_kind 2 symmetric
read -r p1 p2 <<<"$(nat_mapped_ports 2)"
[ -n "$p1" ] && [ "$p1" != null ] && [ -n "$p2" ] && [ "$p2" != null ] && [ "$p1" != "$p2" ]
ok $? "symmetric: node 2's port 40000 maps to a different outside port per destination ($p1, $p2)"
nat_set_kind 2 eim
ok $? "node 2's router is eim again (the direct session below needs it)"

# ---- discovery: two nodes with no endpoint in their configs join.
nat_coord_start
ok $? "the coordinator listens on the public segment"
bd_start 1
bd_start 2
observed_is() { [ "$(nat_json "$1" .coordinator.observed)" = "$2" ]; }
wait_for 60 observed_is 1 198.18.0.11:51821
ok_or_logs $? "node 1 learns the address the coordinator observes: NAT A's, its port kept (eim)"
wait_for 60 observed_is 2 198.18.0.12:51822
ok_or_logs $? "node 2 learns NAT B's: $(nat_json 2 .coordinator.observed)"
in_ns burrow-n1 burrowd status -c "$(bd_conf 1)" | grep -q "^  observed 198.18.0.11:51821\$"
ok $? "burrowd status shows it: observed 198.18.0.11:51821"
# The coordinator stores the observed address first, then what the node
# reported: its LAN address with the tunnel port (a local candidate).
candidates_stored() {
	sqlite3 "$coord_dir/coord.db" "SELECT endpoint FROM node_endpoints JOIN nodes
		ON nodes.id = node_id WHERE name = '$1' ORDER BY position" | paste -sd ' '
}
is "$(candidates_stored nat1)" "198.18.0.11:51821 10.1.0.2:51821" \
	"the coordinator's candidates for nat1: observed first, then its local address"
map_candidates() {
	nat_json "$1" ".peers[] | select(.name == \"$2\") | .candidates | join(\" \")"
}
has_map_candidates() { [ "$(map_candidates "$1" "$2")" = "$3" ]; }
wait_for 30 has_map_candidates 2 nat1 "198.18.0.11:51821 10.1.0.2:51821"
ok $? "node 2's map carries them for nat1: $(map_candidates 2 nat1)"

# ---- hole punching: both dial, both NATs open, the session is direct.
peer_is_up() { [ "$(nat_json "$1" ".peers[] | select(.name == \"$2\") | .state")" = up ]; }
wait_for 90 peer_is_up 1 nat2 && wait_for 30 peer_is_up 2 nat1
ok_or_logs $? "the session between the nodes comes up through both NATs"
path_of() {
	nat_json "$1" ".peers[] | select(.name == \"$2\") | .path.kind + \" \" + .path.endpoint"
}
is "$(path_of 1 nat2)" "direct 198.18.0.12:51822" "node 1's path to nat2: direct, NAT B's public address"
is "$(path_of 2 nat1)" "direct 198.18.0.11:51821" "node 2's path to nat1: direct, NAT A's public address"
in_ns burrow-n1 burrowd status -c "$(bd_conf 1)" | grep -q "^  path direct 198.18.0.12:51822\$"
ok $? "burrowd status shows 'path direct 198.18.0.12:51822'"
overlay_of() { coord -j node list | jq -r ".[] | select(.name == \"$1\") | .ipv4" | cut -d/ -f1; }
run_ok "node 1 pings node 2 across the overlay" tunnel_ping burrow-n1 "$(overlay_of nat2)"
run_ok "node 2 pings node 1 across the overlay" tunnel_ping burrow-n2 "$(overlay_of nat1)"
is "$(bd_peer_json 1 nat2 | jq -r '.endpoint | "\(.address):\(.port)"')" "198.18.0.12:51822" \
	"node 1's kernel sends to NAT B's public address (no relay: nothing runs in 'relay')"

# ---- an address added or removed on node 1's LAN interface reaches node 2's
# map without a restart or reload (rtnetlink: addr_watch.h)
ip -n burrow-n1 addr add 10.1.0.77/24 dev veth0
wait_for 30 has_map_candidates 2 nat1 "198.18.0.11:51821 10.1.0.2:51821 10.1.0.77:51821"
ok_or_logs $? "an address added on node 1's LAN reaches node 2's map: $(map_candidates 2 nat1)"
ip -n burrow-n1 addr del 10.1.0.77/24 dev veth0
wait_for 30 has_map_candidates 2 nat1 "198.18.0.11:51821 10.1.0.2:51821"
ok_or_logs $? "and leaves it once removed: $(map_candidates 2 nat1)"

done_testing
