#!/bin/bash
# Every drop reason has its sysfs counter; netlink reports the same
# numbers; the debugfs tree shows per-peer state and never key material.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"

reasons="drop_no_peer drop_no_endpoint drop_no_socket drop_no_key drop_key_exhausted
	drop_bad_inner drop_route drop_bad_header drop_unknown_id drop_decrypt drop_replay
	drop_source_not_allowed drop_nomem drop_queue_full drop_queue_delay drop_dev_down drop_relay_no_ticket
	drop_relay_wrong_source drop_relay_expired drop_l2_bad_source drop_l2_mac_limit
	drop_l2_segment drop_l2_flood_rate rx_keepalives rx_to_userspace relay_forwarded l2_mac_moves
	frag_tx frag_frames_tx reasm_frames reasm_drop_overlap reasm_drop_oversize reasm_drop_timeout reasm_drop_evicted reasm_drop_bad
	l2_flooded"
plan 9

two_nodes 4
status=0
for reason in $reasons; do
	[[ $(counter $n1 $reason) =~ ^[0-9]+$ ]] || { diag "missing $reason"; status=1; }
done
ok $status "a sysfs counter for every drop reason"
is "$(ls /sys/class/net/lo/ | grep -c burrow)" 0 "only burrow devices have the group"

# No route for 10.10.5.5 in the peer's prefixes: counted as no peer.
ip -n $n1 route add 10.10.5.0/24 dev burrow0
before=$(counter $n1 drop_no_peer)
in_ns $n1 ping -c 2 -W 1 10.10.5.5 >/dev/null 2>&1
# At least the two pings; IPv6 on the device may add its own solicitations.
delta=$(($(counter $n1 drop_no_peer) - before))
[ "$delta" -ge 2 ]
ok $? "drop_no_peer counts unroutable packets ($delta)"
# The device has IPv6, so the kernel's own MLD reports and router
# solicitations (to addresses outside the peer's prefixes) can be counted
# at any moment: netlink's number must lie between two sysfs reads.
sysfs_before=$(counter $n1 drop_no_peer)
netlink=$(in_ns $n1 burrow-nl -j dev show burrow0 | jq '.[0].stats.drop_no_peer')
sysfs_after=$(counter $n1 drop_no_peer)
[[ $netlink =~ ^[0-9]+$ ]] && [ "$sysfs_before" -le "$netlink" ] && [ "$netlink" -le "$sysfs_after" ]
ok $? "netlink reports the same number as sysfs ($sysfs_before <= $netlink <= $sysfs_after)"
dropped=$(ip -n $n1 -j -s link show burrow0 | jq '.[0].stats64.tx.dropped')
[ "$dropped" -ge 2 ]
ok $? "and so do the device's tx_dropped ($dropped)"

# The directory is named after the device and its netns inode: another
# test's burrow0, in a namespace the kernel is still tearing down, may
# have one too.
dir=/sys/kernel/debug/burrow/burrow0@$(in_ns $n1 stat -L -c %i /proc/self/ns/net)
[ -n "$dir" ] && [ -r "$dir/peers" ] && [ -r "$dir/device" ]
ok $? "debugfs directory for the device ($dir)"
grep -q "^peer 1 " "$dir/peers"
ok $? "debugfs lists the peer"
grep -q "key primary: id 1" "$dir/peers"
ok $? "debugfs shows key metadata"
key=$(head -c 64 "$keydir/k12")
! grep -rqi "$key" /sys/kernel/debug/burrow/
ok $? "no key material anywhere in debugfs"
done_testing
