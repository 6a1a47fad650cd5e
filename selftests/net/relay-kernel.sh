#!/bin/bash
# The kernel relay (issue 19): A and B, which cannot reach each other,
# talk through R's relay table with static peers whose endpoint is R and
# whose relay-ticket is the entry's; R forwards blind (no key, no peer) and
# counts. Forged and stale relay datagrams (unknown ticket, right ticket
# from a wrong source, a ticket for another pair, expired and deleted
# entries, malformed headers) are dropped under their own counter and
# nothing of them reaches B. Then the same through the quic encapsulation,
# revocation of the live pair, and the relay ops' netlink refusals.
#
#   A 192.0.2.1 ---- 192.0.2.254 R 198.51.100.254 ---- 198.51.100.2 B
#                                R 203.0.113.254  ---- 203.0.113.3  X
#
# R does not forward IP (a new netns has ip_forward 0): only its relay
# joins A and B. X is an outsider with a relay-ticket of its own.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
plan 60

nA=burrow-ra
nB=burrow-rb
nR=burrow-rr
nX=burrow-rx
portA=51820
portB=51821
portR=51820
portX=40000
T=7
keydir=$(mktemp -d)

for ns in $nA $nB $nR $nX; do ns_add $ns; done
link() {
	# link NS ADDR R_ADDR: a veth from NS to R, /24 on both ends
	ip -n "$1" link add veth0 type veth peer name "to-$1" netns $nR
	ip -n "$1" addr add "$2/24" dev veth0
	ip -n $nR addr add "$3/24" dev "to-$1"
	ip -n "$1" link set veth0 up
	ip -n $nR link set "to-$1" up
}
link $nA 192.0.2.1 192.0.2.254
link $nB 198.51.100.2 198.51.100.254
link $nX 203.0.113.3 203.0.113.254

make_key chacha20-poly1305 "$keydir/k12"
make_key chacha20-poly1305 "$keydir/k21"
# node NS INNER PORT OTHER_INNER RELAY_PORT_ADDR TICKET TX RX
node() {
	ip -n "$1" link add burrow0 type burrow
	ip -n "$1" addr add "10.10.$2/24" dev burrow0
	ip -n "$1" link set burrow0 up
	in_ns "$1" burrow-nl dev set burrow0 listen "$3"
	in_ns "$1" burrow-nl peer add burrow0 id 1 endpoint "$5" allowed-ips "10.10.$4/32" \
		relay-ticket "$6"
	install_key "$1" 1 primary 1 chacha20-poly1305 "$keydir/$7" "$keydir/$8"
}
node $nA 0.1 $portA 0.2 192.0.2.254:$portR $T k12 k21
node $nB 0.2 $portB 0.1 198.51.100.254:$portR $T k21 k12
# X holds A's key toward B, but its own ticket 8 (an entry for another pair).
node $nX 9.1 $portX 9.2 203.0.113.254:$portR 8 k12 k21
ip -n $nR link add burrow0 type burrow
ip -n $nR link set burrow0 up
in_ns $nR burrow-nl dev set burrow0 listen $portR

run_fails "A cannot reach B directly" 1 "Network is unreachable" in_ns $nA ping -c 1 -W 1 198.51.100.2
run_ok "relay add" in_ns $nR burrow-nl relay add burrow0 ticket $T \
	a 192.0.2.1:$portA b 198.51.100.2:$portB lifetime 3600
is "$(peer_json $nA 1 | jq -c '[.relay_ticket, .endpoint.address]')" "[$T,\"192.0.2.254\"]" \
	"A's peer: relay-ticket $T, endpoint R"

# --- the relayed tunnel
rcounter() { counter $nR "$1"; }
relay_field() { in_ns $nR burrow-nl -j relay show burrow0 ticket "${2:-$T}" | jq ".[0].$1"; }
tunnel_ping $nA 10.10.0.2 >/dev/null
ok $? "A pings B through the relay"
tunnel_ping $nB 10.10.0.1 >/dev/null
ok $? "B pings A through the relay"
[ "$(rcounter relay_forwarded)" -ge 8 ]
ok $? "R counts relay-forwarded ($(rcounter relay_forwarded))"
[ "$(relay_field a_to_b_packets)" -ge 4 ] && [ "$(relay_field b_to_a_packets)" -ge 4 ] &&
	[ "$(relay_field a_to_b_bytes)" -gt "$(relay_field a_to_b_packets)" ]
ok $? "the entry counts both directions"
is "$(counter $nB drop_relay_no_ticket)/$(counter $nR drop_relay_no_ticket)" 0/0 \
	"no refusals on the way"
in_ns $nR burrow-nl relay show burrow0 | grep -q "^  a 192.0.2.1:$portA\$"
ok $? "relay show (text) lists the entry"
# Relayed packets do not move the endpoint: it stays the relay's address.
is "$(peer_endpoint $nB 1)" "198.51.100.254:$portR" "B's endpoint stays R after relayed packets"

