#!/bin/bash
# burrow-vm: distro-only (capsule parsing and policy are userspace; the allowed-ips replace and device routes they drive run on the debug kernel in burrowd-negotiate)
# Crafted capsules from a peer over a real, authenticated QUIC connection
# (burrowd-capsule-client holding m3's key, in m3's namespace): a route
# advertised and then withdrawn (an empty ROUTE_ADVERTISEMENT) enters and
# leaves the hub's kernel peer and routing table; each capsule that breaks
# an RFC 9484 MUST aborts that control stream with the rule named, while
# the hub keeps running and its session with m2 is never disturbed.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 21

bd_hub_nodes
bd_start 1
bd_start 2
m2_assigned() { [ "$(bd_assigned 2)" = 10.99.0.2/32 ]; }
wait_for 90 m2_assigned
ok $? "m2 is up with its address"
m2_sessions=$(bd_json 2 | jq -r '.peers[0].sessions_established')

client() {
	in_ns burrow-n3 burrowd-capsule-client -k "$bd_dir/n3/node.key" -p "${bd_key[1]}" \
		-c 198.51.100.1:51821 -n m3 "$@"
}
# m3 is the hub's kernel peer 2.
m3_prefixes() { peer_json burrow-n1 2 | jq -r '.allowed_ips | sort | join(",")'; }

# --- advertise 10.20.9.0/24, then withdraw it
client hello send 0x03 040a1409000a1409ff00 expect 0x2b0b08 wait-file "$bd_dir/withdraw" \
	send 0x03 - expect 0x2b0b08 wait-file "$bd_dir/done" >"$bd_dir/client.out" 2>&1 &
client_pid=$!
has_route() { [ "$(m3_prefixes)" = 10.20.9.0/24 ] && in_ns burrow-n1 ip route show 10.20.9.0/24 | grep -q burrow0; }
wait_for 30 has_route
ok $? "an advertised route reaches the hub's kernel peer and routing table" ||
	diag "$(cat "$bd_dir/client.out")" "$(tail -n 20 "$bd_dir/n1/log")"
touch "$bd_dir/withdraw"
no_route() { [ "$(m3_prefixes)" = "" ] && [ -z "$(in_ns burrow-n1 ip route show 10.20.9.0/24)" ]; }
wait_for 30 no_route
ok $? "withdrawn (empty ROUTE_ADVERTISEMENT): gone from kernel peer and routing table" ||
	diag "prefixes '$(m3_prefixes)'" "$(in_ns burrow-n1 ip route)"
touch "$bd_dir/done"
wait "$client_pid"
ok $? "the client's script ran to the end" || diag "$(cat "$bd_dir/client.out")"
is "$(grep -c '^ROUTE_REFUSED -$' "$bd_dir/client.out")" 2 "both advertisements were answered: nothing refused"

# --- malformed capsules: each one aborts that stream, naming the rule
# HELLO first unless the case says "nohello". Values are hex (RFC 9484 layouts).
cases=(
	"0x02|-|ADDRESS_REQUEST with no addresses"
	"0x02|00040000000020|ADDRESS_REQUEST entry 1: request ID 0"
	"0x02|0104000000002102040000000020|prefix length 33 is longer than an IPv4 address"
	"0x02|01040a00000118|host bits set in 10.0.0.1/24"
	"0x03|040a0001000a0000ff00|start after end (10.0.1.0-10.0.0.255)"
	"0x03|040b0000000b0000ff00040a0000000a0000ff00|overlaps or precedes entry 1"
	"0x03|040a0000000a0000ff00040a0000800a0001ff00|overlaps or precedes entry 1"
	"0x03|040a0000000a0000ff00040a0000000a0000ff06|overlaps entry 1 (10.0.0.0-10.0.0.255) of protocol 0"
	"0x03|050a0000000a0000ff00|IP version 5 (only 4 and 6 exist)"
	"0x01|07040a63000920|request ID 7, which was never sent"
	"0x2b0b08|040a0000000a0000ff00|ROUTE_REFUSED entry 1 has no reason"
	"0x03|-|ROUTE_ADVERTISEMENT before the session is up|nohello"
)
for case in "${cases[@]}"; do
	IFS='|' read -r type value reason mode <<<"$case"
	steps=(hello)
	[ "$mode" = nohello ] && steps=()
	out=$(client "${steps[@]}" send "$type" "$value" expect-close 2>&1)
	[[ $out == *"application error 2): $reason"* || $out == *"application error 2): "*"$reason"* ]]
	ok $? "type $type '$value': stream aborted with '$reason'" || diag "$out"
done

# Request IDs are never reused, across capsules too.
out=$(client hello send 0x02 01040000000020 expect 0x01 send 0x02 01040000000020 expect-close 2>&1)
[[ $out == *"application error 2): ADDRESS_REQUEST reuses request ID 1"* ]]
ok $? "a request ID used again in a later ADDRESS_REQUEST aborts the stream" || diag "$out"

kill -0 "${bd_pid[1]}"
ok $? "the hub is still running"
is "$(bd_json 2 | jq -r '.peers[0] | "\(.state) \(.sessions_established)"')" "up $m2_sessions" \
	"m2's session with the hub was never interrupted"
run_ok "m2 still reaches the hub" tunnel_ping burrow-n2 10.99.0.1
done_testing
