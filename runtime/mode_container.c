/* Container mode: the workload is a process of the host kernel, in the
 * namespaces and cgroup the config gives it (namespaces/ makes it). */
#include "internal.h"
#include "../namespaces/sync.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
container_check (const struct oci_config *cfg, const struct oci_process *p, struct ns_lsm lsm,
                 silo_error_t *err)
{
  if (cfg && ns_check_without_mount_ns (cfg, err) < 0) /* cfg: NULL for exec */
    return -1;
  return ns_lsm_check (cfg, p, lsm, false, err);
}

/* Serve the container process until it reports READY. */
static int
drive_setup (struct create_ctx *c, silo_error_t *err)
{
  for (;;)
    {
      struct ns_sync_msg msg;
      int ret = ns_sync_recv (c->sync_fd, &msg, err);
      if (ret < 0)
        return ret;
      switch (msg.type)
        {
        case NS_SYNC_READY:
          ns_sync_msg_clear (&msg);
          return 0;
        case NS_SYNC_ERROR:
          ret = silo_error_from_msg (err, msg.value, msg.payload);
          break;
        case NS_SYNC_HOOKS:
          {
            cleanup_free char *s = creating_state (c);
            cleanup_free char *created = state_oci_json (&c->st, "created", false);
            ret = ns_move_net_devices (c->st.pid, &c->cfg->linux_, err);
            if (ret == 0)
              ret = ns_hooks_run (&c->cfg->hooks[OCI_HOOK_PRESTART], s, "prestart", err);
            if (ret == 0)
              ret = ns_hooks_run (&c->cfg->hooks[OCI_HOOK_CREATE_RUNTIME], s, "createRuntime", err);
            if (ret == 0
                && (ns_sync_send (c->sync_fd, NS_SYNC_STATE, 0, s, -1) < 0
                    || ns_sync_send (c->sync_fd, NS_SYNC_STATE, 0, created, -1) < 0))
              ret = silo_make_error (err, errno, "sync with container process");
            break;
          }
        case NS_SYNC_SECCOMP_FD:
          {
            cleanup_free char *s = creating_state (c);
            ret = ns_seccomp_send_listener (c->cfg->linux_.seccomp, msg.fd, c->st.pid, s, err);
            break;
          }
        default:
          ret = silo_make_error (err, 0, "unexpected message %u from container process", msg.type);
        }
      ns_sync_msg_clear (&msg);
      if (ret < 0)
        return ret;
    }
}

/* A process that dies in setup for lack of memory says nothing itself:
 * when the cgroup saw an OOM kill (or hit its limit), the memory limit is
 * the field to blame. */
static int
blame_memory_limit (struct create_ctx *c, silo_error_t *err)
{
  const struct oci_resources *r = c->cfg->linux_.resources;
  silo_error_t ignored = NULL;
  struct cg_stats stats;

  if (c->cg == NULL || r == NULL || !r->memory.limit.set || r->memory.limit.value < 0)
    return -1;
  /* Only a death without a word: a message from the process stands. */
  if (*err == NULL || (strstr ((*err)->msg, "container process exited") == NULL
                       && strstr ((*err)->msg, "sync with container process") == NULL))
    return -1;
  memset (&stats, 0, sizeof (stats));
  if (cg_stats (c->cg, &stats, &ignored) < 0)
    {
      silo_error_release (&ignored);
      return -1;
    }
  if (stats.oom_kill_count == 0 && stats.mem_failcnt == 0)
    return -1;
  silo_error_release (err);
  return silo_make_error (err, 0,
                          "linux.resources.memory.limit: the container process ran out of "
                          "memory during setup; %lld bytes is too small",
                          (long long) r->memory.limit.value);
}

