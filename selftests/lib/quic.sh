# shellcheck shell=bash
# quic-mode topologies for burrow's network tests. Source after burrow.sh.
#
#   quic_nodes [OUTER] [CIPHER]
#     two_nodes, then both peers switched to the quic encapsulation: key
#     files extended with a header-protection key (key || IV || hp, hex),
#     the primary keys reinstalled with them, and data CIDs
#     n1 receives cid1, n2 receives cid2 (8 bytes, the device default).

cid1=c1c1c1c1c1c1c1c1
cid2=c2c2c2c2c2c2c2c2

# add_hp CIPHER FILE HP_FILE: FILE gets the hp key of HP_FILE (or a new one) appended.
add_hp() {
	local hp
	if [ -s "$3" ]; then
		hp=$(cat "$3")
	else
		hp=$(head -c "$(key_len "$1")" /dev/urandom | od -An -tx1 | tr -d ' \n')
		echo "$hp" >"$3"
	fi
	printf '%s%s\n' "$(tr -d '\n' <"$2")" "$hp" >"$2.tmp" && mv "$2.tmp" "$2"
	chmod 600 "$2"
}

# make_quic_key CIPHER FILE DIRECTION: a key || IV || hp file; the hp key of
# a direction (12 or 21) stays the same across key generations (RFC 9001 §6).
make_quic_key() {
	make_key "$1" "$2"
	add_hp "$1" "$2" "$keydir/hp$3"
}

quic_nodes() {
	local outer=${1:-4} cipher=${2:-chacha20-poly1305}
	two_nodes "$outer" "$cipher"
	add_hp "$cipher" "$keydir/k12" "$keydir/hp12"
	add_hp "$cipher" "$keydir/k21" "$keydir/hp21"
	install_key $n1 1 primary 1 "$cipher" "$keydir/k12" "$keydir/k21"
	install_key $n2 1 primary 1 "$cipher" "$keydir/k21" "$keydir/k12"
	in_ns $n1 burrow-nl peer set burrow0 id 1 encap quic local-cid $cid1 remote-cid $cid2
	in_ns $n2 burrow-nl peer set burrow0 id 1 encap quic local-cid $cid2 remote-cid $cid1
}
