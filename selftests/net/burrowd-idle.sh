#!/bin/bash
# burrow-vm: distro-only (burrowd's idle pings are userspace; the kernel carries no data in this test)
# An idle tunnel keeps its session: the control connection carries nothing
# between rotations, so burrowd pings it at a third of idle_timeout. With
# idle_timeout 9 s and no traffic at all for 25 s (almost three timeouts),
# the session that came up must still be the one in use, on both nodes.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 5

bd_idle_timeout=9
bd_passive=2	# one dialler: no simultaneous open to settle first
bd_nodes
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"
established1=$(bd_json 1 | jq '.peers[0].sessions_established')
established2=$(bd_json 2 | jq '.peers[0].sessions_established')
downs_before=$(cat "$bd_dir"/n*/log | grep -c "down:")

# The subject of this test is time passing without traffic.
sleep 25

is "$(bd_state 1) $(bd_state 2)" "up up" "after 25 s idle both sessions are up"
is "$(bd_json 1 | jq '.peers[0].sessions_established') $(bd_json 2 | jq '.peers[0].sessions_established')" \
	"$established1 $established2" "and they are the sessions from before (none re-established)"
[ "$(cat "$bd_dir"/n*/log | grep -c "down:")" = "$downs_before" ]
ok_or_logs $? "no session went down (no idle timeout)"
run_ok "ping through the tunnel after the idle period" tunnel_ping burrow-n1 10.10.0.2
done_testing
