#!/bin/bash
# 'make bench', guest side: the stream proxy against plain TCP over the
# burrow tunnel between the same two nodes (issue 21). Two burrowd nodes as
# in selftests/net/service-proxy.sh; n2 has one [service sinkN] per run whose
# target is a busybox nc sink on its loopback. One bulk stream of
# BENCH_STREAM_MIB MiB (default 64) from n1 into a sink on n2, BENCH_RUNS
# times each way, alternating:
#   tcp-over-burrow  busybox nc from n1 to n2's tunnel address 10.10.0.2
#   burrow-proxy     burrowd connect n2 sinkN: QUIC (ALPN burrow-proxy/1) to
#                    n2's endpoint 192.0.2.2:51822, the tunnel's UDP port,
#                    beside the tunnel rather than inside it; n2's burrowd
#                    dials the same kind of sink
# Both sinks are the same: busybox nc -l whose stdout goes to a reader that
# takes the first byte, notes the time, and counts the rest with wc -c (no
# disk, no checksum). The time is the sink's wall clock from its first byte
# to its EOF (the sender closed and everything arrived), so connection and
# QUIC handshake setup are not counted, for either. Mbit/s = bytes * 8 /
# that time / 1e6. Each measurement is a 'BENCH {json}' line, as in guest.sh.
# The size does not scale with BENCH_DURATION: a fixed size keeps the
# workload name stable (64 MiB took 17-40 s a stream under TCG on a busy host).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/bench.sh"

runs=${BENCH_RUNS:-3}
mib=${BENCH_STREAM_MIB:-64}
bytes=$((mib * 1024 * 1024))
workload=stream-${mib}MiB
plan $((1 + 2 * runs))

bd_nodes
# One service per run, each with its own sink port (no port reused).
for run in $(seq "$runs"); do
	printf '\n[service sink%d]\ntarget = 127.0.0.1:%d\n' "$run" $((7200 + run))
done >>"$(bd_conf 2)"
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"

head -c "$bytes" /dev/urandom >"$bd_dir/in"
# The sinks' stdin stays open (a fifo held by this shell), so a sink ends
# only when the sender's side does, not when its own stdin does.
mkfifo "$bd_dir/open"
exec 9<>"$bd_dir/open"

# sink_reader DIR: the first byte, its time, then count the rest to EOF.
sink_reader() {
	dd bs=1 count=1 of=/dev/null 2>/dev/null
	echo "$EPOCHREALTIME" >"$1/first"
	wc -c >"$1/count"
	echo "$EPOCHREALTIME" >"$1/eof"
}

listening() { [ -n "$(in_ns burrow-n2 ss -Htln sport = :"$1")" ]; }

# measure PORT COMMAND...: start a sink on n2's PORT, send the file with
# COMMAND (run in n1), print Mbit/s; fail unless every byte arrived.
measure() {
	local port=$1 dir
	shift
	dir=$(mktemp -d -p "$bd_dir")
	ip netns exec burrow-n2 busybox nc -l -p "$port" <&9 2>/dev/null | sink_reader "$dir" &
	local sink=$!
	wait_for 10 listening "$port" || return 1
	ip netns exec burrow-n1 "$@" <"$bd_dir/in" >/dev/null 2>"$dir/err"
	local status=$?
	wait "$sink"
	if [ "$status" != 0 ] || [ "$(cat "$dir/count" 2>/dev/null)" != $((bytes - 1)) ]; then
		diag "port $port: sender exit $status, sink got $(cat "$dir/count" 2>/dev/null)+1 of $bytes bytes" \
			"$(cat "$dir/err")" >&2
		return 1
	fi
	echo "scale=2; $bytes * 8 / ($(cat "$dir/eof") - $(cat "$dir/first")) / 1000000" | bc
}

emit() { local system=$1; shift; bench_emit "$system" "$workload" Mbit/s "$@"; }	# emit SYSTEM VALUE...

# Alternate the two, so drift in the (shared, emulated) machine hits both.
plain=()
proxy=()
for run in $(seq "$runs"); do
	port=$((7100 + run))
	v=$(measure "$port" busybox nc 10.10.0.2 "$port")
	[[ $v =~ ^[0-9.]+$ ]]
	ok $? "run $run: $mib MiB by plain TCP over the burrow tunnel: $v Mbit/s"
	plain+=("${v:-0}")
	v=$(measure $((7200 + run)) burrowd connect -c "$(bd_conf 1)" n2 "sink$run")
	[[ $v =~ ^[0-9.]+$ ]]
	ok $? "run $run: $mib MiB through the stream proxy: $v Mbit/s"
	proxy+=("${v:-0}")
done
exec 9>&-
emit tcp-over-burrow "${plain[@]}"
emit burrow-proxy "${proxy[@]}"
median() { emit "$@" | cut -d' ' -f2- | jq .value; }
diag "proxy / plain (medians): $(echo "$(median burrow-proxy "${proxy[@]}") $(median tcp-over-burrow "${plain[@]}")" |
	awk '{ printf "%.2f", $1 / $2 }')"
done_testing
