#!/bin/bash
# burrow-vm: distro-only
# Automatic relay fallback and upgrade (issue 19), on lib/nat.sh: nodes 1
# and 2 (nat1, nat2) behind symmetric NATs (a new mapping per destination),
# R (burrowd with [relay] in the namespace "relay") and the coordinator on
# the public segment. Each node advertises its NAT's public address with
# its own port, which an endpoint-independent NAT would keep; a symmetric
# one does not, and unsolicited packets are dropped, so the direct dials
# fail. After relay_after (default 5 s) each node asks the coordinator for
# a relay (RELAY_REQUEST), the coordinator picks R (it registered as a
# relay), issues a ticket and offers it to both (RELAY_OFFER), and their
# session comes up through R without an operator command: ping works both
# ways, R's kernel entry counts both directions, `status -j` says relayed.
# R and the coordinator see node 1's tunnel port mapped differently: the
# NAT really is symmetric. Then each NAT forwards its node's port (as an
# operator opening it would): the relayed pair keeps probing the direct
# path (each of the peer's candidates in turn), moves to it without a
# command and drops the relay; R forwards nothing more. Last, with node 2
# gone, node 1's request is refused with the coordinator's reason.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/nat.sh"
plan 22

check() {
	ok_or_logs "$1" "$2"
	[ "$1" -eq 0 ] || diag "--- R log" "$(tail -n 30 "$bd_dir/n3/log")" \
		"--- coordinator log" "$(tail -n 30 "$coord_dir/log")"
}

nat_topology symmetric symmetric
# relay_after is left at its default (5 s).
for n in 1 2; do
	nat_node_conf $n "idle_timeout = 6"
	echo "endpoint = $(nat_public $n):5182$n" >>"$(bd_conf $n)"
done
# R: burrowd with [relay] in the relay namespace, its own single-use key.
mkdir -p "$bd_dir/n3"
bd_key[3]=$(burrowd genkey "$bd_dir/n3/node.key")
coord key create tag tag:relay >"$bd_dir/n3/authkey"
ip -n relay link add burrow0 type burrow
ip -n relay link set burrow0 up
{ bd_node_section 3 relay; cat <<EOF; } >"$(bd_conf 3)"

[coordinator]
address = $nat_coord_addr:7443
public_key = $coord_key
auth_key_file = $bd_dir/n3/authkey

[relay]
enabled = yes
EOF
r_json() { in_ns relay burrowd status -j -c "$(bd_conf 3)"; }

run_fails "node 1 cannot reach node 2's LAN" 1 "" in_ns burrow-n1 ping -c 1 -W 1 10.2.0.2

nat_coord_start
ip netns exec relay burrowd run -c "$(bd_conf 3)" >>"$bd_dir/n3/log" 2>&1 &
bd_pid[3]=$!
wait_for 20 r_json
for n in 1 2; do bd_start $n; done
registered() { [ "$(coord -j node list | jq length)" = 3 ]; }
wait_for 60 registered
check $? "nat1, nat2 and R registered with the coordinator"
is "$(coord -j node list | jq -r '.[] | select(.relay != null) | "\(.name) \(.relay)"')" \
	"relay $nat_relay_addr:51823" "node list shows R as the one relay, at its tunnel port"

# ---- no operator command from here on
# "up relayed", "up direct": path is a string here, {kind, endpoint} once
# endpoint discovery's status lands; either reads the same.
peer_path() {
	bd_json "$1" | jq -r ".peers[] | select(.name == \"$2\") |
		.state + \" \" + ((.path | if type == \"object\" then .kind else . end) // \"-\")"
}
relayed() { [ "$(peer_path 1 nat2)" = "up relayed" ] && [ "$(peer_path 2 nat1)" = "up relayed" ]; }
wait_for 60 relayed
check $? "after relay_after the pair is relayed automatically (1: $(peer_path 1 nat2), 2: $(peer_path 2 nat1))"
bd_log_has 1 "peer nat2: no session: asking the coordinator for a relay"
ok $? "node 1 asked the coordinator for a relay"
id=$(bd_json 1 | jq -r '.peers[] | select(.name == "nat2") | .relay_ticket')
[ "$id" -gt 0 ] 2>/dev/null &&
	[ "$(bd_json 2 | jq -r '.peers[] | select(.name == "nat1") | .relay_ticket')" = "$id" ]
ok $? "both use the same ticket ($id)"
is "$(bd_json 1 | jq -c '.peers[] | select(.name == "nat2") | [.relay.via, .relay.state]')" \
	"[\"$nat_relay_addr:51823\",\"admitted\"]" "node 1's status: via R, admitted"
is "$(coord -j relay-ticket list | jq -r ".[] | select(.id == $id) | .relay")" relay \
	"the coordinator recorded ticket $id through R"
