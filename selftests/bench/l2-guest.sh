#!/bin/bash
# 'make bench', guest side: L2 mode against L3 mode in one boot (issue 20).
# Two namespaces over one veth pair, as in guest.sh, and three burrow
# devices on it, all udp encapsulation with chacha20-poly1305:
#
#   burrow-udp-l3           an l3 device (mode l3, MTU 1420, the default),
#                           10.60.0.1/.2, the peer's allowed-ips /32
#   burrow-udp-l2           an l2 device, MTU 1406: a 1420-byte IP packet
#                           in l3 and a 1406-byte one plus its 14-byte
#                           Ethernet header in l2 make the same 1420-byte
#                           plaintext, so both send equal datagrams and no
#                           frame is fragmented; 10.61.0.1/.2 on the device
#                           itself (ARP across the tunnel, MAC learning)
#   burrow-udp-l2-mtu1500   an l2 device with its default MTU, 1500: every
#                           full-size frame is split into two fragments
#                           (docs/wire-format.md, "Fragments"); 10.62.0.1/.2
#
# Workloads: iperf3 TCP with 1 and 4 flows (BENCH_RUNS runs each, median;
# the systems take turns run by run),
# one 'BENCH {json}' line per measurement as guest.sh prints them;
# selftests/bench/table.py puts the ratios burrow-udp-l2 / burrow-udp-l3 and
# burrow-udp-l2-mtu1500 / burrow-udp-l3 under the table.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/bench.sh"

duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
cipher=chacha20-poly1305
a=l2bench-a
b=l2bench-b
systems="burrow-udp-l3 burrow-udp-l2 burrow-udp-l2-mtu1500"
plan 9

bench_veth_pair $a $b

dir=$(mktemp -d)
declare -A target=()
# device INDEX NAME MODE MTU: burrowINDEX on both sides, 10.6INDEX.0.1/.2,
# ports 5300INDEX / 5310INDEX.
device() {
	local index=$1 system=$2 mode=$3 mtu=$4
	make_key $cipher "$dir/ab$index"
	make_key $cipher "$dir/ba$index"
	for side in a b; do
		local ns=l2bench-$side own=1 other=2 port=5300$index other_port=5310$index \
			tx=ab$index rx=ba$index allowed=()
		[ $side = b ] && own=2 other=1 port=5310$index other_port=5300$index \
			tx=ba$index rx=ab$index
		# shellcheck disable=SC2086 # no MTU: the mode's default
		ip -n $ns link add burrow$index ${mtu:+mtu $mtu} type burrow mode "$mode" || return 1
		ip -n $ns addr add 10.6$index.0.$own/24 dev burrow$index
		ip -n $ns link set burrow$index up
		in_ns $ns burrow-nl dev set burrow$index listen "$port" || return 1
		[ "$mode" = l3 ] && allowed=(allowed-ips 10.6$index.0.$other/32)
		in_ns $ns burrow-nl peer add burrow$index id 1 \
			endpoint 192.0.2.$other:$other_port "${allowed[@]}" || return 1
		in_ns $ns burrow-nl key add burrow$index peer 1 slot primary key-id 1 \
			cipher $cipher tx "$dir/$tx" rx "$dir/$rx" || return 1
	done
	target[$system]=10.6$index.0.2
}
status=0
device 0 burrow-udp-l3 l3 "" || status=1
device 1 burrow-udp-l2 l2 1406 || status=1
device 2 burrow-udp-l2-mtu1500 l2 1500 || status=1
for system in $systems; do
	wait_for 20 in_ns $a ping -c 1 -W 1 "${target[$system]}" >/dev/null || status=1
done
[ "$(in_ns $a cat /sys/class/net/burrow0/mtu)" = 1420 ] || status=1
ok $status "l3 (MTU 1420) and both l2 devices pass a ping"


# The three systems take turns run by run, so a change in the host's load
# during the measurement falls on all of them alike.
for system in $systems; do
	in_ns $b iperf3 -s -D -B "${target[$system]}" -I "/tmp/iperf3-$system.pid" >/dev/null
	wait_for 10 in_ns $a iperf3 -c "${target[$system]}" -t 1 >/dev/null
done
declare -A values=()
for streams in 1 4; do
	for _ in $(seq "$runs"); do
		for system in $systems; do
			values[$system]+=" $(in_ns $a iperf3 -c "${target[$system]}" -t "$duration" -P $streams -J |
				jq '.end.sum_received.bits_per_second / 1e6')"
		done
	done
	for system in $systems; do
		[[ ${values[$system]} =~ ^[0-9.\ ]+$ ]]
		ok $? "$system: TCP $streams flow(s):${values[$system]} Mbit/s"
		# shellcheck disable=SC2086 # one argument per run
		bench_emit "$system" "tcp-$streams" Mbit/s ${values[$system]}
		values[$system]=
	done
done
for system in $systems; do kill "$(cat "/tmp/iperf3-$system.pid")"; done
# The MTU 1406 device must not have fragmented (else the pair compares
# fragmentation, not the mode); the 1500 one must have.
is "$(counter $a frag_frames_tx burrow1)" 0 "burrow-udp-l2 (MTU 1406) sent every frame whole (frag_frames_tx 0)"
split=$(counter $a frag_frames_tx burrow2)
[ "$split" -gt 0 ]
ok $? "burrow-udp-l2-mtu1500 fragmented: $split frames split into $(counter $a frag_tx burrow2) fragments"
done_testing
