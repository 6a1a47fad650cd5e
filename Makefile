# SPDX-License-Identifier: GPL-2.0
# burrow: top-level build. 'make help' lists the targets.

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

# Kernel to build the module against: KDIR wins; else the running kernel's
# build tree when it exists; else the newest installed linux-headers.
ifeq ($(origin KDIR), undefined)
  ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
    KDIR := /lib/modules/$(shell uname -r)/build
    KDIR_REASON := the running kernel's build tree
  else
    KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
    KDIR_REASON := the newest installed linux-headers (the running kernel has none)
  endif
else
  KDIR_REASON := KDIR given
endif
KVER := $(patsubst linux-headers-%,%,$(notdir $(realpath $(KDIR)/..)))
ifeq ($(filter linux-headers-%,$(notdir $(KDIR))),$(notdir $(KDIR)))
  KVER := $(patsubst linux-headers-%,%,$(notdir $(KDIR)))
endif

BUILD := build
CC ?= cc
CFLAGS ?= -O2 -g
BURROW_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Inetlink/uapi -Inetlink/lib -DBURROW_VERSION='"$(VERSION)"'
MNL_CFLAGS := $(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
GNUTLS_CFLAGS := $(shell pkg-config --cflags gnutls 2>/dev/null)
GNUTLS_LIBS := $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)

