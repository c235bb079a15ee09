/* libFuzzer harness: the split-virtqueue walker (sandbox-vm/vmm/virtio/core.c)
 * over 64 KiB of fake guest memory. Input: 8 bytes of queue layout (log2 of
 * the size, the ring indices, and where desc/avail/used lie), then the
 * memory image (zero-padded). Queues that vq_valid refuses are never used,
 * as the virtio-mmio transport does; every chain popped must lie in RAM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox-vm/vmm/virtio/virtio.h"
#include "util/utils.h"

#define MEM (64u << 10)

static void
check_chain (const struct guest_mem *m, const struct vq_chain *c)
{
  static uint8_t buf[MEM];
  int i;

  for (i = 0; i < c->n_out + c->n_in; i++)
    {
      const struct iovec *v = i < c->n_out ? &c->out[i] : &c->in[i - c->n_out];
      if (v->iov_len && ((uint8_t *) v->iov_base < m->host || v->iov_len > MEM
                         || (uint8_t *) v->iov_base + v->iov_len > m->host + MEM))
        abort ();
    }
  /* Touch every byte both ways, as a device would (ASan checks the pointers). */
  iov_to_buf (c->out, c->n_out, buf, sizeof (buf));
  iov_from_buf (c->in, c->n_in, buf, sizeof (buf));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct guest_mem m = { .host = xmalloc0 (MEM), .size = MEM, .low_size = MEM };
  struct virt_queue vq = { 0 };
  struct vq_chain c;
  int i, ret;

  if (size < 8)
    goto out;
  vq.num = 1u << (data[0] % 9); /* 1..256 */
  vq.last_avail = data[1];
  vq.used_idx = data[1];
  vq.desc_gpa = (uint64_t) data[2] << 8 | data[3];
  vq.avail_gpa = (uint64_t) data[4] << 8 | data[5];
  vq.used_gpa = (uint64_t) data[6] << 8 | data[7];
  memcpy (m.host, data + 8, size - 8 < MEM ? size - 8 : MEM);
  if (!vq_valid (&m, &vq))
    goto out;
  vq.ready = true;
  for (i = 0; i < 2 * 256 && (ret = vq_pop (&m, &vq, &c)) > 0; i++)
    {
      check_chain (&m, &c);
      vq_push (&m, &vq, c.head, c.in_len);
      vq_wants_irq (&m, &vq);
    }
out:
  free (m.host);
  return 0;
}
