#!/bin/bash
# Three nodes: a hub with two peers on one device. Longest-prefix match
# picks the peer for each destination, the spokes reach each other through
# the hub, and a spoke cannot use the other spoke's addresses as source.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 8

keydir=$(mktemp -d)
hub=burrow-hub
for ns in $hub burrow-s1 burrow-s2; do ns_add $ns; done
# The hub reaches both spokes over one bridge-less pair of veths.
ip -n $hub link add veth1 type veth peer name veth0 netns burrow-s1
ip -n $hub link add veth2 type veth peer name veth0 netns burrow-s2
ip -n $hub addr add 192.0.2.1/24 dev veth1
ip -n $hub addr add 198.51.100.1/24 dev veth2
ip -n burrow-s1 addr add 192.0.2.2/24 dev veth0
ip -n burrow-s2 addr add 198.51.100.2/24 dev veth0
for link in "$hub veth1" "$hub veth2" "burrow-s1 veth0" "burrow-s2 veth0"; do
	set -- $link
	ip -n $1 link set $2 up
done
in_ns $hub sysctl -qw net.ipv4.ip_forward=1

for spoke in 1 2; do
	make_key aes-256-gcm "$keydir/hub-s$spoke"
	make_key aes-256-gcm "$keydir/s$spoke-hub"
done

ip -n $hub link add burrow0 type burrow
ip -n $hub addr add 10.20.0.1/24 dev burrow0
ip -n $hub link set burrow0 up
ip -n $hub route add 10.20.0.0/16 dev burrow0
in_ns $hub burrow-nl dev set burrow0 listen 51820
# Spoke 1 owns 10.20.1.0/24 and its tunnel address; spoke 2 a /16 that
# covers 10.20.1.0/24 as well: the longer prefix must win. Both spokes
# call the hub peer 1, so that is the id the hub sends them (tx-id).
in_ns $hub burrow-nl peer add burrow0 id 11 tx-id 1 endpoint 192.0.2.2:51820 \
	allowed-ips 10.20.0.11/32,10.20.1.0/24
in_ns $hub burrow-nl peer add burrow0 id 12 tx-id 1 endpoint 198.51.100.2:51820 \
	allowed-ips 10.20.0.12/32,10.20.0.0/16
install_key $hub 11 primary 1 aes-256-gcm "$keydir/hub-s1" "$keydir/s1-hub"
install_key $hub 12 primary 1 aes-256-gcm "$keydir/hub-s2" "$keydir/s2-hub"

for spoke in 1 2; do
	ns=burrow-s$spoke
	hub_ip=$([ $spoke = 1 ] && echo 192.0.2.1 || echo 198.51.100.1)
	ip -n $ns link add burrow0 type burrow
	ip -n $ns addr add 10.20.0.1$spoke/24 dev burrow0
	ip -n $ns link set burrow0 up
	in_ns $ns burrow-nl dev set burrow0 listen 51820
	# Each spoke sends everything in 10.20.0.0/16 to the hub, whose
	# peer ids for them are 11 and 12.
	in_ns $ns burrow-nl peer add burrow0 id 1 tx-id 1$spoke endpoint $hub_ip:51820 \
		allowed-ips 10.20.0.0/16
	install_key $ns 1 primary 1 aes-256-gcm "$keydir/s$spoke-hub" "$keydir/hub-s$spoke"
done
ip -n burrow-s1 addr add 10.20.1.1/24 dev burrow0

tunnel_ping burrow-s1 10.20.0.1 >/dev/null
ok $? "spoke 1 reaches the hub"
tunnel_ping burrow-s2 10.20.0.1 >/dev/null
ok $? "spoke 2 reaches the hub"
tunnel_ping burrow-s1 10.20.0.12 >/dev/null
ok $? "spoke 1 reaches spoke 2 through the hub"
tunnel_ping $hub 10.20.1.1 >/dev/null
ok $? "the hub reaches 10.20.1.1 (in both peers' prefixes) through spoke 1"
[ "$(peer_json $hub 11 | jq .tx_packets)" -ge 6 ]
ok $? "the /24 (spoke 1) won over the /16 (spoke 2)"

# Spoke 2 claims spoke 1's address as its source: the hub refuses.
before=$(counter $hub drop_source_not_allowed)
ip -n burrow-s2 addr add 10.20.0.11/32 dev burrow0
in_ns burrow-s2 ping -c 2 -W 1 -I 10.20.0.11 10.20.0.1 >/dev/null 2>&1
source_refused() { [ "$(counter $hub drop_source_not_allowed)" -ge $((before + 2)) ]; }
wait_for 5 source_refused
ok $? "a spoke spoofing the other spoke's address is dropped"

run_ok "removing spoke 1's /24 from the hub" in_ns $hub burrow-nl peer set burrow0 id 11 \
	allowed-ips-op remove allowed-ips 10.20.1.0/24
before=$(peer_json $hub 12 | jq .tx_packets)
in_ns $hub ping -c 2 -W 1 10.20.1.1 >/dev/null 2>&1
[ "$(peer_json $hub 12 | jq .tx_packets)" -ge $((before + 2)) ]
ok $? "then 10.20.1.1 falls back to spoke 2's /16"
done_testing
