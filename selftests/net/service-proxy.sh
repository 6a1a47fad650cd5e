#!/bin/bash
# burrow-vm: distro-only
# The stream proxy (issue 21): n2 offers [service] sections whose targets
# are busybox nc servers in its namespace; n1 reaches them with `burrowd
# connect n2 SERVICE`, a separate process that dials n2's listener (the
# tunnel's UDP port, ALPN burrow-proxy/1) with n1's key. 32 MiB echoed
# through the proxy arrive intact (sha256), 100 connect processes at once
# all get their bytes back, refusals print their reasons and exit with
# their codes, a key n2 does not know is refused in the handshake, and
# n2's status counts all of it (an unknown ALPN: test_burrowd_proxy.c).
# How fast the proxy is against plain TCP through the tunnel is make
# bench's (selftests/bench/proxy-guest.sh), not a test's.
# Userspace only, so on one kernel.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/burrow.sh"
. "$(dirname "$0")/../lib/burrowd.sh"
plan 19

bd_nodes
cat >>"$(bd_conf 2)" <<'EOF'

[service echo]
target = 127.0.0.1:7000
max_streams = 128

[service sink]
target = 127.0.0.1:7001

[service private]
target = 127.0.0.1:7000
allow = admin-*

[service closed]
target = 127.0.0.1:7009

[service one]
target = 127.0.0.1:7000
max_streams = 1

EOF
bd_start 1
bd_start 2
wait_for 90 bd_both_up
ok_or_logs $? "both sessions come up"

# Targets: a persistent echo server (a cat per connection), and a sink.
# (ip netns exec execs nc: $! is the server, killed at the end, because
# bd_cleanup waits for every child before the namespaces go.)
ip netns exec burrow-n2 busybox nc -ll -p 7000 -e cat </dev/null >/dev/null 2>&1 &
echo_pid=$!
wait_for 10 in_ns burrow-n2 ss -ltn sport = :7000
ok $? "the echo target listens"

connect() { in_ns burrow-n1 burrowd connect -c "$(bd_conf 1)" "$@"; }

# ---- 32 MiB echoed, sha256 compared (many flow-control windows of the stream) ----
head -c $((32 * 1024 * 1024)) /dev/urandom >"$bd_dir/in"
want=$(sha256sum <"$bd_dir/in" | cut -d' ' -f1)
timeout 300 ip netns exec burrow-n1 burrowd connect -c "$(bd_conf 1)" n2 echo \
	<"$bd_dir/in" >"$bd_dir/out" 2>"$bd_dir/connect.err"
status=$?
ok $status "burrowd connect n2 echo: 32 MiB in and back exits 0"
[ $status = 0 ] || diag "$(cat "$bd_dir/connect.err")"
is "$(sha256sum <"$bd_dir/out" | cut -d' ' -f1)" "$want" "the 32 MiB came back intact (sha256)"

# Through a pipe both ways too (ssh's ProxyCommand gives pipes).
got=$(head -c 1000000 "$bd_dir/in" | connect n2 echo | sha256sum | cut -d' ' -f1)
is "$got" "$(head -c 1000000 "$bd_dir/in" | sha256sum | cut -d' ' -f1)" \
	"1 MB through pipes (stdin and stdout) comes back intact"

# Half-close: the sink's nc ends its side at once (stdin /dev/null); our
# bytes keep flowing to it after that.
in_ns burrow-n2 busybox nc -l -p 7001 </dev/null >"$bd_dir/sink" 2>/dev/null &
sink_pid=$!
wait_for 10 in_ns burrow-n2 ss -ltn sport = :7001
head -c 5000000 "$bd_dir/in" | connect n2 sink >/dev/null 2>"$bd_dir/sink.err"
status=$?
ok $status "a target that closes its side first still gets the client's bytes (connect exits 0)"
[ $status = 0 ] || diag "$(cat "$bd_dir/sink.err")"
wait "$sink_pid" 2>/dev/null
is "$(sha256sum <"$bd_dir/sink" | cut -d' ' -f1)" \
	"$(head -c 5000000 "$bd_dir/in" | sha256sum | cut -d' ' -f1)" "the sink received all 5 MB"

# ---- 100 at once -----------------------------------------------------------------
# 100 connect processes, each stream held open (its stdin waits on a gate
# after the data) until n2 has all 100 open at once. Started ten at a time,
# so the emulated guest is not asked for 100 handshakes' CPU at once; the
# endpoint itself takes such bursts (Retry past 16 pending handshakes,
# test_handshake_burst in selftests/unit/test_quic_refusal.c). Each echo
# comes back before the gate opens.
head -c 200000 "$bd_dir/in" >"$bd_dir/small"
small=$(sha256sum <"$bd_dir/small" | cut -d' ' -f1)
mkfifo "$bd_dir/gate"
active_at_least() { bd_json 2 | jq -e ".proxy.active >= $1" >/dev/null; }
pids=()
for i in $(seq 1 100); do
	{ cat "$bd_dir/small"; read -r _ <"$bd_dir/gate"; } |
		ip netns exec burrow-n1 burrowd connect -c "$(bd_conf 1)" n2 echo \
		>"$bd_dir/out.$i" 2>"$bd_dir/err.$i" &
	pids+=($!)
	[ $((i % 10)) = 0 ] && wait_for 60 active_at_least "$i"
