/* linux.resources: cgroup limits, also parsed alone for `update -r FILE`. */
#include <string.h>

#include "../util/utils.h"
#include "internal.h"

/* An integer field stored as struct oci_opt at `off` inside a section,
 * with the range the kernel (or runc) takes. */
struct opt_field
{
  const char *key;
  size_t off;
  int64_t min, max;
};

static int
parse_opt_fields (struct oci_ctx *c, json_t *o, const char *path,
                  const struct opt_field *f, size_t n, void *section)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      ret = oci_get_opt_range (c, o, path, f[i].key, f[i].min, f[i].max,
                               (struct oci_opt *) ((char *) section + f[i].off));
      if (ret < 0)
        return ret;
    }
  return 0;
}

#define MEM_F(k, m, lo, hi) { k, offsetof (struct oci_resources, memory.m), lo, hi }
#define CPU_F(k, m, lo, hi) { k, offsetof (struct oci_resources, cpu.m), lo, hi }

/* -1 is "unlimited" for the byte counts, as in runc. */
static const struct opt_field memory_fields[] = {
  MEM_F ("limit", limit, -1, INT64_MAX),
  MEM_F ("reservation", reservation, -1, INT64_MAX),
  MEM_F ("swap", swap, -1, INT64_MAX),
  MEM_F ("kernel", kernel, -1, INT64_MAX),
  MEM_F ("kernelTCP", kernel_tcp, -1, INT64_MAX),
  MEM_F ("swappiness", swappiness, 0, 100),
};

static const struct opt_field cpu_fields[] = {
  CPU_F ("shares", shares, 0, 262144),
  CPU_F ("quota", quota, -1, INT64_MAX),
  CPU_F ("burst", burst, 0, INT64_MAX),
  CPU_F ("period", period, 0, 1000000),
  CPU_F ("realtimeRuntime", realtime_runtime, -1, INT64_MAX),
  CPU_F ("realtimePeriod", realtime_period, 0, INT64_MAX),
  CPU_F ("idle", idle, 0, 1),
};

/* cpuset lists ("0-3,7") and hugepage sizes ("2MB") end up in cgroup file
 * names and contents: only their own characters pass. */
static int
check_chars (struct oci_ctx *c, const char *path, const char *v, const char *allowed,
             const char *what)
{
  if (strspn (v, allowed) != strlen (v) || strlen (v) > 1024)
    return oci_fail (c, path, "\"%.64s\" is not %s", v, what);
  return 0;
}

static int
device_rule_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_resources *r = data;
  struct oci_device_rule *d = &r->devices[r->n_devices];
  cleanup_free char *type = NULL, *access = NULL;
  char p[OCI_PATH_LEN];
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  d->major = d->minor = -1;
  d->type = 'a';
  oci_path_key (p, path, "allow");
  if (json_object_get (o, "allow") == NULL)
    return oci_fail (c, p, "missing");
  ret = oci_get_bool (c, o, path, "allow", &d->allow);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "type", false, &type);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "major", false, -1, OCI_MAX_MAJOR, &d->major);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "minor", false, -1, OCI_MAX_MINOR, &d->minor);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "access", false, &access);
  if (ret < 0)
    return ret;
  oci_path_key (p, path, "type");
  if (type != NULL && (strlen (type) != 1 || strchr ("acb", type[0]) == NULL))
    return oci_fail (c, p, "unknown device type \"%s\"", type);
  if (type != NULL)
    d->type = type[0];
  oci_path_key (p, path, "access");
  if (access != NULL && (strlen (access) > 3 || strspn (access, "rwm") != strlen (access)))
    return oci_fail (c, p, "invalid access \"%s\" (subset of \"rwm\")", access);
  /* An empty or absent access means all of them, as in runc. */
  strcpy (d->access, access != NULL && *access ? access : "rwm");
  r->n_devices++;
  return 0;
}

static int
parse_memory_cpu (struct oci_ctx *c, json_t *res, const char *base, struct oci_resources *r)
{
  char path[OCI_PATH_LEN], p[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, res, base, "memory", false, &o);
  if (ret == 0 && o != NULL)
    {
      oci_path_key (path, base, "memory");
      ret = parse_opt_fields (c, o, path, memory_fields, ARRAY_SIZE (memory_fields), r);
      r->memory.has_disable_oom_killer = json_object_get (o, "disableOOMKiller") != NULL;
      if (ret == 0)
        ret = oci_get_bool (c, o, path, "disableOOMKiller", &r->memory.disable_oom_killer);
      if (ret == 0)
        ret = oci_get_bool (c, o, path, "useHierarchy", &r->memory.use_hierarchy);
      if (ret == 0)
        ret = oci_get_bool (c, o, path, "checkBeforeUpdate", &r->memory.check_before_update);
    }
  o = NULL;
  if (ret == 0)
    ret = oci_get_object (c, res, base, "cpu", false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "cpu");
  ret = parse_opt_fields (c, o, path, cpu_fields, ARRAY_SIZE (cpu_fields), r);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "cpus", false, &r->cpu.cpus);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "mems", false, &r->cpu.mems);
  if (ret < 0)
    return ret;
  oci_path_key (p, path, "cpus");
  if (r->cpu.cpus && check_chars (c, p, r->cpu.cpus, "0123456789,-", "a CPU list") < 0)
    return -1;
  oci_path_key (p, path, "mems");
  if (r->cpu.mems && check_chars (c, p, r->cpu.mems, "0123456789,-", "a memory node list") < 0)
    return -1;
  return 0;
}

