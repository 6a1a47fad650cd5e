#!/bin/bash
# Scale: 100,000 peers holding 1,000,000 /32 prefixes on one device, loaded
# with one 'burrow-nl -batch' run (one netlink socket for every line), then
# dumped, looked up and torn down. Prints the time each step took and the
# kernel memory per peer (slab + vmalloc + percpu, before/after).
#
# burrow-vm: distro-only (the KASAN/lockdep kernel under TCG would take far
# longer than the rest of the suite; the trie and peer code it exercises
# runs there at smaller size in netlink-scale.sh)
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
peers=${BURROW_SCALE_PEERS:-100000}
per_peer=10
plan 9

ns=burrow-scale
ns_add $ns
nl() { in_ns $ns burrow-nl "$@"; }
# Unreclaimable slab + vmalloc + percpu: where peers, keys and trie nodes
# live (reclaimable slab, such as dentries, only adds noise).
kernel_memory_kb() { awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s }' /proc/meminfo; }
elapsed() { echo $(($(now_ms) - $1)); }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

ip -n $ns link add burrow0 type burrow
# No IPv6 on the device: its link-local address would send router
# solicitations (to ff02::2, at 4 s, 8 s, 16 s, ... after link up, for ever
# by default), which find no peer and make the exact drop_no_peer counts
# below off by one whenever one falls into the ping's second.
ip netns exec $ns sysctl -qw net.ipv6.conf.burrow0.disable_ipv6=1
ip -n $ns addr add 10.255.255.254/8 dev burrow0
ip -n $ns link set burrow0 up

start=$(now_ms)
# Peer i holds prefixes (i-1)*10 .. (i-1)*10+9, numbered into 10.0.0.0/8.
mawk -v peers="$peers" -v per_peer=$per_peer 'BEGIN {
	for (i = 1; i <= peers; i++) {
		line = "peer add burrow0 id " i " allowed-ips "
		for (j = 0; j < per_peer; j++) {
			p = (i - 1) * per_peer + j
			line = line (j ? "," : "") "10." int(p / 65536) "." int(p / 256) % 256 "." p % 256 "/32"
		}
		print line
	}
}' >/tmp/scale.batch
diag "batch file written in $(elapsed "$start") ms"

before=$(kernel_memory_kb)
start=$(now_ms)
run_ok "$peers peers with $((peers * per_peer)) prefixes in one batch" nl -batch /tmp/scale.batch
load_ms=$(elapsed "$start")
after=$(kernel_memory_kb)
diag "batch load: ${load_ms} ms; kernel memory +$((after - before)) KiB," \
	"$(((after - before) * 1024 / peers)) bytes per peer (with its $per_peer prefixes)"

is "$(ip -n $ns -d -j link show burrow0 | jq '.[0].linkinfo.info_data.peers')" "$peers" \
	"the device holds $peers peers"

start=$(now_ms)
nl -j peer show burrow0 >/tmp/scale.json
dump_status=$?
dump_ms=$(elapsed "$start")
ok $dump_status "dump of every peer (${dump_ms} ms, $(($(stat -c %s /tmp/scale.json) / 1024)) KiB of JSON)"
start=$(now_ms)
is "$(jq '[length, ([.[].allowed_ips | length] | add)] | join(" ")' -r /tmp/scale.json)" \
	"$peers $((peers * per_peer))" "the dump has every peer and every prefix"
diag "jq counted the dump in $(elapsed "$start") ms"
rm -f /tmp/scale.json

# Longest-prefix match at size: the last peer's last prefix reaches a peer
# (no socket yet, so it is dropped as no-socket), an address outside every
# prefix finds none.
last=$((peers * per_peer - 1))
last_address="10.$((last / 65536)).$((last / 256 % 256)).$((last % 256))"
no_socket=$(counter $ns drop_no_socket)
no_peer=$(counter $ns drop_no_peer)
in_ns $ns ping -c 1 -W 1 "$last_address" >/dev/null 2>&1
is "$(($(counter $ns drop_no_socket) - no_socket)) $(($(counter $ns drop_no_peer) - no_peer))" \
	"1 0" "a packet to $last_address finds the last peer"
in_ns $ns ping -c 1 -W 1 10.254.0.1 >/dev/null 2>&1
is "$(($(counter $ns drop_no_peer) - no_peer))" 1 "a packet to 10.254.0.1 finds no peer"

start=$(now_ms)
run_ok "peer $((peers / 2)) deleted from the middle" nl peer del burrow0 id $((peers / 2))
diag "single delete at size: $(elapsed "$start") ms"

start=$(now_ms)
run_ok "device with $peers peers deleted" ip -n $ns link del burrow0
diag "device delete: $(elapsed "$start") ms"
# Peers and trie nodes are freed after RCU grace periods: poll until the
# memory is back within 2% of what the table took (slab pages that still
# hold other objects stay allocated; a leak of anything per peer or per
# prefix is larger than that).
tolerance=$(((after - before) / 50))
memory_returned() { [ $(($(kernel_memory_kb) - before)) -lt $tolerance ]; }
wait_for 30 memory_returned
ok $? "kernel memory returns after the delete (+$(($(kernel_memory_kb) - before)) KiB left, tolerance $tolerance KiB)"
done_testing
