#!/bin/bash
# The module loads and unloads cleanly, repeatedly, and autoloads both from
# 'ip link add ... type burrow' and from a generic netlink family lookup.
. "$(dirname "$0")/../lib/tap.sh"
plan 7

modprobe -r burrow 2>/dev/null

loaded() { grep -q '^burrow ' /proc/modules; }

status=0
for i in $(seq 10); do
	if ! modprobe burrow || ! loaded || ! modprobe -r burrow || loaded; then
		diag "cycle $i failed"
		status=1
		break
	fi
done
ok $status "load and unload 10 times"

aliases=$(modinfo -F alias burrow)
[[ $aliases == *rtnl-link-burrow* ]]
ok $? "module declares the rtnl link kind alias"
[[ $aliases == *net-pf-16-proto-16-family-burrow* ]]
ok $? "module declares the generic netlink family alias"

run_ok "ip link add type burrow autoloads the module" ip link add burrow0 type burrow
ip link del burrow0
modprobe -r burrow

run_ok "a generic netlink lookup of 'burrow' autoloads the module" genl ctrl get name burrow
loaded
ok $? "module is loaded after the family lookup"

dmesg | grep -q 'burrow .* loaded'
ok $? "module logs its version when it loads"
modprobe -r burrow
done_testing
