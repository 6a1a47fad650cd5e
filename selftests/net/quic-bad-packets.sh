#!/bin/bash
# Hostile input for the quic encapsulation: packets for a kernel CID that
# are too short for the header-protection sample, forged, replayed,
# truncated or random are each dropped and counted; QUIC packets that are
# not the kernel's (long headers, unknown DCIDs) reach a userspace reader on
# the device's socket untouched; the tunnel keeps working throughout.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 22

quic_nodes 4 chacha20-poly1305
# A key in each key phase on n2, so a forged packet always reaches the AEAD.
make_quic_key chacha20-poly1305 "$keydir/k12.2" 12
make_quic_key chacha20-poly1305 "$keydir/k21.2" 21
install_key $n2 1 secondary 2 chacha20-poly1305 "$keydir/k21.2" "$keydir/k12.2"
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "quic tunnel is up"
# The encoder's authentic packets below come from other source ports (bash's
# /dev/udp) and carry the highest packet numbers n2 has seen, so they would
# rightly move n2's endpoint for n1 away from n1's socket (roaming follows
# the highest packet number); pin it so the tunnel keeps working.
in_ns $n2 burrow-nl peer set burrow0 id 1 pinned on

send() { in_ns "$1" bash -c "cat '$2' >/dev/udp/192.0.2.2/$port2"; }
counter_above() { [ "$(counter $n2 "$1")" -gt "$2" ]; }
# expect_count COUNTER DESCRIPTION FILE: sending FILE raises COUNTER by one
expect_count() {
	local before after
	before=$(counter $n2 "$1")
	send $n1 "$3"
	wait_for 5 counter_above "$1" "$before"
	after=$(counter $n2 "$1")
	is "$((after - before))" 1 "$2"
}
expect_drop() { expect_count "$1" "$2 is dropped as $1" "$3"; }
packet() { printf "$2" >"$keydir/$1"; echo "$keydir/$1"; }
hexbytes() { sed 's/../\\x&/g' <<<"$1"; }

cid=$(hexbytes $cid2)
zeros16='\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
expect_drop drop_quic_short "a short header with no room for the sample" \
	"$(packet short "\x40$cid\x00\x00\x00\x00\x00\x00")"
# 1 + 8 + 4 + 15 bytes: one byte short of the sample.
packet short29 "\x40$cid\x00\x00\x00\x00$zeros16" >/dev/null
head -c 28 "$keydir/short29" >"$keydir/short28"
expect_drop drop_quic_short "a short header one byte short of the sample" "$keydir/short28"
# Header protection turns the forged bytes into some key phase and packet
# number: the AEAD refuses it, unless that number was seen already.
before=$(($(counter $n2 drop_decrypt) + $(counter $n2 drop_replay)))
send $n1 "$(packet forged "\x41$cid\x01\x02$zeros16$zeros16")"
forged_dropped() { [ $(($(counter $n2 drop_decrypt) + $(counter $n2 drop_replay))) -gt "$before" ]; }
wait_for 5 forged_dropped
is "$(($(counter $n2 drop_decrypt) + $(counter $n2 drop_replay) - before))" 1 \
	"a forged packet is dropped as drop_decrypt (or drop_replay)"

# A genuine packet, captured on the wire, sent again whole and truncated.
in_ns $n2 tcpdump -Z root -i veth0 -U -c 1 -w "$keydir/capture.pcap" "udp dst port $port2" 2>"$keydir/tcpdump.log" &
capture=$!
capture_ready() { [ "$(in_ns $n2 ss -a -0 | wc -l)" -gt 1 ]; }
wait_for 10 capture_ready
in_ns $n1 ping -c 3 -i 0.3 10.10.0.2 >/dev/null
wait $capture
tail -c +83 "$keydir/capture.pcap" >"$keydir/replayed"
diag "captured $(stat -c %s "$keydir/capture.pcap") bytes, replaying $(stat -c %s "$keydir/replayed")"
expect_drop drop_replay "a captured packet sent again" "$keydir/replayed"
head -c -5 "$keydir/replayed" >"$keydir/truncated"
expect_drop drop_replay "a captured packet cut short (same packet number)" "$keydir/truncated"
head -c 20 "$keydir/replayed" >"$keydir/truncated20"
expect_drop drop_quic_short "a captured packet cut before the end of the sample" "$keydir/truncated20"

