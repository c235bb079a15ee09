/* The container process from clone() to execve(): the rootfs, hooks that
 * run in the container, the console, and the wait for `start`. */
#include "internal.h"
#include "sync.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

static bool
has_new_ns (const struct oci_config *cfg, int type)
{
  const struct oci_namespace *ns = oci_config_namespace (cfg, type);
  return ns && ns->path == NULL;
}

/* A process.cwd missing from the rootfs is created, as runc does, before
 * the root may become read-only. */
static int
make_cwd (int rootfd, const struct oci_process *p, silo_error_t *err)
{
  int fd = ns_open_in_root (rootfd, p->cwd, true, false, err);

  if (fd < 0)
    return silo_error_wrap (err, "process.cwd");
  close (fd);
  return 0;
}

static int
set_propagation (const struct oci_config *cfg, const char *path, silo_error_t *err)
{
  if (mount (NULL, path, NULL, cfg->linux_.rootfs_propagation_flags, NULL) < 0)
    return silo_make_error (err, errno, "linux.rootfsPropagation: `%s`",
                            cfg->linux_.rootfs_propagation);
  return 0;
}

/* runc runs a config without a mount namespace: it mounts into the
 * runtime's (the host's) and chroots. silo runs the part of it that
 * leaves the host's mount tree alone: the root entered with chroot, used
 * as it is; what would need a mount or a node made in it is refused. */
int
ns_check_without_mount_ns (const struct oci_config *cfg, silo_error_t *err)
{
  static const char why[] = "without a mount namespace in linux.namespaces it would be made "
                            "in the host's mount namespace";

  if (oci_config_namespace (cfg, CLONE_NEWNS))
    return 0;
  if (cfg->n_mounts)
    return silo_make_error (err, 0, "config.json: mounts: %s", why);
  if (cfg->linux_.masked_paths && cfg->linux_.masked_paths[0])
    return silo_make_error (err, 0, "config.json: linux.maskedPaths: %s", why);
  if (cfg->linux_.readonly_paths && cfg->linux_.readonly_paths[0])
    return silo_make_error (err, 0, "config.json: linux.readonlyPaths: %s", why);
  if (cfg->linux_.n_devices)
    return silo_make_error (err, 0, "config.json: linux.devices: %s", why);
  if (cfg->root_readonly)
    return silo_make_error (err, 0, "config.json: root.readonly: %s", why);
  if (cfg->linux_.rootfs_propagation)
    return silo_make_error (err, 0, "config.json: linux.rootfsPropagation: %s", why);
  return 0;
}

static int
prepare_rootfs (const struct ns_spawn_config *c, silo_error_t *err)
{
  const struct oci_config *cfg = c->cfg;
  unsigned long prop = cfg->linux_.rootfs_propagation_flags;
  cleanup_close int rootfd = -1;

  if (!oci_config_namespace (cfg, CLONE_NEWNS))
    {
      rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (rootfd < 0)
        return silo_make_error (err, errno, "open rootfs `%s`", c->rootfs);
      return make_cwd (rootfd, c->process, err);
    }

  /* Keep host mount events flowing in (rslave) but never out. */
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "make / rslave");
  if (mount (c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "bind rootfs `%s`", c->rootfs);
  /* Shared waits for the pivot: pivot_root refuses a shared new root. */
  if (prop && !(prop & MS_SHARED) && set_propagation (cfg, c->rootfs, err) < 0)
    return -1;
  rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return silo_make_error (err, errno, "open rootfs `%s`", c->rootfs);
  if (ns_do_mounts (rootfd, cfg, c->mount_fds, c->cg_mounts, c->n_cg_mounts, err) < 0)
    return silo_error_wrap (err, "config.json");
  if (ns_create_devices (rootfd, cfg, c->rootless || oci_config_namespace (cfg, CLONE_NEWUSER),
                         err)
      < 0)
    return -1;
  return make_cwd (rootfd, c->process, err);
}

