/* Network setup over netlink (libnl-route): a network namespace silo
 * creates gets its loopback up, as runc and crun do; linux.netDevices move
 * host interfaces into the container's namespace, renamed, with their
 * addresses and up state. */
#include "internal.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
nl_error (silo_error_t *err, int nlerr, const char *what)
{
  return silo_make_error (err, 0, "%s: %s", what, nl_geterror (nlerr));
}

int
ns_loopback_up (silo_error_t *err)
{
  struct nl_sock *sk = nl_socket_alloc ();
  struct rtnl_link *lo = NULL, *change = NULL;
  int ret;

  if (sk == NULL)
    return silo_make_error (err, ENOMEM, "netlink socket");
  ret = nl_connect (sk, NETLINK_ROUTE);
  if (ret == 0)
    ret = rtnl_link_get_kernel (sk, 0, "lo", &lo);
  if (ret == 0 && (change = rtnl_link_alloc ()) == NULL)
    ret = -NLE_NOMEM;
  if (ret == 0)
    {
      rtnl_link_set_flags (change, IFF_UP);
      ret = rtnl_link_change (sk, lo, change, 0);
    }
  rtnl_link_put (change);
  rtnl_link_put (lo);
  nl_socket_free (sk);
  return ret < 0 ? nl_error (err, ret, "bring the loopback interface up") : 0;
}

/* --- linux.netDevices --- */

struct socket_at
{
  int netns_fd;
  struct nl_sock *sk;
  int ret, setns_errno;
};

/* A thread of its own joins the namespace (a network namespace is per
 * thread): the caller's never leaves its own, which it might not be let
 * back into (rootless: the host's is not the user's to join). */
static void *
socket_in_netns (void *arg)
{
  struct socket_at *a = arg;

  if (setns (a->netns_fd, CLONE_NEWNET) < 0)
    {
      a->setns_errno = errno;
      return NULL;
    }
  a->sk = nl_socket_alloc ();
  a->ret = a->sk ? nl_connect (a->sk, NETLINK_ROUTE) : -NLE_NOMEM;
  return NULL;
}

int
ns_netlink_socket_at (int netns_fd, struct nl_sock **out, silo_error_t *err)
{
  struct socket_at a = { .netns_fd = netns_fd };
  pthread_t t;
  int e;

  e = pthread_create (&t, NULL, socket_in_netns, &a);
  if (e != 0)
    return silo_make_error (err, e, "thread for the container's network namespace");
  pthread_join (t, NULL);
  if (a.setns_errno)
    return silo_make_error (err, a.setns_errno, "join the container's network namespace");
  if (a.ret < 0)
    {
      nl_socket_free (a.sk);
      return nl_error (err, a.ret, "netlink socket in the container's network namespace");
    }
  *out = a.sk;
  return 0;
}

struct addr_copy
{
  struct rtnl_addr **items;
  size_t len;
};

/* Every address but IPv6 link-local ones, which the kernel makes anew. */
static void
collect_addr (struct nl_object *o, void *arg)
{
  struct addr_copy *a = arg;
  struct rtnl_addr *addr = (struct rtnl_addr *) o;

  if (rtnl_addr_get_family (addr) == AF_INET6 && rtnl_addr_get_scope (addr) == RT_SCOPE_LINK)
    return;
  a->items = xrealloc (a->items, (a->len + 1) * sizeof (*a->items));
  a->items[a->len++] = (struct rtnl_addr *) nl_object_clone (o);
}

/* An IPv4 label names its interface ("eth0", "eth0:1"): renamed with it. */
static void
relabel (struct rtnl_addr *addr, const struct oci_net_device *d)
{
  const char *label = rtnl_addr_get_label (addr);
  size_t n = strlen (d->host_name);
  char buf[IFNAMSIZ];

  if (label == NULL || strncmp (label, d->host_name, n) != 0)
    return;
  if (snprintf (buf, sizeof (buf), "%s%s", d->name, label + n) < (int) sizeof (buf))
    rtnl_addr_set_label (addr, buf);
  else
    rtnl_addr_set_label (addr, d->name);
}

static void
addr_copy_free (struct addr_copy *a)
{
  for (size_t i = 0; i < a->len; i++)
    rtnl_addr_put (a->items[i]);
  free (a->items);
}

