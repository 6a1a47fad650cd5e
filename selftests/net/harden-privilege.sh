#!/bin/bash
# burrow-vm: distro-only (capability checks of the netlink core and mcast_bind; the ops behind them run on the debug kernel in genl-basics and genl-fuzz)
# Peers, keys and events reveal endpoints, CIDs and counters, so
# reading them needs CAP_NET_ADMIN in the device's netns, as WireGuard and
# ovpn require: an unprivileged uid is refused, and so is root of a user
# namespace that does not own the device's netns. dev-get stays readable.
# Root of a user namespace that owns its netns may read its own devices.
. "$(dirname "$0")/../lib/tap.sh"
plan 11

ns_add harden-priv
nsx() { ip netns exec harden-priv "$@"; }
nobody() { nsx setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$@"; }
# Root of a fresh user namespace: every capability, but over that user
# namespace only, which does not own the device's netns.
userns_root() { nobody unshare -U -r "$@"; }
dev=ifname:str:burrow0
peer1="peer:nest-begin id:u32:1 peer:nest-end"
keyconf="keyconf:nest-begin peer-id:u32:1 slot:u8:1 keyconf:nest-end"

nsx ip link add burrow0 type burrow
nsx burrow-nl peer add burrow0 id 1 endpoint 192.0.2.9:4000 allowed-ips 10.0.0.0/24

run_fails "peer-get by an unprivileged uid" 2 "error EPERM" nobody burrow-nl-raw peer-get $dev $peer1
run_fails "a peer-get dump by an unprivileged uid" 2 "error EPERM" \
	nobody burrow-nl-raw --dump peer-get $dev
run_fails "key-get by an unprivileged uid" 2 "error EPERM" nobody burrow-nl-raw key-get $dev $keyconf
is "$(nobody burrow-harden mcast-join)" "error EPERM" "an unprivileged uid cannot join the events group"
run_fails "peer-get by root of another user namespace" 2 "error EPERM" \
	userns_root burrow-nl-raw peer-get $dev $peer1
is "$(userns_root burrow-harden mcast-join)" "error EPERM" \
	"root of another user namespace cannot join the events group"
run_ok "dev-get stays readable" nobody burrow-nl-raw dev-get $dev
run_ok "root reads the peer" nsx burrow-nl-raw peer-get $dev $peer1
is "$(nsx burrow-harden mcast-join)" ok "root joins the events group"
# A user namespace that owns its netns: its root administers its devices.
own=$(nobody unshare -U -r -n sh -c "ip link add burrow0 type burrow && \
	burrow-nl peer add burrow0 id 1 && burrow-nl-raw peer-get $dev $peer1 && \
	burrow-harden mcast-join" 2>&1)
[[ $own == *"ok replies 1"*ok ]]
ok $? "root of a user namespace reads its own netns's peers and events ($own)"
run_ok "and the refused requests changed nothing" nsx burrow-nl-raw peer-get $dev $peer1
done_testing