is "$(bd_peer_json 1 nat2 | jq -c '[.relay_ticket, .endpoint.address, .endpoint.port]')" \
	"[$id,\"$nat_relay_addr\",51823]" "node 1's kernel peer: relay-ticket $id, endpoint R"

overlay4() { coord -j node list | jq -r ".[] | select(.name == \"$1\") | .ipv4" | cut -d/ -f1; }
run_ok "node 1 pings node 2 through R" tunnel_ping burrow-n1 "$(overlay4 nat2)"
run_ok "node 2 pings node 1 through R" tunnel_ping burrow-n2 "$(overlay4 nat1)"
entry() { in_ns relay burrow-nl -j relay show burrow0 ticket "$id" | jq -r ".[0].$1"; }
[ "$(entry a_to_b_packets)" -ge 3 ] && [ "$(entry b_to_a_packets)" -ge 3 ]
ok $? "R's kernel entry counts both directions ($(entry a_to_b_packets), $(entry b_to_a_packets))"

# ---- the NAT is symmetric: R and the coordinator see node 1's port 51821 mapped differently
pub1=$(nat_public 1)
at_coord=$(grep -o "registered as 'nat1' .* from $pub1:[0-9]*" "$coord_dir/log" | tail -n 1 |
	sed 's/.*://')
at_relay=$(in_ns relay burrow-nl -j relay show burrow0 ticket "$id" |
	jq -r ".[0] | [.a, .b] | map(select(.address == \"$pub1\")) | .[0].port")
[ -n "$at_coord" ] && [ -n "$at_relay" ] && [ "$at_coord" != "$at_relay" ]
ok $? "NAT A maps node 1's port 51821 per destination (coordinator sees $at_coord, R sees $at_relay)"

# ---- probes while relayed: each map peer has two candidates (the address the
# coordinator observed, through the NAT's random mapping, and the advertised
# one), and neither answers yet; the prober (the node with the lower key)
# tries them in turn rather than the same one again.
probed() {
	cat "$bd_dir/n1/log" "$bd_dir/n2/log" | grep -o "relayed; trying [^ ]* directly" | sort -u |
		wc -l
}
probed_both() { [ "$(probed)" -ge 2 ]; }
wait_for 60 probed_both
check $? "the relayed pair's direct probes try both candidates ($(probed) addresses)"

# ---- upgrade: the NATs forward the nodes' ports, so the advertised endpoints work now
for n in 1 2; do
	ns=${nat_router[$n]}
	in_ns "$ns" nft add chain ip nat prerouting \
		'{ type nat hook prerouting priority dstnat; }'
	in_ns "$ns" nft add rule ip nat prerouting iifname pub0 udp dport "5182$n" \
		dnat to "${nat_lan[$n]}.2"
	in_ns "$ns" nft insert rule ip filter forward ct status dnat accept
done
direct() { [ "$(peer_path 1 nat2)" = "up direct" ] && [ "$(peer_path 2 nat1)" = "up direct" ]; }
wait_for 90 direct
check $? "the pair moves to the direct path on its own (1: $(peer_path 1 nat2), 2: $(peer_path 2 nat1))"
relay_gone() {
	[ "$(bd_json 1 | jq -c '[.peers[] | select(.name == "nat2") | .relay]')" = "[null]" ] &&
	[ "$(bd_json 2 | jq -c '[.peers[] | select(.name == "nat1") | .relay]')" = "[null]" ]
}
wait_for 10 relay_gone
ok $? "both nodes dropped the relay"
is "$(bd_peer_json 1 nat2 | jq -c '[.relay_ticket, .endpoint.address, .endpoint.port]')" \
	"[null,\"$(nat_public 2)\",51822]" "node 1's kernel peer: node 2's forwarded port, no relay ticket"
forwarded=$(($(entry a_to_b_packets) + $(entry b_to_a_packets)))
run_ok "node 1 pings node 2 directly" tunnel_ping burrow-n1 "$(overlay4 nat2)"
run_ok "node 2 pings node 1 directly" tunnel_ping burrow-n2 "$(overlay4 nat1)"
is "$(($(entry a_to_b_packets) + $(entry b_to_a_packets)))" "$forwarded" \
	"R forwarded nothing more"
upgrades() { bd_json "$1" | jq -r "[.coordinator.relay_fallback[] | select(.peer == \"$2\") | .upgrades] | .[0]"; }
is "$(upgrades 1 nat2) $(upgrades 2 nat1)" "1 1" "both nodes' status count one upgrade"

# ---- a refusal comes back with its reason: node 2 is gone
bd_stop 2
refused() { bd_json 1 | jq -e '.coordinator.relay_fallback[] | select(.peer == "nat2") |
	.refused | test("not connected")' >/dev/null; }
wait_for 60 refused
check $? "with node 2 gone, node 1's next request is refused: $(bd_json 1 |
	jq -r '.coordinator.relay_fallback[0].refused')"
