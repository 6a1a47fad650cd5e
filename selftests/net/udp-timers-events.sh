#!/bin/bash
# Persistent keepalive, inactivity expiry and key usage limits, observed
# through counters and the events multicast group.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 10

two_nodes 4 aes-128-gcm
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"
# Started early: it subscribes asynchronously, and the expiry below must
# find it listening.
in_ns $n2 burrow-nl monitor >"$keydir/events" 2>&1 &
monitor=$!

keepalives_arrive() { [ "$(counter $n2 rx_keepalives)" -ge 2 ]; }
run_ok "n1 sends a keepalive every second" in_ns $n1 burrow-nl peer set burrow0 id 1 keepalive 1
wait_for 10 keepalives_arrive
ok $? "n2 counts the keepalives ($(counter $n2 rx_keepalives))"

in_ns $n1 burrow-nl peer set burrow0 id 1 keepalive 0
in_ns $n2 burrow-nl peer set burrow0 id 1 inactivity-timeout 2
expired() { peer_json $n2 1 | jq -e '.expired == true' >/dev/null; }
wait_for 15 expired
ok $? "a silent peer is marked expired"
expired_event() { grep -qi "expired" "$keydir/events"; }
wait_for 5 expired_event
ok $? "and a peer-expired event was sent"
# Keepalives every second keep it alive despite the 2-second timeout.
in_ns $n1 burrow-nl peer set burrow0 id 1 keepalive 1
revived() { ! expired; }
wait_for 10 revived
ok $? "traffic revives it"
in_ns $n2 burrow-nl peer set burrow0 id 1 inactivity-timeout 0

# A key that may protect only 8 packets: soft at 4, then refusal.
make_key aes-128-gcm "$keydir/small.tx"
make_key aes-128-gcm "$keydir/small.rx"
in_ns $n1 burrow-nl key add burrow0 peer 1 slot primary key-id 7 cipher aes-128-gcm \
	tx "$keydir/small.tx" rx "$keydir/small.rx" soft-packets 4 hard-packets 8
in_ns $n1 ping -c 12 -i 0.1 -W 1 10.10.0.2 >/dev/null 2>&1
[ "$(counter $n1 drop_key_exhausted)" -ge 4 ]
ok $? "packets past the hard limit are refused ($(counter $n1 drop_key_exhausted))"
is "$(in_ns $n1 burrow-nl -j key show burrow0 peer 1 slot primary | jq -r '.[0].limit_reached')" hard \
	"the key reports its hard limit"
kill $monitor
in_ns $n1 burrow-nl monitor >"$keydir/events1" 2>&1 &
monitor=$!
# The monitor subscribes asynchronously: keep installing fresh keys with
# tiny limits and using them until its output shows both limit events.
make_key aes-128-gcm "$keydir/tiny.tx"
tiny_key_id=8
limits_until_reported() {
	grep -qi "key-soft-limit" "$keydir/events1" && grep -qi "key-hard-limit" "$keydir/events1" &&
		return 0
	in_ns $n1 burrow-nl key add burrow0 peer 1 slot primary key-id $tiny_key_id \
		cipher aes-128-gcm tx "$keydir/tiny.tx" rx "$keydir/small.rx" \
		soft-packets 1 hard-packets 2
	tiny_key_id=$((tiny_key_id + 1))
	in_ns $n1 ping -c 4 -i 0.1 -W 1 10.10.0.2 >/dev/null 2>&1
	grep -qi "key-soft-limit" "$keydir/events1" && grep -qi "key-hard-limit" "$keydir/events1"
}
wait_for 30 limits_until_reported
ok $? "soft-limit and hard-limit events were sent ($(tr '\n' ' ' <"$keydir/events1"))"
kill $monitor
is "$(counter $n2 drop_decrypt)" 0 "no decryption failures"
done_testing
