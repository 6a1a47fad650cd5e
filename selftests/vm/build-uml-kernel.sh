#!/bin/bash
# Build (or reuse) the User-Mode Linux kernel for 'make bench-native': Debian's
# linux-source-6.1 for ARCH=um, 'defconfig' plus uml/uml.config, with
# uml/xstate.patch applied. The result is cached outside the repository, keyed
# on the fragment, the patch, this script and the source package version; the
# directory it lives in is printed on stdout, the kernel tree (vmlinux, the
# 'linux' executable, Module.symvers for out-of-tree modules) is
# <dir>/linux-source-6.1.
#
# xstate.patch: 6.1's UML passes a fixed 2696-byte buffer to the host's
# PTRACE_SETREGSET NT_X86_XSTATE, and the host refuses any size but its own
# XSAVE size (11008 bytes with AMX), so init dies with "ptrace set fp regs
# failed, errno = 14". The patch gives the buffer room for 12288 bytes and
# uses the size the host reports at boot; on hosts without AMX that is the
# same size as before.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BURROW_CACHE:-$HOME/.cache/burrow}
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/uml/uml.config
patch=$here/uml/xstate.patch

if [ ! -f "$tarball" ]; then
	echo "build-uml-kernel: $tarball missing (run 'make deps')" >&2
	exit 1
fi

source_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (cat "$fragment" "$patch" "$here/build-uml-kernel.sh"; echo "$source_version") |
	sha256sum | cut -c1-16)
out=$cache/kernel-uml-$key

if [ -f "$out/done" ]; then
	echo "$out"
	exit 0
fi

log() { echo "build-uml-kernel: $*" >&2; }

rm -rf "$out"
mkdir -p "$out"
log "extracting linux-source $source_version into $out (cache key $key)"
tar -C "$out" -xf "$tarball"
src=$out/linux-source-6.1
log "applying $patch"
patch -s -d "$src" -p1 <"$patch"

log "configuring: ARCH=um defconfig + $fragment"
merge_log=$out/merge_config.log
make -s -C "$src" ARCH=um defconfig >"$merge_log" 2>&1 || { cat "$merge_log" >&2; exit 1; }
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
	"$fragment" >>"$merge_log" 2>&1 || { cat "$merge_log" >&2; exit 1; }
make -s -C "$src" ARCH=um olddefconfig >>"$merge_log" 2>&1

# merge_config only warns when a symbol's dependencies drop it; a kernel that
# silently lost WireGuard or hostfs would fail later and less clearly.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qxF -- "$line" "$src/.config"; then
			log "option did not stick: $line"
			missing=1
		fi
		;;
	esac
done <"$fragment"
[ "$missing" -eq 0 ] || exit 1

jobs=$(nproc)
[ "$jobs" -le 2 ] || jobs=2
log "building the UML kernel and its modules with $jobs jobs at nice 19"
nice -n 19 make -s -C "$src" ARCH=um -j"$jobs" >&2
touch "$out/done"
find "$cache" -maxdepth 1 -name 'kernel-uml-*' ! -path "$out" -exec rm -rf {} + 2>/dev/null || true
echo "$out"
