#!/bin/bash
# 'make bench', guest side: the kernel relay against a direct path, in one
# boot (issue 19). A and B each sit on a veth to R:
#
#   A 192.0.2.1 ---- 192.0.2.254 R 198.51.100.254 ---- 198.51.100.2 B
#
#   burrow-udp-direct    burrow0 on A and B, endpoints each other's
#                        addresses; R forwards IP (ip_forward 1), so the
#                        tunnel's datagrams cross R as routed packets
#   burrow-udp-relayed   burrow1 on A and B, endpoints R's address with a
#                        relay-ticket; R's burrow device forwards them from
#                        its relay table (no key, no peer)
#
# Both cross R once, with the same cipher (chacha20-poly1305): the pair of
# rows compares R's relay with R's IP forwarding. Workloads: iperf3 TCP with
# 1 and 4 flows A to B (BENCH_RUNS runs each). Each measurement is one
# 'BENCH {json}' line, as guest.sh prints them. With BENCH_PROFILE_DIR
# (make bench-native BENCH_GUEST=relay-guest.sh) each path runs one more
# tcp-1 flow under the host's perf, as in guest.sh.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/bench.sh"

duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
cipher=chacha20-poly1305
a=relay-a
b=relay-b
r=relay-r
systems="burrow-udp-direct burrow-udp-relayed"
profile_dir=${BENCH_PROFILE_DIR:-}
if [ -n "$profile_dir" ]; then plan 7; else plan 5; fi

for ns in $a $b $r; do ns_add $ns; done
ip -n $a link add veth0 type veth peer name to-a netns $r
ip -n $b link add veth0 type veth peer name to-b netns $r
ip -n $a addr add 192.0.2.1/24 dev veth0
ip -n $b addr add 198.51.100.2/24 dev veth0
ip -n $r addr add 192.0.2.254/24 dev to-a
ip -n $r addr add 198.51.100.254/24 dev to-b
for ns in $a $b; do ip -n $ns link set veth0 up; done
ip -n $r link set to-a up
ip -n $r link set to-b up
ip -n $a route add default via 192.0.2.254
ip -n $b route add default via 198.51.100.254
in_ns $r sysctl -qw net.ipv4.ip_forward=1

dir=$(mktemp -d)
ip -n $r link add burrow0 type burrow
ip -n $r link set burrow0 up
in_ns $r burrow-nl dev set burrow0 listen 51820
in_ns $r burrow-nl relay add burrow0 ticket 7 a 192.0.2.1:52012 b 198.51.100.2:52112 \
	lifetime 86400

# device INDEX A_ENDPOINT B_ENDPOINT [relay-ticket N]: burrowINDEX on A and
# B (10.4INDEX.0.1/.2), ports 5200INDEX+10 / 5210INDEX+10.
device() {
	local index=$1 endpoint_of_b=$2 endpoint_of_a=$3 extra=("${@:4}")
	make_key $cipher "$dir/ab$index"
	make_key $cipher "$dir/ba$index"
	for side in a b; do
		local ns=relay-$side own=1 other=2 port=520$((index + 11)) endpoint=$endpoint_of_b \
			tx=ab$index rx=ba$index
		[ $side = b ] && own=2 other=1 port=521$((index + 11)) endpoint=$endpoint_of_a \
			tx=ba$index rx=ab$index
		ip -n $ns link add burrow$index type burrow
		ip -n $ns addr add 10.4$index.0.$own/24 dev burrow$index
		ip -n $ns link set burrow$index up
		in_ns $ns burrow-nl dev set burrow$index listen "$port"
		in_ns $ns burrow-nl peer add burrow$index id 1 endpoint "$endpoint" \
			allowed-ips 10.4$index.0.$other/32 "${extra[@]}"
		in_ns $ns burrow-nl key add burrow$index peer 1 slot primary key-id 1 \
			cipher $cipher tx "$dir/$tx" rx "$dir/$rx"
	done
}
device 0 198.51.100.2:52111 192.0.2.1:52011
device 1 192.0.2.254:51820 198.51.100.254:51820 relay-ticket 7
declare -A target=([burrow-udp-direct]=10.40.0.2 [burrow-udp-relayed]=10.41.0.2)
declare -A device=([burrow-udp-direct]=burrow0 [burrow-udp-relayed]=burrow1)

status=0
for system in $systems; do
	wait_for 20 in_ns $a ping -c 1 -W 1 "${target[$system]}" >/dev/null || status=1
done
ok $status "both paths pass a ping"


for system in $systems; do
	address=${target[$system]}
	pidfile=/tmp/iperf3-$system.pid
	in_ns $b iperf3 -s -D -B "$address" -I "$pidfile" >/dev/null
	wait_for 10 in_ns $a iperf3 -c "$address" -t 1 >/dev/null
	for streams in 1 4; do
		values=()
		for run in $(seq "$runs"); do
			values+=("$(in_ns $a iperf3 -c "$address" -t "$duration" -P $streams -J |
				jq '.end.sum_received.bits_per_second / 1e6')")
		done
		[[ ${values[*]} =~ ^[0-9.]+( [0-9.]+)*$ ]]
		ok $? "$system: TCP $streams flow(s): ${values[*]} Mbit/s"
		bench_emit "$system" "tcp-$streams" Mbit/s "${values[@]}"
	done
	[ -z "$profile_dir" ] ||
		bench_profile_flow "$profile_dir" $a "${device[$system]}" "$system" "$address" "$pidfile"
	kill "$(cat "$pidfile")"
done
diag "R forwarded $(counter $r relay_forwarded) relay datagrams"
done_testing
