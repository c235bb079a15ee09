/* The test guest's virtio-mmio driver: feature negotiation on every device,
 * then a round trip on each: bytes out and in on the agent console, and a
 * 9P2000.L version/attach/walk/lopen/read on the 9p share. Polls the used
 * rings instead of taking interrupts (the guest runs with IF=0). */
#include "io.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEAT 0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT 0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_AVAIL_LO 0x090
#define R_USED_LO 0x0a0
#define R_CONFIG 0x100
#define QN 8

struct desc { u64 addr; u32 len; u16 flags, next; };
struct vq
{
  struct desc desc[QN] __attribute__ ((aligned (16)));
  struct { u16 flags, idx, ring[QN], used_event; } avail __attribute__ ((aligned (2)));
  struct { u16 flags, idx; struct { u32 id, len; } ring[QN]; u16 avail_event; } used __attribute__ ((aligned (4)));
  u16 last_used;
  u64 base;
  u32 q;
};

static struct vq queues[4];
static struct desc indirect[4] __attribute__ ((aligned (16)));
static u8 req[256], resp[256];
#define cbarrier() __asm__ volatile ("" ::: "memory")

static int
negotiate (u64 b)
{
  mmio_w32 (b + R_STATUS, 0);
  mmio_w32 (b + R_STATUS, 1 | 2); /* ACKNOWLEDGE | DRIVER */
  mmio_w32 (b + R_DEV_FEAT_SEL, 1);
  if (!(mmio_r32 (b + R_DEV_FEAT) & 1)) /* VIRTIO_F_VERSION_1 */
    return -1;
  mmio_w32 (b + R_DRV_FEAT_SEL, 0);
  mmio_w32 (b + R_DRV_FEAT, 0);
  mmio_w32 (b + R_DRV_FEAT_SEL, 1);
  mmio_w32 (b + R_DRV_FEAT, 1);
  mmio_w32 (b + R_STATUS, 1 | 2 | 8); /* FEATURES_OK */
  return (mmio_r32 (b + R_STATUS) & 8) ? 0 : -1;
}

static struct vq *
setup_queue (u64 b, u32 q, struct vq *vq)
{
  memset (vq, 0, sizeof (*vq));
  vq->base = b;
  vq->q = q;
  mmio_w32 (b + R_QUEUE_SEL, q);
  if (mmio_r32 (b + R_QUEUE_NUM_MAX) < QN)
    return 0;
  mmio_w32 (b + R_QUEUE_NUM, QN);
  mmio_w32 (b + R_DESC_LO, (u32) (u64) vq->desc);
  mmio_w32 (b + R_AVAIL_LO, (u32) (u64) &vq->avail);
  mmio_w32 (b + R_USED_LO, (u32) (u64) &vq->used);
  mmio_w32 (b + R_QUEUE_READY, 1);
  return vq;
}

/* Post descriptors [0, n) as one chain, kick, wait; returns used len. */
static u32
submit (struct vq *vq, int n)
{
  int i;
  for (i = 0; i < n; i++)
    if (i + 1 < n)
      vq->desc[i].flags |= 1, vq->desc[i].next = i + 1;
  vq->avail.ring[vq->avail.idx % QN] = 0;
  cbarrier ();
  vq->avail.idx++;
  cbarrier ();
  mmio_w32 (vq->base + R_QUEUE_NOTIFY, vq->q);
  while (*(volatile u16 *) &vq->used.idx == vq->last_used)
    ;
  cbarrier ();
  return vq->used.ring[vq->last_used++ % QN].len;
}

static void
set_desc (struct desc *d, void *p, u32 len, u16 flags)
{
  d->addr = (u64) p, d->len = len, d->flags = flags, d->next = 0;
}

static void
console_test (u64 b)
{
  static const char hello[] = "hello from the guest\n";
  struct vq *rx = setup_queue (b, 0, &queues[0]), *tx = setup_queue (b, 1, &queues[1]);
  u32 n;

  mmio_w32 (b + R_STATUS, 1 | 2 | 8 | 4); /* DRIVER_OK */
  set_desc (&tx->desc[0], (void *) hello, sizeof (hello) - 1, 0);
  submit (tx, 1);
  set_desc (&rx->desc[0], resp, 64, 2);
  n = submit (rx, 1);
  puts_ ("agent rx=");
  putbuf (resp, n);
  putc_ ('\n');
}

