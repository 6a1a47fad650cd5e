# shellcheck shell=bash
# A burrow-coord mesh of three burrowd nodes, for coord-mesh.sh and the mesh
# part of 'make demo'. Source after tap.sh, burrow.sh and burrowd.sh.
#
#   mesh_nodes
#     burrow-c routes between three links and holds the coordinator's files
#     in $coord_dir (key, database, policy.json: tag:web may reach tag:web
#     and 10.20.0.0/16). Node N (burrow-nN: web1, web2, db3) sits on its own
#     link (192.0.2.1, 198.51.100.2, 203.0.113.3) with a default route through
#     burrow-c, an empty burrow0, and a config whose [coordinator] points at
#     192.0.2.254:7443 with the key file $bd_dir/nN/authkey: web1 and web2
#     get one reusable tag:web key ($web_key), db3 a single-use tag:db key.
#     web2 advertises 10.20.2.0/24 and has 10.20.2.1 on its loopback.
#     The coordinator listens on that address, not a wildcard: a wildcard
#     socket would answer web2 and db3 from the address of their link, and
#     QUIC drops packets from an address it did not dial.
#   coord ARGS...            burrow-coord on that database
#   coord_start              run it (pid in $coord_pid) until it listens; the
#                            array coord_run_args adds run arguments (dns FILE)
#   mesh_json N FILTER       jq FILTER over node N's 'burrowd status -j'
#   peer_up N NAME           node N's session with NAME is up
#   overlay4 NAME            NAME's overlay IPv4 address (no length)
#   kernel_peers N           how many peers node N's kernel device has

coord_dir=$bd_dir/coord
coord() { burrow-coord -d "$coord_dir/coord.db" "$@"; }
coord_pid=
coord_run_args=()

coord_start() {
	ip netns exec burrow-c burrow-coord -d "$coord_dir/coord.db" run listen 192.0.2.254:7443 \
		key "$coord_dir/coord.key" policy "$coord_dir/policy.json" "${coord_run_args[@]}" \
		>>"$coord_dir/log" 2>&1 &
	coord_pid=$!
	bd_pid[coord]=$coord_pid	# killed with the daemons when the script exits
	wait_for 20 in_ns burrow-c ss -Hlun sport = :7443
}

mesh_underlay=(unused 192.0.2 198.51.100 203.0.113)
mesh_name=(unused web1 web2 db3)

mesh_nodes() {
	local n
	ns_add burrow-c
	in_ns burrow-c sysctl -qw net.ipv4.ip_forward=1
	mkdir -p "$coord_dir"
	coord_key=$(burrowd genkey "$coord_dir/coord.key")
	for n in 1 2 3; do
		ns_add "burrow-n$n"
		mkdir -p "$bd_dir/n$n"
		ip -n burrow-c link add "veth$n" type veth peer name veth0 netns "burrow-n$n"
		ip -n burrow-c addr add "${mesh_underlay[$n]}.254/24" dev "veth$n"
		ip -n burrow-c link set "veth$n" up
		ip -n "burrow-n$n" addr add "${mesh_underlay[$n]}.$n/24" dev veth0
		ip -n "burrow-n$n" link set veth0 up
		ip -n "burrow-n$n" route add default via "${mesh_underlay[$n]}.254"
		ip -n "burrow-n$n" link add burrow0 type burrow
		ip -n "burrow-n$n" link set burrow0 up
		bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
		{ bd_node_section "$n" "${mesh_name[$n]}"; cat <<EOF; } >"$(bd_conf "$n")"
idle_timeout = 6
$([ "$n" = 2 ] && echo "advertise_routes = 10.20.2.0/24")

[coordinator]
address = 192.0.2.254:7443
public_key = $coord_key
auth_key_file = $bd_dir/n$n/authkey
endpoint = ${mesh_underlay[$n]}.$n:5182$n
EOF
	done
	# web2 serves 10.20.2.0/24 behind it (one address on its loopback).
	ip -n burrow-n2 addr add 10.20.2.1/32 dev lo
	cat >"$coord_dir/policy.json" <<'EOF'
{
  "rules": [
    { "src": ["tag:web"], "dst": ["tag:web", "10.20.0.0/16"] }
  ]
}
EOF

	web_key=$(coord key create reusable tag tag:web)
	coord key create tag tag:db >"$bd_dir/n3/authkey"
	echo "$web_key" >"$bd_dir/n1/authkey"
	echo "$web_key" >"$bd_dir/n2/authkey"
}

# $1's view of the mesh (burrowd status -j), one jq filter over it.
mesh_json() { bd_json "$1" | jq -r "$2"; }
peer_state() { mesh_json "$1" ".peers[] | select(.name == \"$2\") | .state"; }
peer_up() { [ "$(peer_state "$1" "$2")" = up ]; }
overlay4() { coord -j node list | jq -r ".[] | select(.name == \"$1\") | .ipv4" | cut -d/ -f1; }
kernel_peers() { in_ns "burrow-n$1" burrow-nl -j peer show burrow0 | jq length; }