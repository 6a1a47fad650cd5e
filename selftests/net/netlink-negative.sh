#!/bin/bash
# burrow-vm: distro-only (errno and extack wording; genl-fuzz drives the same policies and error paths with 22,000 malformed requests on the debug kernel, harden-key-wipe the key error paths)
# The netlink API refuses bad requests with the right errno and an extack
# message that names the problem, and refuses changes without privilege.
# burrow-nl-raw sends exactly the attributes given, bypassing burrow-nl's
# own checks, so these reach the kernel's policies and handlers.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"

# refuse DESCRIPTION ERRNO EXTACK ARGS...: the request fails with exactly
# that errno name and an extack containing EXTACK.
refuse() {
	local description=$1 errno=$2 extack=$3 output status
	shift 3
	output=$(in_ns $n1 burrow-nl-raw "$@" 2>&1)
	status=$?
	[ $status -eq 2 ] && [[ $output == *"error $errno "* ]]
	ok $? "$description"
	[ $status -eq 2 ] && [[ $output == *"error $errno "* ]] ||
		diag "burrow-nl-raw $*" "exit status $status, output: $output"
	if [ -n "$extack" ]; then
		[[ $output == *"$extack"* ]]
		ok $? "$description: extack"
		[[ $output == *"$extack"* ]] || diag "expected extack: $extack" "output: $output"
	fi
}
as_nobody() {
	in_ns $n1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

plan 174

two_nodes 4
dev=ifname:str:burrow0
peer1="peer:nest-begin id:u32:1 peer:nest-end"

# --- device selection, every op
for cmd in dev-set peer-new peer-set peer-get peer-del key-new key-swap key-del key-get; do
	refuse "$cmd without a device" EINVAL "missing ifindex or ifname" $cmd
done
refuse "both ifindex and ifname" EINVAL "give ifindex or ifname, not both" \
	dev-set ifindex:u32:1 $dev
refuse "a device that does not exist" ENODEV "no device with this name" \
	dev-set ifname:str:nothing0
refuse "a device that is not burrow" EOPNOTSUPP "device is not a burrow device" \
	dev-set ifname:str:lo

# --- policy: wrong types, oversized values, unknown and foreign attributes
refuse "an ifname longer than 15 bytes" EINVAL "Attribute failed policy validation" dev-set ifname:str:burrow0burrow0burrow0
refuse "a u16 attribute sent as u32" EINVAL "invalid attribute length" dev-set $dev default-keepalive:u32:5
refuse "inactivity timeout above 86400" ERANGE "" dev-set $dev default-inactivity-timeout:u32:86401
refuse "an attribute unknown to the family" EINVAL "Unknown attribute type" dev-set $dev 60:u32:1
refuse "a read-only attribute in a request" EINVAL "Unsupported attribute" dev-set $dev peer-count:u32:1
refuse "a remote-ipv4 of 5 bytes" ERANGE "binary attribute size out of range" \
	peer-set $dev peer:nest-begin id:u32:1 remote-ipv4:hex:0a00000101 remote-port:u16:1 peer:nest-end
refuse "an encrypt-key of 33 bytes" ERANGE "binary attribute size out of range" key-new $dev keyconf:nest-begin peer-id:u32:1 \
	slot:u8:1 encrypt-key:hex:$(printf '00%.0s' $(seq 33)) keyconf:nest-end

# --- peer requests
refuse "peer-new without a peer" EINVAL "missing peer" peer-new $dev
refuse "peer-new without an id" EINVAL "missing peer id" peer-new $dev peer:nest-begin tx-id:u32:3 peer:nest-end
refuse "peer id 0" ERANGE "" peer-new $dev peer:nest-begin id:u32:0 peer:nest-end
refuse "a duplicate peer id" EEXIST "a peer with this id exists" peer-new $dev $peer1
refuse "peer-set of an unknown peer" ENOENT "no peer with this id" \
	peer-set $dev peer:nest-begin id:u32:77 peer:nest-end
refuse "peer-del of an unknown peer" ENOENT "no peer with this id" \
	peer-del $dev peer:nest-begin id:u32:77 peer:nest-end
refuse "read-only counters in peer-set" EINVAL "attribute is read-only" \
	peer-set $dev peer:nest-begin id:u32:1 rx-bytes:u64:1 peer:nest-end
refuse "a read-only queue-drop counter in peer-new" EINVAL "attribute is read-only" \
	peer-new $dev peer:nest-begin id:u32:9 rx-queue-drops:u64:1 peer:nest-end
refuse "an endpoint without a port" EINVAL "a remote endpoint needs an address and a port" \
	peer-set $dev peer:nest-begin id:u32:1 remote-ipv4:hex:c0000201 peer:nest-end
refuse "an endpoint in both families" EINVAL "give remote-ipv4 or remote-ipv6, not both" \
	peer-set $dev peer:nest-begin id:u32:1 remote-ipv4:hex:c0000201 \
	remote-ipv6:hex:fd000002000000000000000000000001 remote-port:u16:9 peer:nest-end
# --- quic settings of a peer
cid8=c1c1c1c1c1c1c1c1
refuse "quic encapsulation without connection IDs" EINVAL \
	"quic encapsulation needs a local-cid and a remote-cid" \
	peer-set $dev peer:nest-begin id:u32:1 encap:u8:1 peer:nest-end
refuse "quic encapsulation without a remote-cid" EINVAL \
	"quic encapsulation needs a local-cid and a remote-cid" \
	peer-set $dev peer:nest-begin id:u32:1 encap:u8:1 local-cid:hex:$cid8 peer:nest-end
refuse "quic encapsulation over a key without header-protection keys" EINVAL \
	"quic encapsulation needs keys with header-protection keys" \
	peer-set $dev peer:nest-begin id:u32:1 encap:u8:1 local-cid:hex:$cid8 \
	remote-cid:hex:$cid8 peer:nest-end
refuse "an unknown encapsulation" ERANGE "" \
	peer-set $dev peer:nest-begin id:u32:1 encap:u8:2 peer:nest-end
refuse "a local-cid of 21 bytes" ERANGE "binary attribute size out of range" \
	peer-set $dev peer:nest-begin id:u32:1 local-cid:hex:$(printf 'aa%.0s' $(seq 21)) peer:nest-end
refuse "an empty remote-cid" ERANGE "binary attribute size out of range" \
	peer-set $dev peer:nest-begin id:u32:1 remote-cid:hex: peer:nest-end
refuse "a local-cid that is not the device's CID length" EINVAL \
	"local-cid length differs from the device's quic-cid-len" \
	peer-set $dev peer:nest-begin id:u32:1 local-cid:hex:c1c1c1c1 peer:nest-end
in_ns $n1 burrow-nl-raw peer-new $dev peer:nest-begin id:u32:9 local-cid:hex:$cid8 peer:nest-end >/dev/null
refuse "a local-cid another peer holds" EEXIST "local-cid is in use by another peer" \
	peer-set $dev peer:nest-begin id:u32:1 local-cid:hex:$cid8 peer:nest-end
refuse "a CID length change while peers hold local-cids" EBUSY \
	"quic-cid-len cannot change while peers have a local-cid" dev-set $dev quic-cid-len:u8:4
refuse "a quic-cid-len of 21" ERANGE "" dev-set $dev quic-cid-len:u8:21
refuse "a quic-cid-len of 0" ERANGE "" dev-set $dev quic-cid-len:u8:0
in_ns $n1 burrow-nl-raw peer-del $dev peer:nest-begin id:u32:9 peer:nest-end >/dev/null
run_ok "the CID length may change once no peer holds a local-cid" \
	in_ns $n1 burrow-nl-raw dev-set $dev quic-cid-len:u8:8
# The quic overhead grows with the CID length (docs/wire-format.md): the
# device's max_mtu follows quic-cid-len, and a length the current MTU does
# not fit under is refused. 65535 - 48 - 8 (a relay header) - max(32, 24 + cid-len).
max_mtu() { in_ns $n1 ip -j -d link show burrow0 | jq '.[0].max_mtu'; }
run_ok "the MTU may be the largest the default CID length leaves" \
	in_ns $n1 ip link set burrow0 mtu 65447
refuse "a quic-cid-len whose overhead the current MTU does not fit under" EINVAL \
	"quic-cid-len leaves too little room for the device's mtu" dev-set $dev quic-cid-len:u8:20
in_ns $n1 ip link set burrow0 mtu 1420
run_ok "a quic-cid-len of 20 under the default MTU" \
	in_ns $n1 burrow-nl-raw dev-set $dev quic-cid-len:u8:20
[ "$(max_mtu)" = 65435 ]
ok $? "max_mtu follows quic-cid-len 20" || diag "max_mtu $(max_mtu), want 65435"
! in_ns $n1 ip link set burrow0 mtu 65436 2>/dev/null
ok $? "an MTU past the lower max_mtu is refused"
run_ok "back to the default CID length" in_ns $n1 burrow-nl-raw dev-set $dev quic-cid-len:u8:8
[ "$(max_mtu)" = 65447 ]
ok $? "max_mtu follows quic-cid-len 8 back" || diag "max_mtu $(max_mtu), want 65447"
prefix() { echo "allowed-ip:nest-begin family:u16:$1 address:hex:$2 prefix-len:u8:$3 allowed-ip:nest-end"; }
refuse "an allowed-ip with host bits set" EINVAL "address has bits set beyond prefix-len" \
	peer-set $dev peer:nest-begin id:u32:1 $(prefix 2 0a000001 24) peer:nest-end
refuse "an IPv4 prefix longer than 32" EINVAL "prefix-len longer than the address" \
	peer-set $dev peer:nest-begin id:u32:1 $(prefix 2 0a000000 33) peer:nest-end
refuse "a family/address length mismatch" EINVAL "address length does not match family" \
	peer-set $dev peer:nest-begin id:u32:1 $(prefix 10 0a000000 8) peer:nest-end
refuse "an unknown address family" EAFNOSUPPORT "family must be AF_INET or AF_INET6" \
	peer-set $dev peer:nest-begin id:u32:1 $(prefix 7 0a000000 8) peer:nest-end
refuse "an allowed-ip without a prefix length" EINVAL "allowed-ip needs family, address and prefix-len" \
	peer-set $dev peer:nest-begin id:u32:1 allowed-ip:nest-begin family:u16:2 \
	address:hex:0a000000 allowed-ip:nest-end peer:nest-end
before=$(peer_json $n1 1 | jq -c .allowed_ips)
in_ns $n1 burrow-nl-raw peer-set $dev peer:nest-begin id:u32:1 $(prefix 2 0a0b0000 16) \
	$(prefix 2 0a0c0001 16) peer:nest-end >/dev/null 2>&1
is "$(peer_json $n1 1 | jq -c .allowed_ips)" "$before" "a request with one bad prefix changes nothing"
refuse "replace on peer-new" EINVAL "a new peer's allowed-ips can only be added" \
	peer-new $dev peer:nest-begin id:u32:9 allowed-ips-op:u8:2 peer:nest-end
refuse "removing a prefix the peer does not hold" ENOENT "not an allowed-ip of this peer" \
	peer-set $dev peer:nest-begin id:u32:1 allowed-ips-op:u8:1 $(prefix 2 0a630000 16) peer:nest-end

# --- key requests
key32=$(printf '11%.0s' $(seq 32))
iv=$(printf '22%.0s' $(seq 12))
# The other direction's material: a key-new with one key or one IV for both
# directions is refused (below), so the requests that test other refusals
# give each direction its own.
key32b=$(printf '33%.0s' $(seq 32))
iv2=$(printf '44%.0s' $(seq 12))
keyconf() { echo "keyconf:nest-begin peer-id:u32:1 $* keyconf:nest-end"; }
refuse "key-new without keyconf" EINVAL "missing keyconf" key-new $dev
refuse "key-new without a slot" EINVAL "missing keyconf slot" key-new $dev $(keyconf)
refuse "key-new without key material" EINVAL "needs key-id, cipher and both directions" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0)
refuse "a key length that does not fit the cipher" EINVAL "key length does not match the cipher" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:1 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2)
refuse "a hard limit above the cipher's cap" EINVAL "hard packet limit above the cipher's cap" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:2 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2 hard-limit-packets:u64:9000000)
refuse "a soft limit above the hard one" EINVAL "soft limit above hard limit" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2 soft-limit-seconds:u32:100 \
	hard-limit-seconds:u32:50)
