#!/bin/bash
# burrow-vm: distro-only (wire conformance of what quic-matrix already runs on the debug kernel)
# The independent decoder (selftests/quic-decoder/quic-decode.c: GnuTLS,
# no code shared with the module) decrypts what tcpdump captured of a quic
# tunnel with the keys the test installed, across a key-phase flip, for
# every cipher: header bits, packet number, DCID, DATAGRAM frame, quarter
# stream ID 0, context ID 0 and the inner IP packet.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 18

captured() { [ "$(tcpdump -r "$keydir/quic.pcap" 2>/dev/null | wc -l)" -ge "$1" ]; }
capture_ready() { [ "$(in_ns $n2 ss -a -0 | wc -l)" -gt 1 ]; }
primary_key_used() {
	in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
	[ "$(in_ns "$1" burrow-nl -j key show burrow0 peer 1 slot primary | jq ".[0].rx_packets")" -gt 0 ]
}
line="dcid=$cid2 frame=0x30 qsid=0 ctx=0 inner=ipv4 src=10.10.0.1 dst=10.10.0.2 len=84"

for cipher in chacha20-poly1305 aes-128-gcm aes-256-gcm; do
	quic_nodes 4 $cipher
	tunnel_ping $n1 10.10.0.2 >/dev/null
	# Not through a shell function: $! must be tcpdump itself, which ends
	# on SIGTERM (a background job ignores SIGINT).
	ip netns exec $n2 tcpdump -Z root -i veth0 -U --immediate-mode -w "$keydir/quic.pcap" \
		"udp dst port $port2" 2>"$keydir/tcpdump.log" &
	capture=$!
	wait_for 10 capture_ready
	in_ns $n1 ping -c 3 -i 0.2 10.10.0.2 >/dev/null
	# Next generation: key id 2, key phase 1 (key id 1 had phase 0, RFC 9001 §6).
	make_quic_key $cipher "$keydir/k12.2" 12
	make_quic_key $cipher "$keydir/k21.2" 21
	install_key $n1 1 secondary 2 $cipher "$keydir/k12.2" "$keydir/k21.2"
	install_key $n2 1 secondary 2 $cipher "$keydir/k21.2" "$keydir/k12.2"
	in_ns $n1 burrow-nl key swap burrow0 peer 1
	in_ns $n2 burrow-nl key swap burrow0 peer 1
	wait_for 10 primary_key_used $n2 10.10.0.1
	in_ns $n1 ping -c 3 -i 0.2 10.10.0.2 >/dev/null
	# 3 requests, at least one reply to n2's ping, 3 requests.
	wait_for 10 captured 7
	kill $capture
	wait $capture

	# n2 receives with k12 (key id 1, phase 0) and k12.2 (key id 2, phase 1).
	quic-decode $cipher 8 $port2 "$keydir/quic.pcap" "$keydir/k12:0" "$keydir/k12.2:1" \
		>"$keydir/decoded" 2>"$keydir/decode.err"
	ok $? "$cipher: every captured packet decodes ($(tail -1 "$keydir/decode.err"))"
	[ "$(grep -c "phase=0 $line" "$keydir/decoded")" -ge 3 ]
	ok $? "$cipher: key phase 0 for the first generation: echo requests 10.10.0.1 -> 10.10.0.2 in DATAGRAM frames"
	[ "$(grep -c "phase=1 $line" "$keydir/decoded")" -ge 3 ]
	ok $? "$cipher: key phase 1 after the rotation: the same"
	grep -m1 "phase=1" "$keydir/decoded" | grep -q "^pn=0 pn_len=1 "
	ok $? "$cipher: the new key's packet numbers start at 0, encoded in one byte"
	is "$(grep -Evc "^pn=[0-9]+ pn_len=1 phase=[01] dcid=$cid2 frame=0x30 qsid=0 ctx=0 inner=ipv[46] " "$keydir/decoded")" 0 \
		"$cipher: no packet with other header bits, DCID, frame or IDs"
	# The phase-0 packets (the first generation) come before every phase-1 one.
	is "$(awk '{ print $3 }' "$keydir/decoded" | uniq | tr '\n' ' ')" "phase=0 phase=1 " \
		"$cipher: the key phase flips once, at the rotation"
	# The capture, for tshark on the host (selftests/quic-decoder/tshark-check.sh
	# reads these lines from the serial log; tshark is too big for the guest).
	diag "quic-pcap $cipher $port2 $(od -An -v -tx1 "$keydir/quic.pcap" | tr -d ' \n')"
	tap_cleanup
	tap_namespaces=()
done
done_testing
