#!/bin/bash
# burrowd killed with SIGKILL cannot remove what it put on its device. The
# state database records every address and route it installed (schema v5,
# 'installed'), so the next start tells its leftovers from an operator's
# own: a member of the hub topology (lib/burrowd-hub.sh) is killed, then
# restarted with one of its configured addresses dropped from its config.
# (a) the address the hub assigns again is adopted, not refused as a
#     conflict with the leftover, and works; a clean stop then removes it
#     (burrowd owns it again, and its route);
# (b) the leftover that is no longer granted is removed, and logged;
# (c) an address the operator added to the same device survives both.
# Also: the member's database records its effective policy (schema v4).
# burrow-vm: distro-only (userspace bookkeeping of rtnetlink addresses; the kernel paths are burrowd-negotiate.sh's)
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 16

bd_hub_nodes
# m2 gets a configured address of its own, dropped before the restart.
sed -i 's|^advertise_routes = 10.20.2.0/24$|&\naddress = 10.55.0.2/32|' "$(bd_conf 2)"
# Not burrowd's: an operator's address on the same device.
ip -n burrow-n2 addr add 10.77.0.2/32 dev burrow0

m2_has() {
	in_ns burrow-n2 ip -j addr show dev burrow0 |
		jq -e --arg a "$1" '.[0].addr_info[] | select(.local == $a)' >/dev/null
}
m2_lacks() { ! m2_has "$1"; }
m2_assigned() { [ "$(bd_assigned 2)" = 10.99.0.2/32 ]; }
m2_route() { in_ns burrow-n2 ip route show 10.99.0.0/24 dev burrow0 | grep -q .; }
hub_ping() {
	wait_for 10 in_ns burrow-n2 ping -c 1 -W 1 -I 10.99.0.2 10.99.0.1 &&
		in_ns burrow-n2 ping -c 3 -i 0.2 -W 2 -I 10.99.0.2 10.99.0.1
}

bd_start 1
bd_start 2
wait_for 60 m2_assigned
ok_or_logs $? "m2 is assigned 10.99.0.2/32 by the hub"
m2_has 10.55.0.2
ok $? "m2's configured 10.55.0.2 is on its device"
is "$(sqlite3 -readonly "$bd_dir/n2/state.db" \
	"SELECT value FROM policy JOIN nodes ON nodes.id = node_id WHERE name = 'hub' AND key = 'may_announce'")" \
	10.99.0.0/24 "m2's database records the hub's effective may_announce"
is "$(in_ns burrow-n2 burrowd peer list -j -c "$(bd_conf 2)" | jq -r '.[0].policy | "\(.may_announce) \(.may_reach)"')" \
	"10.99.0.0/24 all" "burrowd peer list shows the recorded policy"
wait_for 20 m2_route
ok $? "m2 routes the hub's 10.99.0.0/24 through burrow0"

bd_kill9 2
m2_has 10.99.0.2 && m2_has 10.55.0.2
ok $? "after kill -9 m2's addresses are still on its device"

sed -i '/^address = 10.55.0.2\/32$/d' "$(bd_conf 2)"
bd_start 2
wait_for 60 m2_assigned
ok_or_logs $? "(a) after the restart the hub's 10.99.0.2/32 is taken again, not refused"
run_ok "(a) m2 reaches the hub from its assigned address" hub_ping
! grep -qE 'address 10\.99\.0\.2/32 from hub \(request [0-9]+\) refused' "$bd_dir/n2/log"
ok $? "(a) the leftover did not make m2 refuse its own address as a conflict"
wait_for 20 m2_lacks 10.55.0.2
ok $? "(b) the leftover 10.55.0.2, no longer configured, is removed" ||
	diag "$(in_ns burrow-n2 ip addr show dev burrow0)" "$(tail -n 30 "$bd_dir/n2/log")"
bd_log_has 2 "removing leftover address 10.55.0.2/32 on burrow0"
ok $? "(b) and the log names it"
m2_has 10.77.0.2
ok $? "(c) the operator's 10.77.0.2 survives the restart"

# Adopted, not merely tolerated: a clean stop removes them like its own.
bd_stop 2
ok $? "m2 stops cleanly"
m2_lacks 10.99.0.2
ok $? "the adopted 10.99.0.2 is removed by the clean stop" ||
	diag "$(in_ns burrow-n2 ip addr show dev burrow0)"
! m2_route
ok $? "so is the adopted route 10.99.0.0/24" || diag "$(in_ns burrow-n2 ip route)"
m2_has 10.77.0.2
ok $? "(c) the operator's 10.77.0.2 survives the stop too"
done_testing
