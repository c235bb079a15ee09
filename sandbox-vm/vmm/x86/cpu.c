/* Boot vCPU state. 64-bit entry: long mode with identity page tables over
 * the first 4 GiB (kernel, zero page, cmdline and the MMIO windows), the GDT
 * the boot protocol asks for, rsi = zero page. PVH entry: flat 32-bit
 * protected mode, paging off, ebx = hvm_start_info. Plus the LAPIC LINT
 * wiring Linux expects from a BIOS (LINT0 ExtINT, LINT1 NMI). */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "../internal.h"
#include "layout.h"

#define CR0_PE 0x1ULL
#define CR0_ET 0x10ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
#define PTE_PRESENT_RW 0x3ULL
#define PTE_HUGE 0x80ULL

/* A GDT entry from base/limit/flags, and the matching kvm_segment. */
static uint64_t
gdt_entry (uint16_t flags, uint32_t base, uint32_t limit)
{
  return ((uint64_t) (base & 0xff000000) << 32) | ((uint64_t) (flags & 0xf0ff) << 40)
         | ((uint64_t) (limit & 0xf0000) << 32) | ((uint64_t) (base & 0xffffff) << 16)
         | (limit & 0xffff);
}

static struct kvm_segment
segment_of (uint64_t e, uint16_t sel)
{
  struct kvm_segment s = {
    .base = ((e >> 16) & 0xffffff) | (((e >> 56) & 0xff) << 24),
    .limit = (uint32_t) (((e >> 32) & 0xf0000) | (e & 0xffff)),
    .selector = sel,
    .type = (e >> 40) & 0xf,
    .s = (e >> 44) & 1,
    .dpl = (e >> 45) & 3,
    .present = (e >> 47) & 1,
    .avl = (e >> 52) & 1,
    .l = (e >> 53) & 1,
    .db = (e >> 54) & 1,
    .g = (e >> 55) & 1,
  };
  if (s.g)
    s.limit = (s.limit << 12) | 0xfff;
  return s;
}

static int
write_page_tables (struct vm *vm, silo_error_t *err)
{
  uint64_t *pml4 = gmem_ptr (&vm->mem, BOOT_PML4, 0x1000);
  uint64_t *pdpt = gmem_ptr (&vm->mem, BOOT_PDPT, 0x1000);
  uint64_t *pd = gmem_ptr (&vm->mem, BOOT_PD, 4 * 0x1000);
  int i;

  if (!pml4 || !pdpt || !pd)
    return silo_make_error (err, ENOMEM, "page tables outside guest memory");
  memset (pml4, 0, 0x1000);
  memset (pdpt, 0, 0x1000);
  pml4[0] = BOOT_PDPT | PTE_PRESENT_RW;
  for (i = 0; i < 4; i++)
    pdpt[i] = (BOOT_PD + i * 0x1000) | PTE_PRESENT_RW;
  for (i = 0; i < 4 * 512; i++)
    pd[i] = ((uint64_t) i << 21) | PTE_PRESENT_RW | PTE_HUGE;
  return 0;
}

static int
setup_sregs (struct vm *vm, struct vcpu *vcpu, silo_error_t *err)
{
  /* 0xa09b: 64-bit code; 0xc09b: 32-bit code (PVH); 0xc093 data; 0x808b TSS. */
  uint64_t gdt[5] = { 0, 0, gdt_entry (vm->boot.pvh ? 0xc09b : 0xa09b, 0, 0xfffff),
                      gdt_entry (0xc093, 0, 0xfffff), gdt_entry (0x808b, 0, 0x67) };
  struct kvm_sregs sregs;
  struct kvm_segment data;
  uint64_t *g = gmem_ptr (&vm->mem, BOOT_GDT_ADDR, sizeof (gdt));
  int ret;

  if (g == NULL)
    return silo_make_error (err, ENOMEM, "GDT outside guest memory");
  memcpy (g, gdt, sizeof (gdt));
  ret = kvm_ioctl (vcpu->fd, KVM_GET_SREGS, &sregs, err);
  if (ret < 0)
    return ret;
  sregs.gdt.base = BOOT_GDT_ADDR;
  sregs.gdt.limit = sizeof (gdt) - 1;
  sregs.idt.base = BOOT_IDT_ADDR;
  sregs.idt.limit = 0; /* any exception before the kernel's IDT is a triple fault */
  sregs.cs = segment_of (gdt[2], BOOT_CS);
  data = segment_of (gdt[3], BOOT_DS);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = segment_of (gdt[4], BOOT_TSS);
  sregs.cr0 = CR0_PE | CR0_ET;
  sregs.cr4 = 0;
  sregs.efer = 0;
  if (!vm->boot.pvh)
    {
      ret = write_page_tables (vm, err);
      if (ret < 0)
        return ret;
      sregs.cr3 = BOOT_PML4;
      sregs.cr4 |= CR4_PAE;
      sregs.cr0 |= CR0_PG;
      sregs.efer |= EFER_LME | EFER_LMA;
    }
  return kvm_ioctl (vcpu->fd, KVM_SET_SREGS, &sregs, err);
}

int
x86_setup_boot_cpu (struct vm *vm, struct vcpu *vcpu, silo_error_t *err)
{
  struct kvm_regs regs = { .rflags = 2, .rip = vm->boot.entry, .rsp = BOOT_STACK, .rbp = BOOT_STACK };
  struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
  int ret;

  if (vm->boot.pvh)
    regs.rbx = vm->boot.zero_page;
  else
    regs.rsi = vm->boot.zero_page;
  ret = setup_sregs (vm, vcpu, err);
  if (ret == 0)
    ret = kvm_ioctl (vcpu->fd, KVM_SET_FPU, &fpu, err);
  if (ret == 0)
    ret = kvm_ioctl (vcpu->fd, KVM_SET_REGS, &regs, err);
  return ret;
}

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static void
set_lvt_mode (struct kvm_lapic_state *s, int reg, uint32_t mode)
{
  uint32_t v;

  memcpy (&v, s->regs + reg, 4);
  v = (v & ~0x700U) | (mode << 8);
  memcpy (s->regs + reg, &v, 4);
}

int
x86_setup_lapic (struct vcpu *vcpu, silo_error_t *err)
{
  struct kvm_lapic_state s;
  int ret;

  ret = kvm_ioctl (vcpu->fd, KVM_GET_LAPIC, &s, err);
  if (ret < 0)
    return ret;
  set_lvt_mode (&s, APIC_LVT0, APIC_MODE_EXTINT);
  set_lvt_mode (&s, APIC_LVT1, APIC_MODE_NMI);
  return kvm_ioctl (vcpu->fd, KVM_SET_LAPIC, &s, err);
}
