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
