/* The linux object: namespaces, id maps, devices, propagation, masked and
 * read-only paths, sysctl, time offsets; resources and seccomp are parsed
 * in their own files. */
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>

#include "../util/utils.h"
#include "internal.h"

static int
parse_namespace (struct oci_ctx *c, json_t *o, const char *path, struct oci_linux *l)
{
  struct oci_namespace *ns = &l->namespaces[l->n_namespaces];
  cleanup_free char *type = NULL;
  const struct oci_ns_info *info;
  char tpath[OCI_PATH_LEN];
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_string (c, o, path, "type", true, &type);
  if (ret < 0)
    return ret;
  oci_path_key (tpath, path, "type");
  info = oci_ns_by_name (type);
  if (info == NULL)
    return oci_fail (c, tpath, "unknown namespace \"%s\"", type);
  for (size_t i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == info->flag)
      return oci_fail (c, tpath, "duplicate namespace \"%s\"", type);
  ns->type = info->flag;
  l->n_namespaces++;
  ret = oci_get_string (c, o, path, "path", false, &ns->path);
  if (ret < 0 || ns->path == NULL)
    return ret;
  oci_path_key (tpath, path, "path");
  return oci_check_abs_path (c, tpath, ns->path);
}

static int
ns_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  return parse_namespace (c, o, path, data);
}

struct idmap_vec
{
  struct oci_idmap *items;
  size_t *len;
};

static int
idmap_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct idmap_vec *v = data;
  struct oci_idmap *m = &v->items[*v->len];
  int64_t cid = 0, hid = 0, size = 0;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_range (c, o, path, "containerID", true, 0, UINT32_MAX, &cid);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "hostID", true, 0, UINT32_MAX, &hid);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "size", true, 1, UINT32_MAX, &size);
  if (ret < 0)
    return ret;
  if (cid + size > (int64_t) UINT32_MAX + 1 || hid + size > (int64_t) UINT32_MAX + 1)
    return oci_fail (c, path, "range goes past id 4294967295");
  /* The kernel takes at most 340 lines in a map. */
  if (*v->len >= 340)
    return oci_fail (c, path, "more than 340 mappings");
  m->container_id = (uint32_t) cid;
  m->host_id = (uint32_t) hid;
  m->size = (uint32_t) size;
  (*v->len)++;
  return 0;
}

int
oci_parse_idmaps (struct oci_ctx *c, json_t *lnx, const char *base, const char *key,
                  struct oci_idmap **items, size_t *len)
{
  struct idmap_vec v;

  *items = xmalloc0 ((oci_array_len (lnx, key) + 1) * sizeof (struct oci_idmap));
  v.items = *items;
  v.len = len;
  return oci_for_each (c, lnx, base, key, idmap_elem, &v);
}

/* "/dev/foo/" names /dev/foo (runc cleans the path); "/" names no node. */
static int
clean_device_path (struct oci_ctx *c, const char *tpath, char *p)
{
  size_t n = strlen (p);

  while (n > 1 && p[n - 1] == '/')
    p[--n] = '\0';
  if (strcmp (p, "/") == 0)
    return oci_fail (c, tpath, "\"/\" is not a device path");
  return 0;
}

/* fileMode may carry the file-type bits, as podman's --device gives them
 * (stat's st_mode: 020666 for a character device); runc and crun take
 * them. They must then say the device's own type; only the permission
 * bits are used. */
static int
check_file_type (struct oci_ctx *c, const char *path, const struct oci_device *d)
{
  char fpath[OCI_PATH_LEN];
  mode_t fmt = (mode_t) d->file_mode.value & S_IFMT;
  mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

  if (fmt == 0 || fmt == want)
    return 0;
  oci_path_key (fpath, path, "fileMode");
  return oci_fail (c, fpath, "0%o: file type bits do not match type \"%c\"",
                   (unsigned) d->file_mode.value, d->type);
}

