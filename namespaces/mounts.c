/* config.json mounts[] inside the container's mount namespace. Targets are
 * resolved with openat2(RESOLVE_IN_ROOT), so a symlink in the image can
 * never send a mount outside the rootfs; the mount then goes on the
 * resolved fd through /proc/self/fd. */
#include "internal.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#define RESOLVE_SAFE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

void
ns_fd_path (int fd, char buf[static 64])
{
  snprintf (buf, 64, "/proc/self/fd/%d", fd);
}

/* Symlinks followed (and components created) while resolving one path. */
#define MAX_RESOLVE_STEPS 255

static int open_in_root (int rootfd, const char *path, bool create, bool as_file, int steps,
                         silo_error_t *err);

/* Create `name` in dirfd; EEXIST means a dangling symlink is in the way. */
static int
create_component (int dirfd, const char *name, bool as_file)
{
  int f;

  if (!as_file)
    return mkdirat (dirfd, name, 0755);
  /* O_EXCL: never follow a symlink out of the root while creating. */
  f = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0)
    return -1;
  close (f);
  return 0;
}

/* A dangling symlink `name` in `dir`: go on from its target, resolved in
 * the root as the kernel would inside the container (runc SecureJoin). */
static int
follow_dangling (int rootfd, int dirfd, const char *dir, const char *name, const char *rest,
                 bool as_file, int steps, silo_error_t *err)
{
  char target[PATH_MAX];
  cleanup_free char *joined = NULL;
  ssize_t n = readlinkat (dirfd, name, target, sizeof (target) - 1);

  if (n < 0)
    return silo_make_error (err, errno, "readlink `%s/%s`", dir, name);
  target[n] = '\0';
  xasprintf (&joined, "%s/%s/%s", target[0] == '/' ? "" : dir, target, rest);
  return open_in_root (rootfd, joined, true, as_file, steps + 1, err);
}

/* Create the first missing component of path (below the existing `dir`),
 * then resolve the whole path again. */
static int
create_missing (int rootfd, const char *path, size_t dir_len, bool as_file, int steps,
                silo_error_t *err)
{
  cleanup_free char *dir = xstrndup (path, dir_len);
  const char *name = path + dir_len + strspn (path + dir_len, "/");
  size_t name_len = strcspn (name, "/");
  cleanup_free char *comp = xstrndup (name, name_len);
  const char *rest = name + name_len;
  bool last = rest[strspn (rest, "/")] == '\0';
  cleanup_close int dirfd = sys_openat2 (rootfd, *dir ? dir : "/", O_PATH | O_CLOEXEC,
                                         RESOLVE_SAFE);

  if (dirfd < 0)
    return silo_make_error (err, errno, "open `%s`", *dir ? dir : "/");
  if (create_component (dirfd, comp, last && as_file) == 0)
    return open_in_root (rootfd, path, true, as_file, steps + 1, err);
  if (errno != EEXIST)
    return silo_make_error (err, errno, "create `%s/%s`", dir, comp);
  return follow_dangling (rootfd, dirfd, dir, comp, rest, as_file, steps, err);
}

static int
open_in_root (int rootfd, const char *path, bool create, bool as_file, int steps,
              silo_error_t *err)
{
  int fd = sys_openat2 (rootfd, path, O_PATH | O_CLOEXEC, RESOLVE_SAFE);
  size_t end = 0;

  if (fd >= 0)
    return fd;
  if (errno != ENOENT || !create)
    return silo_make_error (err, errno, "open `%s` in the rootfs", path);
  if (steps > MAX_RESOLVE_STEPS)
    return silo_make_error (err, ELOOP, "resolve `%s` in the rootfs", path);
  /* Each prefix resolves inside the root: ".." and symlinks cannot escape. */
  for (;;)
    {
      size_t next = end + strspn (path + end, "/");
      cleanup_free char *prefix = NULL;
      next += strcspn (path + next, "/");
      if (next == end)
        {
          errno = ENOENT; /* nothing left to walk: no progress to make */
          break;
        }
      prefix = xstrndup (path, next);
      fd = sys_openat2 (rootfd, prefix, O_PATH | O_CLOEXEC, RESOLVE_SAFE);
      if (fd < 0)
        break;
      close (fd);
      end = next;
    }
  if (errno != ENOENT)
    return silo_make_error (err, errno, "open `%.*s` in the rootfs", (int) end, path);
  return create_missing (rootfd, path, end, as_file, steps, err);
}

int
ns_open_in_root (int rootfd, const char *path, bool create, bool as_file, silo_error_t *err)
{
  int fd = open_in_root (rootfd, path, create, as_file, 0, err);

  if (fd < 0 && create)
    return silo_error_wrap (err, "resolve `%s` in the rootfs", path);
  return fd;
}

