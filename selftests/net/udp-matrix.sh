#!/bin/bash
# Two nodes over the udp encapsulation, for every cipher and every pairing
# of inner and outer address family: ping both ways, iperf3 TCP and UDP,
# and the counters that must move (and the ones that must not).
#
# One topology per outer family; the ciphers take turns on it by replacing
# the primary key on both sides while the tunnel is quiet (building the
# namespaces again for every cipher costs minutes on the debug kernel).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"

ciphers="chacha20-poly1305 aes-128-gcm aes-256-gcm"
plan 46

# rekey CIPHER KEY_ID: both sides drop the primary key and install a new
# pair for CIPHER.
rekey() {
	local cipher=$1 key_id=$2 status=0
	make_key "$cipher" "$keydir/k12"
	make_key "$cipher" "$keydir/k21"
	for side in 1 2; do
		local ns=burrow-n$side tx=k12 rx=k21
		[ $side = 2 ] && tx=k21 rx=k12
		in_ns $ns burrow-nl key del burrow0 peer 1 slot primary || status=1
		install_key $ns 1 primary "$key_id" "$cipher" "$keydir/$tx" "$keydir/$rx" || status=1
	done
	return $status
}

for outer in 4 6; do
	key_id=1
	for cipher in $ciphers; do
		if [ $key_id = 1 ]; then
			two_nodes $outer $cipher
		else
			rekey $cipher $key_id
			ok $? "$cipher/v$outer: both sides switched to a $cipher key"
		fi
		tunnel_ping $n1 10.10.0.2 >/dev/null
		ok $? "$cipher: v4 in v$outer ping n1 -> n2"
		tunnel_ping $n2 fd10::1 >/dev/null
		ok $? "$cipher: v6 in v$outer ping n2 -> n1"
		is "$(in_ns $n2 burrow-nl -j key show burrow0 peer 1 | jq -r '.[] | select(.slot == "primary") | .cipher')" \
			"$cipher" "$cipher/v$outer: the primary key is $cipher"

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
		is "$(counter $n2 drop_replay)$(counter $n1 drop_replay)" 00 \
			"$cipher/v$outer: nothing counted as replay"
		key_id=$((key_id + 1))
	done
	tap_cleanup
	tap_namespaces=()
done
done_testing
