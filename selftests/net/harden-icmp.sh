#!/bin/bash
# A packet the tunnel cannot send, because no peer's prefixes hold its
# destination or because its peer has no endpoint yet, is answered with
# ICMP host unreachable (docs/operations.md), for IPv4 as for IPv6: the
# sender learns at once instead of timing out. Counted from the sender's
# own ICMP statistics, so no ICMP parsing tool is needed.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
plan 6

two_nodes 4
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "tunnel is up"
# A peer with prefixes but no endpoint.
in_ns $n1 burrow-nl peer add burrow0 id 2 allowed-ips "10.10.0.3/32,fd10::3/128"

# icmp4 FIELD / icmp6 FIELD: n1's counter in /proc/net/snmp (Icmp lines) or snmp6
icmp4() {
	in_ns $n1 awk -v f="$1" '$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "Icmp:" { for (i = 2; i <= NF; i++) if (c[i] == f) print $i }' /proc/net/snmp
}
icmp6() { in_ns $n1 awk -v f="$1" '$1 == f { print $2 }' /proc/net/snmp6; }
above() { [ "$($1 "$2")" -gt "$3" ]; }
# expect_unreachable DESCRIPTION FAMILY ADDRESS DROP_COUNTER
expect_unreachable() {
	local before drops
	if [ "$2" = 4 ]; then
		before=$(icmp4 OutDestUnreachs)
		in_ns $n1 bash -c "echo x >/dev/udp/$3/9" 2>/dev/null
		wait_for 5 above icmp4 OutDestUnreachs "$before"
		is "$(($(icmp4 OutDestUnreachs) - before))" 1 "$1: one ICMP destination unreachable"
	else
		before=$(icmp6 Icmp6OutDestUnreachs)
		in_ns $n1 bash -c "echo x >/dev/udp/$3/9" 2>/dev/null
		wait_for 5 above icmp6 Icmp6OutDestUnreachs "$before"
		is "$(($(icmp6 Icmp6OutDestUnreachs) - before))" 1 "$1: one ICMPv6 destination unreachable"
	fi
}
expect_unreachable "IPv4, no peer for 10.10.0.99" 4 10.10.0.99
expect_unreachable "IPv4, peer 2 without an endpoint" 4 10.10.0.3
expect_unreachable "IPv6, no peer for fd10::99" 6 fd10::99
expect_unreachable "IPv6, peer 2 without an endpoint" 6 fd10::3
tunnel_ping $n1 10.10.0.2 >/dev/null
ok $? "the tunnel still works"
done_testing
