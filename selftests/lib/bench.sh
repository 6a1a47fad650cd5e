# shellcheck shell=bash
# One result line for selftests/bench/run.sh, which collects the lines that
# start with BENCH from the guest's output (docs/performance.md):
#   bench_emit SYSTEM WORKLOAD UNIT VALUE...
# prints the median of the values as the result, and every run beside it.
bench_emit() {
	local system=$1 workload=$2 unit=$3 median
	shift 3
	median=$(printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "BENCH $(jq -nc --arg s "$system" --arg w "$workload" --arg u "$unit" \
		--argjson v "$median" --argjson r "$(printf '%s\n' "$@" | jq -s -c .)" \
		'{system: $s, workload: $w, value: $v, unit: $u, runs: $r}')"
}

# bench_veth_pair A B: namespaces A and B (removed at exit, tap.sh) joined by
# veth0, 192.0.2.1/24 in A and .2 in B: the underlay every guest bench uses.
bench_veth_pair() {
	ns_add "$1"
	ns_add "$2"
	ip -n "$1" link add veth0 type veth peer name veth0 netns "$2"
	ip -n "$1" addr add 192.0.2.1/24 dev veth0
	ip -n "$2" addr add 192.0.2.2/24 dev veth0
	ip -n "$1" link set veth0 up
	ip -n "$2" link set veth0 up
}

# The packet and byte counters of DEVICE in namespace NS:
# tx_packets rx_packets tx_bytes rx_bytes
bench_device_counters() {
	ip -n "$1" -s -j link show dev "$2" |
		jq -r '.[0].stats64 | "\(.tx.packets) \(.rx.packets) \(.tx.bytes) \(.rx.bytes)"'
}

# A directory listing, not a 'test -e': a fresh readdir asks the host each
# time, where a lookup could be answered from the guest's cached negative entry.
# shellcheck disable=SC2010 # the names are the script's own, plain words
bench_profile_marker_exists() { ls "$1" | grep -qxF "$2"; }

# bench_profile_flow DIR NS DEVICE SYSTEM ADDRESS PIDFILE: one more tcp-1
# flow from NS to ADDRESS (an iperf3 server whose pid is in PIDFILE), under
# the host's perf (make bench-native: selftests/bench/uml-profile.py follow,
# DIR a host directory shared over hostfs). The guest writes its
# /proc/kallsyms to DIR, prints BURROW-PROFILE-START SYSTEM and waits for
# DIR/SYSTEM.on (perf is sampling), runs the flow, prints
# BURROW-PROFILE-STOP SYSTEM with the growth over the flow of DEVICE's
# counters and of the server's voluntary context switches (its waits for
# data), and waits for DIR/SYSTEM.off.
bench_profile_flow() {
	local dir=$1 ns=$2 device=$3 system=$4 address=$5 pidfile=$6
	local server before after waits_before waits_after status=0
	[ -e "$dir/kallsyms" ] || cat /proc/kallsyms >"$dir/kallsyms"
	server=$(cat "$pidfile")
	read -r -a before < <(bench_device_counters "$ns" "$device")
	waits_before=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$server/status")
	echo "BURROW-PROFILE-START $system"
	wait_for 60 bench_profile_marker_exists "$dir" "$system.on" || status=1
	in_ns "$ns" iperf3 -c "$address" -t "${BENCH_DURATION:-10}" >/dev/null || status=1
	read -r -a after < <(bench_device_counters "$ns" "$device")
	waits_after=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$server/status")
	echo "BURROW-PROFILE-STOP $system $((after[0] - before[0])) $((after[1] - before[1]))" \
		"$((after[2] - before[2])) $((after[3] - before[3]))" \
		"$((waits_after - waits_before))"
	wait_for 120 bench_profile_marker_exists "$dir" "$system.off" || status=1
	ok $status "$system: profiled TCP flow, $((after[0] - before[0])) packets sent"
}
