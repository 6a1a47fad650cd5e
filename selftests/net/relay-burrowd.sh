#!/bin/bash
# burrow-vm: distro-only (the kernel relay path is relay-kernel.sh's on both kernels; this is burrowd's use of it)
# burrowd nodes using a relay (issue 19): A and B reach only R, which runs
# burrowd with [relay] and the coordinator. All three join the coordinator
# (no policy: their maps are empty; A and B know each other from their
# config, without an endpoint). The coordinator issues a ticket for the
# pair A, B through R; each is told `burrowd relay use` with it, presents
# it to R (ALPN burrow-relay/1 from its tunnel port), and their control
# session comes up through R: ping works both ways, R's kernel entry counts
# both directions, A's kernel peer has R as its endpoint and the ticket as
# its relay-ticket, and `status -j` says relayed. A ticket for another pair
# is refused by burrowd itself, a forged one by the relay with its reason.
# Revoking the ticket at the coordinator deletes R's entry: ping fails.
#
#   A 192.0.2.1 ---- 192.0.2.254 R 198.51.100.254 ---- 198.51.100.2 B
#                    (coordinator 192.0.2.254:7443, burrowd :51823)
#
# R does not forward IP (a new netns has ip_forward 0).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 25

coord_dir=$bd_dir/coord
coord() { burrow-coord -d "$coord_dir/coord.db" "$@"; }
nA=burrow-n1
nB=burrow-n2
nR=burrow-n3
name=(unused node-a node-b relay)
under=(unused 192.0.2.1 198.51.100.2 192.0.2.254)
gw=(unused 192.0.2.254 198.51.100.254)
# ok_or_logs, and R's and the coordinator's logs too when it failed.
check() {
	ok_or_logs "$1" "$2"
	[ "$1" -eq 0 ] || diag "--- n3 (R) log" "$(tail -n 40 "$bd_dir/n3/log")" \
		"--- coordinator log" "$(tail -n 20 "$coord_dir/log")"
}

ns_add $nR
mkdir -p "$coord_dir" "$bd_dir/n3"
coord_key=$(burrowd genkey "$coord_dir/coord.key")
auth=$(coord key create reusable)
for n in 1 2; do
	ns=burrow-n$n
	ns_add $ns
	mkdir -p "$bd_dir/n$n"
	ip -n $ns link add veth0 type veth peer name "to-n$n" netns $nR
	ip -n $ns addr add "${under[$n]}/24" dev veth0
	ip -n $nR addr add "${gw[$n]}/24" dev "to-n$n"
	ip -n $ns link set veth0 up
	ip -n $nR link set "to-n$n" up
	ip -n $ns route add default via "${gw[$n]}"
	ip -n $ns link add burrow0 type burrow
	ip -n $ns addr add "10.10.0.$n/24" dev burrow0
	ip -n $ns link set burrow0 up
done
ip -n $nR link add burrow0 type burrow
ip -n $nR link set burrow0 up
for n in 1 2 3; do
	bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	echo "$auth" >"$bd_dir/n$n/authkey"
done
# node_conf N: the [node] and [coordinator] sections of node N.
node_conf() {
	bd_node_section "$1" "${name[$1]}"
	cat <<EOF
idle_timeout = 6

[coordinator]
address = 192.0.2.254:7443
public_key = $coord_key
auth_key_file = $bd_dir/n$1/authkey
endpoint = ${under[$1]}:5182$1
EOF
}
for n in 1 2; do
	other=$((3 - n))
	{ node_conf $n; cat <<EOF; } >"$(bd_conf $n)"

[peer ${name[$other]}]
public_key = ${bd_key[$other]}
allowed_ips = 10.10.0.$other/32
EOF
done
{ node_conf 3; printf '\n[relay]\nenabled = yes\n'; } >"$(bd_conf 3)"

run_fails "A cannot reach B directly" 1 "" in_ns $nA ping -c 1 -W 1 198.51.100.2

ip netns exec $nR burrow-coord -d "$coord_dir/coord.db" run listen 192.0.2.254:7443 \
	key "$coord_dir/coord.key" >>"$coord_dir/log" 2>&1 &
bd_pid[coord]=$!
wait_for 20 in_ns $nR ss -Hlun sport = :7443
for n in 3 1 2; do bd_start $n; done
registered() { [ "$(coord -j node list | jq length)" = 3 ]; }
wait_for 60 registered
check $? "A, B and R registered with the coordinator"

T=$(coord -j relay-ticket issue --relay relay --pair node-a,node-b --lifetime 10m \
	--key "$coord_dir/coord.key")
id=$(jq -r .id <<<"$T")
ticket=$(jq -r .ticket <<<"$T")
[ -n "$ticket" ] && [ "$id" -gt 0 ]
ok $? "the coordinator issues ticket $id for node-a, node-b through relay"

