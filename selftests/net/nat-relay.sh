#!/bin/bash
# burrow-vm: distro-only
# Automatic relay fallback (issue 19): A and B sit behind symmetric NATs
# (nftables masquerade with random ports: a new mapping per destination),
# R (burrowd with [relay]) and the coordinator on the public side. Each
# node advertises its NAT's public address with its own port, which is
# what an endpoint-independent NAT would keep; a symmetric one does not,
# so the direct dials fail. After relay_after (default 5 s) each node asks
# the coordinator for a relay (RELAY_REQUEST), the coordinator picks R
# (it registered as a relay), issues a ticket and offers it to both
# (RELAY_OFFER), and their session comes up through R without an
# operator command: ping works both ways, R's kernel entry counts both
# directions, `status -j` says relayed. R's kernel entry and the
# coordinator see A from different ports: the NAT really is symmetric.
# Then each NAT forwards its node's port (as an operator opening it
# would): the relayed pair keeps probing the direct path, moves to it
# without a command and drops the relay; R forwards nothing more. Last,
# with B and R gone, A's request is refused with the coordinator's reason.
#
#   A 10.1.0.2 -- 10.1.0.1 NAT-A 198.18.1.1 --+
#                                              |  198.18.{1,2,0}.254: C routes,
#   B 10.2.0.2 -- 10.2.0.1 NAT-B 198.18.2.1 --C  coordinator 198.18.0.254:7443
#                                              |
#                                R 198.18.0.3 -+  (relay, burrowd :51823)
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 21

coord_dir=$bd_dir/coord
coord() { burrow-coord -d "$coord_dir/coord.db" "$@"; }
nC=burrow-c
name=(unused node-a node-b relay)
nat=(unused burrow-na burrow-nb)
check() {
	ok_or_logs "$1" "$2"
	[ "$1" -eq 0 ] || diag "--- n3 (R) log" "$(tail -n 30 "$bd_dir/n3/log")" \
		"--- coordinator log" "$(tail -n 30 "$coord_dir/log")"
}

# ---- topology
ns_add $nC
in_ns $nC sysctl -qw net.ipv4.ip_forward=1
for n in 1 2; do
	ns_add "${nat[$n]}"
	ns_add "burrow-n$n"
	in_ns "${nat[$n]}" sysctl -qw net.ipv4.ip_forward=1
	ip -n $nC link add "to-nat$n" type veth peer name out netns "${nat[$n]}"
	ip -n $nC addr add "198.18.$n.254/24" dev "to-nat$n"
	ip -n $nC link set "to-nat$n" up
	ip -n "${nat[$n]}" addr add "198.18.$n.1/24" dev out
	ip -n "${nat[$n]}" link set out up
	ip -n "${nat[$n]}" route add default via "198.18.$n.254"
	ip -n "${nat[$n]}" link add lan type veth peer name veth0 netns "burrow-n$n"
	ip -n "${nat[$n]}" addr add "10.$n.0.1/24" dev lan
	ip -n "${nat[$n]}" link set lan up
	ip -n "burrow-n$n" addr add "10.$n.0.2/24" dev veth0
	ip -n "burrow-n$n" link set veth0 up
	ip -n "burrow-n$n" route add default via "10.$n.0.1"
	# Symmetric NAT: every new flow gets a random source port.
	in_ns "${nat[$n]}" nft -f - <<'EOF'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "out" masquerade random,fully-random
	}
}
EOF
	# An unanswered flow's mapping lasts 5 s, not 30: once the port is
	# forwarded below, the next direct probe is a new flow that the
	# forward applies to (answered flows keep the 120 s stream timeout).
	in_ns "${nat[$n]}" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=5
done
ns_add burrow-n3
ip -n $nC link add to-relay type veth peer name veth0 netns burrow-n3
ip -n $nC addr add 198.18.0.254/24 dev to-relay
ip -n $nC link set to-relay up
ip -n burrow-n3 addr add 198.18.0.3/24 dev veth0
ip -n burrow-n3 link set veth0 up
ip -n burrow-n3 route add default via 198.18.0.254
for n in 1 2 3; do
	ip -n "burrow-n$n" link add burrow0 type burrow
	ip -n "burrow-n$n" link set burrow0 up
