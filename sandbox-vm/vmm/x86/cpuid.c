/* CPUID: what KVM supports, minus what a micro-VM must not advertise, plus
 * the KVM signature leaves so Linux finds kvm-clock and PV features. The
 * filter is a table of (leaf, register, bits) to clear. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "../internal.h"
#include "../../../util/utils.h"

#define MAX_ENTRIES 256
#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001

enum reg { EAX, EBX, ECX, EDX };
struct cpuid_mask
{
  uint32_t leaf;
  enum reg reg;
  uint32_t clear;
  const char *why;
};
static const struct cpuid_mask masks[] = {
  { 1, ECX, 1U << 5, "VMX: no nested virtualization" },
  { 1, ECX, 1U << 6, "SMX" },
  { 1, ECX, 1U << 3, "MONITOR/MWAIT: the VMM does not pass them through" },
  { 1, ECX, 1U << 7 | 1U << 8, "EIST, TM2: no power or thermal management" },
  { 1, EDX, 1U << 22 | 1U << 29, "ACPI thermal, TM" },
  { 6, EAX, 0xffffffff, "thermal and power leaf" },
  { 0xa, EAX, 0xffffffff, "architectural PMU: none" },
  { 0xa, EBX, 0xffffffff, "architectural PMU: none" },
  { 0xa, ECX, 0xffffffff, "architectural PMU: none" },
  { 0xa, EDX, 0xffffffff, "architectural PMU: none" },
  { 0x80000001, ECX, 1U << 2, "SVM: no nested virtualization" },
};

static uint32_t *
reg_of (struct kvm_cpuid_entry2 *e, enum reg r)
{
  switch (r)
    {
    case EAX: return &e->eax;
    case EBX: return &e->ebx;
    case ECX: return &e->ecx;
    default: return &e->edx;
    }
}

static void
filter_entry (struct kvm_cpuid_entry2 *e, int apic_id)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (masks); i++)
    if (masks[i].leaf == e->function)
      *reg_of (e, masks[i].reg) &= ~masks[i].clear;
  switch (e->function)
    {
    case 1:
      e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t) apic_id << 24);
      e->ecx |= 1U << 31; /* running under a hypervisor */
      break;
    case 0xb:
    case 0x1f:
      e->edx = apic_id; /* x2APIC id of this vCPU */
      break;
    case KVM_CPUID_SIGNATURE:
      e->eax = KVM_CPUID_FEATURES;
      memcpy (&e->ebx, "KVMK", 4);
      memcpy (&e->ecx, "VMKV", 4);
      memcpy (&e->edx, "M\0\0\0", 4);
      break;
    }
}

int
x86_setup_cpuid (struct vm *vm, struct vcpu *vcpu, silo_error_t *err)
{
  cleanup_free struct kvm_cpuid2 *c = xmalloc0 (sizeof (*c) + MAX_ENTRIES * sizeof (c->entries[0]));
  uint32_t i;
  int ret;

  c->nent = MAX_ENTRIES;
  ret = kvm_ioctl (vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c, err);
  if (ret < 0)
    return ret;
  /* KVM reports its own signature and kvm-clock bits in the 0x40000000 range
   * on current kernels; the filter only rewrites what must be ours. */
  for (i = 0; i < c->nent; i++)
    filter_entry (&c->entries[i], vcpu->id);
  return kvm_ioctl (vcpu->fd, KVM_SET_CPUID2, c, err);
}
