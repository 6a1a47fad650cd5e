#!/bin/bash
# Boot a kernel under qemu with burrow.ko and run tests inside it.
#
#   run.sh --kernel distro|debug [--tests 'GLOB...'] [--timeout SECONDS]
#   run.sh --kernel distro|debug --shell
#   run.sh --kernel distro|debug --script FILE [--script FILE...]
#                                   (given scripts, e.g. the demo or the bench)
#
# GLOB selects tests under selftests/kmod and selftests/net by path relative
# to selftests/ or by file name ('net/*', 'load*'); empty means all.
# The last line printed is 'N passed, N failed, N skipped'; the exit status
# is non-zero if a test failed, the guest did not finish in time, or the
# kernel log holds an oops, BUG, WARN, KASAN, UBSAN, lockdep or kmemleak
# report. The full serial log is kept in build/vm-<kernel>.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BURROW_CACHE:-$HOME/.cache/burrow}
kernel=distro
tests_glob=
script=
shell=0
timeout_seconds=${BURROW_VM_TIMEOUT:-3000}

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--tests) tests_glob=$2; shift 2 ;;
	--timeout) timeout_seconds=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--script) script=${script:+$script$'\n'}$2; shift 2 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 1 ;;
	esac
done

log() { echo "vm: $*" >&2; }
mkdir -p "$repo/build" "$cache"

eval "$("$here/kernel.sh" "$kernel")"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$repo/dkms.conf")

# --- userspace: the product and the test fixtures the guest runs
# (initramfs.sh copies what exists, so build them here, not only in 'make').
log "building userspace and test fixtures"
make -s -C "$repo" userspace test-fixtures >&2

# --- the module: DKMS for the distro kernel (what users install), 'make
# module' with the in-module selftests, in its own build directory, for the
# debug one.
case "$kernel" in
distro)
	log "building burrow.ko with DKMS for $KERNEL_RELEASE"
	make -s -C "$repo" dkms-build KDIR="/usr/src/linux-headers-$KERNEL_RELEASE" \
		DKMS_TREE="$repo/build/dkms" >&2
	burrow_ko=$repo/build/dkms/var/burrow/$version/$KERNEL_RELEASE/x86_64/module/burrow.ko
	;;
debug)
	log "building burrow.ko for $KERNEL_RELEASE in build/kmod-$kernel"
	make -s -C "$repo" module KDIR="$KERNEL_BUILD" MODULE_DIR="build/kmod-$kernel" \
		BURROW_SELFTEST=1 >&2
	burrow_ko=$repo/build/kmod-$kernel/burrow.ko
	;;
esac
[ -f "$burrow_ko" ] || { log "module not built: $burrow_ko"; exit 1; }

# --- tests
if [ -n "$script" ]; then
	selected=$script
