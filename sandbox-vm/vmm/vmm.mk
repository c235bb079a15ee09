# silo's VMM (sandbox-vm/vmm), its test guests and the guest kernel.
# Include from the top Makefile: `include sandbox-vm/vmm/vmm.mk`.
LIB_SRCS += $(wildcard sandbox-vm/vmm/*.c sandbox-vm/vmm/*/*.c)
# The kvm backend (sandbox-vm/backends/kvm.c) calls vmm_run only when the VMM is built.
$(BUILD)/sandbox-vm/backends/kvm.o: CPPFLAGS += -DSILO_HAVE_VMM

# Freestanding test guests (tests/vm-guest): one ELF with a 64-bit entry,
# and the same code flattened behind a minimal setup header as a bzImage.
VM_GUEST_DIR := $(BUILD)/tests/vm-guest
VM_GUEST_CFLAGS := -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-mno-red-zone -mgeneral-regs-only -Os -Wall -Wextra -Werror
VM_GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,tests/vm-guest/guest.ld
VM_GUESTS := $(VM_GUEST_DIR)/guest64.elf $(VM_GUEST_DIR)/guest.bzImage

$(VM_GUEST_DIR)/guest64.elf: tests/vm-guest/entry64.S tests/vm-guest/guest.c tests/vm-guest/virtio.c \
		tests/vm-guest/io.h tests/vm-guest/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(VM_GUEST_CFLAGS) $(VM_GUEST_LDFLAGS) -o $@ $(filter %.S %.c,$^)

$(VM_GUEST_DIR)/bzheader.bin: tests/vm-guest/bzheader.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@.o $<
	objcopy -O binary -j .text $@.o $@

$(VM_GUEST_DIR)/guest.bzImage: $(VM_GUEST_DIR)/bzheader.bin $(VM_GUEST_DIR)/guest64.elf
	objcopy -O binary $(VM_GUEST_DIR)/guest64.elf $@.pm
	cat $(VM_GUEST_DIR)/bzheader.bin $@.pm > $@

# test_vmm runs its VMM tests only when this fragment is part of the build
# (otherwise the VMM is not in libsilo.a and the test reports a skip).
$(BUILD)/tests/unit/test_vmm: $(VM_GUESTS)
$(BUILD)/tests/unit/test_vmm $(BUILD)/tests/unit/test_vmm_net: tests/unit/vmm_test.h
$(BUILD)/tests/unit/test_vmm $(BUILD)/tests/unit/test_vmm_net: ALL_CFLAGS += -DSILO_HAVE_VMM

# Guest kernel: Debian's linux-source-6.1 with sandbox-vm/guest-kernel/silo.config.
# The kernel tree is kept beside $(BUILD), not in it: the top Makefile
# includes every *.d under $(BUILD), and the kernel sources have some.
GUEST_KERNEL_SRC ?= $(BUILD)-linux
guest-kernel: $(BUILD)/guest-kernel/vmlinux
$(BUILD)/guest-kernel/vmlinux: sandbox-vm/guest-kernel/silo.config sandbox-vm/guest-kernel/build.sh | deps-vm
	sandbox-vm/guest-kernel/build.sh $(BUILD)/guest-kernel $(GUEST_KERNEL_SRC)
.PHONY: guest-kernel

# Full-kernel boot test: the guest kernel with an initramfs whose /init
# powers off. test_vmm's test_boot_linux runs it when vmx/svm is present and
# reports a skip with the reason otherwise.
$(VM_GUEST_DIR)/initramfs.cpio: tests/vm-guest/init.c
	@mkdir -p $(VM_GUEST_DIR)/initramfs/dev
	$(CC) -static -Os -o $(VM_GUEST_DIR)/initramfs/init $<
	[ -e $(VM_GUEST_DIR)/initramfs/dev/console ] || mknod $(VM_GUEST_DIR)/initramfs/dev/console c 5 1
	cd $(VM_GUEST_DIR)/initramfs && find . | cpio -o -H newc --quiet > ../initramfs.cpio

vm-tests: guest-kernel $(VM_GUEST_DIR)/initramfs.cpio $(BUILD)/tests/unit/test_vmm
.PHONY: vm-tests
