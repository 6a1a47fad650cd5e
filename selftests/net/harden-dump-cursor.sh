#!/bin/bash
# A peer-get dump paused between rounds while its device is deleted
# and a new device takes the same name, gets a peer with the same id and
# its generation is brought to the value the dump saved. The dump must not
# continue on the new device from a pointer into the old one's freed
# prefixes (KASAN use-after-free on the debug kernel; freed or foreign
# prefixes, or an endless dump, on the distro kernel): it holds the old
# device, finds it dead and ends with ENODEV, and the deletion completes
# once the dump is over.
. "$(dirname "$0")/../lib/tap.sh"
plan 9

ns_add harden-dump
nsx() { ip netns exec harden-dump "$@"; }

run_ok "a device" nsx ip link add burrow0 type burrow
is "$(nsx burrow-harden peer-fill burrow0 1 3000 1)" ok "peer 1 with 3000 prefixes"

coproc dumper { ip netns exec harden-dump burrow-harden dump-pause burrow0 1; }
dump_in=${dumper[1]}
read -r -t 30 paused <&"${dumper[0]}"
[[ $paused == "paused messages "[1-9]*" result more" ]]
ok $? "the dump stops after its first batch ($paused)"
gen=$(nsx burrow-harden gen burrow0)

# Deleting waits for the dump's device reference (fixed code), so it runs
# in the background; the name is free as soon as the device is unlisted.
ip netns exec harden-dump ip link del burrow0 &
deleter=$!
wait_for 20 eval '! nsx ip link show burrow0'
ok $? "the device is unlisted"
run_ok "a new device takes its name" nsx ip link add burrow0 type burrow
is "$(nsx burrow-harden peer-fill burrow0 1 1 9)" ok "with a peer of the same id"
bumped=$(nsx burrow-harden bump burrow0 "$gen")
is "$bumped" "generation $gen" "and the generation the dump saved"

echo go >&"$dump_in"
read -r -t 60 result <&"${dumper[0]}"
# Messages the kernel queued before the deletion are fine; after it, the
# dump must neither go on (all 3000, or more) nor show anything foreign.
[[ $result =~ ^done\ prefixes\ ([0-9]+)\ foreign\ 0\ intr\ 0\ error\ ENODEV$ ]] &&
	[ "${BASH_REMATCH[1]}" -lt 3000 ]
ok $? "the dump ends with ENODEV on the deleted device, nothing foreign ($result)"
wait_for 30 eval '! kill -0 $deleter'
ok $? "the deletion completes once the dump is over"
wait "$deleter" 2>/dev/null
done_testing
