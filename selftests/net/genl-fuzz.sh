#!/bin/bash
# The generic netlink fuzzer (selftests/fuzz-kernel/genl-fuzz.c) against a
# device with peers, keys and a socket: every op of the burrow family with
# random, missing, oversized, wrong-typed and nested-garbage attributes,
# from root, from an unprivileged uid, from a user namespace without power
# over the device, and from a user namespace that owns its own netns (and
# creates its own device there, as any local user can on Debian 12). Every
# refusal must carry an errno and an extack message, except the genetlink
# core's own refusals the fuzzer can name (docs/testing.md). The harness
# fails the run on any KASAN/WARN/oops. The seed is printed;
# BURROW_FUZZ_SEED=N reruns one.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 10

seed=${BURROW_FUZZ_SEED:-$(( ($(date +%s) << 16) ^ $$ ))}
# Messages per caller. The debug kernel (KASAN, lockdep) is far slower per
# message under TCG; the total stays >= 20,000 on both.
case "$(uname -r)" in
*burrow-debug*) counts=(8000 4000 4000 4000) ;;
*) counts=(12000 3000 3000 4000) ;;
esac
modes=(root uid userns userns-netns)
diag "seed $seed (rerun with BURROW_FUZZ_SEED=$seed)"

ns_add $n1
ip -n $n1 link add burrow0 type burrow
ip -n $n1 link set burrow0 up
in_ns $n1 burrow-nl dev set burrow0 listen $port1
run_ok "device with a socket is set up" in_ns $n1 burrow-nl dev show burrow0

total=0
out=$(mktemp)
for i in "${!modes[@]}"; do
	mode=${modes[$i]}
	started=$(date +%s)
	in_ns $n1 burrow-genl-fuzz -s $((seed + i)) -n "${counts[$i]}" -d burrow0 -m "$mode" >"$out" 2>&1
	status=$?
	took=$(($(date +%s) - started))
	if [ "$status" -eq 3 ]; then
		skip "fuzz as $mode: user namespaces are not available"
		continue
	fi
	ok "$status" "fuzz as $mode: every refusal has an errno and extack (${took}s)"
	diag "$(cat "$out")"
	sent=$(sed -n 's/^RESULT messages=\([0-9]*\).*/\1/p' "$out")
	total=$((total + ${sent:-0}))
done
rm -f "$out"

ok "$([ "$total" -ge 20000 ]; echo $?)" "at least 20,000 messages ($total)"
run_ok "the device still answers" in_ns $n1 burrow-nl dev show burrow0
run_ok "peers can still be added" in_ns $n1 burrow-nl peer add burrow0 id 4000 allowed-ips 10.97.0.1/32
run_ok "and removed" in_ns $n1 burrow-nl peer del burrow0 id 4000
# The userns-netns caller's namespace, and its device, went away with it
# (netns cleanup is asynchronous): only n1's device is left.
one_device() { [ "$(ls /sys/kernel/debug/burrow/ | wc -l)" -eq 1 ]; }
wait_for 30 one_device
status=$?
ok $status "no device is left behind"
[ $status -eq 0 ] || diag "$(ls /sys/kernel/debug/burrow/)"
done_testing
