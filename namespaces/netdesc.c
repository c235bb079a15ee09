/* A network namespace described for a guest kernel, and applied there.
 *
 * On the host, the sandbox monitor runs in the namespace the engine built
 * (veth or macvlan interfaces, their addresses, a default route) and reads
 * it over netlink; the guest agent gets the description and gives the
 * guest's NICs (each found by the MAC it was booted with) the same names,
 * MTUs, addresses and routes. The description is JSON (docs/networking.md):
 *
 *   {"links": [{"name": "eth0", "mac": "aa:..", "mtu": 1500, "up": true,
 *               "addrs": [{"local": "10.88.0.5/16", "brd": "10.88.255.255"},
 *                         {"local": "fd00::5/64", "brd": null}]}],
 *    "routes": [{"family": "inet", "dst": "default", "scope": 0,
 *                "metric": 0, "src": null,
 *                "nexthops": [{"dev": "eth0", "gw": "10.88.0.1"}]}]}
 *
 * What the kernel makes by itself is left out on the way: IPv6 link-local
 * addresses (derived from the same MAC), routes of protocol kernel (the
 * prefix route of each address) and router advertisements, and every
 * table but main. */
#include "internal.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#define NETDESC_MAX_LINKS 64
#define NETDESC_MAX_ROUTES 1024

static int
nl_fail (silo_error_t *err, int nlerr, const char *what)
{
  return silo_make_error (err, 0, "%s: %s", what, nl_geterror (nlerr));
}

static void
json_cleanup (json_t **j)
{
  json_decref (*j);
}
#define cleanup_json __attribute__ ((cleanup (json_cleanup)))

static void
cache_cleanup (struct nl_cache **c)
{
  nl_cache_free (*c);
}
#define cleanup_cache __attribute__ ((cleanup (cache_cleanup)))

static int
connect_route (struct nl_sock **out, silo_error_t *err)
{
  struct nl_sock *sk = nl_socket_alloc ();
  int ret;

  if (sk == NULL)
    return silo_make_error (err, ENOMEM, "netlink socket");
  ret = nl_connect (sk, NETLINK_ROUTE);
  if (ret < 0)
    {
      nl_socket_free (sk);
      return nl_fail (err, ret, "netlink socket");
    }
  *out = sk;
  return 0;
}

/* silo's own taps in a namespace it shares with the engine's interfaces. */
static bool
is_silo_tap (const char *name)
{
  size_t n = strlen (name);
  return n > 5 && strcmp (name + n - 5, "_silo") == 0;
}

/* An Ethernet link the guest should have: not lo, not silo's tap. */
static bool
wanted_link (struct rtnl_link *l)
{
  struct nl_addr *mac = rtnl_link_get_addr (l);

  return rtnl_link_get_arptype (l) == ARPHRD_ETHER && mac && nl_addr_get_len (mac) == 6
         && !is_silo_tap (rtnl_link_get_name (l));
}

int
ns_net_links (struct ns_net_link **out, size_t *n, silo_error_t *err)
{
  cleanup_cache struct nl_cache *cache = NULL;
  struct nl_sock *sk = NULL;
  struct nl_object *o;
  int ret;

  *out = NULL;
  *n = 0;
  if (connect_route (&sk, err) < 0)
    return -1;
  ret = rtnl_link_alloc_cache (sk, AF_UNSPEC, &cache);
  nl_socket_free (sk);
  if (ret < 0)
    return nl_fail (err, ret, "read the network interfaces");
  for (o = nl_cache_get_first (cache); o; o = nl_cache_get_next (o))
    {
      struct rtnl_link *l = (struct rtnl_link *) o;
      struct ns_net_link *x;

      if (!wanted_link (l))
        continue;
      if (*n == NETDESC_MAX_LINKS)
        return silo_make_error (err, 0, "network namespace: more than %d interfaces",
                                NETDESC_MAX_LINKS);
      *out = xrealloc (*out, (*n + 1) * sizeof (**out));
      x = &(*out)[(*n)++];
      memset (x, 0, sizeof (*x));
      snprintf (x->name, sizeof (x->name), "%s", rtnl_link_get_name (l));
      x->ifindex = rtnl_link_get_ifindex (l);
      x->mtu = rtnl_link_get_mtu (l);
      x->up = (rtnl_link_get_flags (l) & IFF_UP) != 0;
      memcpy (x->mac, nl_addr_get_binary_addr (rtnl_link_get_addr (l)), 6);
    }
  return 0;
}

/* --- the host: describe --- */

