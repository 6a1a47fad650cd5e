# shellcheck shell=bash
# Helpers of the burrow-nl tests (selftests/net/cli-*.sh). Source after tap.sh.
#
#   golden NAME COMMAND...   run COMMAND (stdout only) through normalise and
#                            compare with selftests/net/golden/NAME; a
#                            mismatch prints the diff (its '+' lines are the
#                            new output) as diagnostics
#   normalise                stdin to stdout: volatile fields (ifindex,
#                            generation, ages, times, counters) replaced;
#                            counters move with keepalives and stray
#                            packets, so their values become N

golden_dir="$(dirname "${BASH_SOURCE[0]}")/../net/golden"

normalise() {
	sed -E \
		-e 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z /TIME /' \
		-e 's/"time":"[^"]*"/"time":"TIME"/' \
		-e 's/(ifindex:? )[0-9]+/\1N/g' \
		-e 's/("ifindex": ?)[0-9]+/\1N/g' \
		-e 's/(generation )[0-9]+/\1N/g' \
		-e 's/("generation": ?)[0-9]+/\1N/g' \
		-e 's/^(  age ).*/\1AGE/' \
		-e 's/("age_seconds": ?)[0-9]+/\1N/g' \
		-e 's/(, )[0-9dhms ]+( old)/\1AGE\2/g' \
		-e 's/("last_rx_ms_ago": ?)[0-9]+/\1N/g' \
		-e 's/(module )[^,]+(, api )[0-9]+/\1VERSION\2N/' \
		-e 's/("module":)"[^"]*"(,"api":)[0-9]+/\1"VERSION"\2N/' \
		-e 's/("(tx|rx)_(packets|bytes)"|"rx_max_counter"|"drop_[a-z_]+"|"rx_keepalives"|"rx_to_userspace")(: ?)[0-9]+/\1\4N/g' \
		-e 's/^( +)(drop-[a-z-]+|rx-keepalives|rx-to-userspace|tx-packets|rx-packets|rx-max-counter) [0-9]+$/\1\2 N/' \
		-e 's/^(  [rt]x )[0-9]+( bytes )[0-9]+( packets)$/\1N\2N\3/' \
		-e 's/^(  transfer: +)[0-9]+ B received, [0-9]+ B sent$/\1N B received, N B sent/' \
		-e 's/^(  packets: +)[0-9]+ received, [0-9]+ sent$/\1N received, N sent/' \
		-e 's/, [0-9]+ packets sent,/, N packets sent,/g'
}

golden() {
	local name=$1 actual status
	shift
	actual=$("$@" 2>&1)
	status=$?
	if [ "$status" -ne 0 ]; then
		ok 1 "golden $name"
		diag "command: $*" "exit status: $status" "$actual"
		return 1
	fi
	printf '%s\n' "$actual" | normalise >/tmp/golden.actual
	if diff -u "$golden_dir/$name" /tmp/golden.actual >/tmp/golden.diff 2>&1; then
		ok 0 "golden $name"
	else
		ok 1 "golden $name"
		diag "command: $*"
		sed "s/^/# GOLDEN[$name] /" /tmp/golden.diff
	fi
}
