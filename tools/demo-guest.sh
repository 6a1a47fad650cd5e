#!/bin/bash
# Runs inside the demo guest: create a burrow device and show it.
. "$(dirname "$0")/../selftests/lib/tap.sh"
plan 3
step() { echo; echo "\$ $*"; "$@"; }

step ip link add burrow0 type burrow
ok $? "created burrow0"
step ip addr add 10.77.0.1/24 dev burrow0
step ip link set burrow0 up
step ip -d addr show dev burrow0
step burrow-nl version
step burrow-nl dev show
ok $? "burrow-nl shows the device"
step cat /sys/class/net/burrow0/statistics/tx_dropped
ok $? "counters are readable"
done_testing