static int
weight_device_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_resources *r = data;
  struct oci_weight_device *d = &r->block_io.weight_device[r->block_io.n_weight_device];
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_range (c, o, path, "major", true, 0, OCI_MAX_MAJOR, &d->major);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "minor", true, 0, OCI_MAX_MINOR, &d->minor);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "weight", 0, 1000, &d->weight);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "leafWeight", 0, 1000, &d->leaf_weight);
  if (ret == 0)
    r->block_io.n_weight_device++;
  return ret;
}

struct throttle_vec
{
  struct oci_throttle_device *items;
  size_t *len;
};

static int
throttle_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct throttle_vec *v = data;
  struct oci_throttle_device *d = &v->items[*v->len];
  int64_t rate = 0;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_range (c, o, path, "major", true, 0, OCI_MAX_MAJOR, &d->major);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "minor", true, 0, OCI_MAX_MINOR, &d->minor);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "rate", true, 0, INT64_MAX, &rate);
  if (ret < 0)
    return ret;
  d->rate = (uint64_t) rate;
  (*v->len)++;
  return 0;
}

static int
parse_throttle (struct oci_ctx *c, json_t *bio, const char *path, const char *key,
                struct oci_throttle_device **items, size_t *len)
{
  struct throttle_vec v;

  *items = xmalloc0 ((oci_array_len (bio, key) + 1) * sizeof (**items));
  v.items = *items;
  v.len = len;
  return oci_for_each (c, bio, path, key, throttle_elem, &v);
}

static int
parse_block_io (struct oci_ctx *c, json_t *res, const char *base, struct oci_resources *r)
{
  char path[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, res, base, "blockIO", false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "blockIO");
  ret = oci_get_opt_range (c, o, path, "weight", 0, 1000, &r->block_io.weight);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "leafWeight", 0, 1000, &r->block_io.leaf_weight);
  if (ret < 0)
    return ret;
  r->block_io.weight_device
      = xmalloc0 ((oci_array_len (o, "weightDevice") + 1) * sizeof (struct oci_weight_device));
  ret = oci_for_each (c, o, path, "weightDevice", weight_device_elem, r);
  if (ret == 0)
    ret = parse_throttle (c, o, path, "throttleReadBpsDevice", &r->block_io.throttle_read_bps,
                          &r->block_io.n_throttle_read_bps);
  if (ret == 0)
    ret = parse_throttle (c, o, path, "throttleWriteBpsDevice",
                          &r->block_io.throttle_write_bps, &r->block_io.n_throttle_write_bps);
  if (ret == 0)
    ret = parse_throttle (c, o, path, "throttleReadIOPSDevice",
                          &r->block_io.throttle_read_iops, &r->block_io.n_throttle_read_iops);
  if (ret == 0)
    ret = parse_throttle (c, o, path, "throttleWriteIOPSDevice",
                          &r->block_io.throttle_write_iops,
                          &r->block_io.n_throttle_write_iops);
  return ret;
}

static int
hugepage_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_resources *r = data;
  struct oci_hugepage_limit *h = &r->hugepage_limits[r->n_hugepage_limits];
  int64_t limit = 0;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  r->n_hugepage_limits++;
  char ppath[OCI_PATH_LEN];
  size_t n;

  ret = oci_get_string (c, o, path, "pageSize", true, &h->page_size);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "limit", true, 0, INT64_MAX, &limit);
  if (ret < 0)
    return ret;
  h->limit = (uint64_t) limit;
  /* It names a file: hugetlb.<pageSize>.limit_in_bytes. */
  oci_path_key (ppath, path, "pageSize");
  n = strspn (h->page_size, "0123456789");
  if (n == 0 || n > 8 || strlen (h->page_size) != n + 2 || strchr ("KMG", h->page_size[n]) == NULL
      || h->page_size[n + 1] != 'B')
    return oci_fail (c, ppath, "\"%.64s\" is not a page size like \"2MB\"", h->page_size);
  return 0;
}

static int
priority_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_resources *r = data;
  struct oci_net_priority *p = &r->network.priorities[r->network.n_priorities];
  int64_t prio = 0;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  r->network.n_priorities++;
  char npath[OCI_PATH_LEN];

  ret = oci_get_string (c, o, path, "name", true, &p->name);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "priority", true, 0, UINT32_MAX, &prio);
  if (ret < 0)
    return ret;
  p->priority = (uint32_t) prio;
  /* An interface name: IFNAMSIZ - 1 bytes, no blank or slash. */
  oci_path_key (npath, path, "name");
  if (p->name[0] == '\0' || strlen (p->name) > 15 || strpbrk (p->name, " \t\n/:") != NULL)
    return oci_fail (c, npath, "\"%.64s\" is not an interface name", p->name);
  return 0;
}