static bool
needs_state (const struct oci_config *cfg)
{
  /* The runtime acts at that point: hooks, and linux.netDevices. */
  return cfg->linux_.n_net_devices || cfg->hooks[OCI_HOOK_PRESTART].len
         || cfg->hooks[OCI_HOOK_CREATE_RUNTIME].len
         || cfg->hooks[OCI_HOOK_CREATE_CONTAINER].len || cfg->hooks[OCI_HOOK_START_CONTAINER].len;
}

/* The runtime runs prestart/createRuntime hooks now and answers with the
 * state JSON that the hooks in the container receive on stdin. */
/* The runtime runs prestart and createRuntime, then sends the state for
 * createContainer ("creating") and for startContainer ("created", as runc
 * gives it). */
static int
sync_hooks (int sync_fd, char **state_json, char **start_json, silo_error_t *err)
{
  struct ns_sync_msg msg;

  if (ns_sync_send (sync_fd, NS_SYNC_HOOKS, 0, NULL, -1) < 0)
    return silo_make_error (err, errno, "sync with runtime");
  if (ns_sync_expect (sync_fd, NS_SYNC_STATE, &msg, err) < 0)
    return -1;
  *state_json = steal_pointer (&msg.payload);
  ns_sync_msg_clear (&msg);
  if (ns_sync_expect (sync_fd, NS_SYNC_STATE, &msg, err) < 0)
    return -1;
  *start_json = steal_pointer (&msg.payload);
  ns_sync_msg_clear (&msg);
  return 0;
}

