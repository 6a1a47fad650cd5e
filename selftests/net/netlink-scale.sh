#!/bin/bash
# Netlink at size: a peer with more prefixes than fit one message (the
# client splits its requests, the kernel splits its dump, the client
# merges), many peers, and dumps that run while peers change.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 7

ns_add burrow-scale
ip -n burrow-scale link add burrow0 type burrow
nl() { in_ns burrow-scale burrow-nl "$@"; }

prefixes=$(for a in $(seq 0 11); do for b in $(seq 0 249); do echo -n "10.$a.$b.0/24,"; done; done)
prefixes=${prefixes%,}
run_ok "one peer with 3000 prefixes in one command" nl peer add burrow0 id 1 allowed-ips "$prefixes"
is "$(nl -j peer show burrow0 id 1 | jq '.[0].allowed_ips | length')" 3000 \
	"a dump split across messages merges back to 3000 prefixes"
is "$(nl -j peer show burrow0 | jq -r '.[0].allowed_ips | sort | join(",")')" \
	"$(tr , '\n' <<<"$prefixes" | sort | paste -sd, -)" "and they are exactly the ones added"

for id in $(seq 2 301); do
	echo "peer add burrow0 id $id allowed-ips 10.200.$((id / 250)).$((id % 250))/32"
done >/tmp/peers.batch
nl -batch /tmp/peers.batch
status=$?
ok $status "300 more peers"
is "$(nl -j peer show burrow0 | jq length)" 301 "a dump lists all 301 peers"

# Change peers while dumping: every dump either is consistent (the library
# retries dumps the kernel marks interrupted) or reports the interruption.
# The churn is a batch of 100 adds and deletes, run over and over (fewer
# rounds under the debug kernel, where each is slower) while dumps run.
for i in $(seq 1000 1099); do
	echo "peer add burrow0 id $i"
	echo "peer del burrow0 id $i"
done >/tmp/churn.batch
churn_rounds=20
[[ $(uname -r) == *burrow-debug* ]] && churn_rounds=5
churn() {
	local round
	for round in $(seq $churn_rounds); do
		nl -batch /tmp/churn.batch >/dev/null 2>&1
	done
}
churn &
churner=$!
status=0
dumps=0
consistent=0
while kill -0 $churner 2>/dev/null; do
	if output=$(nl -j peer show burrow0 2>&1); then
		count=$(jq length <<<"$output")
		[ "$count" = 301 ] || [ "$count" = 302 ] || { diag "dump saw $count peers"; status=1; }
		consistent=$((consistent + 1))
	elif [[ $output != *"kept changing during the dump"* ]]; then
		diag "dump failed: $output"
		status=1
	fi
	dumps=$((dumps + 1))
done
wait $churner
[ $dumps -ge 2 ] || { diag "only $dumps dump(s) ran during the churn"; status=1; }
[ $consistent -ge 1 ] || { diag "no dump got through the churn"; status=1; }
ok $status "$dumps dumps during changes ($consistent complete) are consistent or say the peers kept changing"
is "$(nl -j peer show burrow0 | jq length)" 301 "after the changes: 301 peers"
done_testing
