#!/bin/bash
# The 'burrow' generic netlink family: present, per-netns, readable by
# anyone, and changeable only with CAP_NET_ADMIN.
. "$(dirname "$0")/../lib/tap.sh"
plan 14

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }

ns_add burrow-g1
ns_add burrow-g2
ip -n burrow-g1 link add burrow0 type burrow
ip -n burrow-g2 link add burrow7 type burrow

family=$(genl ctrl get name burrow)
[[ $family == *"Name: burrow"* ]]
ok $? "family 'burrow' is registered"
[[ $family == *"events"* ]]
ok $? "family has the 'events' multicast group"

version=$(burrow-nl version)
[[ $version == *"module 0.1.0"*"api 1"* ]]
ok $? "burrow-nl version reports module and api version ($version)"
run_ok "version is readable without privileges" as_nobody burrow-nl version

shown=$(ip netns exec burrow-g1 burrow-nl dev show)
[[ $shown == burrow0:* && $shown != *burrow7* ]]
ok $? "dev show lists only the caller's namespace ($shown)"
run_ok "dev show works without privileges" ip netns exec burrow-g1 setpriv --reuid=65534 \
	--regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all burrow-nl dev show

run_ok "dev set as root" ip netns exec burrow-g1 burrow-nl dev set burrow0 \
	default-keepalive 25 default-inactivity-timeout 180
json=$(ip netns exec burrow-g1 burrow-nl -j dev show)
is "$(jq -r '.[0].default_keepalive' <<<"$json")" 25 "keepalive default stored"
is "$(jq -r '.[0].default_inactivity_timeout' <<<"$json")" 180 "inactivity timeout default stored"

run_fails "dev set without CAP_NET_ADMIN is refused" 2 "Operation not permitted" \
	ip netns exec burrow-g1 setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all burrow-nl dev set burrow0 default-keepalive 1
json=$(ip netns exec burrow-g1 burrow-nl -j dev show)
is "$(jq -r '.[0].default_keepalive' <<<"$json")" 25 "refused change left the device as it was"

run_fails "a device from another namespace is not found" 3 "" \
	ip netns exec burrow-g1 burrow-nl dev set burrow7 default-keepalive 1
run_fails "a non-burrow device is refused with the kernel's reason" 2 \
	"not a burrow device" ip netns exec burrow-g1 burrow-nl dev set lo default-keepalive 1
run_fails "burrow-nl refuses an inactivity timeout above the maximum itself" 1 \
	"86401 is out of range for default-inactivity-timeout (0-86400)" \
	ip netns exec burrow-g1 burrow-nl dev set burrow0 default-inactivity-timeout 86401
done_testing