# --- forged datagrams: each dropped at R under its own counter, none reaching B
zeros16='\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
udp_inner="\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x01$zeros16$zeros16"
packet() { printf "$2" >"$keydir/$1"; echo "$keydir/$1"; }
# send NS FILE ADDR PORT: one datagram from NS (an ephemeral port)
send() { in_ns "$1" bash -c "cat '$2' >/dev/udp/$3/$4"; }
# IPv4 packets B received, any kind (its /proc/net/snmp Ip InReceives)
b_received() { in_ns $nB awk '/^Ip: [0-9]/ { print $4 }' /proc/net/snmp; }
counter_above() { [ "$(counter "$1" "$2")" -gt "$3" ]; }
# refused NS COUNTER DESCRIPTION FILE: from NS to R, COUNTER of R rises by
# one, relay-forwarded does not, and B receives nothing.
r_address() { [ "$1" = $nX ] && echo 203.0.113.254 || echo 192.0.2.254; }
refused() {
	local before forwarded received
	before=$(rcounter "$2")
	forwarded=$(rcounter relay_forwarded)
	received=$(b_received)
	send "$1" "$4" "$(r_address "$1")" $portR
	wait_for 5 counter_above $nR "$2" "$before"
	is "$(($(rcounter "$2") - before))/$(($(rcounter relay_forwarded) - forwarded))/$(($(b_received) - received))" \
		1/0/0 "$3: $2, not forwarded, nothing at B"
}
refused $nA drop_relay_no_ticket "an unknown ticket" \
	"$(packet unknown "\x02\x00\x00\x00\x00\x00\x00\x63$udp_inner")"
refused $nA drop_relay_wrong_source "the right ticket from A's address but another port" \
	"$(packet wrong-port "\x02\x00\x00\x00\x00\x00\x00\x07$udp_inner")"
refused $nX drop_relay_wrong_source "the right ticket from an outsider" \
	"$(packet outsider "\x02\x00\x00\x00\x00\x00\x00\x07$udp_inner")"
refused $nA drop_bad_header "a relay header with byte 1 set" \
	"$(packet reserved1 "\x02\x01\x00\x00\x00\x00\x00\x07$udp_inner")"
refused $nA drop_bad_header "a relay header with bytes 2-3 set" \
	"$(packet reserved2 "\x02\x00\x80\x00\x00\x00\x00\x07$udp_inner")"
refused $nA drop_bad_header "a relay header with ticket 0" \
	"$(packet ticket0 "\x02\x00\x00\x00\x00\x00\x00\x00$udp_inner")"
refused $nA drop_bad_header "a relay header cut short" "$(packet short '\x02\x00\x00\x00\x00\x07')"
# Behind an unknown ticket, what is userspace's (a QUIC long header) stays
# on the socket whole, relay header included: R's rx-to-userspace.
before=$(rcounter rx_to_userspace)
send $nA "$(packet long "\x02\x00\x00\x00\x00\x00\x00\x63\xc0\x00\x00\x00\x01$zeros16")" \
	192.0.2.254 $portR
wait_for 5 counter_above $nR rx_to_userspace "$before"
is "$(($(rcounter rx_to_userspace) - before))" 1 "a QUIC long header behind an unknown ticket goes to userspace"

# --- a ticket for another pair, then expiry and revocation of it. X's
# kernel sends real relayed packets from X:40000 (its listen port) with
# ticket 8 and A's key; R's entry 8 joins X and B.
run_ok "relay add ticket 8 (X and B)" in_ns $nR burrow-nl relay add burrow0 ticket 8 \
	a 203.0.113.3:$portX b 198.51.100.2:$portB lifetime 3600
x_send() { in_ns $nX ping -c 1 -W 1 10.10.9.2 >/dev/null 2>&1; true; }
before_b=$(counter $nB drop_relay_no_ticket)
b_rx=$(peer_json $nB 1 | jq .rx_packets)
x_send
wait_for 5 counter_above $nB drop_relay_no_ticket "$before_b"
is "$(($(counter $nB drop_relay_no_ticket) - before_b))/$(relay_field a_to_b_packets 8)" 1/1 \
	"ticket 8 is forwarded to B, which refuses it: its peer's ticket is $T (drop-relay-no-ticket)"
is "$(peer_json $nB 1 | jq .rx_packets)" "$b_rx" "B's peer received nothing from X"

