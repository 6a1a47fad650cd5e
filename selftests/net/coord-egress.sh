#!/bin/bash
# burrow-vm: distro-only (userspace over the kernel relay table, whose paths relay-kernel.sh runs on both kernels)
# The coordinator behind a relay (issue 19, brief D12): node A reaches
# burrow-coord only through relay R, and never learns its address. R
# registers with the coordinator directly, as a relay; the operator issues
# a control ticket for A through R (`burrow-coord control-ticket issue`),
# whose two lines go into A's [coordinator] section in place of an address.
# A presents the ticket at R, the coordinator binds its own side of it over
# R's coordination connection (RELAY_BIND), and A's coordination connection
# runs end-to-end through R's kernel relay entry. A capture on A's underlay
# holds R's address and never the coordinator's. The coordinator runs with
# --egress-relay, so node D, which can reach it directly, is refused; and
# revoking the control ticket cuts A off. Renewal: A restarts with a
# 30-second control ticket; the coordinator sends it a renewed one
# (CONTROL_TICKET) at half-life, A switches to it, and after the original
# ticket's expiry A is still connected and still gets map changes.
#
#   A 192.0.2.1 ---- 192.0.2.254 R 203.0.113.254 ---- 203.0.113.10 C (coordinator :7443)
#                    (burrowd :51823, [relay])                       D (burrowd :51824, direct)
#
# R does not forward IP (a new netns has ip_forward 0): A has no route to C.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 25

coord_dir=$bd_dir/coord
coord() { burrow-coord -d "$coord_dir/coord.db" "$@"; }
nA=burrow-n1
nR=burrow-n3
nC=burrow-n4
coord_addr=203.0.113.10
name=(unused node-a unused relay direct)
under=(unused 192.0.2.1 unused 203.0.113.254 203.0.113.10)
# ok_or_logs, and R's, D's and the coordinator's logs too when it failed.
check() {
	ok_or_logs "$1" "$2"
	[ "$1" -eq 0 ] || diag "--- n3 (R) log" "$(tail -n 30 "$bd_dir/n3/log")" \
		"--- coordinator log" "$(tail -n 30 "$coord_dir/log")"
}
mesh_json() { bd_json "$1" | jq -r "$2"; }

for ns in $nA $nR $nC; do ns_add $ns; done
ip -n $nA link add veth0 type veth peer name to-a netns $nR
ip -n $nA addr add 192.0.2.1/24 dev veth0
ip -n $nR addr add 192.0.2.254/24 dev to-a
ip -n $nC link add veth0 type veth peer name to-c netns $nR
ip -n $nC addr add $coord_addr/24 dev veth0
ip -n $nR addr add 203.0.113.254/24 dev to-c
for pair in "$nA veth0" "$nR to-a" "$nR to-c" "$nC veth0"; do
	set -- $pair
	ip -n "$1" link set "$2" up
done
ip -n $nA route add default via 192.0.2.254
for ns in $nA $nR $nC; do
	ip -n $ns link add burrow0 type burrow
	ip -n $ns link set burrow0 up
done
mkdir -p "$coord_dir" "$bd_dir/n1" "$bd_dir/n3" "$bd_dir/n4"
coord_key=$(burrowd genkey "$coord_dir/coord.key")
auth=$(coord key create reusable)
for n in 1 3 4; do
	bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	echo "$auth" >"$bd_dir/n$n/authkey"
done
# node_conf N [COORDINATOR LINES]: node N's [node] and [coordinator]
# sections; the coordinator's address unless other lines are given.
node_conf() {
	bd_node_section "$1" "${name[$1]}"
	cat <<EOF
idle_timeout = 6

[coordinator]
${2:-address = $coord_addr:7443}
public_key = $coord_key
auth_key_file = $bd_dir/n$1/authkey
endpoint = ${under[$1]}:5182$1
EOF
}
{ node_conf 3; printf '\n[relay]\nenabled = yes\n'; } >"$(bd_conf 3)"
node_conf 4 >"$(bd_conf 4)"

run_fails "A has no route to the coordinator" 1 "" in_ns $nA ping -c 1 -W 1 $coord_addr

ip netns exec $nC burrow-coord -d "$coord_dir/coord.db" run listen $coord_addr:7443 \
	key "$coord_dir/coord.key" --egress-relay relay >>"$coord_dir/log" 2>&1 &
bd_pid[coord]=$!
wait_for 20 in_ns $nC ss -Hlun sport = :7443
bd_start 3
relay_registered() { coord -j node list | jq -e 'map(select(.name == "relay" and .relay != null)) | length == 1'; }
wait_for 60 relay_registered
check $? "R registers directly, as a relay"

out=$(coord control-ticket issue --relay relay --node-key "${bd_key[1]}" --lifetime 1h \
	--key "$coord_dir/coord.key")
is "$(sed -n 1p <<<"$out")" "relay = 203.0.113.254:51823" \
	"control-ticket issue names R's endpoint as the coordinator saw it"