static const char *
link_name (const struct ns_net_link *links, size_t n, int ifindex)
{
  for (size_t i = 0; i < n; i++)
    if (links[i].ifindex == ifindex)
      return links[i].name;
  return NULL;
}

static json_t *
addr_json (struct nl_addr *a)
{
  char buf[INET6_ADDRSTRLEN + 8];

  return json_string (nl_addr2str (a, buf, sizeof (buf)));
}

static int
describe_addrs (struct nl_sock *sk, const struct ns_net_link *l, json_t *addrs, silo_error_t *err)
{
  cleanup_cache struct nl_cache *cache = NULL;
  struct nl_object *o;
  int ret = rtnl_addr_alloc_cache (sk, &cache);

  if (ret < 0)
    return nl_fail (err, ret, "read the addresses");
  for (o = nl_cache_get_first (cache); o; o = nl_cache_get_next (o))
    {
      struct rtnl_addr *a = (struct rtnl_addr *) o;

      if (rtnl_addr_get_ifindex (a) != l->ifindex)
        continue;
      if (rtnl_addr_get_family (a) == AF_INET6 && rtnl_addr_get_scope (a) == RT_SCOPE_LINK)
        continue;
      struct nl_addr *brd = rtnl_addr_get_broadcast (a);
      json_array_append_new (addrs, json_pack ("{s:o, s:o}", "local",
                                               addr_json (rtnl_addr_get_local (a)), "brd",
                                               brd ? addr_json (brd) : json_null ()));
    }
  return 0;
}

static json_t *
describe_link (const struct ns_net_link *l)
{
  char mac[18];

  snprintf (mac, sizeof (mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2],
            l->mac[3], l->mac[4], l->mac[5]);
  return json_pack ("{s:s, s:s, s:i, s:b, s:[]}", "name", l->name, "mac", mac, "mtu",
                    (int) l->mtu, "up", l->up, "addrs");
}

/* A route of the main table the kernel would not make in the guest, on
 * the described links only; NULL when it is not one. */
static json_t *
describe_route (struct rtnl_route *r, const struct ns_net_link *links, size_t n)
{
  int fam = rtnl_route_get_family (r);
  struct nl_addr *dst = rtnl_route_get_dst (r), *src = rtnl_route_get_pref_src (r);
  json_t *route, *hops = json_array ();
  int i;

  if (rtnl_route_get_table (r) != RT_TABLE_MAIN || rtnl_route_get_type (r) != RTN_UNICAST
      || rtnl_route_get_protocol (r) == RTPROT_KERNEL || rtnl_route_get_protocol (r) == RTPROT_RA
      || (fam != AF_INET && fam != AF_INET6))
    goto skip;
  for (i = 0; i < rtnl_route_get_nnexthops (r); i++)
    {
      struct rtnl_nexthop *nh = rtnl_route_nexthop_n (r, i);
      const char *dev = link_name (links, n, rtnl_route_nh_get_ifindex (nh));
      struct nl_addr *gw = rtnl_route_nh_get_gateway (nh);

      if (dev == NULL)
        goto skip; /* through lo or an interface the guest does not get */
      json_array_append_new (hops, json_pack ("{s:s, s:o}", "dev", dev, "gw",
                                              gw ? addr_json (gw) : json_null ()));
    }
  if (json_array_size (hops) == 0)
    goto skip;
  route = json_pack ("{s:s, s:o, s:i, s:I, s:o, s:o}", "family", fam == AF_INET ? "inet" : "inet6",
                     "dst",
                     dst == NULL || nl_addr_get_prefixlen (dst) == 0 ? json_string ("default")
                                                                     : addr_json (dst),
                     "scope", rtnl_route_get_scope (r), "metric",
                     (json_int_t) rtnl_route_get_priority (r), "src",
                     src ? addr_json (src) : json_null (), "nexthops", hops);
  return route;
skip:
  json_decref (hops);
  return NULL;
}

static int
describe_routes (struct nl_sock *sk, const struct ns_net_link *links, size_t n, json_t *routes,
                 silo_error_t *err)
{
  cleanup_cache struct nl_cache *cache = NULL;
  struct nl_object *o;
  int ret = rtnl_route_alloc_cache (sk, AF_UNSPEC, 0, &cache);

  if (ret < 0)
    return nl_fail (err, ret, "read the routes");
  for (o = nl_cache_get_first (cache); o; o = nl_cache_get_next (o))
    {
      json_t *r = describe_route ((struct rtnl_route *) o, links, n);
      if (r == NULL)
        continue;
      if (json_array_size (routes) == NETDESC_MAX_ROUTES)
        {
          json_decref (r);
          return silo_make_error (err, 0, "network namespace: more than %d routes",
                                  NETDESC_MAX_ROUTES);
        }
      json_array_append_new (routes, r);
    }
  return 0;
}

