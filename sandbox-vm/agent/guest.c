/* Guest-side setup: the agent as /init mounts the share from the host (the
 * monitor's guest tree: rootfs/ and binds/N) and the guest's cgroup2 tree;
 * the container's main process, in its own mount and PID namespaces, mounts
 * the config's mounts and devices with container mode's code, sets the
 * hostname, pivots into the rootfs, then applies sysctl, masked and
 * read-only paths and the read-only root, again with container mode's code. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* A container's tree in the guest is base (AGENT_SHARE for the first,
 * AGENT_SHARE "/pod/<name>" for a pod member): base/rootfs, base/binds/N. */

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

/* Kernel modules the backend put in the guest tree for what its kernel
 * builds as modules (UML's IPv6), in load order: SILO_AGENT_MODULES, a
 * colon-separated list of paths. Before lo comes up, so that it gets ::1
 * as a container's loopback does. */
static int
load_modules (silo_error_t *err)
{
  const char *list = getenv ("SILO_AGENT_MODULES");
  cleanup_free char *copy = list ? xstrdup (list) : NULL;
  char *save = NULL, *path;

  for (path = copy ? strtok_r (copy, ":", &save) : NULL; path; path = strtok_r (NULL, ":", &save))
    {
      cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return silo_make_error (err, errno, "open module `%s`", path);
      if (syscall (SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
        return silo_make_error (err, errno, "load module `%s`", path);
    }
  return 0;
}

int
agent_guest_early (silo_error_t *err)
{
  if (root_with_parent (err) < 0 || load_modules (err) < 0)
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
  if ((mkdir (AGENT_CGROUP_ROOT, 0755) < 0 && errno != EEXIST)
      || mount ("cgroup2", AGENT_CGROUP_ROOT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
             < 0)
    return silo_make_error (err, errno, "mount cgroup2 on " AGENT_CGROUP_ROOT);
  return 0;
}

/* The limits that must count the workload's own processes (pids) or that
 * programs read to size themselves (memory.max); the host's cgroup holds
 * the VM to the config's memory, CPU and IO as a whole (runtime/
 * mode_sandbox.c), so they are not repeated here. name: the container's
 * directory under AGENT_CGROUP_ROOT. */
int
agent_guest_cgroup (const struct oci_config *cfg, const char *name, silo_error_t *err)
{
  const struct oci_resources *r = cfg->linux_.resources;
  struct oci_resources guest = { 0 };

  if (r)
    {
      guest.pids_limit = r->pids_limit;
      if (r->memory.limit.set && r->memory.limit.value > 0)
        guest.memory.limit = r->memory.limit;
    }
  if (cg_v2_setup_dir (AGENT_CGROUP_ROOT, name, &guest, err) < 0)
    return silo_error_wrap (err, "config.json");
  return 0;
}

int
agent_guest_stats (const char *name, struct cg_stats *s, silo_error_t *err)
{
  cleanup_free char *path = NULL;

  xasprintf (&path, AGENT_CGROUP_ROOT "/%s", name);
  return cg_v2_stats_at (path, s, err);
}

int
agent_guest_update (const char *name, const struct oci_resources *r, silo_error_t *err)
{
  struct oci_resources guest = { 0 };

  guest.pids_limit = r->pids_limit;
  guest.memory.limit = r->memory.limit;
  return cg_v2_setup_dir (AGENT_CGROUP_ROOT, name, &guest, err);
}

/* 9p's cache=mmap: nothing cached but the pages of a shared writable
 * mapping, which cache=none refuses (EINVAL): POSIX shm in /dev/shm,
 * SQLite's -shm, LMDB. Lookups and reads still go to the host each time. */
static int
mount_share (const char *fs_type, silo_error_t *err)
{
  const char *type = "hostfs", *data = "", *src = "none";

  if (strcmp (fs_type, "9p") == 0)
    type = "9p", src = "silo-root", data = "trans=virtio,version=9p2000.L,cache=mmap";
  else if (strcmp (fs_type, "hostfs") != 0)
    return silo_make_error (err, 0, "unknown share type `%s`", fs_type);
  if (mkdir (AGENT_SHARE, 0755) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir " AGENT_SHARE);
  if (mount (src, AGENT_SHARE, type, MS_NOSUID | MS_NODEV, data) < 0)
    return silo_make_error (err, errno, "mount the %s share on " AGENT_SHARE, type);
  return 0;
}

/* A small tmpfs of the agent's holding one directory per key (the root
 * may be read-only: UML's is the monitor's tree, which makes the mount
 * point), each the mount point of that key's tmpfs. */
#define AGENT_SHM_DIR "/shm"

static int
shm_parent (silo_error_t *err)
{
  static bool mounted;

  if (mounted)
    return 0;
  if (mkdir (AGENT_SHM_DIR, 0755) < 0 && errno != EEXIST)
    return silo_make_error (err, errno, "mkdir " AGENT_SHM_DIR);
  if (mount ("silo-shm", AGENT_SHM_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             "mode=0700,size=64k")
      < 0)
    return silo_make_error (err, errno, "mount tmpfs on " AGENT_SHM_DIR);
  mounted = true;
  return 0;
}

int
agent_guest_shm (const struct proto_shm *shm, silo_error_t *err)
{
  cleanup_free char *dir = NULL, *data = NULL;

  if (!shm->set)
    return 0;
  if (shm_parent (err) < 0)
    return -1;
  xasprintf (&dir, AGENT_SHM_DIR "/%s", shm->key);
  if (mkdir (dir, 0755) < 0)
    return errno == EEXIST ? 0 : silo_make_error (err, errno, "mkdir `%s`", dir);
  if (shm->size)
    xasprintf (&data, "mode=%o,size=%llu", shm->mode, (unsigned long long) shm->size);
  else
    xasprintf (&data, "mode=%o", shm->mode);
  if (mount ("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
    {
      int saved = errno;
      rmdir (dir); /* made only with its tmpfs: a later one tries again */
      return silo_make_error (err, saved, "shm: mount tmpfs (%s) on `%s`", data, dir);
    }
  return 0;
}

/* The config's mounts with container mode's code (ns_do_mounts: each
 * destination resolved inside the rootfs), a bind's source being its copy
 * in the share (binds/N, which the monitor bound from the host) or, for the
 * engine's /dev/shm, the guest tmpfs agent_guest_shm made, and a "cgroup"
 * mount the guest's own cgroup2 tree. */
static int
setup_mounts (const struct oci_config *cfg, const char *base, const char *cgroup,
              const struct proto_shm *shm, silo_error_t *err)
{
  struct cg_mount guest_cg = { .name = (char *) "", .host_path = (char *) cgroup };
  struct oci_config guest = *cfg;
  cleanup_close int rootfd = -1;
  cleanup_free char *root = NULL;
  char **sources = xmalloc0 ((cfg->n_mounts + 1) * sizeof (*sources));
  int ret;

  guest.mounts = xmalloc0 ((cfg->n_mounts + 1) * sizeof (*guest.mounts));
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      guest.mounts[i] = cfg->mounts[i];
      if (cfg->mounts[i].is_bind && shm && shm->set && shm->mount == i)
        {
          xasprintf (&sources[i], AGENT_SHM_DIR "/%s", shm->key);
          guest.mounts[i].source = sources[i];
        }
      else if (cfg->mounts[i].is_bind)
        {
          xasprintf (&sources[i], "%s/binds/%zu", base, i);
          guest.mounts[i].source = sources[i];
          guest.mounts[i].idmap = false; /* the monitor's bind has the mapping */
        }
    }
  xasprintf (&root, "%s/rootfs", base);
  rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    ret = silo_make_error (err, errno, "open `%s`", root);
  else
    ret = ns_do_mounts (rootfd, &guest, NULL, &guest_cg, 1, err);
  if (ret < 0)
    silo_error_wrap (err, "config.json");
  /* Devices as in container mode, by the same code. */
  if (ret == 0 && (ret = ns_create_devices (rootfd, cfg, false, err)) < 0)
    silo_error_wrap (err, "config.json");
  for (size_t i = 0; i < cfg->n_mounts; i++)
    free (sources[i]);
  free (sources);
  free (guest.mounts);
  return ret;
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
enter_root (const char *root, silo_error_t *err)
{
  if (chdir (root) < 0 || syscall (SYS_pivot_root, ".", ".") < 0 || umount2 (".", MNT_DETACH) < 0
      || chdir ("/") < 0)
    return silo_make_error (err, errno, "pivot into the container root");
  return 0;
}

/* A process.cwd missing from the rootfs is made after the mounts, as in
 * container mode (below a read-only root the monitor made it already:
 * ns_make_mount_points). */
static int
make_cwd (const struct oci_config *cfg, const char *root, silo_error_t *err)
{
  cleanup_close int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd;

  if (rootfd < 0)
    return silo_make_error (err, errno, "open `%s`", root);
  fd = ns_open_in_root (rootfd, cfg->process->cwd, true, false, err);
  if (fd < 0)
    return silo_error_wrap (err, "process.cwd");
  close (fd);
  return 0;
}

int
agent_guest_enter_root (const struct oci_config *cfg, const char *base, const char *cgroup,
                        const struct proto_shm *shm, silo_error_t *err)
{
  cleanup_free char *root = NULL;

  xasprintf (&root, "%s/rootfs", base);
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return silo_make_error (err, errno, "make the guest's mounts private");
  /* A mount of its own: the root's flags (root.readonly, after the pivot
   * as in container mode) apply to it alone. */
  if (mount (root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "bind `%s`", root);
  if (setup_mounts (cfg, base, cgroup, shm, err) < 0 || make_cwd (cfg, root, err) < 0)
    return -1;
  if (cfg->hostname && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return silo_make_error (err, errno, "sethostname `%s`", cfg->hostname);
  if (cfg->domainname && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return silo_make_error (err, errno, "setdomainname `%s`", cfg->domainname);
  if (enter_root (root, err) < 0)
    return -1;
  /* sysctl, masked and read-only paths, read-only root: container mode's */
  return ns_finish_rootfs (cfg, err) < 0 ? silo_error_wrap (err, "config.json") : 0;
}
