#!/bin/bash
# Install every Debian package burrow needs to build, test and benchmark.
# Idempotent: a second run only refreshes the package lists.
set -euo pipefail

packages=(
	# module build (DKMS, Debian's headers, sparse) and the debug kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio
	xz-utils zstd kmod rsync dkms sparse openssl
	linux-headers-amd64 linux-source-6.1
	# qemu harness and the guest's userland
	qemu-system-x86 busybox-static iproute2 iperf3 wireguard-tools tcpdump nftables
	tshark procps mawk
	# userspace libraries (burrow-nl, burrowd) and unit tests
	pkg-config libmnl-dev
	libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
	libsqlite3-dev sqlite3 libinih-dev libcmocka-dev libjansson-dev nettle-dev
	# MagicDNS: sd-bus for systemd-resolved; dbus-daemon + python3-dbus for its D-Bus mock test
	libsystemd-dev dbus-daemon python3-dbus python3-gi
	clang llvm libclang-rt-14-dev
	python3 python3-yaml python3-pyroute2 python3-scapy jq
	# make bench-native's host profile of the User-Mode Linux kernel
	linux-perf
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# linux-image is fetched by the VM harness with 'apt-get download' into its cache
# instead of being installed: the host never boots it, and installing it would
# run bootloader and initramfs hooks for nothing.
apt-get install -y -q --no-install-recommends "${packages[@]}"
