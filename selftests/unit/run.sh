#!/bin/bash
# Run every unit-test binary given on the command line with cmocka's TAP
# output, echo it, and count test points. A binary that exits non-zero
# without reporting a failing test point counts as one failure.
# Prints 'unit: N passed, N failed[, N skipped]' and writes 'N N' to build/unit-result.
set -u
passed=0
failed=0
skipped=0
for test in "$@"; do
	echo "# ---- $(basename "$test")"
	output=$(CMOCKA_MESSAGE_OUTPUT=TAP "$test" 2>&1)
	status=$?
	printf '%s\n' "$output"
	ok=$(grep -cE '^ok [0-9]+' <<<"$output")
	# cmocka's TAP prints a skipped test as 'not ok N # SKIP': not a failure.
	not_ok=$(grep -E '^not ok [0-9]+' <<<"$output" | grep -vc '# SKIP')
	skipped=$((skipped + $(grep -cE '^not ok [0-9]+ # SKIP' <<<"$output")))
	if [ "$status" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
		echo "not ok - $(basename "$test") exited with status $status"
		not_ok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + not_ok))
done
mkdir -p build
echo "$passed $failed" >build/unit-result
echo "unit: $passed passed, $failed failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
