/* Guest-side setup done by the agent as /init: the share from the host (the
 * monitor's guest tree: rootfs/ and binds/N), the config's mounts, devices,
 * masked and read-only paths, hostname, and the chroot into the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "agent.h"

#define SHARE "/share"
#define ROOT SHARE "/rootfs"

int
agent_guest_early (silo_error_t *err)
{
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

struct dev_node
{
  const char *name;
  unsigned maj, min;
};

static const struct dev_node default_devs[] = {
  { "null", 1, 3 },   { "zero", 1, 5 }, { "full", 1, 7 },
  { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* With a tmpfs /dev (the default spec), create the standard nodes. */
static int
setup_dev (silo_error_t *err)
{
  char path[64];
  size_t i;

  for (i = 0; i < ARRAY_SIZE (default_devs); i++)
    {
      snprintf (path, sizeof (path), ROOT "/dev/%s", default_devs[i].name);
      if (mknod (path, S_IFCHR | 0666, makedev (default_devs[i].maj, default_devs[i].min)) < 0
          && errno != EEXIST)
        return silo_make_error (err, errno, "mknod `%s`", path);
    }
  if (symlink ("pts/ptmx", ROOT "/dev/ptmx") < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "symlink /dev/ptmx");
  if (symlink ("/proc/self/fd", ROOT "/dev/fd") < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "symlink /dev/fd");
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
  struct stat st;
  size_t i;

  for (i = 0; i < cfg->n_mounts; i++)
    if (do_mount (&cfg->mounts[i], i, err) < 0)
      return -1;
  if (stat (ROOT "/dev/null", &st) < 0 && setup_dev (err) < 0)
    return -1;
  return mask_paths (cfg, err);
}

int
agent_guest_setup_root (const struct oci_config *cfg, const char *fs_type, silo_error_t *err)
{
  if (mount_share (fs_type, err) < 0)
    return -1;
  /* A mount of its own, so the read-only flag applies to the root only. */
  if (bind_ro (ROOT, ROOT, cfg->root_readonly ? MS_RDONLY : 0, err) < 0)
    return -1;
  if (setup_mounts (cfg, err) < 0)
    return -1;
  if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return silo_make_error (err, errno, "sethostname `%s`", cfg->hostname);
  if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return silo_make_error (err, errno, "setdomainname `%s`", cfg->domainname);
  if (chdir (ROOT) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return silo_make_error (err, errno, "chroot into the container root");
  return 0;
}
