/* Monitor bring-up, in order: own session (and the host pty as controlling
 * terminal when process.terminal), the container cgroup, (rootless: a
 * user namespace of its own,) the config's network namespace and private
 * mount/ipc/uts namespaces, the guest tree, the control socket, the log,
 * the taps, a PID namespace, and the guest itself. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../cgroups/cgroups.h"
#include "jail.h"
#include "../../util/utils.h"
#include "monitor.h"

static int
setup_stdio (struct monitor *m, silo_error_t *err)
{
  const struct oci_process *p = m->req->cfg->process;

  m->main = (struct sandbox_relay){ .in_fd = 0, .out_fd = 1, .err_fd = 2, .id = PROTO_ID_MAIN };
  if (!p->terminal)
    return 0;
  if (m->req->console_socket_fd < 0)
    return silo_make_error (err, 0, "process.terminal needs --console-socket in sandbox mode");
  if (setsid () < 0)
    return silo_make_error (err, errno, "setsid");
  if (sandbox_console_pty (m->req->console_socket_fd, &m->pty_slave, err) < 0)
    return -1;
  /* As the session's controlling terminal it delivers SIGWINCH here. */
  if (ioctl (m->pty_slave, TIOCSCTTY, 0) < 0)
    return silo_make_error (err, errno, "set controlling terminal");
  /* The terminal is the stdio now, as a container process's: the caller's
   * (an engine's shim reads them to EOF before it goes on) are let go. */
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (m->pty_slave, fd) < 0)
      return silo_make_error (err, errno, "dup2 the terminal to fd %d", fd);
  m->main.in_fd = m->main.out_fd = m->main.err_fd = m->pty_slave;
  return 0;
}

static int
enter_cgroup (struct monitor *m, silo_error_t *err)
{
  struct cg_handle *h = NULL;
  int ret;

  if (m->req->cgroup_path == NULL)
    return 0;
  ret = cg_open (m->req->cgroup_path, &h, err);
  if (ret == 0)
    ret = cg_enter (h, getpid (), err);
  cg_handle_free (h);
  return ret;
}

static int
join_by_path (const char *path, int type, size_t i, silo_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || setns (fd, type) < 0)
    return silo_make_error (err, errno, "config.json: linux.namespaces[%zu].path: join `%s`", i,
                            path);
  return 0;
}

/* Is cfg a pod's sandbox (infra) container as the CRI makes it? CRI-O
 * pins the pod's IPC and UTS namespaces and names them by path in the
 * sandbox container's config as in its members'. */
static bool
cri_pod_sandbox (const struct oci_config *cfg)
{
  const char *a = oci_kv_get (&cfg->annotations, "io.kubernetes.cri.container-type");
  const char *b = oci_kv_get (&cfg->annotations, "io.kubernetes.cri-o.ContainerType");

  return (a && strcmp (a, "sandbox") == 0) || (b && strcmp (b, "sandbox") == 0);
}

/* Rootless: a user namespace of the monitor's own where the user's uid
 * and gid are 0 and nothing else is mapped; the namespaces below, the
 * guest tree and the taps are made in it (UML needs no more). */
static int
enter_own_userns (silo_error_t *err)
{
  char map[64];
  uid_t uid = geteuid ();
  gid_t gid = getegid ();

  if (unshare (CLONE_NEWUSER) < 0)
    return silo_make_error (err, errno, "rootless: unshare the user namespace");
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned) uid);
  if (write_file ("/proc/self/uid_map", map, strlen (map), err) < 0)
    return silo_error_wrap (err, "rootless");
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned) gid);
  if (write_file ("/proc/self/setgroups", "deny", 4, err) < 0
      || write_file ("/proc/self/gid_map", map, strlen (map), err) < 0)
    return silo_error_wrap (err, "rootless");
  return 0;
}

/* The monitor's namespaces, and so those of the guest process (VMM or
 * UML). The config's network namespace is theirs: joined by path (the one
 * an engine prepared, whose interfaces are the guest's to have), a new
 * empty one when it has no path, the caller's when the config names none,
 * as in container mode. Mount, IPC, UTS and PID are the monitor's own:
 * the guest has a kernel of its own, whose IPC and UTS the pod's
 * containers share (docs/sandbox.md, "Pods"). A pod's sandbox container
 * may name pinned IPC and UTS namespaces (CRI-O): the monitor joins them,
 * so that the pod's members, which name the same, are found as its
 * (runtime/pod.c). Any other path is refused, never ignored: sharing a
 * host namespace with a guest cannot be done. */
