#!/bin/bash
# Runs inside the demo guest: two nodes in network namespaces joined by a
# veth "wire", a burrow tunnel between them configured by hand with
# burrow-nl (burrowd will do this part itself), then traffic and counters.
. "$(dirname "$0")/../selftests/lib/tap.sh"
. "$(dirname "$0")/../selftests/lib/burrow.sh"
plan 4
step() { echo; echo "[$1] \$ ${*:2}"; in_ns "$@"; }

echo "== two nodes, $n1 (192.0.2.1) and $n2 (192.0.2.2), one burrow0 each"
two_nodes 4 chacha20-poly1305
ok $? "tunnel configured"

step $n1 ip -d addr show dev burrow0
step $n1 burrow-nl dev show
step $n1 burrow-nl peer show burrow0
step $n1 burrow-nl key show burrow0 peer 1

echo
echo "== traffic through the tunnel"
step $n1 ping -c 3 10.10.0.2
ok $? "ping across the tunnel"
step $n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns $n2 ss -ltn sport = :5201
step $n1 iperf3 -c 10.10.0.2 -t 3
ok $? "iperf3 across the tunnel"

echo
echo "== what the wire carries: UDP to port $port2, never the inner ICMP"
in_ns $n2 timeout 5 tcpdump -Z root -n -c 2 -i veth0 udp 2>/dev/null &
capture=$!
capture_ready() { [ "$(in_ns $n2 ss -a -0 | wc -l)" -gt 1 ]; }
wait_for 5 capture_ready
in_ns $n1 ping -c 2 -i 0.2 10.10.0.2 >/dev/null
wait $capture

echo
echo "== counters"
step $n2 burrow-nl -s dev show burrow0
step $n2 ip -s link show burrow0
# debugfs is read from outside the namespace ('ip netns exec' remounts /sys);
# a device outside the initial namespace is named <dev>@<netns inode>.
debugfs=/sys/kernel/debug/burrow/burrow0@$(stat -L -c %i /run/netns/$n2)
echo; echo "\$ cat $debugfs/peers"
cat "$debugfs/peers"
[ "$(counter $n2 drop_decrypt)" = 0 ]
ok $? "no decryption failures"
done_testing