int
ns_net_describe (const struct ns_net_link *links, size_t n, char **out, silo_error_t *err)
{
  cleanup_json json_t *root = json_pack ("{s:[], s:[]}", "links", "routes");
  json_t *jl = json_object_get (root, "links");
  struct nl_sock *sk = NULL;
  int ret = 0;

  if (connect_route (&sk, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      json_t *l = describe_link (&links[i]);
      json_array_append_new (jl, l);
      ret = describe_addrs (sk, &links[i], json_object_get (l, "addrs"), err);
    }
  if (ret == 0)
    ret = describe_routes (sk, links, n, json_object_get (root, "routes"), err);
  nl_socket_free (sk);
  if (ret < 0)
    return silo_error_wrap (err, "describe the network namespace");
  *out = json_dumps (root, JSON_COMPACT);
  return *out ? 0 : silo_make_error (err, ENOMEM, "describe the network namespace");
}

/* --- the guest: apply --- */

static int parse_addr (const char *s, int family, struct nl_addr **out);

struct guest_link
{
  const char *name; /* wanted */
  unsigned mtu;
  bool up;
  int ifindex; /* the guest's NIC with that MAC */
  json_t *addrs;
};

static int
parse_mac (const char *s, unsigned char mac[6])
{
  unsigned v[6];
  char end;

  if (s == NULL
      || sscanf (s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end)
             != 6)
    return -1;
  for (int i = 0; i < 6; i++)
    mac[i] = (unsigned char) v[i];
  return 0;
}

static int
find_by_mac (struct nl_cache *cache, const unsigned char mac[6])
{
  for (struct nl_object *o = nl_cache_get_first (cache); o; o = nl_cache_get_next (o))
    {
      struct nl_addr *a = rtnl_link_get_addr ((struct rtnl_link *) o);
      if (a && nl_addr_get_len (a) == 6 && memcmp (nl_addr_get_binary_addr (a), mac, 6) == 0)
        return rtnl_link_get_ifindex ((struct rtnl_link *) o);
    }
  return 0;
}

/* links[i] of the description, checked, and the guest NIC it names. */
static int
parse_link (json_t *j, size_t i, struct nl_cache *cache, struct guest_link *g, silo_error_t *err)
{
  const char *mac_s = NULL;
  unsigned char mac[6];
  json_int_t mtu = 0;
  int up = 0;

  if (json_unpack (j, "{s:s, s:s, s:I, s:b, s:o}", "name", &g->name, "mac", &mac_s, "mtu", &mtu,
                   "up", &up, "addrs", &g->addrs)
          < 0
      || !json_is_array (g->addrs) || strlen (g->name) == 0 || strlen (g->name) >= IFNAMSIZ
      || strchr (g->name, '/') || parse_mac (mac_s, mac) < 0 || mtu < 0 || mtu > 65535)
    return silo_make_error (err, 0, "network description: links[%zu]: malformed", i);
  g->mtu = (unsigned) mtu;
  g->up = up;
  g->ifindex = find_by_mac (cache, mac);
  if (g->ifindex == 0)
    return silo_make_error (err, 0, "network: no guest interface with MAC %s (for `%s`)", mac_s,
                            g->name);
  return 0;
}

static int
try_change_link (struct nl_sock *sk, int ifindex, const char *name, unsigned mtu, bool up)
{
  struct rtnl_link *orig = NULL, *change = rtnl_link_alloc ();
  int ret = rtnl_link_get_kernel (sk, ifindex, NULL, &orig);

  if (ret == 0)
    {
      if (name)
        rtnl_link_set_name (change, name);
      if (mtu)
        rtnl_link_set_mtu (change, mtu);
      if (up)
        rtnl_link_set_flags (change, IFF_UP);
      ret = rtnl_link_change (sk, orig, change, 0);
    }
  rtnl_link_put (orig);
  rtnl_link_put (change);
  return ret;
}

/* An MTU past what the guest's NIC takes (UML's tops at 1500, and
 * slirp4netns gives 65520) leaves the NIC at its own: TCP adapts through
 * the MSS the guest announces. */
static int
change_link (struct nl_sock *sk, int ifindex, const char *name, unsigned mtu, bool up,
             silo_error_t *err)
{
  int ret = try_change_link (sk, ifindex, name, mtu, up);

  if (ret == -NLE_INVAL && mtu)
    {
      pr_warn ("%s: MTU %u refused by this NIC: it keeps its own", name ? name : "network", mtu);
      ret = try_change_link (sk, ifindex, name, 0, up);
    }
  return ret < 0 ? nl_fail (err, ret, name ? name : "network interface") : 0;
}

static int
add_addr (struct nl_sock *sk, const struct guest_link *g, json_t *j, silo_error_t *err)
{
  const char *s = json_string_value (json_object_get (j, "local"));
  json_t *brd_j = json_object_get (j, "brd");
  struct nl_addr *local = NULL, *brd = NULL;
  struct rtnl_addr *a;
  int ret = s ? nl_addr_parse (s, AF_UNSPEC, &local) : -NLE_INVAL;

  if (ret == 0 && brd_j && !json_is_null (brd_j)
      && parse_addr (json_string_value (brd_j), nl_addr_get_family (local), &brd) < 0)
    ret = -NLE_INVAL;
  if (ret < 0)
    {
      nl_addr_put (local);
      return silo_make_error (err, 0, "network: `%s`: address `%s`: malformed", g->name,
                              s ? s : "");
    }
  a = rtnl_addr_alloc ();
  rtnl_addr_set_ifindex (a, g->ifindex);
  rtnl_addr_set_local (a, local);
  if (brd)
    rtnl_addr_set_broadcast (a, brd);
  /* The host side has already checked the address is its own: no DAD. */
  if (nl_addr_get_family (local) == AF_INET6)
    rtnl_addr_set_flags (a, IFA_F_NODAD);
  ret = rtnl_addr_add (sk, a, 0);
  rtnl_addr_put (a);
  nl_addr_put (local);
  nl_addr_put (brd);
  return ret < 0 ? silo_make_error (err, 0, "network: `%s`: add address `%s`: %s", g->name, s,
                                    nl_geterror (ret))
                 : 0;
}

/* Two passes of renames, through temporary names, so that a guest NIC
 * already called what another must become is no obstacle. */
static int
apply_links (struct nl_sock *sk, struct guest_link *g, size_t n, silo_error_t *err)
{
  char tmp[IFNAMSIZ];
  size_t i, j;

  for (i = 0; i < n; i++)
    {
      snprintf (tmp, sizeof (tmp), "silotmp%u", (unsigned) (i % NETDESC_MAX_LINKS));
      if (change_link (sk, g[i].ifindex, tmp, 0, false, err) < 0)
        return -1;
    }
  for (i = 0; i < n; i++)
    {
      if (change_link (sk, g[i].ifindex, g[i].name, g[i].mtu, g[i].up, err) < 0)
        return -1;
      for (j = 0; j < json_array_size (g[i].addrs); j++)
        if (add_addr (sk, &g[i], json_array_get (g[i].addrs, j), err) < 0)
          return -1;
    }
  return 0;
}

static int
guest_ifindex (const struct guest_link *g, size_t n, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp (g[i].name, name) == 0)
      return g[i].ifindex;
  return 0;
}