done

mkdir -p "$coord_dir"
coord_key=$(burrowd genkey "$coord_dir/coord.key")
cat >"$coord_dir/policy.json" <<'EOF'
{ "rules": [ { "src": ["tag:node"], "dst": ["tag:node"] } ] }
EOF
node_auth=$(coord key create reusable tag tag:node)
relay_auth=$(coord key create tag tag:relay)
public=(unused 198.18.1.1 198.18.2.1 198.18.0.3)
for n in 1 2 3; do
	mkdir -p "$bd_dir/n$n"
	bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	if [ $n = 3 ]; then echo "$relay_auth"; else echo "$node_auth"; fi >"$bd_dir/n$n/authkey"
	# relay_after is left at its default (5 s).
	{ bd_node_section $n "${name[$n]}"; cat <<EOF; } >"$(bd_conf $n)"
idle_timeout = 6

[coordinator]
address = 198.18.0.254:7443
public_key = $coord_key
auth_key_file = $bd_dir/n$n/authkey
endpoint = ${public[$n]}:5182$n
EOF
done
printf '\n[relay]\nenabled = yes\n' >>"$(bd_conf 3)"

run_fails "A cannot reach B's LAN" 1 "" in_ns burrow-n1 ping -c 1 -W 1 10.2.0.2

ip netns exec $nC burrow-coord -d "$coord_dir/coord.db" run listen 198.18.0.254:7443 \
	key "$coord_dir/coord.key" policy "$coord_dir/policy.json" >>"$coord_dir/log" 2>&1 &
bd_pid[coord]=$!
wait_for 20 in_ns $nC ss -Hlun sport = :7443
for n in 3 1 2; do bd_start $n; done
registered() { [ "$(coord -j node list | jq length)" = 3 ]; }
wait_for 60 registered
check $? "A, B and R registered with the coordinator"
is "$(coord -j node list | jq -r '.[] | select(.relay != null) | "\(.name) \(.relay)"')" \
	"relay 198.18.0.3:51823" "node list shows R as the one relay, at its tunnel port"

# ---- no operator command from here on
peer_path() { bd_json "$1" | jq -r ".peers[] | select(.name == \"$2\") | .state + \" \" + (.path // \"-\")"; }
relayed() { [ "$(peer_path 1 node-b)" = "up relayed" ] && [ "$(peer_path 2 node-a)" = "up relayed" ]; }
wait_for 60 relayed
check $? "after relay_after the pair is relayed automatically (A: $(peer_path 1 node-b), B: $(peer_path 2 node-a))"
bd_log_has 1 "peer node-b: no session: asking the coordinator for a relay"
ok $? "A asked the coordinator for a relay"
id=$(bd_json 1 | jq -r '.peers[] | select(.name == "node-b") | .relay_ticket')
[ "$id" -gt 0 ] 2>/dev/null &&
	[ "$(bd_json 2 | jq -r '.peers[] | select(.name == "node-a") | .relay_ticket')" = "$id" ]
ok $? "A and B use the same ticket ($id)"
is "$(bd_json 1 | jq -c '.peers[] | select(.name == "node-b") | [.relay.via, .relay.state]')" \
	'["198.18.0.3:51823","admitted"]' "A's status: via R, admitted"
is "$(coord -j relay-ticket list | jq -r ".[] | select(.id == $id) | .relay")" relay \
	"the coordinator recorded ticket $id through R"
is "$(bd_peer_json 1 node-b | jq -c '[.relay_ticket, .endpoint.address, .endpoint.port]')" \
	"[$id,\"198.18.0.3\",51823]" "A's kernel peer: relay-ticket $id, endpoint R"

