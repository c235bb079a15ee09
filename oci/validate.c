/* Checks that span sections of config.json, once all of it is parsed:
 * sysctls only in namespaces the container has (runc's validator), time
 * offsets only with a new time namespace, a hostname only with a UTS one. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/utils.h"
#include "internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Sysctls of the IPC namespace (runc's list); fs.mqueue.* too. */
static const char *const ipc_sysctls[] = {
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
  "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Does the container get a namespace of this type other than the one silo
 * runs in? A new one does; one joined by path does unless the path is our
 * own (runc's isHostNetNS, for every type). */
static bool
has_own_ns (const struct oci_config *cfg, int type)
{
  const struct oci_namespace *ns = oci_config_namespace (cfg, type);
  const struct oci_ns_info *info = oci_ns_by_flag (type);
  struct stat a, b;
  char self[64];

  if (ns == NULL)
    return false;
  if (ns->path == NULL)
    return true;
  snprintf (self, sizeof (self), "/proc/self/ns/%s", info->proc_name);
  /* A path that cannot be read fails later, when it is joined. */
  if (stat (ns->path, &a) < 0 || stat (self, &b) < 0)
    return true;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* "net/ipv4/ip_forward" -> "net.ipv4.ip_forward" (runc); every component
 * must be a name, so a key never walks out of /proc/sys. */
static int
normalise_sysctl (struct oci_ctx *c, const char *key, char **out)
{
  char sep = strchr (key, '/') ? '/' : '.';
  cleanup_free char *norm = xstrdup (key);
  const char *p = key;
  size_t n;

  for (;;)
    {
      n = strcspn (p, sep == '/' ? "/" : ".");
      if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return oci_fail (c, "linux.sysctl", "\"%.64s\" is not a sysctl name", key);
      if (p[n] == '\0')
        break;
      p += n + 1;
    }
  if (sep == '/')
    for (char *q = norm; *q; q++)
      if (*q == '/')
        *q = '.';
  *out = steal_pointer (&norm);
  return 0;
}

static bool
is_ipc_sysctl (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (ipc_sysctls); i++)
    if (strcmp (name, ipc_sysctls[i]) == 0)
      return true;
  return strncmp (name, "fs.mqueue.", 10) == 0;
}

static int
check_sysctl (struct oci_ctx *c, const struct oci_config *cfg, const struct oci_kv *kv)
{
  cleanup_free char *name = NULL;

  if (normalise_sysctl (c, kv->key, &name) < 0)
    return -1;
  if (strlen (kv->value) >= 4096)
    return oci_fail (c, "linux.sysctl", "\"%.64s\": value longer than 4095 bytes", kv->key);
  if (is_ipc_sysctl (name))
    {
      if (!has_own_ns (cfg, CLONE_NEWIPC))
        return oci_fail (c, "linux.sysctl",
                         "\"%.64s\" needs an IPC namespace of its own (linux.namespaces)",
                         kv->key);
      return 0;
    }
  if (strncmp (name, "net.", 4) == 0)
    {
      if (!has_own_ns (cfg, CLONE_NEWNET))
        return oci_fail (c, "linux.sysctl",
                         "\"%.64s\" needs a network namespace of its own (linux.namespaces)",
                         kv->key);
      return 0;
    }
  if (strcmp (name, "kernel.hostname") == 0 || strcmp (name, "kernel.domainname") == 0)
    {
      if (!has_own_ns (cfg, CLONE_NEWUTS))
        return oci_fail (c, "linux.sysctl",
                         "\"%.64s\" needs a UTS namespace of its own (linux.namespaces)",
                         kv->key);
      return 0;
    }
  return oci_fail (c, "linux.sysctl", "\"%.64s\" is not in a separate kernel namespace",
                   kv->key);
}

static int
check_time_offsets (struct oci_ctx *c, const struct oci_config *cfg)
{
  const struct oci_namespace *ns = oci_config_namespace (cfg, CLONE_NEWTIME);

  if (!cfg->linux_.time_offsets.set)
    return 0;
  /* Offsets can only be written before a process enters the namespace. */
  if (ns == NULL || ns->path != NULL)
    return oci_fail (c, "linux.timeOffsets",
                     "needs a new time namespace (a \"time\" entry without a path in "
                     "linux.namespaces)");
  return 0;
}

/* An idmapped mount without mappings of its own takes the container's:
 * there must be a new user namespace with both maps (runtime-spec 1.2). */
static int
check_idmapped_mounts (struct oci_ctx *c, const struct oci_config *cfg)
{
  const struct oci_namespace *userns = oci_config_namespace (cfg, CLONE_NEWUSER);
  char path[OCI_PATH_LEN];

  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      if (!m->idmap || m->n_uid_mappings > 0)
        continue;
      oci_path_idx (path, "mounts", i);
      if (userns == NULL || userns->path != NULL || cfg->linux_.n_uid_mappings == 0
          || cfg->linux_.n_gid_mappings == 0)
        return oci_fail (c, path,
                         "idmap without uidMappings/gidMappings needs a new user namespace "
                         "with linux.uidMappings and linux.gidMappings");
    }
  return 0;
}

int
oci_validate_config (struct oci_ctx *c, struct oci_config *cfg)
{
  size_t i;

  if (check_idmapped_mounts (c, cfg) < 0)
    return -1;
  for (i = 0; i < cfg->linux_.sysctl.len; i++)
    if (check_sysctl (c, cfg, &cfg->linux_.sysctl.items[i]) < 0)
      return -1;
  if (check_time_offsets (c, cfg) < 0)
    return -1;
  if (cfg->linux_.n_net_devices)
    {
      const struct oci_namespace *ns = oci_config_namespace (cfg, CLONE_NEWNET);
      if (ns == NULL)
        return oci_fail (c, "linux.netDevices", "needs a network namespace in linux.namespaces");
    }
  if (cfg->hostname && *cfg->hostname && !oci_config_namespace (cfg, CLONE_NEWUTS))
    return oci_fail (c, "hostname", "needs a UTS namespace in linux.namespaces");
  if (cfg->domainname && *cfg->domainname && !oci_config_namespace (cfg, CLONE_NEWUTS))
    return oci_fail (c, "domainname", "needs a UTS namespace in linux.namespaces");
  return 0;
}
