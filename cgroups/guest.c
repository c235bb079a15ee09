/* A container cgroup in a tree the caller mounted itself: the sandbox
 * guest's cgroup2, where the agent gives the workload the config's
 * linux.resources with the same code as container mode on a v2 host. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/utils.h"

/* Every controller parent offers, enabled for its children. */
static int
enable_controllers (const char *parent, silo_error_t *err)
{
  cleanup_free char *avail = NULL;
  char *save = NULL, *c;

  if (cg_read (parent, "cgroup.controllers", &avail, err) < 0)
    return -1;
  for (c = strtok_r (avail, " \n", &save); c; c = strtok_r (NULL, " \n", &save))
    if (cg_writef (parent, "cgroup.subtree_control", "cgroup controllers", err, "+%s", c) < 0)
      return -1;
  return 0;
}

int
cg_v2_setup_dir (const char *parent, const char *name, const struct oci_resources *res,
                 silo_error_t *err)
{
  cleanup_free char *dir = NULL;

  xasprintf (&dir, "%s/%s", parent, name);
  if (enable_controllers (parent, err) < 0)
    return -1;
  if (mkdir (dir, 0755) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir `%s`", dir);
  return res ? cg_v2_apply (dir, res, err) : 0;
}
