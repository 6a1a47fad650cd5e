#!/bin/bash
# Tearing things down under load, in every order: peer deletion, socket
# detach and re-attach, device deletion, namespace deletion and module
# unload while iperf3 runs. The debug kernel turns any use-after-free,
# leak or locking mistake here into a failure.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 12

# The client runs under 'ip netns exec' directly (which execs iperf3), so
# $iperf is iperf3 itself and stop_load really stops it; the server writes
# its pid. (Killing a backgrounded shell function would leave iperf3 running
# out its 30 s.)
load() {
	in_ns $n2 iperf3 -s -1 -D -B 10.10.0.2 -I /tmp/teardown-iperf3.pid >/dev/null
	wait_for 10 in_ns $n2 ss -ltn sport = :5201
	ip netns exec $n1 iperf3 -c 10.10.0.2 -t 30 >/dev/null 2>&1 &
	iperf=$!
	# Wait for the flow to carry data before breaking things.
	wait_for 10 flowing
}
flowing() { [ "$(peer_json $n2 1 | jq .rx_packets)" -gt 20 ]; }
stop_load() {
	kill $iperf 2>/dev/null
	wait $iperf 2>/dev/null
	[ -f /tmp/teardown-iperf3.pid ] && kill "$(cat /tmp/teardown-iperf3.pid)" 2>/dev/null
	rm -f /tmp/teardown-iperf3.pid
}

two_nodes 4
load
run_ok "socket detached under load" in_ns $n2 burrow-nl dev set burrow0 detach
run_ok "and attached again" in_ns $n2 burrow-nl dev set burrow0 listen $port2
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "traffic flows again after re-attaching"
run_ok "peer deleted under load" in_ns $n2 burrow-nl peer del burrow0 id 1
stop_load
tap_cleanup; tap_namespaces=()

two_nodes 4
load
run_ok "device deleted under load" ip -n $n2 link del burrow0
stop_load
tap_cleanup; tap_namespaces=()

two_nodes 4
load
inum=$(stat -L -c %i /run/netns/$n2)
grep -q " /sys/kernel/debug debugfs " /proc/mounts || mount -t debugfs none /sys/kernel/debug
ls /sys/kernel/debug/burrow | grep -q "@$inum\$"
ok $? "the namespace's device has its debugfs entry"
run_ok "namespace deleted under load" ip netns del $n2
stop_load
# The netns must really go (no socket or device keeping it): its device's
# debugfs entry disappears. The module unload further down would hide a leak.
wait_for 30 eval '! ls /sys/kernel/debug/burrow | grep -q "@$inum\$"'
ok $? "the deleted namespace and its device are really gone"
tap_cleanup; tap_namespaces=()

two_nodes 6
load
run_ok "module unloaded under load" modprobe -r burrow
stop_load
! ip -n $n1 link show burrow0 >/dev/null 2>&1
ok $? "unloading removed the devices"
tap_cleanup; tap_namespaces=()

run_ok "module loads again" modprobe burrow
two_nodes 4
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "and works"
done_testing
