#!/bin/bash
# The packet fuzzer (selftests/fuzz-kernel/packet-fuzz.c) against a live
# tunnel, udp then quic: malformed datagrams built from mutations of
# headers the receiver recognises (its receiver id and key id, its local
# CID), truncated at every length, bit-flipped, with reserved bits, wrong
# types, the other encapsulation's shapes, random lengths up to 64 KB and
# random bytes, sent from n1 to n2's tunnel port while a ping runs through
# the tunnel. n2's socket is read by 'burrow-pkt-fuzz drain', which counts
# every datagram the kernel leaves to userspace.
#
# Every datagram is accounted for, exactly: over each phase, n2's drop
# counters (the sum of /sys/class/net/burrow0/burrow/drop_*) plus
# rx_to_userspace grow by the fuzz datagrams sent plus the authentic ones
# that did not authenticate, plus authentic ones dropped after
# authentication (drop_bad_inner, drop_source_not_allowed, which a forged
# datagram cannot reach), plus n2's own transmit drops (its tx_dropped).
# Authentic datagrams are n1's peer tx packets (those handed to the UDP
# socket); authenticated ones are n2's key rx-packets. The drainer must have read exactly rx_to_userspace's
# growth. The harness fails the run on any KASAN/WARN/oops; the tunnel must
# still carry pings afterwards. BURROW_FUZZ_SEED=N reruns a seed.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 12

seed=${BURROW_FUZZ_SEED:-$(( ($(date +%s) << 16) ^ $$ ))}
# Datagrams per encapsulation: 50,000 each (100,000 per run) on the distro
# kernel; the debug kernel (KASAN, lockdep, under TCG) gets what fits in
# about a minute.
case "$(uname -r)" in
*burrow-debug*) count=${BURROW_PKT_FUZZ_COUNT:-8000} ;;
*) count=${BURROW_PKT_FUZZ_COUNT:-50000} ;;
esac
diag "seed $seed (rerun with BURROW_FUZZ_SEED=$seed), $count datagrams per encapsulation"

# A burst must not overflow the per-CPU backlog on its way in: a datagram
# lost there never reaches burrow, and the count would be off.
backlog=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=200000
drain_pid=
cleanup() {
	[ -n "$drain_pid" ] && kill "$drain_pid" 2>/dev/null
	[ -n "${ping_pid:-}" ] && kill "$ping_pid" 2>/dev/null
	sysctl -qw net.core.netdev_max_backlog="$backlog"
	tap_cleanup
}
trap cleanup EXIT

two_nodes 4 chacha20-poly1305
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"

# ip netns exec execs the command: $! is the drainer itself, which a signal
# must reach (a function or subshell in between would take it instead).
ip netns exec $n2 burrow-pkt-fuzz drain burrow0 $port2 >"$keydir/drain.out" 2>&1 &
drain_pid=$!
drain_ready() { grep -q '^ready' "$keydir/drain.out"; }
wait_for 20 drain_ready
status=$?
ok $status "n2's socket is read by the drainer"
[ $status -eq 0 ] || diag "$(cat "$keydir/drain.out")"
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel works over the drainer's socket"

