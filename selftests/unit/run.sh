#!/bin/bash
# Run every unit-test binary given on the command line with cmocka's TAP
# output, echo it, and count test points. A binary that exits non-zero
# without reporting a failing test point counts as one failure.
# Prints 'unit: N passed, N failed' and writes 'N N' to build/unit-result.
set -u
passed=0
failed=0
for test in "$@"; do
	echo "# ---- $(basename "$test")"
	output=$(CMOCKA_MESSAGE_OUTPUT=TAP "$test" 2>&1)
	status=$?
	printf '%s\n' "$output"
	ok=$(grep -cE '^ok [0-9]+' <<<"$output")
	not_ok=$(grep -cE '^not ok [0-9]+' <<<"$output")
	if [ "$status" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
		echo "not ok - $(basename "$test") exited with status $status"
		not_ok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + not_ok))
done
mkdir -p build
echo "$passed $failed" >build/unit-result
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