refuse "the other slot's key id" EEXIST "key id is in use by the peer's other slot" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:1 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2)
refuse "only one header-protection key" EINVAL "give both header-protection keys or neither" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2 encrypt-hp-key:hex:$key32)
refuse "a header-protection key length that does not fit the cipher" EINVAL \
	"header-protection key length does not match the cipher" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv2 \
	encrypt-hp-key:hex:${key32:0:32} decrypt-hp-key:hex:${key32:0:32})
refuse "a header-protection key of 33 bytes" ERANGE "binary attribute size out of range" \
	key-new $dev $(keyconf slot:u8:1 decrypt-hp-key:hex:${key32}00)
refuse "key-phase in key-new" EINVAL "attribute is read-only" \
	key-new $dev $(keyconf slot:u8:1 key-phase:u8:1)
refuse "key-swap without a secondary" ENOENT "no secondary key to swap in" key-swap $dev $(keyconf)
refuse "key-get of an empty slot" ENOENT "no key in this slot" key-get $dev $(keyconf slot:u8:1)
refuse "key-del of an empty slot" ENOENT "no key in this slot" key-del $dev $(keyconf slot:u8:1)
refuse "a slot that does not exist" ERANGE "" key-get $dev $(keyconf slot:u8:2)
refuse "key material in key-get" EINVAL "key material belongs only in key-new" key-get $dev $(keyconf slot:u8:0 encrypt-iv:hex:$iv) 
refuse "a header-protection key in key-get" EINVAL "key material belongs only in key-new" \
	key-get $dev $(keyconf slot:u8:0 decrypt-hp-key:hex:$key32)
