#!/bin/bash
# burrow-vm: distro-only (needs nf_tables and conntrack, which the debug kernel is built without)
# The outer datagram carries nothing of the inner packet's state. Over an
# IPv6 outer path, the encrypted packets leave with their own conntrack
# entry (IPv6, UDP), never with the inner IPv4 flow's; over both families
# the device's tx_bytes counts exactly the UDP payloads sent (the inner
# headers are reset, so the tunnel layer's accounting is right).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 5

# rules NS: counters on the outer datagrams n1 sends to n2's port
rules() {
	in_ns $n1 nft -f - <<RULES
table inet t {
	counter inner4 {}
	counter outer6 {}
	counter sent {}
	chain o {
		type filter hook output priority 0;
		meta nfproto ipv6 udp dport $port2 ct l3proto ipv4 counter name inner4
		meta nfproto ipv6 udp dport $port2 ct l3proto ipv6 counter name outer6
		udp dport $port2 counter name sent
	}
}
RULES
}
nft_counter() { in_ns $n1 nft -j list counter inet t "$1" | jq ".nftables[1].counter.$2"; }
tx_bytes() { ip -n $n1 -j -s link show burrow0 | jq '.[0].stats64.tx.bytes'; }

for outer in 6 4; do
	two_nodes $outer
	rules
	ok $? "outer IPv$outer: nft counters on n1's outer datagrams"
	before=$(tx_bytes)
	in_ns $n1 ping -c 5 -i 0.2 -W 2 10.10.0.2 >/dev/null
	in_ns $n1 ping -c 3 -i 0.2 -W 2 -s 1000 fd10::2 >/dev/null
	sent=$(nft_counter sent packets) bytes=$(nft_counter sent bytes)
	headers=$((outer == 6 ? 48 : 28))
	if [ $outer = 6 ]; then
		is "$(nft_counter inner4 packets)/$(( $(nft_counter outer6 packets) > 0 ))" "0/1" \
			"outer IPv6: no datagram carries the inner IPv4 conntrack; they have their own"
	fi
	is "$(($(tx_bytes) - before))" "$((bytes - headers * sent))" \
		"outer IPv$outer: burrow0 tx_bytes is the UDP payload of the $sent datagrams ($bytes bytes with headers)"
	tap_cleanup
	tap_namespaces=()
done
done_testing
