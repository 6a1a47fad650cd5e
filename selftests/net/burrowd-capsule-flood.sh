#!/bin/bash
# burrow-vm: distro-only (capsule pacing and buffering are userspace; the netlink work they bound is tested in burrowd-capsules and burrowd-negotiate)
# A peer that floods capsules after its session is up (burrowd-capsule-client
# holding m3's key, in m3's namespace, against the hub) must not make the hub
# redo route/address work per capsule without bound (capsules are
# rate-limited). The hub handles a burst of 32, then 8 per second; the rest
# wait, in order, in at most 16448 bytes:
#   - 40 empty ROUTE_ADVERTISEMENTs at once: all 40 answered (nothing lost),
#     the wait counted in status (capsules_delayed), one log line;
#   - 10,000 of them at once (20,000 bytes): the session is closed (error 2)
#     long before they are all handled, and the hub is still running.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 7

bd_hub_nodes
bd_start 1

client() {
	in_ns burrow-n3 burrowd-capsule-client -k "$bd_dir/n3/node.key" -p "${bd_key[1]}" \
		-c 198.51.100.1:51821 -n m3 "$@"
}
# N empty ROUTE_ADVERTISEMENT capsules (type 0x03, length 0) as hex.
adverts() { printf '0300%.0s' $(seq "$1"); }
delayed() { bd_json 1 | jq -r '.peers[] | select(.name == "m3") | .capsules_delayed'; }
paced_lines() { grep -c 'm3 sends capsules faster than 8 per second (burst 32)' "$bd_dir/n1/log"; }

# --- a burst over the bucket: paced, every capsule still answered
out=$(client hello raw "$(adverts 40)" expect-count 0x2b0b08 40 2>&1)
[[ $out == *"count ROUTE_REFUSED 40"* ]]
ok $? "40 advertisements at once: all 40 answered, in spite of the pacing" ||
	diag "$(tail -n 5 <<<"$out")" "$(tail -n 20 "$bd_dir/n1/log")"
d=$(delayed)
[ -n "$d" ] && [ "$d" != null ] && [ "$d" -ge 1 ]
ok $? "status counts the capsules that waited for the rate (capsules_delayed $d)"
is "$(paced_lines)" 1 "one log line for the paced burst, not one per capsule"

# --- a flood: the waiting capsules pass 16448 bytes, the session is closed.
# (the client sends at most 4096 bytes per step: 5 steps of 2000 capsules)
steps=()
for i in 1 2 3 4 5; do steps+=(raw "$(adverts 2000)"); done
out=$(client hello "${steps[@]}" expect-close 2>&1)
[[ $out == *"application error 2): more than 16448 bytes of capsules waiting: faster than 8 per second"* ]]
ok $? "10,000 advertisements at once: session closed, naming the limit" ||
	diag "$(tail -n 5 <<<"$out")" "$(tail -n 20 "$bd_dir/n1/log")"
n=$(grep -c '^seen ROUTE_REFUSED' <<<"$out")
[ "$n" -le 100 ]
ok $? "the hub handled a bounded number of them before closing ($n answered)"
is "$(paced_lines)" 1 "no second log line within the minute"
kill -0 "${bd_pid[1]}"
ok $? "the hub is still running"
done_testing
