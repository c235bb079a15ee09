/* virtio-mmio transport, version 2 (virtio 1.x, section 4.2.2). Registers
 * are 32-bit; the device config space starts at 0x100 and takes any width.
 * Interrupts are edge pulses on the device's IOAPIC pin (the mptable marks
 * every pin edge-triggered), with the cause in INTERRUPT_STATUS. */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "virtio.h"
#include "../../../util/log.h"

#define VIRT_MAGIC 0x74726976 /* "virt" */
#define VIRT_VENDOR 0x4f4c4953 /* "SILO" */

static uint64_t
offered_features (const struct virtio_dev *v)
{
  return v->ops->features | (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
}

static void
mmio_raise_irq (struct virtio_dev *v)
{
  vm_irq_line (v->vm, v->dev.irq, 1);
  vm_irq_line (v->vm, v->dev.irq, 0);
}

void
virtio_signal_used (struct virtio_dev *v, int queue)
{
  if (!vq_wants_irq (v->mem, &v->vqs[queue]))
    return;
  v->isr |= VIRTIO_MMIO_INT_VRING;
  if (v->raise_irq)
    v->raise_irq (v);
}

bool
virtio_thread_confine (struct virtio_dev *v)
{
  silo_error_t err = NULL;

  if (vmm_thread_confine (VMM_THREAD_DEVICE, &err) == 0)
    return true;
  silo_error_wrap (&err, "virtio %s: device thread", v->ops->name);
  if (v->vm) /* stops the VM with this error */
    vm_set_error (v->vm, &err);
  else
    {
      pr_warn ("%s", err->msg);
      silo_error_release (&err);
    }
  return false;
}

void
virtio_set_broken (struct virtio_dev *v, const char *why)
{
  pr_warn ("virtio %s: %s: device needs reset", v->ops->name, why);
  v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
  v->isr |= VIRTIO_MMIO_INT_CONFIG;
  if (v->raise_irq)
    v->raise_irq (v);
}

static uint32_t
read_reg (struct virtio_dev *v, uint64_t off)
{
  struct virt_queue *q = &v->vqs[v->queue_sel];
  bool qok = v->queue_sel < (uint32_t) v->ops->num_queues;

  switch (off)
    {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRT_MAGIC;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return v->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VIRT_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
      return v->dev_feat_sel < 2 ? (uint32_t) (offered_features (v) >> (32 * v->dev_feat_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return qok ? v->ops->queue_max : 0;
    case VIRTIO_MMIO_QUEUE_READY: return qok && q->ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return v->isr;
    case VIRTIO_MMIO_STATUS: return v->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return v->cfg_generation;
    default: return 0;
    }
}

static void
set_addr_half (uint64_t *addr, bool high, uint32_t val)
{
  *addr = high ? (*addr & 0xffffffffULL) | ((uint64_t) val << 32) : (*addr & ~0xffffffffULL) | val;
}

static void
write_queue_reg (struct virtio_dev *v, uint64_t off, uint32_t val)
{
  struct virt_queue *q = &v->vqs[v->queue_sel];

  if (v->queue_sel >= (uint32_t) v->ops->num_queues || (q->ready && off != VIRTIO_MMIO_QUEUE_READY))
    return; /* a live queue's layout cannot change */
  switch (off)
    {
    case VIRTIO_MMIO_QUEUE_NUM:
      q->num = val <= v->ops->queue_max ? val : 0;
      break;
    case VIRTIO_MMIO_QUEUE_READY:
      if (val && !vq_valid (v->mem, q))
        {
          virtio_set_broken (v, "queue rings outside guest memory");
          return;
        }
      q->ready = val != 0;
      break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
      set_addr_half (&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
      break;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
      set_addr_half (&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
      break;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
      set_addr_half (&q->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
      break;
    }
}

/* Returns what to call once the lock is dropped: 1 activate, 2 reset. */
static int
write_status (struct virtio_dev *v, uint32_t val)
{
  uint32_t old = v->status;

  if (val == 0)
    {
      v->status = v->isr = v->drv_features = 0;
      v->queue_sel = v->dev_feat_sel = v->drv_feat_sel = 0;
      memset (v->vqs, 0, sizeof (v->vqs));
      return 2;
    }
  /* FEATURES_OK only sticks when the driver took VERSION_1 and nothing we
   * did not offer; the driver reads it back to learn the verdict. */
  if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)
      && (!(v->drv_features & (1ULL << VIRTIO_F_VERSION_1))
          || (v->drv_features & ~offered_features (v))))
    val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
  v->status = val | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
  return (val & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK) ? 1 : 0;
}

static int
write_reg (struct virtio_dev *v, uint64_t off, uint32_t val)
{
  switch (off)
    {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: v->dev_feat_sel = val; break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: v->drv_feat_sel = val; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
      if (v->drv_feat_sel < 2 && !(v->status & VIRTIO_CONFIG_S_FEATURES_OK))
        set_addr_half (&v->drv_features, v->drv_feat_sel == 1, val);
      break;
    case VIRTIO_MMIO_QUEUE_SEL: v->queue_sel = val < VIRTIO_MAX_QUEUES ? val : VIRTIO_MAX_QUEUES - 1; break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
      if (val < (uint32_t) v->ops->num_queues && v->vqs[val].ready
          && (v->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(v->status & VIRTIO_CONFIG_S_NEEDS_RESET))
        v->ops->notify (v, val);
      break;
    case VIRTIO_MMIO_INTERRUPT_ACK: v->isr &= ~val; break;
    case VIRTIO_MMIO_STATUS: return write_status (v, val);
    default: write_queue_reg (v, off, val); break;
    }
  return 0;
}

void
virtio_mmio_access (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct virtio_dev *v = opaque;
  uint32_t val = 0;
  int after = 0;

  pthread_mutex_lock (&v->lock);
  if (off >= VIRTIO_MMIO_CONFIG)
    {
      if (v->ops->config)
        v->ops->config (v, off - VIRTIO_MMIO_CONFIG, data, len, is_write);
      else if (!is_write)
        memset (data, 0, len);
    }
  else if (len != 4 || (off & 3))
    {
      if (!is_write) /* the spec allows only aligned 32-bit register access */
        memset (data, 0, len);
    }
  else if (is_write)
    {
      memcpy (&val, data, 4);
      after = write_reg (v, off, val);
    }
  else
    {
      val = read_reg (v, off);
      memcpy (data, &val, 4);
    }
  pthread_mutex_unlock (&v->lock);
  if (after == 1 && v->ops->activate)
    v->ops->activate (v);
  else if (after == 2 && v->ops->reset)
    v->ops->reset (v);
}

void
virtio_dev_setup (struct virtio_dev *v, const struct guest_mem *mem, const struct virtio_ops *ops,
                  void *priv)
{
  v->mem = mem;
  v->ops = ops;
  v->priv = priv;
  pthread_mutex_init (&v->lock, NULL);
}

void
virtio_dev_teardown (struct virtio_dev *v)
{
  pthread_mutex_destroy (&v->lock);
}

int
virtio_mmio_init (struct vm *vm, struct virtio_dev *v, const struct virtio_ops *ops, void *priv,
                  silo_error_t *err)
{
  int ret;

  virtio_dev_setup (v, &vm->mem, ops, priv);
  v->vm = vm;
  v->raise_irq = mmio_raise_irq;
  v->dev.bus = DEVICE_BUS_MMIO;
  v->dev.name = ops->name;
  v->dev.mmio_size = GUEST_VIRTIO_MMIO_SIZE;
  ret = device_alloc_mmio (vm, &v->dev.mmio_base, &v->dev.irq, err);
  if (ret == 0)
    ret = mmio_register (vm, v->dev.mmio_base, v->dev.mmio_size, virtio_mmio_access, v, err);
  if (ret == 0)
    ret = device_register (vm, &v->dev, err);
  return ret;
}
