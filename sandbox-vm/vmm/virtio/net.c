/* virtio-net (device id 1) on a tap fd opened with IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR: one receive and one transmit queue, no control queue.
 *
 * The virtio_net_hdr_v1 the driver puts before every frame (12 bytes: the
 * transport always negotiates VERSION_1) is the tap's vnet header once
 * TUNSETVNETHDRSZ says 12, so frames cross without parsing:
 *  - transmit: on the vCPU thread that kicked the queue, one writev of the
 *    chain's readable buffers (the tap checks the header's offload fields);
 *  - receive: a thread waits for a posted buffer (an eventfd the RX kick
 *    writes) and for the tap, then one readv into that buffer, with a
 *    64 KiB bounce buffer after it for what does not fit. With MRG_RXBUF
 *    (Linux then posts page-sized buffers, not 64 KiB chains for GUEST_TSO)
 *    the rest is copied into more buffers and num_buffers says how many;
 *    without it a frame larger than the buffer is dropped.
 * Offloads the driver accepts for receive become the tap's TUNSETOFFLOAD,
 * so the host stack hands over partial checksums and GSO frames only when
 * the guest takes them. Everything from the guest is checked: chains too
 * short for a header, larger than a GSO frame, or outside RAM (vq_pop) are
 * dropped and counted, never trusted. */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net.h"
#include "../../../util/log.h"
#include "../../../util/utils.h"

#define F(bit) (1ULL << VIRTIO_NET_F_##bit)
#define NET_FEATURES                                                                               \
  (F (CSUM) | F (GUEST_CSUM) | F (MAC) | F (GUEST_TSO4) | F (GUEST_TSO6) | F (GUEST_ECN)           \
   | F (HOST_TSO4) | F (HOST_TSO6) | F (HOST_ECN) | F (MRG_RXBUF) | F (STATUS))
#define NET_HDR_LEN sizeof (struct virtio_net_hdr_v1)
/* The largest frame after the header: a 64 KiB GSO packet plus link headers. */
#define NET_FRAME_MAX (65536 + 64)
#define NET_QUEUE_MAX 256

struct rx_used
{
  uint16_t head;
  uint32_t len;
};

struct virtio_net
{
  struct virtio_dev vdev;
  struct virtio_ops ops; /* per device: MTU is offered only when there is one */
  int tap_fd;
  int kick_fd; /* eventfd: the driver posted receive buffers */
  int stop_fd; /* eventfd: the receive thread ends */
  uint8_t mac[6];
  uint16_t mtu;
  bool mrg;    /* MRG_RXBUF negotiated (set before the receive thread starts) */
  pthread_mutex_t life_lock; /* activate/reset: two vCPUs may race them */
  pthread_t rx_thread;
  bool rx_running;
  /* Receive thread only. */
  struct vq_chain rx_chain; /* a posted buffer not used yet */
  bool rx_have_chain;
  uint8_t *bounce;       /* NET_HDR_LEN + NET_FRAME_MAX */
  struct rx_used *held;  /* NET_QUEUE_MAX buffers of one merged frame */
  struct virtio_net_stats stats; /* __atomic: vCPU and receive threads */
};

static void
count (uint64_t *counter)
{
  __atomic_fetch_add (counter, 1, __ATOMIC_RELAXED);
}

/* ---- transmit: vCPU thread, vdev lock held ---- */

static void
tx_one (struct virtio_net *n, const struct vq_chain *c)
{
  if (c->out_len < NET_HDR_LEN || c->out_len > NET_HDR_LEN + NET_FRAME_MAX)
    {
      count (&n->stats.tx_dropped);
      return;
    }
  /* The tap never blocks a writer; it refuses a bad header with EINVAL. */
  if (writev (n->tap_fd, c->out, c->n_out) < 0)
    count (&n->stats.tx_dropped);
  else
    count (&n->stats.tx_packets);
}

static void
net_tx (struct virtio_net *n)
{
  struct virtio_dev *v = &n->vdev;
  struct vq_chain c;
  int ret;

  while ((ret = vq_pop (v->mem, &v->vqs[NET_TX_QUEUE], &c)) > 0)
    {
      tx_one (n, &c);
      vq_push (v->mem, &v->vqs[NET_TX_QUEUE], c.head, 0);
    }
  if (ret < 0)
    virtio_set_broken (v, "malformed transmit chain");
  virtio_signal_used (v, NET_TX_QUEUE);
}

static void
net_notify (struct virtio_dev *v, int queue)
{
  struct virtio_net *n = v->priv;
  uint64_t one = 1;

  if (queue == NET_TX_QUEUE)
    net_tx (n);
  else
    (void) write (n->kick_fd, &one, sizeof (one));
}

/* ---- receive thread ---- */

