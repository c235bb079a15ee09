/* Helpers shared by test_vmm.c and test_vmm_net.c: guest memory in a plain
 * buffer with hand-written descriptors, the virtio-mmio registers, and a
 * tap in a private network namespace. */
#ifndef SILO_TEST_VMM_H
#define SILO_TEST_VMM_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-vm/vmm/internal.h"
#include "sandbox-vm/vmm/virtio/virtio.h"
#include "util/utils.h"

#define GMEM_SIZE (1 << 20)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define INDIRECT 0x4000

struct fake_desc
{
  uint64_t addr;
  uint32_t len;
  uint16_t flags, next;
};

static inline struct guest_mem *
fake_mem (void)
{
  static struct guest_mem m;
  m.host = xmalloc0 (GMEM_SIZE);
  m.size = m.low_size = GMEM_SIZE;
  return &m;
}

static inline void
put_desc (struct guest_mem *m, uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
          uint16_t next)
{
  struct fake_desc d = { addr, len, flags, next };
  memcpy (m->host + table + 16 * i, &d, sizeof (d));
}

static inline uint32_t
reg_read (struct virtio_dev *v, uint64_t off)
{
  uint32_t val;
  virtio_mmio_access (v, off, (uint8_t *) &val, 4, false);
  return val;
}

static inline void
reg_write (struct virtio_dev *v, uint64_t off, uint32_t val)
{
  virtio_mmio_access (v, off, (uint8_t *) &val, 4, true);
}

#define NET_MAC { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }
#define NET_PROTO 0x88b5 /* IEEE local experimental */

/* ---- a tap in a private network namespace ---- */

static inline int
tap_open (const char *name, int *ifindex)
{
  struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC), s;

  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "%s", name);
  if (fd < 0 || ioctl (fd, TUNSETIFF, &ifr) < 0)
    return -1;
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifr.ifr_flags = IFF_UP;
  if (s < 0 || ioctl (s, SIOCSIFFLAGS, &ifr) < 0 || ioctl (s, SIOCGIFINDEX, &ifr) < 0)
    return -1;
  *ifindex = ifr.ifr_ifindex;
  close (s);
  return fd;
}

/* A netns of our own without IPv6 (no router solicitations on the tap). */
static inline const char *
net_private (void)
{
  int fd;

  if (geteuid () != 0)
    return "not root";
  if (unshare (CLONE_NEWNET) < 0)
    return "unshare(CLONE_NEWNET) failed";
  fd = open ("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      write_all (fd, "1", 1);
      close (fd);
    }
  if (access ("/dev/net/tun", R_OK | W_OK) < 0)
    return "no /dev/net/tun";
  return NULL;
}

/* Run fn in a child that has a netns of its own (net_private): 0 when it
 * passes, 77 when no such netns can be made (the reason printed), else 1. */
static inline int
in_private_netns (int (*fn) (void *), void *arg)
{
  const char *why;
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    return 1;
  if (pid == 0)
    {
      why = net_private ();
      if (why)
        {
          printf ("  skip reason: %s\n", why);
          fflush (stdout);
          _exit (77);
        }
      _exit (fn (arg) == 0 ? 0 : 1);
    }
  if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return 1;
  return WEXITSTATUS (status) == 77 ? 77 : WEXITSTATUS (status) == 0 ? 0 : 1;
}

static inline int
packet_socket (int ifindex)
{
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (NET_PROTO), .sll_ifindex = ifindex };
  int s = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (NET_PROTO));

  if (s < 0 || bind (s, (struct sockaddr *) &sll, sizeof (sll)) < 0)
    return -1;
  return s;
}

/* An ethtool_value query (ETHTOOL_GTSO, ...) on an interface; -1 on error. */
static inline int
ethtool_get (const char *ifname, uint32_t cmd)
{
  struct ethtool_value ev = { .cmd = cmd };
  struct ifreq ifr = { .ifr_data = (char *) &ev };
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "%s", ifname);
  ret = ioctl (s, SIOCETHTOOL, &ifr) < 0 ? -1 : (int) ev.data;
  close (s);
  return ret;
}

#endif
