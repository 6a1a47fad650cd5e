#!/bin/bash
# burrow-vm: distro-only (burrow-nl output and parsing; the kernel paths it drives are covered on the debug kernel by genl-basics, netlink-* and udp-*)
# burrow-nl monitor: text lines and JSON lines with timestamps, against
# golden files, for a key-soft-limit event.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/cli.sh"
plan 5

two_nodes 4
burrow-nl -n $n1 monitor >"$keydir/events.txt" 2>&1 &
text_monitor=$!
burrow-nl -n $n1 -j monitor >"$keydir/events.json" 2>&1 &
json_monitor=$!

# The monitors subscribe asynchronously: install a key that reaches its
# soft limit after 2 packets, and send, until both printed the event.
both_saw_it() {
	grep -q key-soft-limit "$keydir/events.txt" && grep -q key-soft-limit "$keydir/events.json"
}
make_key chacha20-poly1305 "$keydir/soft.tx"
make_key chacha20-poly1305 "$keydir/soft.rx"
for attempt in 1 2 3 4 5 6 7 8 9 10; do
	burrow-nl -n $n1 key del burrow0 peer 1 slot primary
	burrow-nl -n $n1 key add burrow0 peer 1 slot primary key-id 9 cipher chacha20-poly1305 \
		tx "$keydir/soft.tx" rx "$keydir/soft.rx" soft-packets 2
	in_ns $n1 ping -c 3 -i 0.2 -W 1 10.10.0.2 >/dev/null 2>&1
	wait_for 2 both_saw_it && break
done
both_saw_it
ok $? "both monitors printed a key-soft-limit event (attempt $attempt)"
kill $text_monitor $json_monitor
wait $text_monitor $json_monitor 2>/dev/null
golden monitor.txt grep -m1 key-soft-limit "$keydir/events.txt"
golden monitor.json grep -m1 key-soft-limit "$keydir/events.json"
grep -m1 key-soft-limit "$keydir/events.json" | jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$")' >/dev/null
ok $? "the JSON time is ISO 8601 UTC with milliseconds"
run_fails "monitor takes no arguments" 1 "burrow-nl: unexpected argument 'x' for monitor" \
	burrow-nl -n $n1 monitor x
done_testing
