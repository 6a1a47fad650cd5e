#!/bin/bash
# 'make bench': one boot of the distro kernel under qemu, every system side by
# side in it (selftests/bench/guest.sh), then
#   build/bench.json   one object per measurement (system, workload, value, unit,
#                      runs, platform "tcg"; make bench-native adds "uml" rows)
#   build/bench.txt    the aligned table, also printed
#   docs/performance.md  its generated section replaced by the new table
# BENCH_DURATION (seconds per iperf3 run, default 10) and BENCH_RUNS (TCP
# repeats, default 3) are passed to the guest. The guest gets as many vCPUs
# as the host has cores, at least 2 (BURROW_VM_CPUS overrides).
# BENCH_SCRIPTS (blank-separated names of selftests/bench/*-guest.sh, e.g.
# 'l2-guest.sh') runs only those, in one boot: their rows go to
# build/bench-subset.json and their table is printed, but build/bench.json
# and docs/performance.md are left alone, since a partial table there would
# mix boots (its ratio columns are only meaningful within one).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
cpus=${BURROW_VM_CPUS:-$(nproc)}
[ "$cpus" -ge 2 ] || cpus=2

all_scripts="guest.sh scale-guest.sh proxy-guest.sh relay-guest.sh l2-guest.sh"
scripts=${BENCH_SCRIPTS:-$all_scripts}
script_args=()
for script in $scripts; do
	[ -f "selftests/bench/$script" ] || {
		echo "bench: BENCH_SCRIPTS names '$script', not a file in selftests/bench (have: $all_scripts)" >&2
		exit 2
	}
	script_args+=(--script "selftests/bench/$script")
done
[ ${#script_args[@]} -gt 0 ] || { echo "bench: BENCH_SCRIPTS names no script" >&2; exit 2; }

# The crypto-ceiling module (guest.sh), built against the distro kernel's
# headers outside the source directory.
eval "$(selftests/vm/kernel.sh distro)"
ceiling_ko=$(bash selftests/bench/ceiling/build.sh "$KERNEL_BUILD" build/ceiling-distro)

BURROW_VM_EXTRA_KOS=$ceiling_ko BURROW_VM_CPUS=$cpus BURROW_VM_APPEND="BENCH_DURATION=$duration BENCH_RUNS=$runs BENCH_PEERS=${BENCH_PEERS:-100000} BURROW_TEST_TIMEOUT=$((300 + duration * 200))" \
	bash selftests/vm/run.sh --kernel distro "${script_args[@]}" \
	--timeout $((1500 + duration * 400))
# This run's rows, tagged platform "tcg", replace the earlier TCG rows; the
# UML rows of 'make bench-native' (platform "uml") stay.
rows=$(grep -a '^BENCH ' build/vm-distro.log | tr -d '\r' | cut -d' ' -f2- |
	jq -s 'map(. + {platform: "tcg"})')
host="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB"
accel=tcg
[ "$(cat ~/.cache/burrow/kvm-probe-"$(cat /proc/sys/kernel/random/boot_id)" 2>/dev/null)" = yes ] && accel=kvm
kernel=$(sed -n 's/^BURROW-VM-BOOTED \([^ ]*\).*/\1/p' build/vm-distro.log | tr -d '\r' | head -n1)
setup="host: $host, $(. /etc/os-release && echo "$PRETTY_NAME"); guest: $kernel under qemu ($accel), $cpus vCPUs, 1 GiB; $(date -u +%Y-%m-%d)"
if [ "$scripts" != "$all_scripts" ]; then
	echo "$rows" >build/bench-subset.json
	{
		echo "make bench BENCH_DURATION=$duration BENCH_RUNS=$runs BENCH_SCRIPTS='$scripts'"
		echo "$setup"
		echo
		/usr/bin/python3 selftests/bench/table.py build/bench-subset.json --command - --setup -
	} | tee build/bench-subset.txt
	exit 0
fi
if [ -f build/bench.json ]; then
	jq --argjson new "$rows" 'map(select((.platform // "tcg") != "tcg")) + $new' \
		build/bench.json >build/bench.json.new
else
	echo "$rows" >build/bench.json.new
fi
mv build/bench.json.new build/bench.json

/usr/bin/python3 selftests/bench/table.py build/bench.json --platform tcg \
	--command "make bench BENCH_DURATION=$duration BENCH_RUNS=$runs" \
	--setup "$setup" \
	--doc docs/performance.md | tee build/bench.txt
