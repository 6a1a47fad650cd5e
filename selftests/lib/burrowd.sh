# shellcheck shell=bash
# Two namespaces running burrowd, for the burrowd-*.sh VM tests. Source
# after tap.sh and burrow.sh.
#
#   bd_nodes [CIPHERS1] [CIPHERS2]
#     burrow-n1 and burrow-n2 joined by a veth pair (192.0.2.1/.2), each
#     with an empty burrow0 (10.10.0.1/.2) and a state directory
#     $bd_dir/nN with a fresh key, a config naming the other node (public
#     key, endpoint, allowed-ips 10.10.0.other/32) and nothing else.
#     Both offer the encapsulations in $bd_encaps (default "udp, quic");
#     $bd_idle_timeout, when set, is their idle_timeout; node $bd_passive,
#     when set, has no endpoint for its peer (it only answers).
#   bd_start N / bd_stop N / bd_kill9 N    run, SIGTERM, SIGKILL a daemon
#   bd_json N                              'burrowd status -j' of node N
#   bd_state N, bd_generation N            jq over that
#   bd_generation_is G, bd_old_key_gone    rotation progress on both nodes
#   bd_iperf_survived PID                  the load outlived the rotations

bd_dir=$(mktemp -d)
declare -A bd_pid

# Kill daemons before the namespaces go (tap.sh's trap deletes them).
bd_cleanup() {
	local n
	for n in "${!bd_pid[@]}"; do
		kill -9 "${bd_pid[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	tap_cleanup
}
trap bd_cleanup EXIT

bd_ns() { echo "burrow-n$1"; }
bd_conf() { echo "$bd_dir/n$1/burrowd.conf"; }

# bd_node_section N NAME: the [node] lines every test node has (its key,
# port 5182N, burrow0, state and control socket under $bd_dir/nN); the
# caller appends its own [node] keys and peers.
bd_node_section() {
	local n=$1 name=$2
	cat <<EOF
[node]
name = $name
private_key = $bd_dir/n$n/node.key
listen_port = 5182$n
device = burrow0
state = $bd_dir/n$n/state.db
control_socket = $bd_dir/n$n/control.sock
log_level = debug
EOF
}

# bd_write_conf N CIPHERS PEER_KEY
bd_write_conf() {
	local n=$1 ciphers=$2 peer_key=$3 other=$((3 - $1))
	{ bd_node_section "$n" "n$n"; cat <<EOF; } >"$(bd_conf "$n")"
ciphers = $ciphers
encapsulations = ${bd_encaps:-udp, quic}
${bd_idle_timeout:+idle_timeout = $bd_idle_timeout}

[peer n$other]
public_key = $peer_key
$([ "${bd_passive:-}" = "$n" ] || echo "endpoint = 192.0.2.$other:5182$other")
allowed_ips = 10.10.0.$other/32
EOF
}

bd_nodes() {
	local ciphers1=${1:-chacha20-poly1305, aes-256-gcm} ciphers2=${2:-chacha20-poly1305, aes-256-gcm} n
	ns_add burrow-n1
	ns_add burrow-n2
	ip -n burrow-n1 link add veth0 type veth peer name veth0 netns burrow-n2
	for n in 1 2; do
		ip -n "burrow-n$n" addr add "192.0.2.$n/24" dev veth0
		ip -n "burrow-n$n" link set veth0 up
		ip -n "burrow-n$n" link add burrow0 type burrow
		ip -n "burrow-n$n" addr add "10.10.0.$n/24" dev burrow0
		ip -n "burrow-n$n" link set burrow0 up
		mkdir -p "$bd_dir/n$n"
		bd_key[$n]=$(burrowd genkey "$bd_dir/n$n/node.key")
	done
	bd_write_conf 1 "$ciphers1" "${bd_key[2]}"
	bd_write_conf 2 "$ciphers2" "${bd_key[1]}"
}
declare -A bd_key

# bd_start N: run node N's daemon and wait until it listens (control socket
# answers), so a peer dialling it right after does not lose its first packets.
bd_start() {
	local n=$1
	# Not through the in_ns function: a backgrounded function is a
	# subshell, and its pid is not the daemon's. ip netns exec execs.
	ip netns exec "$(bd_ns "$n")" burrowd run -c "$(bd_conf "$n")" >>"$bd_dir/n$n/log" 2>&1 &
	bd_pid[$n]=$!
	wait_for 20 bd_json "$n"
}

bd_stop() {
	kill -TERM "${bd_pid[$1]}" 2>/dev/null
	wait "${bd_pid[$1]}" 2>/dev/null
	local status=$?
	unset "bd_pid[$1]"
	return $status
}

