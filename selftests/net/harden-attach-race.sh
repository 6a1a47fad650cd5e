#!/bin/bash
# Claiming a UDP socket for a device is atomic. Two devices attach one
# socket at the same moment, each while replacing a socket of its own (so
# releasing the old socket must not open a window between the ownership
# check and the takeover): exactly one must win and the other get EBUSY,
# every round.
# A socket attached to one device is refused by another, and unbound
# sockets are refused with a message naming the problem.
. "$(dirname "$0")/../lib/tap.sh"
plan 7

ns_add harden-attach
nsx() { ip netns exec harden-attach "$@"; }

run_ok "two devices" eval 'nsx ip link add burrow0 type burrow && nsx ip link add burrow1 type burrow'
is "$(nsx burrow-harden attach-twice burrow0 burrow1)" "second EBUSY" \
	"a socket attached to one device is refused by another"
result=$(nsx burrow-harden attach-race burrow0 burrow1 100)
is "$result" "one 100 both 0 none 0" "100 parallel attaches of one socket: exactly one wins each time"
# The claim is released on detach: a socket that left one device can join another.
run_ok "both devices still take sockets" nsx burrow-nl dev set burrow0 listen 40001
run_ok "and give them back" nsx burrow-nl dev set burrow0 detach
# Unbound: burrow would send from port 0 and receive nothing. UDP_GRO:
# coalesced datagrams would reach the tunnel as one and fail to decrypt.
is "$(nsx burrow-harden attach-unbound burrow0)" EINVAL "an unbound socket is refused"
is "$(nsx burrow-harden attach-gro burrow0)" EINVAL "a socket with UDP_GRO on is refused"
done_testing
