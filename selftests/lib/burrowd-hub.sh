# shellcheck shell=bash
# Three burrowd nodes in namespaces, a hub and two members: the topology of
# 'make demo' and burrowd-negotiate.sh. Source after burrowd.sh.
#
#   bd_hub_nodes
#     burrow-n1 (hub "hub"): veth2 192.0.2.1/24 to n2, veth3 198.51.100.1/24
#       to n3, IPv4 forwarding on; config: address 10.99.0.1/24, pool
#       10.99.0.0/24, advertises 10.99.0.0/24; members may announce
#       prefixes inside 10.20.0.0/16.
#     burrow-n2 (member "m2", 192.0.2.2) and burrow-n3 (member "m3",
#       198.51.100.3) dial the hub, request an address, accept routes
#       inside 10.99.0.0/24; m2 advertises 10.20.2.0/24 (allowed), m3
#       10.20.3.0/24 (allowed) and 192.168.30.0/24 (not allowed).
#     Each has an empty burrow0 (up, no address: burrowd adds them).
#   bd_routes_json N / bd_addresses_json N     'burrowd routes|addresses -j'
#   bd_assigned N                              address the hub gave member N
#   bd_peer_up N NAME                          node N's session with NAME is up

bd_hub_write_member() {
	local n=$1 hub_ip=$2 routes=$3
	{ bd_node_section "$n" "m$n"; cat <<EOC; } >"$(bd_conf "$n")"
advertise_routes = $routes

[peer hub]
public_key = ${bd_key[1]}
endpoint = $hub_ip:51821
request_address = auto
may_announce = 10.99.0.0/24
EOC
}

bd_hub_nodes() {
	local n
	for n in 1 2 3; do
		ns_add "burrow-n$n"
		mkdir -p "$bd_dir/n$n"
	done
	ip -n burrow-n1 link add veth2 type veth peer name veth0 netns burrow-n2
	ip -n burrow-n1 link add veth3 type veth peer name veth0 netns burrow-n3
	ip -n burrow-n1 addr add 192.0.2.1/24 dev veth2
	ip -n burrow-n1 addr add 198.51.100.1/24 dev veth3
	ip -n burrow-n2 addr add 192.0.2.2/24 dev veth0
	ip -n burrow-n3 addr add 198.51.100.3/24 dev veth0
	ip -n burrow-n1 link set veth2 up
	ip -n burrow-n1 link set veth3 up
	in_ns burrow-n1 sysctl -qw net.ipv4.ip_forward=1
	for n in 1 2 3; do
		[ "$n" = 1 ] || ip -n "burrow-n$n" link set veth0 up
		ip -n "burrow-n$n" link add burrow0 type burrow
		ip -n "burrow-n$n" link set burrow0 up
		bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	done
	{ bd_node_section 1 hub; cat <<EOC; } >"$(bd_conf 1)"
address = 10.99.0.1/24
address_pool = 10.99.0.0/24
advertise_routes = 10.99.0.0/24

[peer m2]
public_key = ${bd_key[2]}
may_announce = 10.20.0.0/16

[peer m3]
public_key = ${bd_key[3]}
may_announce = 10.20.0.0/16
EOC
	bd_hub_write_member 2 192.0.2.1 10.20.2.0/24
	bd_hub_write_member 3 198.51.100.1 "10.20.3.0/24, 192.168.30.0/24"
}

bd_routes_json() { in_ns "$(bd_ns "$1")" burrowd routes -j -c "$(bd_conf "$1")"; }
bd_addresses_json() { in_ns "$(bd_ns "$1")" burrowd addresses -j -c "$(bd_conf "$1")"; }
bd_assigned() { bd_addresses_json "$1" | jq -r '.peers[0].assigned_by_peer | join(",")'; }
bd_peer_up() {
	[ "$(bd_json "$1" | jq -r --arg p "$2" '.peers[] | select(.name == $p) | .state')" = up ]
}