# One key or one IV for both directions reuses nonces (and with tx-id =
# id the node would accept its own packets reflected back); the other
# slot's IVs again restart that generation's counter at 0 and its replay
# window empty.
refuse "the same key for both directions" EINVAL "decrypt-key equals encrypt-key" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32 decrypt-iv:hex:$iv2)
refuse "the same IV for both directions" EINVAL "decrypt-iv equals encrypt-iv" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:$key32b decrypt-iv:hex:$iv)
# n1's primary (slot 0) sends with k12: key (64 hex digits), then IV (24).
k12=$(cat "$keydir/k12")
refuse "the other slot's encrypt key and IV again" EINVAL \
	"encrypt-iv is the one the peer's other slot sends with" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:${k12:0:64} \
	encrypt-iv:hex:${k12:64:24} decrypt-key:hex:$key32b decrypt-iv:hex:$iv2)
k21=$(cat "$keydir/k21")
refuse "the other slot's decrypt key and IV again" EINVAL \
	"decrypt-iv is the one the peer's other slot receives with" \
	key-new $dev $(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 \
	encrypt-iv:hex:$iv decrypt-key:hex:${k21:0:64} decrypt-iv:hex:${k21:64:24})

# --- socket attach
refuse "attaching a descriptor that is not open" EBADF "socket-fd is not a socket" \
	dev-set $dev socket-fd:u32:999