unsigned long
ns_mount_locked_flags (const char *path)
{
  struct statvfs sv;
  unsigned long flags = 0;

  if (statvfs (path, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    flags |= MS_RDONLY;
  return flags;
}

static bool
source_is_file (const struct oci_mount *m)
{
  struct stat st;
  return m->is_bind && m->source && stat (m->source, &st) == 0 && !S_ISDIR (st.st_mode);
}

static int
remount_bind (const char *target, unsigned long flags, unsigned long clear, silo_error_t *err)
{
  unsigned long keep = ns_mount_locked_flags (target) & ~clear;
  unsigned long want = (flags | keep) & ~(MS_BIND | MS_REC | PROPAGATION_FLAGS | MS_REMOUNT);

  if (want == 0)
    return 0;
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | want, NULL) < 0)
    return silo_make_error (err, errno, "remount `%s`", target);
  return 0;
}

/* tree: the source's detached copy made on the host, or -1. */
static int
mount_bind (const struct oci_mount *m, int tree, int target_fd, const char *target,
            silo_error_t *err)
{
  unsigned long rec = m->flags & MS_REC;

  if (tree >= 0)
    {
      if (move_mount (tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
          < 0)
        return silo_make_error (err, errno, "bind mount `%s` on `%s`", m->source,
                                m->destination);
      return 0;
    }
  if (m->idmap)
    return silo_make_error (err, EINVAL, "idmapped mount on `%s`: not prepared on the host",
                            m->destination);
  if (m->source == NULL)
    return silo_make_error (err, 0, "bind mount on `%s`: missing source", m->destination);
  if (mount (m->source, target, NULL, MS_BIND | rec, NULL) < 0)
    return silo_make_error (err, errno, "bind mount `%s` on `%s`", m->source, m->destination);
  return 0;
}

static int
mount_fs (const struct oci_mount *m, const char *target, silo_error_t *err)
{
  unsigned long flags = m->flags & ~(PROPAGATION_FLAGS | MS_REC);
  const char *source = m->source ? m->source : m->type;

  if (mount (source, target, m->type, flags, m->data) == 0)
    return 0;
  /* sysfs needs a network namespace the user namespace owns; like runc,
   * fall back to the host's /sys, bound read-only. */
  if ((errno == EPERM || errno == EINVAL) && strcmp (m->type, "sysfs") == 0)
    {
      if (mount ("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return silo_make_error (err, errno, "bind /sys on `%s`", m->destination);
      return 1; /* a bind now: the caller remounts it with the flags */
    }
  return silo_make_error (err, errno, "mount %s on `%s`", m->type, m->destination);
}

/* Resolve dest again: an fd opened before a mount names the covered directory. */
static int
reopen_top (int rootfd, const char *dest, char path[static 64], silo_error_t *err)
{
  int fd = ns_open_in_root (rootfd, dest, false, false, err);
  if (fd >= 0)
    ns_fd_path (fd, path);
  return fd;
}

static int
mount_cgroup (int rootfd, const struct oci_mount *m, const char *target,
              const struct cg_mount *cg, size_t n, silo_error_t *err)
{
  unsigned long flags = m->flags & ~(PROPAGATION_FLAGS | MS_REC | MS_RDONLY);
  size_t i;

  /* No cgroup of its own (rootless, none delegated): the host's tree, as
   * the process would see it through /sys, with the mount's flags (ro). */
  if (n == 0)
    {
      if (mount ("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return silo_make_error (err, errno, "bind /sys/fs/cgroup on `%s`", m->destination);
      return 1;
    }
  if (n == 1 && cg[0].name[0] == '\0')
    {
      if (mount (cg[0].host_path, target, NULL, MS_BIND, NULL) < 0)
        return silo_make_error (err, errno, "bind cgroup `%s` on `%s`", cg[0].host_path,
                                m->destination);
      return 1;
    }
  /* v1 and hybrid: a tmpfs holding one bind mount per hierarchy. */
  if (mount ("cgroup", target, "tmpfs", flags, "mode=755") < 0)
    return silo_make_error (err, errno, "mount tmpfs on `%s`", m->destination);
  for (i = 0; i < n; i++)
    {
      cleanup_free char *sub = NULL;
      cleanup_close int fd = -1;
      cleanup_close int top = -1;
      char path[64];

      xasprintf (&sub, "%s/%s", m->destination, cg[i].name);
      fd = ns_open_in_root (rootfd, sub, true, false, err);
      if (fd < 0)
        return -1;
      ns_fd_path (fd, path);
      if (mount (cg[i].host_path, path, NULL, MS_BIND, NULL) < 0)
        return silo_make_error (err, errno, "bind cgroup `%s` on `%s`", cg[i].host_path, sub);
      top = reopen_top (rootfd, sub, path, err);
      if (top < 0 || remount_bind (path, m->flags, m->clear_flags, err) < 0)
        return -1;
    }
  /* The tmpfs itself becomes read-only last, after the binds were made. */
  return (m->flags & MS_RDONLY) ? 1 : 0;
}

static int copy_tree (int src, int dst, silo_error_t *err);

static int
copy_file_at (int src, int dst, const char *name, mode_t mode, silo_error_t *err)
{
  cleanup_close int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  char buf[65536];
  ssize_t r;

  if (in < 0)
    return silo_make_error (err, errno, "tmpcopyup: open `%s`", name);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
  if (out < 0)
    return silo_make_error (err, errno, "tmpcopyup: create `%s`", name);
  while ((r = TEMP_FAILURE_RETRY (read (in, buf, sizeof (buf)))) > 0)
    if (write_all (out, buf, (size_t) r) < 0)
      return silo_make_error (err, errno, "tmpcopyup: write `%s`", name);
  if (r < 0)
    return silo_make_error (err, errno, "tmpcopyup: read `%s`", name);
  return 0;
}

/* One directory entry of copy_tree: the entry itself, then its owner. */
static int
copy_entry (int src, int dst, const char *name, silo_error_t *err)
{
  struct stat st;
  int ret = 0;

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return silo_make_error (err, errno, "tmpcopyup: stat `%s`", name);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int s = -1;
      cleanup_close int d = -1;
      if (mkdirat (dst, name, st.st_mode & 07777) < 0)
        return silo_make_error (err, errno, "tmpcopyup: mkdir `%s`", name);
      s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return silo_make_error (err, errno, "tmpcopyup: open `%s`", name);
      ret = copy_tree (s, d, err);
    }
  else if (S_ISREG (st.st_mode))
    ret = copy_file_at (src, dst, name, st.st_mode, err);
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (src, name, target, sizeof (target) - 1);
      if (n < 0)
        return silo_make_error (err, errno, "tmpcopyup: readlink `%s`", name);
      target[n] = '\0';
      if (symlinkat (target, dst, name) < 0)
        return silo_make_error (err, errno, "tmpcopyup: symlink `%s`", name);
    }
  else if (!S_ISSOCK (st.st_mode) && mknodat (dst, name, st.st_mode, st.st_rdev) < 0)
    return silo_make_error (err, errno, "tmpcopyup: mknod `%s`", name);
  if (ret == 0 && !S_ISSOCK (st.st_mode)
      && fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return silo_make_error (err, errno, "tmpcopyup: chown `%s`", name);
  return ret;
}

/* Copy the contents of directory src into dst (runc's tmpcopyup). Names
 * come from readdir and are opened without following links, so nothing
 * outside the covered directory is read. */
static int
copy_tree (int src, int dst, silo_error_t *err)
{
  int fd = openat (src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return silo_make_error (err, saved, "tmpcopyup: open directory");
    }
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (dirfd (d), dst, de->d_name, err) < 0)
        return -1;
    }
  return 0;
}

/* A tmpfs given no mode= takes the mode of the directory it covers (runc). */
static bool
keeps_covered_mode (const struct oci_mount *m)
{
  const char *d = m->data;

  if (m->is_bind || m->type == NULL || strcmp (m->type, "tmpfs") != 0)
    return false;
  for (const char *p = d ? strstr (d, "mode=") : NULL; p; p = strstr (p + 1, "mode="))
    if (p == d || p[-1] == ',')
      return false;
  return true;
}

/* mode= of the covered directory (fd) first, the config's options after:
 * a mode= there wins, as in runc. */
static int
mount_tmpfs_with_mode (const struct oci_mount *m, int fd, const char *target, silo_error_t *err)
{
  cleanup_free char *data = NULL;
  struct oci_mount with_mode = *m;
  struct stat st;

  if (fstat (fd, &st) < 0)
    return silo_make_error (err, errno, "mount on `%s`: stat", m->destination);
  if (m->data && *m->data)
    xasprintf (&data, "mode=%04o,%s", (unsigned) (st.st_mode & 07777), m->data);
  else
    xasprintf (&data, "mode=%04o", (unsigned) (st.st_mode & 07777));
  with_mode.data = data;
  return mount_fs (&with_mode, target, err);
}

static bool
has_rec_attrs (const struct oci_mount *m)
{
  return m->rec_attr_set || m->rec_attr_clr;
}

/* rro, rnosuid, ...: over the mount and every mount below it. */
static int
set_rec_attrs (const struct oci_mount *m, const char *path, silo_error_t *err)
{
  struct mount_attr attr = { .attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr };

  if (!has_rec_attrs (m))
    return 0;
  if (mount_setattr (AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof (attr)) < 0)
    return silo_make_error (err, errno, "recursive mount options of `%s`", m->destination);
  return 0;
}

static int
do_one_mount (int rootfd, const struct oci_mount *m, int tree, const struct cg_mount *cg,
              size_t n_cg, silo_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_close int top = -1;
  char target[64], top_path[64];
  int ret;

  fd = ns_open_in_root (rootfd, m->destination, true, source_is_file (m), err);
  if (fd < 0)
    return -1;
  ns_fd_path (fd, target);

  if (m->is_bind)
    ret = mount_bind (m, tree, fd, target, err);
  else if (m->type && strcmp (m->type, "cgroup") == 0)
    ret = mount_cgroup (rootfd, m, target, cg, n_cg, err);
  else if (m->type == NULL)
    ret = silo_make_error (err, 0, "mount on `%s`: missing type", m->destination);
  else if (keeps_covered_mode (m))
    ret = mount_tmpfs_with_mode (m, fd, target, err);
  else
    ret = mount_fs (m, target, err);
  if (ret < 0)
    return ret;
  if (!m->is_bind && ret == 0 && !m->propagation && !m->tmpcopyup && !has_rec_attrs (m))
    return 0;

  top = reopen_top (rootfd, m->destination, top_path, err);
  if (top < 0)
    return -1;
  if (m->tmpcopyup && !m->is_bind && ret == 0 && copy_tree (fd, top, err) < 0)
    return silo_error_wrap (err, "mount on `%s`", m->destination);
  /* fd still names the directory the tmpfs now covers: like runc, the
   * tmpfs takes its mode after a copy-up too. */
  if (m->tmpcopyup && !m->is_bind && ret == 0)
    {
      struct stat st;
      if (fstat (fd, &st) < 0 || chmod (top_path, st.st_mode & 07777) < 0)
        return silo_make_error (err, errno, "mount on `%s`: chmod", m->destination);
    }
  /* Bind mounts take their flags (ro, nosuid, ...) only on a remount. */
  if ((m->is_bind || ret == 1) && remount_bind (top_path, m->flags, m->clear_flags, err) < 0)
    return -1;
  if (m->propagation && mount (NULL, top_path, NULL, m->propagation, NULL) < 0)
    return silo_make_error (err, errno, "set propagation of `%s`", m->destination);
  return set_rec_attrs (m, top_path, err);
}

int
ns_do_mounts (int rootfd, const struct oci_config *cfg, const int *mount_fds,
              const struct cg_mount *cg_mounts, size_t n_cg_mounts, silo_error_t *err)
{
  size_t i;

  for (i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      int tree = mount_fds ? mount_fds[i] : -1;
      if (do_one_mount (rootfd, m, tree, cg_mounts, n_cg_mounts, err) < 0)
        return silo_error_wrap (err, "mounts[%zu]", i);
    }
  return 0;
}

/* Is path at or below one of the first n mount destinations? */
static bool
under_a_mount (const struct oci_config *cfg, const char *path, size_t n, bool or_at)
{
  for (size_t j = 0; j < n; j++)
    {
      const char *p = cfg->mounts[j].destination;
      size_t len = strlen (p);
      if (strncmp (path, p, len) == 0
          && (path[len] == '/' || (or_at && path[len] == '\0') || (len == 1 && p[0] == '/')))
        return true;
    }
  return false;
}

static bool
nested_in_earlier (const struct oci_config *cfg, size_t i)
{
  return under_a_mount (cfg, cfg->mounts[i].destination, i, false);
}

int
ns_make_mount_points (const char *rootfs, const struct oci_config *cfg, silo_error_t *err)
{
  cleanup_close int rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (rootfd < 0)
    return silo_make_error (err, errno, "open rootfs `%s`", rootfs);
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      int fd;
      if (nested_in_earlier (cfg, i))
        continue;
      fd = ns_open_in_root (rootfd, cfg->mounts[i].destination, true,
                            source_is_file (&cfg->mounts[i]), err);
      if (fd < 0)
        return silo_error_wrap (err, "mounts[%zu]: mount point", i);
      close (fd);
    }
  /* process.cwd too, unless a mount will cover it (made in there later). */
  if (cfg->process && cfg->process->cwd
      && !under_a_mount (cfg, cfg->process->cwd, cfg->n_mounts, true))
    {
      int fd = ns_open_in_root (rootfd, cfg->process->cwd, true, false, err);
      if (fd < 0)
        return silo_error_wrap (err, "process.cwd");
      close (fd);
    }
  return 0;
}
