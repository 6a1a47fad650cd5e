#!/bin/bash
# quic against udp in the same boot: iperf3 TCP for a few seconds through a
# udp tunnel and a quic tunnel with the same cipher, both measured the same
# way. Prints both rates and their ratio (docs/performance.md records them);
# asserts only that each tunnel carried the stream.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/quic.sh"
seconds=${QUIC_THROUGHPUT_SECONDS:-2}
cipher=${QUIC_THROUGHPUT_CIPHER:-chacha20-poly1305}
plan 2

# measure ENCAP: bits per second received by the server, or nothing
measure() {
	in_ns $n2 iperf3 -s -1 -D -B 10.10.0.2 >/dev/null
	wait_for 10 in_ns $n2 ss -ltn sport = :5201
	in_ns $n1 iperf3 -c 10.10.0.2 -t "$seconds" -J | jq '.end.sum_received.bits_per_second'
}

two_nodes 4 $cipher
tunnel_ping $n1 10.10.0.2 >/dev/null
udp_bps=$(measure)
[ "${udp_bps%.*}" -gt 0 ] 2>/dev/null
ok $? "udp: iperf3 TCP for ${seconds}s: $udp_bps bit/s"
tap_cleanup
tap_namespaces=()

quic_nodes 4 $cipher
tunnel_ping $n1 10.10.0.2 >/dev/null
quic_bps=$(measure)
[ "${quic_bps%.*}" -gt 0 ] 2>/dev/null
ok $? "quic: iperf3 TCP for ${seconds}s: $quic_bps bit/s"
diag "$(awk -v u="$udp_bps" -v q="$quic_bps" -v k="$(uname -r)" -v c="$cipher" \
	'BEGIN { printf "throughput %s %s udp %.1f Mbit/s quic %.1f Mbit/s quic/udp %.3f", k, c, u / 1e6, q / 1e6, q / u }')"
done_testing
