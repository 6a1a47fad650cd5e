#!/bin/bash
# Deleting a namespace that holds live burrow devices (up, addressed, one
# moved in from another namespace) destroys them cleanly, and the module can
# be unloaded afterwards.
. "$(dirname "$0")/../lib/tap.sh"
plan 6

ns_add burrow-del
ns_add burrow-keep

status=0
for i in 0 1 2; do
	ip -n burrow-del link add "burrow$i" type burrow &&
		ip -n burrow-del addr add "10.98.$i.1/24" dev "burrow$i" &&
		ip -n burrow-del link set "burrow$i" up || status=1
done
ok $status "three live devices in the namespace to delete"

run_ok "a device created elsewhere" ip -n burrow-keep link add burrow-moved type burrow
run_ok "can move into that namespace" ip -n burrow-keep link set burrow-moved netns burrow-del
is "$(ip -n burrow-del -j link show type burrow | jq length)" 4 "namespace holds four burrow devices"

run_ok "namespace with live devices is deleted" ip netns del burrow-del
# The namespace's devices are destroyed by the kernel's netns cleanup work;
# unloading the module waits for that and must then succeed.
run_ok "module unloads after the namespace is gone" modprobe -r burrow
done_testing
