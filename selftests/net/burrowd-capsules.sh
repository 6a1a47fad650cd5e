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
plan 28

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
m3_prefixes() { bd_peer_json 1 m3 | jq -r '.allowed_ips | sort | join(",")'; }

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

# --- RFC 9297 §3.2: capsules of unknown types are skipped whatever their
# size (5000 bytes, over burrow's 4096 cap for its own types), and with
# non-minimal varints (grease type 0x17 in 8 bytes, length in 2): the next
# capsule is still parsed and answered.
# (in two raw steps: the client sends at most 4096 bytes per step)
big1="802b0bff5388$(printf 'a5%.0s' $(seq 4000))"
big2="$(printf 'a5%.0s' $(seq 1000))"
grease="c0000000000000174005$(printf '00%.0s' $(seq 5))"
out=$(client hello raw "$big1" raw "$big2$grease" send 0x03 - expect 0x2b0b08 2>&1)
[[ $out == *"ROUTE_REFUSED -"* ]]
ok $? "unknown capsules (5000 bytes; non-minimal varints) are skipped, the next one answered" ||
	diag "$(tail -c 2000 <<<"$out")"

# --- Every request ID is answered (RFC 9484 §4.7.2 SHALL). Two IPv4
# requests in one capsule: "any" (ID 1) gets m3's lease, the specific
# 10.99.0.7/32 (ID 2) a rejection (one lease per IP version), not silence.
out=$(client hello send 0x02 0104000000002002040a63000720 expect 0x01 2>&1)
re='ADDRESS_ASSIGN 01040a6300[0-9a-f]{2}2002040000000020($|[^0-9a-f])'
[[ $out =~ $re ]]
ok $? "two IPv4 requests in one capsule: both IDs answered (lease for 1, rejection for 2)" || diag "$out"
# After the IPv4 lease, 64 IPv6 requests (no IPv6 pool): 1 lease + 64
# rejections do not fit in one 64-entry capsule; the last ID (65) must still
# be answered, in a second ADDRESS_ASSIGN that repeats the full list.
v6=""
for id in $(seq 2 65); do
	if [ "$id" -lt 64 ]; then v6+=$(printf '%02x' "$id"); else v6+=$(printf '40%02x' "$id"); fi
	v6+="06$(printf '0%.0s' $(seq 32))80"
done
# ROUTE_REFUSED is the sync point (the stream is ordered); ADDRESS_ASSIGNs not
# waited for are printed as "seen ADDRESS_ASSIGN".
out=$(client hello send 0x02 01040000000020 expect 0x01 send 0x02 "$v6" expect 0x01 \
	send 0x03 - expect 0x2b0b08 2>&1)
last=$(grep -E '^(seen )?ADDRESS_ASSIGN' <<<"$out" | tail -n 1)
[ "$(grep -cE '^(seen )?ADDRESS_ASSIGN' <<<"$out")" = 3 ] &&
	[[ $last == *4041060000000000000000000000000000000080* ]]
ok $? "a reply of 65 entries is split over two capsules, request ID 65 answered" || diag "$out"

# --- An ADDRESS_ASSIGN the hub never asked for (m3 has no request_address):
# half of IPv4 and m2's underlay address. Neither may reach the hub's device;
# both are refused, logged and listed. ROUTE_REFUSED is the sync point: the
# hub handles capsules in order. The client holds the session open meanwhile
# (addresses leave the device with the session).
hub_addrs() { in_ns burrow-n1 ip -j addr show dev burrow0 | jq -r '[.[0].addr_info[].local] | join(",")'; }
client hello send 0x01 000480000000010004c000020220 send 0x03 - expect 0x2b0b08 \
	wait-file "$bd_dir/assign-done" >"$bd_dir/assign.out" 2>&1 &
client_pid=$!
synced() { grep -q '^ROUTE_REFUSED' "$bd_dir/assign.out"; }
wait_for 30 synced
addrs=$(hub_addrs)
[[ ,$addrs, != *,128.0.0.0,* && ,$addrs, != *,192.0.2.2,* ]]
ok $? "an unsolicited ADDRESS_ASSIGN (128.0.0.0/1, m2's underlay 192.0.2.2/32) is not put on the hub's device" ||
	diag "hub burrow0: $addrs" "$(cat "$bd_dir/assign.out")"
is "$(bd_addresses_json 1 | jq -r '.peers[] | select(.name == "m3") |
	.refused_from_peer | map("\(.address) \(.request_id) \(.reason)") | join(",")')" \
	"128.0.0.0/1 0 unsolicited,192.0.2.2/32 0 unsolicited" "'burrowd addresses' lists both as refused (unsolicited)"
grep -q "address 192.0.2.2/32 from m3 (request 0) refused: unsolicited" "$bd_dir/n1/log"
ok $? "the hub logged the refusal" || diag "$(tail -n 20 "$bd_dir/n1/log")"
run_ok "m2 still reaches the hub while m3's session is up" tunnel_ping burrow-n2 10.99.0.1
touch "$bd_dir/assign-done"
wait "$client_pid"

kill -0 "${bd_pid[1]}"
ok $? "the hub is still running"
is "$(bd_json 2 | jq -r '.peers[0] | "\(.state) \(.sessions_established)"')" "up $m2_sessions" \
	"m2's session with the hub was never interrupted"
run_ok "m2 still reaches the hub" tunnel_ping burrow-n2 10.99.0.1
done_testing
