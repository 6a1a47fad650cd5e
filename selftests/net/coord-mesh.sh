#!/bin/bash
# burrow-vm: distro-only
# A mesh run by burrow-coord: three burrowd nodes join one coordinator
# with pre-auth keys and get their peers from the node map, not their
# config files. Policy lets tag:web reach tag:web and 10.20.0.0/16: web1
# and web2 see each other and talk; db3 (tag:db) sees nobody. Then key
# refusals as a node meets them (revoked, expired, a used single-use key),
# route approval, the coordinator killed with -9 while nodes keep passing
# traffic (and a node restarting from its stored map meanwhile), and node
# removal cutting a node off. Userspace only on top of the data plane the
# other tests cover, so on one kernel. Topology: selftests/lib/coord-mesh.sh.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/coord-mesh.sh"
plan 35

mesh_nodes
coord_start

for n in 1 2 3; do bd_start "$n"; done
wait_for 90 peer_up 1 web2
status=$?
ok_or_logs $status "web1 and web2 registered with one reusable key and their session is up"
[ $status = 0 ] || diag "--- coordinator log" "$(tail -n 40 "$coord_dir/log")"
is "$(coord -j node list | jq -r '[.[].name] | sort | join(" ")')" "db3 web1 web2" \
	"the coordinator lists all three nodes"
# One UDP port per node (brief D11): the coordinator connection leaves from
# the tunnel's port, so the address the coordinator sees is the tunnel's.
for n in 1 3; do
	grep -q "registered as '${mesh_name[$n]}' (.*) from ${mesh_underlay[$n]}.$n:5182$n\$" \
		"$coord_dir/log"
	ok $? "the coordinator sees ${mesh_name[$n]} at its tunnel port ${mesh_underlay[$n]}.$n:5182$n"
done
v4_1=$(overlay4 web1)
v4_2=$(overlay4 web2)
v4_3=$(overlay4 db3)
is "$(mesh_json 1 '.coordinator.state + " " + .coordinator.name + " " + .coordinator.ipv4')" \
	"connected web1 $v4_1/10" "web1's status shows the coordinator, its name and overlay address"
run_ok "web1 pings web2 at its overlay address" tunnel_ping burrow-n1 "$v4_2"
is "$(mesh_json 1 '[.peers[].name] | join(" ")') $(kernel_peers 1)" "web2 1" \
	"policy: web1's peers are web2 alone, in burrowd and in the kernel"
is "$(mesh_json 3 '.peers | length') $(kernel_peers 3) $(mesh_json 3 .coordinator.map_peers)" "0 0 0" \
	"policy: db3 is registered but its map, daemon and kernel hold no peer"
run_fails "policy: web1 cannot reach db3" 1 "" in_ns burrow-n1 ping -c 1 -W 1 "$v4_3"
run_fails "policy: db3 cannot reach web1" 1 "" in_ns burrow-n3 ping -c 1 -W 1 "$v4_1"

# ---- pre-auth keys as a joining node meets them: n3 starts over as a new node
# (a new key, an empty state) and its key file is changed between attempts.
fresh_node3() {
	rm -f "$bd_dir/n3/state.db"* "$bd_dir/n3/node.key"
	bd_key[3]=$(burrowd genkey "$bd_dir/n3/node.key")
}
bd_stop 3
coord node remove db3 >/dev/null
fresh_node3
revoked=$(coord key create tag tag:db)
coord key revoke "${revoked:4:8}" >/dev/null
expired=$(coord key create expiry 1s tag tag:db)
single=$(coord key create tag tag:db)
refused_with() { [[ $(mesh_json 3 .coordinator.last_error) == *"$1"* ]]; }
echo "$revoked" >"$bd_dir/n3/authkey"
bd_start 3
wait_for 30 refused_with "revoked"
ok $? "a revoked key is refused: $(mesh_json 3 .coordinator.last_error)"
# The key expired a second after it was made; the node retries with backoff.
echo "$expired" >"$bd_dir/n3/authkey"
wait_for 30 refused_with "expired"
ok $? "an expired key is refused: $(mesh_json 3 .coordinator.last_error)"
echo "$single" >"$bd_dir/n3/authkey"
connected3() { [ "$(mesh_json 3 .coordinator.state)" = connected ]; }
wait_for 30 connected3
ok $? "a fresh single-use key registers the node"
# Removed while its daemon is down: at its next start the coordinator no
# longer knows it, and it does not join again on its own, even with a
# reusable key in its key file.
bd_stop 3
coord node remove db3 >/dev/null
echo "$web_key" >"$bd_dir/n3/authkey"
bd_start 3
wait_for 30 eval '[ "$(mesh_json 3 .coordinator.cut_off)" = true ]'
ok $? "db3, removed while down, is cut off at its next start: $(mesh_json 3 .coordinator.last_error)"
is "$(coord -j node list | jq -r '[.[].name] | sort | join(" ")')" "web1 web2" \
	"and it did not register again with the reusable key in its file"
