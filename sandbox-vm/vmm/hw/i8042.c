/* The part of the i8042 keyboard controller a guest uses to power off:
 * `reboot=k` polls the status port until the input buffer is empty and
 * writes 0xfe (pulse reset) to the command port. A micro-VM has no reset,
 * so the pulse ends the VM with a clean status. Data reads return 0. */
#include <string.h>

#include "../internal.h"
#include "../../../util/utils.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define I8042_CMD_RESET 0xfe

struct i8042
{
  struct device_header dev;
  struct vm *vm;
};

static void
i8042_io (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct i8042 *k = opaque;

  if (!is_write)
    {
      memset (data, 0, len); /* status 0: output empty, input buffer free */
      return;
    }
  if (off == 0 && data[0] == I8042_CMD_RESET)
    vm_request_stop (k->vm, 0);
}

static void
i8042_destroy (struct device_header *dev)
{
  free (dev->data);
}

int
i8042_init (struct vm *vm, silo_error_t *err)
{
  struct i8042 *k = xmalloc0 (sizeof (*k));
  int ret;

  k->vm = vm;
  k->dev = (struct device_header){ .bus = DEVICE_BUS_IOPORT, .name = "i8042", .data = k,
                                   .destroy = i8042_destroy };
  ret = ioport_register (vm, I8042_CMD, 1, i8042_io, k, err);
  if (ret == 0)
    ret = ioport_register (vm, I8042_DATA, 1, i8042_io, k, err);
  if (ret == 0)
    ret = device_register (vm, &k->dev, err);
  if (ret < 0)
    i8042_destroy (&k->dev);
  return ret;
}
