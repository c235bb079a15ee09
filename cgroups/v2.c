/* The unified (cgroup2) hierarchy: creation, controller delegation and the
 * v2 ops table. */
#include "internal.h"

#include <errno.h>
#include <string.h>

#include "../util/log.h"
#include "../util/utils.h"

/* Write "+ctrl" for the controllers to dir's subtree_control: all in one
 * write, else one at a time, so that a controller the kernel refuses (cpu
 * with a realtime task, ...) does not keep the others off; a resource that
 * needs it then fails naming the file that is missing. */
static int
enable_in (const char *dir, const char *controllers, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (controllers);
  cleanup_free char *all = xstrdup ("");
  char *saveptr = NULL, *c, *next;
  silo_error_t e = NULL;

  for (c = strtok_r (copy, " \n", &saveptr); c; c = strtok_r (NULL, " \n", &saveptr))
    {
      xasprintf (&next, "%s%s+%s", all, *all ? " " : "", c);
      free (all);
      all = next;
    }
  if (!cg_file_exists (dir, "cgroup.subtree_control"))
    return silo_make_error (err, ENOENT, "no cgroup.subtree_control in `%s`", dir);
  if (*all == '\0' || cg_write (dir, "cgroup.subtree_control", all, "subtree_control", &e) == 0)
    return 0;
  silo_error_release (&e);
  for (c = strtok_r (all, " ", &saveptr); c; c = strtok_r (NULL, " ", &saveptr))
    if (cg_write (dir, "cgroup.subtree_control", c, "cgroup.subtree_control", &e) < 0)
      {
        pr_debug ("cgroup: enable %s in %s: %s", c, dir, e->msg);
        silo_error_release (&e);
      }
  return 0;
}

int
cg_v2_enable_controllers (const char *root, const char *path, silo_error_t *err)
{
  cleanup_free char *controllers = NULL;
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *cur = xstrdup (root);
  char *saveptr = NULL, *comp, *next_comp;
  int ret;

  ret = cg_read (root, "cgroup.controllers", &controllers, err);
  if (ret < 0)
    return ret;
  if (controllers[strspn (controllers, " \n")] == '\0')
    return 0;
  /* Every ancestor of the leaf, root included, but not the leaf itself. */
  comp = strtok_r (copy, "/", &saveptr);
  while (comp != NULL)
    {
      char *next = NULL;
      ret = enable_in (cur, controllers, err);
      if (ret < 0)
        return ret;
      next_comp = strtok_r (NULL, "/", &saveptr);
      if (next_comp == NULL)
        break;
      xasprintf (&next, "%s/%s", cur, comp);
      free (cur);
      cur = next;
      comp = next_comp;
    }
  return 0;
}

int
cg_v2_create (const char *root, const char *path, char **created, silo_error_t *err)
{
  int ret;

  ret = cg_mkdir_levels (root, path, NULL, NULL, created, err);
  if (ret < 0)
    return ret;
  return cg_v2_enable_controllers (root, path, err);
}

static char *
v2_dir (struct cg_handle *h)
{
  return cg_dir (cg_host_v2 (&h->host), h->path);
}

static int
v2_apply (struct cg_handle *h, const struct oci_resources *res, silo_error_t *err)
{
  cleanup_free char *dir = v2_dir (h);
  int ret;

  ret = cg_v2_apply (dir, res, err);
  if (ret < 0)
    return ret;
  if (res->n_devices == 0)
    return 0;
  return cg_ebpf_apply_devices (dir, res->devices, res->n_devices, err);
}

static int
v2_freeze (struct cg_handle *h, bool frozen, silo_error_t *err)
{
  cleanup_free char *dir = v2_dir (h);

  return cg_v2_freeze_dir (dir, frozen, err);
}

static int
v2_is_frozen (struct cg_handle *h, bool *frozen, silo_error_t *err)
{
  cleanup_free char *dir = v2_dir (h);

  return cg_v2_is_frozen_dir (dir, frozen, err);
}

static int
v2_stats (struct cg_handle *h, struct cg_stats *out, silo_error_t *err)
{
  cleanup_free char *dir = v2_dir (h);

  return cg_v2_stats_dir (dir, out, err);
}

const struct cg_ops cg_v2_ops = {
  .apply = v2_apply,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .stats = v2_stats,
};
