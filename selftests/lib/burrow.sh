# shellcheck shell=bash
# Topologies for burrow's network tests. Source after tap.sh.
#
#   two_nodes [OUTER] [CIPHER]
#     burrow-n1 and burrow-n2 joined by a veth pair (outer addresses
#     192.0.2.1/.2 and fd00:2::1/::2), each with burrow0 (10.10.0.1/.2,
#     fd10::1/::2), peer id 1 on each side, a key pair in the primary slot,
#     and the peer's endpoint on OUTER (4 or 6, default 4).

n1=burrow-n1
n2=burrow-n2
port1=51820
port2=51821

# A random key file for CIPHER: the key followed by the 12-byte IV, in hex.
key_len() {
	case "$1" in
	aes-128-gcm) echo 16 ;;
	*) echo 32 ;;
	esac
}
make_key() {
	head -c $(($(key_len "$1") + 12)) /dev/urandom | od -An -tx1 | tr -d ' \n' >"$2"
	echo >>"$2"
	chmod 600 "$2"
}

in_ns() { ip netns exec "$@"; }

# iperf3 -b rate of the TCP load tests keep running while they reconfigure
# (rotations, restarts). Lower on the debug kernel: under KASAN and lockdep
# a saturated guest starves the control plane the test is waiting for,
# and the same paths are taken by fewer packets.
case "$(uname -r)" in
*burrow-debug*) background_rate=4M ;;
*) background_rate=20M ;;
esac

# sysfs counter of a device in a namespace
counter() { in_ns "$1" cat "/sys/class/net/${3:-burrow0}/burrow/$2"; }

# JSON of one peer: peer_json NS ID
peer_json() { in_ns "$1" burrow-nl -j peer show burrow0 id "$2" | jq '.[0]'; }

# install_key NS PEER SLOT KEY_ID CIPHER TX_FILE RX_FILE
install_key() {
	in_ns "$1" burrow-nl key add burrow0 peer "$2" slot "$3" key-id "$4" \
		cipher "$5" tx "$6" rx "$7"
}

two_nodes() {
	local outer=${1:-4} cipher=${2:-chacha20-poly1305} endpoint1 endpoint2
	keydir=$(mktemp -d)
	ns_add $n1
	ns_add $n2
	ip -n $n1 link add veth0 type veth peer name veth0 netns $n2
	ip -n $n1 addr add 192.0.2.1/24 dev veth0
	ip -n $n2 addr add 192.0.2.2/24 dev veth0
	ip -n $n1 addr add fd00:2::1/64 dev veth0 nodad
	ip -n $n2 addr add fd00:2::2/64 dev veth0 nodad
	ip -n $n1 link set veth0 up
	ip -n $n2 link set veth0 up
	if [ "$outer" = 6 ]; then
		endpoint1="[fd00:2::1]:$port1"
		endpoint2="[fd00:2::2]:$port2"
	else
		endpoint1="192.0.2.1:$port1"
		endpoint2="192.0.2.2:$port2"
	fi
	make_key "$cipher" "$keydir/k12"
	make_key "$cipher" "$keydir/k21"
	for side in 1 2; do
		local ns=burrow-n$side inner=$side other=$((3 - side)) port endpoint tx rx
		[ $side = 1 ] && port=$port1 endpoint=$endpoint2 tx=k12 rx=k21
		[ $side = 2 ] && port=$port2 endpoint=$endpoint1 tx=k21 rx=k12
		ip -n $ns link add burrow0 type burrow
		ip -n $ns addr add 10.10.0.$inner/24 dev burrow0
		ip -n $ns addr add fd10::$inner/64 dev burrow0 nodad
		ip -n $ns link set burrow0 up
		in_ns $ns burrow-nl dev set burrow0 listen "$port"
		in_ns $ns burrow-nl peer add burrow0 id 1 endpoint "$endpoint" \
			allowed-ips "10.10.0.$other/32,fd10::$other/128"
		install_key $ns 1 primary 1 "$cipher" "$keydir/$tx" "$keydir/$rx"
	done
}

# Ping across the tunnel until one reply arrives (a poll with a deadline),
# then a short burst that must not lose anything.
tunnel_ping() {
	local ns=$1 address=$2
	wait_for 10 in_ns "$ns" ping -c 1 -W 1 "$address" && in_ns "$ns" ping -c 3 -i 0.2 -W 2 "$address"
}

# ADDR:PORT of a peer's endpoint: peer_endpoint NS ID
peer_endpoint() { peer_json "$1" "$2" | jq -r '.endpoint | "\(.address):\(.port)"'; }
