#!/bin/bash
# burrow-vm: distro-only (DHCP over the l2 flood and segment paths that l2-bridge, whose own DHCP check runs on the debug kernel, and l2-vlan cover there)
# Layer-2 mode: DHCP across burrow tunnels. Four nodes in an l2 mesh
# (lib/l2.sh); nodes 1-3 share segment 0 (untagged), node 4 is put in
# segment 20 by the other three. busybox udhcpd serves a 4-address pool on
# node 1's LAN; busybox udhcpc on node 2's and node 3's LANs (static IPv4
# addresses removed first) gets a lease across the tunnel, takes it as its
# only IPv4 address, and pings the server from it. The DHCPDISCOVER is a
# broadcast: node 2's copy is flooded to node 3 too (seen there by tcpdump,
# counted in node 2's per-peer tx-packets towards peer 3 and in its
# l2_flooded), and none is
# refused by flood-rate. Node 4, outside the segment, sends its
# DHCPDISCOVERs all the same; node 1 drops them as drop_l2_segment and node
# 4 gets no lease.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/l2.sh"
plan 17

diag "start at ${SECONDS}s"
l2_mesh 4
ok $? "four nodes with l2 burrow devices, peers and keys"
for i in 1 2 3 4; do l2_lan "$i"; done
n2=$(l2_ns 2) n3=$(l2_ns 3)
status=0
for i in 1 2 3; do
	in_ns "$(l2_ns "$i")" burrow-nl peer set b0 id 4 segments 20 || status=1
done
ok $status "nodes 1-3 put peer 4 in segment 20 only (node 4 keeps segment 0 towards them)"
diag "setup done at ${SECONDS}s"

h1=${l2_host[1]} d1=${l2_dev[1]}
# The clients start without IPv4: whatever address they ping from is the lease.
for i in 2 3 4; do ip -n "${l2_host[$i]}" -4 addr flush dev "${l2_dev[$i]}"; done

tmp=$(mktemp -d)
cat >"$tmp/udhcpd.conf" <<CONF
start 10.50.0.100
end 10.50.0.103
interface $d1
lease_file $tmp/udhcpd.leases
pidfile $tmp/udhcpd.pid
option subnet 255.255.255.0
option lease 600
CONF
: >"$tmp/udhcpd.leases"
# udhcpc's script: take the lease as the interface's only IPv4 address and
# write it down in $LEASE_FILE (udhcpc passes its environment on).
cat >"$tmp/udhcpc.sh" <<SCRIPT
#!$(command -v bash)
case "\$1" in
deconfig) ip -4 addr flush dev "\$interface" ;;
bound|renew)
	ip -4 addr flush dev "\$interface"
	ip addr add "\$ip/\${mask:-24}" dev "\$interface" || exit 1
	echo "\$ip" >"\$LEASE_FILE" ;;
esac
exit 0
SCRIPT
chmod +x "$tmp/udhcpc.sh"

in_ns "$h1" udhcpd -f "$tmp/udhcpd.conf" >"$tmp/udhcpd.log" 2>&1 &
udhcpd_pid=$!
# udhcpd is ready once it listens on port 67.
wait_for 10 eval "in_ns '$h1' ss -Hlun 'sport = :67' | grep -q ."
ok $? "udhcpd listens on node 1's LAN ($d1)"

# capture NS NODE COUNT FILE: tcpdump on b0 in NS, in the background
# (cap_pid), until COUNT broadcast DHCP requests from node NODE's LAN.
capture() {
	local mac
	mac=$(ip -n "${l2_host[$2]}" -j link show "${l2_dev[$2]}" | jq -r '.[0].address')
	in_ns "$1" timeout 60 tcpdump -i b0 -n -l -e -c "$3" \
		"ether src $mac and ether dst ff:ff:ff:ff:ff:ff and udp dst port 67" \
		>"$4" 2>"$4.err" &
	cap_pid=$!
	wait_for 10 grep -q 'listening on' "$4.err"
}

# node 3 captures node 2's DHCPDISCOVERs on b0 (the flooded copies).
capture "$n3" 2 1 "$tmp/cap3"

tx23=$(in_ns "$n2" burrow-nl -j peer show b0 id 3 | jq '.[0].tx_packets')
rx32=$(in_ns "$n3" burrow-nl -j peer show b0 id 2 | jq '.[0].rx_packets')
fr2=$(l2_counter 2 drop_l2_flood_rate)
fl2=$(l2_counter 2 l2_flooded)
seg1=$(l2_counter 1 drop_l2_segment)

