# shellcheck shell=bash
# What both demo guests (tools/demo-guest.sh, tools/demo-mesh-guest.sh)
# use: the test libraries for TAP lines, namespaces and burrowd nodes, and
# two ways of showing a step.
#   title TEXT             a heading
#   step NS COMMAND...     show '[NS] $ COMMAND' and run it in NS
. "$(dirname "$0")/../selftests/lib/tap.sh"
. "$(dirname "$0")/../selftests/lib/burrow.sh"
. "$(dirname "$0")/../selftests/lib/burrowd.sh"
step() { echo; echo "[$1] \$ ${*:2}"; in_ns "$@"; }
title() { echo; echo "== $*"; }
