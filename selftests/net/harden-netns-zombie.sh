#!/bin/bash
# An attached socket must not keep its netns, and with it the device,
# alive forever. A process attaches a socket of its own in a netns and is
# killed with -9; the netns is deleted. The socket's last descriptor closed,
# so the device detached; the netns then goes, and takes the device (its
# debugfs entry) with it. A socket of the kernel's own (burrow-nl dev set
# listen, for static setups) stays attached after burrow-nl exits and does
# not keep the netns either.
. "$(dirname "$0")/../lib/tap.sh"
plan 10

debugfs=/sys/kernel/debug/burrow
grep -q " /sys/kernel/debug debugfs " /proc/mounts || mount -t debugfs none /sys/kernel/debug
entries() { ls "$debugfs" | grep -c "^$1@"; }
gone() { [ "$(entries "$1")" -eq 0 ]; }

ns_add harden-zombie
ip -n harden-zombie link add zombie0 type burrow
coproc holder { exec ip netns exec harden-zombie burrow-harden hold-attach zombie0 41999; }
read -r -t 30 attached <&"${holder[0]}"
is "$attached" attached "a process attached a socket of its own"
port() { ip netns exec harden-zombie burrow-nl -j dev show zombie0 | jq -r '.[0].listen_port'; }
is "$(port)" 41999 "the device uses it"
is "$(entries zombie0)" 1 "and has its debugfs entry"
holder_pid=$holder_PID
kill -9 "$holder_pid"
wait "$holder_pid" 2>/dev/null
wait_for 10 eval '[ "$(port)" = null ]'
ok $? "killing the process (-9) closed its socket and detached it"
ip netns del harden-zombie
wait_for 30 gone zombie0
status=$?
# Whatever happened, nothing of this test may outlive it.
kill -9 "$holder_pid" 2>/dev/null
(exit $status)
ok $? "after ip netns del the device is gone (no zombie)"

ns_add harden-static
ip -n harden-static link add static0 type burrow
run_ok "burrow-nl dev set listen (a kernel socket)" \
	ip netns exec harden-static burrow-nl dev set static0 listen 41998
is "$(ip netns exec harden-static burrow-nl -j dev show static0 | jq -r '.[0].listen_port')" \
	41998 "stays attached after burrow-nl exited"
is "$(entries static0)" 1 "the static device has its debugfs entry"
ip netns del harden-static
wait_for 30 gone static0
ok $? "and does not keep the netns: the device goes with it"
# Nothing left behind: the module unloads and loads again.
run_ok "the module unloads and loads again" sh -c 'modprobe -r burrow && modprobe burrow'
done_testing