ticket=$(sed -n 's/^relay_ticket = //p' <<<"$out")
id=$(coord -j relay-ticket list | jq -r '.[-1].id')
[ ${#ticket} = 236 ] && [ "$(wc -l <<<"$out")" = 2 ] && [ "$id" -gt 0 ]
ok $? "and prints the ticket ($id) for the node's [coordinator] section"
run_fails "a control ticket for the coordinator's own key is refused" 2 "" \
	coord control-ticket issue --relay relay --node-key "$coord_key" --key "$coord_dir/coord.key"

# Everything on A's underlay from before A's daemon starts.
ip netns exec $nA tcpdump -Z root -i veth0 -n -U --immediate-mode -w "$bd_dir/a.pcap" \
	>/dev/null 2>&1 &
capture=$!
wait_for 10 test -s "$bd_dir/a.pcap"
ok $? "tcpdump captures on A's underlay"

# R has an address on each side, and answers from the one facing the
# sender: A is given the one it reaches R at (a relay with one public
# address, as docs/coordination.md asks of relays, needs no such edit).
node_conf 1 "$(sed 's/^relay = .*/relay = 192.0.2.254:51823/' <<<"$out")" >"$(bd_conf 1)"
bd_start 1
a_connected() { [ "$(mesh_json 1 .coordinator.state)" = connected ]; }
wait_for 60 a_connected
check $? "A registers through R"
is "$(coord -j node list | jq -r 'map(.name) | sort | join(" ")')" "node-a relay" \
	"the coordinator lists node-a"
is "$(mesh_json 1 '.coordinator.relay | "\(.endpoint) \(.ticket) \(.state)"')" \
	"192.0.2.254:51823 $id admitted" "A's status: via R, ticket $id, admitted"
in_ns $nA burrowd status -c "$(bd_conf 1)" | grep -qF "via relay 192.0.2.254:51823 ticket $id"
ok $? "the text status says so"
entry() { in_ns $nR burrow-nl -j relay show burrow0 ticket "$id" | jq -r ".[0].$1"; }
[ "$(entry a_to_b_packets)" -ge 2 ] && [ "$(entry b_to_a_packets)" -ge 2 ]
ok $? "R's kernel entry carried both directions ($(entry a_to_b_packets), $(entry b_to_a_packets))"
bd_log_has 3 "control ticket $id"
check $? "R logs binding the coordinator's side of ticket $id"

kill $capture
wait $capture 2>/dev/null
seen_relay=$(tcpdump -r "$bd_dir/a.pcap" -n 'udp and host 192.0.2.254 and port 51823' 2>/dev/null | wc -l)
seen_coord=$(tcpdump -r "$bd_dir/a.pcap" -n "host $coord_addr" 2>/dev/null | wc -l)
[ "$seen_relay" -ge 4 ]
ok $? "A's underlay carried $seen_relay packets to and from R"
is "$seen_coord" 0 "and none to or from the coordinator's address"

# ---- --egress-relay: a node that reaches the coordinator directly is refused
bd_start 4
d_refused() { [[ $(mesh_json 4 .coordinator.last_error) == *"reached only through relay relay"* ]]; }
wait_for 30 d_refused
check $? "D, dialling directly, is refused: $(mesh_json 4 .coordinator.last_error)"
bd_stop 4

# ---- revoking the control ticket cuts A off
run_ok "burrow-coord relay-ticket revoke $id" coord relay-ticket revoke "$id"
gone() { in_ns $nR burrow-nl -j relay show burrow0 | jq -e "map(select(.ticket == $id)) == []"; }
wait_for 20 gone
check $? "R's entry is gone (RELAY_REVOKE)"
a_refused() { [[ $(mesh_json 1 .coordinator.relay.last_error) == *revoked* ]]; }
wait_for 60 a_refused
check $? "A's next admission is refused: $(mesh_json 1 .coordinator.relay.last_error)"

# ---- renewal: a short control ticket is renewed before it expires
bd_stop 1
out=$(coord -j control-ticket issue --relay relay --node-key "${bd_key[1]}" --lifetime 30s \
	--key "$coord_dir/coord.key")
id2=$(jq -r .id <<<"$out")
expiry2=$(jq -r .expiry <<<"$out")
node_conf 1 "$(printf 'relay = 192.0.2.254:51823\nrelay_ticket = %s' "$(jq -r .relay_ticket <<<"$out")")" \
	>"$(bd_conf 1)"
bd_start 1
wait_for 30 a_connected
check $? "A restarts with a 30 s control ticket ($id2) and registers through R"
renewed() {
	[ "$(mesh_json 1 '.coordinator.relay | "\(.source) \(.ticket != '"$id2"')"')" = "renewed true" ]
}
wait_for 40 renewed
check $? "the coordinator renews it: A uses ticket $(mesh_json 1 .coordinator.relay.ticket), source renewed"
grep -qF "control ticket $id2 renewed as" "$coord_dir/log"
check $? "the coordinator logs the renewal of ticket $id2"
text=$(in_ns $nA burrowd status -c "$(bd_conf 1)")
in_use=$(sed -n 's/^coordinator via relay 192\.0\.2\.254:51823 ticket \([0-9]*\) .*/\1/p' <<<"$text")
[ -n "$in_use" ] && [ "$in_use" != "$id2" ] &&
	grep -qE "^  control ticket $in_use expires [0-9T:-]+Z \(renewed\)$" <<<"$text"
ok $? "the text status names the renewed ticket ($in_use) and its source"
# Past the original ticket's expiry (a clock, polled with a deadline).
past_expiry() { [ "$(date +%s)" -gt "$expiry2" ]; }
wait_for 45 past_expiry
# A redials once per renewal: poll briefly for a connection between two.
on_renewal() {
	[ "$(mesh_json 1 '"\(.coordinator.state) \(.coordinator.relay.state) \(.coordinator.relay.ticket != '"$id2"')"')" = "connected admitted true" ]
}
wait_for 15 on_renewal
check $? "after ticket $id2 expired A is connected and admitted through R on a renewed ticket"
run_ok "burrow-coord node rename node-a node-b" coord node rename node-a node-b
a_renamed() { [ "$(mesh_json 1 .coordinator.name)" = node-b ]; }
wait_for 30 a_renamed
check $? "a map change (its rename) still reaches A"