static int
parse_misc (struct oci_ctx *c, json_t *res, const char *base, struct oci_resources *r)
{
  char path[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, res, base, "pids", false, &o);
  if (ret == 0 && o != NULL)
    {
      oci_path_key (path, base, "pids");
      ret = oci_get_opt_range (c, o, path, "limit", -1, INT64_MAX, &r->pids_limit);
    }
  if (ret < 0)
    return ret;
  r->hugepage_limits = xmalloc0 ((oci_array_len (res, "hugepageLimits") + 1)
                                 * sizeof (struct oci_hugepage_limit));
  ret = oci_for_each (c, res, base, "hugepageLimits", hugepage_elem, r);
  o = NULL;
  if (ret == 0)
    ret = oci_get_object (c, res, base, "network", false, &o);
  if (ret == 0 && o != NULL)
    {
      oci_path_key (path, base, "network");
      ret = oci_get_opt_range (c, o, path, "classID", 0, UINT32_MAX, &r->network.class_id);
      r->network.priorities = xmalloc0 ((oci_array_len (o, "priorities") + 1)
                                        * sizeof (struct oci_net_priority));
      if (ret == 0)
        ret = oci_for_each (c, o, path, "priorities", priority_elem, r);
    }
  if (ret == 0 && json_object_get (res, "rdma") != NULL)
    {
      oci_path_key (path, base, "rdma");
      ret = oci_fail (c, path, "the rdma cgroup controller is not supported by silo");
    }
  if (ret == 0)
    ret = oci_get_kv (c, res, base, "unified", &r->unified);
  for (size_t i = 0; ret == 0 && i < r->unified.len; i++)
    {
      const char *k = r->unified.items[i].key;

      oci_path_key (path, base, "unified");
      if (k[0] == '\0' || k[0] == '.' || strchr (k, '/') != NULL || strlen (k) > 255)
        ret = oci_fail (c, path, "\"%.64s\" is not a cgroup file name", k);
    }
  return ret;
}

int
oci_parse_resources (struct oci_ctx *c, json_t *res, const char *base,
                     struct oci_resources *r)
{
  int ret;

  r->devices = xmalloc0 ((oci_array_len (res, "devices") + 1) * sizeof (*r->devices));
  ret = oci_for_each (c, res, base, "devices", device_rule_elem, r);
  if (ret == 0)
    ret = parse_memory_cpu (c, res, base, r);
  if (ret == 0)
    ret = parse_block_io (c, res, base, r);
  if (ret == 0)
    ret = parse_misc (c, res, base, r);
  return ret;
}

void
oci_resources_clear (struct oci_resources *r)
{
  size_t i;

  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->block_io.weight_device);
  free (r->block_io.throttle_read_bps);
  free (r->block_io.throttle_write_bps);
  free (r->block_io.throttle_read_iops);
  free (r->block_io.throttle_write_iops);
  for (i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  for (i = 0; i < r->network.n_priorities; i++)
    free (r->network.priorities[i].name);
  free (r->network.priorities);
  oci_kv_free (&r->unified);
  memset (r, 0, sizeof (*r));
}

static bool
any_set (const struct oci_opt *const *opts, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (opts[i]->set)
      return true;
  return false;
}

bool
oci_resources_limits_set (const struct oci_resources *r)
{
  if (r == NULL)
    return false;
  const struct oci_opt *const opts[] = {
    &r->memory.limit, &r->memory.reservation, &r->memory.swap, &r->memory.kernel,
    &r->memory.kernel_tcp, &r->memory.swappiness, &r->cpu.shares, &r->cpu.quota,
    &r->cpu.burst, &r->cpu.period, &r->cpu.realtime_runtime, &r->cpu.realtime_period,
    &r->cpu.idle, &r->pids_limit, &r->block_io.weight, &r->block_io.leaf_weight,
    &r->network.class_id,
  };
  return any_set (opts, ARRAY_SIZE (opts)) || r->memory.has_disable_oom_killer
         || r->cpu.cpus || r->cpu.mems || r->block_io.n_weight_device
         || r->block_io.n_throttle_read_bps || r->block_io.n_throttle_write_bps
         || r->block_io.n_throttle_read_iops || r->block_io.n_throttle_write_iops
         || r->n_hugepage_limits || r->network.n_priorities || r->unified.len;
}

void
oci_resources_free (struct oci_resources *r)
{
  if (r == NULL)
    return;
  oci_resources_clear (r);
  free (r);
}

int
oci_resources_parse (const char *text, const char *what, struct oci_resources **out,
                     silo_error_t *err)
{
  struct oci_ctx c = { what ? what : "resources.json", err };
  struct oci_resources *r;
  json_t *root;
  int ret;

  root = oci_load_object (&c, text);
  if (root == NULL)
    return -1;
  r = xmalloc0 (sizeof (*r));
  ret = oci_parse_resources (&c, root, "", r);
  json_decref (root);
  if (ret < 0)
    {
      oci_resources_free (r);
      return ret;
    }
  *out = r;
  return 0;
}
