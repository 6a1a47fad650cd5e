#!/bin/bash
# burrow-vm: distro-only (burrow-nl output and parsing; the kernel paths it drives are covered on the debug kernel by genl-basics, netlink-* and udp-*)
# burrow-nl's output, text and JSON, for every show command, against golden
# files (selftests/net/golden/) with volatile fields normalised; dev add/del
# over rtnetlink; -n NETNS; abbreviations; help at every level; key
# material on the command line only with -force.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/cli.sh"
plan 49

ns=burrow-cli1
ns_add $ns
keydir=$(mktemp -d)
nl() { burrow-nl -n $ns "$@"; }

run_ok "dev add with mtu, defaults and a listen port" \
	nl dev add burrow0 mtu 1380 default-keepalive 25 default-inactivity-timeout 600 listen 51820
is "$(ip -n $ns -o link show burrow0 | grep -o 'mtu [0-9]*')" "mtu 1380" "the link has the mtu"
is "$(ip -n $ns -d -o link show burrow0 | grep -c burrow)" 1 "ip sees a burrow link"
run_ok "dev add without options" nl dev add burrow1
run_fails "dev add of an existing name" 2 "kernel refused: " nl dev add burrow1
run_ok "peer 1: endpoint, keepalive, allowed-ips" nl peer add burrow0 id 1 tx-id 11 \
	endpoint 192.0.2.2:51821 keepalive 10 allowed-ips 10.10.0.2/32,fd10::2/128
run_ok "peer 2: IPv6 endpoint, pinned, inactivity timeout" nl peer add burrow0 id 2 \
	endpoint '[fd00::2]:51822' pinned on inactivity-timeout 300 allowed-ips 10.20.0.0/16
run_ok "peer 3 via abbreviations (p a)" nl p a burrow0 id 3
make_key chacha20-poly1305 "$keydir/tx"
make_key chacha20-poly1305 "$keydir/rx"
run_ok "key add from files" nl key add burrow0 peer 1 slot primary key-id 4 \
	cipher chacha20-poly1305 tx "$keydir/tx" rx "$keydir/rx" soft-packets 1000
# The next generation: the kernel refuses the primary's material in the other slot.
make_key chacha20-poly1305 "$keydir/tx2"
make_key chacha20-poly1305 "$keydir/rx2"
run_ok "key add with rx from stdin" sh -c "burrow-nl -n $ns key add burrow0 peer 1 slot secondary \
	key-id 5 cipher chacha20-poly1305 tx $keydir/tx2 rx - <$keydir/rx2"
run_fails "key material as an argument is refused" 1 \
	"refusing key material on the command line (tx-key)" \
	nl key add burrow0 peer 2 slot primary key-id 1 cipher chacha20-poly1305 \
	tx-key "$(cat "$keydir/tx")" rx "$keydir/rx"
run_ok "and accepted with -force" burrow-nl -n $ns -force key add burrow0 peer 2 slot primary \
	key-id 1 cipher chacha20-poly1305 tx-key "$(cat "$keydir/tx")" rx-key "$(cat "$keydir/rx")"

golden dev-show.txt nl dev show
golden dev-show-s.txt nl -s dev show burrow0
golden dev-show.json nl -j dev show
golden peer-show.txt nl peer show burrow0
golden peer-show-id.txt nl p s burrow0 id 2
golden peer-show.json nl -j peer show burrow0
golden peer-show-pretty.json nl -j -p peer show burrow0 id 1
golden key-show.txt nl key show burrow0 peer 1
golden key-show.json nl -j key show burrow0 peer 1 slot secondary
golden show.txt nl show
golden show-s.txt nl -s -s show burrow0
golden show.json nl -j show burrow0
golden version.txt nl version
golden version.json nl -j version
golden help-peer.txt nl peer help
golden help-peer-add.txt nl peer add help
golden help-dev.txt nl d help
run_ok "peer set through abbreviations (p se)" nl p se burrow0 id 3 \
	endpoint 192.0.2.3:51823 allowed-ips 10.30.0.0/24 pinned on
golden peer-set.txt nl peer show burrow0 id 3
run_ok "peer set allowed-ips-op replace" nl peer set burrow0 id 3 allowed-ips-op replace \
	allowed-ips 10.31.0.0/24 endpoint none
is "$(nl -j peer show burrow0 id 3 | jq -c '.[0] | [.endpoint, .allowed_ips]')" \
	'[null,["10.31.0.0/24"]]' "replace and endpoint none took effect"
run_ok "key swap" nl key swap burrow0 peer 1
is "$(nl -j key show burrow0 peer 1 | jq -c '[.[] | [.slot, .key_id]]')" \
	'[["primary",5],["secondary",4]]' "the slots traded keys"
run_ok "key del" nl key del burrow0 peer 1 slot secondary
is "$(nl -j key show burrow0 peer 1 | jq -c '[.[].key_id]')" '[5]' "one key left"
run_ok "dev set detach" nl dev set burrow0 detach
is "$(nl -j dev show burrow0 | jq -c '.[0].socket_family')" null "the socket is gone"
is "$(nl -h peer show burrow0 id 1 | grep '^  rx')" "  rx 0 B 0 packets" "-h prints bytes with units"
run_fails "key show of an empty peer's slot: not found" 3 "kernel refused" \
	nl key show burrow0 peer 3 slot primary
is "$(nl key show burrow0 peer 3)" "" "key show of a peer without keys prints nothing"
run_fails "peer show of a missing peer" 3 "kernel refused" nl peer show burrow0 id 99
run_fails "show of a missing device" 3 "kernel refused" nl show burrow9
run_fails "-n with a missing namespace" 3 "cannot open network namespace 'nope'" \
	burrow-nl -n nope show

run_ok "dev del" nl dev del burrow1
run_fails "dev del of a deleted device" 3 "kernel refused" nl dev del burrow1
ip -n $ns link add dummy0 type dummy
run_fails "dev del refuses a device of another kind" 2 "kernel refused: device is not a burrow device" nl dev del dummy0
is "$(ip -n $ns -o link show dummy0 | wc -l)" 1 "and leaves it in place"
done_testing
