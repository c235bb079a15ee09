/* virtio-net (sandbox-vm/vmm/virtio/net.c) host-side, without KVM: guest
 * memory in a plain buffer, the device's fd a datagram socket or a real tap
 * in a private network namespace. The guest kernel on a tap is
 * test_boot_linux_net in test_vmm.c (vm tier). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#ifdef SILO_HAVE_VMM
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <sys/wait.h>

#include "sandbox-vm/vmm/virtio/net.h"
#include "vmm_test.h"

/* ---- host-side: virtio-net over a plain buffer and a datagram socket or a tap ---- */

#define NET_RXD 0x1000 /* the receive queue's rings: DESC, AVAIL, USED */
#define NET_TXD 0x5000 /* the transmit queue's: 0x5000, 0x6000, 0x7000 */
#define NET_QSIZE 16
#define NET_BUF 0x10000 /* frames and buffers from here on */
#define FEAT(bit) (1ULL << (bit))
#define NET_GUEST_OFFLOADS (FEAT (VIRTIO_NET_F_GUEST_CSUM) | FEAT (VIRTIO_NET_F_GUEST_TSO4) \
                            | FEAT (VIRTIO_NET_F_GUEST_TSO6) | FEAT (VIRTIO_NET_F_GUEST_ECN))

struct net_rig
{
  struct guest_mem *m;
  struct virtio_net *n;
  struct virtio_dev *v;
  uint16_t avail[2];    /* next avail slot per queue */
  uint16_t used_seen[2];
};

static void
net_queue (struct virtio_dev *v, int q, uint64_t desc)
{
  reg_write (v, 0x030, q);
  reg_write (v, 0x038, NET_QSIZE);
  reg_write (v, 0x080, desc);
  reg_write (v, 0x090, desc + 0x1000);
  reg_write (v, 0x0a0, desc + 0x2000);
  reg_write (v, 0x044, 1);
}

/* Reset, negotiate `features` (VERSION_1 added), set up both queues, DRIVER_OK. */
static int
net_start (struct net_rig *r, uint64_t features)
{
  reg_write (r->v, 0x070, 0);
  memset (r->m->host, 0, NET_BUF);
  memset (r->avail, 0, sizeof (r->avail));
  memset (r->used_seen, 0, sizeof (r->used_seen));
  reg_write (r->v, 0x070, 3);
  reg_write (r->v, 0x024, 0);
  reg_write (r->v, 0x020, (uint32_t) features);
  reg_write (r->v, 0x024, 1);
  reg_write (r->v, 0x020, 1);
  reg_write (r->v, 0x070, 3 | 8);
  CHECK (reg_read (r->v, 0x070) & 8);
  net_queue (r->v, 0, NET_RXD);
  net_queue (r->v, 1, NET_TXD);
  reg_write (r->v, 0x070, 3 | 8 | 4);
  return 0;
}

static int
net_rig_init (struct net_rig *r, int fd, uint16_t mtu)
{
  struct vmm_net cfg = { .tap_fd = fd, .mac = NET_MAC, .mtu = mtu };
  silo_error_t err = NULL;

  memset (r, 0, sizeof (*r));
  r->m = fake_mem ();
  r->n = virtio_net_new (r->m, &cfg, &err);
  CHECK (r->n != NULL);
  r->v = virtio_net_vdev (r->n);
  return 0;
}

static void
net_rig_free (struct net_rig *r)
{
  virtio_net_free (r->n);
  free (r->m->host);
}

/* Publish head on queue q and kick it. */
static void
net_kick (struct net_rig *r, int q, uint16_t head)
{
  uint16_t *avail = (uint16_t *) (r->m->host + (q ? NET_TXD : NET_RXD) + 0x1000);

  avail[2 + r->avail[q] % NET_QSIZE] = head;
  __atomic_store_n (&avail[1], ++r->avail[q], __ATOMIC_RELEASE);
  reg_write (r->v, 0x050, q);
}

/* The next used element of queue q, waiting up to 2 s for it. */
static int
net_used (struct net_rig *r, int q, uint32_t *id, uint32_t *len)
{
  uint8_t *used = r->m->host + (q ? NET_TXD : NET_RXD) + 0x2000;
  uint32_t *elem;
  int i;

  for (i = 0; i < 2000 && __atomic_load_n ((uint16_t *) (used + 2), __ATOMIC_ACQUIRE) == r->used_seen[q]; i++)
    usleep (1000);
  if (__atomic_load_n ((uint16_t *) (used + 2), __ATOMIC_ACQUIRE) == r->used_seen[q])
    return -1;
  elem = (uint32_t *) (used + 4 + 8 * (r->used_seen[q]++ % NET_QSIZE));
  *id = elem[0];
  *len = elem[1];
  return 0;
}

