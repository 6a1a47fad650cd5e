#!/bin/bash
# tshark-control-check.sh LOG: tshark on the host dissects the capture of
# burrowd's control connection that selftests/net/burrowd-capture.sh
# printed into a VM serial log ("# burrowd-pcap HEX", "# burrowd-keylog
# HEX"). With the key log, every QUIC packet must decrypt, the control
# stream must show up, and nothing may be malformed. TAP output; exit 1 on
# any failure or when the log holds no capture.
#
# No "decode as": tshark's own QUIC heuristics must recognise the
# connection from its Initial packets, as they would for any analyst.
set -u
log=${1:?usage: tshark-control-check.sh VM-SERIAL-LOG}
command -v tshark >/dev/null || { echo "1..0 # SKIP tshark not installed"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "1..4"
grep -a '^# burrowd-pcap ' "$log" | tail -n 1 | cut -d' ' -f3 | tr -d '\r' | xxd -r -p >"$dir/control.pcap"
grep -a '^# burrowd-keylog ' "$log" | tail -n 1 | cut -d' ' -f3 | tr -d '\r' | xxd -r -p >"$dir/keylog"
if [ ! -s "$dir/control.pcap" ] || [ ! -s "$dir/keylog" ]; then
	echo "not ok 1 - no burrowd-pcap/burrowd-keylog lines in $log (run net/burrowd-capture.sh first)"
	exit 1
fi
status=0
result() {
	if [ "$1" -eq 0 ]; then echo "ok $2 - $3"; else echo "not ok $2 - $3"; status=1; fi
}
fields() {
	tshark -r "$dir/control.pcap" -o "tls.keylog_file:$dir/keylog" -Y "$1" \
		-T fields -e frame.number 2>/dev/null | wc -l
}
frames=$(fields "frame")
quic=$(fields "quic")
[ "$quic" -ge 8 ]
result $? 1 "tshark finds QUIC in $quic of $frames captured frames"
initial=$(fields "quic.long.packet_type == 0")
short=$(fields "quic.header_form == 0")
[ "$initial" -ge 1 ] && [ "$short" -ge 1 ]
result $? 2 "with Initial ($initial) and short-header ($short) packets"
stream=$(fields "quic.stream.stream_id == 0")
failed=$(fields "quic.decryption_failed")
[ "$stream" -ge 1 ] && [ "$failed" -eq 0 ]
result $? 3 "the key log decrypts every packet ($failed failures) and shows the control stream in $stream"
bad=$(fields "_ws.malformed || _ws.expert.severity >= 0x00800000")
[ "$bad" -eq 0 ]
result $? 4 "no frame is malformed or carries an expert error ($bad)"
if [ "$status" -ne 0 ]; then
	tshark -r "$dir/control.pcap" -o "tls.keylog_file:$dir/keylog" 2>&1 | head -40 | sed 's/^/# /'
fi
exit $status
