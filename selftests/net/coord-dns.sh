#!/bin/bash
# burrow-vm: distro-only
# MagicDNS on a burrow-coord mesh: the coordinator's [dns] sets the mesh
# domain (mesh.test) and a split domain; every node answers DNS on its
# overlay address, port 53, from its node map. Asked with busybox nslookup
# from inside each node's namespace: every name the node's map holds
# resolves (A), itself included; a name it does not hold is NXDOMAIN; a
# name outside the mesh domain is REFUSED (not a recursive resolver); after
# 'burrow-coord node rename' the new name resolves and the old one is gone.
# systemd-resolved is not in the guest: burrowd logs that once and keeps
# answering (its D-Bus calls are tested against a mock in
# selftests/unit/test_burrowd_resolved.c). Topology: selftests/lib/coord-mesh.sh.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
. "$(dirname "$0")/../lib/coord-mesh.sh"
plan 13

mesh_nodes
cat >"$coord_dir/dns.conf" <<'CONF'
[dns]
domain = mesh.test
split = corp.example 10.99.0.53
CONF
coord_run_args=(dns "$coord_dir/dns.conf")
coord_start
for n in 1 2 3; do bd_start "$n"; done
wait_for 90 peer_up 1 web2
ok_or_logs $? "web1 and web2 are up"
wait_for 30 eval '[ "$(mesh_json 3 .coordinator.state)" = connected ]'
ok_or_logs $? "db3 is connected"

v4_1=$(overlay4 web1)
v4_2=$(overlay4 web2)
v4_3=$(overlay4 db3)
# lookup N NAME: busybox nslookup from node N against its own responder.
lookup() { in_ns "burrow-n$1" nslookup "$2" "$(overlay4 "${mesh_name[$1]}")" 2>&1; }
# resolves N NAME ADDRESS: the answer holds ADDRESS.
resolves() { lookup "$1" "$2" | grep -qE "^Address:[[:space:]]+$3\$"; }
says() { lookup "$1" "$2" | grep -q "$3"; }

wait_for 20 resolves 1 web1.mesh.test "$v4_1"
status=$?
ok $status "web1 resolves itself, web1.mesh.test -> $v4_1"
[ $status = 0 ] || diag "$(lookup 1 web1.mesh.test)" "$(grep dns "$bd_dir/n1/log" | tail -5)"
run_ok "no systemd-resolved in the guest: burrowd says so and answers anyway" \
	bd_log_has 1 "not registered with systemd-resolved"
run_ok "web1 resolves its peer web2.mesh.test -> $v4_2" resolves 1 web2.mesh.test "$v4_2"
run_ok "case does not matter: WEB2.Mesh.Test" resolves 1 WEB2.Mesh.Test "$v4_2"
run_ok "web2 resolves web1.mesh.test -> $v4_1" resolves 2 web1.mesh.test "$v4_1"
run_ok "db3 resolves itself, db3.mesh.test -> $v4_3" resolves 3 db3.mesh.test "$v4_3"
run_ok "db3 is not in web1's map (policy): NXDOMAIN" says 1 db3.mesh.test NXDOMAIN
run_ok "an unknown name is NXDOMAIN" says 1 nobody.mesh.test NXDOMAIN
run_ok "a name outside the mesh domain is REFUSED (no recursion)" says 1 example.com REFUSED

coord node rename web2 web9 >/dev/null
wait_for 20 resolves 1 web9.mesh.test "$v4_2"
ok $? "after 'node rename web2 web9', web1 resolves web9.mesh.test -> $v4_2"
run_ok "and web2.mesh.test is NXDOMAIN" says 1 web2.mesh.test NXDOMAIN
