#!/bin/bash
# Assemble the guest's initramfs from the host's Debian packages.
#
# Usage: initramfs.sh OUTPUT.cpio.gz
# Environment (from run.sh):
#   KERNEL_RELEASE, KERNEL_MODULES (see kernel.sh), BURROW_KO (module to load),
#   EXTRA_KOS (further modules to ship, optional),
#   GUEST_TESTS (newline-separated test paths relative to the repo),
#   GUEST_MODE (tests|shell), GUEST_KMEMLEAK (1 to scan for leaks at the end)
#
# Layout is merged-/usr like Debian's. Real tools live in /usr/bin and
# /usr/sbin; busybox applets live in /usr/libexec/busybox, last on PATH, so
# 'ip' is always iproute2 and never busybox's applet.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# mktemp makes the directory 0700; it becomes the guest's /, which
# unprivileged test users must be able to traverse.
chmod 0755 "$stage"

# Host binaries the guest needs, with their shared libraries.
tools=(bash ip genl tc ss iperf3 wg tcpdump nft kmod setpriv jq timeout sqlite3 mawk)
binaries=()
for tool in "${tools[@]}"; do
	path=$(command -v "$tool") || { echo "initramfs: '$tool' not installed (run 'make deps')" >&2; exit 1; }
	binaries+=("$(readlink -f "$path")")
done
# burrowd brings GnuTLS, nettle, ngtcp2, SQLite and libinih along (ldd).
burrow_binaries=("$repo/build/burrow-nl" "$repo/build/burrow-nl-raw" "$repo/build/burrow-harden" "$repo/build/burrowd"
	"$repo/build/quic-decode" "$repo/build/quic-reader" "$repo/build/burrowd-capsule-client"
	"$repo/build/burrow-genl-fuzz" "$repo/build/burrow-pkt-fuzz" "$repo/build/burrow-coord"
	"$repo/build/burrow-l2-send")

mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/libexec/busybox,etc,proc,sys,dev,tmp,run,root,var}
ln -s usr/bin "$stage/bin"
ln -s usr/sbin "$stage/sbin"
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
ln -s ../run "$stage/var/run"

cp /bin/busybox "$stage/usr/libexec/busybox/busybox"
for applet in $("$stage/usr/libexec/busybox/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/usr/libexec/busybox/$applet"
done

# Copy a binary and its shared libraries. Each library is stored under the
# soname the loader asks for, in its /usr directory (the guest's /lib and
# /lib64 are symlinks into /usr, as on the host).
copy_with_libs() {
	local bin=$1 dest=$2 soname path dir
	cp -L "$bin" "$stage$dest"
	ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
		while read -r soname path; do
			dir=$(dirname "$path")
			case "$dir" in /lib*) dir=/usr$dir ;; esac
			if [ ! -e "$stage$dir/$soname" ]; then
				mkdir -p "$stage$dir"
				cp -L "$path" "$stage$dir/$soname"
			fi
		done
}

# Tools go to /usr/bin whatever their host directory: PATH has it first.
for bin in "${binaries[@]}"; do
	copy_with_libs "$bin" /usr/bin/
done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/usr/lib64/ld-linux-x86-64.so.2"

for tool in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -s ../bin/kmod "$stage/usr/sbin/$tool"
done
for bin in "${burrow_binaries[@]}"; do
	if [ -x "$bin" ]; then copy_with_libs "$bin" /usr/sbin/; fi
done
# iproute2 plugin for "ip -d link show" (the guest runs the host's ip, so it
# looks in the host's IP_LIB_DIR).
if [ -f "$repo/build/link_burrow.so" ]; then
	ip_lib_dir=/usr/lib/$(gcc -print-multiarch)/ip
	install -D -m 0644 "$repo/build/link_burrow.so" "$stage$ip_lib_dir/link_burrow.so"
fi

cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
tcpdump:x:104:104:tcpdump:/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
tcpdump:x:104:
nogroup:x:65534:
GROUP
echo "127.0.0.1 localhost" >"$stage/etc/hosts"
cp /etc/protocols /etc/services "$stage/etc/" 2>/dev/null || true

