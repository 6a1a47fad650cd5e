#!/bin/bash
# burrow-vm: distro-only (HELLO negotiation and config in burrowd; the l2 kernel paths it drives are covered on the debug kernel by l2-bridge, l2-vlan and l2-fragment)
# burrowd in mode l2: two nodes whose configs say 'mode = l2' and list
# segments per peer. burrowd creates the missing device in mode l2, both
# HELLOs carry the mode and the segments, the kernel peers get the
# intersection of the two lists (and the configured mac_limit/flood_rate),
# and the tunnel carries untagged and VLAN 10 frames (ARP and ping) but not
# VLAN 20, which only one side listed. Then a node whose device is l2 but
# whose config says l3 refuses to start, and an l3 node against an l2 node
# is refused by both with the same reason, in the log and in status.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 19

# bd_l2_conf N MODE [PEER_KEYS...]: node N's config, its peer the other node.
bd_l2_conf() {
	local n=$1 mode=$2 other=$((3 - $1))
	shift 2
	{
		bd_node_section "$n" "n$n"
		echo "mode = $mode"
		echo "encapsulations = udp"
		echo
		echo "[peer n$other]"
		echo "public_key = ${bd_key[$other]}"
		echo "endpoint = 192.0.2.$other:5182$other"
		printf '%s\n' "$@"
	} >"$(bd_conf "$n")"
}

for n in 1 2; do
	ns_add "burrow-n$n"
	mkdir -p "$bd_dir/n$n"
	bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
done
ip -n burrow-n1 link add veth0 type veth peer name veth0 netns burrow-n2
for n in 1 2; do
	ip -n "burrow-n$n" addr add "192.0.2.$n/24" dev veth0
	ip -n "burrow-n$n" link set veth0 up
done
bd_l2_conf 1 l2 "segments = 0, 20, 10" "mac_limit = 64" "flood_rate = 500"
bd_l2_conf 2 l2 "segments = 10,0,30"

bd_start 1
bd_start 2
is "$(in_ns burrow-n1 ip -d -j link show burrow0 | jq -r '.[0].link_type')" ether \
	"burrowd created the missing device as an Ethernet (l2) device"
is "$(in_ns burrow-n1 burrow-nl -j dev show burrow0 | jq -r '.[0].mode')" l2 \
	"burrow-nl dev show: mode l2"
wait_for 90 bd_both_up
ok_or_logs $? "both l2 sessions come up"

json1=$(bd_json 1)
json2=$(bd_json 2)
is "$(jq -r '.peers[0].mode' <<<"$json1") $(jq -r '.peers[0].mode' <<<"$json2")" "l2 l2" \
	"status: both sessions are in mode l2"
is "$(jq -c '.peers[0].segments' <<<"$json1")" "[0,10]" \
	"n1 status: the segments are the intersection of {0,10,20} and {0,10,30}"
is "$(jq -c '.peers[0].segments' <<<"$json2")" "[0,10]" "n2 status: the same intersection"
is "$(bd_peer_json 1 n2 | jq -c .segments)" "[0,10]" "n1 kernel peer: segments 0,10"
is "$(bd_peer_json 2 n1 | jq -c .segments)" "[0,10]" "n2 kernel peer: segments 0,10"
is "$(bd_peer_json 1 n2 | jq -c '[.mac_limit, .flood_rate]')" "[64,500]" \
	"n1 kernel peer: the configured mac_limit and flood_rate"
is "$(bd_peer_json 2 n1 | jq -c '[.mac_limit, .flood_rate]')" "[1024,1000]" \
	"n2 kernel peer: the kernel's default mac_limit and flood_rate"
bd_log_has 1 "mode l2, segments 0,10"
ok $? "n1 logs the negotiated mode and segments"
is "$(in_ns burrow-n1 ip -j link show burrow0 | jq -r '.[0].mtu')" 1500 \
	"burrowd leaves the l2 device's MTU at 1500 (the kernel fragments)"

# Addressed: untagged on burrow0, VLANs 10 and 20 on 802.1Q sub-interfaces.
for n in 1 2; do
	ip -n "burrow-n$n" link set burrow0 up
	ip -n "burrow-n$n" addr add "10.10.0.$n/24" dev burrow0
	for v in 10 20; do
		ip -n "burrow-n$n" link add link burrow0 name "burrow0.$v" type vlan id "$v"
		ip -n "burrow-n$n" addr add "10.10.$v.$n/24" dev "burrow0.$v"
		ip -n "burrow-n$n" link set "burrow0.$v" up
	done
done
run_ok "untagged: n1 pings n2 over the l2 tunnel (ARP included)" tunnel_ping burrow-n1 10.10.0.2
run_ok "VLAN 10 (both listed it): n1 pings n2" tunnel_ping burrow-n1 10.10.10.2
in_ns burrow-n1 ping -c 2 -i 0.3 -W 1 10.10.20.2 >/dev/null 2>&1
ok $((!$?)) "VLAN 20 (only n1 listed it) does not cross the tunnel"

# n2's config now says l3 while its device is l2: refused at start.
bd_stop 2
bd_l2_conf 2 l3
run_fails "a config in mode l3 refuses the existing l2 device" 1 \
	"device 'burrow0' is in mode l2, the configuration says mode = l3" \
	in_ns burrow-n2 timeout 20 burrowd run -c "$(bd_conf 2)"

# With the device gone, burrowd makes an l3 one; the l2 peer refuses it.
ip -n burrow-n2 link del burrow0
bd_start 2
is "$(in_ns burrow-n2 ip -j link show burrow0 | jq -r '.[0].link_type')" none \
	"burrowd created the missing device in mode l3 (link/none)"
mismatch_seen() {
	[[ $(bd_json 1 | jq -r '.peers[0].last_error') == *"link mode mismatch: client is l"?", server is l"? ]] &&
		[[ $(bd_json 2 | jq -r '.peers[0].last_error') == *"link mode mismatch: client is l"?", server is l"? ]]
}
wait_for 60 mismatch_seen
ok_or_logs $? "both nodes show the mode mismatch as the peer's last error in status"
bd_log_has 1 "link mode mismatch" && bd_log_has 2 "link mode mismatch"
ok_or_logs $? "both nodes log the mode mismatch"

done_testing