LIB_SRCS := $(wildcard netlink/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libburrow-nl.a
TOOL_SRCS := $(wildcard tools/burrow-nl/*.c)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
TOOL_LIB_OBJS := $(filter-out $(BUILD)/tools/burrow-nl/main.o,$(TOOL_OBJS))
TOOL := $(BUILD)/burrow-nl
UNIT_SRCS := $(wildcard selftests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:selftests/unit/%.c=$(BUILD)/unit/%)

PREFIX ?= /usr/local
KERNEL ?= distro
TESTS ?=

.PHONY: all help module module-clean userspace test-fixtures unit-test netlink-gen netlink-check \
	deps dkms-install dkms-build vm-test vm-shell check bench bench-native fuzz demo install clean \
	quic-tshark-check

all: module userspace

help:
	@echo "Build"
	@echo "  make / make all      build burrow.ko (KDIR=$(KDIR)) and userspace"
	@echo "  make module          build $(MODULE_DIR)/burrow.ko only (W=1: extra warnings, C=2: sparse,"
	@echo "                       BURROW_SELFTEST=1: with the in-module selftests, MODULE_DIR=DIR)"
	@echo "  make module-clean    remove the module's build directory (MODULE_DIR=$(MODULE_DIR))"
	@echo "  make userspace       build burrow-nl, burrowd, burrow-coord and the iproute2 plugin"
	@echo "  make netlink-gen     regenerate the UAPI header and kernel policies from netlink/burrow.yaml"
	@echo "  make netlink-check   fail if the generated netlink files are stale"
	@echo "  make clean           remove build/ (and MODULE_DIR)"
	@echo "Install"
	@echo "  make deps            install every Debian package the project needs"
	@echo "  make dkms-build      register this checkout with DKMS and build for $(KVER) (DKMS_TREE=DIR: private tree)"
	@echo "  make dkms-install    dkms-build, then install the module with DKMS"
	@echo "  make install         install burrow-nl, burrowd, burrow-coord, the ip plugin, man page and completion (PREFIX, DESTDIR)"
	@echo "Test"
	@echo "  make check           build, spec check, unit tests, VM suite on the distro and debug kernels, tshark"
	@echo "  make unit-test       the cmocka unit tests in selftests/unit"
	@echo "  make test-fixtures   the helper programs the VM tests run (burrow-nl-raw, fuzzers, ...)"
	@echo "  make vm-test KERNEL=distro|debug TESTS='<glob>...'   run VM tests (no TESTS: all)"
	@echo "  make vm-shell KERNEL=distro|debug                   interactive guest"
	@echo "  make quic-tshark-check  tshark over the quic captures in the last vm-test log (KERNEL=...)"
	@echo "  make fuzz            run the libFuzzer targets of burrowd's parsers (selftests/fuzz)"
	@echo "  make bench           burrow vs WireGuard vs veth in one guest (docs/performance.md)"
	@echo "  make bench-native    the same at native CPU speed under User-Mode Linux, 1 CPU"
	@echo "  make bench-coord-policy  coordinator policy engine costs at 1k/10k/50k nodes"
	@echo "  make bench-coord-reload  a policy reload's engine work, full against affected-only"
	@echo "  make bench-quic-memory  heap per established QUIC connection, by layer"
	@echo "  make bench-coord     burrow-coord with 1k/10k/50k connected QUIC nodes and churn"
	@echo "                       (BENCH_COORD_NODES=1000,10000,50000 selects sizes)"
	@echo "  make demo            boot a guest: a burrowd hub and two members, then a burrow-coord"
	@echo "                       mesh of three nodes (DEMO=hub or DEMO=mesh for one)"
	@echo "  make help            this list"
	@echo "selftests/README.md says where each kind of test lives."

# ---- kernel module -----------------------------------------------------------

# Kbuild writes its objects next to the sources, so the module is built in
# MODULE_DIR, a tree of relative symlinks mirroring Kbuild, dkms.conf, kmod/
# (recursively) and the UAPI headers; the checkout itself stays free of build
# products. The mirror is remade on every build, so an added, renamed or
# removed source file needs no change here; objects of files that are gone
# stay behind unused (Kbuild lists the objects it links).
MODULE_DIR ?= $(BUILD)/kmod
MODULE_SOURCES = Kbuild dkms.conf $$(find kmod netlink/uapi -type f -name '*.[ch]')

module:
	@echo "burrow: building burrow.ko in $(MODULE_DIR) against $(KDIR) ($(KDIR_REASON))"
	@mkdir -p $(MODULE_DIR) && find $(MODULE_DIR) -type l -delete
	@for f in $(MODULE_SOURCES); do \
		mkdir -p $(MODULE_DIR)/$$(dirname $$f) && ln -sr $$f $(MODULE_DIR)/$$f || exit 1; \
	done
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_DIR)) modules

module-clean:
	rm -rf $(MODULE_DIR)

# ---- userspace ---------------------------------------------------------------
# 'userspace' is the product: burrow-nl, burrowd and the ip plugin.
# 'test-fixtures' are programs only the VM tests run; the VM harness builds
# them (selftests/vm/run.sh) and copies them into the guest, 'make' does not.

userspace: $(TOOL)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(GNUTLS_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(TOOL): $(TOOL_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(MNL_LIBS) $(JANSSON_LIBS)

# Unit tests link the library and every burrow-nl object but its main().
$(BUILD)/unit/%: selftests/unit/%.c $(TOOL_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -Itools/burrow-nl -o $@ $< \
		$(TOOL_LIB_OBJS) $(LIB) $(MNL_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS)

# The codec's test compares it with GnuTLS's decoders, which it replaced.
$(BUILD)/unit/test_encoding: selftests/unit/test_encoding.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(GNUTLS_CFLAGS) -o $@ $< $(LIB) $(GNUTLS_LIBS) $(CMOCKA_LIBS)

unit-test: $(UNIT_BINS)
	bash selftests/unit/run.sh $(UNIT_BINS)

netlink-gen:
	/usr/bin/python3 netlink/gen.py

netlink-check:
	/usr/bin/python3 netlink/gen.py --check

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d)

# burrow-nl-raw: hand-made requests for the VM's netlink validation tests.
# Its unit test (selftests/unit/test_raw.c) links its builder, not burrow-nl's.
RAW_SRCS := $(wildcard tools/burrow-nl-raw/*.c)
RAW_OBJS := $(RAW_SRCS:%.c=$(BUILD)/%.o)
RAW_LIB_OBJS := $(filter-out $(BUILD)/tools/burrow-nl-raw/main.o,$(RAW_OBJS))
RAW := $(BUILD)/burrow-nl-raw

test-fixtures: $(RAW)

$(RAW): $(RAW_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(RAW_OBJS) $(LIB) $(MNL_LIBS)

$(BUILD)/unit/test_raw: selftests/unit/test_raw.c $(RAW_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -Itools/burrow-nl-raw -o $@ $< \
		$(RAW_LIB_OBJS) $(LIB) $(MNL_LIBS) $(CMOCKA_LIBS)

-include $(RAW_OBJS:.o=.d)

# burrow-harden: reproducers for the kernel hardening tests (selftests/net/harden-*.sh).
HARDEN := $(BUILD)/burrow-harden

test-fixtures: $(HARDEN)

$(HARDEN): tools/burrow-harden/burrow-harden.c netlink/uapi/linux/burrow.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -o $@ $< $(MNL_LIBS) -lpthread

# link_burrow.so: iproute2 plugin so "ip -d link show" prints burrow details.
# Its undefined print_* symbols resolve against the ip binary at dlopen().
IP_PLUGIN := $(BUILD)/link_burrow.so
IP_LIB_DIR ?= /usr/lib/$(shell $(CC) -print-multiarch)/ip

userspace: $(IP_PLUGIN)

$(IP_PLUGIN): tools/iproute2/link_burrow.c netlink/uapi/linux/burrow_link.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra -Werror -Inetlink/uapi -fPIC -shared -o $@ $<

# ---- burrowd ------------------------------------------------------------------
# Every userspace/*.c is part of the daemon; burrowd.c holds main(). Unit
# tests named test_burrowd_* or test_quic_* link the daemon's other objects.
DAEMON_SRCS := $(wildcard userspace/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
DAEMON_LIB_OBJS := $(filter-out $(BUILD)/userspace/burrowd.o,$(DAEMON_OBJS))
DAEMON := $(BUILD)/burrowd
DAEMON_PKGS := libngtcp2 libngtcp2_crypto_gnutls gnutls nettle hogweed sqlite3 inih libsystemd
DAEMON_CFLAGS := $(shell pkg-config --cflags $(DAEMON_PKGS) 2>/dev/null) -Iuserspace
DAEMON_LIBS := $(shell pkg-config --libs $(DAEMON_PKGS) 2>/dev/null || \
	echo -lngtcp2_crypto_gnutls -lngtcp2 -lgnutls -lhogweed -lnettle -lsqlite3 -linih -lsystemd)

$(BUILD)/userspace/%.o: userspace/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -MMD -MP -c -o $@ $<

ifneq ($(wildcard userspace/burrowd.c),)
userspace: $(DAEMON)
endif

$(DAEMON): $(DAEMON_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(DAEMON_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS)

$(BUILD)/unit/test_burrowd_%: selftests/unit/test_burrowd_%.c $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -o $@ $< \
		$(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(CMOCKA_LIBS)

$(BUILD)/unit/test_quic_%: selftests/unit/test_quic_%.c $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -o $@ $< \
		$(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(CMOCKA_LIBS)

-include $(DAEMON_OBJS:.o=.d)

# MagicDNS's parser test carries a fuzz of 200,000 queries: it is built from
# dns.c (and log.c, for burrow_errorf) alone with AddressSanitizer and UBSan,
# so a bad read fails the run.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/unit/test_burrowd_dns: selftests/unit/test_burrowd_dns.c userspace/dns.c userspace/dns.h userspace/log.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(BURROW_CFLAGS) -Iuserspace -o $@ $< userspace/dns.c userspace/log.c \
		$(CMOCKA_LIBS)

# Relay tickets' test carries a fuzz of 20,000 mutated tickets: built from
# relay_ticket.c, identity.c and log.c with the same sanitizers.
$(BUILD)/unit/test_burrowd_relay_ticket: selftests/unit/test_burrowd_relay_ticket.c \
		userspace/relay_ticket.c userspace/relay_ticket.h userspace/identity.c userspace/log.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(BURROW_CFLAGS) $(GNUTLS_CFLAGS) -Iuserspace -o $@ $< \
		userspace/relay_ticket.c userspace/identity.c userspace/log.c $(LIB) $(GNUTLS_LIBS) \
		$(CMOCKA_LIBS)


# ---- burrow-coord -------------------------------------------------------------
# The coordination server: userspace/coord/*.c on top of burrowd's shared
# objects (QUIC, identity, config, store); coord/main.c holds main(). Unit
# tests named test_coord_* link the coordinator's other objects and burrowd's.
COORD_SRCS := $(wildcard userspace/coord/*.c)
COORD_OBJS := $(COORD_SRCS:%.c=$(BUILD)/%.o)
COORD_LIB_OBJS := $(filter-out $(BUILD)/userspace/coord/main.o,$(COORD_OBJS))
COORD := $(BUILD)/burrow-coord

ifneq ($(wildcard userspace/coord/main.c),)
userspace: $(COORD)
endif

$(COORD): $(COORD_OBJS) $(DAEMON_LIB_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(COORD_OBJS) $(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(JANSSON_LIBS)

$(BUILD)/unit/test_coord_%: selftests/unit/test_coord_%.c $(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -Iuserspace/coord -o $@ $< \
		$(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS)

-include $(COORD_OBJS:.o=.d)

# burrowd-capsule-client: a test peer (real QUIC handshake, then crafted
# capsules) for the VM tests; it links burrowd's own objects.
CAPSULE_CLIENT := $(BUILD)/burrowd-capsule-client

test-fixtures: $(CAPSULE_CLIENT)

$(CAPSULE_CLIENT): selftests/burrowd-client/capsule-client.c $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -o $@ $< \
		$(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS)

# ---- packages, DKMS, install ---------------------------------------------------

deps:
	bash tools/install-deps.sh

# Register this checkout with DKMS and build for $(KVER). Any earlier
# registration of the same version (say, from another checkout) is replaced.
# DKMS_TREE=DIR keeps the whole registration (sources and build) under DIR,
# so several checkouts can build at once without touching /usr/src or
# /var/lib/dkms; the VM harness uses it.
DKMS_TREE ?=
DKMS_OPTS := $(if $(DKMS_TREE),--dkmstree $(abspath $(DKMS_TREE))/var --sourcetree $(abspath $(DKMS_TREE))/src)
DKMS_SRC := $(if $(DKMS_TREE),$(abspath $(DKMS_TREE))/src,/usr/src)
# A private tree (DKMS_TREE) is wiped whole: 'dkms remove' cannot clean one
# that an interrupted build left half made, and 'dkms add' then refuses.
# DKMS gets a copy of the module's sources only, not the checkout: the
# checkout's build/ holds objects built for other kernels and may be the
# private tree itself. kmod/ is copied whole, subdirectories included.
DKMS_SOURCES := Kbuild Makefile dkms.conf COPYING LICENSE \
	$(shell find kmod netlink/uapi -type f -name '*.[ch]')
dkms-build:
	$(if $(DKMS_TREE),rm -rf $(abspath $(DKMS_TREE)),-dkms remove burrow/$(VERSION) --all >/dev/null 2>&1)
	rm -rf $(DKMS_SRC)/burrow-$(VERSION)
	$(if $(DKMS_TREE),mkdir -p $(abspath $(DKMS_TREE))/var)
	mkdir -p $(DKMS_SRC)/burrow-$(VERSION)
	cp --parents $(DKMS_SOURCES) $(DKMS_SRC)/burrow-$(VERSION)/
	dkms add $(DKMS_OPTS) burrow/$(VERSION)
	dkms build $(DKMS_OPTS) burrow/$(VERSION) -k $(KVER)

dkms-install: dkms-build
	dkms install burrow/$(VERSION) -k $(KVER)

install: userspace
	install -D -m 0755 $(TOOL) $(DESTDIR)$(PREFIX)/sbin/burrow-nl
	install -D -m 0644 $(IP_PLUGIN) $(DESTDIR)$(IP_LIB_DIR)/link_burrow.so
	install -D -m 0644 tools/burrow-nl/burrow-nl.8 $(DESTDIR)$(PREFIX)/share/man/man8/burrow-nl.8
	install -D -m 0644 tools/burrow-nl/burrow-nl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/burrow-nl
	if [ -f $(DAEMON) ]; then install -D -m 0755 $(DAEMON) $(DESTDIR)$(PREFIX)/sbin/burrowd; fi
	if [ -f $(COORD) ]; then install -D -m 0755 $(COORD) $(DESTDIR)$(PREFIX)/sbin/burrow-coord; fi

# ---- tests -------------------------------------------------------------------

vm-test: all
	bash selftests/vm/run.sh --kernel $(KERNEL) --tests '$(TESTS)'

vm-shell: all
	bash selftests/vm/run.sh --kernel $(KERNEL) --shell

check:
	bash selftests/check.sh

bench: all
	bash selftests/bench/run.sh

bench-native: all
	bash selftests/bench/native.sh

# libFuzzer targets for burrowd's capsule and HELLO parsers (not in 'make check').
fuzz:
	$(MAKE) -C selftests/fuzz

demo:
	bash tools/demo.sh

clean:
	rm -rf $(BUILD) $(MODULE_DIR)

# quic-decode and quic-reader: the quic tests' independent decoder (GnuTLS
# only, no code shared with the module) and the socket reader that shows
# what the kernel leaves to userspace. Both go into the VM image.
QUIC_DECODE := $(BUILD)/quic-decode
QUIC_READER := $(BUILD)/quic-reader

test-fixtures: $(QUIC_DECODE) $(QUIC_READER)

$(QUIC_DECODE): selftests/quic-decoder/quic-decode.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(GNUTLS_CFLAGS) -o $@ $< $(GNUTLS_LIBS)

$(QUIC_READER): selftests/quic-decoder/quic-reader.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -o $@ $< $(LIB) $(MNL_LIBS)

# tshark on the host over the captures quic-decoder.sh and burrowd-capture.sh
# printed into the serial log of the last vm-test run (tshark is too big for
# the guest).
quic-tshark-check:
	bash selftests/quic-decoder/tshark-check.sh $(BUILD)/vm-$(KERNEL).log
	bash selftests/quic-decoder/tshark-control-check.sh $(BUILD)/vm-$(KERNEL).log

# burrow-genl-fuzz and burrow-pkt-fuzz: the kernel fuzzers of the VM suite
# (selftests/net/genl-fuzz.sh, selftests/net/packet-fuzz.sh). Both go into
# the VM image.
GENL_FUZZ := $(BUILD)/burrow-genl-fuzz
PKT_FUZZ := $(BUILD)/burrow-pkt-fuzz

# burrow-l2-send: raw Ethernet frames (MAC floods, VLAN tags) for net/l2-*.sh.
L2_SEND := $(BUILD)/burrow-l2-send

test-fixtures: $(GENL_FUZZ) $(PKT_FUZZ) $(L2_SEND)

$(L2_SEND): selftests/fuzz-kernel/l2-send.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) -o $@ $<

$(GENL_FUZZ): selftests/fuzz-kernel/genl-fuzz.c netlink/uapi/linux/burrow.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -o $@ $< $(MNL_LIBS)

$(PKT_FUZZ): selftests/fuzz-kernel/packet-fuzz.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) -o $@ $< $(LIB) $(MNL_LIBS)

# ---- coord-policy-bench ----------------------------------------------------------
# The policy engine's costs at 1k, 10k and 50k nodes (docs/performance.md).
COORD_POLICY_BENCH := $(BUILD)/coord-policy-bench

bench-coord-policy: $(COORD_POLICY_BENCH)
	$(COORD_POLICY_BENCH)

$(COORD_POLICY_BENCH): selftests/bench/coord-policy-bench.c $(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -Iuserspace/coord -o $@ $< \
		$(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(JANSSON_LIBS)

.PHONY: bench-coord-policy

# ---- coord-reload-bench --------------------------------------------------------
# The policy engine's part of a policy reload, full recompute against
# affected-only, on bench-coord's network at 1k, 10k and 50k nodes.
COORD_RELOAD_BENCH := $(BUILD)/coord-reload-bench

bench-coord-reload: $(COORD_RELOAD_BENCH)
	$(COORD_RELOAD_BENCH)

$(COORD_RELOAD_BENCH): selftests/bench/coord-reload-bench.c $(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -Iuserspace/coord -o $@ $< \
		$(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(JANSSON_LIBS)

.PHONY: bench-coord-reload

# ---- quic-memory ---------------------------------------------------------------
# Heap per established QUIC connection, by layer (docs/performance.md).
QUIC_MEMORY_BENCH := $(BUILD)/quic-memory

bench-quic-memory: $(QUIC_MEMORY_BENCH)
	$(QUIC_MEMORY_BENCH) 300

$(QUIC_MEMORY_BENCH): selftests/bench/quic-memory.c $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -o $@ $< \
		$(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS)

.PHONY: bench-quic-memory

# ---- coord-bench -----------------------------------------------------------------
# burrow-coord run as its own process with 1k, 10k and 50k QUIC nodes (docs/performance.md).
COORD_BENCH := $(BUILD)/coord-bench

bench-coord: $(COORD_BENCH) $(COORD)
	BENCH_COORD_BIN=$(COORD) $(COORD_BENCH)

$(COORD_BENCH): selftests/bench/coord-bench.c $(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BURROW_CFLAGS) $(MNL_CFLAGS) $(DAEMON_CFLAGS) -Iuserspace/coord -o $@ $< \
		$(COORD_LIB_OBJS) $(DAEMON_LIB_OBJS) $(LIB) $(MNL_LIBS) $(DAEMON_LIBS) $(JANSSON_LIBS)

.PHONY: bench-coord
