# libFuzzer harnesses for the parsers of untrusted input (docs/fuzzing.md).
# Built with clang into their own dir, apart from the gcc build; included
# from the top Makefile. `make fuzz` runs each for FUZZ_SECONDS (60).
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_CFLAGS = $(CPPFLAGS) -Wall -Wno-unused-parameter $(PKG_CFLAGS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
# Only what the harnesses reach: util, oci, the protocol, the VMM's parsers and
# the monitor's process view.
FUZZ_LIB_SRCS := $(wildcard util/*.c oci/*.c) sandbox-vm/protocol.c \
	sandbox-vm/vmm/virtio/9p-server.c sandbox-vm/vmm/virtio/9p-ops.c \
	sandbox-vm/vmm/virtio/core.c sandbox-vm/vmm/virtio/mmio.c sandbox-vm/vmm/virtio/net.c \
	sandbox-vm/vmm/devices.c sandbox-vm/vmm/mmio.c sandbox-vm/vmm/x86/boot.c sandbox-vm/vmm/vm.c \
	sandbox-vm/vmm/trap.c sandbox-vm/vmm/confine.c sandbox-vm/allow.c \
	sandbox-vm/monitor/proclist.c sandbox-vm/monitor/procview.c
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libfuzz.a: $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libfuzz.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz:
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/run.sh fuzz

.PHONY: fuzz fuzz-build
-include $(shell find $(FUZZ_BUILD) -name '*.d' -type f 2>/dev/null)
