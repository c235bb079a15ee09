/* cgroup v1 (and hybrid) hierarchies: creation and the v1 ops table. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../util/utils.h"

static bool
is_blank (const char *s)
{
  return s[strspn (s, " \t\n")] == '\0';
}

/* A new cpuset cgroup starts with empty cpus and mems, and no process can
 * join it until both are set: copy them from the parent, level by level. */
static int
copy_cpuset_from_parent (const char *parent, const char *dir, void *data, silo_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  size_t i;
  int ret;

  for (i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *cur = NULL;
      cleanup_free char *from = NULL;

      ret = cg_read (dir, files[i], &cur, err);
      if (ret < 0)
        return ret;
      if (!is_blank (cur))
        continue;
      ret = cg_read (parent, files[i], &from, err);
      if (ret < 0)
        return ret;
      ret = cg_write (dir, files[i], from, "cpuset setup", err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static bool
has_controller (const struct cg_hier *hier, const char *name)
{
  size_t i;

  for (i = 0; hier->controllers && hier->controllers[i]; i++)
    if (strcmp (hier->controllers[i], name) == 0)
      return true;
  return false;
}

int
cg_v1_create (const struct cg_hier *hier, const char *path, char **created,
              silo_error_t *err)
{
  cg_level_fn setup = has_controller (hier, "cpuset") ? copy_cpuset_from_parent : NULL;

  return cg_mkdir_levels (hier->mount, path, setup, NULL, created, err);
}

static int
v1_freeze (struct cg_handle *h, bool frozen, silo_error_t *err)
{
  struct cg_hier *hier = cg_host_find (&h->host, "freezer");
  cleanup_free char *dir = NULL;

  if (hier == NULL)
    return silo_make_error (err, 0, "freeze: the host has no freezer cgroup controller");
  dir = cg_dir (hier, h->path);
  return cg_v1_freeze_dir (dir, frozen, err);
}

static int
v1_is_frozen (struct cg_handle *h, bool *frozen, silo_error_t *err)
{
  struct cg_hier *hier = cg_host_find (&h->host, "freezer");
  cleanup_free char *dir = NULL;

  if (hier == NULL)
    {
      *frozen = false;
      return 0;
    }
  dir = cg_dir (hier, h->path);
  return cg_v1_is_frozen_dir (dir, frozen, err);
}

/* Each v1 controller that counts something, from its own hierarchy. */
int
cg_v1_stats (struct cg_handle *h, struct cg_stats *out, silo_error_t *err)
{
  static const char *const controllers[] = { "memory", "cpuacct", "pids", "blkio" };

  for (size_t i = 0; i < ARRAY_SIZE (controllers); i++)
    {
      struct cg_hier *hier = cg_host_find (&h->host, controllers[i]);
      cleanup_free char *dir = NULL;

      if (hier == NULL)
        continue;
      dir = cg_dir (hier, h->path);
      if (access (dir, F_OK) < 0)
        return silo_make_error (err, errno, "stats: cgroup `%s`", dir);
      cg_v1_stats_dir (controllers[i], dir, out);
    }
  return 0;
}

const struct cg_ops cg_v1_ops = {
  .apply = cg_v1_apply,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .stats = cg_v1_stats,
};