# snap_ns NS: one namespace's counts, NAME VALUE per line, in one process
# (spawning is slow under TCG): the sum of the drop counters, rx_to_userspace,
# the drops only authentic packets can reach, the device's tx_dropped, the
# primary key's rx-packets (authenticated) and peer 1's tx packets (handed
# to the UDP socket: a packet dropped after it got its key counter is not
# in them, so they count exactly the authentic datagrams sent).
snap_ns() {
	ip netns exec "$1" bash -c '
		cd /sys/class/net/burrow0 || exit 1
		sum=0
		for f in burrow/drop_*; do read -r v <"$f"; sum=$((sum + v)); done
		echo "drops $sum"
		read -r v <burrow/rx_to_userspace; echo "userspace $v"
		read -r a <burrow/drop_bad_inner; read -r b <burrow/drop_source_not_allowed
		echo "after_auth $((a + b))"
		read -r v <statistics/tx_dropped; echo "tx_dropped $v"
		burrow-nl key show burrow0 peer 1 slot primary |
			sed -n -e "s/^ *rx-packets /rx_packets /p"
		burrow-nl -j peer show burrow0 id 1 | jq -r "\"peer_tx_packets \(.[0].tx_packets)\""'
}
# Column 2 of /proc/net/softnet_stat (hex, per CPU): backlog overflows.
softnet_dropped() {
	local line fields sum=0
	while read -r line; do
		read -ra fields <<<"$line"
		sum=$((sum + 16#${fields[1]}))
	done </proc/net/softnet_stat
	echo $sum
}
snapshot() {
	snap_ns $n2 | sed 's/^/n2_/'
	snap_ns $n1 | sed 's/^/n1_/'
	echo "softnet_dropped $(softnet_dropped)"
}
n2_counters() { in_ns $n2 bash -c 'cd /sys/class/net/burrow0/burrow && grep . drop_* rx_*' | sort; }
value() { sed -n "s/^$2 //p" <<<"$1"; }
# Packets in the peers' pipeline queues on both nodes, from debugfs (which
# ip netns exec does not show: it is read here, in the initial netns).
debugfs_peers() {
	echo "/sys/kernel/debug/burrow/burrow0@$(ip netns exec "$1" readlink /proc/self/ns/net | tr -dc 0-9)/peers"
}
queued() {
	cat "$peers1" "$peers2" | sed -n 's/^  queued tx \([0-9]*\) rx \([0-9]*\).*/\1 \2/p' |
		awk '{ s += $1 + $2 } END { print s + 0 }'
}
# Counters settle when nothing is queued on either node (n1 counts a packet
# when it gets its counter, before it is sent) and n2's counts hold still.
settled() {
	local a b
	[ "$(queued)" = 0 ] || return 1
	a=$(snap_ns $n2)
	sleep 0.3
	b=$(snap_ns $n2)
	[ "$a" = "$b" ] && [ "$(queued)" = 0 ]
}

# fuzz_phase ENCAP ARGS...: fuzz under ping, then check the accounting.
fuzz_phase() {
	local encap=$1 status before after sent started took drops user auth_sent auth_ok after_auth tx2 tx1 accounted
	shift
	wait_for 30 settled
	diag "$encap: t=${SECONDS}s settled, fuzzing"
	before=$(snapshot)
	n2_counters >"$keydir/counters-before"
	ip netns exec $n1 ping -q -i 0.02 10.10.0.2 >/dev/null 2>&1 &
	ping_pid=$!
	started=$(date +%s)
	in_ns $n1 burrow-pkt-fuzz send -t 192.0.2.2 -p $port2 -e "$encap" -n "$count" \
		-s "$seed" "$@" >"$keydir/fuzz-$encap.out" 2>&1
	status=$?
	ok $status "$encap: burrow-pkt-fuzz sent its datagrams"
	[ $status -eq 0 ] || diag "$(cat "$keydir/fuzz-$encap.out")"
	took=$(($(date +%s) - started))
	# SIGTERM: a background job of a script ignores SIGINT.
	kill -TERM "$ping_pid"
	wait "$ping_pid" 2>/dev/null
	ping_pid=
	wait_for 60 settled
	diag "$encap: t=${SECONDS}s settled after the fuzz"
	after=$(snapshot)
	sent=$(sed -n 's/^sent //p' "$keydir/fuzz-$encap.out")
	diag "$encap: sent ${sent:-?} in ${took}s; $(grep -E '^# ' "$keydir/fuzz-$encap.out" | tr -d '#' | tr -s ' ' | tr '\n' ',')"
	d() { echo $(( $(value "$after" "$1") - $(value "$before" "$1") )); }
	drops=$(d n2_drops) user=$(d n2_userspace) after_auth=$(d n2_after_auth)
	tx2=$(d n2_tx_dropped) tx1=$(d n1_tx_dropped)
	auth_sent=$(d n1_peer_tx_packets) auth_ok=$(d n2_rx_packets)
	accounted=$((drops + user - tx2 - (auth_sent - auth_ok) - after_auth))
	diag "$encap: drops +$drops, rx_to_userspace +$user, n2 tx drops +$tx2," \
		"authentic sent $auth_sent, authenticated $auth_ok, dropped after authentication $after_auth," \
		"n1 tx drops +$tx1, softnet drops +$(d softnet_dropped)"
	# Which counters grew, on n2:
	n2_counters >"$keydir/counters-after"
	awk -F: 'NR == FNR { was[$1] = $2; next }
		$2 != was[$1] { printf "# n2 %s +%d\n", $1, $2 - was[$1] }' \
		"$keydir/counters-before" "$keydir/counters-after"
	is "$accounted" "${sent:-none}" "$encap: every fuzz datagram is in a drop counter or rx_to_userspace"
	tunnel_ping $n1 10.10.0.2 >/dev/null
	ok $? "$encap: the tunnel still works"
}

peers1=$(debugfs_peers $n1)
peers2=$(debugfs_peers $n2)
grep -q "queued tx" "$peers1" && grep -q "queued tx" "$peers2"
ok $? "debugfs shows both nodes' pipeline queues"
diag "t=${SECONDS}s: set up"
user_start=$(value "$(snap_ns $n2)" userspace)
fuzz_phase udp -i 1 -k 1

# The same tunnel in quic (as quic_nodes does): hp keys, CIDs, encap.
add_hp chacha20-poly1305 "$keydir/k12" "$keydir/hp12"
add_hp chacha20-poly1305 "$keydir/k21" "$keydir/hp21"
install_key $n1 1 primary 1 chacha20-poly1305 "$keydir/k12" "$keydir/k21"
install_key $n2 1 primary 1 chacha20-poly1305 "$keydir/k21" "$keydir/k12"
in_ns $n1 burrow-nl peer set burrow0 id 1 encap quic local-cid $cid1 remote-cid $cid2
in_ns $n2 burrow-nl peer set burrow0 id 1 encap quic local-cid $cid2 remote-cid $cid1
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "quic: tunnel is up"
diag "t=${SECONDS}s: quic set up"
fuzz_phase quic -i 1 -k 1 -c $cid2

user_end=$(value "$(snap_ns $n2)" userspace)
kill -TERM "$drain_pid"
wait "$drain_pid"
drain_pid=
is "$(sed -n 's/^drained //p' "$keydir/drain.out")" "$((user_end - user_start))" \
	"the drainer read every datagram counted in rx_to_userspace"
done_testing
