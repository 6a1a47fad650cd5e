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
