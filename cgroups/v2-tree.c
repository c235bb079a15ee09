/* cgroup2 trees: controller delegation, shared by the host's v2 backend
 * (cgroups/v2.c) and the sandbox guest, where the agent makes the
 * container's cgroup in the guest's own tree with the same code. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

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
cg_v2_setup_dir (const char *parent, const char *name, const struct oci_resources *res,
                 silo_error_t *err)
{
  cleanup_free char *dir = NULL;

  xasprintf (&dir, "%s/%s", parent, name);
  if (cg_v2_enable_controllers (parent, name, err) < 0)
    return -1;
  if (mkdir (dir, 0755) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir `%s`", dir);
  return res ? cg_v2_apply (dir, res, err) : 0;
}
