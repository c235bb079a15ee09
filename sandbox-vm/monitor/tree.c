/* The guest tree, built by the monitor inside its own mount namespace, so
 * nothing of it is visible on the host or outlives the monitor:
 *   <state_dir>/guest/          private tmpfs; the guest's root (UML) or share
 *     init                      the agent
 *     dev proc share cgroup shm mount points the agent uses
 *     rootfs/                   bind of the container root (ro if root.readonly)
 *     binds/N                   bind of mounts[N].source for every bind mount
 *                               but the engine's /dev/shm (a guest tmpfs)
 * Only this tree is reachable from the guest's hostfs/9p mounts. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"
#include "../../namespaces/namespaces.h"

/* dst, a directory or an empty file as src is. */
static int
make_mount_point (const char *src, const char *dst, silo_error_t *err)
{
  struct stat st;
  int fd;

  if (stat (src, &st) < 0)
    return silo_make_error (err, errno, "stat `%s`", src);
  if (S_ISDIR (st.st_mode))
    {
      if (mkdir (dst, 0755) < 0)
        return silo_make_error (err, errno, "mkdir `%s`", dst);
    }
  else
    {
      fd = open (dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0)
        return silo_make_error (err, errno, "create `%s`", dst);
      close (fd);
    }
  return 0;
}

static int
bind_into (const char *src, const char *dst, bool ro, silo_error_t *err)
{
  if (make_mount_point (src, dst, err) < 0)
    return -1;
  if (mount (src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "bind `%s` on `%s`", src, dst);
  if (ro && mount (NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
    return silo_make_error (err, errno, "remount `%s` read-only", dst);
  return 0;
}

/* A bind's source into the tree: an idmapped one gets its mapping here,
 * on the host (the guest's 9p/hostfs then serves the mapped owners). */
static int
bind_source (const struct oci_config *cfg, const struct oci_mount *m, const char *dst,
             silo_error_t *err)
{
  bool ro = (m->flags & MS_RDONLY) != 0;
  cleanup_close int tree = -1;

  if (!m->idmap)
    return bind_into (m->source, dst, ro, err);
  /* UML's hostfs and the VMM's 9p server create a file as themselves
   * (the jail's uid 0) before giving it its owner: a mapping without 0
   * refuses that create. */
  if (!ro)
    return silo_make_error (err, 0, "an idmapped bind must be read-only (ro) in sandbox mode: "
                                    "the guest's file server cannot create files through it");
  if (make_mount_point (m->source, dst, err) < 0)
    return -1;
  tree = ns_mount_source_open (cfg, m, m->source, err);
  if (tree < 0)
    return -1;
  if (move_mount (tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return silo_make_error (err, errno, "bind `%s` on `%s`", m->source, dst);
  if (ro && mount (NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
    return silo_make_error (err, errno, "remount `%s` read-only", dst);
  return 0;
}

static int
write_agent (const char *dir, silo_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *data = NULL;
  size_t len;
  cleanup_close int fd = -1;

  if (sandbox_agent_load (&data, &len, err) < 0)
    return -1;
  xasprintf (&path, "%s/init", dir);
  fd = open (path, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
  if (fd < 0 || write_all (fd, data, len) < 0)
    return silo_make_error (err, errno, "write the agent to `%s`", path);
  return 0;
}

/* The engine's /dev/shm: a bind of the root of a tmpfs it mounted for the
 * container (podman's userdata/shm, docker's, a CRI sandbox's), which the
 * guest makes a tmpfs of its own of (proto_shm). The host's own /dev/shm
 * (--ipc host) stays a bind: sharing it is what was asked. */
static bool
engine_shm (const struct oci_mount *m, size_t i, struct proto_shm *shm)
{
  struct statfs fs;
  struct statx stx;

  if (!m->is_bind || m->idmap || strcmp (m->destination, "/dev/shm") != 0
      || strcmp (m->source, "/dev/shm") == 0)
    return false;
  if (statfs (m->source, &fs) < 0 || fs.f_type != TMPFS_MAGIC
      || statx (AT_FDCWD, m->source, 0, STATX_MODE, &stx) < 0
      || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
      || !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    return false;
  *shm = (struct proto_shm){ .set = true, .mount = i,
                             .size = (uint64_t) fs.f_blocks * (uint64_t) fs.f_bsize,
                             .mode = stx.stx_mode & 07777 };
  snprintf (shm->key, sizeof (shm->key), "%u:%u", stx.stx_dev_major, stx.stx_dev_minor);
  return true;
}

static int
bind_sources (const struct sandbox_request *req, const char *dir, struct proto_shm *shm,
              silo_error_t *err)
{
  cleanup_free char *binds = NULL;
  size_t i;

  xasprintf (&binds, "%s/binds", dir);
  if (mkdir (binds, 0755) < 0)
    return silo_make_error (err, errno, "mkdir `%s`", binds);
  for (i = 0; i < req->cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &req->cfg->mounts[i];
      cleanup_free char *dst = NULL;

      if (!m->is_bind)
        continue;
      if (m->source == NULL)
        return silo_make_error (err, 0, "config.json: mounts[%zu].source: required for a bind", i);
      if (!shm->set && engine_shm (m, i, shm))
        continue;
      xasprintf (&dst, "%s/%zu", binds, i);
      if (bind_source (req->cfg, m, dst, err) < 0)
        return silo_error_wrap (err, "config.json: mounts[%zu]", i);
    }
  return 0;
}

int
sandbox_guest_tree (const struct sandbox_request *req, bool with_agent, char **guest_dir,
                    struct proto_shm *shm, silo_error_t *err)
{
  static const char *const dirs[] = { "dev", "proc", "share", "cgroup", "shm" };
  cleanup_free char *dir = NULL, *path = NULL;
  size_t i;

  xasprintf (&dir, "%s/" SANDBOX_GUEST_DIR, req->state_dir);
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir `%s`", dir);
  if (mount ("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") < 0)
    return silo_make_error (err, errno, "mount tmpfs on `%s`", dir);
  if (with_agent && write_agent (dir, err) < 0)
    return -1;
  for (i = 0; i < ARRAY_SIZE (dirs); i++)
    {
      free (path);
      xasprintf (&path, "%s/%s", dir, dirs[i]);
      if (mkdir (path, 0755) < 0)
        return silo_make_error (err, errno, "mkdir `%s`", path);
    }
  free (path);
  xasprintf (&path, "%s/rootfs", dir);
  /* A read-only root cannot take new mount points in the guest. */
  if (req->cfg->root_readonly && ns_make_mount_points (req->rootfs, req->cfg, err) < 0)
    return silo_error_wrap (err, "container root");
  if (bind_into (req->rootfs, path, req->cfg->root_readonly, err) < 0)
    return silo_error_wrap (err, "container root");
  *shm = (struct proto_shm){ .set = false };
  if (bind_sources (req, dir, shm, err) < 0)
    return -1;
  *guest_dir = steal_pointer (&dir);
  return 0;
}

int
sandbox_guest_tree_bind (const char *guest_dir, const char *src, const char *name,
                         silo_error_t *err)
{
  cleanup_free char *dst = NULL;

  if (strchr (name, '/') != NULL)
    return silo_make_error (err, EINVAL, "guest tree: `%s`: one name, no path", name);
  xasprintf (&dst, "%s/%s", guest_dir, name);
  return bind_into (src, dst, true, err);
}
