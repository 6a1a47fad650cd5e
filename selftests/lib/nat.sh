# shellcheck shell=bash
# Two burrowd nodes behind real NATs (nftables masquerade in namespaces),
# a coordinator and a relay on a public segment. For nat-*.sh. Source after
# tap.sh, burrow.sh and burrowd.sh.
#
#   public segment 198.18.0.0/24: a bridge in burrow-inet joins
#     burrow-c     198.18.0.1   the coordinator (listens on :7443)
#     relay        198.18.0.3   a relay's namespace (nothing runs there here)
#     burrow-nat-a 198.18.0.11  NAT router A, LAN 10.1.0.0/24 behind it
#     burrow-nat-b 198.18.0.12  NAT router B, LAN 10.2.0.0/24 behind it
#   burrow-n1  10.1.0.2 behind A, burrow-n2  10.2.0.2 behind B: the bd_*
#     nodes 1 and 2 of burrowd.sh (port 5182N, empty burrow0, $bd_dir/nN).
#
#   nat_topology KIND_A KIND_B
#     builds all of it. KIND is the NAT behaviour of a router:
#       eim        'masquerade': Linux keeps the source port when it can,
#                  so one inside address:port maps to one outside port
#                  whatever the destination (endpoint-independent mapping)
#       symmetric  'masquerade random': a random outside port per
#                  conntrack entry, that is per destination (address- and
#                  port-dependent mapping)
#     Both kinds filter: a packet from outside reaches the LAN only as the
#     reply of a mapping the inside opened; unsolicited packets to the
#     router are dropped before conntrack confirms them (so they leave no
#     entry that would clash with a later outbound mapping and push it to
#     another port, which a real NAT would not do either).
#     Also writes the coordinator's key, policy (tag:nat may reach tag:nat)
#     and a reusable tag:nat pre-auth key in $nat_auth_key.
#   nat_set_kind N KIND          replace router N's NAT with KIND (conntrack
#                                entries already made keep their mapping)
#   nat_node_conf N [LINES...]   node N's config: [node] of bd_node_section
#                                plus LINES, [coordinator] at 198.18.0.1:7443,
#                                no endpoint; name natN
#   coord ARGS...                burrow-coord on the topology's database
#   nat_coord_start              run it (pid in $coord_pid) until it listens;
#                                the array coord_run_args adds run arguments
#   nat_public N                 the public (outside) address of node N's NAT
#   nat_mapped_ports N [PORT]    from node N, UDP from PORT (40000) to the
#                                coordinator and to the relay (iperf3); prints
#                                the two source ports they saw, "P1 P2"
#   nat_json N FILTER            jq FILTER over node N's 'burrowd status -j'

coord_dir=$bd_dir/coord
coord() { burrow-coord -d "$coord_dir/coord.db" "$@"; }
coord_pid=
coord_run_args=()
nat_coord_addr=198.18.0.1
nat_relay_addr=198.18.0.3
nat_pub=(unused 198.18.0.11 198.18.0.12)
nat_lan=(unused 10.1.0 10.2.0)
nat_router=(unused burrow-nat-a burrow-nat-b)

nat_public() { echo "${nat_pub[$1]}"; }
nat_json() { bd_json "$1" | jq -r "$2"; }

# nat_public_link NS ADDR: a veth from NS to the public bridge.
nat_public_link() {
	local ns=$1 addr=$2 port=$3
	ip -n burrow-inet link add "$port" type veth peer name pub0 netns "$ns"
	ip -n burrow-inet link set "$port" master br0 up
	ip -n "$ns" addr add "$addr/24" dev pub0
	ip -n "$ns" link set pub0 up
}

# nat_rules NS KIND: NS masquerades its LAN out of pub0 with KIND's mapping.
nat_rules() {
	local ns=$1 kind=$2 masq
	case $kind in
	eim) masq=masquerade ;;
	symmetric) masq="masquerade random" ;;
	*) echo "nat.sh: unknown NAT kind '$kind' (eim, symmetric)" >&2; return 1 ;;
	esac
	in_ns "$ns" nft -f - <<EOF
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "pub0" $masq
	}
}
table ip filter {
	chain input {
		type filter hook input priority filter;
		iifname "pub0" ct state new drop
	}
	chain forward {
		type filter hook forward priority filter;
		iifname "pub0" ct state new drop
	}
}
EOF
}

