/* MP table (Intel MP spec 1.4): how Linux finds the vCPUs and the IOAPIC
 * without ACPI. Every IOAPIC pin is an ISA interrupt, edge-triggered and
 * active high, which is how the virtio-mmio lines are raised. */
#include <errno.h>
#include <string.h>

#include "../internal.h"
#include "layout.h"
#include "../../../util/utils.h"

#define IOAPIC_PINS 24

struct __attribute__ ((packed)) mpf
{
  char sig[4];
  uint32_t physptr;
  uint8_t length, rev, checksum, feature[5];
};
struct __attribute__ ((packed)) mpc
{
  char sig[4];
  uint16_t length;
  uint8_t rev, checksum;
  char oem[8], product[12];
  uint32_t oem_ptr;
  uint16_t oem_size, count;
  uint32_t lapic;
  uint32_t reserved;
};
struct __attribute__ ((packed)) mpc_cpu
{
  uint8_t type, apic_id, apic_ver, flags;
  uint32_t signature, features, reserved[2];
};
struct __attribute__ ((packed)) mpc_bus
{
  uint8_t type, id;
  char name[6];
};
struct __attribute__ ((packed)) mpc_ioapic
{
  uint8_t type, id, ver, flags;
  uint32_t addr;
};
struct __attribute__ ((packed)) mpc_intsrc
{
  uint8_t type, irqtype;
  uint16_t irqflag;
  uint8_t srcbus, srcbusirq, dstapic, dstirq;
};

static uint8_t
checksum (const void *p, size_t len)
{
  const uint8_t *b = p;
  uint8_t sum = 0;

  while (len--)
    sum += *b++;
  return (uint8_t) -sum;
}

int
x86_write_mptable (struct vm *vm, silo_error_t *err)
{
  size_t size = sizeof (struct mpf) + sizeof (struct mpc) + vm->cfg->vcpus * sizeof (struct mpc_cpu)
                + sizeof (struct mpc_bus) + sizeof (struct mpc_ioapic)
                + (IOAPIC_PINS + 2) * sizeof (struct mpc_intsrc);
  uint8_t *base = gmem_ptr (&vm->mem, BOOT_MPTABLE, size), *p;
  struct mpf *mpf = (struct mpf *) base;
  struct mpc *mpc = (struct mpc *) (mpf + 1);
  uint8_t ioapic_id = vm->cfg->vcpus;
  int i;

  if (base == NULL || size > BOOT_HIMEM - BOOT_MPTABLE)
    return silo_make_error (err, ENOSPC, "mptable for %d vCPUs does not fit", vm->cfg->vcpus);
  memset (base, 0, size);
  p = (uint8_t *) (mpc + 1);
  for (i = 0; i < vm->cfg->vcpus; i++, p += sizeof (struct mpc_cpu))
    *(struct mpc_cpu *) p = (struct mpc_cpu){ .type = 0, .apic_id = i, .apic_ver = 0x14,
                                              .flags = 1 | (i == 0 ? 2 : 0), .signature = 0x600,
                                              .features = 0x201 };
  *(struct mpc_bus *) p = (struct mpc_bus){ .type = 1, .id = 0, .name = "ISA   " };
  p += sizeof (struct mpc_bus);
  *(struct mpc_ioapic *) p = (struct mpc_ioapic){ .type = 2, .id = ioapic_id, .ver = 0x11, .flags = 1,
                                                  .addr = BOOT_IOAPIC_ADDR };
  p += sizeof (struct mpc_ioapic);
  for (i = 0; i < IOAPIC_PINS; i++, p += sizeof (struct mpc_intsrc))
    *(struct mpc_intsrc *) p = (struct mpc_intsrc){ .type = 3, .irqtype = 0, .srcbus = 0,
                                                    .srcbusirq = i, .dstapic = ioapic_id, .dstirq = i };
  /* LINT0 is ExtINT (the 8259), LINT1 NMI, on every LAPIC. */
  *(struct mpc_intsrc *) p = (struct mpc_intsrc){ .type = 4, .irqtype = 3, .dstapic = 0xff, .dstirq = 0 };
  p += sizeof (struct mpc_intsrc);
  *(struct mpc_intsrc *) p = (struct mpc_intsrc){ .type = 4, .irqtype = 1, .dstapic = 0xff, .dstirq = 1 };
  memcpy (mpc->sig, "PCMP", 4);
  mpc->length = size - sizeof (*mpf);
  mpc->rev = 4;
  memcpy (mpc->oem, "SILO    ", 8);
  memcpy (mpc->product, "MICROVM     ", 12);
  mpc->count = vm->cfg->vcpus + 2 + IOAPIC_PINS + 2;
  mpc->lapic = BOOT_LAPIC_ADDR;
  mpc->checksum = checksum (mpc, mpc->length);
  memcpy (mpf->sig, "_MP_", 4);
  mpf->physptr = BOOT_MPTABLE + sizeof (*mpf);
  mpf->length = 1;
  mpf->rev = 4;
  mpf->checksum = checksum (mpf, sizeof (*mpf));
  return 0;
}
