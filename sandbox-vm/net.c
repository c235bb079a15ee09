/* A sandbox joins the network the engine built (docs/networking.md).
 *
 * The monitor runs in the config's network namespace. For each Ethernet
 * interface there (a veth, macvlan or tap the engine made), it creates a
 * tap `tapN_silo` with the same MTU and joins the two with traffic-control
 * redirects both ways: an ingress qdisc on each and a u32 match-all filter
 * whose mirred action sends every frame out of the other (the model Kata
 * Containers settled on; it needs no bridge, no module beyond cls_u32 and
 * act_mirred, and works for every link type). The guest gets a NIC per tap
 * with the interface's own MAC, and the interface's addresses and routes
 * (namespaces/netdesc.c). All of it over netlink (libnl-route).
 *
 * What is made is recorded in the state dir (net.json) before it is made,
 * so that `delete` (or a failed create) removes it even when the monitor
 * was killed half-way; the monitor cannot: it gives up its capabilities
 * once the guest runs. In a namespace silo created itself there is nothing
 * to remove: it goes with its last process. */
#include "internal.h"
#include "../namespaces/namespaces.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NET_RECORD "net.json"
#define TC_PRIO 1

static int
nl_fail (silo_error_t *err, int nlerr, const char *what, const char *dev)
{
  return silo_make_error (err, 0, "network: %s `%s`: %s", what, dev, nl_geterror (nlerr));
}

static const char *
netns_path (const struct oci_config *cfg)
{
  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    if (cfg->linux_.namespaces[i].type == CLONE_NEWNET)
      return cfg->linux_.namespaces[i].path;
  return NULL;
}

/* --- the record --- */

static int
record_write (const char *state_dir, const char *netns, const struct sandbox_net *net,
              silo_error_t *err)
{
  json_t *nics = json_array (), *root;
  cleanup_free char *path = NULL, *text = NULL;

  for (size_t i = 0; i < net->n; i++)
    json_array_append_new (nics, json_pack ("{s:s, s:s, s:b}", "dev", net->nics[i].dev, "tap",
                                            net->nics[i].tap, "qdisc",
                                            net->nics[i].made_qdisc));
  root = json_pack ("{s:s?, s:o}", "netns", netns, "nics", nics);
  text = json_dumps (root, JSON_COMPACT);
  json_decref (root);
  xasprintf (&path, "%s/" NET_RECORD, state_dir);
  return write_file_atomic (path, text, strlen (text), err);
}

/* --- taps and filters --- */

static int
tap_create (const char *name, int *fd, silo_error_t *err)
{
  struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };

  *fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (*fd < 0)
    return silo_make_error (err, errno, "network: open `/dev/net/tun`");
  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "%s", name);
  if (ioctl (*fd, TUNSETIFF, &ifr) < 0)
    return silo_make_error (err, errno, "network: create tap `%s`", name);
  return 0;
}

/* The tap up, with the MTU of the interface it stands for. */
static int
tap_up (struct nl_sock *sk, const char *name, unsigned mtu, int *ifindex, silo_error_t *err)
{
  struct rtnl_link *orig = NULL, *change = rtnl_link_alloc ();
  int ret = rtnl_link_get_kernel (sk, 0, name, &orig);

  if (ret == 0)
    {
      *ifindex = rtnl_link_get_ifindex (orig);
      rtnl_link_set_mtu (change, mtu);
      rtnl_link_set_flags (change, IFF_UP);
      ret = rtnl_link_change (sk, orig, change, 0);
    }
  rtnl_link_put (orig);
  rtnl_link_put (change);
  return ret < 0 ? nl_fail (err, ret, "bring up", name) : 0;
}

static struct rtnl_qdisc *
ingress_qdisc (int ifindex)
{
  struct rtnl_qdisc *q = rtnl_qdisc_alloc ();

  rtnl_tc_set_ifindex (TC_CAST (q), ifindex);
  rtnl_tc_set_parent (TC_CAST (q), TC_H_INGRESS);
  rtnl_tc_set_handle (TC_CAST (q), TC_HANDLE (0xffff, 0));
  rtnl_tc_set_kind (TC_CAST (q), "ingress");
  return q;
}

/* Has ifindex an ingress qdisc already (the engine's)? */
static int
ingress_exists (struct nl_sock *sk, int ifindex, const char *dev, bool *exists,
                silo_error_t *err)
{
  struct nl_cache *cache = NULL;
  struct rtnl_qdisc *q;
  int ret = rtnl_qdisc_alloc_cache (sk, &cache);

  if (ret < 0)
    return nl_fail (err, ret, "read the qdiscs of", dev);
  q = rtnl_qdisc_get_by_parent (cache, ifindex, TC_H_INGRESS);
  *exists = q != NULL;
  rtnl_qdisc_put (q);
  nl_cache_free (cache);
  return 0;
}

