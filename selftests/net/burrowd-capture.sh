#!/bin/bash
# burrow-vm: distro-only (a capture for tshark on the host; the kernel paths burrowd drives run on the debug kernel in burrowd-basic)
# The control connection on the wire: capture a session's setup and one
# rotation between two burrowd nodes, with n1's TLS key log (BURROWD_KEYLOG,
# a debugging aid, docs/operations.md), and print both into the serial log
# as "# burrowd-pcap HEX" and "# burrowd-keylog HEX" lines. tshark is too
# big for the guest: selftests/quic-decoder/tshark-control-check.sh reads
# them on the host and requires QUIC that decrypts, with nothing malformed.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 5

bd_nodes
ip netns exec burrow-n2 tcpdump -Z root -i veth0 -U --immediate-mode -w "$bd_dir/control.pcap" \
	udp >/dev/null 2>&1 &
capture=$!
# tcpdump writes the file header once it is capturing.
wait_for 10 test -s "$bd_dir/control.pcap"
ok $? "tcpdump captures on n2's veth"

export BURROWD_KEYLOG=$bd_dir/keylog
bd_start 1
unset BURROWD_KEYLOG
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"
out=$(in_ns burrow-n1 burrowd rotate n2 -c "$(bd_conf 1)" 2>&1)
# (generation 2 comes by itself right after up; this is the third)
wait_for 30 bd_generation_is 3
ok_or_logs $? "and rotate once (ROTATE_* capsules on the control stream)" || diag "$out"

kill $capture
wait $capture 2>/dev/null
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$bd_dir/keylog" 2>/dev/null
ok $? "n1 wrote an NSS key log with the 1-RTT secrets"
packets=$(tcpdump -r "$bd_dir/control.pcap" 2>/dev/null | wc -l)
[ "$packets" -ge 8 ]
ok $? "captured $packets packets of the control connection"
diag "burrowd-pcap $(od -An -v -tx1 "$bd_dir/control.pcap" | tr -d ' \n')"
diag "burrowd-keylog $(od -An -v -tx1 "$bd_dir/keylog" | tr -d ' \n')"
done_testing
