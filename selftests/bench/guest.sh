#!/bin/bash
# 'make bench', guest side. One boot, two namespaces over one veth pair, and
# every system side by side on that pair:
#   veth                  the ceiling: no tunnel at all
#   wireguard             the kernel's own wireguard module
#   burrow-udp-<cipher>   one burrow device per cipher, udp encapsulation
#   burrow-quic-<cipher>  the same with the quic encapsulation
# Workloads per system: iperf3 TCP with 1 and with 4 flows (BENCH_RUNS runs
# each), iperf3 UDP with 1400-byte datagrams (received packets per second),
# and the mean ping RTT while one TCP flow runs (BENCH_RUNS runs). Each
# measurement is printed as one 'BENCH {json}' line; selftests/bench/run.sh
# turns them into the table.
# Before the tunnels, the crypto ceiling: burrow_ceiling.ko
# (selftests/bench/ceiling/ceiling.c) seals and opens 1400-byte packets with
# each cipher on one CPU, no network (BENCH_RUNS loads; workload
# crypto-ceiling). BENCH_CEILING_KO names the module file, else modprobe finds
# it.
# BENCH_CIPHERS (blank-separated) limits the burrow devices to those ciphers
# (default: all three), for a shorter before/after comparison.
# BENCH_PROFILE_DIR (make bench-native, a host directory shared over hostfs)
# adds one more tcp-1 flow per system under the host's perf
# (bench_profile_flow, selftests/lib/bench.sh).
# BENCH_UDP_PPS=0 leaves out the UDP packet-rate workload (make bench-native:
# under User-Mode Linux every sendmsg is a ptrace round trip, so that
# workload would measure the host's syscall cost).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/bench.sh"

duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
udp_pps=${BENCH_UDP_PPS:-1}
ciphers=${BENCH_CIPHERS:-chacha20-poly1305 aes-128-gcm aes-256-gcm}
a=bench-a
b=bench-b
systems="veth wireguard"
for encap in udp quic; do
	for cipher in $ciphers; do systems="$systems burrow-$encap-$cipher"; done
done
count=$(wc -w <<<"$systems")
per_system=4
[ "$udp_pps" = 1 ] || per_system=3
profile_dir=${BENCH_PROFILE_DIR:-}
[ -z "$profile_dir" ] || per_system=$((per_system + 1))
plan $((count * per_system + 2))

bench_veth_pair $a $b

# target address of each system, on the b side, and its device on the a side
declare -A target=([veth]=192.0.2.2) device=([veth]=veth0 [wireguard]=wg0)

setup_wireguard() {
	local dir
	dir=$(mktemp -d)
	wg genkey >"$dir/a.key"
	wg genkey >"$dir/b.key"
	wg pubkey <"$dir/a.key" >"$dir/a.pub"
	wg pubkey <"$dir/b.key" >"$dir/b.pub"
	for side in a b; do
		local ns=bench-$side other own_ip other_ip port other_port
		[ $side = a ] && other=b own_ip=1 other_ip=2 port=51900 other_port=51901
		[ $side = b ] && other=a own_ip=2 other_ip=1 port=51901 other_port=51900
		ip -n $ns link add wg0 type wireguard
		in_ns $ns wg set wg0 listen-port $port private-key "$dir/$side.key" \
			peer "$(cat "$dir/$other.pub")" allowed-ips 10.20.0.$other_ip/32 \
			endpoint 192.0.2.$other_ip:$other_port
		ip -n $ns addr add 10.20.0.$own_ip/24 dev wg0
		ip -n $ns link set wg0 up
	done
	target[wireguard]=10.20.0.2
}

# One burrow device per encapsulation and cipher: burrowN with 10.3N.0.0/24,
# ports 5200N/5210N. quic keys carry a header-protection key (key||IV||hp)
# and each side receives on its own data CID.
setup_burrow() {
	local encap=$1 cipher=$2 index=$3 dir
	dir=$(mktemp -d)
	make_key "$cipher" "$dir/ab"
	make_key "$cipher" "$dir/ba"
	if [ "$encap" = quic ]; then
		local file hp
		for file in ab ba; do
			hp=$(head -c "$(key_len "$cipher")" /dev/urandom | od -An -tx1 | tr -d ' \n')
			printf '%s%s\n' "$(tr -d '\n' <"$dir/$file")" "$hp" >"$dir/$file.quic"
			mv "$dir/$file.quic" "$dir/$file"
		done
	fi
	for side in a b; do
		local ns=bench-$side own_ip other_ip port other_port tx rx
		[ $side = a ] && own_ip=1 other_ip=2 port=5200$index other_port=5210$index tx=ab rx=ba
		[ $side = b ] && own_ip=2 other_ip=1 port=5210$index other_port=5200$index tx=ba rx=ab
		ip -n $ns link add burrow$index type burrow
		ip -n $ns addr add 10.3$index.0.$own_ip/24 dev burrow$index
		ip -n $ns link set burrow$index up
		in_ns $ns burrow-nl dev set burrow$index listen $port
		in_ns $ns burrow-nl peer add burrow$index id 1 \
			endpoint 192.0.2.$other_ip:$other_port allowed-ips 10.3$index.0.$other_ip/32
		in_ns $ns burrow-nl key add burrow$index peer 1 slot primary key-id 1 \
			cipher "$cipher" tx "$dir/$tx" rx "$dir/$rx"
		if [ "$encap" = quic ]; then
			local own_cid other_cid
			printf -v own_cid 'c%d%014d' $own_ip $index
			printf -v other_cid 'c%d%014d' $other_ip $index
			in_ns $ns burrow-nl peer set burrow$index id 1 encap quic \
				local-cid $own_cid remote-cid $other_cid
		fi
	done
	target[burrow-$encap-$cipher]=10.3$index.0.2
	device[burrow-$encap-$cipher]=burrow$index
}