# client I: udhcpc on node I's LAN; exits 0 with a lease, 1 without (-n).
client() {
	LEASE_FILE=$tmp/lease$1 in_ns "${l2_host[$1]}" timeout 60 \
		udhcpc -f -q -n -t 6 -T 2 -i "${l2_dev[$1]}" -s "$tmp/udhcpc.sh" \
		>"$tmp/udhcpc$1.log" 2>&1
}
client 2 &
c2=$!
client 3 &
c3=$!
wait "$c2"
s2=$?
wait "$c3"
s3=$?
lease2=$(cat "$tmp/lease2" 2>/dev/null) lease3=$(cat "$tmp/lease3" 2>/dev/null)
diag "DHCP done at ${SECONDS}s"
in_pool() { case "$1" in 10.50.0.10[0-3]) return 0 ;; esac; return 1; }
# ok returns 0 either way (tap.sh), so the diagnostics test the status.
[ "$s2" -eq 0 ] && in_pool "$lease2"
st=$?
ok $st "node 2's LAN got a lease from the pool across the tunnel ($lease2)"
[ $st -eq 0 ] || diag "$(cat "$tmp/udhcpc2.log" "$tmp/udhcpd.log")"
[ "$s3" -eq 0 ] && in_pool "$lease3"
st=$?
ok $st "node 3's LAN got a lease from the pool across the tunnel ($lease3)"
[ $st -eq 0 ] || diag "$(cat "$tmp/udhcpc3.log" "$tmp/udhcpd.log")"
[ -n "$lease2" ] && [ "$lease2" != "$lease3" ]
ok $? "the two leases differ ($lease2, $lease3)"
for i in 2 3; do
	lease=$(cat "$tmp/lease$i" 2>/dev/null)
	is "$(ip -n "${l2_host[$i]}" -j -4 addr show dev "${l2_dev[$i]}" | jq -r '[.[0].addr_info[].local] | join(" ")')" \
		"$lease" "node $i's LAN has the lease as its only IPv4 address"
done
wait_for 20 in_ns "${l2_host[2]}" ping -c 1 -W 1 -I "$lease2" 10.50.0.1
ok $? "node 2's LAN pings the DHCP server from its lease $lease2"
wait_for 20 in_ns "${l2_host[3]}" ping -c 1 -W 1 -I "$lease3" 10.50.0.1
ok $? "node 3's LAN pings the DHCP server from its lease $lease3"
wait_for 20 in_ns "$h1" ping -c 1 -W 1 "$lease3"
ok $? "the server's LAN reaches node 3's LAN at its lease $lease3"

# The flood: node 3, which runs no server, saw node 2's broadcast DISCOVER.
wait "$cap_pid"
grep -q '0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request' "$tmp/cap3"
st=$?
ok $st "node 3 received node 2's broadcast DHCP request (flooded to every segment member)"
[ $st -eq 0 ] || diag "$(cat "$tmp/cap3" "$tmp/cap3.err")"
moved=$(($(in_ns "$n2" burrow-nl -j peer show b0 id 3 | jq '.[0].tx_packets') - tx23))
[ "$moved" -ge 1 ] &&
	[ "$(($(in_ns "$n3" burrow-nl -j peer show b0 id 2 | jq '.[0].rx_packets') - rx32))" -ge 1 ]
ok $? "node 2's tx-packets to peer 3 and node 3's rx-packets from peer 2 moved (+$moved)"
is "$(l2_counter 2 drop_l2_flood_rate)" "$fr2" "no flooded copy was refused by flood-rate (drop_l2_flood_rate)"
[ "$(l2_counter 2 l2_flooded)" -gt "$fl2" ]
ok $? "node 2 counted the broadcasts it flooded (l2_flooded $fl2 -> $(l2_counter 2 l2_flooded))"

# Node 4 is outside segment 0 for the others: its DISCOVERs are dropped.
# udhcpc -t 6 sends six; b0 on node 4 sees them go into the tunnel.
capture "$(l2_ns 4)" 4 6 "$tmp/cap4"
client 4
s4=$?
wait "$cap_pid"
sent4=$(grep -c 'BOOTP/DHCP, Request' "$tmp/cap4")
got4="$s4:$(cat "$tmp/lease4" 2>/dev/null):$sent4"
is "$got4" "1::6" \
	"node 4's LAN (peer 4 in segment 20) sends 6 DHCP requests into the tunnel and gets no lease"
[ "$got4" = "1::6" ] || diag "$(cat "$tmp/udhcpc4.log" "$tmp/cap4.err")"
[ "$(l2_counter 1 drop_l2_segment)" -ge $((seg1 + 6)) ]
ok $? "node 1 drops node 4's segment-0 frames as drop_l2_segment (+$(($(l2_counter 1 drop_l2_segment) - seg1)), at least its 6 requests)"

kill "$udhcpd_pid" 2>/dev/null
wait "$udhcpd_pid" 2>/dev/null
done_testing
