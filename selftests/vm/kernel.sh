#!/bin/bash
# Resolve a test kernel and print shell assignments describing it:
#   KERNEL_IMAGE   bzImage to boot
#   KERNEL_RELEASE its uname -r
#   KERNEL_MODULES directory holding lib/modules/$KERNEL_RELEASE (distro), or
#                  empty when everything the tests need is built in (debug)
#   KERNEL_BUILD   tree to build burrow.ko against
# Usage: kernel.sh distro|debug
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BURROW_CACHE:-$HOME/.cache/burrow}
log() { echo "vm: $*" >&2; }

case "${1:-}" in
distro)
	# The distro kernel is the one whose headers DKMS builds against: the
	# newest installed linux-headers-*-amd64.
	headers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
	if [ -z "$headers" ]; then
		log "no linux-headers-*-amd64 installed (run 'make deps')"
		exit 1
	fi
	release=${headers#/usr/src/linux-headers-}
	dir=$cache/kernel-distro-$release
	if [ ! -f "$dir/done" ]; then
		log "fetching linux-image-$release (extracted, never installed on the host)"
		rm -rf "$dir"
		# apt drops privileges to _apt for downloads: give it a directory
		# it can write.
		download=$(mktemp -d)
		chmod 0777 "$download"
		(cd "$download" && apt-get download -q "linux-image-$release" >&2)
		mkdir -p "$dir"
		dpkg-deb -x "$download"/linux-image-*.deb "$dir/root"
		rm -rf "$download"
		touch "$dir/done"
	fi
	echo "KERNEL_IMAGE=$dir/root/boot/vmlinuz-$release"
	echo "KERNEL_RELEASE=$release"
	echo "KERNEL_MODULES=$dir/root"
	echo "KERNEL_BUILD=/lib/modules/$release/build"
	;;
debug)
	dir=$("$here/build-debug-kernel.sh")
	src=$dir/linux-source-6.1
	echo "KERNEL_IMAGE=$src/arch/x86/boot/bzImage"
	echo "KERNEL_RELEASE=$(cat "$src/include/config/kernel.release")"
	echo "KERNEL_MODULES="
	echo "KERNEL_BUILD=$src"
	;;
*)
	log "unknown kernel '${1:-}' (expected distro or debug)"
	exit 1
	;;
esac
