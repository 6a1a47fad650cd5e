#!/bin/bash
# Build (or reuse) the debug kernel: Debian's linux-source-6.1 configured from
# tinyconfig plus debug.config. The result is cached outside the repository,
# keyed on the fragment, this script and the source package version, and the
# directory it lives in is printed on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BURROW_CACHE:-$HOME/.cache/burrow}
tarball=/usr/src/linux-source-6.1.tar.xz

if [ ! -f "$tarball" ]; then
	echo "build-debug-kernel: $tarball missing (run 'make deps')" >&2
	exit 1
fi

source_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (cat "$here/debug.config" "$here/build-debug-kernel.sh"; echo "$source_version") |
	sha256sum | cut -c1-16)
out=$cache/kernel-debug-$key

if [ -f "$out/done" ]; then
	echo "$out"
	exit 0
fi

log() { echo "build-debug-kernel: $*" >&2; }

rm -rf "$out"
mkdir -p "$out"
log "extracting linux-source $source_version into $out (cache key $key)"
tar -C "$out" -xf "$tarball"
src=$out/linux-source-6.1

log "configuring: tinyconfig + $here/debug.config"
# tinyconfig and merge_config are chatty about every overridden symbol;
# keep that in a log and show it only when configuring fails.
merge_log=$out/merge_config.log
make -s -C "$src" ARCH=x86_64 tinyconfig >"$merge_log" 2>&1 || { cat "$merge_log" >&2; exit 1; }
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
	"$here/debug.config" >>"$merge_log" 2>&1 || { cat "$merge_log" >&2; exit 1; }
make -s -C "$src" ARCH=x86_64 olddefconfig >>"$merge_log" 2>&1

# merge_config only warns when a symbol's dependencies drop it; a debug kernel
# that silently lost KASAN would pass every test, so refuse it instead.
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
done <"$here/debug.config"
[ "$missing" -eq 0 ] || exit 1

log "building bzImage and module support with $(nproc) jobs"
make -s -C "$src" ARCH=x86_64 -j"$(nproc)" bzImage modules >&2
touch "$out/done"
# Keep older cache entries from piling up: a key change makes them dead weight.
find "$cache" -maxdepth 1 -name 'kernel-debug-*' ! -path "$out" -exec rm -rf {} + 2>/dev/null || true
echo "$out"
