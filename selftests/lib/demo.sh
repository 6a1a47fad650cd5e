# shellcheck shell=bash
# What both demo guests (tools/demo-guest.sh, tools/demo-mesh-guest.sh)
# use, kept here because the guest gets selftests/lib and the scripts it
# runs: the test libraries for TAP lines, namespaces and burrowd nodes, and
# two ways of showing a step.
#   title TEXT             a heading
#   step NS COMMAND...     show '[NS] $ COMMAND' and run it in NS
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/burrow.sh"
. "$(dirname "${BASH_SOURCE[0]}")/burrowd.sh"
step() { echo; echo "[$1] \$ ${*:2}"; in_ns "$@"; }
title() { echo; echo "== $*"; }