# Kernel modules: burrow.ko plus, for the distro kernel, the modules the
# tests use and everything they depend on, resolved by the host's modprobe
# against the extracted image.
moddir=$stage/usr/lib/modules/$KERNEL_RELEASE
mkdir -p "$moddir/updates"
cp "$BURROW_KO" "$moddir/updates/burrow.ko"
# Modules only a bench loads (EXTRA_KOS, blank-separated paths), found by
# modprobe through depmod like the rest.
if [ -n "${EXTRA_KOS:-}" ]; then
	mkdir -p "$moddir/extra"
	for ko in $EXTRA_KOS; do cp "$ko" "$moddir/extra/"; done
fi
if [ -n "$KERNEL_MODULES" ]; then
	src=$KERNEL_MODULES/lib/modules/$KERNEL_RELEASE
	[ -f "$src/modules.dep" ] || depmod -b "$KERNEL_MODULES" "$KERNEL_RELEASE"
	wanted="veth dummy wireguard udp_tunnel ip6_udp_tunnel gro_cells bridge 8021q
		nf_tables nft_ct nft_objref nf_conntrack
		bridge nf_nat nft_nat nft_masq nft_chain_nat
		chacha20poly1305 aesni_intel gcm
		$(modinfo -F depends "$BURROW_KO" | tr ',' ' ')"
	for mod in $wanted; do
		# Built-in ones print no insmod line and are simply skipped.
		modprobe -d "$KERNEL_MODULES" -S "$KERNEL_RELEASE" --show-depends "$mod" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' || true
	done | sort -u >"$stage/modules.wanted"
	# Ciphers are requested by name when keys are installed (crypto-*
	# aliases), so ship every crypto module rather than guess the set.
	find "$src/kernel/crypto" "$src/kernel/arch/x86/crypto" "$src/kernel/lib/crypto" \
		-name '*.ko*' >>"$stage/modules.wanted"
	sort -u "$stage/modules.wanted" | while read -r path; do
		rel=${path#"$src"/}
		mkdir -p "$moddir/$(dirname "$rel")"
		cp "$path" "$moddir/$rel"
	done
	rm -f "$stage/modules.wanted"
	cp "$src"/modules.order "$src"/modules.builtin* "$moddir/" 2>/dev/null || true
elif [ -n "${KERNEL_BUILD:-}" ]; then
	# Everything the tests use is built into the debug kernel; its
	# modules.builtin lets 'modprobe veth' succeed as it does on the distro.
	cp "$KERNEL_BUILD"/modules.order "$KERNEL_BUILD"/modules.builtin* "$moddir/"
fi
depmod -b "$stage" "$KERNEL_RELEASE"

# Tests, their shared library and the guest-side runner.
mkdir -p "$stage/burrow/selftests"
cp -r "$repo/selftests/lib" "$stage/burrow/selftests/"
# Expected outputs of the burrow-nl tests (selftests/net/cli-*.sh).
if [ -d "$repo/selftests/net/golden" ]; then
	mkdir -p "$stage/burrow/selftests/net"
	cp -r "$repo/selftests/net/golden" "$stage/burrow/selftests/net/"
fi
printf '%s\n' "${GUEST_TESTS:-}" | while read -r test; do
	[ -n "$test" ] || continue
	mkdir -p "$stage/burrow/$(dirname "$test")" "$stage/burrow/selftests/lib"
	cp "$repo/$test" "$stage/burrow/$test"
done
printf '%s\n' "${GUEST_TESTS:-}" >"$stage/burrow/tests.list"
cp "$here/guest-init" "$stage/init"
cp "$here/guest-runner" "$stage/burrow/runner"
chmod 0755 "$stage/init" "$stage/burrow/runner"
{
	echo "GUEST_MODE=${GUEST_MODE:-tests}"
	echo "GUEST_KMEMLEAK=${GUEST_KMEMLEAK:-0}"
	echo "KERNEL_FLAVOUR=${KERNEL_FLAVOUR:-}"
} >"$stage/burrow/config"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
