#!/bin/bash
# 'make bench-native': selftests/bench/guest.sh at native CPU speed, in one
# boot of a User-Mode Linux kernel (ARCH=um, selftests/vm/build-uml-kernel.sh),
# then
#   build/bench.json     the UML rows (platform "uml") replace any earlier
#                        UML rows; TCG rows of 'make bench' stay
#   build/bench-native.txt  the aligned table, also printed
#   docs/performance.md  its bench-native section replaced by the new table
#   build/uml-bench.log  the console of the boot
# UML in 6.1 has one CPU and only the generic C crypto; see
# docs/performance.md for what its ratios mean. The host's / is the guest's
# root, read-only, so the tools the guest runs are the host's.
# BENCH_DURATION (default 10) and BENCH_RUNS (default 3) as for 'make bench';
# BENCH_CIPHERS limits burrow's ciphers (guest.sh); BENCH_DOC= (empty) leaves
# docs/performance.md alone, for comparison runs.
# BENCH_PROFILE=0 leaves out the host perf profile: by default every system
# runs one more tcp-1 flow under host perf (selftests/bench/uml-profile.py),
# and build/bench-native-profile.txt (and the doc's bench-native-profile
# section) splits its CPU time per tunnel packet into cipher, crypto glue,
# tunnel code, network stack and the rest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
log() { echo "bench-native: $*" >&2; }

kdir=$(bash selftests/vm/build-uml-kernel.sh)/linux-source-6.1
release=$(cat "$kdir/include/config/kernel.release")

# burrow.ko for um in its own tree: M= builds in place, and um objects must
# never meet the distro ones in build/kmod.
log "building burrow.ko for $release in build/uml-kmod"
make -s module KDIR="$kdir" MODULE_DIR=build/uml-kmod ARCH=um >&2
ceiling_ko=$(bash selftests/bench/ceiling/build.sh "$kdir" build/uml-ceiling ARCH=um)
make -s userspace >&2

# One boot. The kernel command line cannot carry blanks: BENCH_CIPHERS goes
# comma-separated (uml-init turns it back). stdin is not the console (con0 reads nothing); the UML
# memory file goes to /dev/shm.
guest=${BENCH_GUEST:-guest.sh}
[ -f "selftests/bench/$guest" ] || { log "no guest script selftests/bench/$guest"; exit 1; }
console=build/uml-bench.log
profile=${BENCH_PROFILE:-1}
profile_dir=$repo/build/uml-profile
profile_args=()
if [ "$profile" = 1 ]; then
	command -v perf >/dev/null || { log "perf is missing (apt-get install linux-perf), or BENCH_PROFILE=0"; exit 1; }
	rm -rf "$profile_dir"
	mkdir -p "$profile_dir"
	profile_args=(BENCH_PROFILE_DIR="$profile_dir")
fi
log "booting $release (1 CPU, 1 GiB); console in $console"
# timeout bounds a hung guest; it lives exactly as long as the UML kernel,
# so its pid is what the profiler watches.
timeout $((900 + duration * 150)) "$kdir/linux" mem=1G \
	root=/dev/root rootfstype=hostfs rootflags=/ ro \
	con0=null,fd:1 con=null init="$repo/selftests/bench/uml-init" \
	BENCH_REPO="$repo" BENCH_GUEST="$guest" BENCH_BURROW_KO="$repo/build/uml-kmod/burrow.ko" \
	BENCH_CEILING_KO="$ceiling_ko" BENCH_UDP_PPS=0 "${profile_args[@]}" \
	BENCH_CIPHERS="$(tr ' ' , <<<"${BENCH_CIPHERS:-chacha20-poly1305 aes-128-gcm aes-256-gcm}")" \
	BENCH_DURATION="$duration" BENCH_RUNS="$runs" </dev/null >"$console" 2>&1 &
uml=$!
follower=
if [ "$profile" = 1 ]; then
	/usr/bin/python3 selftests/bench/uml-profile.py follow "$console" "$profile_dir" --pid "$uml" &
	follower=$!
fi
wait "$uml" || true
[ -z "$follower" ] || wait "$follower" || log "the profiler failed"

result=$(sed -n 's/^BURROW-UML-RESULT \([^ ]*\).*/\1/p' "$console" | tr -d '\r')
if [ "$result" != 0 ]; then
	log "the guest run failed (${result:-no result line}); see $console"
	grep -aE '^not ok|Kernel panic|BUG|WARNING' "$console" >&2 || true
	exit 1
fi

rows=$(grep -a '^BENCH ' "$console" | tr -d '\r' | cut -d' ' -f2- | jq -s 'map(. + {platform: "uml"})')
if [ -f build/bench.json ]; then
	# the UML rows of the same systems give way to the new ones
	jq --argjson new "$rows" '($new | map(.system)) as $systems |
		map(select((.platform // "tcg") != "uml" or (.system as $s | $systems | index($s) | not)))
		+ $new' \
		build/bench.json >build/bench.json.new
else
	echo "$rows" >build/bench.json.new
fi
mv build/bench.json.new build/bench.json

doc=${BENCH_DOC-docs/performance.md}
[ "$guest" = guest.sh ] || doc=
command="make bench-native BENCH_DURATION=$duration BENCH_RUNS=$runs${BENCH_CIPHERS:+ BENCH_CIPHERS='$BENCH_CIPHERS'}${BENCH_GUEST:+ BENCH_GUEST=$BENCH_GUEST}"
doc_args=()
[ -z "$doc" ] || doc_args=(--doc "$doc")
host="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB"
table_json=build/bench.json
if [ "$guest" != guest.sh ]; then
	table_json=build/bench-native-$guest.json
	echo "$rows" >"$table_json"
fi
/usr/bin/python3 selftests/bench/table.py "$table_json" --platform uml --marker bench-native \
	--command "$command" \
	--setup "host: $host, $(. /etc/os-release && echo "$PRETTY_NAME"); guest: $release, User-Mode Linux (ARCH=um), 1 CPU, generic C crypto only, 1 GiB; host load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)" \
	"${doc_args[@]}" | tee build/bench-native.txt

if [ "$profile" = 1 ]; then
	profile_doc_args=()
	[ -z "$doc" ] || profile_doc_args=(--doc "$doc")
	/usr/bin/python3 selftests/bench/uml-profile.py report "$profile_dir" "$kdir" \
		--command "$command" \
		--setup "one profiled tcp-1 flow of ${duration} s per system, host perf -e cpu-clock at 4000 Hz; $(date -u +%Y-%m-%d)" \
		"${profile_doc_args[@]}" | tee build/bench-native-profile.txt
fi