static u8 *
put (u8 *p, u64 v, int n)
{
  while (n--)
    *p++ = (u8) v, v >>= 8;
  return p;
}
static u8 *
put_str (u8 *p, const char *s)
{
  u16 n = 0;
  while (s[n])
    n++;
  p = put (p, n, 2);
  memcpy (p, s, n);
  return p + n;
}

/* One 9p transaction; `ind` sends it through an indirect table. */
static u8
p9_call (struct vq *vq, u8 *end, int type, int ind)
{
  u32 size = (u32) (end - req);
  put (req, size, 4);
  req[4] = (u8) type;
  put (req + 5, 1, 2);
  if (ind)
    {
      set_desc (&indirect[0], req, size, 0);
      set_desc (&indirect[1], resp, sizeof (resp), 2);
      indirect[0].flags |= 1, indirect[0].next = 1;
      set_desc (&vq->desc[0], indirect, 2 * sizeof (struct desc), 4);
      submit (vq, 1);
    }
  else
    {
      set_desc (&vq->desc[0], req, size, 0);
      set_desc (&vq->desc[1], resp, sizeof (resp), 2);
      submit (vq, 2);
    }
  puts_ (" R");
  puthex (resp[4]);
  return resp[4];
}

static void
p9_test (u64 b)
{
  struct vq *vq = setup_queue (b, 0, &queues[2]);
  u16 taglen = mmio_r8 (b + R_CONFIG) | mmio_r8 (b + R_CONFIG + 1) << 8;
  u8 *p;
  u32 i;

  mmio_w32 (b + R_STATUS, 1 | 2 | 8 | 4);
  puts_ ("9p tag=");
  for (i = 0; i < taglen && i < 32; i++)
    putc_ ((char) mmio_r8 (b + R_CONFIG + 2 + i));
  puts_ ("\n9p:");
  p = put_str (put (req + 7, 8192, 4), "9P2000.L");
  p9_call (vq, p, 100, 0);
  p = put_str (put_str (put (put (req + 7, 1, 4), ~0UL, 4), "root"), "");
  p9_call (vq, put (p, 0, 4), 104, 1);
  p = put_str (put (put (put (req + 7, 1, 4), 2, 4), 1, 2), "hello.txt");
  p9_call (vq, p, 110, 0);
  p9_call (vq, put (put (req + 7, 2, 4), 0, 4), 12, 0);
  p = put (put (put (req + 7, 2, 4), 0, 8), 64, 4);
  if (p9_call (vq, p, 116, 0) == 117)
    {
      puts_ ("\n9p read=");
      putbuf (resp + 11, *(u32 *) (resp + 7));
    }
  putc_ ('\n');
}

static u64
hex (const char **s)
{
  u64 v = 0;
  for (;; (*s)++)
    {
      char c = **s;
      if (c >= '0' && c <= '9')
        v = v * 16 + (u64) (c - '0');
      else if (c >= 'a' && c <= 'f')
        v = v * 16 + (u64) (c - 'a' + 10);
      else
        return v;
    }
}

void
virtio_test (const char *s)
{
  int consoles = 0;

  for (; *s; s++)
    {
      u64 b;
      u32 id;
      if (s[0] != '@' || s[1] != '0' || s[2] != 'x')
        continue;
      s += 3;
      b = hex (&s);
      id = mmio_r32 (b + R_DEVICE_ID);
      puts_ ("virtio ");
      puthex (b);
      puts_ (mmio_r32 (b + R_MAGIC) == 0x74726976 && mmio_r32 (b + R_VERSION) == 2 ? " v2" : " bad");
      puts_ (" id=");
      puthex (id);
      puts_ (negotiate (b) == 0 ? " features ok\n" : " features refused\n");
      if (id == 3 && ++consoles == 2) /* hvc1: the agent channel */
        console_test (b);
      else if (id == 9)
        p9_test (b);
    }
}
