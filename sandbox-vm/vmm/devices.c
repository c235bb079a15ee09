/* Device registry: the list the exit stage walks (newest first, i.e. in
 * reverse registration order) and the allocator of virtio-mmio windows and
 * IRQ lines, which also become `virtio_mmio.device=` command-line entries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../../util/utils.h"

int
device_alloc_mmio (struct vm *vm, uint64_t *base, int *irq, silo_error_t *err)
{
  if (vm->irq_next > GUEST_IRQ_LAST)
    return silo_make_error (err, ENOSPC, "no IRQ line left for another virtio device");
  *base = vm->mmio_next;
  *irq = vm->irq_next++;
  vm->mmio_next += GUEST_VIRTIO_MMIO_SIZE;
  return 0;
}

static void
append_cmdline (struct vm *vm, const struct device_header *dev)
{
  char *s = NULL;

  /* Linux parses <size>@<base>:<irq> with memparse, so hex works. */
  xasprintf (&s, "%s%svirtio_mmio.device=0x%llx@0x%llx:%d", vm->cmdline ? vm->cmdline : "",
             vm->cmdline && *vm->cmdline ? " " : "", (unsigned long long) dev->mmio_size,
             (unsigned long long) dev->mmio_base, dev->irq);
  free (vm->cmdline);
  vm->cmdline = s;
}

int
device_register (struct vm *vm, struct device_header *dev, silo_error_t *err)
{
  struct device_header *d;

  for (d = vm->devices; d; d = d->next)
    if (d == dev)
      return silo_make_error (err, EEXIST, "device `%s` registered twice", dev->name);
  if (dev->bus == DEVICE_BUS_MMIO)
    append_cmdline (vm, dev);
  dev->next = vm->devices;
  vm->devices = dev;
  return 0;
}

void
devices_destroy (struct vm *vm)
{
  while (vm->devices)
    {
      struct device_header *d = vm->devices;
      vm->devices = d->next;
      if (d->destroy)
        d->destroy (d);
    }
}