static int
set_identity (const struct oci_config *cfg, const char *id, bool new_keyring, silo_error_t *err)
{
  if (cfg->hostname && *cfg->hostname)
    {
      if (!has_new_ns (cfg, CLONE_NEWUTS) && !oci_config_namespace (cfg, CLONE_NEWUTS))
        return silo_make_error (err, 0, "hostname: needs a UTS namespace in linux.namespaces");
      if (sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
        return silo_make_error (err, errno, "hostname: sethostname `%s`", cfg->hostname);
    }
  if (cfg->domainname && *cfg->domainname
      && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return silo_make_error (err, errno, "domainname: setdomainname `%s`", cfg->domainname);
  if (new_keyring)
    {
      cleanup_free char *name = NULL;
      xasprintf (&name, "_ses.%s", id);
      /* Kernels that deny keyrings to containers are not an error (runc). */
      if (sys_keyctl_join (name) < 0 && errno != ENOSYS && errno != EACCES && errno != EPERM)
        return silo_make_error (err, errno, "join session keyring");
    }
  return 0;
}

/* This process's /proc/self, opened before the pivot: what the process
 * still needs of /proc after it (its exec fifo, its oom_score_adj) must not
 * depend on the container mounting one (runtime-spec: /proc is the
 * config's to mount, or not). Close-on-exec: gone once the program runs. */
static int self_dir = -1;

static int
open_self_dir (silo_error_t *err)
{
  self_dir = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self_dir < 0)
    return silo_make_error (err, errno, "open /proc/self");
  return 0;
}

static int
set_oom_score (const struct oci_process *p, silo_error_t *err)
{
  cleanup_close int fd = -1;
  char buf[32];

  if (!p->oom_score_adj.set)
    return 0;
  snprintf (buf, sizeof (buf), "%lld", (long long) p->oom_score_adj.value);
  fd = openat (self_dir, "oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all (fd, buf, strlen (buf)) < 0)
    return silo_make_error (err, errno, "process.oomScoreAdj: write oom_score_adj");
  return 0;
}

/* Block until `silo start` opens the fifo for reading. The writing end
 * stays open until exec closes it (close-on-exec): `silo start` waits for
 * that EOF, so poststart runs after startContainer and the exec, as the
 * runtime-spec orders them. */
static int
wait_for_start (int fifo_fd, silo_error_t *err)
{
  char path[64];
  int fd;

  snprintf (path, sizeof (path), "fd/%d", fifo_fd);
  fd = openat (self_dir, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "open exec fifo");
  if (write_all (fd, "0", 1) < 0)
    {
      close (fd);
      return silo_make_error (err, errno, "write exec fifo");
    }
  return 0; /* fd: left open on purpose */
}

/* Past READY the runtime that created us is gone: failures can only be
 * reported on the container's stderr and in its exit status. */
static __attribute__ ((noreturn)) void
after_start (const struct ns_spawn_config *c, const char *state_json, const char *exec_path,
             char **env)
{
  silo_error_t err = NULL;
  char *line = NULL;

  if (wait_for_start (c->exec_fifo_fd, &err) == 0
      && ns_hooks_run (&c->cfg->hooks[OCI_HOOK_START_CONTAINER], state_json, "startContainer",
                       &err)
             == 0)
    {
      execve (exec_path, c->process->args, env);
      silo_make_error (&err, errno, "exec `%s`", exec_path);
    }
  xasprintf (&line, "silo: %s\n", err->msg);
  (void) write_all (2, line, strlen (line));
  _exit (127);
}

static int
enter_namespaces_late (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err)
{
  struct ns_sync_msg msg;

  if (ns_sync_expect (sync_fd, NS_SYNC_GO, &msg, err) < 0)
    return -1;
  ns_sync_msg_clear (&msg);
  if (ns_seal_after_go (c, err) < 0)
    return -1;
  if (has_new_ns (c->cfg, CLONE_NEWUSER) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return silo_make_error (err, errno, "become root in the user namespace");
  /* After the runtime put us in the cgroup, so that it is the ns root. */
  if (has_new_ns (c->cfg, CLONE_NEWNET) && ns_loopback_up (err) < 0)
    return -1;
  if (has_new_ns (c->cfg, CLONE_NEWCGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    return silo_make_error (err, errno, "new cgroup namespace");
  return ns_check_without_mount_ns (c->cfg, err);
}

/* pivot_root in the container's mount namespace; chroot without one (as
 * runc), where a pivot would move the host's root. */
static int
enter_root (const struct ns_spawn_config *c, silo_error_t *err)
{
  if (oci_config_namespace (c->cfg, CLONE_NEWNS))
    return ns_pivot (c->rootfs, c->no_pivot, err);
  if (chroot (c->rootfs) < 0)
    return silo_make_error (err, errno, "chroot `%s`", c->rootfs);
  if (chdir ("/") < 0)
    return silo_make_error (err, errno, "chdir /");
  return 0;
}

int
ns_container_main (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err)
{
  const struct oci_config *cfg = c->cfg;
  cleanup_free char *state_json = NULL, *start_json = NULL;
  cleanup_free char *exec_path = NULL;
  char **env = NULL;

  if (enter_namespaces_late (c, sync_fd, err) < 0 || prepare_rootfs (c, err) < 0)
    return -1;
  if (needs_state (cfg) && sync_hooks (sync_fd, &state_json, &start_json, err) < 0)
    return -1;
  if (ns_hooks_run (&cfg->hooks[OCI_HOOK_CREATE_CONTAINER], state_json, "createContainer", err)
      < 0)
    return -1;
  if (open_self_dir (err) < 0 || enter_root (c, err) < 0)
    return -1;
  if ((cfg->linux_.rootfs_propagation_flags & MS_SHARED) && set_propagation (cfg, "/", err) < 0)
    return -1;
  if (c->process->terminal
      && ns_setup_console (c->console_socket_fd, c->process,
                           oci_config_namespace (cfg, CLONE_NEWNS) != NULL, err)
             < 0)
    return -1;
  if (ns_finish_rootfs (cfg, err) < 0 || set_identity (cfg, c->id, !c->no_new_keyring, err) < 0
      || set_oom_score (c->process, err) < 0)
    return -1;
  if (ns_prepare_exec (c, sync_fd, &exec_path, &env, err) < 0)
    return -1;
  if (ns_sync_send (sync_fd, NS_SYNC_READY, 0, NULL, -1) < 0)
    return silo_make_error (err, errno, "sync with runtime");
  close (sync_fd);
  after_start (c, start_json, exec_path, env);
}
