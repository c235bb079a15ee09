/* Port I/O traps. Unclaimed ports read as all-ones and swallow writes, as on
 * real hardware, so a guest probing legacy ports (PIC, floppy, VGA) goes on. */
#include <string.h>

#include "internal.h"

int
ioport_register (struct vm *vm, uint16_t port, uint16_t len, trap_fn fn, void *opaque,
                 silo_error_t *err)
{
  return trap_table_add (&vm->pio, port, len, fn, opaque, err);
}

bool
ioport_dispatch (struct vm *vm, uint16_t port, uint8_t *data, uint32_t len, bool is_write)
{
  if (trap_table_dispatch (&vm->pio, port, data, len, is_write))
    return true;
  if (!is_write)
    memset (data, 0xff, len);
  return false;
}