/* Wait for fd readable or stop; true when fd is readable. */
static bool
wait_fd (struct virtio_net *n, int fd)
{
  struct pollfd p[2] = { { .fd = n->stop_fd, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
  uint64_t cnt;

  while (TEMP_FAILURE_RETRY (poll (p, 2, -1)) >= 0)
    {
      if (p[0].revents)
        return false;
      if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
        {
          pr_warn ("virtio net: tap fd %d: error or hang-up, receive stops", fd);
          return false;
        }
      if (p[1].revents)
        {
          if (fd == n->kick_fd)
            (void) read (fd, &cnt, sizeof (cnt));
          return true;
        }
    }
  return false;
}

/* vq_push on the receive queue, unless a reset took it away meanwhile (lock held). */
static void
rx_push (struct virtio_net *n, uint16_t head, uint32_t len)
{
  struct virtio_dev *v = &n->vdev;

  if ((v->status & VIRTIO_CONFIG_S_DRIVER_OK) && v->vqs[NET_RX_QUEUE].ready)
    vq_push (v->mem, &v->vqs[NET_RX_QUEUE], head, len);
}

/* Pop a posted buffer with room for a header, waiting for the driver when
 * there is none; *qsize is the queue's size. False: the thread ends. */
static bool
rx_pop (struct virtio_net *n, struct vq_chain *c, uint16_t *qsize)
{
  struct virtio_dev *v = &n->vdev;
  int ret;

  for (;;)
    {
      pthread_mutex_lock (&v->lock);
      ret = vq_pop (v->mem, &v->vqs[NET_RX_QUEUE], c);
      *qsize = v->vqs[NET_RX_QUEUE].num;
      if (ret < 0)
        virtio_set_broken (v, "malformed receive chain");
      else if (ret > 0 && c->in_len < NET_HDR_LEN)
        {
          rx_push (n, c->head, 0); /* no room even for the header: handed back empty */
          virtio_signal_used (v, NET_RX_QUEUE);
          count (&n->stats.rx_dropped);
          ret = 2;
        }
      pthread_mutex_unlock (&v->lock);
      if (ret < 0)
        return false;
      if (ret == 1)
        return true;
      if (ret == 0 && !wait_fd (n, n->kick_fd))
        return false;
    }
}

/* num_buffers, the last field of the header, in the first buffer. */
static void
set_num_buffers (struct vq_chain *c, uint16_t nb)
{
  uint8_t hdr[NET_HDR_LEN];

  iov_to_buf (c->in, c->n_in, hdr, sizeof (hdr));
  memcpy (hdr + offsetof (struct virtio_net_hdr_v1, num_buffers), &nb, sizeof (nb));
  iov_from_buf (c->in, c->n_in, hdr, sizeof (hdr));
}

/* Hand n_held buffers to the driver as one frame. */
static void
rx_complete (struct virtio_net *n, int n_held, bool drop)
{
  struct virtio_dev *v = &n->vdev;
  int i;

  if (!drop)
    set_num_buffers (&n->rx_chain, n_held);
  pthread_mutex_lock (&v->lock);
  for (i = 0; i < n_held; i++)
    rx_push (n, n->held[i].head, drop ? 0 : n->held[i].len);
  virtio_signal_used (v, NET_RX_QUEUE);
  pthread_mutex_unlock (&v->lock);
  count (drop ? &n->stats.rx_dropped : &n->stats.rx_packets);
  n->rx_have_chain = false;
}

/* MRG_RXBUF: the first `rest` bytes of the bounce buffer go to more
 * buffers after rx_chain. False: the thread ends. */
static bool
rx_merge (struct virtio_net *n, size_t rest)
{
  struct vq_chain c;
  size_t off = 0, k;
  uint16_t qsize;
  int nb = 1;

  n->held[0] = (struct rx_used){ n->rx_chain.head, n->rx_chain.in_len };
  while (rest > 0)
    {
      if (!rx_pop (n, &c, &qsize))
        return false;
      k = iov_from_buf (c.in, c.n_in, n->bounce + off, rest);
      n->held[nb++] = (struct rx_used){ c.head, k };
      off += k;
      rest -= k;
      if (rest > 0 && (nb >= qsize || nb >= NET_QUEUE_MAX))
        {
          rx_complete (n, nb, true); /* the whole ring cannot hold it */
          return true;
        }
    }
  rx_complete (n, nb, false);
  return true;
}

/* Read one frame from the tap into the posted buffer (and the bounce
 * buffer after it); false when the thread must end. */
static bool
rx_frame (struct virtio_net *n)
{
  struct iovec iov[VQ_MAX_SEGS + 1];
  struct vq_chain *c = &n->rx_chain;
  size_t cap, len;
  ssize_t got;
  uint16_t qsize;

  if (!n->rx_have_chain && !rx_pop (n, c, &qsize))
    return false;
  n->rx_have_chain = true;
  memcpy (iov, c->in, c->n_in * sizeof (iov[0]));
  iov[c->n_in] = (struct iovec){ n->bounce, NET_HDR_LEN + NET_FRAME_MAX };
  do
    {
      if (!wait_fd (n, n->tap_fd))
        return false;
      got = readv (n->tap_fd, iov, c->n_in + 1);
    }
  while (got < 0 && (errno == EAGAIN || errno == EINTR));
  if (got < 0)
    {
      pr_warn ("virtio net: read from the tap: %s; receive stops", strerror (errno));
      return false;
    }
  len = got;
  cap = c->in_len;
  /* The tap reports a frame's full length even when it did not fit. */
  if (len < NET_HDR_LEN || len > cap + NET_HDR_LEN + NET_FRAME_MAX || (len > cap && !n->mrg))
    {
      count (&n->stats.rx_dropped); /* the buffer stays for the next frame */
      return true;
    }
  if (len > cap)
    return rx_merge (n, len - cap);
  n->held[0] = (struct rx_used){ c->head, len };
  rx_complete (n, 1, false);
  return true;
}

static void *
rx_thread (void *arg)
{
  struct virtio_net *n = arg;

  if (!virtio_thread_confine (&n->vdev))
    return NULL;
  while (rx_frame (n))
    ;
  return NULL;
}

/* The device's only thread, on the device role's allow list
 * (sandbox-vm/vmm/confine.c). Syscalls it makes: poll, readv (tap), read
 * (eventfds), futex (the vdev lock), ioctl KVM_IRQ_LINE; the transmit side
 * runs on vCPU threads (writev on the tap, write on the kick eventfd). */
static void
net_start_threads (struct virtio_net *n)
{
  if (pthread_create (&n->rx_thread, NULL, rx_thread, n) == 0)
    n->rx_running = true;
  else
    pr_warn ("virtio net: cannot start the receive thread");
}

/* ---- activation and reset: vCPU thread, lock not held ---- */

static unsigned int
tap_offloads (uint64_t f)
{
  unsigned int o;

  if (!(f & F (GUEST_CSUM)))
    return 0; /* the tap takes no TSO without checksum offload */
  o = TUN_F_CSUM;
  if (f & F (GUEST_TSO4))
    o |= TUN_F_TSO4;
  if (f & F (GUEST_TSO6))
    o |= TUN_F_TSO6;
  if ((f & F (GUEST_ECN)) && (o & (TUN_F_TSO4 | TUN_F_TSO6)))
    o |= TUN_F_TSO_ECN;
  return o;
}

/* The tap's header size and receive offloads for what was negotiated. */
static void
tap_configure (struct virtio_net *n, uint64_t features)
{
  int hdr = NET_HDR_LEN;

  if (ioctl (n->tap_fd, TUNSETVNETHDRSZ, &hdr) < 0)
    pr_warn ("virtio net: TUNSETVNETHDRSZ %d: %s", hdr, strerror (errno));
  if (ioctl (n->tap_fd, TUNSETOFFLOAD, (unsigned long) tap_offloads (features)) < 0)
    pr_warn ("virtio net: TUNSETOFFLOAD 0x%x: %s", tap_offloads (features), strerror (errno));
}

static void
net_activate (struct virtio_dev *v)
{
  struct virtio_net *n = v->priv;
  uint64_t features;

  pthread_mutex_lock (&n->life_lock);
  if (!n->rx_running)
    {
      pthread_mutex_lock (&v->lock);
      features = v->drv_features;
      pthread_mutex_unlock (&v->lock);
      tap_configure (n, features);
      n->mrg = (features & F (MRG_RXBUF)) != 0;
      n->rx_have_chain = false;
      net_start_threads (n);
    }
  pthread_mutex_unlock (&n->life_lock);
}

static void
net_reset (struct virtio_dev *v)
{
  struct virtio_net *n = v->priv;
  uint64_t one = 1, cnt;

  pthread_mutex_lock (&n->life_lock);
  if (n->rx_running)
    {
      (void) write (n->stop_fd, &one, sizeof (one));
      pthread_join (n->rx_thread, NULL);
      (void) read (n->stop_fd, &cnt, sizeof (cnt));
      (void) read (n->kick_fd, &cnt, sizeof (cnt));
      n->rx_running = false;
    }
  pthread_mutex_unlock (&n->life_lock);
}

/* struct virtio_net_config: mac, status, max_virtqueue_pairs, mtu. */
static void
net_config (struct virtio_dev *v, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct virtio_net *n = v->priv;
  struct virtio_net_config cfg = { .status = VIRTIO_NET_S_LINK_UP, .max_virtqueue_pairs = 1,
                                   .mtu = n->mtu };
  uint32_t i;

  if (is_write) /* the MAC is read-only without the control queue */
    return;
  memcpy (cfg.mac, n->mac, sizeof (cfg.mac));
  for (i = 0; i < len; i++)
    data[i] = off + i < sizeof (cfg) ? ((const uint8_t *) &cfg)[off + i] : 0;
}

/* ---- life cycle ---- */

static void
net_free (struct virtio_net *n)
{
  net_reset (&n->vdev);
  close_and_reset (&n->kick_fd);
  close_and_reset (&n->stop_fd);
  pthread_mutex_destroy (&n->life_lock);
  free (n->bounce);
  free (n->held);
  free (n);
}

static struct virtio_net *
net_alloc (const struct vmm_net *cfg, silo_error_t *err)
{
  struct virtio_net *n = xmalloc0 (sizeof (*n));

  pthread_mutex_init (&n->life_lock, NULL);
  n->tap_fd = cfg->tap_fd;
  memcpy (n->mac, cfg->mac, sizeof (n->mac));
  n->mtu = cfg->mtu;
  n->ops = (struct virtio_ops){ .name = "net", .device_id = VIRTIO_ID_NET,
                                .features = NET_FEATURES | (cfg->mtu ? F (MTU) : 0),
                                .num_queues = 2, .queue_max = NET_QUEUE_MAX, .config = net_config,
                                .notify = net_notify, .activate = net_activate, .reset = net_reset };
  n->bounce = xmalloc (NET_HDR_LEN + NET_FRAME_MAX);
  n->held = xmalloc (NET_QUEUE_MAX * sizeof (*n->held));
  n->kick_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  n->stop_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (n->kick_fd < 0 || n->stop_fd < 0)
    {
      silo_make_error (err, errno, "eventfd for virtio net");
      net_free (n);
      return NULL;
    }
  return n;
}

struct virtio_net *
virtio_net_new (const struct guest_mem *mem, const struct vmm_net *cfg, silo_error_t *err)
{
  struct virtio_net *n = net_alloc (cfg, err);

  if (n)
    virtio_dev_setup (&n->vdev, mem, &n->ops, n);
  return n;
}

struct virtio_dev *
virtio_net_vdev (struct virtio_net *n)
{
  return &n->vdev;
}

void
virtio_net_get_stats (struct virtio_net *n, struct virtio_net_stats *out)
{
  out->tx_packets = __atomic_load_n (&n->stats.tx_packets, __ATOMIC_RELAXED);
  out->tx_dropped = __atomic_load_n (&n->stats.tx_dropped, __ATOMIC_RELAXED);
  out->rx_packets = __atomic_load_n (&n->stats.rx_packets, __ATOMIC_RELAXED);
  out->rx_dropped = __atomic_load_n (&n->stats.rx_dropped, __ATOMIC_RELAXED);
}

void
virtio_net_free (struct virtio_net *n)
{
  net_reset (&n->vdev); /* the receive thread takes the vdev lock */
  virtio_dev_teardown (&n->vdev);
  net_free (n);
}

static void
net_destroy (struct device_header *dev)
{
  struct virtio_net *n = dev->data;

  net_reset (&n->vdev); /* the receive thread no longer counts */
  pr_debug ("virtio net: tx %llu (dropped %llu), rx %llu (dropped %llu)",
            (unsigned long long) n->stats.tx_packets, (unsigned long long) n->stats.tx_dropped,
            (unsigned long long) n->stats.rx_packets, (unsigned long long) n->stats.rx_dropped);
  virtio_net_free (n);
}

static int
net_add (struct vm *vm, const struct vmm_net *cfg, silo_error_t *err)
{
  struct virtio_net *n;
  int ret;

  if (cfg->tap_fd < 0)
    return silo_make_error (err, EBADF, "no tap fd");
  n = net_alloc (cfg, err);
  if (n == NULL)
    return -1;
  n->vdev.dev.data = n;
  n->vdev.dev.destroy = net_destroy;
  ret = virtio_mmio_init (vm, &n->vdev, &n->ops, n, err);
  if (ret < 0)
    net_destroy (&n->vdev.dev);
  return ret;
}

/* One device per cfg->nets entry, in array order: the guest names them
 * eth0, eth1, ... in the order of their virtio_mmio.device= entries. */
int
virtio_net_init (struct vm *vm, silo_error_t *err)
{
  int i, ret;

  if (vm->cfg->n_nets < 0 || vm->cfg->n_nets > VMM_MAX_NETS)
    return silo_make_error (err, EINVAL, "%d network interfaces (at most %d)", vm->cfg->n_nets,
                            VMM_MAX_NETS);
  for (i = 0; i < vm->cfg->n_nets; i++)
    {
      ret = net_add (vm, &vm->cfg->nets[i], err);
      if (ret < 0)
        return silo_error_wrap (err, "virtio net %d", i);
    }
  return 0;
}