/* An ingress qdisc on ifindex, unless it has one (then made is false). */
static int
ingress_add (struct nl_sock *sk, int ifindex, const char *dev, bool *made, silo_error_t *err)
{
  struct rtnl_qdisc *q = ingress_qdisc (ifindex);
  int ret = rtnl_qdisc_add (sk, q, NLM_F_CREATE | NLM_F_EXCL);

  rtnl_qdisc_put (q);
  *made = ret == 0;
  if (ret == -NLE_EXIST)
    return 0;
  return ret < 0 ? nl_fail (err, ret, "add an ingress qdisc to", dev) : 0;
}

static struct rtnl_cls *
redirect_filter (int ifindex)
{
  struct rtnl_cls *cls = rtnl_cls_alloc ();

  rtnl_tc_set_ifindex (TC_CAST (cls), ifindex);
  rtnl_tc_set_parent (TC_CAST (cls), TC_HANDLE (0xffff, 0));
  rtnl_tc_set_kind (TC_CAST (cls), "u32");
  rtnl_cls_set_prio (cls, TC_PRIO);
  rtnl_cls_set_protocol (cls, ETH_P_ALL);
  return cls;
}

/* Every frame that comes in on `from` leaves through `to`. */
static int
redirect_add (struct nl_sock *sk, int from, int to, const char *dev, silo_error_t *err)
{
  struct rtnl_cls *cls = redirect_filter (from);
  struct rtnl_act *act = rtnl_act_alloc ();
  int ret;

  rtnl_tc_set_kind (TC_CAST (act), "mirred");
  rtnl_mirred_set_action (act, TCA_EGRESS_REDIR);
  rtnl_mirred_set_policy (act, TC_ACT_STOLEN);
  rtnl_mirred_set_ifindex (act, (uint32_t) to);
  ret = rtnl_u32_add_key_uint32 (cls, 0, 0, 0, 0); /* match all */
  if (ret == 0)
    ret = rtnl_u32_set_cls_terminal (cls);
  if (ret == 0)
    ret = rtnl_u32_add_action (cls, act);
  if (ret == 0)
    ret = rtnl_cls_add (sk, cls, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_act_put (act);
  rtnl_cls_put (cls);
  return ret < 0 ? nl_fail (err, ret, "redirect the traffic of", dev) : 0;
}

static int
link_absent (struct nl_sock *sk, const char *name, silo_error_t *err)
{
  struct rtnl_link *l = NULL;

  if (rtnl_link_get_kernel (sk, 0, name, &l) < 0)
    return 0;
  rtnl_link_put (l);
  return silo_make_error (err, 0, "network: the namespace already has `%s`: another sandbox "
                                  "uses it (a pod shares one sandbox, not one namespace)",
                          name);
}

/* One engine interface: its tap, then the redirects both ways. Recorded
 * before each thing is made. */
static int
plumb (struct nl_sock *sk, struct sandbox_net *net, size_t i, const struct ns_net_link *l,
       const char *state_dir, const char *netns, silo_error_t *err)
{
  struct sandbox_nic *nic = &net->nics[i];
  int tap_index = 0;
  bool engines = false, made = false, tap_qdisc;

  if (link_absent (sk, nic->tap, err) < 0
      || ingress_exists (sk, l->ifindex, l->name, &engines, err) < 0)
    return -1;
  /* Recorded as silo's when there is none yet: a kill before it is made
   * leaves a record whose delete finds nothing; the engine's is never
   * recorded, so never removed. */
  net->n = i + 1;
  nic->made_qdisc = !engines;
  if (record_write (state_dir, netns, net, err) < 0)
    return -1;
  if (tap_create (nic->tap, &nic->tap_fd, err) < 0
      || tap_up (sk, nic->tap, l->mtu, &tap_index, err) < 0
      || ingress_add (sk, l->ifindex, l->name, &made, err) < 0)
    return -1;
  if (made != nic->made_qdisc) /* the engine made one meanwhile */
    {
      nic->made_qdisc = made;
      if (record_write (state_dir, netns, net, err) < 0)
        return -1;
    }
  if (ingress_add (sk, tap_index, nic->tap, &tap_qdisc, err) < 0
      || redirect_add (sk, l->ifindex, tap_index, l->name, err) < 0
      || redirect_add (sk, tap_index, l->ifindex, nic->tap, err) < 0)
    return -1;
  return 0;
}

static void
nic_init (struct sandbox_nic *nic, const struct ns_net_link *l, size_t i)
{
  memset (nic, 0, sizeof (*nic));
  nic->tap_fd = -1;
  snprintf (nic->dev, sizeof (nic->dev), "%s", l->name);
  snprintf (nic->tap, sizeof (nic->tap), "tap%u_silo", (unsigned) (i % 1000));
  memcpy (nic->mac, l->mac, sizeof (nic->mac));
  nic->mtu = l->mtu;
}

int
sandbox_net_setup (const struct sandbox_request *req, struct sandbox_net *net, silo_error_t *err)
{
  cleanup_free struct ns_net_link *links = NULL;
  struct nl_sock *sk = NULL;
  const char *netns = netns_path (req->cfg);
  size_t n, i;
  int ret;

  memset (net, 0, sizeof (*net));
  if (ns_net_links (&links, &n, err) < 0 || ns_net_describe (links, n, &net->desc, err) < 0)
    return -1;
  if (n == 0)
    return 0; /* --network none: lo only */
  sk = nl_socket_alloc ();
  if (sk == NULL || (ret = nl_connect (sk, NETLINK_ROUTE)) < 0)
    {
      nl_socket_free (sk);
      return silo_make_error (err, 0, "network: netlink socket");
    }
  net->nics = xmalloc (n * sizeof (*net->nics));
  for (i = 0; i < n; i++)
    nic_init (&net->nics[i], &links[i], i);
  for (i = 0, ret = 0; i < n && ret == 0; i++)
    ret = plumb (sk, net, i, &links[i], req->state_dir, netns, err);
  nl_socket_free (sk);
  return ret;
}

void
sandbox_net_close_taps (struct sandbox_net *net)
{
  for (size_t i = 0; i < net->n; i++)
    close_and_reset (&net->nics[i].tap_fd);
}

void
sandbox_net_free (struct sandbox_net *net)
{
  sandbox_net_close_taps (net);
  free (net->nics);
  free (net->desc);
  memset (net, 0, sizeof (*net));
}

/* --- teardown, from the record --- */

/* A netlink socket in the namespace at path; 0 with *sk NULL when that
 * namespace is gone (the engine removed it first: nothing left to undo). */
static int
socket_at (const char *path, struct nl_sock **sk, silo_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);

  *sk = NULL;
  if (fd < 0)
    return errno == ENOENT ? 0 : silo_make_error (err, errno, "network: open `%s`", path);
  return ns_netlink_socket_at (fd, sk, err);
}

