/* Bind sources taken on the host, before the container's user namespace
 * exists: a detached copy of each source (open_tree OPEN_TREE_CLONE) that
 * the container process later attaches with move_mount. Two things need
 * it, as in crun and runc:
 *   - idmapped mounts: mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN
 *     over the source filesystem's user namespace (the host's) and a mount
 *     not yet attached;
 *   - any bind with a new user namespace: its source may sit below a
 *     directory only the host's root may search, which root of the new
 *     namespace may not. */
#include "internal.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
ns_write_idmap (pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
                silo_error_t *err)
{
  cleanup_free char *buf = xmalloc (n * 40 + 1);
  char path[64];
  size_t len = 0;

  for (size_t i = 0; i < n; i++)
    len += (size_t) sprintf (buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
                             m[i].size);
  snprintf (path, sizeof (path), "/proc/%d/%s", (int) pid, file);
  return write_file (path, buf, len, err);
}

/* A user namespace holding nothing but the mappings: a child is born in
 * it, its maps are written, the namespace is kept as an fd, the child
 * goes. */
static int
userns_with_maps (const struct oci_idmap *uids, size_t n_uids, const struct oci_idmap *gids,
                  size_t n_gids, silo_error_t *err)
{
  char path[64];
  int hold[2], fd = -1;
  pid_t pid;

  if (pipe2 (hold, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0)
    {
      char c;
      close (hold[1]);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      (void) !read (hold[0], &c, 1);
      _exit (0);
    }
  close (hold[0]);
  if (pid < 0)
    silo_make_error (err, errno, "clone a user namespace for the mapping");
  else if (ns_write_idmap (pid, "uid_map", uids, n_uids, err) == 0
           && ns_write_idmap (pid, "gid_map", gids, n_gids, err) == 0)
    {
      snprintf (path, sizeof (path), "/proc/%d/ns/user", (int) pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        silo_make_error (err, errno, "open `%s`", path);
    }
  close (hold[1]);
  if (pid > 0)
    TEMP_FAILURE_RETRY (waitpid (pid, NULL, 0));
  return fd;
}

static int
idmap_tree (int tree, const struct oci_config *cfg, const struct oci_mount *m, silo_error_t *err)
{
  bool own = m->n_uid_mappings > 0;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
  cleanup_close int userns = -1;

  userns = own ? userns_with_maps (m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
                                   m->n_gid_mappings, err)
               : userns_with_maps (cfg->linux_.uid_mappings, cfg->linux_.n_uid_mappings,
                                   cfg->linux_.gid_mappings, cfg->linux_.n_gid_mappings, err);
  if (userns < 0)
    return -1;
  attr.userns_fd = (uint64_t) userns;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0), &attr,
                     sizeof (attr))
      < 0)
    return silo_make_error (err, errno, "idmap `%s`%s", m->source,
                            errno == EINVAL ? " (does its filesystem support idmapped mounts?)"
                                            : "");
  return 0;
}

int
ns_mount_source_open (const struct oci_config *cfg, const struct oci_mount *m, const char *src,
                      silo_error_t *err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
  int tree = open_tree (AT_FDCWD, src, flags);

  if (tree < 0)
    return silo_make_error (err, errno, "open bind source `%s`", src);
  if (m->idmap && idmap_tree (tree, cfg, m, err) < 0)
    {
      close (tree);
      return -1;
    }
  return tree;
}

/* A rootless runtime cannot clone a tree (nor idmap one): its sources
 * are the user's to reach anyway. */
static bool
needs_fd (const struct oci_config *cfg, const struct oci_mount *m, bool rootless)
{
  const struct oci_namespace *userns = oci_config_namespace (cfg, CLONE_NEWUSER);

  return m->is_bind && m->source
         && (m->idmap || (!rootless && userns && userns->path == NULL));
}

int
ns_mount_fds_open (const struct oci_config *cfg, bool rootless, int **fds, silo_error_t *err)
{
  int *out = xmalloc ((cfg->n_mounts + 1) * sizeof (int));

  for (size_t i = 0; i < cfg->n_mounts; i++)
    out[i] = -1;
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      if (!needs_fd (cfg, m, rootless))
        continue;
      out[i] = ns_mount_source_open (cfg, m, m->source, err);
      if (out[i] < 0)
        {
          ns_mount_fds_close (out, cfg->n_mounts);
          return silo_error_wrap (err, "config.json: mounts[%zu]", i);
        }
    }
  *fds = out;
  return 0;
}

void
ns_mount_fds_close (int *fds, size_t n)
{
  if (fds == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}