setup_wireguard
index=0
for encap in udp quic; do
	for cipher in $ciphers; do
		setup_burrow $encap "$cipher" $index
		index=$((index + 1))
	done
done
status=0
for system in $systems; do
	wait_for 20 in_ns $a ping -c 1 -W 1 "${target[$system]}" >/dev/null || status=1
done
ok $status "every system passes a ping"


iperf_tcp() {
	local address=$1 streams=$2
	in_ns $a iperf3 -c "$address" -t "$duration" -P "$streams" -J |
		jq '.end.sum_received.bits_per_second / 1e6'
}

# The crypto ceiling, BENCH_RUNS loads of the module; each load prints one
# line per cipher (only the lines of this load are read):
#   burrow_ceiling: NAME DRIVER OPS ops NS ns MBITS Mbit/s
ceiling_lines() { dmesg | sed -n 's/.*burrow_ceiling: \([^ ]*\) \([^ ]*\) [0-9]* ops [0-9]* ns \([0-9]*\) Mbit\/s$/\1 \2 \3/p'; }
declare -A ceiling=() ceiling_driver=()
# burrow's keys already pulled in AES-NI where there is one (its softdep);
# make sure the ceiling sees the same GCM implementation. Absent elsewhere.
modprobe -q aesni_intel 2>/dev/null || true
status=0
for run in $(seq "$runs"); do
	before=$(ceiling_lines | wc -l)
	if [ -n "${BENCH_CEILING_KO:-}" ]; then
		insmod "$BENCH_CEILING_KO" || status=1
	else
		modprobe burrow_ceiling || status=1
	fi
	rmmod burrow_ceiling || status=1
	lines=0
	while read -r name driver mbits; do
		ceiling[$name]+=" $mbits"
		ceiling_driver[$name]=$driver
		lines=$((lines + 1))
	done < <(ceiling_lines | tail -n +$((before + 1)))
	[ "$lines" -eq 4 ] || status=1
done
summary=
for name in "${!ceiling[@]}"; do
	summary+=" $name (${ceiling_driver[$name]}):${ceiling[$name]};"
	# shellcheck disable=SC2086 # one argument per run
	bench_emit "$name" crypto-ceiling Mbit/s ${ceiling[$name]}
done
ok $status "crypto ceiling, seal+open of 1400 bytes in Mbit/s:$summary"

for system in $systems; do
	address=${target[$system]}
	pidfile=/tmp/iperf3-$system.pid
	in_ns $b iperf3 -s -D -B "$address" -I "$pidfile" >/dev/null
	wait_for 10 in_ns $a iperf3 -c "$address" -t 1 >/dev/null

	for streams in 1 4; do
		values=()
		for run in $(seq "$runs"); do
			values+=("$(iperf_tcp "$address" $streams)")
		done
		[[ ${values[*]} =~ ^[0-9.\ ]+$ ]]
		ok $? "$system: TCP $streams flow(s): ${values[*]} Mbit/s"
		bench_emit "$system" "tcp-$streams" Mbit/s "${values[@]}"
	done

	if [ "$udp_pps" = 1 ]; then
		# 1372 bytes of payload + UDP 8 + IPv4 20 = 1400-byte packets, which fit
		# every tunnel's MTU, so nothing is fragmented.
		pps=$(in_ns $a iperf3 -c "$address" -u -l 1372 -b 0 -t "$duration" -J |
			jq '.end.sum as $s | (($s.packets - $s.lost_packets) / $s.seconds) | floor')
		[[ $pps =~ ^[0-9]+$ ]]
		ok $? "$system: UDP 1400-byte datagrams: $pps packets/s received"
		bench_emit "$system" udp-1400-pps packets/s "$pps"
	fi

	# RTT under load swings more between runs than throughput does (it is
	# whatever queue the flow builds), so it is repeated like TCP.
	values=()
	for run in $(seq "$runs"); do
		in_ns $a iperf3 -c "$address" -t $((duration + 4)) >/dev/null 2>&1 &
		load=$!
		sleep 2 # let the TCP flow reach steady state: a warm-up, not synchronisation
		values+=("$(in_ns $a ping -c $((duration * 2)) -i 0.5 -q "$address" |
			sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')")
		wait $load
	done
	[[ ${values[*]} =~ ^[0-9.\ ]+$ ]]
	ok $? "$system: mean ping RTT under a TCP flow: ${values[*]} ms"
	bench_emit "$system" rtt-under-load ms "${values[@]}"

	[ -z "$profile_dir" ] ||
		bench_profile_flow "$profile_dir" $a "${device[$system]}" "$system" "$address" "$pidfile"

	kill "$(cat "$pidfile")"
done
done_testing
