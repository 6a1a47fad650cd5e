#!/bin/bash
# burrowd with quic encapsulation: both nodes prefer quic, so the kernel
# sends RFC 9000 short headers with the data connection ids the HELLOs
# carried and header-protection keys from the TLS exporter, on the same
# socket as the control connection (docs/security.md). Traffic must flow,
# rotations must flip the key phase, and the control connection's own
# short-header packets must still reach burrowd.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 13

bd_encaps="quic, udp"
bd_nodes
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"
is "$(bd_json 1 | jq -r '.peers[0].encapsulation') $(bd_json 2 | jq -r '.peers[0].encapsulation')" \
	"quic quic" "both nodes chose quic encapsulation"

settled() {
	p1=$(bd_peer_json 1 n2) && p2=$(bd_peer_json 2 n1) &&
		[ "$(jq -r .encap <<<"$p1") $(jq -r .encap <<<"$p2")" = "quic quic" ] &&
		[ "$(jq -r .local_cid <<<"$p1")" = "$(jq -r .remote_cid <<<"$p2")" ] &&
		[ "$(jq -r .remote_cid <<<"$p1")" = "$(jq -r .local_cid <<<"$p2")" ]
}
wait_for 30 settled
ok $? "both kernel peers are quic, each one's local-cid the other's remote-cid" ||
	diag "n1: $(jq -c '{encap, local_cid, remote_cid}' <<<"$p1")" \
		"n2: $(jq -c '{encap, local_cid, remote_cid}' <<<"$p2")"
[ "$(jq -r .local_cid <<<"$p1" | tr -d ':' | wc -c)" -eq 17 ]
ok $? "the local-cid has the device's quic-cid-len (8 bytes)" || diag "$(jq -r .local_cid <<<"$p1")"

run_ok "ping through the quic tunnel" tunnel_ping burrow-n1 10.10.0.2

in_ns burrow-n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns burrow-n2 ss -ltn sport = :5201
# Paced, as in burrowd-rotation: the control stream must not queue behind
# a saturated emulated link.
in_ns burrow-n1 iperf3 -c 10.10.0.2 -t 300 -b $background_rate >"$bd_dir/iperf.log" 2>&1 &
iperf=$!

status=0
phases=""
# generation 2 comes by itself right after up (forward secrecy)
wait_for 30 bd_generation_is 2 && wait_for 10 bd_old_key_gone ||
	{ diag "generation 2 not reached after up"; status=1; }
for generation in 3 4 5; do
	out=$(in_ns burrow-n1 burrowd rotate n2 -c "$(bd_conf 1)" 2>&1) ||
		{ diag "generation $generation: burrowd rotate: $out"; status=1; break; }
	wait_for 30 bd_generation_is $generation ||
		{ diag "generation $generation not reached"; status=1; break; }
	wait_for 10 bd_old_key_gone || { diag "generation $generation: old key still installed"; status=1; break; }
	phases+="$(($(in_ns burrow-n2 burrow-nl -j key show burrow0 peer "$(bd_kid 2 n1)" slot primary | jq '.[0].key_id') & 1))"
done
ok_or_logs $status "three rotations in quic mode, each reaching both nodes"
is "$phases" "101" "each generation flipped the key phase (low bit of the key id)"

bd_iperf_survived $iperf

drops() {
	local n c out=""
	for n in 1 2; do
		for c in drop_decrypt drop_bad_header drop_no_key drop_quic_short drop_quic_reserved \
			drop_quic_frame drop_quic_datagram_id; do
			out+="$(counter "burrow-n$n" $c)"
		done
	done
	echo "$out"
}
is "$(drops)" 00000000000000 "no drops for decryption, header, key phase or quic framing on either node"
[ "$(counter burrow-n1 rx_to_userspace)" -gt 0 ] && [ "$(counter burrow-n2 rx_to_userspace)" -gt 0 ]
ok $? "the control connection's packets still reach burrowd on both nodes"
is "$(bd_json 1 | jq -r '.peers[0].state')" up "n1's session is still up"
bd_stop 1
ok $? "SIGTERM: n1 exits 0"
done_testing
