#!/bin/bash
# Two nodes over the quic encapsulation, for every cipher and both outer
# address families: ping both ways over both inner families, iperf3 TCP
# and UDP, and the counters that must move (and the ones that must not).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"

ciphers="chacha20-poly1305 aes-128-gcm aes-256-gcm"
outers="4 6"
# The debug kernel is several times slower: IPv4 outside only there.
[[ $(uname -r) == *burrow-debug* ]] && outers=4
plan $((3 * (7 * $(wc -w <<<"$outers") + 2)))

for cipher in $ciphers; do
	for outer in $outers; do
		quic_nodes $outer $cipher
		is "$(peer_json $n1 1 | jq -r '.encap + " " + .local_cid + " " + .remote_cid')" \
			"quic $cid1 $cid2" "$cipher/v$outer: n1's peer is quic with its CIDs"
		tunnel_ping $n1 10.10.0.2 >/dev/null
		ok $? "$cipher: v4 in v$outer ping n1 -> n2"
		tunnel_ping $n2 fd10::1 >/dev/null
		ok $? "$cipher: v6 in v$outer ping n2 -> n1"

		if [ $outer = 4 ]; then
			in_ns $n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
			wait_for 10 in_ns $n2 ss -ltn sport = :5201
			run_ok "$cipher: iperf3 TCP over v4 in v4" \
				in_ns $n1 iperf3 -c 10.10.0.2 -t 2 -J
			in_ns $n2 iperf3 -s -1 -D -B fd10::2 >/dev/null
			wait_for 10 in_ns $n2 ss -ltn sport = :5201
			run_ok "$cipher: iperf3 UDP over v6 in v4" \
				in_ns $n1 iperf3 -c fd10::2 -u -b 20M -t 2 -J
		fi

		json=$(peer_json $n2 1)
		[ "$(jq .rx_packets <<<"$json")" -gt 0 ] && [ "$(jq .tx_packets <<<"$json")" -gt 0 ]
		ok $? "$cipher/v$outer: peer counters moved ($(jq -c '{rx_packets,tx_packets}' <<<"$json"))"
		is "$(counter $n2 drop_decrypt)$(counter $n1 drop_decrypt)" 00 \
			"$cipher/v$outer: no decryption failures"
		is "$(counter $n2 drop_replay)$(counter $n1 drop_replay)$(counter $n2 drop_quic_frame)" 000 \
			"$cipher/v$outer: nothing counted as replay or bad frame"
		# Every tunnel packet went through the quic path, none to userspace.
		is "$(counter $n2 rx_to_userspace)$(counter $n1 rx_to_userspace)" 00 \
			"$cipher/v$outer: no packet left to userspace"
		tap_cleanup
		tap_namespaces=()
	done
done
done_testing
