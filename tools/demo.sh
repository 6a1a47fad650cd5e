#!/bin/bash
# 'make demo': on a fresh Debian 12 machine, install what is needed, build
# burrow, boot a guest kernel under qemu and run tools/demo-guest.sh in it:
# a hub and two members joined by burrowd, with negotiated addresses and routes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${BURROW_NO_DEPS:-0}" = 1 ] || make -s deps
make -s all
exec bash selftests/vm/run.sh --kernel "${KERNEL:-distro}" --script tools/demo-guest.sh