# --- l2 mode (segments, mac-limit, flood-rate, fdb-ageing, fdb-get, mode)
segs() { # a segments bitmap with the given VLAN ids set, in hex
	hex=$(for byte in $(seq 0 511); do
		v=0
		for vid in "$@"; do [ $((vid / 8)) = "$byte" ] && v=$((v | (1 << (vid % 8)))); done
		printf '%02x' $v
	done)
	echo "$hex"
}
seg0=$(segs 0)
refuse "segments on an l3 device" EOPNOTSUPP "need a device in mode l2" \
	peer-set $dev peer:nest-begin id:u32:1 segments:hex:$seg0 peer:nest-end
refuse "mac-limit on an l3 device" EOPNOTSUPP "need a device in mode l2" \
	peer-set $dev peer:nest-begin id:u32:1 mac-limit:u32:5 peer:nest-end
refuse "fdb-ageing on an l3 device" EOPNOTSUPP "fdb-ageing needs a device in mode l2" \
	dev-set $dev fdb-ageing:u32:60
refuse "fdb-get on an l3 device" EOPNOTSUPP "it has no MAC table" --dump fdb-get $dev
refuse "mode in dev-set (fixed at creation)" EINVAL "" dev-set $dev mode:u8:1
ip -n $n1 link add b0 type burrow mode l2
l2dev=ifname:str:b0
in_ns $n1 burrow-nl-raw peer-new $l2dev peer:nest-begin id:u32:1 peer:nest-end >/dev/null
refuse "segments with VLAN id 4095" EINVAL "VLAN id 4095 is reserved" \
	peer-set $l2dev peer:nest-begin id:u32:1 segments:hex:$(segs 0 4095) peer:nest-end
