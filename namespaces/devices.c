/* /dev inside the container: the devices every container gets, those from
 * linux.devices, and the standard symlinks. In a user namespace mknod is
 * not allowed, so the host's nodes are bind-mounted instead (as runc does). */
#include "internal.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct default_device
{
  const char *path;
  unsigned major, minor;
};

static const struct default_device default_devices[] = {
  { "/dev/null", 1, 3 },    { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 },  { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct
{
  const char *target;
  const char *link;
} default_links[] = {
  { "/proc/self/fd", "/dev/fd" },     { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
  { "/proc/kcore", "/dev/core" },
};

/* A directory inside the rootfs, opened for *at() calls (not O_PATH). */
static int
open_dir_in_root (int rootfd, const char *path, silo_error_t *err)
{
  cleanup_close int pathfd = ns_open_in_root (rootfd, path, true, false, err);
  char p[64];
  int fd;

  if (pathfd < 0)
    return -1;
  ns_fd_path (pathfd, p);
  fd = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  return fd;
}

static int
bind_host_node (int rootfd, const char *path, silo_error_t *err)
{
  cleanup_close int fd = ns_open_in_root (rootfd, path, true, true, err);
  char target[64];

  if (fd < 0)
    return -1;
  ns_fd_path (fd, target);
  if (mount (path, target, NULL, MS_BIND, NULL) < 0)
    return silo_make_error (err, errno, "bind device `%s`", path);
  return 0;
}

static mode_t
node_type (char t)
{
  switch (t)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

static int
make_node (int rootfd, const char *path, mode_t type, mode_t perm, dev_t dev, uid_t uid,
           gid_t gid, silo_error_t *err)
{
  cleanup_free char *parent = xstrdup (path);
  cleanup_close int dirfd = -1;
  char *slash = strrchr (parent, '/');
  const char *name = slash + 1;

  *slash = '\0';
  dirfd = open_dir_in_root (rootfd, *parent ? parent : "/", err);
  if (dirfd < 0)
    return -1;
  unlinkat (dirfd, name, 0);
  if (mknodat (dirfd, name, type | perm, dev) < 0)
    return silo_make_error (err, errno, "mknod `%s`", path);
  if (fchmodat (dirfd, name, perm, 0) < 0)
    return silo_make_error (err, errno, "chmod `%s`", path);
  if (fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return silo_make_error (err, errno, "chown `%s`", path);
  return 0;
}

static int
create_config_device (int rootfd, const struct oci_device *d, bool in_userns, silo_error_t *err)
{
  mode_t perm = d->file_mode.set ? (mode_t) d->file_mode.value & 07777 : 0666;
  uid_t uid = d->uid.set ? (uid_t) d->uid.value : 0;
  gid_t gid = d->gid.set ? (gid_t) d->gid.value : 0;

  if (in_userns)
    return bind_host_node (rootfd, d->path, err);
  return make_node (rootfd, d->path, node_type (d->type), perm,
                    makedev ((unsigned) d->major, (unsigned) d->minor), uid, gid, err);
}

static int
make_link (int devfd, const char *target, const char *name, bool replace, silo_error_t *err)
{
  if (replace)
    unlinkat (devfd, name, 0);
  if (symlinkat (target, devfd, name) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "symlink /dev/%s", name);
  return 0;
}

static bool
exists_in_root (int rootfd, const char *path)
{
  int fd = sys_openat2 (rootfd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT);
  if (fd < 0)
    return false;
  close (fd);
  return true;
}

static bool
config_has_device (const struct oci_config *cfg, const char *path)
{
  for (size_t i = 0; i < cfg->linux_.n_devices; i++)
    if (strcmp (cfg->linux_.devices[i].path, path) == 0)
      return true;
  return false;
}

int
ns_create_devices (int rootfd, const struct oci_config *cfg, bool in_userns, silo_error_t *err)
{
  cleanup_close int devfd = -1;
  size_t i;

  for (i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      const struct default_device *d = &default_devices[i];
      int ret;
      if (config_has_device (cfg, d->path))
        continue;
      if (in_userns)
        ret = bind_host_node (rootfd, d->path, err);
      else
        ret = make_node (rootfd, d->path, S_IFCHR, 0666, makedev (d->major, d->minor), 0, 0,
                         err);
      if (ret < 0)
        return ret;
    }
  for (i = 0; i < cfg->linux_.n_devices; i++)
    if (create_config_device (rootfd, &cfg->linux_.devices[i], in_userns, err) < 0)
      return silo_error_wrap (err, "linux.devices[%zu]", i);
  devfd = open_dir_in_root (rootfd, "/dev", err);
  if (devfd < 0)
    return -1;
  for (i = 0; i < ARRAY_SIZE (default_links); i++)
    if (make_link (devfd, default_links[i].target, default_links[i].link + strlen ("/dev/"),
                   false, err) < 0)
      return -1;
  /* ptmx comes from the container's own devpts instance when there is one. */
  if (exists_in_root (rootfd, "/dev/pts/ptmx"))
    return make_link (devfd, "pts/ptmx", "ptmx", true, err);
  return 0;
}