# ---- refusals: another pair's ticket (burrowd's own check), a forged one (the relay's)
other=$(coord relay-ticket issue --relay node-b --pair node-a,relay --key "$coord_dir/coord.key")
run_fails "a ticket for another pair is refused by burrowd" 1 "is not for this node and node-b" \
	in_ns $nA burrowd relay use node-b via 192.0.2.254:51823 ticket "$other" -c "$(bd_conf 1)"
run_fails "a word out of place is refused, quoted" 2 "expected 'via' after the peer, not 'through'" \
	in_ns $nA burrowd relay use node-b through 192.0.2.254:51823 ticket "$ticket" -c "$(bd_conf 1)"
# Flip a bit of the signature (byte 150 of 176).
forged=$(printf '%s' "$ticket" | base64 -d | od -An -v -tx1 | tr -s ' \n' '  ' |
	awk '{ for (i = 1; i <= NF; i++) { b = $i; if (i == 151) b = (b == "00" ? "01" : "00");
		printf "\\x%s", b } }')
forged=$(printf "$forged" | base64 -w0)
[ "$forged" != "$ticket" ] && [ ${#forged} = 236 ]
ok $? "a forged ticket (one signature byte changed)"
run_ok "relay use with the forged ticket is accepted locally" \
	in_ns $nA burrowd relay use node-b via 192.0.2.254:51823 ticket "$forged" -c "$(bd_conf 1)"
a_relay() { bd_json 1 | jq -r ".peers[] | select(.name == \"node-b\") | .relay.$1"; }
refused() { [ "$(a_relay state)" = refused ]; }
wait_for 20 refused
check $? "the relay refuses the forged ticket"
is "$(a_relay last_error)" "refused by relay 192.0.2.254:51823: bad signature" \
	"A's status shows the relay's reason"
bd_log_has 1 "refused by relay 192.0.2.254:51823: bad signature"
ok $? "A logs the refusal"
is "$(bd_json 3 | jq -r '.relay.refused["bad signature"]')" 1 "R counts it"

# ---- the pair through R
run_ok "A: relay use node-b via R" \
	in_ns $nA burrowd relay use node-b via 192.0.2.254:51823 ticket "$ticket" -c "$(bd_conf 1)"
run_ok "B: relay use node-a via R" \
	in_ns $nB burrowd relay use node-a via 198.51.100.254:51823 ticket "$ticket" -c "$(bd_conf 2)"
a_up() { [ "$(bd_json 1 | jq -r '.peers[] | select(.name == "node-b") | .state')" = up ]; }
wait_for 60 a_up
check $? "A's session with B comes up through R"
is "$(bd_json 1 | jq -c '.peers[] | select(.name == "node-b") | [.path.kind, .relay_ticket, .relay.state]')" \
	"[\"relayed\",$id,\"admitted\"]" "A's status: relayed, ticket $id, admitted"
b_up() { [ "$(bd_json 2 | jq -r '.peers[] | select(.name == "node-a") | .state')" = up ]; }
wait_for 20 b_up
is "$(bd_json 2 | jq -c '.peers[] | select(.name == "node-a") | [.path.kind, .relay_ticket]')" \
	"[\"relayed\",$id]" "B's status: relayed, ticket $id"
is "$(bd_peer_json 1 node-b | jq -c '[.relay_ticket, .endpoint.address, .endpoint.port]')" \
	"[$id,\"192.0.2.254\",51823]" "A's kernel peer: relay-ticket $id, endpoint R"
run_ok "A pings B through R" tunnel_ping $nA 10.10.0.2
run_ok "B pings A through R" tunnel_ping $nB 10.10.0.1
entry() { in_ns $nR burrow-nl -j relay show burrow0 ticket "$id" | jq -r ".[0].$1"; }
[ "$(entry a_to_b_packets)" -ge 3 ] && [ "$(entry b_to_a_packets)" -ge 3 ]
ok $? "R's kernel entry counts both directions ($(entry a_to_b_packets), $(entry b_to_a_packets))"
is "$(bd_json 3 | jq -c '[.relay.installed, .relay.entries]')" "[1,1]" \
	"R's burrowd installed one entry"

# ---- revocation at the coordinator cuts the data path
run_ok "burrow-coord relay-ticket revoke" coord relay-ticket revoke "$id"
gone() { in_ns $nR burrow-nl -j relay show burrow0 | jq -e "map(select(.ticket == $id)) == []"; }
wait_for 20 gone
check $? "R's entry is gone (RELAY_REVOKE)"
run_fails "A no longer reaches B" 1 "" in_ns $nA ping -c 2 -W 1 10.10.0.2
# The session times out; A presents the ticket again and is refused.
revoked() { [ "$(a_relay state)" = refused ]; }
wait_for 60 revoked
check $? "A's next admission is refused: $(a_relay last_error)"