overlay4() { coord -j node list | jq -r ".[] | select(.name == \"$1\") | .ipv4" | cut -d/ -f1; }
run_ok "A pings B through R" tunnel_ping burrow-n1 "$(overlay4 node-b)"
run_ok "B pings A through R" tunnel_ping burrow-n2 "$(overlay4 node-a)"
entry() { in_ns burrow-n3 burrow-nl -j relay show burrow0 ticket "$id" | jq -r ".[0].$1"; }
[ "$(entry a_to_b_packets)" -ge 3 ] && [ "$(entry b_to_a_packets)" -ge 3 ]
ok $? "R's kernel entry counts both directions ($(entry a_to_b_packets), $(entry b_to_a_packets))"

# ---- the NAT is symmetric: R and the coordinator see A's port 51821 mapped differently
at_coord=$(grep -o "registered as 'node-a' .* from 198.18.1.1:[0-9]*" "$coord_dir/log" | tail -n 1 |
	sed 's/.*://')
at_relay=$(in_ns burrow-n3 burrow-nl -j relay show burrow0 ticket "$id" |
	jq -r '.[0] | [.a, .b] | map(select(.address == "198.18.1.1")) | .[0].port')
[ -n "$at_coord" ] && [ -n "$at_relay" ] && [ "$at_coord" != "$at_relay" ] &&
	[ "$at_coord" != 51821 ] && [ "$at_relay" != 51821 ]
ok $? "NAT-A maps A's port 51821 per destination (coordinator sees $at_coord, R sees $at_relay)"

# ---- upgrade: the NATs forward the nodes' ports, so the advertised endpoints work now
for n in 1 2; do
	in_ns "${nat[$n]}" nft add chain ip nat pre \
		'{ type nat hook prerouting priority dstnat; policy accept; }'
	in_ns "${nat[$n]}" nft add rule ip nat pre iifname out udp dport "5182$n" dnat to "10.$n.0.2"
done
direct() { [ "$(peer_path 1 node-b)" = "up direct" ] && [ "$(peer_path 2 node-a)" = "up direct" ]; }
wait_for 90 direct
check $? "the pair moves to the direct path on its own (A: $(peer_path 1 node-b), B: $(peer_path 2 node-a))"
relay_gone() {
	[ "$(bd_json 1 | jq -c '[.peers[] | select(.name == "node-b") | .relay]')" = "[null]" ] &&
	[ "$(bd_json 2 | jq -c '[.peers[] | select(.name == "node-a") | .relay]')" = "[null]" ]
}
wait_for 10 relay_gone
ok $? "both nodes dropped the relay"
is "$(bd_peer_json 1 node-b | jq -c '[.relay_ticket, .endpoint.address, .endpoint.port]')" \
	'[null,"198.18.2.1",51822]' "A's kernel peer: B's forwarded port, no relay ticket"
forwarded=$(($(entry a_to_b_packets) + $(entry b_to_a_packets)))
run_ok "A pings B directly" tunnel_ping burrow-n1 "$(overlay4 node-b)"
run_ok "B pings A directly" tunnel_ping burrow-n2 "$(overlay4 node-a)"
is "$(($(entry a_to_b_packets) + $(entry b_to_a_packets)))" "$forwarded" \
	"R forwarded nothing more"
upgrades() { bd_json "$1" | jq -r "[.coordinator.relay_fallback[] | select(.peer == \"$2\") | .upgrades] | .[0]"; }
is "$(upgrades 1 node-b) $(upgrades 2 node-a)" "1 1" "both nodes' status count one upgrade"

# ---- a refusal comes back with its reason: no relay connected once R is gone
bd_stop 3
bd_stop 2
refused() { bd_json 1 | jq -e '.coordinator.relay_fallback[] | select(.peer == "node-b") |
	.refused | test("not connected|no relay")' >/dev/null; }
wait_for 90 refused
check $? "with B and R gone, A's next request is refused: $(bd_json 1 |
	jq -r '.coordinator.relay_fallback[0].refused')"