refuse "segments of the wrong length" ERANGE "binary attribute size out of range" \
	peer-set $l2dev peer:nest-begin id:u32:1 segments:hex:0100 peer:nest-end
refuse "fdb-ageing 0" ERANGE "integer out of range" dev-set $l2dev fdb-ageing:u32:0
refuse "fdb-ageing over a day" ERANGE "integer out of range" dev-set $l2dev fdb-ageing:u32:86401
run_ok "segments 0,10,4094 on an l2 device" in_ns $n1 burrow-nl-raw \
	peer-set $l2dev peer:nest-begin id:u32:1 segments:hex:$(segs 0 10 4094) peer:nest-end
is "$(in_ns $n1 burrow-nl -j peer show b0 id 1 | jq -c '.[0].segments')" "[0,10,4094]" \
	"peer show reads the segments back"
run_fails "ip link set: mode of an existing device" 2 "mode is fixed when the device is created" \
	ip -n $n1 link set b0 type burrow mode l3
run_fails "ip link add: an unknown mode is quoted" 1 "invalid mode 'l4'" \
	ip -n $n1 link add b1 type burrow mode l4
run_fails "burrow-nl: VLAN id 5000 is quoted" 1 "invalid VLAN id '5000' in segments '0,5000'" \
	in_ns $n1 burrow-nl peer set b0 id 1 segments 0,5000
run_fails "burrow-nl: VLAN id 4095 is quoted" 1 "invalid VLAN id '4095'" \
	in_ns $n1 burrow-nl peer set b0 id 1 segments 4095
run_fails "burrow-nl: a bad segments list is quoted" 1 "invalid segments '10,,20'" \
	in_ns $n1 burrow-nl peer set b0 id 1 segments 10,,20
run_fails "burrow-nl: dev set mode" 1 "'mode' is fixed when the device is created" \
	in_ns $n1 burrow-nl dev set b0 mode l3
run_fails "burrow-nl: dev add with an unknown mode" 1 "invalid mode 'l4' (l3 or l2)" \
	in_ns $n1 burrow-nl dev add b2 mode l4
run_fails "burrow-nl: segments on an l3 device" 2 "need a device in mode l2" \
	in_ns $n1 burrow-nl peer set burrow0 id 1 segments 10

# --- privilege
run_fails "peer-new without CAP_NET_ADMIN" 2 "error EPERM" as_nobody burrow-nl-raw peer-new $dev \
	peer:nest-begin id:u32:50 peer:nest-end
run_fails "key-new without CAP_NET_ADMIN" 2 "error EPERM" as_nobody burrow-nl-raw key-new $dev \
	$(keyconf slot:u8:1 key-id:u8:5 cipher:u8:0 encrypt-key:hex:$key32 encrypt-iv:hex:$iv \
	decrypt-key:hex:$key32b decrypt-iv:hex:$iv2)
run_fails "peer-get without CAP_NET_ADMIN" 2 "error EPERM" as_nobody burrow-nl-raw peer-get $dev \
	$peer1
run_fails "key show never prints key material" 0 "key-id" in_ns $n1 burrow-nl key show burrow0 peer 1
! in_ns $n1 burrow-nl -j key show burrow0 peer 1 | grep -qi "$(head -c 64 "$keydir/k12")"
ok $? "no key bytes in key show's JSON"
done_testing