static void
net_desc (struct net_rig *r, int q, int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
  put_desc (r->m, q ? NET_TXD : NET_RXD, i, addr, len, flags, next);
}

/* A test frame: broadcast, from NET_MAC, ethertype NET_PROTO, `len` bytes in all. */
static void
net_frame (uint8_t *f, size_t len, uint8_t seed)
{
  static const uint8_t mac[6] = NET_MAC;
  size_t i;

  memset (f, 0xff, 6);
  memcpy (f + 6, mac, 6);
  f[12] = NET_PROTO >> 8;
  f[13] = NET_PROTO & 0xff;
  for (i = 14; i < len; i++)
    f[i] = (uint8_t) (seed + i);
}

static int
test_net_config (void)
{
  static const uint8_t mac[6] = NET_MAC;
  struct net_rig r;
  uint8_t cfg[12];
  uint32_t lo, hi;
  int sv[2];

  CHECK (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  CHECK (net_rig_init (&r, sv[0], 1400) == 0);
  CHECK (reg_read (r.v, 0x008) == 1);
  reg_write (r.v, 0x014, 0);
  lo = reg_read (r.v, 0x010);
  reg_write (r.v, 0x014, 1);
  hi = reg_read (r.v, 0x010);
  CHECK (lo & FEAT (VIRTIO_NET_F_MAC) && lo & FEAT (VIRTIO_NET_F_MTU) && lo & FEAT (VIRTIO_NET_F_STATUS));
  CHECK (lo & FEAT (VIRTIO_NET_F_MRG_RXBUF) && lo & FEAT (VIRTIO_NET_F_GUEST_TSO4) && lo & FEAT (VIRTIO_NET_F_CSUM));
  CHECK (!(lo & FEAT (VIRTIO_NET_F_CTRL_VQ)) && (hi & 1));
  virtio_mmio_access (r.v, 0x100, cfg, sizeof (cfg), false);
  CHECK (memcmp (cfg, mac, 6) == 0);
  CHECK (cfg[6] == VIRTIO_NET_S_LINK_UP && cfg[7] == 0);
  CHECK (cfg[10] == (1400 & 0xff) && cfg[11] == 1400 >> 8);
  cfg[0] = 0;
  virtio_mmio_access (r.v, 0x100, cfg, 1, true); /* read-only */
  virtio_mmio_access (r.v, 0x100, cfg, 1, false);
  CHECK (cfg[0] == mac[0]);
  net_rig_free (&r);
  /* No MTU, no MTU feature. */
  CHECK (net_rig_init (&r, sv[0], 0) == 0);
  reg_write (r.v, 0x014, 0);
  CHECK (!(reg_read (r.v, 0x010) & FEAT (VIRTIO_NET_F_MTU)));
  net_rig_free (&r);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

/* Transmit: chains reach the fd as header + frame, however the header is
 * split; chains too short or too long are dropped; a chain outside RAM
 * breaks the device, nothing else. */
static int
test_net_tx (void)
{
  uint8_t frame[12 + 200], got[4096];
  struct virtio_net_stats st;
  struct net_rig r;
  uint32_t id, len;
  int sv[2];

  CHECK (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  fcntl (sv[1], F_SETFL, O_NONBLOCK);
  CHECK (net_rig_init (&r, sv[0], 0) == 0);
  CHECK (net_start (&r, FEAT (VIRTIO_NET_F_MAC) | FEAT (VIRTIO_NET_F_CSUM)) == 0);
  memset (frame, 0, 12);
  frame[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  net_frame (frame + 12, sizeof (frame) - 12, 1);
  memcpy (r.m->host + NET_BUF, frame, sizeof (frame));
  /* Header alone, then the frame. */
  net_desc (&r, 1, 0, NET_BUF, 12, VRING_DESC_F_NEXT, 1);
  net_desc (&r, 1, 1, NET_BUF + 12, 200, 0, 0);
  net_kick (&r, 1, 0);
  CHECK (net_used (&r, 1, &id, &len) == 0 && id == 0 && len == 0);
  CHECK (recv (sv[1], got, sizeof (got), 0) == (ssize_t) sizeof (frame) && memcmp (got, frame, sizeof (frame)) == 0);
  /* Header split 5 + 7 with an empty buffer between, the frame after. */
  net_desc (&r, 1, 2, NET_BUF, 5, VRING_DESC_F_NEXT, 3);
  net_desc (&r, 1, 3, 0, 0, VRING_DESC_F_NEXT, 4);
  net_desc (&r, 1, 4, NET_BUF + 5, 207, 0, 0);
  net_kick (&r, 1, 2);
  CHECK (net_used (&r, 1, &id, &len) == 0 && id == 2);
  CHECK (recv (sv[1], got, sizeof (got), 0) == (ssize_t) sizeof (frame) && memcmp (got, frame, sizeof (frame)) == 0);
  /* Shorter than a header; longer than any GSO frame; only writable buffers. */
  net_desc (&r, 1, 5, NET_BUF, 11, 0, 0);
  net_kick (&r, 1, 5);
  net_desc (&r, 1, 6, NET_BUF, 12 + 65536 + 65, 0, 0);
  net_kick (&r, 1, 6);
  net_desc (&r, 1, 7, NET_BUF, 100, VRING_DESC_F_WRITE, 0);
  net_kick (&r, 1, 7);
  CHECK (net_used (&r, 1, &id, &len) == 0 && id == 5);
  CHECK (net_used (&r, 1, &id, &len) == 0 && id == 6);
  CHECK (net_used (&r, 1, &id, &len) == 0 && id == 7);
  CHECK (recv (sv[1], got, sizeof (got), 0) < 0 && errno == EAGAIN);
  virtio_net_get_stats (r.n, &st);
  CHECK (st.tx_packets == 2 && st.tx_dropped == 3);
  /* A buffer past the end of RAM: the device needs a reset and stays up. */
  net_desc (&r, 1, 8, GMEM_SIZE - 100, 200, 0, 0);
  net_kick (&r, 1, 8);
  CHECK (reg_read (r.v, 0x070) & VIRTIO_CONFIG_S_NEEDS_RESET);
  net_rig_free (&r);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

/* Post n_bufs receive buffers of buf_len bytes, heads first..first+n-1. */
static void
net_post (struct net_rig *r, int first, int n_bufs, uint32_t buf_len)
{
  int i;

  for (i = first; i < first + n_bufs; i++)
    {
      net_desc (r, 0, i, NET_BUF + 0x1000 * i, buf_len, VRING_DESC_F_WRITE, 0);
      net_kick (r, 0, i);
    }
}

static int
check_rx_frame (struct net_rig *r, const uint8_t *frame, size_t len, int first, uint32_t buf_len, uint16_t nb)
{
  uint32_t id, got, k;
  size_t off = 0;
  uint16_t num_buffers;
  int i;

  for (i = 0; i < nb; i++, off += k)
    {
      k = len - off < buf_len ? len - off : buf_len;
      CHECK (net_used (r, 0, &id, &got) == 0);
      CHECK (id == (uint32_t) (first + i) && got == k);
      if (i == 0)
        {
          memcpy (&num_buffers, r->m->host + NET_BUF + 0x1000 * id + 10, 2);
          CHECK (num_buffers == nb);
          CHECK (memcmp (r->m->host + NET_BUF + 0x1000 * id, frame, 10) == 0);
          CHECK (memcmp (r->m->host + NET_BUF + 0x1000 * id + 12, frame + 12, k - 12) == 0);
        }
      else
        CHECK (memcmp (r->m->host + NET_BUF + 0x1000 * id, frame + off, k) == 0);
    }
  return 0;
}

/* Receive: a frame from the fd lands in the posted buffers, across several
 * with MRG_RXBUF (num_buffers says how many); without it a frame larger
 * than the buffer is dropped and the buffer kept; a buffer with no room
 * for a header goes back empty. */
static int
test_net_rx (void)
{
  uint8_t frame[12 + 1500];
  struct virtio_net_stats st;
  struct net_rig r;
  uint32_t id, len;
  int sv[2];

  CHECK (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  CHECK (net_rig_init (&r, sv[0], 0) == 0);
  CHECK (net_start (&r, FEAT (VIRTIO_NET_F_MRG_RXBUF)) == 0);
  memset (frame, 0, 12);
  frame[0] = 0xa5; /* the fd's header bytes pass through, num_buffers aside */
  net_frame (frame + 12, sizeof (frame) - 12, 7);
  /* The frame first, the buffers after: the device waits for them. */
  CHECK (send (sv[1], frame, sizeof (frame), 0) == (ssize_t) sizeof (frame));
  usleep (20000);
  net_post (&r, 0, 2, 1024);
  CHECK (check_rx_frame (&r, frame, sizeof (frame), 0, 1024, 2) == 0);
  /* A buffer too small for the header, an out-only chain, then a good buffer. */
  net_desc (&r, 0, 2, NET_BUF + 0x2000, 8, VRING_DESC_F_WRITE, 0);
  net_kick (&r, 0, 2);
  net_desc (&r, 0, 3, NET_BUF + 0x3000, 100, 0, 0);
  net_kick (&r, 0, 3);
  net_post (&r, 4, 1, 1024);
  CHECK (send (sv[1], frame, 12 + 60, 0) == 72);
  CHECK (net_used (&r, 0, &id, &len) == 0 && id == 2 && len == 0);
  CHECK (net_used (&r, 0, &id, &len) == 0 && id == 3 && len == 0);
  CHECK (check_rx_frame (&r, frame, 72, 4, 1024, 1) == 0);
  virtio_net_get_stats (r.n, &st);
  CHECK (st.rx_packets == 2 && st.rx_dropped == 2);
  /* Without MRG_RXBUF: too big for the buffer is dropped, the buffer kept. */
  CHECK (net_start (&r, 0) == 0);
  net_post (&r, 0, 1, 256);
  CHECK (send (sv[1], frame, 12 + 500, 0) == 512);
  CHECK (send (sv[1], frame, 12 + 100, 0) == 112);
  CHECK (check_rx_frame (&r, frame, 112, 0, 256, 1) == 0);
  virtio_net_get_stats (r.n, &st);
  CHECK (st.rx_packets == 3 && st.rx_dropped == 3);
  net_rig_free (&r);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

static int
net_tap_child (void)
{
  uint8_t frame[12 + 300], got[2048];
  struct net_rig r;
  struct pollfd p;
  int tap, ifindex, hdr = 0, ps;

  CHECK ((tap = tap_open ("silo-t0", &ifindex)) >= 0);
  CHECK ((ps = packet_socket (ifindex)) >= 0);
  CHECK (net_rig_init (&r, tap, 0) == 0);
  /* Activation sets the header size and the offloads the driver took. */
  CHECK (net_start (&r, FEAT (VIRTIO_NET_F_MRG_RXBUF) | NET_GUEST_OFFLOADS) == 0);
  CHECK (ioctl (tap, TUNGETVNETHDRSZ, &hdr) == 0 && hdr == 12);
  CHECK (ethtool_get ("silo-t0", ETHTOOL_GTXCSUM) == 1 && ethtool_get ("silo-t0", ETHTOOL_GTSO) == 1);
  CHECK (net_start (&r, FEAT (VIRTIO_NET_F_MRG_RXBUF)) == 0);
  CHECK (ethtool_get ("silo-t0", ETHTOOL_GTXCSUM) == 0 && ethtool_get ("silo-t0", ETHTOOL_GTSO) == 0);
  /* Guest to host: the frame leaves the tap into the namespace. */
  memset (frame, 0, 12);
  net_frame (frame + 12, sizeof (frame) - 12, 3);
  memcpy (r.m->host + NET_BUF + 0x8000, frame, sizeof (frame));
  net_desc (&r, 1, 0, NET_BUF + 0x8000, sizeof (frame), 0, 0);
  net_kick (&r, 1, 0);
  p = (struct pollfd){ .fd = ps, .events = POLLIN };
  CHECK (poll (&p, 1, 2000) == 1);
  CHECK (recv (ps, got, sizeof (got), 0) == (ssize_t) sizeof (frame) - 12);
  CHECK (memcmp (got, frame + 12, sizeof (frame) - 12) == 0);
  /* Host to guest: a frame sent on the tap lands in a posted buffer. */
  net_post (&r, 0, 1, 2048);
  CHECK (send (ps, frame + 12, sizeof (frame) - 12, 0) == (ssize_t) sizeof (frame) - 12);
  CHECK (check_rx_frame (&r, frame, sizeof (frame), 0, 2048, 1) == 0);
  net_rig_free (&r);
  close (ps);
  close (tap);
  return 0;
}

static int
net_tap_child_arg (void *arg)
{
  return net_tap_child ();
}

static int
test_net_tap (void)
{
  if (access ("/dev/net/tun", R_OK | W_OK) < 0)
    SKIP ("no /dev/net/tun");
  return in_private_netns (net_tap_child_arg, NULL);
}
#endif

int
main (void)
{
#ifdef SILO_HAVE_VMM
  RUN_TEST (test_net_config);
  RUN_TEST (test_net_tx);
  RUN_TEST (test_net_rx);
  RUN_TEST (test_net_tap);
#else
  printf ("SKIP: test_vmm_net\n  skip reason: VMM not in this build (include sandbox-vm/vmm/vmm.mk)\n");
#endif
  UNIT_EXIT ();
}
