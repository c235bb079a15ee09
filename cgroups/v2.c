/* The unified (cgroup2) hierarchy: creation and the v2 ops table
 * (controller delegation: v2-tree.c). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/log.h"
#include "../util/utils.h"

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

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

static bool
is_kernel_thread (pid_t pid)
{
  cleanup_free char *stat = NULL;
  const char *fields;
  unsigned long flags = 0;

  /* fields 3 to 9: state ppid pgrp session tty_nr tpgid flags */
  if (read_proc_stat (pid, &stat, &fields) < 0
      || sscanf (fields, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
    return false;
  return (flags & PF_KTHREAD) != 0;
}

/* Before Linux 6.13, KVM's NX-huge-page recovery worker (and, before 6.4,
 * vhost's workers) was a kernel thread attached to the cgroups of the
 * process that created it, here a sandbox's VMM. The v2 freezer never
 * freezes a kernel thread yet waits for it, so cgroup.events would never
 * say frozen. Move such threads to the root cgroup, the one place a v2 task
 * may go without breaking the no-internal-processes rule; the little CPU
 * time they use is then no longer charged to the container. */
static int
evict_kernel_threads (struct cg_handle *h, const char *dir, silo_error_t *err)
{
  const char *root = cg_host_v2 (&h->host)->mount;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0, i;

  if (cg_read_pids_rec (dir, &pids, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    {
      if (!is_kernel_thread (pids[i]))
        continue;
      pr_debug ("cgroup: moving kernel thread %d out of %s before freezing", pids[i], dir);
      if (cg_writef (root, "cgroup.procs", "freezer", err, "%d", pids[i]) < 0)
        {
          if ((*err)->status == ESRCH)
            {
              silo_error_release (err);
              continue;
            }
          return silo_error_wrap (err, "move kernel thread %d out of `%s`, which the v2 freezer "
                                       "cannot freeze", pids[i], dir);
        }
    }
  return 0;
}

static int
v2_freeze (struct cg_handle *h, bool frozen, silo_error_t *err)
{
  cleanup_free char *dir = v2_dir (h);

  if (frozen && evict_kernel_threads (h, dir, err) < 0)
    return -1;
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
