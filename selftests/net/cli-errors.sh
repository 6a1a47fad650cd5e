#!/bin/bash
# burrow-vm: distro-only (burrow-nl output and parsing; the kernel paths it drives are covered on the debug kernel by genl-basics, netlink-* and udp-*)
# burrow-nl's refusals: every parse error with its exact message and exit
# code, kernel refusals (exit 2, extack), not found (exit 3), and -batch
# with an error in the middle, with and without -force.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 30

ns=burrow-cli2
ns_add $ns
dir=$(mktemp -d)
nl() { burrow-nl -n $ns "$@"; }
nl dev add burrow0 listen 51830

# refuse DESCRIPTION STATUS EXACT_STDERR COMMAND...: exact message and status.
refuse() {
	local description=$1 status=$2 message=$3 output rc
	shift 3
	output=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = "$status" ] && [ "$output" = "$message" ]; then
		ok 0 "$description"
	else
		ok 1 "$description"
		diag "command: $*" "got ($rc): $output" "expected ($status): $message"
	fi
}

refuse "bad prefix" 1 "burrow-nl: invalid prefix '10.0.0.300/24'" \
	nl peer add burrow0 id 1 allowed-ips 10.0.0.300/24
refuse "prefix with host bits" 1 \
	"burrow-nl: prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)" \
	nl peer add burrow0 id 1 allowed-ips 10.0.0.1/24
refuse "port 70000" 1 "burrow-nl: invalid port '70000' (1-65535)" \
	nl peer add burrow0 id 1 endpoint 192.0.2.1:70000
refuse "listen port 70000" 1 "burrow-nl: invalid port '70000' (0-65535)" \
	nl dev set burrow0 listen 70000
refuse "unknown keyword" 1 "burrow-nl: unknown keyword 'colour' for peer add" \
	nl peer add burrow0 id 1 colour blue
refuse "duplicate option" 1 "burrow-nl: duplicate option 'keepalive'" \
	nl peer add burrow0 id 1 keepalive 1 keepalive 2
refuse "missing value" 1 "burrow-nl: missing value for endpoint" \
	nl peer add burrow0 id 1 endpoint
refuse "missing id" 1 "burrow-nl: missing id for peer add" nl peer add burrow0
refuse "id 0" 1 "burrow-nl: 0 is out of range for id (1-4294967295)" nl peer add burrow0 id 0
refuse "keepalive out of range" 1 "burrow-nl: 70000 is out of range for keepalive (0-65535)" \
	nl peer add burrow0 id 1 keepalive 70000
refuse "bad encap" 1 "burrow-nl: invalid value 'tcp' for encap (udp or quic)" \
	nl peer add burrow0 id 1 encap tcp
refuse "mtu out of range" 1 "burrow-nl: 10 is out of range for mtu (68-65535)" \
	nl dev add burrow1 mtu 10
refuse "unknown object" 1 "burrow-nl: unknown object 'route' (try 'burrow-nl help')" \
	nl route show
refuse "unknown command" 1 "burrow-nl: unknown command 'flip' for peer (try 'burrow-nl peer help')" \
	nl peer flip
refuse "unknown option" 1 "burrow-nl: unknown option '-x' (try 'burrow-nl help')" burrow-nl -x show
refuse "duplicate -n" 1 "burrow-nl: duplicate option '-n'" burrow-nl -n a -n b show
refuse "-n without a value" 1 "burrow-nl: missing value for -n" burrow-nl -n
refuse "key file missing" 1 "burrow-nl: cannot open key file '/nonexistent': No such file or directory" \
	nl key add burrow0 peer 1 slot primary key-id 1 cipher aes-128-gcm tx /nonexistent rx -
refuse "no such device" 3 "burrow-nl: kernel refused: no device with this name" \
	nl peer add burrow9 id 1
nl peer add burrow0 id 1
refuse "kernel refusal: peer exists" 2 "burrow-nl: kernel refused: a peer with this id exists" \
	nl peer add burrow0 id 1

# A batch with an error on line 4 (a parse error) and line 6 (the kernel's).
cat >"$dir/batch" <<'BATCH'
# peers for burrow0
peer add burrow0 id 10 allowed-ips 10.1.0.0/24
peer add burrow0 id 11 allowed-ips 10.1.1.0/24 endpoint "192.0.2.9:51820"
peer add burrow0 id 12 allowed-ips 10.0.0.300/24

peer add burrow0 id 10
peer add burrow0 id 13 allowed-ips 10.1.3.0/24
BATCH
refuse "batch stops at line 4" 1 "burrow-nl: line 4: invalid prefix '10.0.0.300/24'" \
	burrow-nl -n $ns -batch "$dir/batch"
is "$(nl -j peer show burrow0 | jq -c '[.[].id]')" "[1,10,11]" "lines 2-3 ran, nothing after 4"
nl peer del burrow0 id 10; nl peer del burrow0 id 11
output=$(burrow-nl -n $ns -force -batch "$dir/batch" 2>&1 >/dev/null)
is "$?" 1 "-force: exit code of the first failing line"
is "$output" "burrow-nl: line 4: invalid prefix '10.0.0.300/24'
burrow-nl: line 6: kernel refused: a peer with this id exists" "-force: every error, with its line"
is "$(nl -j peer show burrow0 | jq -c '[.[].id]')" "[1,10,11,13]" "-force ran every other line"
is "$(printf 'peer show burrow0 id 13\n' | nl -j -batch - | jq -r '.[0].allowed_ips[0]')" \
	"10.1.3.0/24" "-batch - reads stdin"
refuse "unterminated quote" 1 "burrow-nl: line 1: unterminated \" quote" \
	sh -c "echo 'peer add burrow0 id 5 endpoint \"1.2.3.4:5' | burrow-nl -n $ns -batch -"
refuse "missing batch file" 3 "burrow-nl: cannot open batch file '/nonexistent': No such file or directory" \
	nl -batch /nonexistent
printf 'peer del burrow0 id 99\n' >"$dir/notfound"
refuse "batch: not found keeps exit 3" 3 "burrow-nl: line 1: kernel refused: no peer with this id" \
	nl -batch "$dir/notfound"
refuse "dev restore of a malformed file" 1 "burrow-nl: dev restore: $dir/batch: line 1: '[' or '{' expected near '#'" \
	nl dev restore burrow0 "$dir/batch"
done_testing