# Authentic packets (forged with n1's send key by the independent encoder in
# quic-decode) whose contents a receiver must refuse after authentication,
# and a valid keepalive as the control that the encoder is right.
# forged KIND PN: the file of an encoded packet. Each needs its own PN (the
# replay window would count a repeated one as a replay), a little ahead of
# n1's own (about 10 by now): an authentic packet far ahead would move the
# receiver's largest packet number so far that n1's 1-byte packet numbers
# no longer decode (RFC 9000 A.3), as with any QUIC sender.
forged() {
	quic-decode forge chacha20-poly1305 "$keydir/k12:0" $cid2 "$2" "$1" "$keydir/forged-$1"
	echo "$keydir/forged-$1"
}
expect_count rx_keepalives "control: an encoded PADDING-only packet is accepted as a keepalive" \
	"$(forged keepalive 90)"
expect_drop drop_quic_reserved "an authentic packet with reserved bits set" "$(forged reserved 91)"
expect_drop drop_quic_frame "a PING frame" "$(forged ping 92)"
expect_drop drop_quic_frame "a DATAGRAM whose length runs past the packet" "$(forged truncated 93)"
expect_drop drop_quic_frame "a second DATAGRAM after a DATAGRAM with a length" "$(forged second 94)"
expect_drop drop_quic_datagram_id "context ID 1" "$(forged context 95)"
expect_drop drop_quic_datagram_id "quarter stream ID 1" "$(forged stream 96)"
# RFC 9000 §12.4: no frames at all. With a 4-byte packet number (what a
# sender uses from 8388607 on) the tag alone covers the sample.
expect_drop drop_quic_frame "an authentic packet with no frames (4-byte PN, tag only)" "$(forged empty 97)"

# Random datagrams for the kernel's CID: each one dropped under some reason.
rx_drops() {
	local total=0 reason
	for reason in drop_quic_short drop_decrypt drop_no_key drop_replay drop_quic_reserved \
		drop_quic_frame drop_quic_datagram_id; do
		total=$((total + $(counter $n2 $reason)))
	done
	echo $total
}
# The debug kernel is several times slower: 20 of them there.
garbage=100
[[ $(uname -r) == *burrow-debug* ]] && garbage=20
before=$(rx_drops)
for i in $(seq $garbage); do
	{ printf "\\x$(printf %02x $((0x40 | RANDOM % 64)))$cid"
	  head -c $((RANDOM % 200)) /dev/urandom; } >"$keydir/garbage"
	send $n1 "$keydir/garbage"
done
drops_reached() { [ "$(rx_drops)" -ge "$1" ]; }
wait_for 10 drops_reached $((before + garbage))
is "$(($(rx_drops) - before))" $garbage "$garbage random datagrams for the kernel's CID, $garbage drops counted"

# Packets that are not the kernel's reach a reader on the device's socket.
in_ns $n2 quic-reader burrow0 $port2 30 2 >"$keydir/reader.out" 2>"$keydir/reader.err" &
reader=$!
reader_ready() { grep -q ready "$keydir/reader.out"; }
wait_for 10 reader_ready
ok $? "a userspace reader holds the attached socket"
# While the reader keeps it open: its socket only stays attached as long
# as a descriptor of it does (docs/operations.md).
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel works on the reader's socket"
before=$(counter $n2 rx_to_userspace)
send $n1 "$(packet unknown-cid "\x40\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\x00\x01$zeros16$zeros16")"
send $n1 "$(packet long "\xc0\x00\x00\x00\x01\x08$cid\x00$zeros16")"
wait $reader
diag "reader: $(tr '\n' ' ' <"$keydir/reader.out") $(cat "$keydir/reader.err")"
grep -qx "40dddddddddddddddd0001$(printf '0%.0s' $(seq 64))" "$keydir/reader.out"
ok $? "a short header for an unknown DCID reaches the reader byte for byte"
grep -qx "c00000000108${cid2}00$(printf '0%.0s' $(seq 32))" "$keydir/reader.out"
ok $? "a long-header packet reaches the reader, even with the kernel's CID in it"
is "$(($(counter $n2 rx_to_userspace) - before))" 2 "both were counted as rx-to-userspace"
is "$(in_ns $n2 burrow-nl -j dev show burrow0 | jq -c '.[0].socket_family')" null \
	"the reader exited: its socket is detached, not kept by the device"
done_testing
