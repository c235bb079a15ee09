/* virtio-9p device: one request queue, mount tag "silo-root". Requests are
 * answered synchronously on the vCPU thread that kicked the queue; the
 * protocol itself is in 9p-server.c and 9p-ops.c. */
#include <errno.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>
#include <string.h>

#include "9p.h"
#include "virtio.h"
#include "../../../util/utils.h"

#define P9_TAG "silo-root"

struct virtio_9p
{
  struct virtio_dev vdev;
  struct p9_server *server;
  uint8_t *req, *resp; /* P9_MSIZE_MAX each */
};

static void
p9_notify (struct virtio_dev *v, int queue)
{
  struct virtio_9p *d = v->priv;
  struct vq_chain c;
  size_t req_len, resp_len;
  int ret;

  while ((ret = vq_pop (v->mem, &v->vqs[0], &c)) > 0)
    {
      req_len = iov_to_buf (c.out, c.n_out, d->req, P9_MSIZE_MAX);
      resp_len = p9_handle (d->server, d->req, req_len, d->resp,
                            c.in_len < P9_MSIZE_MAX ? c.in_len : P9_MSIZE_MAX);
      iov_from_buf (c.in, c.n_in, d->resp, resp_len);
      vq_push (v->mem, &v->vqs[0], c.head, resp_len);
    }
  if (ret < 0)
    virtio_set_broken (v, "malformed request chain");
  virtio_signal_used (v, 0);
}

static void
p9_config (struct virtio_dev *v, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  uint8_t cfg[2 + sizeof (P9_TAG) - 1] = { sizeof (P9_TAG) - 1, 0 };
  uint32_t i;

  if (is_write)
    return;
  memcpy (cfg + 2, P9_TAG, sizeof (P9_TAG) - 1);
  for (i = 0; i < len; i++)
    data[i] = off + i < sizeof (cfg) ? cfg[off + i] : 0;
}

static const struct virtio_ops p9_ops = {
  .name = "9p", .device_id = VIRTIO_ID_9P, .features = 1ULL << VIRTIO_9P_MOUNT_TAG,
  .num_queues = 1, .queue_max = 128, .config = p9_config, .notify = p9_notify,
};

static void
p9_destroy (struct device_header *dev)
{
  struct virtio_9p *d = dev->data;

  p9_server_free (d->server);
  virtio_dev_teardown (&d->vdev);
  free (d->req);
  free (d->resp);
  free (d);
}

int
virtio_9p_init (struct vm *vm, silo_error_t *err)
{
  struct virtio_9p *d = xmalloc0 (sizeof (*d));
  int ret;

  d->vdev.dev.data = d;
  d->vdev.dev.destroy = p9_destroy;
  d->server = p9_server_new (vm->cfg->share_dir, vm->cfg->share_readonly, err);
  if (d->server == NULL)
    {
      p9_destroy (&d->vdev.dev);
      return -1;
    }
  d->req = xmalloc (P9_MSIZE_MAX);
  d->resp = xmalloc (P9_MSIZE_MAX);
  ret = virtio_mmio_init (vm, &d->vdev, &p9_ops, d, err);
  if (ret < 0)
    p9_destroy (&d->vdev.dev);
  return ret;
}