static int
device_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_linux *l = data;
  struct oci_device *d = &l->devices[l->n_devices];
  cleanup_free char *type = NULL;
  char tpath[OCI_PATH_LEN];
  bool need_numbers;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  l->n_devices++;
  ret = oci_get_string (c, o, path, "path", true, &d->path);
  oci_path_key (tpath, path, "path");
  if (ret == 0)
    ret = oci_check_abs_path (c, tpath, d->path);
  if (ret == 0)
    ret = clean_device_path (c, tpath, d->path);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "type", true, &type);
  if (ret < 0)
    return ret;
  oci_path_key (tpath, path, "type");
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return oci_fail (c, tpath, "unknown device type \"%s\"", type);
  d->type = type[0];
  /* A FIFO has no device numbers; the others need both. */
  need_numbers = d->type != 'p';
  ret = oci_get_range (c, o, path, "major", need_numbers, 0, OCI_MAX_MAJOR, &d->major);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "minor", need_numbers, 0, OCI_MAX_MINOR, &d->minor);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "fileMode", 0, 0177777, &d->file_mode);
  if (ret == 0 && d->file_mode.set)
    ret = check_file_type (c, path, d);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "uid", 0, UINT32_MAX - 1, &d->uid);
  if (ret == 0)
    ret = oci_get_opt_range (c, o, path, "gid", 0, UINT32_MAX - 1, &d->gid);
  return ret;
}

static int
parse_time_offset (struct oci_ctx *c, json_t *to, const char *base, const char *key,
                   int64_t *secs, int64_t *nsecs)
{
  char path[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, to, base, key, false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, key);
  /* The kernel's bound (timens: KTIME_SEC_MAX / 2). */
  ret = oci_get_range (c, o, path, "secs", false, -4611686018LL, 4611686018LL, secs);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "nanosecs", false, 0, 999999999, nsecs);
  return ret;
}

/* An interface name the kernel takes: 1 to IFNAMSIZ-1 bytes, no '/', no
 * blank, not "." or "..". */
static int
check_ifname (struct oci_ctx *c, const char *path, const char *name)
{
  size_t n = strlen (name);

  if (n == 0 || n >= 16 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0
      || strpbrk (name, "/: \t\n") != NULL)
    return oci_fail (c, path, "\"%.64s\" is not an interface name", name);
  return 0;
}

