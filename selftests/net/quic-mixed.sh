#!/bin/bash
# One device with a quic peer and a udp peer: n1's burrow0 talks quic to
# n2 and udp to n3 on the same socket, and both work at the same time.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 9

n3=burrow-n3
port3=51822
quic_nodes 4 aes-128-gcm
ns_add $n3
ip -n $n1 link add veth1 type veth peer name veth1 netns $n3
ip -n $n1 addr add 192.0.3.1/24 dev veth1
ip -n $n3 addr add 192.0.3.3/24 dev veth1
ip -n $n1 link set veth1 up
ip -n $n3 link set veth1 up
ip -n $n3 link add burrow0 type burrow
ip -n $n3 addr add 10.10.0.3/24 dev burrow0
ip -n $n3 link set burrow0 up
in_ns $n3 burrow-nl dev set burrow0 listen $port3
in_ns $n3 burrow-nl peer add burrow0 id 2 endpoint 192.0.3.1:$port1 allowed-ips 10.10.0.1/32
in_ns $n1 burrow-nl peer add burrow0 id 2 endpoint 192.0.3.3:$port3 allowed-ips 10.10.0.3/32
make_key aes-128-gcm "$keydir/k13"
make_key aes-128-gcm "$keydir/k31"
install_key $n1 2 primary 1 aes-128-gcm "$keydir/k13" "$keydir/k31"
install_key $n3 2 primary 1 aes-128-gcm "$keydir/k31" "$keydir/k13"

is "$(peer_json $n1 1 | jq -r .encap) $(peer_json $n1 2 | jq -r .encap)" "quic udp" \
	"n1 has a quic peer and a udp peer"
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "n1 -> n2 over quic"
tunnel_ping $n1 10.10.0.3 >/dev/null
ok $? "n1 -> n3 over udp"
tunnel_ping $n3 10.10.0.1 >/dev/null
ok $? "n3 -> n1 over udp"

# Both at once: iperf3 to n2 (quic) while n3 pings n1 (udp).
in_ns $n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns $n2 ss -ltn sport = :5201
in_ns $n3 ping -c 10 -i 0.2 10.10.0.1 >"$keydir/ping3" 2>&1 &
pinger=$!
run_ok "iperf3 TCP to the quic peer" in_ns $n1 iperf3 -c 10.10.0.2 -t 2 -J
wait $pinger
ok $? "meanwhile the udp peer's pings all came back"

json1=$(peer_json $n1 1)
json2=$(peer_json $n1 2)
[ "$(jq .rx_packets <<<"$json1")" -gt 100 ] && [ "$(jq .rx_packets <<<"$json2")" -ge 10 ]
ok $? "both peers received ($(jq -c '{rx_packets}' <<<"$json1") $(jq -c '{rx_packets}' <<<"$json2"))"
is "$(counter $n1 drop_decrypt)$(counter $n1 drop_bad_header)$(counter $n1 drop_unknown_id)" 000 \
	"n1: no decryption, header or receiver-id drops"
is "$(counter $n1 rx_to_userspace)" 0 "n1: nothing of either peer left to userspace"
done_testing
