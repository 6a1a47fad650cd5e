#!/bin/bash
# Runs inside the demo guest: a burrow-coord mesh (selftests/lib/coord-mesh.sh).
# A coordinator, three burrowd nodes joining with pre-auth keys, the policy
# letting web1 and web2 talk and keeping db3 out, the node maps and kernel
# peers that follow from it, and the operator removing web2.
. "$(dirname "$0")/../selftests/lib/demo.sh"
. "$(dirname "$0")/../selftests/lib/coord-mesh.sh"
plan 6
coord_step() { echo; echo "[burrow-c] \$ burrow-coord $*"; coord "$@"; }

title "a coordinator (burrow-c, 192.0.2.254:7443) and three nodes: web1, web2 (tag:web), db3 (tag:db)"
mesh_nodes
echo "--- policy.json"; cat "$coord_dir/policy.json"
echo "--- $(bd_conf 1 | sed "s|$bd_dir/||") (no [peer] sections: peers come from the coordinator)"
grep -v '^\(private_key\|state\|control_socket\|log_level\)' "$(bd_conf 1)" | sed "s|$bd_dir/||"
coord_step key list
coord_start

title "the nodes register with their pre-auth keys and get their node maps"
for n in 1 2 3; do bd_start "$n"; done
wait_for 90 peer_up 1 web2
ok $? "web1 and web2 have a session"
coord_step node list
v4_2=$(overlay4 web2)
v4_3=$(overlay4 db3)
for n in 1 2 3; do step "burrow-n$n" burrowd status -c "$(bd_conf "$n")"; done

title "policy: web1 reaches web2; db3 is in nobody's map"
run_ok "web1 pings web2 ($v4_2)" tunnel_ping burrow-n1 "$v4_2"
step burrow-n1 ping -c 2 -i 0.2 "$v4_2"
run_fails "web1 cannot reach db3 ($v4_3)" 1 "" in_ns burrow-n1 ping -c 1 -W 1 "$v4_3"
step burrow-n1 burrow-nl peer show burrow0

title "the operator removes web2: it is cut off within seconds"
coord_step node remove web2
gone() { [ "$(mesh_json 1 '.peers | length')" = 0 ] && [ "$(kernel_peers 1)" = 0 ]; }
wait_for 10 gone
ok $? "web1 dropped web2 from burrowd and the kernel"
run_fails "web1 can no longer reach web2" 1 "" in_ns burrow-n1 ping -c 1 -W 1 "$v4_2"
cut_off() { [ "$(mesh_json 2 .coordinator.cut_off)" = true ]; }
wait_for 10 cut_off
ok $? "web2 forgot its map"
step burrow-n2 burrowd status -c "$(bd_conf 2)"
grep -h 'removed\|forgetting' "$bd_dir/n1/log" "$bd_dir/n2/log" | sed 's/^/  log: /'
done_testing
