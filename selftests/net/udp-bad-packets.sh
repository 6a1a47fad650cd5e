#!/bin/bash
# Hostile input on the tunnel's UDP port: every kind of bad packet is
# dropped and counted under its own reason, and the tunnel keeps working.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 14

two_nodes 4 chacha20-poly1305
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"

# send NS FILE: one datagram from NS to n2's tunnel port
send() { in_ns "$1" bash -c "cat '$2' >/dev/udp/192.0.2.2/$port2"; }
# counter_above COUNTER VALUE: n2's COUNTER is above VALUE
counter_above() { [ "$(counter $n2 "$1")" -gt "$2" ]; }
# expect_drop COUNTER DESCRIPTION FILE: sending FILE raises COUNTER by one
expect_drop() {
	local before after
	before=$(counter $n2 "$1")
	send $n1 "$3"
	wait_for 5 counter_above "$1" "$before"
	after=$(counter $n2 "$1")
	is "$((after - before))" 1 "$2 is dropped as $1"
}
packet() { printf "$2" >"$keydir/$1"; echo "$keydir/$1"; }

zeros16='\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
expect_drop drop_bad_header "an unknown type byte" \
	"$(packet bad-type "\x05\x01\x00\x00\x00\x00\x00\x01$zeros16$zeros16")"
expect_drop drop_bad_header "a packet shorter than the header" \
	"$(packet truncated '\x01\x01\x00\x00\x00\x00\x00\x01')"
expect_drop drop_bad_header "a header without room for a tag" \
	"$(packet no-tag "\x01\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01")"
expect_drop drop_bad_header "nonzero reserved bits" \
	"$(packet reserved "\x01\x01\x00\x01\x00\x00\x00\x01$zeros16$zeros16")"
expect_drop drop_unknown_id "an unknown receiver id" \
	"$(packet unknown-id "\x01\x01\x00\x00\x00\x00\x00\x63$zeros16$zeros16")"
expect_drop drop_no_key "an unknown key id" \
	"$(packet unknown-key "\x01\x09\x00\x00\x00\x00\x00\x01$zeros16$zeros16")"
expect_drop drop_decrypt "a forged ciphertext" \
	"$(packet forged "\x01\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x0f\x42\x40$zeros16$zeros16")"

# A genuine packet, captured on the wire and sent again.
in_ns $n2 tcpdump -Z root -i veth0 -U -c 1 -w "$keydir/capture.pcap" "udp dst port $port2" 2>"$keydir/tcpdump.log" &
capture=$!
capture_ready() { [ "$(in_ns $n2 ss -a -0 | wc -l)" -gt 1 ]; }
wait_for 10 capture_ready
in_ns $n1 ping -c 3 -i 0.3 10.10.0.2 >/dev/null
wait $capture
# pcap file header (24) + record header (16) + Ethernet, IPv4, UDP (42)
tail -c +83 "$keydir/capture.pcap" >"$keydir/replayed"
diag "$(cat "$keydir/tcpdump.log")"
diag "captured $(stat -c %s "$keydir/capture.pcap") bytes, replaying $(stat -c %s "$keydir/replayed")"
expect_drop drop_replay "a captured packet sent again" "$keydir/replayed"

# Anything that looks like QUIC is left on the socket for userspace.
before=$(counter $n2 rx_to_userspace)
send $n1 "$(packet quic "\xc0\x00\x00\x00\x01$zeros16")"
wait_for 5 counter_above rx_to_userspace "$before"
ok $? "a QUIC long-header packet is handed to userspace"

# Random garbage: every datagram is dropped, each under some reason.
rx_drops() {
	local total=0 reason
	for reason in drop_bad_header drop_unknown_id drop_no_key drop_decrypt drop_replay; do
		total=$((total + $(counter $n2 $reason)))
	done
	echo $total
}
before=$(rx_drops)
# One bash makes them all with builtins (a handful of processes per
# datagram cost seconds each under the debug kernel); cat sends each file in
# one write, so one datagram (printf would flush at every newline byte).
# First byte: a burrow type (0x40 clear), not QUIC; then 0-199 random bytes.
in_ns $n1 bash -c '
	for ((i = 0; i < 100; i++)); do
		printf -v byte %02x $((RANDOM % 64))
		datagram="\\x$byte"
		for ((j = RANDOM % 200; j > 0; j--)); do
			printf -v byte %02x $((RANDOM % 256))
			datagram+="\\x$byte"
		done
		printf %b "$datagram" >'"$keydir"'/garbage
		cat '"$keydir"'/garbage >/dev/udp/192.0.2.2/'$port2'
	done'
drops_reached() { [ "$(rx_drops)" -ge "$1" ]; }
wait_for 10 drops_reached $((before + 100))
is "$(($(rx_drops) - before))" 100 "100 random datagrams, 100 drops counted"

# An authenticated packet whose inner source the sender may not use.
ip -n $n1 addr add 10.10.99.1/32 dev burrow0
before=$(counter $n2 drop_source_not_allowed)
in_ns $n1 ping -c 1 -W 1 -I 10.10.99.1 10.10.0.2 >/dev/null
wait_for 5 counter_above drop_source_not_allowed "$before"
ok $? "a spoofed inner source is dropped as drop_source_not_allowed"

tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel still works after all that"
is "$(counter $n1 drop_decrypt)" 0 "n1 saw no decryption failures"
done_testing
