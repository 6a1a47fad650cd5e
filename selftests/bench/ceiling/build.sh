#!/bin/bash
# Build burrow_ceiling.ko (ceiling.c) against a kernel tree, in a copy of this
# directory so that objects for different kernels (distro x86-64, UML) never
# share a directory. Usage: build.sh KERNEL_BUILD OUT_DIR [make args...]
# Prints the path of the module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$1 out=$2
shift 2
mkdir -p "$out"
cp "$here/Kbuild" "$here/ceiling.c" "$out/"
out=$(cd "$out" && pwd)
nice -n 19 make -s -C "$kdir" M="$out" W=1 "$@" modules >&2
echo "$out/burrow_ceiling.ko"
