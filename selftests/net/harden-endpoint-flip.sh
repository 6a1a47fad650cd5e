#!/bin/bash
# burrow-vm: distro-only (needs nf_tables, which the debug kernel is built without)
# The route cache follows the endpoint: while n1's endpoint for n2 flips
# between n2's IPv4 and IPv6 address under load, every outer datagram
# leaves through the output path of its own family. A route cached for the
# previous endpoint would send an IPv4 datagram through ip6_output (or IPv6
# through ip_output); an nft counter in the postrouting hook of each family
# counts packets whose IP version nibble belongs to the other family.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 5

two_nodes 4
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"
in_ns $n1 nft -f - <<RULES
table inet t {
	counter wrong {}
	counter sent {}
	chain p {
		type filter hook postrouting priority 0;
		meta nfproto ipv6 @nh,0,4 4 counter name wrong
		meta nfproto ipv4 @nh,0,4 6 counter name wrong
		udp dport $port2 counter name sent
	}
}
RULES
ok $? "nft counters for wrong-family datagrams on n1"
nft_packets() { in_ns $n1 nft -j list counter inet t "$1" | jq '.nftables[1].counter.packets'; }

in_ns $n2 iperf3 -s -1 -D -p 5201
server_up() { in_ns $n2 ss -ltn | grep -q ':5201 '; }
wait_for 10 server_up
in_ns $n1 iperf3 -c 10.10.0.2 -p 5201 -u -b 40M -l 1000 -t 60 >"$keydir/iperf" 2>&1 &
load=$!
# Endpoint changes as fast as one burrow-nl process can make them.
flips=400
for i in $(seq $((flips / 2))); do
	echo "peer set burrow0 id 1 endpoint [fd00:2::2]:$port2"
	echo "peer set burrow0 id 1 endpoint 192.0.2.2:$port2"
done >"$keydir/flips"
load_running() { grep -q "sec" "$keydir/iperf"; }
wait_for 10 load_running
in_ns $n1 burrow-nl -batch "$keydir/flips"
ok $? "$flips endpoint changes under load"
kill $load
wait $load 2>/dev/null
diag "$flips endpoint changes, $(nft_packets sent) datagrams to n2's port"
is "$(nft_packets wrong)" 0 "no datagram left through the other family's output path"
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel still works"
done_testing