# Expiry: renew to 1 s, poll until R says it has passed.
run_ok "relay set ticket 8 lifetime 1" in_ns $nR burrow-nl relay set burrow0 ticket 8 lifetime 1
expired() { [ "$(relay_field lifetime 8)" = 0 ]; }
wait_for 5 expired
ok $? "relay show: ticket 8 has 0 seconds left"
in_ns $nR burrow-nl relay show burrow0 ticket 8 | grep -q "lifetime expired"
ok $? "relay show (text): lifetime expired"
# x_refused COUNTER DESCRIPTION: X's next packet is COUNTER at R, nothing at B
x_refused() {
	local before received forwarded
	before=$(rcounter "$1")
	received=$(b_received)
	forwarded=$(rcounter relay_forwarded)
	x_send
	wait_for 5 counter_above $nR "$1" "$before"
	is "$(($(rcounter "$1") - before))/$(($(rcounter relay_forwarded) - forwarded))/$(($(b_received) - received))" \
		1/0/0 "$2: $1 at R, nothing at B"
}
x_refused drop_relay_expired "an expired entry"
run_ok "relay del ticket 8" in_ns $nR burrow-nl relay del burrow0 ticket 8
x_refused drop_relay_no_ticket "a deleted (revoked) entry"

# --- TCP through the relay
in_ns $nB iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
listening() { in_ns $nB ss -ltn | grep -q ':5201 '; }
wait_for 10 listening
# Every inner byte B receives came through R: the entry's a-to-b bytes
# (whole UDP payloads) grow by at least as much as B's peer's rx bytes.
relayed=$(relay_field a_to_b_bytes)
b_bytes=$(peer_json $nB 1 | jq .rx_bytes)
run_ok "iperf3 TCP for 2 s A to B through the relay" in_ns $nA iperf3 -c 10.10.0.2 -t 2
relayed=$(($(relay_field a_to_b_bytes) - relayed))
b_bytes=$(($(peer_json $nB 1 | jq .rx_bytes) - b_bytes))
[ "$b_bytes" -gt 100000 ] && [ "$relayed" -ge "$b_bytes" ]
ok $? "R forwarded the transfer: $relayed bytes a to b for $b_bytes inner bytes at B"
in_ns $nR burrow-nl -j relay show burrow0 | jq -e 'length == 1 and .[0].ticket == 7 and
	.[0].a.address == "192.0.2.1" and .[0].b.port == 51821 and .[0].lifetime > 0 and
	.[0].lifetime <= 3600' >/dev/null
ok $? "relay show -j: one entry, endpoints, lifetime left"

# --- revocation of the live pair, then admission again
run_ok "relay del ticket $T" in_ns $nR burrow-nl relay del burrow0 ticket $T
before=$(rcounter drop_relay_no_ticket)
received=$(b_received)
in_ns $nA ping -c 2 -i 0.2 -W 1 10.10.0.2 >/dev/null 2>&1
ok $((! $?)) "after relay del, A no longer reaches B"
[ "$(rcounter drop_relay_no_ticket)" -ge $((before + 2)) ]
ok $? "R counts A's packets as drop-relay-no-ticket"
is "$(($(b_received) - received))" 0 "nothing reaches B after revocation"
run_ok "relay add ticket $T again" in_ns $nR burrow-nl relay add burrow0 ticket $T \
	a 192.0.2.1:$portA b 198.51.100.2:$portB lifetime 3600

# --- the quic encapsulation through the same relay
add_hp chacha20-poly1305 "$keydir/k12" "$keydir/hp12"
add_hp chacha20-poly1305 "$keydir/k21" "$keydir/hp21"
install_key $nA 1 primary 1 chacha20-poly1305 "$keydir/k12" "$keydir/k21"
install_key $nB 1 primary 1 chacha20-poly1305 "$keydir/k21" "$keydir/k12"
in_ns $nA burrow-nl peer set burrow0 id 1 encap quic local-cid $cid1 remote-cid $cid2
in_ns $nB burrow-nl peer set burrow0 id 1 encap quic local-cid $cid2 remote-cid $cid1
forwarded=$(rcounter relay_forwarded)
tunnel_ping $nA 10.10.0.2 >/dev/null
ok $? "quic: A pings B through the relay"
tunnel_ping $nB 10.10.0.1 >/dev/null
ok $? "quic: B pings A through the relay"
[ "$(($(rcounter relay_forwarded) - forwarded))" -ge 16 ]
ok $? "quic: R forwarded them"
# X, now quic with A's keys and B's CID, through an entry of its own
# (ticket 9): B refuses its short headers before any crypto.
run_ok "relay add ticket 9 (X and B)" in_ns $nR burrow-nl relay add burrow0 ticket 9 \
	a 203.0.113.3:$portX b 198.51.100.2:$portB lifetime 60
install_key $nX 1 primary 1 chacha20-poly1305 "$keydir/k12" "$keydir/k21"
in_ns $nX burrow-nl peer set burrow0 id 1 relay-ticket 9 encap quic local-cid $cid1 \
	remote-cid $cid2