static int
parse_addr (const char *s, int family, struct nl_addr **out)
{
  if (s == NULL)
    return -1;
  if (nl_addr_parse (s, family, out) < 0)
    return -1;
  return nl_addr_get_family (*out) == family ? 0 : (nl_addr_put (*out), -1);
}

static int
route_hops (struct rtnl_route *r, json_t *hops, int family, const struct guest_link *g, size_t n)
{
  size_t i;

  if (!json_is_array (hops) || json_array_size (hops) == 0)
    return -1;
  for (i = 0; i < json_array_size (hops); i++)
    {
      json_t *h = json_array_get (hops, i), *gw = json_object_get (h, "gw");
      int ifindex = guest_ifindex (g, n, json_string_value (json_object_get (h, "dev")));
      struct rtnl_nexthop *nh;
      struct nl_addr *a = NULL;

      if (ifindex == 0 || (gw && !json_is_null (gw)
                           && parse_addr (json_string_value (gw), family, &a) < 0))
        return -1;
      nh = rtnl_route_nh_alloc ();
      rtnl_route_nh_set_ifindex (nh, ifindex);
      if (a)
        {
          rtnl_route_nh_set_gateway (nh, a);
          nl_addr_put (a);
        }
      rtnl_route_add_nexthop (r, nh);
    }
  return 0;
}

