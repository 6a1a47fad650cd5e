#!/bin/bash
# burrow-vm: distro-only (refusals happen in burrowd before any kernel state; burrowd-basic and burrowd-quic run on the debug kernel)
# burrowd refuses what it must: a peer that shows another public key than
# the pinned one (both directions of dialling), and a session with no
# common cipher. Each refusal leaves a clear log line and no kernel peer.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 10

# (kernel peer ids are random: no peer at all on the device)
no_kernel_peer() { [ "$(in_ns "burrow-n$1" burrow-nl -j peer show burrow0 | jq length)" = 0 ]; }

# n1 pins a key that is not n2's.
bd_nodes
wrong=$(burrowd genkey "$bd_dir/wrong.key")
bd_write_conf 1 "chacha20-poly1305" "$wrong"
bd_start 1
bd_start 2
wait_for 60 bd_log_has 1 "server public key mismatch: expected $wrong"
ok_or_logs $? "n1 dialling n2: 'server public key mismatch' naming the pinned key"
wait_for 60 bd_log_has 1 "public key ${bd_key[2]} is not a configured peer"
ok_or_logs $? "n2 dialling n1: n1 refuses the unknown key, naming it"
no_kernel_peer 1
ok $? "n1 has no kernel peer"
no_kernel_peer 2
ok $? "n2 has no kernel peer"
[ "$(bd_state 2)" != up ]
ok $? "n2 never comes up (it keeps retrying with backoff)"
bd_stop 1
bd_stop 2

# Fresh state, correct keys, but no cipher in common.
bd_write_conf 1 "aes-128-gcm" "${bd_key[2]}"
bd_write_conf 2 "chacha20-poly1305, aes-256-gcm" "${bd_key[1]}"
: >"$bd_dir/n1/log"
: >"$bd_dir/n2/log"
rm -f "$bd_dir"/n?/state.db*	# n1's store remembers the wrong key under n2's name
bd_start 1
bd_start 2
reason="no common cipher"
wait_for 60 bd_log_has 1 "$reason"
ok_or_logs $? "n1 logs why the session was refused"
wait_for 60 bd_log_has 2 "$reason"
ok_or_logs $? "n2 logs it too"
grep -h "$reason" "$bd_dir/n1/log" "$bd_dir/n2/log" | head -2 | while read -r line; do diag "$line"; done
no_kernel_peer 1
ok $? "n1 has no kernel peer"
no_kernel_peer 2
ok $? "n2 has no kernel peer"
bd_stop 1
ok $? "n1 still shuts down cleanly"
done_testing