before_b=$(counter $nB drop_relay_no_ticket)
b_rx=$(peer_json $nB 1 | jq .rx_packets)
x_send
wait_for 5 counter_above $nB drop_relay_no_ticket "$before_b"
ok $? "quic: a short header for B's CID with another pair's ticket is drop-relay-no-ticket at B"
is "$(peer_json $nB 1 | jq .rx_packets)" "$b_rx" "quic: B's peer received nothing from X"
run_ok "relay del ticket 9" in_ns $nR burrow-nl relay del burrow0 ticket 9

# --- netlink: the relay ops' refusals
# nl_refused DESCRIPTION EXIT MESSAGE ARGS...: burrow-nl on R exits EXIT and
# prints MESSAGE on stderr.
nl_refused() {
	local description=$1 status=$2 message=$3 output got
	shift 3
	output=$(in_ns $nR burrow-nl "$@" 2>&1)
	got=$?
	is "$got: $output" "$status: $message" "$description"
}
nl_refused "mixed families" 2 \
	"burrow-nl: kernel refused: relay endpoints a and b are of different address families" \
	relay add burrow0 ticket 20 a 192.0.2.1:1 b '[fd00::1]:1' lifetime 5
nl_refused "a == b" 2 "burrow-nl: kernel refused: relay endpoints a and b are the same" \
	relay add burrow0 ticket 20 a 192.0.2.1:1 b 192.0.2.1:1 lifetime 5
run_ok "relay add ticket 20" in_ns $nR burrow-nl relay add burrow0 ticket 20 \
	a 192.0.2.1:1 b 192.0.2.2:1 lifetime 5
nl_refused "EEXIST" 2 "burrow-nl: kernel refused: a relay entry with this ticket exists" \
	relay add burrow0 ticket 20 a 192.0.2.1:1 b 192.0.2.2:1 lifetime 5
nl_refused "relay set making a == b" 2 \
	"burrow-nl: kernel refused: relay endpoints a and b are the same" \
	relay set burrow0 ticket 20 b 192.0.2.1:1
nl_refused "ENOENT: relay del" 3 "burrow-nl: kernel refused: no relay entry with this ticket" \
	relay del burrow0 ticket 12345
nl_refused "ENOENT: relay show" 3 "burrow-nl: kernel refused: no relay entry with this ticket" \
	relay show burrow0 ticket 12345
nl_refused "ENOENT: relay set" 3 "burrow-nl: kernel refused: no relay entry with this ticket" \
	relay set burrow0 ticket 12345 lifetime 5
# Missing attributes reach the kernel only through burrow-nl-raw.
raw_refused() {
	local description=$1 errno=$2 extack=$3 output
	shift 3
	output=$(in_ns $nR burrow-nl-raw "$@" 2>&1)
	[[ $? -eq 2 && $output == *"error $errno "* && $output == *"$extack"* ]]
	ok $? "$description"
	[[ $output == *"error $errno "* && $output == *"$extack"* ]] ||
		diag "burrow-nl-raw $*" "output: $output"
}
dev=ifname:str:burrow0
a="a-address:hex:c0000201 a-port:u16:1"
b="b-address:hex:c0000202 b-port:u16:1"
raw_refused "relay-new without a relay nest" EINVAL "missing relay" relay-new $dev
raw_refused "relay-new without a ticket" EINVAL "missing relay ticket" \
	relay-new $dev relay:nest-begin $a $b lifetime:u32:5 relay:nest-end
raw_refused "relay-new without b" EINVAL "missing relay endpoint b" \
	relay-new $dev relay:nest-begin ticket:u32:30 $a lifetime:u32:5 relay:nest-end
raw_refused "relay-new with an address but no port" EINVAL \
	"relay endpoint a needs an address and a port" \
	relay-new $dev relay:nest-begin ticket:u32:30 a-address:hex:c0000201 $b lifetime:u32:5 relay:nest-end
raw_refused "relay-new without a lifetime" EINVAL "missing relay lifetime" \
	relay-new $dev relay:nest-begin ticket:u32:30 $a $b relay:nest-end
raw_refused "relay-new with ticket 0" ERANGE "" \
	relay-new $dev relay:nest-begin ticket:u32:0 $a $b lifetime:u32:5 relay:nest-end
raw_refused "relay-new with a read-only counter" EINVAL "attribute is read-only" \
	relay-new $dev relay:nest-begin ticket:u32:30 $a $b lifetime:u32:5 a-to-b-packets:u64:1 relay:nest-end
run_ok "relay del ticket 20" in_ns $nR burrow-nl relay del burrow0 ticket 20
is "$(in_ns $nR burrow-nl -j relay show burrow0 | jq -c 'map(.ticket)')" "[$T]" \
	"the table holds ticket $T alone"

# The device goes with its table (kmemleak and KASAN watch this on debug).
run_ok "delete R's device with an entry in its table" ip -n $nR link del burrow0
done_testing
