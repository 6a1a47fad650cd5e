#!/bin/bash
# burrowd config reload, on the hub topology of
# lib/burrowd-hub.sh: 'burrowd reload' and SIGHUP re-read the hub's file.
# An invalid file or a [node] change that needs a restart changes nothing
# (error named, exit codes 2 and 3). Removing a peer closes its session
# and removes its kernel peer and routes; narrowing a peer's may_announce
# withdraws the route it had announced while its session stays; adding a
# peer with an endpoint dials it. Through all of it, the session with the
# untouched member m2 is the one from the start: same kernel peer id,
# sessions_established still 1.
# burrow-vm: distro-only (userspace only: burrowd's reload; the kernel paths are burrowd-negotiate.sh's)
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/burrowd-hub.sh"
plan 28

bd_hub_nodes
conf=$(bd_conf 1)
bd_start 1
bd_start 2
bd_start 3
hub_routes() {
	bd_routes_json 1 | jq -r --arg p "$1" '.peers[] | select(.name == $p) | .accepted | join(",")'
}
both_routes() { [ "$(hub_routes m2)" = 10.20.2.0/24 ] && [ "$(hub_routes m3)" = 10.20.3.0/24 ]; }
both_leases() { [ -n "$(bd_assigned 2)" ] && [ -n "$(bd_assigned 3)" ]; }
wait_for 60 both_routes && wait_for 30 both_leases
ok_or_logs $? "the hub accepted m2's 10.20.2.0/24 and m3's 10.20.3.0/24, both have a lease"
# Which member got which address depends on who came first.
m2_lease=$(bd_assigned 2)
m3_lease=$(bd_assigned 3)
m2_kid=$(bd_kid 1 m2)
m2_session() {
	bd_json 1 | jq -r '.peers[] | select(.name == "m2") | "\(.state) \(.peer_id) \(.sessions_established)"'
}
is "$(m2_session)" "up $m2_kid 1" "the hub's session with m2 is up, established once"
cp "$conf" "$bd_dir/hub.good"
reload() { in_ns burrow-n1 burrowd reload -c "$conf"; }
hub_alive() { kill -0 "${bd_pid[1]}"; }

# 1. An invalid file: refused by 'burrowd reload', named with its line.
printf 'bogus = 1\n' >>"$conf"
line=$(wc -l <"$conf")
run_fails "reload of an invalid file exits 2 and names file, line and key" 2 \
	"$conf:$line: unknown key 'bogus' in [peer m3]" reload
# ... and by SIGHUP: logged, the daemon runs on with the old config.
kill -HUP "${bd_pid[1]}"
wait_for 10 bd_log_has 1 "reload (SIGHUP) refused, keeping the running configuration: $conf:$line: unknown key 'bogus'"
ok $? "SIGHUP with an invalid file logs the error with file and line"
# (The status client needs a valid file too, to find the control socket.)
cp "$bd_dir/hub.good" "$conf"
hub_alive
ok $? "the hub still runs"
is "$(bd_json 1 | jq -r '[.peers[] | "\(.name)=\(.state)"] | join(",")')" "m2=up,m3=up" \
	"both sessions are still up"

# 2. A [node] key that cannot change live: nothing applied, exit 3.
sed 's/^listen_port = .*/listen_port = 51829/' "$bd_dir/hub.good" >"$conf"
run_fails "a changed listen_port is refused: exit 3, the key named" 3 \
	"listen_port changed: restart burrowd to apply" reload
is "$(bd_json 1 | jq -r '[.peers[].name] | join(",")')" "m2,m3" "and nothing was applied"

# 3. Remove m3 (burrowd reload).
sed '/^\[peer m3\]/,$d' "$bd_dir/hub.good" >"$conf"
run_ok "reload without [peer m3] succeeds" reload
is "$(bd_json 1 | jq -r '[.peers[].name] | join(",")')" "m2" "the hub has no peer m3 any more"
bd_log_has 1 "session with m3 closed: m3 was removed from the configuration"
ok $? "the hub logged why m3's session was closed"
one_kernel_peer() { [ "$(in_ns burrow-n1 burrow-nl -j peer show burrow0 | jq length)" = 1 ]; }
wait_for 10 one_kernel_peer
ok $? "the hub's kernel has only m2's peer" ||
	diag "$(in_ns burrow-n1 burrow-nl -j peer show burrow0)"
is "$(in_ns burrow-n1 ip route show 10.20.3.0/24)" "" "m3's route left the hub's routing table"
is "$(in_ns burrow-n1 ip route show "$m3_lease")" "" "and so did the route to m3's lease"
m3_down() { [ "$(bd_json 3 | jq -r '.peers[0].state')" != up ]; }
wait_for 20 m3_down
ok $? "m3 saw its session end"
is "$(m2_session)" "up $m2_kid 1" "m2's session is untouched"

# 4. Narrow m2's policy (SIGHUP): the route it announced is withdrawn.
sed -e '/^\[peer m3\]/,$d' -e 's|^may_announce = 10.20.0.0/16|may_announce = 10.20.9.0/24|' \
	"$bd_dir/hub.good" >"$conf"
kill -HUP "${bd_pid[1]}"
m2_route_gone() { [ -z "$(hub_routes m2)" ]; }
wait_for 10 m2_route_gone
ok $? "after SIGHUP the hub no longer lists m2's 10.20.2.0/24 as accepted" || diag "$(bd_routes_json 1)"
is "$(in_ns burrow-n1 ip route show 10.20.2.0/24)" "" "the route left the hub's routing table"
is "$(bd_peer_json 1 m2 | jq -r '.allowed_ips | join(",")')" "$m2_lease" \
	"the hub's kernel peer for m2 keeps only m2's lease"
bd_log_has 1 "route 10.20.2.0/24 from m2 withdrawn: no longer allowed by policy"
ok $? "the withdrawal is logged"
bd_log_has 1 "reload (SIGHUP): reloaded $conf: 0 peers added, 0 removed, 0 reconnected, 1 with a new policy, 0 unchanged"
ok $? "the SIGHUP reload logged its summary"
is "$(m2_session)" "up $m2_kid 1" "m2's session stayed up: same kernel peer, established once"
run_ok "m2 still reaches the hub through the tunnel" tunnel_ping burrow-n2 10.99.0.1

# 5. Add m3 again, now with an endpoint: the hub dials it.
{
	sed 's|^may_announce = 10.20.0.0/16|may_announce = 10.20.9.0/24|' "$bd_dir/hub.good" |
		sed '/^\[peer m3\]/,$d'
	cat <<EOC
[peer m3]
public_key = ${bd_key[3]}
endpoint = 198.51.100.3:51823
may_announce = 10.20.0.0/16
EOC
} >"$conf"
run_fails "reload adding m3 reports it" 0 "1 peers added, 0 removed" reload
wait_for 30 bd_peer_up 1 m3
ok_or_logs $? "the session with the added m3 comes up"
m3_route_back() { [ "$(hub_routes m3)" = 10.20.3.0/24 ]; }
wait_for 20 m3_route_back
ok $? "the hub accepts m3's 10.20.3.0/24 again"
is "$(m2_session)" "up $m2_kid 1" "m2's session is still the first one"
! bd_log_has 1 "session with m2 down"
ok $? "the hub never logged m2's session going down"
done_testing
