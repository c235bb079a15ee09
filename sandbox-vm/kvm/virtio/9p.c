#include <errno.h>
#include "virtio.h"
int
virtio_9p_init (struct vm *vm, silo_error_t *err)
{
  return silo_make_error (err, ENOSYS, "9p: not yet");
}
