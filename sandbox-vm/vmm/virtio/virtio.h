/* virtio inside the VMM: the split virtqueue (core.c), the virtio-mmio v2
 * transport (mmio.c) and the device ops table each device file fills. */
#ifndef SILO_KVM_VIRTIO_H
#define SILO_KVM_VIRTIO_H

#include <sys/uio.h>

#include "../internal.h"

#define VIRTIO_MAX_QUEUES 4
#define VQ_MAX_SEGS 64

struct virt_queue
{
  uint16_t num; /* 0 until the driver writes QUEUE_NUM */
  bool ready;
  uint64_t desc_gpa, avail_gpa, used_gpa;
  uint16_t last_avail; /* next avail ring slot the device reads */
  uint16_t used_idx;   /* next used ring slot the device writes */
};

/* One descriptor chain: device-readable (out) then device-writable (in)
 * buffers, already translated to host pointers. */
struct vq_chain
{
  uint16_t head;
  int n_out, n_in;
  size_t out_len, in_len;
  struct iovec out[VQ_MAX_SEGS], in[VQ_MAX_SEGS];
};

/* Check that the rings of a queue lie in guest RAM (at QUEUE_READY). */
bool vq_valid (const struct guest_mem *m, const struct virt_queue *vq);
/* 1 = a chain was popped, 0 = ring empty, < 0 = malformed chain (the
 * device should then be marked as needing a reset). */
int vq_pop (const struct guest_mem *m, struct virt_queue *vq, struct vq_chain *c);
void vq_push (const struct guest_mem *m, struct virt_queue *vq, uint16_t head, uint32_t len);
/* Has the driver asked not to be interrupted (VRING_AVAIL_F_NO_INTERRUPT)? */
bool vq_wants_irq (const struct guest_mem *m, const struct virt_queue *vq);
/* Copy between a flat buffer and an iovec array; return bytes copied. */
size_t iov_to_buf (const struct iovec *iov, int n, void *buf, size_t len);
size_t iov_from_buf (const struct iovec *iov, int n, const void *buf, size_t len);

struct virtio_dev;
struct virtio_ops
{
  const char *name;
  uint32_t device_id;
  uint64_t features; /* device-specific bits; the transport adds VERSION_1 and INDIRECT_DESC */
  int num_queues;
  uint16_t queue_max;
  void (*config) (struct virtio_dev *vdev, uint64_t off, uint8_t *data, uint32_t len, bool is_write);
  /* A queue was kicked: called with vdev->lock held, on a vCPU thread. */
  void (*notify) (struct virtio_dev *vdev, int queue);
  /* DRIVER_OK set / device reset: called without the lock. */
  void (*activate) (struct virtio_dev *vdev);
  void (*reset) (struct virtio_dev *vdev);
};

struct virtio_dev
{
  struct device_header dev;
  const struct virtio_ops *ops;
  void *priv;
  const struct guest_mem *mem;
  struct vm *vm; /* NULL in host-side tests */
  void (*raise_irq) (struct virtio_dev *vdev);
  pthread_mutex_t lock;
  uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel, isr, cfg_generation;
  uint64_t drv_features;
  struct virt_queue vqs[VIRTIO_MAX_QUEUES];
};

/* Set up vdev (mem, ops, priv, lock), allocate its window and IRQ, trap the
 * window and register the device (adds its virtio_mmio.device= entry). */
int virtio_mmio_init (struct vm *vm, struct virtio_dev *vdev, const struct virtio_ops *ops,
                      void *priv, silo_error_t *err);
/* Prepare vdev without a VM (host-side tests): irq is a callback. */
void virtio_dev_setup (struct virtio_dev *vdev, const struct guest_mem *mem,
                       const struct virtio_ops *ops, void *priv);
void virtio_dev_teardown (struct virtio_dev *vdev);
/* The trap callback of the MMIO window. */
void virtio_mmio_access (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write);
/* Mark used buffers on a queue and interrupt the driver (lock held). */
void virtio_signal_used (struct virtio_dev *vdev, int queue);
/* At the start of a device's own thread: the device role's seccomp list
 * (vmm_thread_confine). false: it could not be loaded, the VM is stopped
 * with the error (a host-side test only warns) and the thread must end. */
bool virtio_thread_confine (struct virtio_dev *vdev);
/* A chain the device cannot parse: VIRTIO_CONFIG_S_NEEDS_RESET (lock held). */
void virtio_set_broken (struct virtio_dev *vdev, const char *why);

#endif
