#!/bin/bash
# burrow-vm: distro-only (a decision on an authenticated packet's counter; the roaming code it steers runs on the debug kernel in udp-roaming)
# Roaming follows only the highest-numbered packet (RFC 9000 §9.3): an
# authentic packet that an on-path observer held back and sends later from
# its own address, after newer packets arrived, is accepted (it is inside
# the replay window and was never seen) but does not move the endpoint and
# raises no endpoint-changed event. For both encapsulations.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 10

n3=burrow-n3
rx_packets() { in_ns $n2 burrow-nl -j key show burrow0 peer 1 slot primary | jq '.[0].rx_packets'; }
rx_packets_are() { [ "$(rx_packets)" = "$1" ]; }
captured() { [ -s "$keydir/held.pcap" ] && [ "$(tcpdump -r "$keydir/held.pcap" 2>/dev/null | wc -l)" -ge 1 ]; }
capture_ready() { [ "$(in_ns $n1 ss -a -0 | wc -l)" -gt 1 ]; }
roam_address=1
roam_until_reported() {
	grep -q "endpoint-changed.*192.0.2.1[12]:" "$keydir/events" && return 0
	local next=$((roam_address == 11 ? 12 : 11))
	ip -n $n1 addr del 192.0.2.$roam_address/24 dev veth0
	ip -n $n1 addr add 192.0.2.$next/24 dev veth0
	roam_address=$next
	in_ns $n1 ping -c 1 -W 1 10.10.0.2 >/dev/null
	grep -q "endpoint-changed.*192.0.2.1[12]:" "$keydir/events"
}

for encap in udp quic; do
	if [ $encap = quic ]; then quic_nodes 4; else two_nodes 4; fi
	# n3: the observer's own address, on a second link to n2.
	ns_add $n3
	ip -n $n3 link add veth0 type veth peer name veth1 netns $n2
	ip -n $n3 addr add 198.51.100.3/24 dev veth0
	ip -n $n2 addr add 198.51.100.2/24 dev veth1
	ip -n $n3 link set veth0 up
	ip -n $n2 link set veth1 up
	in_ns $n2 burrow-nl monitor >"$keydir/events" 2>&1 &
	monitor=$!
	tunnel_ping $n1 10.10.0.2 >/dev/null
	ok $? "$encap: tunnel is up"

	# Hold one packet back: n1 sends it to a MAC n2 ignores; tcpdump keeps it.
	mac=$(ip -n $n2 -j link show veth0 | jq -r '.[0].address')
	ip -n $n1 neigh replace 192.0.2.2 dev veth0 lladdr 02:00:00:00:00:99 nud permanent
	in_ns $n1 tcpdump -Z root -i veth0 -U -c 1 -w "$keydir/held.pcap" "udp dst port $port2" 2>/dev/null &
	capture=$!
	wait_for 10 capture_ready
	in_ns $n1 ping -c 1 -W 1 10.10.0.2 >/dev/null
	wait_for 10 captured
	wait $capture
	tail -c +83 "$keydir/held.pcap" >"$keydir/held"
	ip -n $n1 neigh replace 192.0.2.2 dev veth0 lladdr "$mac" nud permanent
	# Newer packets arrive from n1's address.
	in_ns $n1 ping -c 4 -i 0.2 -W 2 10.10.0.2 >/dev/null
	ok $? "$encap: newer packets get through after the held one ($(stat -c %s "$keydir/held") bytes)"

	before=$(rx_packets)
	replays=$(counter $n2 drop_replay)
	in_ns $n3 bash -c "cat '$keydir/held' >/dev/udp/198.51.100.2/$port2"
	wait_for 5 rx_packets_are $((before + 1))
	is "$(($(rx_packets) - before))/$(($(counter $n2 drop_replay) - replays))" "1/0" \
		"$encap: the held packet, sent from n3, authenticates and is no replay"
	is "$(peer_endpoint $n2 1)" "192.0.2.1:$port1" "$encap: n2's endpoint for n1 did not move to n3"

	# The monitor is live (a real roam is reported); it reported nothing for n3.
	roam_address=1
	wait_for 30 roam_until_reported
	! grep -q "198.51.100.3" "$keydir/events" && grep -q "192.0.2.1[12]:" "$keydir/events"
	ok $? "$encap: endpoint-changed only for n1's real move ($(tr '\n' ' ' <"$keydir/events"))"
	kill $monitor
	tap_cleanup
	tap_namespaces=()
done
done_testing
