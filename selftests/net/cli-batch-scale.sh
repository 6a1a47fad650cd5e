#!/bin/bash
# burrow-vm: distro-only (burrow-nl output and parsing; the kernel paths it drives are covered on the debug kernel by genl-basics, netlink-* and udp-*)
# -batch speed: 10,000 peers with 10 prefixes each in one batch file, on one
# netlink socket. The time is reported (docs/operations.md quotes it) and
# must stay within a generous bound so a per-line regression (a process or
# a family lookup per line, something quadratic) fails the test.
. "$(dirname "$0")/../lib/tap.sh"
plan 4

ns=burrow-bs1
ns_add $ns
dir=$(mktemp -d)
peers=10000
case "$(uname -r)" in *burrow-debug*) peers=1000 ;; esac

awk -v peers=$peers 'BEGIN {
	for (id = 1; id <= peers; id++) {
		line = "peer add burrow0 id " id " allowed-ips "
		for (p = 0; p < 10; p++)
			line = line sprintf("%s10.%d.%d.%d/32", p ? "," : "", p, int(id / 256), id % 256)
		print line
	}
}' >"$dir/batch"
burrow-nl -n $ns dev add burrow0
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
started=$(now_ms)
burrow-nl -n $ns -batch "$dir/batch"
ok $? "batch of $peers peers x 10 prefixes"
elapsed_ms=$(($(now_ms) - started))
diag "batch-load of $peers peers x 10 prefixes: ${elapsed_ms} ms ($((peers * 1000 / (elapsed_ms + 1))) peers/s)"
is "$(burrow-nl -n $ns -j dev show burrow0 | jq '.[0].peer_count')" $peers "every peer is there"
is "$(burrow-nl -n $ns -j peer show burrow0 | jq '[.[].allowed_ips | length] | add')" $((peers * 10)) \
	"with every prefix"
# 10,000 lines: a minute is far more than a linear load needs even under TCG.
[ "$elapsed_ms" -lt 60000 ]
ok $? "within 60 s"
done_testing
