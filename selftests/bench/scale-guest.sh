#!/bin/bash
# 'make bench', guest side, the table-size half: the same table of
# BENCH_PEERS peers (default 100,000) with 10 /32 prefixes each loaded into
# burrow with 'burrow-nl -batch' and into WireGuard with 'wg setconf', then
# dumped with 'burrow-nl -j peer show' (and, once more, in text form) and
# 'wg show dump'. Reports the time
# of each and the kernel memory per peer (unreclaimable slab + vmalloc + percpu delta).
#
# WireGuard gets a private key, as every real interface has one; it then
# computes one static-static Curve25519 product per peer while loading,
# which burrow (keys come from the controller) does not have to do.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/bench.sh"
peers=${BENCH_PEERS:-100000}
per_peer=10
plan 6

ns=bench-scale
ns_add $ns
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
kernel_memory_kb() { awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }

# Prefix p of the table is 10.(p>>16).(p>>8 & 255).(p & 255)/32; peer i has
# p = (i-1)*10 .. (i-1)*10+9. WireGuard public keys: the peer number in six
# base64 digits, padded; any 32 bytes are a key WireGuard accepts.
mawk -v peers="$peers" -v per_peer=$per_peer -v private_key="$(wg genkey)" 'BEGIN {
	b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	print "[Interface]\nPrivateKey = " private_key "\nListenPort = 51999" >"/tmp/scale.wg"
	for (i = 1; i <= peers; i++) {
		ips = ""
		for (j = 0; j < per_peer; j++) {
			p = (i - 1) * per_peer + j
			ips = ips (j ? "," : "") "10." int(p / 65536) "." int(p / 256) % 256 "." p % 256 "/32"
		}
		print "peer add burrow0 id " i " allowed-ips " ips >"/tmp/scale.batch"
		key = ""
		for (n = i; length(key) < 6; n = int(n / 64))
			key = key substr(b64, n % 64 + 1, 1)
		key = key "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		print "[Peer]\nPublicKey = " key "\nAllowedIPs = " ips >"/tmp/scale.wg"
	}
}'

measure() {
	local system=$1 load_command=$2 dump_command=$3 before start status load_ms after dump_ms
	before=$(kernel_memory_kb)
	start=$(now_ms)
	eval "$load_command"
	status=$?
	load_ms=$(($(now_ms) - start))
	ok $status "$system: $peers peers x $per_peer prefixes loaded ($load_ms ms)"
	after=$(kernel_memory_kb)
	start=$(now_ms)
	# user and sys of the dumping process: its own formatting and parsing
	# against the kernel's dump callbacks and the netlink copies
	local TIMEFORMAT="%U %S"
	{ time eval "$dump_command" >/tmp/scale.dump; } 2>/tmp/scale.time
	dump_ms=$(($(now_ms) - start))
	diag "$system: dump cpu: user $(cut -d' ' -f1 /tmp/scale.time) s, sys $(cut -d' ' -f2 /tmp/scale.time) s"
	[ "$(wc -l </tmp/scale.dump)" -ge 1 ]
	ok $? "$system: dumped ($dump_ms ms, $(($(stat -c %s /tmp/scale.dump) / 1024)) KiB)"
	bench_emit "$system" "load-${peers}-peers" ms $load_ms
	bench_emit "$system" "dump-${peers}-peers" ms $dump_ms
	bench_emit "$system" "memory-per-peer" bytes $(((after - before) * 1024 / peers))
	rm -f /tmp/scale.dump
}

ip -n $ns link add burrow0 type burrow
measure burrow "in_ns $ns burrow-nl -batch /tmp/scale.batch" "in_ns $ns burrow-nl -j peer show burrow0"
# The same table in burrow-nl's text form: how much of the dump is JSON.
start=$(now_ms)
in_ns $ns burrow-nl peer show burrow0 >/tmp/scale.dump
status=$?
dump_ms=$(($(now_ms) - start))
ok $status "burrow-text: dumped ($dump_ms ms, $(($(stat -c %s /tmp/scale.dump) / 1024)) KiB)"
bench_emit burrow-text "dump-${peers}-peers" ms $dump_ms
rm -f /tmp/scale.dump
ip -n $ns link del burrow0
ip -n $ns link add wg0 type wireguard
measure wireguard "in_ns $ns wg setconf wg0 /tmp/scale.wg" "in_ns $ns wg show wg0 dump"
# No 'ip link del wg0': WireGuard took more than 11 minutes to delete this
# table under TCG (2026-12-03), one peer at a time. The namespace goes at
# exit instead, which the kernel finishes in the background.
[ "$(grep -c '^peer add' /tmp/scale.batch)" = "$peers" ]
ok $? "both loaded the same $peers-peer table"
done_testing