/* The addresses of ifindex, copied: moving a link drops them. */
static int
link_addresses (struct nl_sock *sk, int ifindex, struct addr_copy *out, silo_error_t *err)
{
  struct nl_cache *cache = NULL;
  struct rtnl_addr *filter;
  int ret = rtnl_addr_alloc_cache (sk, &cache);

  if (ret < 0)
    return nl_error (err, ret, "read addresses");
  filter = rtnl_addr_alloc ();
  rtnl_addr_set_ifindex (filter, ifindex);
  nl_cache_foreach_filter (cache, (struct nl_object *) filter, collect_addr, out);
  rtnl_addr_put (filter);
  nl_cache_free (cache);
  return 0;
}

/* In the container: the link as `name`, its addresses back, up if it was. */
static int
restore_link (struct nl_sock *ctr, const struct oci_net_device *d, bool up,
              const struct addr_copy *addrs, silo_error_t *err)
{
  struct rtnl_link *link = NULL, *change = NULL;
  int ret, ifindex;

  ret = rtnl_link_get_kernel (ctr, 0, d->name, &link);
  if (ret < 0)
    return nl_error (err, ret, "find it in the container");
  ifindex = rtnl_link_get_ifindex (link);
  for (size_t i = 0; ret == 0 && i < addrs->len; i++)
    {
      rtnl_addr_set_ifindex (addrs->items[i], ifindex);
      relabel (addrs->items[i], d);
      ret = rtnl_addr_add (ctr, addrs->items[i], 0);
      if (ret < 0)
        ret = nl_error (err, ret, "add its address back");
    }
  if (ret == 0 && up)
    {
      change = rtnl_link_alloc ();
      rtnl_link_set_flags (change, IFF_UP);
      ret = rtnl_link_change (ctr, link, change, 0);
      if (ret < 0)
        ret = nl_error (err, ret, "bring it up");
    }
  rtnl_link_put (change);
  rtnl_link_put (link);
  return ret;
}

/* Move one host interface into the namespace of netns_fd (ctr is a socket
 * there), renamed; nothing is changed when a check fails first. */
static int
move_one (struct nl_sock *host, struct nl_sock *ctr, int netns_fd,
          const struct oci_net_device *d, silo_error_t *err)
{
  struct rtnl_link *link = NULL, *taken = NULL, *change = NULL;
  struct addr_copy addrs = { 0 };
  bool up;
  int ret;

  ret = rtnl_link_get_kernel (host, 0, d->host_name, &link);
  if (ret < 0)
    return ret == -NLE_OBJ_NOTFOUND || ret == -NLE_NODEV
               ? silo_make_error (err, 0, "no such interface on the host")
               : nl_error (err, ret, "find it on the host");
  if (rtnl_link_get_kernel (ctr, 0, d->name, &taken) == 0)
    ret = silo_make_error (err, 0, "the container already has an interface `%s`", d->name);
  if (ret == 0)
    ret = link_addresses (host, rtnl_link_get_ifindex (link), &addrs, err);
  up = (rtnl_link_get_flags (link) & IFF_UP) != 0;
  if (ret == 0)
    {
      change = rtnl_link_alloc ();
      rtnl_link_set_ns_fd (change, netns_fd);
      if (strcmp (d->name, d->host_name) != 0)
        rtnl_link_set_name (change, d->name);
      ret = rtnl_link_change (host, link, change, 0);
      if (ret < 0)
        ret = nl_error (err, ret, "move it");
    }
  if (ret == 0)
    ret = restore_link (ctr, d, up, &addrs, err);
  addr_copy_free (&addrs);
  rtnl_link_put (change);
  rtnl_link_put (taken);
  rtnl_link_put (link);
  return ret;
}

int
ns_move_net_devices (pid_t pid, const struct oci_linux *l, silo_error_t *err)
{
  struct nl_sock *host = NULL, *ctr = NULL;
  cleanup_close int netns_fd = -1;
  char path[64];
  int ret = 0;

  if (l->n_net_devices == 0)
    return 0;
  snprintf (path, sizeof (path), "/proc/%d/ns/net", (int) pid);
  netns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0)
    return silo_make_error (err, errno, "linux.netDevices: open `%s`", path);
  host = nl_socket_alloc ();
  if (host == NULL || (ret = nl_connect (host, NETLINK_ROUTE)) < 0)
    ret = nl_error (err, host ? ret : -NLE_NOMEM, "linux.netDevices: netlink socket");
  if (ret == 0)
    ret = ns_netlink_socket_at (netns_fd, &ctr, err);
  for (size_t i = 0; ret == 0 && i < l->n_net_devices; i++)
    if (move_one (host, ctr, netns_fd, &l->net_devices[i], err) < 0)
      ret = silo_error_wrap (err, "linux.netDevices.%s", l->net_devices[i].host_name);
  nl_socket_free (ctr);
  nl_socket_free (host);
  return ret;
}
