# silo — build, test, demo. `make` builds ./silo (and the ./silo-vm alias);
# `make check` installs what is missing, builds and runs every test;
# `make demo` installs, builds and runs the busybox demo bundle.
BUILD ?= build
CC ?= gcc
PKGS := jansson libseccomp libcap libnl-3.0 libnl-route-3.0 libmnl
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -I.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(CPPFLAGS) $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(SAN)
LDLIBS += $(PKG_LIBS)

# Debian packages the build, the tests and the demo need.
DEB_BUILD := gcc make pkg-config libjansson-dev libseccomp-dev libcap-dev \
	libnl-3-dev libnl-route-3-dev libmnl-dev
DEB_TEST := busybox-static iproute2 procps util-linux python3 user-mode-linux universal-ctags \
	runc crun hyperfine time podman containerd strace docker.io curl \
	python3-grpcio python3-grpc-tools containernetworking-plugins catatonit \
	uidmap slirp4netns groff-base
DEB_KERNEL := linux-source-6.1 bc bison flex libelf-dev libssl-dev cpio xz-utils
# The vm tier on hosts without VT-x/AMD-V: QEMU's emulated AMD-V and a
# Debian kernel with kvm_amd as the nested host (tests/nested/run.sh).
DEB_NESTED := qemu-system-x86 linux-image-amd64

.DEFAULT_GOAL := all

# Install those of the Debian packages $(1) that are missing.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

# Each module's module.mk appends its sources to LIB_SRCS (library code linked
# into silo and the unit tests) and may add targets of its own.
LIB_SRCS :=
CLI_SRCS :=
EXTRA_BINS :=
include $(sort $(wildcard */module.mk))
# The VMM lives one level down; it must join LIB_SRCS before LIB_OBJS is expanded.
include sandbox-vm/vmm/vmm.mk
# libFuzzer harnesses (clang, own build dir): `make fuzz`, docs/fuzzing.md.
include tests/fuzz/fuzz.mk

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

.PHONY: all deps deps-vm check check-unit check-e2e check-faults check-asan check-vm demo bench bench-vm \
	install clean guest-kernel
# Helpers and sanitizer builds use their own BUILD dir; only the default one
# gets the ./silo and ./silo-vm links at the top of the tree.
ifeq ($(BUILD),build)
all: $(BUILD)/silo $(BUILD)/silo-vm silo silo-vm $(EXTRA_BINS)
else
all: $(BUILD)/silo $(BUILD)/silo-vm $(EXTRA_BINS)
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libsilo.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# jansson, libseccomp and libcap are linked statically into silo: every
# `run` loads the binary twice (the sealed re-exec), and each shared library
# costs a lookup, mmaps and relocations both times. Measured: `run` median
# 17.6 -> 15.5 ms (bench/run.sh rows, interleaved). libc stays dynamic.
SILO_STATIC_LIBS := -ljansson -lseccomp -lcap
SILO_LDLIBS = -Wl,-Bstatic $(SILO_STATIC_LIBS) -Wl,-Bdynamic \
	$(filter-out $(SILO_STATIC_LIBS),$(LDLIBS))

# Every create/run/exec copies silo into a sealed memfd: keep the file small
# (compressed debug info still serves gdb).
$(BUILD)/silo: $(CLI_OBJS) $(BUILD)/libsilo.a
	$(CC) $(ALL_CFLAGS) -Wl,--compress-debug-sections=zlib -o $@ $^ $(SILO_LDLIBS)

$(BUILD)/silo-vm: $(BUILD)/silo
	ln -sf silo $@

silo: $(BUILD)/silo
	ln -sf $(BUILD)/silo silo

silo-vm: silo
	ln -sf silo silo-vm

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libsilo.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libsilo.a $(LDLIBS)

unit-tests: $(UNIT_BINS)

deps:
	$(call apt_install,$(DEB_BUILD) $(DEB_TEST))

check: deps deps-vm
	$(MAKE) all unit-tests vm-tests
	BUILD=$(BUILD) tests/run.sh

deps-vm:
	$(call apt_install,$(DEB_KERNEL) $(DEB_NESTED))

# What needs hardware virtualization: the guest kernel boot and the sandbox
# suite on the kvm backend; under QEMU's emulated AMD-V where the CPU has no
# vmx/svm (tests/run.sh says which, or why it skipped).
check-vm: deps deps-vm
	$(MAKE) all unit-tests vm-tests
	BUILD=$(BUILD) tests/run.sh vm

check-unit: all unit-tests
	BUILD=$(BUILD) tests/run.sh unit

check-e2e: all
	BUILD=$(BUILD) tests/run.sh e2e

# tests/e2e/faults.sh at every syscall position, not the 50 per verb of
# `make check` (SIGKILL at each, then delete -f, then nothing may be left).
check-faults: deps all
	FAULT_POSITIONS=all E2E_TIMEOUT=1800 BUILD=$(BUILD) tests/run.sh e2e faults

check-asan:
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  CFLAGS="-O1 -g" all unit-tests
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 tests/run.sh unit
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
	  tests/run.sh e2e corpus
	FUZZ_SECONDS=$(or $(FUZZ_CHECK_SECONDS),10) tests/run.sh fuzz

demo: deps all
	tests/demo.sh

bench: deps all
	bench/run.sh

bench-vm: deps all
	bench/vm.sh

install: all
	install -D -m 0755 $(BUILD)/silo $(DESTDIR)/usr/local/bin/silo
	install -D -m 0755 $(BUILD)/silo-agent $(DESTDIR)/usr/local/lib/silo/silo-agent
	@# The guest kernel takes minutes to build: installed when `make guest-kernel` made it.
	if [ -f $(BUILD)/guest-kernel/vmlinux ]; then \
	  install -D -m 0644 $(BUILD)/guest-kernel/vmlinux $(DESTDIR)/usr/local/lib/silo/vmlinux; \
	else \
	  echo "install: no guest kernel built (make guest-kernel); sandbox backend kvm needs one"; \
	fi
	ln -sf silo $(DESTDIR)/usr/local/bin/silo-vm
	install -d $(DESTDIR)/usr/local/share/man/man8
	install -m 0644 docs/man/*.8 $(DESTDIR)/usr/local/share/man/man8/

clean:
	rm -rf build build-* silo silo-vm

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
