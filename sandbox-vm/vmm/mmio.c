/* MMIO traps: every address outside guest RAM that a device claimed. Reads
 * of unclaimed addresses return zeroes (nothing is there). */
#include <string.h>

#include "internal.h"

int
mmio_register (struct vm *vm, uint64_t base, uint64_t len, trap_fn fn, void *opaque,
               silo_error_t *err)
{
  return trap_table_add (&vm->mmio, base, len, fn, opaque, err);
}

bool
mmio_dispatch (struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
  if (trap_table_dispatch (&vm->mmio, addr, data, len, is_write))
    return true;
  if (!is_write)
    memset (data, 0, len);
  return false;
}
