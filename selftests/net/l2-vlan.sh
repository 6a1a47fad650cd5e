#!/bin/bash
# Layer-2 segments: two VLANs on the same three peers. Node 1 puts peer 2
# in VLANs 10 and 20 and peer 3 in VLAN 10 only. Frames of VLAN 20 never
# reach node 3, frames of VLAN 10 reach both, and node 3 (which claims VLAN
# 20 towards node 1 in its own configuration) cannot inject into VLAN 20:
# node 1 drops its tagged frames as drop_l2_segment, because the key that
# authenticated them is peer 3's. Frames are sent raw (burrow-l2-send,
# AF_PACKET) on b0 itself, so no 8021q or bridge module is needed.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/l2.sh"
plan 11

l2_mesh 3
ok $? "three l2 nodes"
n1=$(l2_ns 1) n2=$(l2_ns 2) n3=$(l2_ns 3)
run_ok "node 1: peer 2 in VLANs 10 and 20" in_ns "$n1" burrow-nl peer set b0 id 2 segments 10,20
run_ok "node 1: peer 3 in VLAN 10 only" in_ns "$n1" burrow-nl peer set b0 id 3 segments 10
in_ns "$n2" burrow-nl peer set b0 id 1 segments 10,20
in_ns "$n2" burrow-nl peer set b0 id 3 segments 10
# Node 3 claims VLAN 20 towards node 1: its own transmit lets it through.
in_ns "$n3" burrow-nl peer set b0 id 1 segments 10,20
in_ns "$n3" burrow-nl peer set b0 id 2 segments 10
is "$(l2_peer_json 1 2 | jq -c .segments)" "[10,20]" "peer show -j lists the segments"

rx() { l2_peer_json "$1" "$2" | jq .rx_packets; }

# VLAN 20 from node 1: node 2 gets it, node 3 does not.
r2=$(rx 2 1) r3=$(rx 3 1) t3=$(l2_peer_json 1 3 | jq .tx_packets)
in_ns "$n1" burrow-l2-send b0 5 vlan 20 src-base 100
got20() { [ "$(rx 2 1)" -ge $((r2 + 5)) ]; }
wait_for 10 got20
ok $? "node 2 (member of VLAN 20) receives node 1's 5 VLAN 20 frames"
# The same frames tagged 10 then reach node 3: by then, had any of the
# VLAN 20 frames gone there, they would have arrived first (per-peer order).
in_ns "$n1" burrow-l2-send b0 5 vlan 10 src-base 200
got10() { [ "$(rx 3 1)" -ge $((r3 + 5)) ]; }
wait_for 10 got10
ok $? "node 3 (member of VLAN 10) receives node 1's 5 VLAN 10 frames"
is "$(($(rx 3 1) - r3))" 5 "node 3 received exactly those 5, none of VLAN 20"
is "$(($(l2_peer_json 1 3 | jq .tx_packets) - t3))" 5 "node 1 sent peer 3 only the VLAN 10 frames"

# Node 3 forges VLAN 20 towards node 1.
before=$(l2_counter 1 drop_l2_segment)
in_ns "$n3" burrow-l2-send b0 5 vlan 20 src-base 300
forged() { [ "$(l2_counter 1 drop_l2_segment)" -ge $((before + 5)) ]; }
wait_for 10 forged
ok $? "node 1 drops node 3's forged VLAN 20 frames (drop_l2_segment +$(($(l2_counter 1 drop_l2_segment) - before)))"
fdb=$(in_ns "$n1" burrow-nl -j fdb show dev b0)
is "$(echo "$fdb" | jq '[.[] | select(.peer == 3 and .vlan == 20)] | length')" 0 \
	"node 1 learnt no MAC of peer 3 in VLAN 20"
is "$(in_ns "$n2" burrow-nl -j fdb show dev b0 |
	jq '[.[] | select(.peer == 1 and .vlan == 20 and (.mac | startswith("02:42:00:00:00:")))] | length')" 5 \
	"node 2 learnt node 1's 5 VLAN 20 source MACs in VLAN 20"
done_testing