bd_kill9() {
	kill -9 "${bd_pid[$1]}" 2>/dev/null
	wait "${bd_pid[$1]}" 2>/dev/null
	unset "bd_pid[$1]"
	return 0
}

bd_json() { in_ns "$(bd_ns "$1")" burrowd status -j -c "$(bd_conf "$1")"; }
# bd_kid N NAME: the kernel peer id node N's burrowd chose for its peer NAME
# (random and non-zero, never 1..N: userspace/ids.h).
bd_kid() { bd_json "$1" | jq -r --arg p "$2" '.peers[] | select(.name == $p) | .peer_id'; }
# bd_peer_json N NAME: node N's kernel peer for NAME, as peer_json shows it.
bd_peer_json() { peer_json "$(bd_ns "$1")" "$(bd_kid "$1" "$2")"; }
bd_state() { bd_json "$1" | jq -r '.peers[0].state'; }
bd_generation() { bd_json "$1" | jq -r '.peers[0].generation'; }
bd_up() { [ "$(bd_state "$1")" = up ]; }
# bd_generation_is G: both nodes use generation G and neither is mid-rotation.
bd_generation_is() {
	local j1 j2
	j1=$(bd_json 1) && j2=$(bd_json 2) || return 1
	[ "$(jq -r '.peers[0] | "\(.generation) \(.rotating)"' <<<"$j1")" = "$1 false" ] &&
		[ "$(jq -r '.peers[0] | "\(.generation) \(.rotating)"' <<<"$j2")" = "$1 false" ]
}
# bd_old_key_gone: each kernel holds exactly one key for its peer, in the
# primary slot (the rotation's grace period ended). The random kernel ids
# are looked up once and again only when a lookup fails (a restart).
bd_old_key_gone() {
	local j1 j2
	[ -n "${bd_k1:-}" ] || bd_k1=$(bd_kid 1 n2)
	[ -n "${bd_k2:-}" ] || bd_k2=$(bd_kid 2 n1)
	j1=$(in_ns burrow-n1 burrow-nl -j key show burrow0 peer "$bd_k1" 2>/dev/null) || { bd_k1=; return 1; }
	j2=$(in_ns burrow-n2 burrow-nl -j key show burrow0 peer "$bd_k2" 2>/dev/null) || { bd_k2=; return 1; }
	[ "$(jq -r 'map(.slot) | join(",")' <<<"$j1")" = primary ] &&
		[ "$(jq -r 'map(.slot) | join(",")' <<<"$j2")" = primary ]
}
bd_both_up() { bd_up 1 && bd_up 2; }
# bd_log_has N TEXT: the daemon's log contains TEXT
bd_log_has() { grep -qF -- "$2" "$bd_dir/n$1/log"; }
# bd_iperf_survived PID: two test points after rotations under load: the
# iperf3 client PID (output in $bd_dir/iperf.log) still runs, and n2 still
# receives on its kernel peer for n1. Then stops the client.
bd_iperf_survived() {
	local pid=$1 received
	kill -0 "$pid" 2>/dev/null
	ok $? "the iperf3 TCP stream survived the rotations" || diag "$(cat "$bd_dir/iperf.log")"
	received=$(bd_peer_json 2 n1 | jq .rx_bytes)
	# shellcheck disable=SC2317 # called through wait_for
	more_received() { [ "$(bd_peer_json 2 n1 | jq .rx_bytes)" -gt $((received + 100000)) ]; }
	wait_for 20 more_received
	ok $? "and still moves data on the last key"
	# $pid is the subshell around 'ip netns exec'; iperf3 is its child.
	pkill -P "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# Show both logs as TAP diagnostics (on failure).
bd_diag_logs() {
	local n
	diag "--- n1 log" "$(tail -n 40 "$bd_dir/n1/log")" "--- n2 log" "$(tail -n 40 "$bd_dir/n2/log")"
	for n in 1 2; do
		diag "--- n$n: rx_to_userspace $(counter "burrow-n$n" rx_to_userspace)" \
			"$(in_ns "burrow-n$n" burrow-nl -j dev show burrow0 | jq -c '.[0] | del(.ifname)')" \
			"$(in_ns "burrow-n$n" ss -uamn)"
	done
}

# ok_or_logs STATUS DESCRIPTION: ok, and both daemons' logs when it failed.
ok_or_logs() {
	ok "$1" "$2"
	[ "$1" -eq 0 ] || bd_diag_logs
}
