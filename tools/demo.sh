#!/bin/bash
# 'make demo': on a fresh Debian 12 machine, install what is needed, build
# burrow, boot a guest kernel under qemu and run in it tools/demo-guest.sh
# (a hub and two members joined by burrowd, with negotiated addresses and
# routes) and tools/demo-mesh-guest.sh (a burrow-coord mesh: three nodes
# join with pre-auth keys, policy lets two talk and not the third, and a
# node removal takes effect). DEMO=hub or DEMO=mesh runs one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${BURROW_NO_DEPS:-0}" = 1 ] || make -s deps
make -s all
case "${DEMO:-all}" in
hub) scripts=(--script tools/demo-guest.sh) ;;
mesh) scripts=(--script tools/demo-mesh-guest.sh) ;;
all) scripts=(--script tools/demo-guest.sh --script tools/demo-mesh-guest.sh) ;;
*) echo "demo: DEMO must be hub, mesh or all, not '$DEMO'" >&2; exit 1 ;;
esac
exec bash selftests/vm/run.sh --kernel "${KERNEL:-distro}" "${scripts[@]}"