static int
setup_namespaces (const struct oci_config *cfg, bool rootless, silo_error_t *err)
{
  int own = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS; /* pid: at launch */
  bool net = false;

  /* uid 0 of a user's namespace (rootless podman's) has its
   * capabilities there already, over the network namespace it was given */
  if (rootless && geteuid () != 0 && enter_own_userns (err) < 0)
    return -1;

  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &cfg->linux_.namespaces[i];

      net |= ns->type == CLONE_NEWNET;
      if (ns->type == CLONE_NEWNET && ns->path)
        {
          if (join_by_path (ns->path, CLONE_NEWNET, i, err) < 0)
            return -1;
        }
      else if (ns->type == CLONE_NEWNET)
        {
          if (unshare (CLONE_NEWNET) < 0)
            return silo_make_error (err, errno, "unshare the network namespace");
        }
      else if (ns->path && (ns->type == CLONE_NEWIPC || ns->type == CLONE_NEWUTS)
               && cri_pod_sandbox (cfg))
        {
          if (join_by_path (ns->path, ns->type, i, err) < 0)
            return -1;
          own &= ~ns->type;
        }
      else if (ns->path)
        return silo_make_error (err, 0,
                                "config.json: linux.namespaces[%zu].path: sandbox mode joins only "
                                "a network namespace by path, not %s (a running sandbox's makes a "
                                "pod member)",
                                i, oci_ns_by_flag (ns->type)->oci_name);
    }
  /* Every interface of the monitor's namespace becomes the guest's (its
   * traffic redirected to a tap): never the host's own. */
  if (!net)
    return silo_make_error (err, 0, "config.json: linux.namespaces: sandbox mode needs a network "
                                    "namespace (a guest kernel cannot share the host's network)");
  if (unshare (own) < 0)
    return silo_make_error (err, errno, "unshare the monitor's namespaces");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return silo_make_error (err, errno, "make / private");
  return 0;
}

/* silo runs prestart and createRuntime hooks now (an engine's hook may
 * move interfaces into this network namespace); the network is read and
 * the guest booted after them. EOF: silo died or gave up (it kills us). */
static int
wait_hooks (struct monitor *m, silo_error_t *err)
{
  char c = SANDBOX_SYNC_NS_READY;

  if (write (m->sync_fd, &c, 1) != 1)
    return silo_make_error (err, errno, "tell silo the namespaces are ready");
  if (TEMP_FAILURE_RETRY (read (m->sync_fd, &c, 1)) != 1 || c != SANDBOX_SYNC_GO)
    _exit (1);
  return 0;
}

static int
setup_signals (struct monitor *m, silo_error_t *err)
{
  static const int sigs[] = { SIGCHLD, SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  sigset_t set;
  size_t i;

  sigemptyset (&set);
  for (i = 0; i < ARRAY_SIZE (sigs); i++)
    sigaddset (&set, sigs[i]);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return silo_make_error (err, errno, "sigprocmask");
  signal (SIGPIPE, SIG_IGN);
  sandbox_relay_ignore_tty_stops ();
  m->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m->sigfd < 0)
    return silo_make_error (err, errno, "signalfd");
  return 0;
}

