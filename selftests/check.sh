#!/bin/bash
# 'make check': everything, in order, with the time each phase took.
#   deps      make deps (skipped with BURROW_NO_DEPS=1)
#   build     module with W=1 and sparse (C=2), and its selftest variant
#             (BURROW_SELFTEST=1) with both, warning-free; userspace and the
#             test fixtures with -Werror
#   spec      netlink/burrow.yaml agrees with the UAPI header and policies;
#             'make help' names every .PHONY target and only those
#   unit      userspace unit tests (cmocka)
#   vm-*      the VM suite on each kernel in KERNELS (default: distro debug)
#   tshark    tshark on the host dissects the distro run's quic captures and
#             burrowd's control connection
# Ends with one line 'N passed, N failed, N skipped' and exits non-zero on
# any failure.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernels=${KERNELS:-distro debug}
passed=0 failed=0 skipped=0
summary=()

phase() {
	local name=$1 start status
	shift
	echo "==== phase $name"
	start=$(date +%s)
	"$@"
	status=$?
	summary+=("$(printf '%-10s %5ss  %s' "$name" $(($(date +%s) - start)) \
		"$([ $status -eq 0 ] && echo ok || echo FAILED)")")
	return $status
}

# A phase that is not itself a test runner counts as one test point.
count_phase() {
	if phase "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# The module is built three times from scratch: with W=1, with sparse, and
# the selftest variant (BURROW_SELFTEST=1, what the debug-kernel VM runs
# load) with both, in its own MODULE_DIR so the product's objects are not
# mixed with it.
build_warning_free() {
	local output status flags
	make -s userspace test-fixtures || return 1
	for flags in "W=1" "C=2" "W=1 C=2 BURROW_SELFTEST=1 MODULE_DIR=build/kmod-selftest"; do
		# shellcheck disable=SC2086 # flags are several make arguments
		output=$(make -s module-clean $flags >/dev/null 2>&1; make -s module $flags 2>&1)
		status=$?
		printf '%s\n' "$output"
		if [ $status -ne 0 ] || grep -qE 'warning:|error:' <<<"$output"; then
			echo "build: module build with $flags is not clean"
			return 1
		fi
	done
}

if [ "${BURROW_NO_DEPS:-0}" != 1 ]; then
	phase deps make -s deps || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi
count_phase build build_warning_free
# 'make help' lists each .PHONY target of the Makefile ("make NAME"), and
# every target it names is a .PHONY target with a rule.
help_lists_targets() {
	local help phony target status=0
	help=$(make -s help) || return 1
	phony=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' Makefile | sed -n 's/^\.PHONY://p')
	phony=$(echo $phony)
	for target in $phony $(grep -oE '^ *make [a-z][a-z-]*' <<<"$help" | awk '{print $2}'); do
		if [[ " $phony " != *" $target "* ]] || ! grep -q "^$target:" Makefile ||
			! grep -qE "make $target( |\$)" <<<"$help"; then
			echo "spec: 'make help' and .PHONY disagree on '$target'"
			status=1
		fi
	done
	return $status
}
spec_checks() {
	local status=0
	make -s netlink-check || status=1
	help_lists_targets || status=1
	return $status
}
count_phase spec spec_checks

if phase unit make -s unit-test; then :; fi
if [ -f build/unit-result ]; then
	read -r p f <build/unit-result
	passed=$((passed + p)); failed=$((failed + f))
	rm -f build/unit-result
else
	failed=$((failed + 1))
fi

for kernel in $kernels; do
	rm -f "build/vm-$kernel.result"
	phase "vm-$kernel" bash selftests/vm/run.sh --kernel "$kernel" --tests "${TESTS:-}"
	if [ -f "build/vm-$kernel.result" ]; then
		read -r p f s <"build/vm-$kernel.result"
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	else
		echo "vm-$kernel: produced no result"
		failed=$((failed + 1))
	fi
done

# tshark (on the host: too big for the guest image) must classify the quic
# packets the distro run captured (net/quic-decoder.sh) as QUIC, and decode
# burrowd's control connection (net/burrowd-capture.sh) without a fault.
tshark_checks() {
	local status=0
	bash selftests/quic-decoder/tshark-check.sh build/vm-distro.log || status=1
	bash selftests/quic-decoder/tshark-control-check.sh build/vm-distro.log || status=1
	return $status
}
if [[ " $kernels " == *" distro "* ]] && grep -aq '^# quic-pcap ' build/vm-distro.log 2>/dev/null; then
	if phase tshark tshark_checks >build/tshark.tap; then :; fi
	cat build/tshark.tap
	passed=$((passed + $(grep -c '^ok ' build/tshark.tap)))
	failed=$((failed + $(grep -c '^not ok ' build/tshark.tap)))
fi

echo "==== time per phase"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
