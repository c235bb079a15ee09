/* Guest-side setup: the agent as /init mounts the share from the host (the
 * monitor's guest tree: rootfs/ and binds/N); the container's main process,
 * in its own mount and PID namespaces, mounts the config's mounts, devices,
 * masked and read-only paths, sets the hostname, and pivots into the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../namespaces/namespaces.h"
#include "../../util/utils.h"
#include "agent.h"

#define SHARE "/share"
#define ROOT SHARE "/rootfs"

/* pivot_root needs a root with a parent mount, which the initramfs (the
 * kvm guest's root) is not: move the root onto a bind mount of itself,
 * as tools that pivot from an initramfs do. UML's hostfs root has one. */
static int
root_with_parent (silo_error_t *err)
{
  struct statfs fs;

  if (statfs ("/", &fs) < 0)
    return silo_make_error (err, errno, "statfs /");
  if (fs.f_type != RAMFS_MAGIC && fs.f_type != TMPFS_MAGIC)
    return 0;
  if ((mkdir ("/.root", 0700) < 0 && errno != EEXIST)
      || mount ("/", "/.root", NULL, MS_BIND | MS_REC, NULL) < 0 || chdir ("/.root") < 0
      || mount (".", "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return silo_make_error (err, errno, "move the initramfs root onto a mount of its own");
  return 0;
}

int
agent_guest_early (silo_error_t *err)
{
  if (root_with_parent (err) < 0)
    return -1;
  /* The guest's network namespace is the container's: lo up, as in container
   * mode. */
  if (ns_loopback_up (err) < 0)
    return -1;
  /* The kernel mounts devtmpfs on /dev when the root has one (UML); an
   * initramfs root (KVM) needs it mounted here. */
  if (mount ("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) < 0 && errno != EBUSY)
    return silo_make_error (err, errno, "mount devtmpfs on /dev");
  if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return silo_make_error (err, errno, "mount proc on /proc");
  return 0;
}

static int
mount_share (const char *fs_type, silo_error_t *err)
{
  const char *type = "hostfs", *data = "", *src = "none";

  if (strcmp (fs_type, "9p") == 0)
    type = "9p", src = "silo-root", data = "trans=virtio,version=9p2000.L,cache=none";
  else if (strcmp (fs_type, "hostfs") != 0)
    return silo_make_error (err, 0, "unknown share type `%s`", fs_type);
  if (mkdir (SHARE, 0755) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir " SHARE);
  if (mount (src, SHARE, type, MS_NOSUID | MS_NODEV, data) < 0)
    return silo_make_error (err, errno, "mount the %s share on " SHARE, type);
  return 0;
}

/* Make the mount point: a directory, or an empty file for a file bind. */
static int
make_target (const char *path, bool as_file, silo_error_t *err)
{
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  int fd;

  if (!as_file)
    return mkdir_p (path, 0755, err);
  if (slash && slash != dir)
    {
      *slash = '\0';
      if (mkdir_p (dir, 0755, err) < 0)
        return -1;
    }
  fd = open (path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EISDIR)
    return silo_make_error (err, errno, "create mount point `%s`", path);
  if (fd >= 0)
    close (fd);
  return 0;
}

static int
bind_ro (const char *src, const char *dst, unsigned long flags, silo_error_t *err)
{
  if (mount (src, dst, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
    return silo_make_error (err, errno, "bind `%s` on `%s`", src, dst);
  flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_RELATIME;
  if (flags && mount (NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
    return silo_make_error (err, errno, "remount `%s`", dst);
  return 0;
}

static int
do_mount (const struct oci_mount *m, size_t idx, silo_error_t *err)
{
  cleanup_free char *dst = NULL, *src = NULL;
  const char *type = m->type;
  unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
  struct stat st;

  xasprintf (&dst, ROOT "%s", m->destination);
  if (m->is_bind)
    {
      xasprintf (&src, SHARE "/binds/%zu", idx);
      if (stat (src, &st) < 0)
        return silo_make_error (err, errno, "mounts[%zu]: bind source", idx);
      if (make_target (dst, !S_ISDIR (st.st_mode), err) < 0)
        return -1;
      return bind_ro (src, dst, m->flags, err);
    }
  if (make_target (dst, false, err) < 0)
    return -1;
  if (type && (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0))
    type = "cgroup2"; /* the guest's own hierarchy */
  if (mount (m->source ? m->source : type, dst, type, flags, m->data) < 0)
    return silo_make_error (err, errno, "mounts[%zu]: mount %s on `%s`", idx,
                            type ? type : "(none)", m->destination);
  return 0;
}

static int
mask_paths (const struct oci_config *cfg, silo_error_t *err)
{
  char **p;
  cleanup_free char *path = NULL;
  struct stat st;

  for (p = cfg->linux_.masked_paths; p && *p; p++)
    {
      free (path);
      xasprintf (&path, ROOT "%s", *p);
      if (stat (path, &st) < 0)
        continue; /* nothing to mask */
      if (S_ISDIR (st.st_mode) ? mount ("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0
                               : mount (ROOT "/dev/null", path, NULL, MS_BIND, NULL) < 0)
        return silo_make_error (err, errno, "mask `%s`", *p);
    }
  for (p = cfg->linux_.readonly_paths; p && *p; p++)
    {
      free (path);
      xasprintf (&path, ROOT "%s", *p);
      if (stat (path, &st) < 0)
        continue;
      if (bind_ro (path, path, MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV, err) < 0)
        return -1;
    }
  return 0;
}

static int
setup_mounts (const struct oci_config *cfg, silo_error_t *err)
{
  cleanup_close int rootfd = -1;
  size_t i;

  for (i = 0; i < cfg->n_mounts; i++)
    if (do_mount (&cfg->mounts[i], i, err) < 0)
      return -1;
  /* Devices as in container mode, by the same code. */
  rootfd = open (ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return silo_make_error (err, errno, "open " ROOT);
  if (ns_create_devices (rootfd, cfg, false, err) < 0)
    return silo_error_wrap (err, "config.json");
  return mask_paths (cfg, err);
}

int
agent_guest_mount_share (const char *fs_type, silo_error_t *err)
{
  return mount_share (fs_type, err);
}

/* Make the container root the process's root and its mount namespace's
 * (an exec'd process that joins the namespace lands there), with no way back
 * to the guest tree, the agent's /dev or its channel: pivot_root, then
 * detach the old root. */
static int
enter_root (silo_error_t *err)
{
  if (chdir (ROOT) < 0 || syscall (SYS_pivot_root, ".", ".") < 0 || umount2 (".", MNT_DETACH) < 0
      || chdir ("/") < 0)
    return silo_make_error (err, errno, "pivot into the container root");
  return 0;
}

/* A process.cwd missing from the rootfs is made after the mounts, as in
 * container mode (below a read-only root the monitor made it already:
 * ns_make_mount_points). */
static int
make_cwd (const struct oci_config *cfg, silo_error_t *err)
{
  cleanup_close int rootfd = open (ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd;

  if (rootfd < 0)
    return silo_make_error (err, errno, "open " ROOT);
  fd = ns_open_in_root (rootfd, cfg->process->cwd, true, false, err);
  if (fd < 0)
    return silo_error_wrap (err, "process.cwd");
  close (fd);
  return 0;
}

int
agent_guest_enter_root (const struct oci_config *cfg, silo_error_t *err)
{
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return silo_make_error (err, errno, "make the guest's mounts private");
  /* A mount of its own, so the read-only flag applies to the root only. */
  if (bind_ro (ROOT, ROOT, cfg->root_readonly ? MS_RDONLY : 0, err) < 0)
    return -1;
  if (setup_mounts (cfg, err) < 0 || make_cwd (cfg, err) < 0)
    return -1;
  if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return silo_make_error (err, errno, "sethostname `%s`", cfg->hostname);
  if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return silo_make_error (err, errno, "setdomainname `%s`", cfg->domainname);
  return enter_root (err);
}
