#!/bin/bash
# burrow-vm: distro-only (a time check before the roaming code that udp-roaming runs on the debug kernel)
# A peer's endpoint moves at most ten times a second: a burst of authentic
# packets, each from a new source port (a flapping NAT, or a racer), does
# not cost one endpoint-changed event and one route-cache reset per packet.
# The packets themselves are delivered.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 4

burst=100
quic_nodes 4
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "quic tunnel is up"

# Authentic keepalives from n1's send key (the independent encoder), with
# packet numbers ahead of n1's own; bash opens a new UDP socket, so a new
# source port, for each redirection to /dev/udp.
pn=100
next_packet() {
	quic-decode forge chacha20-poly1305 "$keydir/k12:0" $cid2 $pn keepalive "$keydir/p$pn"
	pn=$((pn + 1))
}
send_from_new_port() { in_ns $n1 bash -c "cat '$1' >/dev/udp/192.0.2.2/$port2"; }
events() { grep -c "endpoint-changed" "$keydir/events"; }
rx_keepalives_reach() { [ "$(counter $n2 rx_keepalives)" -ge "$1" ]; }

# The monitor subscribes asynchronously: send single packets until it
# reports a move.
in_ns $n2 burrow-nl monitor >"$keydir/events" 2>&1 &
monitor=$!
monitor_live() {
	next_packet
	send_from_new_port "$keydir/p$((pn - 1))"
	grep -q endpoint-changed "$keydir/events"
}
wait_for 30 monitor_live
ok $? "the monitor reports roaming"

# The burst as one script of printf builtins: no process per packet, so it
# takes well under the ten seconds that would allow a hundred moves.
for i in $(seq $burst); do next_packet; done
for i in $(seq $((pn - burst)) $((pn - 1))); do
	printf "printf '%s' >/dev/udp/192.0.2.2/$port2\n" \
		"$(od -An -v -tx1 "$keydir/p$i" | tr -d ' \n' | sed 's/../\\x&/g')"
done >"$keydir/burst.sh"
before_events=$(events)
before_rx=$(counter $n2 rx_keepalives)
start=${EPOCHREALTIME/./}
in_ns $n1 bash "$keydir/burst.sh"
# Until the burst is in, or nothing more arrived for a second (a packet the
# busy emulated guest drops, e.g. to CoDel, is counted there): the window
# from the first packet sent to the last one delivered, in which the
# receiver can have moved the endpoint.
last=$before_rx
last_change=$start
until [ "$last" -ge $((before_rx + burst)) ] ||
	[ $((${EPOCHREALTIME/./} - last_change)) -gt 1000000 ]; do
	sleep 0.05
	now=$(counter $n2 rx_keepalives)
	[ "$now" != "$last" ] && last=$now && last_change=${EPOCHREALTIME/./}
done
elapsed_ms=$(((last_change - start) / 1000))
delivered=$((last - before_rx))
diag "drops: queue_delay $(counter $n2 drop_queue_delay) queue_full $(counter $n2 drop_queue_full) replay $(counter $n2 drop_replay)"
[ $delivered -ge $((burst / 2)) ]
ok $? "the burst was delivered ($delivered of $burst keepalives)"
# Ten moves a second, plus the first one and one at each end of the window.
bound=$((elapsed_ms / 100 + 2))
# The monitor prints behind the kernel: give it time to show more than the bound.
events_above() { [ "$(events)" -gt "$1" ]; }
wait_for 3 events_above $((before_events + bound))
moves=$(($(events) - before_events))
diag "$burst packets from new ports delivered in $elapsed_ms ms: $moves endpoint moves (bound $bound)"
[ "$moves" -ge 1 ] && [ "$moves" -le "$bound" ] && [ "$bound" -lt "$delivered" ]
ok $? "the endpoint moved $moves times, at most ten a second ($bound), not once per packet"
kill $monitor
done_testing
