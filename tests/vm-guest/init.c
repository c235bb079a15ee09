/* /init of the initramfs for the full-kernel boot test (hardware
 * virtualization hosts only): say hello on the console, report the "exec"
 * boot marker to the VMM, and reboot, which `reboot=k` turns into the i8042
 * reset line the VMM treats as power-off. With an eth0 (test_boot_linux_net)
 * it first prints its MAC and MTU, brings it up as 10.0.2.15/24, listens on
 * TCP port 7777, broadcasts one frame of ethertype NET_PROTO, echoes what
 * the host sends over TCP (another pattern, as many bytes: both directions
 * cross the offloads), then waits up to 10 s for the host's closing frame. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define VMM_MARKER_PORT 0x510
#define NET_PROTO 0x88b5 /* IEEE local experimental */

static void
say (const char *msg)
{
  if (write (1, msg, strlen (msg)) < 0)
    _exit (1);
}

/* Read until EOF (checking the host's pattern), then as many bytes back. */
static void
tcp_echo (int ls)
{
  static unsigned char buf[65536];
  struct timeval tv = { .tv_sec = 20 };
  struct pollfd p = { .fd = ls, .events = POLLIN };
  size_t total = 0, off, i, k;
  bool intact = true;
  char line[128];
  ssize_t n;
  int c;

  if (poll (&p, 1, 20000) <= 0 || (c = accept (ls, NULL, NULL)) < 0)
    return say ("silo-guest-init: eth0 no tcp connection\n");
  setsockopt (c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  setsockopt (c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof (tv));
  while ((n = read (c, buf, sizeof (buf))) > 0)
    for (i = 0; i < (size_t) n; i++, total++)
      intact &= buf[i] == (unsigned char) (total * 7);
  for (off = 0; off < total; off += n)
    {
      k = total - off < sizeof (buf) ? total - off : sizeof (buf);
      for (i = 0; i < k; i++)
        buf[i] = (unsigned char) ((off + i) * 13);
      if ((n = write (c, buf, k)) <= 0)
        break;
    }
  close (c);
  snprintf (line, sizeof (line), "silo-guest-init: eth0 tcp %zu bytes %s\n", total,
            intact ? "intact" : "corrupt");
  say (line);
}

static int
tcp_listen (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (7777) };
  int s = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (s < 0 || bind (s, (struct sockaddr *) &a, sizeof (a)) < 0 || listen (s, 1) < 0)
    return -1;
  return s;
}

/* One frame to the broadcast address, the TCP echo, then the host's frame. */
static void
net_exchange (const unsigned char *mac, int ifindex)
{
  struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons (NET_PROTO),
                            .sll_ifindex = ifindex, .sll_halen = 6,
                            .sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
  unsigned char frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  char buf[2048];
  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (NET_PROTO)), ls = tcp_listen ();
  struct pollfd p = { .fd = fd, .events = POLLIN };
  ssize_t n;

  if (fd < 0 || bind (fd, (struct sockaddr *) &to, sizeof (to)) < 0 || ls < 0)
    return say ("silo-guest-init: eth0 packet or tcp socket failed\n");
  memcpy (frame + 6, mac, 6);
  frame[12] = NET_PROTO >> 8;
  frame[13] = NET_PROTO & 0xff;
  memcpy (frame + 14, "silo-guest-ping", 15);
  if (sendto (fd, frame, sizeof (frame), 0, (struct sockaddr *) &to, sizeof (to)) < 0)
    return say ("silo-guest-init: eth0 send failed\n");
  tcp_echo (ls);
  while (poll (&p, 1, 10000) > 0 && (n = recv (fd, buf, sizeof (buf), 0)) > 0)
    if (n >= 28 && memcmp (buf + 14, "silo-host-pong", 14) == 0)
      return say ("silo-guest-init: eth0 pong received\n");
  say ("silo-guest-init: eth0 no answer\n");
}

/* 10.0.2.15/24 */
static int
net_addr (int fd, struct ifreq *ifr)
{
  struct sockaddr_in *sin = (struct sockaddr_in *) &ifr->ifr_addr;

  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl (0x0a00020f);
  if (ioctl (fd, SIOCSIFADDR, ifr) < 0)
    return -1;
  sin->sin_addr.s_addr = htonl (0xffffff00);
  return ioctl (fd, SIOCSIFNETMASK, ifr);
}

static void
net_check (void)
{
  struct ifreq ifr = { .ifr_name = "eth0" };
  unsigned char mac[6];
  char line[128];
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || ioctl (fd, SIOCGIFHWADDR, &ifr) < 0)
    return; /* no NIC: the plain boot test */
  memcpy (mac, ifr.ifr_hwaddr.sa_data, 6);
  if (ioctl (fd, SIOCGIFMTU, &ifr) < 0)
    return say ("silo-guest-init: eth0 SIOCGIFMTU failed\n");
  snprintf (line, sizeof (line), "silo-guest-init: eth0 %02x:%02x:%02x:%02x:%02x:%02x mtu %d\n", mac[0],
            mac[1], mac[2], mac[3], mac[4], mac[5], ifr.ifr_mtu);
  say (line);
  ifr.ifr_flags = IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0 || net_addr (fd, &ifr) < 0 || ioctl (fd, SIOCGIFINDEX, &ifr) < 0)
    return say ("silo-guest-init: eth0 cannot be brought up\n");
  net_exchange (mac, ifr.ifr_ifindex);
}

int
main (void)
{
  say ("silo-guest-init: up\n");
  if (ioperm (VMM_MARKER_PORT, 1, 1) == 0)
    outb (2, VMM_MARKER_PORT);
  net_check ();
  sync ();
  reboot (RB_AUTOBOOT);
  return 1;
}
