/* Network setup inside the container's namespaces, over netlink (libnl-route):
 * a network namespace silo creates gets its loopback up, as runc and crun do. */
#include "internal.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

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
