/* Split virtqueue (virtio 1.x, section 2.7): descriptor chains, indirect
 * tables, the used ring. Everything read from guest memory is bounds-checked
 * through gmem_ptr; a chain longer than the queue is a loop and is refused.
 * The ring indices are shared with the guest: loads of avail.idx are
 * acquires and stores of used.idx releases, so descriptor contents and used
 * elements are ordered against them. */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "virtio.h"

static uint64_t
desc_size (const struct virt_queue *vq)
{
  return 16ULL * vq->num;
}

bool
vq_valid (const struct guest_mem *m, const struct virt_queue *vq)
{
  if (vq->num == 0 || (vq->num & (vq->num - 1)))
    return false;
  /* The alignment virtio 1.x asks for (2.7): the rings are read as arrays. */
  if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
    return false;
  return gmem_ptr (m, vq->desc_gpa, desc_size (vq)) && gmem_ptr (m, vq->avail_gpa, 6 + 2 * vq->num)
         && gmem_ptr (m, vq->used_gpa, 6 + 8 * vq->num);
}

static int
add_segment (const struct guest_mem *m, struct vq_chain *c, const struct vring_desc *d)
{
  void *p = gmem_ptr (m, d->addr, d->len);

  if (p == NULL && d->len)
    return -EFAULT;
  if (d->flags & VRING_DESC_F_WRITE)
    {
      if (c->n_in == VQ_MAX_SEGS)
        return -E2BIG;
      c->in[c->n_in++] = (struct iovec){ p, d->len };
      c->in_len += d->len;
    }
  else
    {
      if (c->n_in > 0 || c->n_out == VQ_MAX_SEGS) /* readable after writable: malformed */
        return -EINVAL;
      c->out[c->n_out++] = (struct iovec){ p, d->len };
      c->out_len += d->len;
    }
  return 0;
}

/* Walk a table of `num` descriptors starting at `idx`. */
static int
walk_table (const struct guest_mem *m, const struct vring_desc *table, uint32_t num, uint16_t idx,
            bool top, struct vq_chain *c)
{
  uint32_t seen;
  int ret;

  for (seen = 0; seen < num; seen++)
    {
      struct vring_desc d;
      if (idx >= num)
        return -EINVAL;
      memcpy (&d, &table[idx], sizeof (d));
      if (d.flags & VRING_DESC_F_INDIRECT)
        {
          const struct vring_desc *ind = gmem_ptr (m, d.addr, d.len);
          if (!top || ind == NULL || d.len == 0 || d.len % sizeof (d))
            return -EINVAL; /* no nesting, and the table must be in RAM */
          ret = walk_table (m, ind, d.len / sizeof (d), 0, false, c);
        }
      else
        ret = add_segment (m, c, &d);
      if (ret < 0)
        return ret;
      if (!(d.flags & VRING_DESC_F_NEXT) || (d.flags & VRING_DESC_F_INDIRECT))
        return 0;
      idx = d.next;
    }
  return -ELOOP;
}

int
vq_pop (const struct guest_mem *m, struct virt_queue *vq, struct vq_chain *c)
{
  struct vring_avail *avail = gmem_ptr (m, vq->avail_gpa, 4 + 2 * vq->num);
  const struct vring_desc *desc = gmem_ptr (m, vq->desc_gpa, desc_size (vq));
  uint16_t avail_idx, head;

  if (!vq->ready || avail == NULL || desc == NULL)
    return 0;
  avail_idx = __atomic_load_n (&avail->idx, __ATOMIC_ACQUIRE);
  if (avail_idx == vq->last_avail)
    return 0;
  if ((uint16_t) (avail_idx - vq->last_avail) > vq->num)
    return -EINVAL;
  head = avail->ring[vq->last_avail % vq->num];
  vq->last_avail++;
  memset (c, 0, offsetof (struct vq_chain, out));
  c->head = head;
  return walk_table (m, desc, vq->num, head, true, c) < 0 ? -EINVAL : 1;
}

void
vq_push (const struct guest_mem *m, struct virt_queue *vq, uint16_t head, uint32_t len)
{
  struct vring_used *used = gmem_ptr (m, vq->used_gpa, 4 + 8 * vq->num);

  if (used == NULL || vq->num == 0) /* a reset zeroed the queue under a device thread */
    return;
  used->ring[vq->used_idx % vq->num].id = head;
  used->ring[vq->used_idx % vq->num].len = len;
  vq->used_idx++;
  __atomic_store_n (&used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

bool
vq_wants_irq (const struct guest_mem *m, const struct virt_queue *vq)
{
  struct vring_avail *avail = gmem_ptr (m, vq->avail_gpa, 4);

  /* Full fence: our used.idx store must be visible before we read flags. */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  return avail && !(__atomic_load_n (&avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}

size_t
iov_to_buf (const struct iovec *iov, int n, void *buf, size_t len)
{
  size_t done = 0;
  int i;

  for (i = 0; i < n && done < len; i++)
    {
      size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
      if (k) /* an empty buffer may have no address in RAM (NULL) */
        memcpy ((uint8_t *) buf + done, iov[i].iov_base, k);
      done += k;
    }
  return done;
}

size_t
iov_from_buf (const struct iovec *iov, int n, const void *buf, size_t len)
{
  size_t done = 0;
  int i;

  for (i = 0; i < n && done < len; i++)
    {
      size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
      if (k)
        memcpy (iov[i].iov_base, (const uint8_t *) buf + done, k);
      done += k;
    }
  return done;
}
