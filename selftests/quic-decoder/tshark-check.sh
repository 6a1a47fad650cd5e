#!/bin/bash
# tshark-check.sh LOG: tshark on the host classifies the quic captures that
# selftests/net/quic-decoder.sh printed into a VM serial log ("# quic-pcap
# CIPHER PORT HEX" lines) as QUIC short-header packets. TAP output; exit 1
# if any frame is not QUIC or no capture was found.
#
# tshark has no connection state for burrow's data CIDs (there is no
# handshake on the wire), so its QUIC heuristics do not claim the packets;
# "decode UDP port PORT as QUIC" is the hint a capture analyst gives it too.
set -u
log=${1:?usage: tshark-check.sh VM-SERIAL-LOG}
command -v tshark >/dev/null || { echo "1..0 # SKIP tshark not installed"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
grep -a '^# quic-pcap ' "$log" >"$dir/lines"
count=$(wc -l <"$dir/lines")
echo "1..$((count > 0 ? 2 * count : 1))"
if [ "$count" -eq 0 ]; then
	echo "not ok 1 - no quic-pcap lines in $log (run net/quic-decoder.sh first)"
	exit 1
fi
n=0
status=0
while read -r _ _ cipher port hex; do
	xxd -r -p <<<"$hex" >"$dir/$cipher.pcap"
	tshark -r "$dir/$cipher.pcap" -d "udp.port==$port,quic" \
		-T fields -e frame.protocols -e quic.header_form -e quic.fixed_bit \
		>"$dir/$cipher.fields" 2>/dev/null
	frames=$(wc -l <"$dir/$cipher.fields")
	n=$((n + 1))
	if [ "$frames" -gt 0 ]; then
		echo "ok $n - $cipher: tshark read $frames frames"
	else
		echo "not ok $n - $cipher: tshark read no frames"
		status=1
	fi
	n=$((n + 1))
	bad=$(awk -F'\t' '$1 !~ /:udp:quic$/ || $2 != "0" || $3 != "1"' "$dir/$cipher.fields" | wc -l)
	if [ "$bad" -eq 0 ] && [ "$frames" -gt 0 ]; then
		echo "ok $n - $cipher: every frame is QUIC, short header, fixed bit set"
	else
		echo "not ok $n - $cipher: $bad frames are not QUIC short headers"
		sed 's/^/# /' "$dir/$cipher.fields"
		status=1
	fi
done <"$dir/lines"
exit $status