static void
undo_nic (struct nl_sock *sk, const char *dev, const char *tap, bool qdisc)
{
  struct rtnl_link *l = NULL;

  if (rtnl_link_get_kernel (sk, 0, tap, &l) == 0)
    {
      rtnl_link_delete (sk, l); /* its qdisc and filters go with it */
      rtnl_link_put (l);
      l = NULL;
    }
  if (rtnl_link_get_kernel (sk, 0, dev, &l) == 0)
    {
      int ifindex = rtnl_link_get_ifindex (l);
      struct rtnl_cls *cls = redirect_filter (ifindex);
      struct rtnl_qdisc *q = ingress_qdisc (ifindex);

      rtnl_cls_delete (sk, cls, 0);
      if (qdisc)
        rtnl_qdisc_delete (sk, q);
      rtnl_cls_put (cls);
      rtnl_qdisc_put (q);
      rtnl_link_put (l);
    }
}

int
sandbox_net_release (const char *state_dir, silo_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  json_t *root, *ns, *nics, *nic;
  const char *netns = NULL;
  struct nl_sock *sk = NULL;
  size_t i;
  int ret;

  xasprintf (&path, "%s/" NET_RECORD, state_dir);
  if (read_file (path, &text, NULL, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      silo_error_release (err);
      return 0;
    }
  root = json_loads (text, 0, NULL);
  ns = json_object_get (root, "netns");
  nics = json_object_get (root, "nics");
  netns = json_string_value (ns);
  if (ns == NULL || (!json_is_null (ns) && netns == NULL) || !json_is_array (nics))
    {
      json_decref (root);
      return silo_make_error (err, 0, "`%s`: malformed", path);
    }
  ret = netns ? socket_at (netns, &sk, err) : 0;
  json_array_foreach (nics, i, nic)
    {
      const char *dev = NULL, *tap = NULL;
      int qdisc = 0;
      if (sk && json_unpack (nic, "{s:s, s:s, s:b}", "dev", &dev, "tap", &tap, "qdisc", &qdisc) == 0)
        undo_nic (sk, dev, tap, qdisc);
    }
  nl_socket_free (sk);
  json_decref (root);
  if (ret == 0 && unlink (path) < 0 && errno != ENOENT)
    ret = silo_make_error (err, errno, "remove `%s`", path);
  return ret;
}