static int
listen_control (struct monitor *m, silo_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = open (m->req->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (dirfd < 0)
    return silo_make_error (err, errno, "open `%s`", m->req->state_dir);
  snprintf (addr.sun_path, sizeof (addr.sun_path), "/proc/self/fd/%d/" SANDBOX_SOCK, dirfd);
  unlink (addr.sun_path);
  m->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (m->listen_fd < 0)
    return silo_make_error (err, errno, "socket");
  if (bind (m->listen_fd, (struct sockaddr *) &addr, sizeof (addr)) < 0
      || listen (m->listen_fd, 16) < 0)
    return silo_make_error (err, errno, "listen on `%s/" SANDBOX_SOCK "`", m->req->state_dir);
  return 0;
}

static int
open_log (struct monitor *m, silo_error_t *err)
{
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/" SANDBOX_LOG, m->req->state_dir);
  m->log_fd = open (path, O_CREAT | O_TRUNC | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  if (m->log_fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  return 0;
}

/* The kvm-only annotations fail on every backend when they are wrong:
 * a kernel outside the allowed directories, a KSM switch not true/false. */
static int
check_vm_annotations (const struct oci_config *cfg, silo_error_t *err)
{
  cleanup_close int fd = -1;
  const char *path;
  bool ksm;

  if (sandbox_ksm (cfg, &ksm, err) < 0)
    return -1;
  if (oci_kv_get (&cfg->annotations, "silo.vm.kernel") == NULL)
    return 0;
  return sandbox_guest_kernel_open (cfg, &fd, &path, err);
}

/* The monitor's mount namespace gets the container's root filesystem (as
 * the guest sees it through the share) for its root: engines reach a
 * running container's files through the state pid's mount namespace
 * (podman cp joins it and writes to "/" + path) and /proc/<pid>/root, and
 * so used to write into the host's `/`. Pivoted, the old root detached:
 * nothing of the host's tree is left in the namespace (createContainer
 * hooks, which need host paths, ran before). The log is read through an
 * fd opened before.
 *
 * The container's processes are mounted on its /proc (procview.c) for
 * the engines that join this namespace to list them. */
static int
root_in_container (struct monitor *m, const char *guest_dir, silo_error_t *err)
{
  cleanup_free char *root = NULL, *log = NULL;

  xasprintf (&log, "%s/" SANDBOX_LOG, m->req->state_dir);
  m->log_rd_fd = open (log, O_RDONLY | O_CLOEXEC);
  if (m->log_rd_fd < 0)
    return silo_make_error (err, errno, "open `%s`", log);
  xasprintf (&root, "%s/rootfs", guest_dir);
  if (chdir (root) < 0 || syscall (SYS_pivot_root, ".", ".") < 0
      || umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    return silo_make_error (err, errno, "monitor: make `%s` its root", root);
  procview_mount (&m->view, "/proc", "/dev");
  return 0;
}

int
monitor_setup (struct monitor *m, const char *backend, silo_error_t *err)
{
  const struct sandbox_backend_ops *ops = sandbox_backend_get (backend);
  cleanup_free char *guest_dir = NULL;
  bool keep_uid, own_userns = m->req->rootless && geteuid () != 0;
  uint64_t mem;
  int ret;

  if (ops == NULL)
    return silo_make_error (err, 0, "sandbox backend `%s`: unknown", backend);
  if (check_vm_annotations (m->req->cfg, err) < 0)
    return -1;
  if (sandbox_guest_mem (m->req->cfg, &mem, err) < 0
      || sandbox_ready_timeout (m->req->cfg, &m->ready_timeout_s, err) < 0)
    return -1;
  /* The process view's device, opened while the host's /dev is there and
   * before the container's device cgroup. Not for a user's monitor in a
   * user namespace of its own: no engine's reader is in it, and the kernel
   * would refuse them the mount. */
  if (!own_userns)
    procview_open (&m->view);
  if (setup_signals (m, err) < 0 || setup_stdio (m, err) < 0 || enter_cgroup (m, err) < 0
      || setup_namespaces (m->req->cfg, m->req->rootless, err) < 0 || wait_hooks (m, err) < 0)
    return -1;
  if (sandbox_guest_tree (m->req, true, &guest_dir, &m->shm, err) < 0)
    return silo_error_wrap (err, "sandbox guest tree");
  if (listen_control (m, err) < 0 || open_log (m, err) < 0
      || sandbox_net_setup (m->req, &m->net, err) < 0)
    return -1;
  /* The guest process is the first of this PID namespace, its init: the
   * tree may fork short-lived helpers before (an idmapped bind's user
   * namespace), which must not take that place. */
  if (unshare (CLONE_NEWPID) < 0)
    return silo_make_error (err, errno, "unshare the guest's PID namespace");
  ret = ops->launch (m->req, guest_dir, mem, &m->net, m->log_fd, &m->guest, &m->chan, err);
  sandbox_net_close_taps (&m->net); /* the guest's now */
  keep_uid = !userns_maps_all_ids (); /* /proc is gone after the pivot */
  if (ret < 0 || root_in_container (m, guest_dir, err) < 0
      || sandbox_jail_monitor (m->guest, keep_uid, err) < 0)
    return -1;
  proto_reader_init (&m->rd, m->chan, PROTO_FROM_GUEST);
  proto_outq_init (&m->out, m->chan, PROTO_WINDOW);
  m->deadline_ns = now_ns () + (unsigned long long) m->ready_timeout_s * 1000000000ULL;
  return 0;
}

char *
monitor_log_tail (struct monitor *m)
{
  cleanup_free char *path = NULL, *text = NULL;
  silo_error_t err = NULL;
  char *line, *last = NULL, *save = NULL;

  if (m->log_rd_fd >= 0)
    {
      if (lseek (m->log_rd_fd, 0, SEEK_SET) < 0 || read_all_fd (m->log_rd_fd, &text) < 0)
        return NULL;
    }
  else
    {
      xasprintf (&path, "%s/" SANDBOX_LOG, m->req->state_dir);
      if (read_file (path, &text, NULL, &err) < 0)
        {
          silo_error_release (&err);
          return NULL;
        }
    }
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      if (strstr (line, "Kernel panic"))
        return xstrdup (line);
      if (*line)
        last = line;
    }
  return last ? xstrdup (last) : NULL;
}