else
# Several globs, separated by blanks, select the union.
read -ra globs <<<"$tests_glob"
selected=$(cd "$repo" && for test in selftests/kmod/*.sh selftests/net/*.sh; do
	[ -f "$test" ] || continue
	rel=${test#selftests/}
	name=$(basename "$test")
	[ ${#globs[@]} -eq 0 ] && echo "$test"
	for glob in "${globs[@]}"; do
		# shellcheck disable=SC2053 # the glob is meant to match
		if [[ $rel == $glob ]] || [[ $name == $glob ]]; then
			echo "$test"
			break
		fi
	done
done)
fi
# A script marked '# burrow-vm: distro-only' exercises no kernel path the
# debug kernel would not already see in other scripts (output formats,
# parsers, wire conformance, sheer size); on the debug kernel it is not run
# and counts as one skipped test, so the suite stays inside CI's time.
not_run=0
if [ "$kernel" = debug ] && [ -z "$script" ]; then
	kept=
	while read -r test; do
		[ -n "$test" ] || continue
		if grep -q '^# burrow-vm: distro-only' "$repo/$test"; then
			log "not on the debug kernel (distro-only): $test"
			not_run=$((not_run + 1))
		else
			kept=${kept:+$kept$'\n'}$test
		fi
	done <<<"$selected"
	selected=$kept
fi
if [ "$shell" -eq 0 ] && [ -z "$selected" ]; then
	log "no test matches '$tests_glob'"
	exit 1
fi

initramfs=$repo/build/vm-$kernel.cpio.gz
KERNEL_RELEASE=$KERNEL_RELEASE KERNEL_MODULES=$KERNEL_MODULES KERNEL_BUILD=$KERNEL_BUILD \
	BURROW_KO=$burrow_ko EXTRA_KOS=${BURROW_VM_EXTRA_KOS:-} \
	GUEST_TESTS=$selected GUEST_MODE=$([ "$shell" -eq 1 ] && echo shell || echo tests) \
	GUEST_KMEMLEAK=$([ "$kernel" = debug ] && echo 1 || echo 0) KERNEL_FLAVOUR=$kernel \
	"$here/initramfs.sh" "$initramfs"

# --- accelerator: KVM only if it really boots a guest here. /dev/kvm may
# exist yet fail to run one, so probe once per host boot and remember.
accel=tcg
cpu=max
probe=$cache/kvm-probe-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
if [ ! -f "$probe" ]; then
	result=no
	if [ -w /dev/kvm ]; then
		if timeout 60 qemu-system-x86_64 -accel kvm -cpu host -m 512 -smp 1 -nodefaults \
			-display none -no-reboot -serial stdio -kernel "$KERNEL_IMAGE" \
			-append "console=ttyS0 panic=-1 rdinit=/no-such-init" </dev/null 2>/dev/null |
			grep -q 'Linux version'; then
			result=yes
		fi
	fi
	echo "$result" >"$probe"
fi
if [ "$(cat "$probe")" = yes ]; then
	accel=kvm
	cpu=host
fi

memory=1024
[ "$kernel" = debug ] && memory=1536
smp=${BURROW_VM_CPUS:-2}
# BURROW_VM_APPEND adds to the kernel command line; NAME=value words there
# that the kernel does not know reach the guest's init as environment.
cmdline="console=ttyS0,115200 quiet loglevel=4 log_buf_len=8M panic=-1 printk.devkmsg=on"
cmdline="$cmdline${BURROW_VM_APPEND:+ $BURROW_VM_APPEND}"
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none
	-accel "$accel" -cpu "$cpu" -smp "$smp" -m "$memory"
	-kernel "$KERNEL_IMAGE" -initrd "$initramfs" -append "$cmdline")
log "booting $KERNEL_RELEASE ($accel, $smp vCPUs, ${memory} MiB)"

if [ "$shell" -eq 1 ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

serial_log=$repo/build/vm-$kernel.log
set +e
# The whole serial stream goes to the log; the terminal gets it without the
# end-of-run kernel log dump, which only the verdict below reads.
timeout "$timeout_seconds" "${qemu[@]}" -serial stdio </dev/null | tee "$serial_log" |
	awk '/^BURROW-(DMESG|KMEMLEAK)-BEGIN/ { quiet = 1 } !quiet { print; fflush() }
	     /^BURROW-(DMESG|KMEMLEAK)-END/ { quiet = 0 }' 
qemu_status=${PIPESTATUS[0]}
echo "vm($kernel): serial log in $serial_log"
set -e

# --- verdict
passed=0 failed=0 skipped=$not_run
while read -r _ _ p f s; do
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done < <(grep -a '^BURROW-RESULT ' "$serial_log" | tr -d '\r')

problems=()
if [ "$qemu_status" -eq 124 ]; then
	problems+=("guest timed out after ${timeout_seconds}s")
elif ! grep -aq '^BURROW-VM-DONE' "$serial_log"; then
	problems+=("guest stopped before finishing (qemu status $qemu_status)")
fi
ran=$(grep -ac '^BURROW-RESULT ' "$serial_log" || true)
expected=$(printf '%s\n' "$selected" | grep -c . || true)
if [ "$ran" -ne "$expected" ]; then
	problems+=("$ran of $expected test scripts reported a result")
fi

# Kernel reports: in the dmesg dump when the guest got that far, else
# anywhere in the serial log.
if grep -aq '^BURROW-DMESG-BEGIN' "$serial_log"; then
	kernel_log=$(sed -n '/^BURROW-DMESG-BEGIN/,/^BURROW-DMESG-END/p' "$serial_log")
else
	kernel_log=$(cat "$serial_log")
fi
report_pattern='BUG:|WARNING:|UBSAN:|general protection fault|Kernel panic|Oops|kernel BUG at|INFO: task .* blocked for more than|possible recursive locking|circular locking dependency|suspicious RCU usage|KASAN|suspected memory leak'
reports=$(printf '%s\n' "$kernel_log" | grep -aE "$report_pattern" || true)
if [ -n "$reports" ]; then
	problems+=("kernel log reports: $(printf '%s\n' "$reports" | head -n 5 | tr '\r' ' ')")
fi
leaks=$(sed -n '/^BURROW-KMEMLEAK-BEGIN/,/^BURROW-KMEMLEAK-END/p' "$serial_log" |
	grep -a 'unreferenced object' || true)
if [ -n "$leaks" ]; then
	problems+=("kmemleak: $(printf '%s\n' "$leaks" | wc -l) unreferenced objects")
fi

for problem in "${problems[@]}"; do
	echo "vm($kernel): FAIL: $problem"
	failed=$((failed + 1))
done
echo "$passed $failed $skipped" >"$repo/build/vm-$kernel.result"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