static int
parse_net_devices (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  char path[OCI_PATH_LEN], dpath[OCI_PATH_LEN];
  json_t *devs = NULL, *v;
  const char *key;
  int ret;

  ret = oci_get_object (c, lnx, base, "netDevices", false, &devs);
  if (ret < 0 || devs == NULL)
    return ret;
  oci_path_key (path, base, "netDevices");
  l->net_devices = xmalloc0 ((json_object_size (devs) + 1) * sizeof (*l->net_devices));
  json_object_foreach (devs, key, v)
    {
      struct oci_net_device *d = &l->net_devices[l->n_net_devices++];
      d->host_name = xstrdup (key);
      oci_path_key (dpath, path, key);
      if (!json_is_object (v))
        return oci_fail (c, dpath, "must be an object");
      ret = check_ifname (c, dpath, key);
      if (ret == 0)
        ret = oci_get_string (c, v, dpath, "name", false, &d->name);
      if (ret == 0 && d->name == NULL)
        d->name = xstrdup (key);
      if (ret == 0)
        {
          char npath[OCI_PATH_LEN];
          oci_path_key (npath, dpath, "name");
          ret = check_ifname (c, npath, d->name);
        }
      for (size_t i = 0; ret == 0 && i + 1 < l->n_net_devices; i++)
        if (strcmp (l->net_devices[i].name, d->name) == 0)
          ret = oci_fail (c, dpath, "\"%s\" is also the name of \"%s\" in the container",
                          d->name, l->net_devices[i].host_name);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
parse_time_offsets (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  char path[OCI_PATH_LEN];
  json_t *to = NULL;
  int ret;

  ret = oci_get_object (c, lnx, base, "timeOffsets", false, &to);
  if (ret < 0 || to == NULL)
    return ret;
  l->time_offsets.set = true;
  oci_path_key (path, base, "timeOffsets");
  ret = parse_time_offset (c, to, path, "monotonic", &l->time_offsets.monotonic_secs,
                           &l->time_offsets.monotonic_nanosecs);
  if (ret == 0)
    ret = parse_time_offset (c, to, path, "boottime", &l->time_offsets.boottime_secs,
                             &l->time_offsets.boottime_nanosecs);
  return ret;
}

static int
parse_propagation (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  char path[OCI_PATH_LEN];
  int ret;

  ret = oci_get_string (c, lnx, base, "rootfsPropagation", false, &l->rootfs_propagation);
  if (ret < 0 || l->rootfs_propagation == NULL)
    return ret;
  oci_path_key (path, base, "rootfsPropagation");
  if (oci_propagation_lookup (l->rootfs_propagation, &l->rootfs_propagation_flags) < 0)
    return oci_fail (c, path, "unknown propagation \"%s\"", l->rootfs_propagation);
  /* The rootfs is always handled recursively, as runc does. */
  l->rootfs_propagation_flags |= MS_REC;
  return 0;
}

static int
parse_sub_objects (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  char path[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, lnx, base, "resources", false, &o);
  if (ret == 0 && o != NULL)
    {
      oci_path_key (path, base, "resources");
      l->resources = xmalloc0 (sizeof (*l->resources));
      ret = oci_parse_resources (c, o, path, l->resources);
    }
  o = NULL;
  if (ret == 0)
    ret = oci_get_object (c, lnx, base, "seccomp", false, &o);
  if (ret == 0 && o != NULL)
    {
      oci_path_key (path, base, "seccomp");
      l->seccomp = xmalloc0 (sizeof (*l->seccomp));
      ret = oci_parse_seccomp (c, o, path, l->seccomp);
    }
  return ret;
}

static int
check_abs_paths (struct oci_ctx *c, const char *base, const char *key, char **v)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  size_t i;

  oci_path_key (path, base, key);
  for (i = 0; v != NULL && v[i]; i++)
    {
      oci_path_idx (ipath, path, i);
      if (oci_check_abs_path (c, ipath, v[i]) < 0)
        return -1;
    }
  return 0;
}

/* linux.personality: the execution domain; no flag is supported (runc
 * supports none either), so any is refused rather than dropped. */
static int
parse_personality (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  cleanup_strv char **flags = NULL;
  cleanup_free char *domain = NULL;
  char path[OCI_PATH_LEN], kpath[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret;

  ret = oci_get_object (c, lnx, base, "personality", false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "personality");
  ret = oci_get_string (c, o, path, "domain", true, &domain);
  if (ret < 0)
    return ret;
  oci_path_key (kpath, path, "domain");
  if (oci_personality_lookup (domain, &l->personality.domain) < 0)
    return oci_fail (c, kpath, "unknown domain \"%.64s\"", domain);
  ret = oci_get_strv (c, o, path, "flags", &flags);
  if (ret < 0)
    return ret;
  oci_path_key (kpath, path, "flags");
  if (flags != NULL && flags[0] != NULL)
    {
      char ipath[OCI_PATH_LEN];

      oci_path_idx (ipath, kpath, 0);
      return oci_fail (c, ipath, "flag \"%.64s\" is not supported", flags[0]);
    }
  l->personality.set = true;
  return 0;
}

bool
oci_parse_bitlist (const char *s, unsigned long *mask, size_t bits)
{
  const size_t w = 8 * sizeof (unsigned long);

  while (*s)
    {
      char *end;
      unsigned long a, b;

      if (!isdigit ((unsigned char) *s))
        return false;
      a = b = strtoul (s, &end, 10);
      if (*end == '-')
        {
          if (!isdigit ((unsigned char) end[1]))
            return false;
          b = strtoul (end + 1, &end, 10);
        }
      if (a > b || b >= bits || (*end != ',' && *end != '\0'))
        return false;
      for (unsigned long n = a; n <= b; n++)
        mask[n / w] |= 1UL << (n % w);
      s = *end == ',' ? end + 1 : end;
      if (*end == ',' && *s == '\0')
        return false;
    }
  return true;
}

/* linux.memoryPolicy (runtime-spec 1.3): set_mempolicy (2) for the
 * container's processes. */
static int
parse_memory_policy (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  cleanup_strv char **flags = NULL;
  cleanup_free char *mode = NULL, *nodes = NULL;
  char path[OCI_PATH_LEN], kpath[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret, v;

  ret = oci_get_object (c, lnx, base, "memoryPolicy", false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "memoryPolicy");
  ret = oci_get_string (c, o, path, "mode", true, &mode);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "nodes", false, &nodes);
  if (ret == 0)
    ret = oci_get_strv (c, o, path, "flags", &flags);
  if (ret < 0)
    return ret;
  oci_path_key (kpath, path, "mode");
  if ((l->memory_policy.mode = oci_mpol_mode_lookup (mode)) < 0)
    return oci_fail (c, kpath, "unknown mode \"%.64s\"", mode);
  oci_path_key (kpath, path, "nodes");
  if (nodes && !oci_parse_bitlist (nodes, l->memory_policy.nodes, OCI_MPOL_NODE_WORDS * 8 * sizeof (unsigned long)))
    return oci_fail (c, kpath, "`%.64s` is not a list of NUMA nodes (0-1023)", nodes);
  oci_path_key (kpath, path, "flags");
  for (size_t i = 0; flags && flags[i]; i++)
    {
      oci_path_idx (ipath, kpath, i);
      if ((v = oci_mpol_flag_lookup (flags[i])) < 0)
        return oci_fail (c, ipath, "unknown flag \"%.64s\"", flags[i]);
      l->memory_policy.flags |= (unsigned) v;
    }
  l->memory_policy.set = true;
  return 0;
}

/* linux.intelRdt: silo has no resctrl support; a config that asks for a
 * cache or memory-bandwidth class fails rather than running without it. */
static int
refuse_intel_rdt (struct oci_ctx *c, json_t *lnx, const char *base)
{
  char path[OCI_PATH_LEN];

  if (json_object_get (lnx, "intelRdt") == NULL)
    return 0;
  oci_path_key (path, base, "intelRdt");
  return oci_fail (c, path, "Intel RDT (resctrl) is not supported by silo");
}

int
oci_parse_linux (struct oci_ctx *c, json_t *lnx, const char *base, struct oci_linux *l)
{
  int ret;

  l->namespaces = xmalloc0 ((oci_array_len (lnx, "namespaces") + 1) * sizeof (*l->namespaces));
  ret = oci_for_each (c, lnx, base, "namespaces", ns_elem, l);
  if (ret == 0)
    ret = oci_parse_idmaps (c, lnx, base, "uidMappings", &l->uid_mappings, &l->n_uid_mappings);
  if (ret == 0)
    ret = oci_parse_idmaps (c, lnx, base, "gidMappings", &l->gid_mappings, &l->n_gid_mappings);
  if (ret < 0)
    return ret;
  l->devices = xmalloc0 ((oci_array_len (lnx, "devices") + 1) * sizeof (*l->devices));
  ret = oci_for_each (c, lnx, base, "devices", device_elem, l);
  if (ret == 0)
    ret = oci_get_string (c, lnx, base, "cgroupsPath", false, &l->cgroups_path);
  if (ret == 0)
    ret = parse_propagation (c, lnx, base, l);
  if (ret == 0)
    ret = oci_get_strv (c, lnx, base, "maskedPaths", &l->masked_paths);
  if (ret == 0)
    ret = check_abs_paths (c, base, "maskedPaths", l->masked_paths);
  if (ret == 0)
    ret = oci_get_strv (c, lnx, base, "readonlyPaths", &l->readonly_paths);
  if (ret == 0)
    ret = check_abs_paths (c, base, "readonlyPaths", l->readonly_paths);
  if (ret == 0)
    ret = oci_get_kv (c, lnx, base, "sysctl", &l->sysctl);
  if (ret == 0)
    ret = oci_get_string (c, lnx, base, "mountLabel", false, &l->mount_label);
  if (ret == 0)
    ret = parse_time_offsets (c, lnx, base, l);
  if (ret == 0)
    ret = parse_net_devices (c, lnx, base, l);
  if (ret == 0)
    ret = parse_personality (c, lnx, base, l);
  if (ret == 0)
    ret = parse_memory_policy (c, lnx, base, l);
  if (ret == 0)
    ret = refuse_intel_rdt (c, lnx, base);
  if (ret == 0)
    ret = parse_sub_objects (c, lnx, base, l);
  return ret;
}

void
oci_linux_free (struct oci_linux *l)
{
  size_t i;

  for (i = 0; i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  for (i = 0; i < l->n_net_devices; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
  free (l->cgroups_path);
  oci_resources_free (l->resources);
  free (l->rootfs_propagation);
  strv_free (l->masked_paths);
  strv_free (l->readonly_paths);
  oci_kv_free (&l->sysctl);
  if (l->seccomp != NULL)
    {
      oci_seccomp_free (l->seccomp);
      free (l->seccomp);
    }
  free (l->mount_label);
  memset (l, 0, sizeof (*l));
}
