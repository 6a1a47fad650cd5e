# shellcheck shell=bash
# TAP helpers for burrow's VM tests. Source it, call 'plan N', then assert.
# Every assertion prints one 'ok'/'not ok' line; on failure the command's
# output is shown as TAP diagnostics.

tap_count=0
tap_failed=0

plan() { echo "1..$1"; }

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok CONDITION_STATUS DESCRIPTION: record a result from a status already known.
ok() {
	local status=$1
	shift
	tap_count=$((tap_count + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_count - $*"
	else
		echo "not ok $tap_count - $*"
		tap_failed=$((tap_failed + 1))
	fi
	# The check's own status, so that 'ok $? "..." || diag ...' shows why.
	return "$status"
}

skip() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $* # SKIP"
}

# run_ok DESCRIPTION COMMAND...: the command must succeed.
run_ok() {
	local description=$1 output status
	shift
	output=$("$@" 2>&1)
	status=$?
	ok "$status" "$description"
	[ "$status" -eq 0 ] || diag "command: $*" "exit status: $status" "$output"
	return "$status"
}

# run_fails DESCRIPTION EXPECTED_STATUS EXPECTED_OUTPUT_SUBSTRING COMMAND...:
# the command must exit with exactly EXPECTED_STATUS and print the substring
# (on stdout or stderr).
run_fails() {
	local description=$1 expected_status=$2 expected_text=$3 output status
	shift 3
	output=$("$@" 2>&1)
	status=$?
	if [ "$status" -eq "$expected_status" ] && [[ $output == *"$expected_text"* ]]; then
		ok 0 "$description"
	else
		ok 1 "$description"
		diag "command: $*" "exit status: $status (expected $expected_status)" \
			"expected output to contain: $expected_text" "output: $output"
	fi
}

# is ACTUAL EXPECTED DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:      '$1'" "expected: '$2'"
	fi
}

# wait_for DEADLINE_SECONDS COMMAND...: poll until the command succeeds.
# Polling with a deadline, never a bare sleep, is how tests wait for events.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# Namespaces created with ns_add are deleted when the test exits.
tap_namespaces=()
ns_add() {
	ip netns add "$1" && tap_namespaces+=("$1") && ip -n "$1" link set lo up
}
# A process still running in a namespace keeps that netns, and every device
# in it, alive after 'ip netns del' (and keeps loading the CPU the next test
# runs on): kill whatever the test left there first, in every namespace, so
# that no peer is still sending while its partner is torn down.  A killed TCP
# sender (iperf3) leaves an orphan socket retransmitting its FIN for minutes,
# and that socket holds its netns too, so the burrow devices are deleted
# explicitly; deleting them on namespace exit is covered by netns-delete.sh
# and harden-netns-zombie.sh, which do not rely on this.
tap_cleanup() {
	local ns pids link
	for ns in "${tap_namespaces[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one PID per word
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	done
	for ns in "${tap_namespaces[@]}"; do
		for link in $(ip -n "$ns" -o link show type burrow 2>/dev/null |
			      awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			ip -n "$ns" link del "$link" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}
trap tap_cleanup EXIT

# done_testing: exit non-zero if any assertion failed.
done_testing() {
	[ "$tap_failed" -eq 0 ]
	exit $?
}