static int
spawn_container (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  struct ns_spawn_config sc = {
    .lsm = c->lsm,
    .cfg = c->cfg,
    .process = c->cfg->process,
    .id = c->id,
    .rootfs = c->st.rootfs,
    .exec_fifo_fd = c->fifo_fd,
    .console_socket_fd = c->console_fd,
    .preserve_fds = o->preserve_fds,
    .no_pivot = o->no_pivot,
    .no_new_keyring = o->no_new_keyring,
    .cg_mounts = c->cg_mounts,
    .n_cg_mounts = c->n_cg_mounts,
    .rootless = c->g->rootless,
  };
  const struct oci_namespace *userns = oci_config_namespace (c->cfg, CLONE_NEWUSER);
  int *tasks_fds = NULL, *mount_fds = NULL;
  size_t n_tasks_fds = 0;
  int ret;

  if (ns_mount_fds_open (c->cfg, c->g->rootless, &mount_fds, err) < 0)
    return -1;
  sc.mount_fds = mount_fds;
  /* In a user namespace the process may lack the rights to move itself on
   * older kernels: the runtime moves it (cg_enter) there. */
  sc.cg_self_join = c->cg && userns == NULL;
  sc.cg_v2_fd = -1;
  if (sc.cg_self_join && cg_join_fds (c->cg, &sc.cg_v2_fd, &tasks_fds, &n_tasks_fds, err) < 0)
    {
      ns_mount_fds_close (mount_fds, c->cfg->n_mounts);
      return -1;
    }
  sc.cg_tasks_fds = tasks_fds;
  sc.n_cg_tasks_fds = n_tasks_fds;
  ret = ns_spawn (&sc, &c->st.pid, &c->sync_fd, err);
  cg_join_fds_close (&sc.cg_v2_fd, tasks_fds, n_tasks_fds);
  ns_mount_fds_close (mount_fds, c->cfg->n_mounts);
  if (ret < 0)
    return -1;
  c->st.start_time = proc_start_time (c->st.pid);
  if (userns && userns->path == NULL && ns_write_id_maps (c->st.pid, &c->cfg->linux_, err) < 0)
    return -1;
  if (c->cg && !sc.cg_self_join && cg_enter (c->cg, c->st.pid, err) < 0)
    return -1;
  if (ns_sync_send (c->sync_fd, NS_SYNC_GO, 0, NULL, -1) < 0)
    return silo_make_error (err, errno, "sync with container process");
  return drive_setup (c, err);
}

static int
container_spawn (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  if (spawn_container (c, o, err) < 0)
    return blame_memory_limit (c, err);
  return 0;
}

/* Wait until the fifo shows the container process has passed it (its
 * byte), then until it has exec'd (EOF: its writing end is close-on-exec)
 * or died; give up if it dies before passing. */
static int
release_fifo (const struct container_state *st, const char *fifo, silo_error_t *err)
{
  cleanup_close int fd = open (fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  bool passed = false;
  char c;

  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", fifo);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 100);
      ssize_t n = r > 0 ? read (fd, &c, 1) : -1;
      if (n == 1)
        passed = true;
      else if (n == 0 && passed)
        return 0;
      if (r < 0 && errno != EINTR)
        return silo_make_error (err, errno, "poll exec fifo");
      if (!pid_alive (st->pid, st->start_time))
        return passed ? 0
                      : silo_make_error (err, 0, "container `%s`: process exited before start",
                                         st->id);
    }
}

static int
container_start (const struct silo_global *g, struct container_state *st, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_free char *fifo = NULL;

  xasprintf (&fifo, "%s/exec.fifo", dir);
  return release_fifo (st, fifo, err);
}

static int
container_kill (const struct silo_global *g, struct container_state *st, enum silo_status status,
                int sig, bool all, silo_error_t *err)
{
  return kill_on_host (st, sig, all, err);
}

/* Serve the process until it execs (EOF on the sync socket) or fails. */
static int
drive_exec (int sync_fd, const struct oci_config *cfg, const struct container_state *st,
            pid_t pid, silo_error_t *err)
{
  for (;;)
    {
      struct ns_sync_msg msg;
      int ret = ns_sync_recv (sync_fd, &msg, err);
      if (ret < 0)
        {
          /* EOF: close-on-exec closed the socket, the process runs. */
          silo_error_release (err);
          return 0;
        }
      if (msg.type == NS_SYNC_ERROR)
        ret = silo_error_from_msg (err, msg.value, msg.payload);
      else if (msg.type == NS_SYNC_SECCOMP_FD)
        {
          cleanup_free char *s = state_oci_json (st, "running", false);
          ret = ns_seccomp_send_listener (cfg->linux_.seccomp, msg.fd, pid, s, err);
        }
      ns_sync_msg_clear (&msg);
      if (ret < 0)
        return ret;
    }
}

