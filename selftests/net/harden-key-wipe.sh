#!/bin/bash
# A key-new the kernel refuses must not leave its key material in the
# request. Observable: with NETLINK_CAP_ACK off, the error ACK echoes the
# whole request, copied from the request skb after the handler ran, so it
# shows zeroes where a wiped key was and the key bytes where the request
# was refused before the handler could wipe it (the genetlink core's
# capability and policy checks). burrow-harden key-echo sends key-new with
# recognizable material in each failure mode and reports what the echo
# holds.
. "$(dirname "$0")/../lib/tap.sh"
plan 7

ns_add harden-kwipe
nsx() { ip netns exec harden-kwipe "$@"; }
nobody() { nsx setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$@"; }

nsx ip link add burrow0 type burrow
nsx burrow-nl peer add burrow0 id 1 endpoint 192.0.2.9:4000

is "$(nsx burrow-harden key-echo unknown-dev burrow0)" "error ENODEV wiped" \
	"a device that does not exist"
is "$(nsx burrow-harden key-echo unknown-peer burrow0)" "error ENOENT wiped" \
	"a peer that does not exist"
is "$(nsx burrow-harden key-echo bad-key-len burrow0)" "error ERANGE wiped" \
	"an encrypt-key longer than any cipher's (policy error inside keyconf)"
is "$(nsx burrow-harden key-echo ifindex-zero burrow0)" "error ERANGE wiped" \
	"ifindex 0 (policy error at the top level)"
is "$(nsx burrow-harden key-echo long-ifname burrow0)" "error EINVAL wiped" \
	"an ifname longer than 15 bytes (policy error at the top level)"
is "$(nsx burrow-harden key-echo two-keyconfs burrow0)" "error ENOENT wiped" \
	"a keyconf followed by a second one"
is "$(nobody burrow-harden key-echo valid burrow0)" "error EPERM wiped" \
	"a caller without CAP_NET_ADMIN"
done_testing
