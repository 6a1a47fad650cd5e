#!/bin/bash
# burrow-vm: distro-only (burrow-nl output and parsing; the kernel paths it drives are covered on the debug kernel by genl-basics, netlink-* and udp-*)
# Round trip: configure a device, dump it with 'burrow-nl -j show', apply
# the dump to a fresh device in another namespace with 'dev restore', and
# the two dumps are identical but for ifindex and generation (keys are
# never dumped: only their metadata, which restore leaves alone).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/cli.sh"
plan 17

a=burrow-rt1
b=burrow-rt2
ns_add $a
ns_add $b
dir=$(mktemp -d)

# The original: settings, a socket, peers with every option, many prefixes.
{
	echo "dev add burrow0 mtu 1400 default-keepalive 7 default-inactivity-timeout 900 quic-cid-len 12 listen 51850"
	echo "peer add burrow0 id 1 tx-id 101 endpoint 192.0.2.2:51821 keepalive 10 allowed-ips 10.10.0.2/32,fd10::2/128"
	echo "peer add burrow0 id 2 endpoint [fd00::2]:51822 pinned on inactivity-timeout 300 keepalive 0"
	echo "peer add burrow0 id 3 allowed-ips 0.0.0.0/0,::/0"
	printf 'peer add burrow0 id 4 allowed-ips '
	for i in $(seq 0 299); do printf '10.200.%d.%d/32,' $((i / 256)) $((i % 256)); done
	echo "fd20::/64"
	echo "peer add burrow0 id 5 encap quic local-cid 0102030405060708090a0b0c remote-cid aabbccdd"
} >"$dir/setup"
run_ok "configure the original by batch" burrow-nl -n $a -batch "$dir/setup"
make_key aes-256-gcm "$dir/k"
make_key aes-256-gcm "$dir/k.rx"
run_ok "and give peer 1 a key" burrow-nl -n $a key add burrow0 peer 1 slot primary key-id 3 \
	cipher aes-256-gcm tx "$dir/k" rx "$dir/k.rx"
is "$(burrow-nl -n $a key show burrow0 peer 4 2>&1; echo "exit $?")" "exit 0" \
	"key show of a keyless peer too large for one reply prints nothing"
run_ok "dump it" sh -c "burrow-nl -n $a -j show burrow0 >$dir/dump.json"
is "$(jq '.[0].peers[0].keys | length' "$dir/dump.json")" 1 "the dump has the key's metadata"
key_hex=$(cut -c1-64 "$dir/k")
! grep -qi "$key_hex" "$dir/dump.json"
ok $? "and none of its material"

run_ok "fresh device" burrow-nl -n $b dev add burrow0
run_ok "restore the dump onto it" burrow-nl -n $b dev restore burrow0 "$dir/dump.json"
run_ok "dump the copy (pretty, to test -p output as restore input later)" \
	sh -c "burrow-nl -n $b -j -p show burrow0 >$dir/copy.json"
same() { jq -S 'map(.ifindex = 0 | .generation = 0 | .peers |= map(del(.keys)))' "$1"; }
same "$dir/dump.json" >"$dir/dump.same"
same "$dir/copy.json" >"$dir/copy.same"
[ -s "$dir/dump.same" ] && diff "$dir/dump.same" "$dir/copy.same" >"$dir/diff"
ok $? "the dumps are identical but for ifindex, generation and keys"
[ -s "$dir/diff" ] && diag "$(head -40 "$dir/diff")"
is "$(jq '.[0].peers[3].allowed_ips | length' "$dir/copy.json")" 301 \
	"the 301 prefixes of peer 4 came over (several requests)"
is "$(jq -r '.[0].quic_cid_len, .[0].peers[4].local_cid' "$dir/copy.json" | tr '\n' ' ')" \
	"12 0102030405060708090a0b0c " "quic-cid-len came over before the quic peer's 12-byte local-cid"
run_fails "quic-cid-len cannot change under a peer's local-cid" 2 \
	"burrow-nl: kernel refused: quic-cid-len cannot change while peers have a local-cid" \
	burrow-nl -n $b dev set burrow0 quic-cid-len 8

run_ok "restore reads its own pretty output too" sh -c \
	"burrow-nl -n $b dev add burrow1 && burrow-nl -n $b dev restore burrow1 - listen none <$dir/copy.json"
is "$(burrow-nl -n $b -j dev show burrow1 | jq -c '.[0] | [.socket_family, .peer_count]')" \
	'[null,5]' "listen none: the peers without a socket"
run_fails "restore onto a device that has the peers" 2 \
	"burrow-nl: kernel refused: a peer with this id exists" \
	burrow-nl -n $b dev restore burrow0 "$dir/copy.json" listen none
run_fails "restore with a listen override that does not parse" 1 \
	"burrow-nl: invalid port '70000' (0-65535)" \
	burrow-nl -n $b dev restore burrow0 "$dir/copy.json" listen 70000
done_testing