nat_set_kind() {
	in_ns "${nat_router[$1]}" nft flush ruleset && nat_rules "${nat_router[$1]}" "$2"
}

nat_topology() {
	local kinds=(unused "$1" "$2") n ns
	ns_add burrow-inet
	ip -n burrow-inet link add br0 type bridge
	ip -n burrow-inet link set br0 up
	ns_add burrow-c
	nat_public_link burrow-c "$nat_coord_addr" p-coord
	ns_add relay
	nat_public_link relay "$nat_relay_addr" p-relay
	for n in 1 2; do
		ns=${nat_router[$n]}
		ns_add "$ns"
		nat_public_link "$ns" "${nat_pub[$n]}" "p-nat$n"
		in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
		ns_add "burrow-n$n"
		ip -n "$ns" link add lan0 type veth peer name veth0 netns "burrow-n$n"
		ip -n "$ns" addr add "${nat_lan[$n]}.1/24" dev lan0
		ip -n "$ns" link set lan0 up
		nat_rules "$ns" "${kinds[$n]}" || return 1
		ip -n "burrow-n$n" addr add "${nat_lan[$n]}.2/24" dev veth0
		ip -n "burrow-n$n" link set veth0 up
		ip -n "burrow-n$n" route add default via "${nat_lan[$n]}.1" || return 1
		ip -n "burrow-n$n" link add burrow0 type burrow
		ip -n "burrow-n$n" link set burrow0 up
		mkdir -p "$bd_dir/n$n"
		bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	done
	mkdir -p "$coord_dir"
	coord_key=$(burrowd genkey "$coord_dir/coord.key")
	cat >"$coord_dir/policy.json" <<'EOF'
{
  "rules": [
    { "src": ["tag:nat"], "dst": ["tag:nat"] }
  ]
}
EOF
	nat_auth_key=$(coord key create reusable tag tag:nat)
	for n in 1 2; do
		echo "$nat_auth_key" >"$bd_dir/n$n/authkey"
		nat_node_conf "$n"
	done
}

nat_node_conf() {
	local n=$1
	shift
	{
		bd_node_section "$n" "nat$n"
		printf '%s\n' "$@"
		cat <<EOF

[coordinator]
address = $nat_coord_addr:7443
public_key = $coord_key
auth_key_file = $bd_dir/n$n/authkey
EOF
	} >"$(bd_conf "$n")"
}

nat_coord_start() {
	ip netns exec burrow-c burrow-coord -d "$coord_dir/coord.db" run listen "$nat_coord_addr:7443" \
		key "$coord_dir/coord.key" policy "$coord_dir/policy.json" "${coord_run_args[@]}" \
		>>"$coord_dir/log" 2>&1 &
	coord_pid=$!
	bd_pid[coord]=$coord_pid	# killed with the daemons when the script exits
	wait_for 20 in_ns burrow-c ss -Hlun sport = :7443
}

# The source port an iperf3 server in NS saw for one UDP run from node N's
# port PORT.
nat_seen_port() {
	local ns=$1 addr=$2 n=$3 port=$4 out
	out=$(mktemp)
	in_ns "$ns" timeout 20 iperf3 -s -1 -J -B "$addr" >"$out" 2>&1 &
	local server=$!
	wait_for 10 in_ns "$ns" ss -Hltn sport = :5201 || { kill "$server"; rm -f "$out"; return 1; }
	in_ns "burrow-n$n" timeout 20 iperf3 -c "$addr" -u --cport "$port" -b 100K -n 4K >/dev/null 2>&1
	wait "$server"
	jq -r '.start.connected[0].remote_port' "$out"
	rm -f "$out"
}

nat_mapped_ports() {
	local n=$1 port=${2:-40000}
	echo "$(nat_seen_port burrow-c "$nat_coord_addr" "$n" "$port") $(nat_seen_port relay "$nat_relay_addr" "$n" "$port")"
}
