#!/bin/bash
# burrow-vm: distro-only (daemon restarts are userspace; the device and key paths a restart drives run on the debug kernel in burrowd-basic and burrowd-quic)
# burrowd restarts: one daemon restarted (SIGTERM, start) in the middle of
# a TCP transfer, and one killed with SIGKILL in the middle of rotations.
# The tunnel must come back each time, the TCP stream must survive the
# short outage, and the killed daemon's SQLite state must pass
# PRAGMA integrity_check.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 12

bd_nodes
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"
tunnel_ping burrow-n1 10.10.0.2 >/dev/null

in_ns burrow-n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns burrow-n2 ss -ltn sport = :5201
in_ns burrow-n1 iperf3 -c 10.10.0.2 -t 300 -b $background_rate >"$bd_dir/iperf.log" 2>&1 &
iperf=$!
received=0
more_received() { [ "$(bd_peer_json 2 n1 | jq .rx_bytes)" -gt $((received + 100000)) ]; }
wait_for 10 more_received

# 1. Restart n2 mid-transfer.
bd_stop 2
ok $? "n2 stops cleanly mid-transfer"
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "the session comes back after n2's restart"
received=$(bd_peer_json 2 n1 | jq .rx_bytes)
wait_for 30 more_received
ok $? "the TCP transfer resumes through the new session" || diag "$(cat "$bd_dir/iperf.log")"
kill -0 $iperf 2>/dev/null
ok $? "the iperf3 stream survived the restart"
kill $iperf
wait $iperf 2>/dev/null

# 2. SIGKILL n1 while it rotates, repeatedly asking for rotations.
for _ in 1 2 3; do
	in_ns burrow-n1 burrowd rotate -c "$(bd_conf 1)" >/dev/null 2>&1
done
n2_rx_before=$(bd_peer_json 2 n1 | jq .rx_bytes)
bd_kill9 1
is "$(sqlite3 "$bd_dir/n1/state.db" 'PRAGMA integrity_check')" ok \
	"n1's database is intact after SIGKILL"
sessions=$(sqlite3 "$bd_dir/n1/state.db" 'SELECT count(*) FROM nodes')
is "$sessions" 1 "and still knows its peer"
bd_start 1
# n2 still holds the dead session; n1's new connection replaces it.
# (n2's count restarted with n2: its first session, then this one.)
new_session() { bd_both_up && [ "$(bd_json 2 | jq '.peers[0].sessions_established')" -ge 2 ]; }
wait_for 30 new_session
ok_or_logs $? "after n1's restart a new session is up on both sides"
run_ok "ping through the tunnel again" tunnel_ping burrow-n1 10.10.0.2
bd_log_has 2 "replaces the established one"
ok_or_logs $? "n2 logged that the new connection replaced the dead one"
n2_rx_after=$(bd_peer_json 2 n1 | jq .rx_bytes)
[ "$n2_rx_after" -gt "$n2_rx_before" ]
ok $? "n2's kernel peer carried its counters into the new session" ||
	diag "rx_bytes before the restart $n2_rx_before, after $n2_rx_after"
is "$(counter burrow-n2 drop_decrypt)" 0 "n2: no decryption failures"
done_testing
