/* libFuzzer harness: virtio-net transmit (sandbox-vm/vmm/virtio/net.c) over
 * 64 KiB of fake guest memory, frames written to /dev/null. Input: 8 bytes
 * of queue layout as in fuzz_virtqueue (log2 of the size, the ring index,
 * where desc/avail/used lie), then the memory image (zero-padded). Chains
 * of any shape must be dropped or written, never read outside RAM; the
 * device ends either working or marked as needing a reset. */
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-vm/vmm/virtio/net.h"
#include "util/utils.h"

#define MEM (64u << 10)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int null_fd = -1;
  struct guest_mem m = { .host = xmalloc0 (MEM), .size = MEM, .low_size = MEM };
  struct vmm_net cfg = { .mac = { 0x52, 0x54, 0, 0, 0, 1 }, .mtu = 1500 };
  struct virtio_net *n = NULL;
  struct virtio_dev *v;
  struct virt_queue *vq;
  uint8_t conf[32];

  if (null_fd < 0)
    null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (size < 8 || null_fd < 0)
    goto out;
  cfg.tap_fd = null_fd;
  n = virtio_net_new (&m, &cfg, NULL);
  v = virtio_net_vdev (n);
  vq = &v->vqs[NET_TX_QUEUE];
  vq->num = 1u << (data[0] % 9); /* 1..256 */
  vq->last_avail = vq->used_idx = data[1];
  vq->desc_gpa = (uint64_t) data[2] << 8 | data[3];
  vq->avail_gpa = (uint64_t) data[4] << 8 | data[5];
  vq->used_gpa = (uint64_t) data[6] << 8 | data[7];
  memcpy (m.host, data + 8, size - 8 < MEM ? size - 8 : MEM);
  if (!vq_valid (&m, vq))
    goto out;
  vq->ready = true;
  v->status = VIRTIO_CONFIG_S_DRIVER_OK; /* no activation: no receive thread, no tap ioctls */
  pthread_mutex_lock (&v->lock);
  v->ops->notify (v, NET_TX_QUEUE);
  v->ops->config (v, data[1] % 40, conf, sizeof (conf), false);
  pthread_mutex_unlock (&v->lock);
out:
  if (n)
    virtio_net_free (n);
  free (m.host);
  return 0;
}
