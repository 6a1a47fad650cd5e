#!/bin/bash
# RFC 9001 §6.6 integrity limit: packets that fail authentication are
# counted per key; past the key's integrity limit (lowered here over
# netlink, as the packet limits can be) a key-hard-limit event is sent and
# the key accepts nothing more, not even an authentic packet. Another key
# is untouched.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 8

limit=4
quic_nodes 4 chacha20-poly1305
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "quic tunnel is up"

# hex fields of a key file: key (64), IV (24), hp key (64)
field() { local k; k=$(cat "$1"); echo "${k:$2:$3}"; }
# n2's primary again, key id ID (odd: key phase 0), with a lowered integrity limit.
install_limited() {
	in_ns $n2 burrow-nl-raw key-new ifname:str:burrow0 keyconf:nest-begin peer-id:u32:1 \
		slot:u8:0 key-id:u8:"$1" cipher:u8:0 \
		encrypt-key:hex:"$(field "$keydir/k21" 0 64)" encrypt-iv:hex:"$(field "$keydir/k21" 64 24)" \
		decrypt-key:hex:"$(field "$keydir/k12" 0 64)" decrypt-iv:hex:"$(field "$keydir/k12" 64 24)" \
		encrypt-hp-key:hex:"$(field "$keydir/k21" 88 64)" \
		decrypt-hp-key:hex:"$(field "$keydir/k12" 88 64)" \
		integrity-limit:u64:$limit keyconf:nest-end
}
send() { in_ns $n1 bash -c "cat '$1' >/dev/udp/192.0.2.2/$port2"; }
# A packet for n2's CID in key phase 0 under n1's header-protection key,
# sealed with a wrong AEAD key: it reaches the AEAD and fails there.
make_key chacha20-poly1305 "$keydir/wrong"
printf '%s%s\n' "$(tr -d '\n' <"$keydir/wrong")" "$(cat "$keydir/hp12")" >"$keydir/wrong.hp"
forge_bad() {
	quic-decode forge chacha20-poly1305 "$keydir/wrong.hp:0" $cid2 "$1" keepalive "$keydir/bad-$1"
	echo "$keydir/bad-$1"
}
dir=/sys/kernel/debug/burrow/burrow0@$(in_ns $n2 stat -L -c %i /proc/self/ns/net)
failures() { grep -A3 "key primary:" "$dir/peers" | sed -n 's/.*rx auth failures \([0-9]*\).*/\1/p'; }
failures_are() { [ "$(failures)" = "$1" ]; }

# The monitor subscribes asynchronously: install the key afresh (its count
# starts over) and forge past the limit until the monitor saw the event.
in_ns $n2 burrow-nl monitor >"$keydir/events" 2>&1 &
monitor=$!
saw_event() { grep -q "key-hard-limit .* key-id $1 " "$keydir/events"; }
for attempt in 1 2 3 4 5 6 7 8 9 10; do
	key_id=$((2 * attempt - 1))
	install_limited $key_id >/dev/null || break
	for pn in $(seq 200 $((200 + limit - 1))); do
		send "$(forge_bad $pn)"
	done
	wait_for 5 failures_are $limit
	[ $attempt = 1 ] && { grep -q "key primary: id $key_id" "$dir/peers" && failures_are $limit &&
		! grep -q "refused" "$dir/peers" && ! saw_event $key_id; }
	[ $attempt = 1 ] && { ok $? "$limit failures are counted per key ($(failures)), the key is still accepted"; }
	send "$(forge_bad $((200 + limit)))"
	wait_for 5 saw_event $key_id && break
done
saw_event $key_id
ok $? "failure $((limit + 1)) raised a key-hard-limit event for key id $key_id (attempt $attempt: $(tr '\n' ' ' <"$keydir/events"))"
kill $monitor
grep -q "rx auth failures $((limit + 1)) (integrity limit $limit), refused" "$dir/peers"
ok $? "debugfs shows the count, the limit and the refusal"
is "$(in_ns $n2 burrow-nl -j key show burrow0 peer 1 slot primary |
	jq -r '.[0] | "\(.limit_reached) \(.rx_auth_failures) \(.integrity_limit)"')" "hard $((limit + 1)) $limit" \
	"key-get reports the hard limit reached, the failures and the limit"

# An authentic packet for the key, sealed by the independent encoder with
# n1's real send key, is refused now, and so is n1's traffic.
counter_above() { [ "$(counter $n2 "$1")" -gt "$2" ]; }
before=$(counter $n2 drop_key_exhausted)
quic-decode forge chacha20-poly1305 "$keydir/k12:0" $cid2 300 keepalive "$keydir/authentic"
send "$keydir/authentic"
wait_for 5 counter_above drop_key_exhausted "$before"
is "$(($(counter $n2 drop_key_exhausted) - before))" 1 "an authentic packet for the key is dropped as drop_key_exhausted"
rx_before=$(in_ns $n2 burrow-nl -j key show burrow0 peer 1 slot primary | jq '.[0].rx_packets')
in_ns $n1 ping -c 2 -i 0.2 -W 1 10.10.0.2 >/dev/null
ok $((! $?)) "n1's packets under that key no longer get through"
is "$(in_ns $n2 burrow-nl -j key show burrow0 peer 1 slot primary | jq '.[0].rx_packets')" "$rx_before" \
	"no packet was accepted with the key"
done_testing
