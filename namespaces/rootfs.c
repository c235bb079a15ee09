/* pivot_root and what follows it: masked and read-only paths, sysctl and a
 * read-only root. */
#include "internal.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

int
ns_pivot (const char *rootfs, bool no_pivot, silo_error_t *err)
{
  cleanup_close int oldroot = -1;

  if (chdir (rootfs) < 0)
    return silo_make_error (err, errno, "chdir `%s`", rootfs);
  if (no_pivot)
    {
      if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return silo_make_error (err, errno, "move `%s` to /", rootfs);
      if (chroot (".") < 0)
        return silo_make_error (err, errno, "chroot `%s`", rootfs);
      return chdir ("/") < 0 ? silo_make_error (err, errno, "chdir /") : 0;
    }
  oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return silo_make_error (err, errno, "open /");
  /* pivot_root(".", ".") stacks the old root under the new one; detaching
   * "." then drops it without needing a directory for it in the image. */
  if (sys_pivot_root (".", ".") < 0)
    return silo_make_error (err, errno, "pivot_root `%s`", rootfs);
  /* "." is still the new root for mount(2): without this, rslave would
   * reach the container's own mounts and undo their "rshared" (runc). */
  if (fchdir (oldroot) < 0)
    return silo_make_error (err, errno, "fchdir to the old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "make old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return silo_make_error (err, errno, "detach old root");
  if (chdir ("/") < 0)
    return silo_make_error (err, errno, "chdir /");
  return 0;
}

static int
mask_path (const char *path, silo_error_t *err)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : silo_make_error (err, errno, "linux.maskedPaths: stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0)
        return silo_make_error (err, errno, "linux.maskedPaths: mask `%s`", path);
      return 0;
    }
  /* A dangling symlink masks nothing: ENOENT is ignored, as in runc. */
  if (mount ("/dev/null", path, NULL, MS_BIND, NULL) == 0 || errno == ENOENT)
    return 0;
  /* A symlink to a directory (runc: ENOTDIR gets the tmpfs). */
  if (errno == ENOTDIR && mount ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") == 0)
    return 0;
  return silo_make_error (err, errno, "linux.maskedPaths: mask `%s`", path);
}

static int
readonly_path (const char *path, silo_error_t *err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return silo_make_error (err, errno, "linux.readonlyPaths: bind `%s`", path);
    }
  if (mount (NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | ns_mount_locked_flags (path),
             NULL) < 0)
    return silo_make_error (err, errno, "linux.readonlyPaths: remount `%s`", path);
  return 0;
}

static int
write_sysctl (const char *key, const char *value, silo_error_t *err)
{
  cleanup_free char *path = NULL;
  char *p;

  /* "net/ipv4/conf/eth0.1/forwarding" is a path as written (runc); the
   * parser refused empty, "." and ".." components. */
  xasprintf (&path, "/proc/sys/%s", key);
  for (p = path + strlen ("/proc/sys/"); *p && strchr (key, '/') == NULL; p++)
    if (*p == '.')
      *p = '/';
  if (write_file (path, value, strlen (value), err) < 0)
    return silo_error_wrap (err, "linux.sysctl: %s", key);
  return 0;
}

int
ns_finish_rootfs (const struct oci_config *cfg, silo_error_t *err)
{
  const struct oci_linux *l = &cfg->linux_;
  size_t i;

  /* sysctls first: readonlyPaths usually holds /proc/sys (runc order). */
  for (i = 0; i < l->sysctl.len; i++)
    if (write_sysctl (l->sysctl.items[i].key, l->sysctl.items[i].value, err) < 0)
      return -1;
  for (i = 0; l->masked_paths && l->masked_paths[i]; i++)
    if (mask_path (l->masked_paths[i], err) < 0)
      return -1;
  for (i = 0; l->readonly_paths && l->readonly_paths[i]; i++)
    if (readonly_path (l->readonly_paths[i], err) < 0)
      return -1;
  if (cfg->root_readonly
      && mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | ns_mount_locked_flags ("/"),
                NULL) < 0)
    return silo_make_error (err, errno, "root.readonly: remount / read-only");
  return 0;
}