done
wait_for 60 active_at_least 100
status=$?
ok $status "n2 holds 100 proxied streams open at once"
[ $status = 0 ] || diag "$(bd_json 2 | jq -c .proxy)" "$(cat "$bd_dir"/err.* | sort | uniq -c | head -5)"
all_echoed() {
	local i
	for i in $(seq 1 100); do
		[ "$(stat -c %s "$bd_dir/out.$i")" = 200000 ] || return 1
	done
}
wait_for 120 all_echoed
# Open the gate: every reader waiting on it gets EOF (again until all ended).
any_alive() {
	local p
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
release() { exec 8<>"$bd_dir/gate"; exec 8>&-; ! any_alive; }
wait_for 120 release
failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=$((failed + 1))
done
is "$failed" 0 "the 100 burrowd connect processes exit 0 once their stdin ends"
[ "$failed" = 0 ] || diag "$(cat "$bd_dir"/err.* | sort | uniq -c | head -5)"
intact=0
for i in $(seq 1 100); do
	[ "$(sha256sum <"$bd_dir/out.$i" | cut -d' ' -f1)" = "$small" ] && intact=$((intact + 1))
done
is "$intact" 100 "all 100 streams came back intact"

# ---- refusals --------------------------------------------------------------------
run_fails "an unknown service is refused: exit 11 and the reason" 11 \
	"unknown service: no service 'nosuch' on this node" connect n2 nosuch </dev/null
run_fails "a peer the service does not allow is refused: exit 12 and the reason" 12 \
	"not allowed: peer n1 may not use service 'private'" connect n2 private </dev/null
run_fails "a target nobody listens on: exit 14 and the reason" 14 \
	"target refused: closed: Connection refused" connect n2 closed </dev/null
# max_streams = 1: one stream held open, the second refused.
mkfifo "$bd_dir/hold"
connect n2 one <"$bd_dir/hold" >/dev/null 2>&1 &
hold_pid=$!
exec 7>"$bd_dir/hold"
one_busy() { bd_json 2 | jq -e '.proxy.active >= 1' >/dev/null; }
wait_for 20 one_busy
run_fails "max_streams reached: exit 13 and the reason" 13 \
	"limit reached: service 'one' has its 1 streams in use" connect n2 one </dev/null
exec 7>&-
wait "$hold_pid"
ok $? "the held stream ends cleanly when its stdin does"

# A service added to the file is served after a reload, without a restart.
cat >>"$(bd_conf 2)" <<'EOF'

[service added]
target = 127.0.0.1:7000
EOF
in_ns burrow-n2 burrowd reload -c "$(bd_conf 2)" >/dev/null
is "$(echo reloaded | connect n2 added 2>&1)" reloaded "a [service] added by burrowd reload is served"

# A key n2 does not know: the handshake is refused, connect exits 1.
mkdir -p "$bd_dir/n3"
burrowd genkey "$bd_dir/n3/node.key" >/dev/null
{ bd_node_section 3 n3; } >"$bd_dir/n3/burrowd.conf"
run_fails "a node n2 does not know is refused in the handshake (exit 1)" 1 "refused" \
	in_ns burrow-n1 burrowd connect -c "$bd_dir/n3/burrowd.conf" --key "${bd_key[2]}" \
	192.0.2.2:51822 echo </dev/null

j2=$(bd_json 2)
if [ "$(jq '.proxy.refused["unknown service"] + .proxy.refused["not allowed"] +
	.proxy.refused["target refused"] + .proxy.refused["limit reached"]' <<<"$j2")" -ge 4 ] &&
	[ "$(jq '.proxy.refused_peers' <<<"$j2")" -ge 1 ] &&
	[ "$(jq '.proxy.accepted' <<<"$j2")" -ge 103 ] && [ "$(jq '.proxy.active' <<<"$j2")" = 0 ]; then
	ok 0 "n2's status -j counts the proxy's streams and refusals"
else
	ok 1 "n2's status -j counts the proxy's streams and refusals"
	diag "$(jq -c .proxy <<<"$j2")"
fi
if [ "$(jq '.listener.alpns["burrow/1"]' <<<"$j2")" -ge 1 ] &&
	[ "$(jq '.listener.alpns["burrow-proxy/1"]' <<<"$j2")" -ge 103 ]; then
	ok 0 "n2's listener dispatched control and proxy connections by ALPN"
else
	ok 1 "n2's listener dispatched control and proxy connections by ALPN"
	diag "$(jq -c .listener <<<"$j2")"
fi

kill "$echo_pid" 2>/dev/null
wait "$echo_pid" 2>/dev/null
done_testing
