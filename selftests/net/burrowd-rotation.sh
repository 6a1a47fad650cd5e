#!/bin/bash
# burrow-vm: distro-only (burrowd's rotation protocol; the kernel key install/swap/delete it drives runs on the debug kernel in udp-rotation and quic-rotation)
# burrowd key rotation under load: 10 rotations forced with 'burrowd
# rotate' (alternating between the two nodes, so the server's
# ROTATE_REQUEST path runs too, five times each) while iperf3 TCP runs
# through the tunnel.
# Each new generation mixes a fresh X25519 exchange into the exporter
# (docs/security.md). The TCP stream must survive, nothing may fail to
# decrypt, and both kernels must end on the last generation with the old
# key deleted.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 11

# Ten: each takes about 15 s in the emulated guest under load, and every
# rotation repeats the same exchange (key ids only wrap after 254).
rotations=10

bd_nodes
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"
tunnel_ping burrow-n1 10.10.0.2 >/dev/null
status=0
# Generation 2 comes by itself right after up (forward secrecy); the
# operator's rotations start from there (before the load starts, so the
# iperf3 budget below is the loop's alone).
wait_for 30 bd_generation_is 2 && wait_for 10 bd_old_key_gone ||
	{ diag "generation 2 not reached after up"; status=1; }

in_ns burrow-n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
wait_for 10 in_ns burrow-n2 ss -ltn sport = :5201
# Paced: a saturated TCG guest would delay the control stream behind the
# data and the test would measure the emulator, not the rotation.
# It runs longer than the loop below can (each rotation waits at most 30 s,
# plus the polls' own time, which on a loaded host made 10 rotations take
# 373 s), so only a broken stream ends it before bd_iperf_survived looks.
in_ns burrow-n1 iperf3 -c 10.10.0.2 -t $((rotations * 60 + 60)) -b $background_rate >"$bd_dir/iperf.log" 2>&1 &
iperf=$!

start=$(date +%s)
for i in $(seq 1 "$rotations"); do
	node=$((i % 2 + 1))
	out=$(in_ns "$(bd_ns $node)" burrowd rotate n$((3 - node)) -c "$(bd_conf $node)" 2>&1) ||
		{ diag "rotation $i: burrowd rotate on n$node: $out"; status=1; break; }
	wait_for 20 bd_generation_is $((i + 2)) ||
		{ diag "rotation $i: generation $((i + 2)) not reached"; status=1; break; }
	wait_for 10 bd_old_key_gone || { diag "rotation $i: old key still installed"; status=1; break; }
done
ok_or_logs $status "$rotations rotations, each reaching both nodes"
diag "$rotations rotations took $(($(date +%s) - start)) s"

bd_iperf_survived $iperf

is "$(counter burrow-n1 drop_decrypt)" 0 "n1: no decryption failures"
is "$(counter burrow-n2 drop_decrypt)" 0 "n2: no decryption failures"
want_id=$(((rotations + 2 - 1) % 254 + 1))
is "$(in_ns burrow-n1 burrow-nl -j key show burrow0 peer "$(bd_kid 1 n2)" slot primary | jq '.[0].key_id')" \
	"$want_id" "n1's kernel encrypts with the last generation's key id"
is "$(in_ns burrow-n2 burrow-nl -j key show burrow0 peer "$(bd_kid 2 n1)" slot primary | jq '.[0].key_id')" \
	"$want_id" "n2's kernel too"
is "$(bd_json 1 | jq '.peers[0].rotations')" "$((rotations + 1))" \
	"n1 counted $rotations rotations and the first one after up"
bd_log_has 1 "generation $((rotations + 2))"
ok $? "the log records the generations"
# burrowd copies the kernel counters into the sessions row at each generation.
stored=$(sqlite3 "$bd_dir/n1/state.db" "SELECT generation || ' ' || tx_bytes FROM sessions")
[ "${stored% *}" = $((rotations + 2)) ] && [ "${stored#* }" -gt 100000 ]
ok $? "n1's store holds the last generation and the kernel's tx bytes" || diag "sessions row: '$stored'"
done_testing