static int
parse_route (json_t *j, const struct guest_link *g, size_t n, struct rtnl_route *r)
{
  const char *fam_s = NULL, *dst_s = NULL;
  json_t *hops = NULL, *src = NULL;
  struct nl_addr *dst = NULL, *pref = NULL;
  json_int_t metric = 0;
  int scope = 0, family;

  if (json_unpack (j, "{s:s, s:s, s:i, s:I, s:o, s:o}", "family", &fam_s, "dst", &dst_s, "scope",
                   &scope, "metric", &metric, "src", &src, "nexthops", &hops)
      < 0)
    return -1;
  family = strcmp (fam_s, "inet") == 0 ? AF_INET : strcmp (fam_s, "inet6") == 0 ? AF_INET6 : -1;
  if (family < 0 || scope < 0 || scope > 255 || metric < 0 || metric > UINT32_MAX)
    return -1;
  if (strcmp (dst_s, "default") == 0)
    dst = nl_addr_build (family, NULL, 0);
  else if (parse_addr (dst_s, family, &dst) < 0)
    return -1;
  rtnl_route_set_family (r, (uint8_t) family);
  rtnl_route_set_dst (r, dst);
  nl_addr_put (dst);
  if (!json_is_null (src))
    {
      if (parse_addr (json_string_value (src), family, &pref) < 0)
        return -1;
      rtnl_route_set_pref_src (r, pref);
      nl_addr_put (pref);
    }
  rtnl_route_set_table (r, RT_TABLE_MAIN);
  rtnl_route_set_type (r, RTN_UNICAST);
  rtnl_route_set_protocol (r, RTPROT_BOOT);
  rtnl_route_set_scope (r, (uint8_t) scope);
  rtnl_route_set_priority (r, (uint32_t) metric);
  return route_hops (r, hops, family, g, n);
}

/* Routes without a gateway (on-link ones a gateway may be reached by)
 * before those with one. */
static int
apply_routes (struct nl_sock *sk, json_t *routes, const struct guest_link *g, size_t n,
              silo_error_t *err)
{
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < json_array_size (routes); i++)
      {
        json_t *j = json_array_get (routes, i);
        json_t *gw = json_object_get (json_array_get (json_object_get (j, "nexthops"), 0), "gw");
        struct rtnl_route *r;
        int ret;

        if ((gw == NULL || json_is_null (gw)) != (pass == 0))
          continue;
        r = rtnl_route_alloc ();
        if (parse_route (j, g, n, r) < 0)
          {
            rtnl_route_put (r);
            return silo_make_error (err, 0, "network description: routes[%zu]: malformed", i);
          }
        ret = rtnl_route_add (sk, r, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_route_put (r);
        if (ret < 0)
          return silo_make_error (err, 0, "network: add route %s: %s",
                                  json_string_value (json_object_get (j, "dst")),
                                  nl_geterror (ret));
      }
  return 0;
}

static int
apply_parsed (struct nl_sock *sk, json_t *root, silo_error_t *err)
{
  json_t *links = json_object_get (root, "links"), *routes = json_object_get (root, "routes");
  cleanup_cache struct nl_cache *cache = NULL;
  cleanup_free struct guest_link *g = NULL;
  size_t i, n;
  int ret;

  if (!json_is_array (links) || !json_is_array (routes)
      || json_array_size (links) > NETDESC_MAX_LINKS
      || json_array_size (routes) > NETDESC_MAX_ROUTES)
    return silo_make_error (err, 0, "network description: malformed");
  ret = rtnl_link_alloc_cache (sk, AF_UNSPEC, &cache);
  if (ret < 0)
    return nl_fail (err, ret, "network: read the guest's interfaces");
  n = json_array_size (links);
  g = xmalloc ((n ? n : 1) * sizeof (*g));
  for (i = 0; i < n; i++)
    if (parse_link (json_array_get (links, i), i, cache, &g[i], err) < 0)
      return -1;
  for (i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (g[i].ifindex == g[j].ifindex || strcmp (g[i].name, g[j].name) == 0)
        return silo_make_error (err, 0, "network description: links[%zu]: a duplicate", i);
  if (apply_links (sk, g, n, err) < 0)
    return -1;
  return apply_routes (sk, routes, g, n, err);
}

int
ns_net_apply (const char *desc, size_t len, silo_error_t *err)
{
  cleanup_json json_t *root = json_loadb (desc, len, 0, NULL);
  struct nl_sock *sk = NULL;
  int ret;

  if (!json_is_object (root))
    return silo_make_error (err, 0, "network description: not a JSON object");
  if (connect_route (&sk, err) < 0)
    return -1;
  ret = apply_parsed (sk, root, err);
  nl_socket_free (sk);
  return ret;
}
