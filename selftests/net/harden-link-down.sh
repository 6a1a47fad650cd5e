#!/bin/bash
# 'ip link set burrow0 down' stops the tunnel, as it does for
# WireGuard, while the configuration stays: peers, keys, endpoints and the
# attached socket. While down nothing is sent (no keepalives), datagrams the
# peer sends to the device are dropped and counted as drop_dev_down instead
# of being decrypted and delivered, and a peer can be added and deleted.
# After 'up' the tunnel carries pings and keepalives again. A device that
# is down can still be deleted (on the debug kernel: without a KASAN or
# lockdep report).
#
# Windows are measured in the other side's keepalives (one a second): "while
# n2 sends three keepalives to n1" is at least two seconds, longer than n1's
# own keepalive interval.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 20

two_nodes 4
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"

# Numbers, or -1 when missing (the counter did not exist before the fix).
num() { local v; v=$("$@" 2>/dev/null) && [ -n "$v" ] && [ "$v" != null ] && echo "$v" || echo -1; }
dev_down_drops() { num counter $n1 drop_dev_down; }
peer_field() { num eval "peer_json $1 $2 | jq -r '.$3'"; }
grown() { [ "$($1 "${@:3}")" -ge "$2" ]; }
kas_at_n2() { num counter $n2 rx_keepalives; }
kas_at_n1() { num counter $n1 rx_keepalives; }
n1_tx() { peer_field $n1 1 tx_packets; }
n1_rx() { peer_field $n1 1 rx_packets; }

# Time spent down is not silence of the peer: after up, n1 counts its
# peer's inactivity from the moment it came up.
in_ns $n1 burrow-nl peer set burrow0 id 1 keepalive 1 inactivity-timeout 3
in_ns $n2 burrow-nl peer set burrow0 id 1 keepalive 1
wait_for 15 grown kas_at_n2 $(($(kas_at_n2) + 2))
ok $? "n2 receives n1's keepalives ($(kas_at_n2))"

in_ns $n1 burrow-nl monitor >"$keydir/events1" 2>&1 &
monitor=$!

run_ok "n1: link set down" ip -n $n1 link set burrow0 down
tx0=$(n1_tx) rx0=$(n1_rx) kas_n2=$(kas_at_n2) kas_n1=$(kas_at_n1) drops0=$(dev_down_drops)
diag "after down: n1 tx_packets $tx0 rx_packets $rx0 rx_keepalives $kas_n1;" \
	"n2 rx_keepalives $kas_n2; n1 drop_dev_down $drops0"

# A peer added while down, with an endpoint, a key and a keepalive, sends
# nothing either.
in_ns $n1 burrow-nl peer add burrow0 id 2 endpoint 192.0.2.2:$port2 allowed-ips 10.10.0.9/32 \
	keepalive 1
make_key chacha20-poly1305 "$keydir/p2tx"
make_key chacha20-poly1305 "$keydir/p2rx"
install_key $n1 2 primary 5 chacha20-poly1305 "$keydir/p2tx" "$keydir/p2rx"
ok $? "n1: peer 2 added and keyed while down"

# The window: three of n2's keepalives reach n1's socket.
wait_for 20 grown dev_down_drops $((drops0 + 3))
ok $? "n2's keepalives to the down device count as drop_dev_down ($drops0 -> $(dev_down_drops))"
is "$(n1_tx)" "$tx0" "n1 sends nothing while down (peer 1 tx_packets)"
is "$(peer_field $n1 2 tx_packets)" 0 "a peer added while down sends no keepalive"
is "$(kas_at_n2)" "$kas_n2" "n2 receives no keepalive from n1 while down"
is "$(kas_at_n1)" "$kas_n1" "n1 takes in no keepalive while down"
is "$(n1_rx)" "$rx0" "n1 delivers nothing while down (peer 1 rx_packets)"

before=$(dev_down_drops)
run_fails "a ping from n2 to the down device fails" 1 "" \
	in_ns $n2 ping -c 2 -i 0.2 -W 1 10.10.0.1
[ "$(dev_down_drops)" -ge $((before + 2)) ]
ok $? "its echo requests are counted as drop_dev_down ($before -> $(dev_down_drops))"
is "$(n1_rx)" "$rx0" "and none is decrypted and delivered (peer 1 rx_packets)"

run_ok "n1: peer 2 deleted while down" in_ns $n1 burrow-nl peer del burrow0 id 2
dev=$(ip -n $n1 -d -j link show burrow0)
peer=$(peer_json $n1 1)
keys=$(in_ns $n1 burrow-nl -j key show burrow0 peer 1)
[ "$(jq -r '.[0].linkinfo.info_data.listen_port' <<<"$dev")" = $port1 ] &&
	[ "$(jq -r '.endpoint.address' <<<"$peer")" = 192.0.2.2 ] &&
	[ "$(jq -r 'length' <<<"$keys")" = 1 ]
status=$?
ok $status "configuration is intact while down: socket, endpoint, key"
[ $status -eq 0 ] || diag "dev: $dev" "peer: $peer" "keys: $keys"

run_ok "n1: link set up" ip -n $n1 link set burrow0 up
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel carries pings again after up"
kas_n2=$(kas_at_n2)
wait_for 15 grown kas_at_n2 $((kas_n2 + 2))
ok $? "n1's keepalives resume ($kas_n2 -> $(kas_at_n2))"
kill $monitor 2>/dev/null
wait $monitor 2>/dev/null
! grep -qi expired "$keydir/events1"
ok $? "no peer-expired event across down and up ($(tr '\n' ' ' <"$keydir/events1"))"

# Down again, with n2 still sending, then delete the device.
ip -n $n1 link set burrow0 down
drops0=$(dev_down_drops)
wait_for 10 grown dev_down_drops $((drops0 + 1))
ip -n $n1 link del burrow0 && ! ip -n $n1 link show burrow0 >/dev/null 2>&1
ok $? "a down device receiving datagrams can be deleted"
done_testing