static int
spawn_exec (const struct oci_config *cfg, const struct container_state *st,
            const struct oci_process *p, const struct silo_exec_opts *o, int console_fd,
            pid_t *pid, silo_error_t *err)
{
  struct ns_spawn_config sc = { .cfg = cfg, .process = p, .id = st->id, .exec_fifo_fd = -1,
                                .console_socket_fd = console_fd,
                                .preserve_fds = o->preserve_fds,
                                .join_pid = st->pid, .lsm = ns_lsm_detect () };
  cleanup_close int sync_fd = -1;
  struct cg_handle *h = NULL;
  int *tasks_fds = NULL;
  size_t n_tasks_fds = 0;
  int ret;

  /* Before the cgroup: the runtime's own, which the process starts with. */
  if (p->exec_cpu_affinity.initial_set
      && ns_set_cpu_affinity (&p->exec_cpu_affinity.initial, "process.execCPUAffinity.initial",
                              err)
             < 0)
    return -1;
  if (open_cgroup (st, &h, err) < 0)
    return -1;
  if (o->cgroups && (h == NULL || cg_open_sub (h, o->cgroups, err) < 0))
    {
      if (h == NULL)
        silo_make_error (err, 0, "exec --cgroup: the container has no cgroup");
      cg_handle_free (h);
      return -1;
    }
  /* See create.c: in a user namespace the runtime moves the process. */
  sc.cg_self_join = h && oci_config_namespace (cfg, CLONE_NEWUSER) == NULL;
  sc.cg_v2_fd = -1;
  if (sc.cg_self_join && cg_join_fds (h, &sc.cg_v2_fd, &tasks_fds, &n_tasks_fds, err) < 0)
    {
      cg_handle_free (h);
      return -1;
    }
  sc.cg_tasks_fds = tasks_fds;
  sc.n_cg_tasks_fds = n_tasks_fds;
  ret = ns_spawn (&sc, pid, &sync_fd, err);
  cg_join_fds_close (&sc.cg_v2_fd, tasks_fds, n_tasks_fds);
  if (ret < 0)
    {
      cg_handle_free (h);
      return -1;
    }
  if (h && !sc.cg_self_join)
    ret = cg_enter (h, *pid, err);
  cg_handle_free (h);
  if (ret == 0 && ns_sync_send (sync_fd, NS_SYNC_GO, 0, NULL, -1) < 0)
    ret = silo_make_error (err, errno, "sync with exec process");
  if (ret == 0)
    ret = drive_exec (sync_fd, cfg, st, *pid, err);
  if (ret < 0)
    {
      kill (*pid, SIGKILL);
      waitpid (*pid, NULL, 0);
    }
  return ret;
}

/* Is the container's init dead or dying? An exec that lost the race with
 * a kill or delete fails in setns or on the sync socket; the error the user
 * gets is that the container is not running. */
static bool
init_dying (const struct container_state *st)
{
  cleanup_close int pidfd = sys_pidfd_open (st->pid, 0);
  struct pollfd p = { .fd = pidfd, .events = POLLIN };

  if (pidfd < 0 || !pid_alive (st->pid, st->start_time))
    return true;
  /* A SIGKILL being delivered: readable once it has exited. */
  return poll (&p, 1, 100) > 0;
}

/* A new process in the container's namespaces and cgroup, with its seccomp
 * profile and the credentials asked for. */
static int
container_exec (const struct silo_global *g, struct container_state *st,
                const struct oci_config *cfg, const struct oci_process *p,
                const struct silo_exec_opts *o, int *exit_status, silo_error_t *err)
{
  cleanup_close int console_fd = -1;
  cleanup_close int ours = -1;
  cleanup_close int master = -1;
  pid_t pid;
  int ret;

  if (o->console_socket)
    ret = connect_console (o->console_socket, &console_fd, err);
  else if (p->terminal && o->detach)
    ret = silo_make_error (err, 0, "exec -t -d needs --console-socket");
  else
    ret = p->terminal ? console_local_socket (&ours, &console_fd, err) : 0;
  if (ret < 0)
    return ret;
  if (spawn_exec (cfg, st, p, o, console_fd, &pid, err) < 0)
    {
      if (!init_dying (st))
        return -1;
      silo_error_release (err);
      return silo_make_error (err, 0, "`%s`: container not running", st->id);
    }
  if (write_pid_file (o->pid_file, pid, err) < 0)
    return -1;
  if (o->detach)
    return 0;
  if (ours >= 0 && console_recv_master (ours, &master, err) < 0)
    return -1;
  return wait_forward (pid, master, exit_status, err);
}

static int
container_update (const struct silo_global *g, const struct container_state *st,
                  struct cg_handle *h, const struct oci_resources *r, silo_error_t *err)
{
  return cg_update (h, r, err);
}

static int
container_stats (const struct silo_global *g, const struct container_state *st,
                 struct cg_handle *h, struct cg_stats *out, silo_error_t *err)
{
  return cg_stats (h, out, err);
}

static int
container_pause (const struct silo_global *g, const struct container_state *st,
                 struct cg_handle *h, bool pause, silo_error_t *err)
{
  return cg_freeze (h, pause, err);
}

static int
container_ps (const struct silo_global *g, const struct container_state *st,
              enum silo_status status, struct cg_handle *h, struct silo_ps *out,
              silo_error_t *err)
{
  return cg_pids (h, &out->pids, &out->n, err);
}

const struct silo_mode_ops silo_mode_container = {
  .ps = container_ps,
  .pause = container_pause,
  .name = "container",
  .device_rule = NULL,
  .release = NULL,
  .update = container_update,
  .stats = container_stats,
  .check = container_check,
  .spawn = container_spawn,
  .start = container_start,
  .kill = container_kill,
  .exec = container_exec,
};
