#!/bin/bash
# Every peer owns a NAPI on dev->napi_list, which RTNL protects:
# writing /sys/class/net/DEV/threaded walks that list under RTNL and sleeps
# while it does. Peer creation and deletion therefore take RTNL too. This
# churns peers while a second loop toggles threaded; the debug kernel
# (KASAN, lockdep, list debugging) must stay silent and every peer
# operation succeed. The race it guards against could not be made to fail
# reliably on the old code in a cheap test: this asserts the locking
# (lockdep and ASSERT_RTNL in burrow_peer_create/remove) and the outcome.
. "$(dirname "$0")/../lib/tap.sh"
plan 5

ns_add harden-napi
nsx() { ip netns exec harden-napi "$@"; }
dir=$(mktemp -d)

run_ok "a device" nsx ip link add burrow0 type burrow
for round in 1 2 3; do
	for id in $(seq 1 100); do echo "peer add burrow0 id $id allowed-ips 10.$round.$id.0/24"; done
	for id in $(seq 1 100); do echo "peer del burrow0 id $id"; done
done >"$dir/batch"

# threaded is writable only while the device is up, in the device's netns.
nsx ip link set burrow0 up
toggle() {
	local v=1
	while [ ! -e "$dir/stop" ]; do
		echo $v >/sys/class/net/burrow0/threaded 2>/dev/null
		v=$((1 - v))
	done
}
nsx bash -c "$(declare -f toggle); dir=$dir; toggle" &
toggler=$!
run_ok "300 peers added and deleted while threaded toggles" nsx burrow-nl -batch "$dir/batch"
touch "$dir/stop"
wait $toggler
is "$(nsx burrow-nl -j dev show burrow0 | jq '.[0].peer_count')" 0 "no peer is left"
# threaded needs at least one NAPI on the list.
run_ok "a peer, then threaded set once more" nsx sh -c 'burrow-nl peer add burrow0 id 7 &&
	echo 1 >/sys/class/net/burrow0/threaded'
run_ok "and the device deleted" nsx ip link del burrow0
rm -rf "$dir"
done_testing