bd_stop 3
fresh_node3
echo "$single" >"$bd_dir/n3/authkey"
bd_start 3
wait_for 30 refused_with "used"
ok $? "the same single-use key is refused for another node: $(mesh_json 3 .coordinator.last_error)"
bd_stop 3

# ---- route approval: web2 advertised 10.20.2.0/24 at registration.
no_route() { ! in_ns burrow-n1 ip route show 10.20.2.0/24 | grep -q burrow0; }
no_route
ok $? "an advertised route is not used before approval"
run_ok "the operator approves web2's route" coord route approve web2 10.20.2.0/24
has_route() { in_ns burrow-n1 ip route show 10.20.2.0/24 | grep -q burrow0; }
wait_for 20 has_route
ok $? "web1 routes 10.20.2.0/24 through burrow0 after approval"
web2_allowed() {
	peer_json burrow-n1 "$(bd_kid 1 web2)" | jq -e '.allowed_ips | index("10.20.2.0/24")'
}
wait_for 20 web2_allowed
ok $? "the approved route is in web2's allowed IPs on web1"
run_ok "web1 reaches 10.20.2.1 behind web2" tunnel_ping burrow-n1 10.20.2.1

# ---- the coordinator goes away: nodes keep their sessions and keys.
kill -9 "$coord_pid"
wait "$coord_pid" 2>/dev/null
run_ok "with the coordinator killed (-9), web1 still pings web2" tunnel_ping burrow-n1 "$v4_2"
bd_stop 1
bd_start 1
wait_for 90 peer_up 1 web2
ok_or_logs $? "web1 restarted while the coordinator is down: its stored map brings web2 back"
run_ok "and traffic passes again" tunnel_ping burrow-n1 "$v4_2"
state1=$(mesh_json 1 .coordinator.state)
[ "$state1" = connecting ] || [ "$state1" = disconnected ]
ok $? "web1 does not claim a coordinator connection: $state1"
restart_line=$(($(wc -l <"$coord_dir/log") + 1))
coord_start
# web2 finds out its old connection is dead when it idles out (6 s here).
registered_again() {
	[ "$(tail -n +"$restart_line" "$coord_dir/log" | grep -c "registered as 'web[12]'")" = 2 ]
}
wait_for 60 registered_again
ok $? "both web nodes register with the restarted coordinator (no key: it knows them)"

# ---- policy files: refused with the line and the rule, at start and on SIGHUP.
printf '{\n  "rules": [\n    { "src": ["tag:web"], "dst": ["group:nope"] }\n  ]\n}\n' \
	>"$coord_dir/bad.json"
run_fails "a policy naming an unknown group is refused at start, with its line and rule" 1 \
	"bad.json:3: rules[0].dst[0]: unknown group 'group:nope'" \
	in_ns burrow-c burrow-coord -d "$coord_dir/coord.db" run listen 192.0.2.254:7444 \
	key "$coord_dir/coord.key" policy "$coord_dir/bad.json"
cp "$coord_dir/policy.json" "$coord_dir/good.json"
cp "$coord_dir/bad.json" "$coord_dir/policy.json"
kill -HUP "$coord_pid"
reload_refused() { grep -q "keeping the old policy: .*policy.json:3" "$coord_dir/log"; }
wait_for 10 reload_refused
ok $? "SIGHUP with an invalid policy is refused and logged with its line"
cp "$coord_dir/good.json" "$coord_dir/policy.json"
run_ok "and the old policy still lets web1 reach web2" tunnel_ping burrow-n1 "$v4_2"

# ---- removal: web2 is cut off from every peer within seconds.
run_ok "the operator removes web2" coord node remove web2
gone() { [ "$(mesh_json 1 '.peers | length')" = 0 ] && [ "$(kernel_peers 1)" = 0 ]; }
wait_for 10 gone
ok $? "web1 drops web2 from burrowd and the kernel"
run_fails "web1 can no longer reach web2" 1 "" in_ns burrow-n1 ping -c 1 -W 1 "$v4_2"
forgotten() { [ "$(mesh_json 2 '.peers | length')" = 0 ] && [ "$(mesh_json 2 .coordinator.cut_off)" = true ]; }
wait_for 10 forgotten
status=$?
ok $status "web2 forgets its map: $(mesh_json 2 .coordinator.last_error)"
[ $status = 0 ] || diag "--- web2 log" "$(tail -n 30 "$bd_dir/n2/log")" "--- coordinator log" "$(tail -n 20 "$coord_dir/log")"
no_address() { ! in_ns burrow-n2 ip -o addr show dev burrow0 | grep -q "$v4_2"; }
wait_for 10 no_address
ok $? "web2's overlay address is gone from its device"

kill -TERM "$coord_pid"
wait "$coord_pid"
is $? 0 "the coordinator stops with 0 on SIGTERM"
done_testing
