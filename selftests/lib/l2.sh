# shellcheck shell=bash
# Topologies for burrow's l2 tests (net/l2-*.sh). Source after tap.sh and
# burrow.sh.
#
#   l2_mesh N
#     N nodes burrow-l1..burrow-lN (N <= 9), every two joined by a veth
#     pair (node i's end of the pair with node j is u<j>, address
#     192.168.<ij>.<i>/24 with i < j written first), each with an l2 burrow
#     device b0 created with 'ip link add b0 type burrow mode l2',
#     listening on port 51820, and peer j (tx-id i) for every other node j
#     with its own key pair. The devices are up; nothing else is set.
#
#   l2_lan I
#     Node I's LAN: where its overlay addresses live. With the bridge
#     module (the distro kernel), b0 is enslaved to a bridge br0 that also
#     holds one end of a veth whose other end, lan0, is in a host namespace
#     burrow-h<I>; without it (the debug kernel has no bridge), the LAN is b0
#     itself in the node's namespace. Sets l2_host[I] and l2_dev[I]; the
#     host gets 10.50.0.I/24 and fd50::I/64.

l2_nodes=0
declare -a l2_host l2_dev

l2_ns() { echo "burrow-l$1"; }

# The underlay address of node A on its link with node B.
l2_underlay() {
	local a=$1 b=$2 lo hi
	if [ "$a" -lt "$b" ]; then lo=$a hi=$b; else lo=$b hi=$a; fi
	echo "192.168.$lo$hi.$a"
}

l2_mesh() {
	local n=$1 i j ns
	l2_nodes=$n
	keydir=$(mktemp -d)
	for i in $(seq 1 "$n"); do
		ns_add "$(l2_ns "$i")"
	done
	for i in $(seq 1 "$n"); do
		for j in $(seq $((i + 1)) "$n"); do
			ip -n "$(l2_ns "$i")" link add "u$j" type veth peer name "u$i" netns "$(l2_ns "$j")"
			ip -n "$(l2_ns "$i")" addr add "$(l2_underlay "$i" "$j")/24" dev "u$j"
			ip -n "$(l2_ns "$j")" addr add "$(l2_underlay "$j" "$i")/24" dev "u$i"
			ip -n "$(l2_ns "$i")" link set "u$j" up
			ip -n "$(l2_ns "$j")" link set "u$i" up
			make_key chacha20-poly1305 "$keydir/k$i$j"
			make_key chacha20-poly1305 "$keydir/k$j$i"
		done
	done
	for i in $(seq 1 "$n"); do
		ns=$(l2_ns "$i")
		ip -n "$ns" link add b0 type burrow mode l2 || return 1
		in_ns "$ns" burrow-nl dev set b0 listen 51820 || return 1
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] && continue
			in_ns "$ns" burrow-nl peer add b0 id "$j" tx-id "$i" \
				endpoint "$(l2_underlay "$j" "$i"):51820" || return 1
			in_ns "$ns" burrow-nl key add b0 peer "$j" slot primary key-id 1 \
				cipher chacha20-poly1305 tx "$keydir/k$i$j" rx "$keydir/k$j$i" || return 1
		done
		ip -n "$ns" link set b0 up
	done
}

# True if this kernel can make bridges (the distro kernel's bridge module);
# probed once.
l2_bridge=
l2_have_bridge() {
	if [ -z "$l2_bridge" ]; then
		l2_bridge=no
		if ip link add burrow-brprobe type bridge 2>/dev/null; then
			ip link del burrow-brprobe
			l2_bridge=yes
		fi
	fi
	[ "$l2_bridge" = yes ]
}

l2_lan() {
	local i=$1 ns host
	ns=$(l2_ns "$i")
	if l2_have_bridge; then
		host=burrow-h$i
		ns_add "$host"
		ip -n "$ns" link add br0 type bridge
		ip -n "$ns" link set b0 master br0 || return 1
		ip -n "$ns" link add p0 type veth peer name lan0 netns "$host"
		ip -n "$ns" link set p0 master br0
		ip -n "$ns" link set p0 up
		ip -n "$ns" link set br0 up
		# The bridge takes its ports' smallest MTU: b0's (device.h).
		ip -n "$host" link set lan0 mtu "$(in_ns "$ns" cat /sys/class/net/b0/mtu)"
		ip -n "$host" link set lan0 up
		l2_host[$i]=$host
		l2_dev[$i]=lan0
	else
		l2_host[$i]=$ns
		l2_dev[$i]=b0
	fi
	ip -n "${l2_host[$i]}" addr add "10.50.0.$i/24" dev "${l2_dev[$i]}"
	ip -n "${l2_host[$i]}" addr add "fd50::$i/64" dev "${l2_dev[$i]}" nodad
}

# A counter of node I's b0: l2_counter I NAME
l2_counter() { counter "$(l2_ns "$1")" "$2" b0; }

# JSON of node I's peer J.
l2_peer_json() { in_ns "$(l2_ns "$1")" burrow-nl -j peer show b0 id "$2" | jq '.[0]'; }
