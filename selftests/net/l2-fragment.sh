#!/bin/bash
# Layer-2 fragmentation: two nodes with l2 burrow devices at their default
# MTU of 1500 (bridged into a LAN where the kernel has bridges) over a
# 1500-byte underlay, where a burrow packet may carry 1420 bytes. 1500-byte
# IP packets (1514-byte frames) cross whole: pings of 1500 bytes arrive
# with no IP fragmentation or reassembly on the LANs, and an iperf3 TCP
# run at full-size segments moves data. Each such frame is split into
# fragments before encryption (frag-tx, frag-frames-tx) and reassembled
# after decryption (reasm-frames), with no reassembly drop (the TCP run may
# lose a fragment in a queue under load: its frame times out, at most 1 in
# 50 here) and no IP fragmentation of the burrow packets on the
# underlay. Garbage fragments
# need a peer's key to get past authentication; the in-module selftest's
# fuzz (kmod/selftest/l2_frag.c, selftests/kmod/l2-frag-fuzz.sh) feeds the
# reassembly those instead.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/l2.sh"
plan 15

l2_mesh 2
ok $? "two nodes with l2 devices, peers and keys"
l2_lan 1
l2_lan 2
n1=$(l2_ns 1) n2=$(l2_ns 2) h1=${l2_host[1]} h2=${l2_host[2]}

is "$(in_ns "$n1" cat /sys/class/net/b0/mtu)" 1500 "an l2 device's default MTU is 1500"
# An MTU given at creation is the device's, as for any link type.
in_ns "$n1" ip link add b9 mtu 1400 type burrow mode l2
is "$(in_ns "$n1" cat /sys/class/net/b9/mtu)" 1400 "'ip link add b9 mtu 1400 type burrow mode l2' keeps mtu 1400"
in_ns "$n1" ip link del b9
out=$(in_ns "$n1" ip link add b9 mtu 70000 type burrow mode l2 2>&1)
[ $? -ne 0 ] && ! in_ns "$n1" ip link show b9 >/dev/null 2>&1
ok $? "an l2 device is not created with an MTU above its max_mtu" || diag "$out"

# A /proc/net/snmp Ip counter of namespace NS: ip_stat NS NAME
ip_stat() {
	in_ns "$1" awk -v name="$2" '/^Ip:/ { if (!col) { for (i = 2; i <= NF; i++) if ($i == name) col = i }
		else { print $col } }' /proc/net/snmp
}

wait_for 20 in_ns "$h1" ping -c 1 -W 1 10.50.0.2
ok $? "small ping from node 1's LAN to node 2's"

frag1=$(l2_counter 1 frag_tx) frames1=$(l2_counter 1 frag_frames_tx)
reasm2=$(l2_counter 2 reasm_frames) reasm1=$(l2_counter 1 reasm_frames)
run_ok "ten 1500-byte pings (ping -s 1472) are answered" \
	in_ns "$h1" ping -c 10 -i 0.2 -W 2 -s 1472 10.50.0.2
# Whole: neither LAN end fragmented or reassembled anything at the IP layer.
stats="$(ip_stat "$h1" FragCreates) $(ip_stat "$h1" ReasmReqds) $(ip_stat "$h2" FragCreates) $(ip_stat "$h2" ReasmReqds)"
is "$stats" "0 0 0 0" "the pings crossed as 1500-byte packets (no IP fragments on either LAN end)"
# Each 1514-byte request is two fragments; node 2 reassembles it, and its
# reply comes back the same way.
d_frag=$(($(l2_counter 1 frag_tx) - frag1))
d_frames=$(($(l2_counter 1 frag_frames_tx) - frames1))
[ "$d_frames" -ge 10 ] && [ "$d_frag" -eq $((2 * d_frames)) ]
ok $? "node 1 split each request into two fragments (frag-frames-tx +$d_frames, frag-tx +$d_frag)"
d_reasm2=$(($(l2_counter 2 reasm_frames) - reasm2))
d_reasm1=$(($(l2_counter 1 reasm_frames) - reasm1))
[ "$d_reasm2" -ge 10 ] && [ "$d_reasm1" -ge 10 ]
ok $? "both nodes reassembled the frames (reasm-frames +$d_reasm2 on node 2, +$d_reasm1 on node 1)"

nodrops() {
	local i c n drops=
	for i in 1 2; do
		for c in $1; do
			n=$(l2_counter "$i" "$c")
			[ "$n" -eq 0 ] || drops="$drops node$i:$c=$n"
		done
	done
	echo "$drops"
}
all="reasm_drop_overlap reasm_drop_oversize reasm_drop_timeout reasm_drop_evicted reasm_drop_bad"
is "$(nodrops "$all")" "" "no reassembly drops of any kind after the pings"

in_ns "$h2" iperf3 -s -1 -D -p 5201 >/dev/null 2>&1
server_up() { in_ns "$h2" ss -ltn | grep -q ':5201 '; }
wait_for 10 server_up
frames1=$(l2_counter 1 frag_frames_tx) reasm2=$(l2_counter 2 reasm_frames)
result=$(in_ns "$h1" iperf3 -c 10.50.0.2 -p 5201 -t 3 -J 2>&1)
received=$(jq -r '.end.sum_received.bytes // 0' <<<"$result" 2>/dev/null)
# Under TCG and the debug kernel a few hundred KB; natively far more.
[ "${received:-0}" -gt 100000 ]
ok $? "iperf3 TCP over 1514-byte frames moves data ($received bytes)" || diag "$result"
d_frames=$(($(l2_counter 1 frag_frames_tx) - frames1))
d_reasm2=$(($(l2_counter 2 reasm_frames) - reasm2))
[ "$d_frames" -ge 50 ] && [ "$d_reasm2" -ge 50 ]
ok $? "the TCP run's full-size frames went as fragments (frag-frames-tx +$d_frames on node 1, reasm-frames +$d_reasm2 on node 2)"

is "$(nodrops "reasm_drop_overlap reasm_drop_oversize reasm_drop_evicted reasm_drop_bad")" "" \
	"no overlap, oversize, eviction or malformed fragment after the TCP run"
timeouts=$(($(l2_counter 1 reasm_drop_timeout) + $(l2_counter 2 reasm_drop_timeout)))
queue_drops=0
for i in 1 2; do
	for c in drop_queue_full drop_queue_delay; do
		queue_drops=$((queue_drops + $(l2_counter "$i" "$c")))
	done
done
[ $((timeouts * 50)) -le "$d_reasm2" ]
ok $? "frames lost to a missing fragment in the TCP run are at most 1 in 50 ($timeouts timed out, $d_reasm2 reassembled; $queue_drops packets dropped by the peers' queues)"

f1=$(ip_stat "$n1" FragCreates) f2=$(ip_stat "$n2" FragCreates)
[ "$f1" = 0 ] && [ "$f2" = 0 ]
ok $? "no burrow packet was IP-fragmented on the underlay (FragCreates $f1 and $f2)"
done_testing
