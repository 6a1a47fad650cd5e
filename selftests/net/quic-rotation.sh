#!/bin/bash
# Make-before-break key rotation under load in quic mode: while iperf3 TCP
# runs, both sides install the next key generation in the secondary slot,
# swap and delete the old one, three times; each generation flips the key
# phase (the low bit of the key id). TCP must survive, nothing may fail to
# decrypt.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 9

quic_nodes 4 chacha20-poly1305
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "quic tunnel is up"

in_ns $n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns $n2 ss -ltn sport = :5201
in_ns $n1 iperf3 -c 10.10.0.2 -t 300 -b $background_rate >/dev/null 2>&1 &
iperf=$!

primary_key_used() {
	in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
	[ "$(in_ns "$1" burrow-nl -j key show burrow0 peer 1 slot primary | jq ".[0].rx_packets")" -gt 0 ]
}
step() {
	local description=$1
	shift
	"$@" || { diag "generation $generation: $description failed"; status=1; }
}

status=0
for generation in 2 3 4; do
	make_quic_key chacha20-poly1305 "$keydir/k12.$generation" 12
	make_quic_key chacha20-poly1305 "$keydir/k21.$generation" 21
	step "n1 install" install_key $n1 1 secondary $generation chacha20-poly1305 \
		"$keydir/k12.$generation" "$keydir/k21.$generation"
	step "n2 install" install_key $n2 1 secondary $generation chacha20-poly1305 \
		"$keydir/k21.$generation" "$keydir/k12.$generation"
	step "n1 swap" in_ns $n1 burrow-nl key swap burrow0 peer 1
	step "n2 swap" in_ns $n2 burrow-nl key swap burrow0 peer 1
	step "n2 receives on the new key" wait_for 30 primary_key_used $n2 10.10.0.1
	step "n1 receives on the new key" wait_for 30 primary_key_used $n1 10.10.0.2
	step "n1 delete" in_ns $n1 burrow-nl key del burrow0 peer 1 slot secondary
	step "n2 delete" in_ns $n2 burrow-nl key del burrow0 peer 1 slot secondary
done
ok $status "three rotations with key-phase flips: install secondary, swap, delete old"
kill -0 $iperf 2>/dev/null
ok $? "the iperf3 TCP stream survived the rotations"
received=$(peer_json $n2 1 | jq .rx_bytes)
more_received() { [ "$(peer_json $n2 1 | jq .rx_bytes)" -gt $((received + 100000)) ]; }
wait_for 20 more_received
ok $? "and still moves data on the last key"
kill $iperf
wait $iperf 2>/dev/null
is "$(counter $n1 drop_decrypt)$(counter $n2 drop_decrypt)" 00 "no decryption failures"
is "$(counter $n1 drop_no_key)$(counter $n2 drop_no_key)" 00 "no packet for a key phase without a key"
is "$(in_ns $n1 burrow-nl -j key show burrow0 peer 1 slot primary | jq ".[0].key_id")" 4 \
	"n1 ends on the last generation"
# The key phase is tied to the key id: a same-phase key next to the primary is refused.
make_quic_key chacha20-poly1305 "$keydir/k12.6" 12
make_quic_key chacha20-poly1305 "$keydir/k21.6" 21
run_fails "a secondary key in the primary's key phase is refused" 2 \
	"key id has the key phase of the peer's other slot" \
	install_key $n1 1 secondary 6 chacha20-poly1305 "$keydir/k12.6" "$keydir/k21.6"
make_key chacha20-poly1305 "$keydir/k12.nohp"
make_key chacha20-poly1305 "$keydir/k21.nohp"
run_fails "a key without header-protection keys is refused on a quic peer" 2 \
	"needs encrypt-hp-key and decrypt-hp-key" \
	install_key $n1 1 secondary 5 chacha20-poly1305 "$keydir/k12.nohp" "$keydir/k21.nohp"
done_testing
