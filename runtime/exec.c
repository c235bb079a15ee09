/* `exec`: a new process in a running container's namespaces and cgroup,
 * with the container's seccomp profile and the credentials asked for. */
#include "internal.h"
#include "../namespaces/namespaces.h"
#include "../namespaces/sync.h"
#include "../sandbox-vm/sandbox.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

static void
set_env (struct oci_process *p, const char *kv)
{
  const char *eq = strchr (kv, '=');
  size_t key_len = eq ? (size_t) (eq - kv) : strlen (kv);
  size_t n = strv_len (p->env);

  for (size_t i = 0; i < n; i++)
    if (strncmp (p->env[i], kv, key_len) == 0 && p->env[i][key_len] == '=')
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return;
      }
  p->env = xrealloc (p->env, (n + 2) * sizeof (char *));
  p->env[n] = xstrdup (kv);
  p->env[n + 1] = NULL;
}

static int
apply_user (struct oci_process *p, const char *user, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (user);
  char *colon = strchr (copy, ':');
  long uid, gid;

  if (colon)
    *colon = '\0';
  if (parse_long (copy, &uid) < 0 || uid < 0 || (colon && (parse_long (colon + 1, &gid) < 0 || gid < 0)))
    return silo_make_error (err, 0, "--user `%s`: expected UID[:GID]", user);
  p->user.uid = (uid_t) uid;
  if (colon)
    p->user.gid = (gid_t) gid;
  return 0;
}

static int
add_caps (struct oci_process *p, char **caps, silo_error_t *err)
{
  for (size_t i = 0; caps && caps[i]; i++)
    {
      int cap = ns_cap_from_name (caps[i]);
      uint64_t bit;
      if (cap < 0)
        return silo_make_error (err, 0, "--cap `%s`: unknown capability", caps[i]);
      bit = 1ULL << cap;
      p->has_caps = true;
      p->caps.bounding |= bit;
      p->caps.effective |= bit;
      p->caps.permitted |= bit;
      p->caps.inheritable |= bit;
      p->caps.ambient |= bit;
    }
  return 0;
}

/* The container's process with the command line's overrides. */
static int
build_process (const struct oci_config *cfg, const struct silo_exec_opts *o,
               struct oci_process **out, silo_error_t *err)
{
  cleanup_free char *text = NULL;
  struct oci_process *p;

  if (o->process_file)
    {
      if (read_file (o->process_file, &text, NULL, err) < 0)
        return silo_error_wrap (err, "--process");
      return oci_process_parse (text, o->process_file, out, err);
    }
  if (o->args == NULL || o->args[0] == NULL)
    return silo_make_error (err, 0, "exec: a command is required (or --process FILE)");
  p = oci_process_dup (cfg->process);
  strv_free (p->args);
  p->args = strv_dup (o->args);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  p->terminal = o->tty;
  p->console_height = p->console_width = 0;
  p->no_new_privileges = cfg->process->no_new_privileges || o->no_new_privs;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  *out = p;
  for (size_t i = 0; o->env && o->env[i]; i++)
    set_env (p, o->env[i]);
  if (o->user && apply_user (p, o->user, err) < 0)
    return -1;
  return add_caps (p, o->caps, err);
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

  if (open_cgroup (st, &h, err) < 0)
    return -1;
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

static int
exec_in_sandbox (const struct silo_global *g, const struct container_state *st,
                 const struct oci_process *p, const struct silo_exec_opts *o, int *exit_status,
                 silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_close int console_fd = -1;
  pid_t pid = 0;

  if (o->console_socket && connect_console (o->console_socket, &console_fd, err) < 0)
    return -1;
  if (sandbox_exec (dir, p, console_fd, o->detach, &pid, exit_status, err) < 0)
    return -1;
  return write_pid_file (o->pid_file, pid, err);
}

int
silo_container_exec (const struct silo_global *g, const char *id, const struct silo_exec_opts *o,
                     int *exit_status, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  cleanup_close int console_fd = -1;
  cleanup_close int ours = -1;
  cleanup_close int master = -1;
  struct oci_config *cfg = NULL;
  struct oci_process *p = NULL;
  enum silo_status status;
  pid_t pid;
  int ret = -1;

  *exit_status = 0;
  if (state_read (g, id, &st, err) < 0 || state_status (g, st, &status, err) < 0)
    return -1;
  if (status == SILO_STOPPED)
    return silo_make_error (err, 0, "`%s`: container not running", id);
  if (status != SILO_RUNNING && status != SILO_CREATED)
    return silo_make_error (err, 0, "container `%s` is %s: cannot exec", id,
                            silo_status_name (status));
  if (state_load_config (g, st, &cfg, err) < 0)
    return -1;
  if (build_process (cfg, o, &p, err) < 0
      || ns_lsm_check (NULL, p, ns_lsm_detect (), state_is_vm (st), err) < 0)
    goto out;
  if (state_is_vm (st))
    {
      ret = exec_in_sandbox (g, st, p, o, exit_status, err);
      goto out;
    }
  if (o->console_socket)
    ret = connect_console (o->console_socket, &console_fd, err);
  else if (p->terminal && o->detach)
    ret = silo_make_error (err, 0, "exec -t -d needs --console-socket");
  else
    ret = p->terminal ? console_local_socket (&ours, &console_fd, err) : 0;
  if (ret < 0)
    goto out;
  if ((ret = spawn_exec (cfg, st, p, o, console_fd, &pid, err)) < 0)
    {
      if (init_dying (st))
        {
          silo_error_release (err);
          ret = silo_make_error (err, 0, "`%s`: container not running", id);
        }
      goto out;
    }
  if ((ret = write_pid_file (o->pid_file, pid, err)) < 0 || o->detach)
    goto out;
  if (ours >= 0 && (ret = console_recv_master (ours, &master, err)) < 0)
    goto out;
  ret = wait_forward (pid, master, exit_status, err);
out:
  oci_process_free (p);
  oci_config_free (cfg);
  return ret;
}
