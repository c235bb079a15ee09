/* Agent processes: fork, stdio on pipes or a pty, credentials, exec. The
 * child waits on a start pipe; its exec failure comes back over a CLOEXEC
 * error socket (EOF there means exec succeeded). A pty is made by the child
 * once it is in the container's mount namespace, from the container's own
 * /dev/ptmx as in container mode (ns_setup_console); its master comes back
 * over the error socket. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../namespaces/namespaces.h"
#include "../../util/utils.h"
#include "agent.h"


/* In the child: report and leave. */
__attribute__ ((noreturn)) static void
child_fail (int err_fd, silo_error_t *err)
{
  const char *msg = (*err && (*err)->msg) ? (*err)->msg : "unknown error";
  if (write_all (err_fd, msg, strlen (msg)) < 0)
    _exit (126);
  _exit (127);
}

/* The main process once started, as container mode's (after_start in
 * namespaces/container.c): start has succeeded, so a startContainer hook
 * or the exec that fails is told on the container's stderr and in its exit
 * status, 127. */
__attribute__ ((noreturn)) static void
main_fail_started (int err_fd, silo_error_t *err)
{
  cleanup_free char *line = NULL;

  close (err_fd); /* EOF: START is answered OK */
  xasprintf (&line, "silo: %s\n", (*err)->msg);
  (void) write_all (2, line, strlen (line));
  _exit (127);
}

static int
child_stdio (int in, int out, int errfd, silo_error_t *err)
{
  if (setsid () < 0)
    return silo_make_error (err, errno, "setsid");
  if (dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (errfd, 2) < 0)
    return silo_make_error (err, errno, "dup2 stdio");
  return 0;
}

static int
child_seccomp (const struct oci_config *cfg, bool load_now, struct ns_seccomp **f,
               silo_error_t *err)
{
  int notify_fd = -1, ret;

  if (cfg == NULL || cfg->linux_.seccomp == NULL)
    return 0;
  if (*f == NULL)
    {
      ret = ns_seccomp_prepare (cfg->linux_.seccomp, f, err);
      if (ret < 0)
        return ret;
    }
  if (!load_now)
    return 0;
  ret = ns_seccomp_load (*f, &notify_fd, err);
  if (ret < 0)
    return ret;
  if (notify_fd >= 0)
    return silo_make_error (err, 0, "seccomp: SCMP_ACT_NOTIFY is not supported in sandbox mode");
  return 0;
}

/* Credentials in runc's order: scheduling before seccomp and the
 * capability drop, personality after it; seccomp goes last when
 * noNewPrivileges is set, else before the capability drop (it needs
 * CAP_SYS_ADMIN then). */
static int
child_creds (const struct oci_process *p, const struct oci_config *cfg, silo_error_t *err)
{
  struct ns_seccomp *f = NULL;
  char buf[32];
  int ret;

  if (p->oom_score_adj.set)
    {
      snprintf (buf, sizeof (buf), "%lld", (long long) p->oom_score_adj.value);
      ret = write_file ("/proc/self/oom_score_adj", buf, strlen (buf), err);
      if (ret < 0)
        return ret;
    }
  ret = ns_apply_rlimits (p, err);
  if (ret == 0)
    ret = ns_apply_sched (p, err);
  if (ret == 0)
    ret = ns_apply_memory_policy (cfg, err);
  if (ret == 0)
    ret = child_seccomp (cfg, !p->no_new_privileges, &f, err);
  if (ret == 0)
    ret = ns_fix_stdio_owner (p->user.uid, err);
  if (ret == 0)
    ret = ns_apply_user_caps (p, err);
  if (ret == 0)
    ret = ns_apply_personality (cfg, err);
  if (ret == 0 && p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    ret = silo_make_error (err, errno, "prctl NO_NEW_PRIVS");
  if (ret == 0 && p->no_new_privileges)
    ret = child_seccomp (cfg, true, &f, err);
  if (f)
    ns_seccomp_free (f);
  return ret;
}

/* Into the container's namespaces and root (struct agent_ns). */
static int
child_enter (const struct agent_ns *ns, silo_error_t *err)
{
  int ret;

  if (ns == NULL)
    return 0;
  cleanup_free char *procs = NULL;

  /* Into the container's cgroup first: its limits hold from here on. */
  xasprintf (&procs, "%s/cgroup.procs", ns->cgroup);
  if (write_file (procs, "0", 1, err) < 0)
    return silo_error_wrap (err, "join the container's cgroup");
  if (ns->mnt_fd < 0)
    return agent_guest_enter_root (ns->cfg, ns->base, ns->cgroup, ns->shm, err);
  ret = setns (ns->mnt_fd, CLONE_NEWNS);
  close (ns->mnt_fd);
  if (ret < 0 || chdir ("/") < 0)
    return silo_make_error (err, errno, "join the container's mount namespace");
  return 0;
}

__attribute__ ((noreturn)) static void
child_main (const struct oci_process *p, const struct oci_config *cfg, const struct agent_ns *ns,
            int fds[3], int start_fd, int err_fd)
{
  silo_error_t err = NULL;
  cleanup_free char *path = NULL, *state_json = NULL;
  char **env = NULL;
  int keep[] = { start_fd, err_fd, ns ? ns->mnt_fd : -1 };
  bool main = ns && ns->mnt_fd < 0; /* the container's main process, not an exec */
  char c;
  sigset_t all;

  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  signal (SIGPIPE, SIG_DFL);
  /* As in container mode (namespaces/spawn.c): until execve no workload
   * process may open this one's fds (the agent channel among them). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    {
      silo_make_error (&err, errno, "prctl PR_SET_DUMPABLE");
      child_fail (err_fd, &err);
    }
  if ((!p->terminal && child_stdio (fds[0], fds[1], fds[2], &err) < 0)
      || close_fds_except (keep, ARRAY_SIZE (keep), &err) < 0 || agent_marker_drop (&err) < 0
      || child_enter (ns, &err) < 0
      || (p->terminal && ns_setup_console (err_fd, p, ns && ns->mnt_fd < 0, &err) < 0)
      || ns_resolve_exec (p, &path, &env, &err) < 0)
    child_fail (err_fd, &err);
  if (write_all (err_fd, "", 1) < 0) /* setup done: see await_setup */
    _exit (127);
  if (TEMP_FAILURE_RETRY (read (start_fd, &c, 1)) != 1 || read_all_fd (start_fd, &state_json) < 0)
    _exit (127); /* the agent went away or cancelled */
  close (start_fd);
  if (child_creds (p, cfg, &err) < 0)
    child_fail (err_fd, &err);
  /* As in container mode: in the container, with its credentials, just
   * before the program (the main process only). */
  if (main
      && ns_hooks_run (&cfg->hooks[OCI_HOOK_START_CONTAINER], state_json, "startContainer", &err)
             < 0)
    main_fail_started (err_fd, &err);
  execve (path, p->args, env);
  silo_make_error (&err, errno, "exec `%s`", path);
  if (main)
    main_fail_started (err_fd, &err);
  child_fail (err_fd, &err);
}

/* Pipes: fds[0..2] for the child, parent ends to ap. A terminal is made
 * by the child (take_pty). */
static int
make_stdio (const struct oci_process *p, struct agent_proc *ap, int fds[3], silo_error_t *err)
{
  int in[2], out[2], er[2];

  if (p->terminal)
    return 0;
  if (pipe2 (in, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (er, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  ap->in_fd = in[1];
  ap->out_fd = out[0];
  ap->err_fd = er[0];
  fcntl (in[1], F_SETFL, O_NONBLOCK);
  fcntl (out[0], F_SETFL, O_NONBLOCK);
  fcntl (er[0], F_SETFL, O_NONBLOCK);
  fds[0] = in[0];
  fds[1] = out[1];
  fds[2] = er[1];
  return 0;
}

static struct agent_proc *
proc_new (uint32_t id, bool terminal)
{
  struct agent_proc *ap = xmalloc0 (sizeof (*ap));
  ap->id = id;
  ap->terminal = terminal;
  ap->in_fd = ap->out_fd = ap->err_fd = ap->start_fd = ap->exec_err_fd = -1;
  return ap;
}

/* A terminal's master, sent by the child (ns_setup_console): the pty's
 * both directions for the agent. */
static int
take_pty (struct agent_proc *ap, const char *first, ssize_t n, int master, silo_error_t *err)
{
  static const char tag[] = "/dev/ptmx";

  if (master < 0 || n != (ssize_t) strlen (tag) || memcmp (first, tag, n) != 0)
    {
      if (master >= 0)
        close (master);
      return silo_make_error (err, EPROTO, "process %u: no pty from its setup", ap->id);
    }
  fcntl (master, F_SETFL, O_NONBLOCK);
  ap->in_fd = master;
  ap->out_fd = fcntl (master, F_DUPFD_CLOEXEC, 0);
  if (ap->out_fd < 0)
    return silo_make_error (err, errno, "dup the pty master");
  return 0;
}

/* The child's first byte on its error socket: NUL once its setup is done,
 * else the start of its error message (and it has exited). A child with a
 * terminal sends the pty's master first. */
static int
await_setup (struct agent_proc *ap, silo_error_t *err)
{
  cleanup_free char *rest = NULL;
  char first[16];
  int master = -1;
  ssize_t n;
  char c;

  if (ap->terminal)
    {
      n = recv_fd (ap->exec_err_fd, &master, first, strlen ("/dev/ptmx"));
      if (n < 0)
        return silo_make_error (err, errno == ECONNRESET ? 0 : errno,
                                "process %u ended during setup", ap->id);
      if (master < 0 && n > 0 && first[0] != '\0') /* an error message, not the pty */
        {
          if (read_all_fd (ap->exec_err_fd, &rest) < 0)
            rest = NULL;
          return silo_make_error (err, 0, "%.*s%s", (int) n, first, rest ? rest : "");
        }
      if (take_pty (ap, first, n, master, err) < 0)
        return -1;
    }
  n = TEMP_FAILURE_RETRY (read (ap->exec_err_fd, &c, 1));
  if (n == 1 && c == '\0')
    return 0;
  if (n != 1)
    return silo_make_error (err, n < 0 ? errno : 0, "process %u ended during setup", ap->id);
  if (read_all_fd (ap->exec_err_fd, &rest) < 0)
    rest = NULL;
  return silo_make_error (err, 0, "%c%s", c, rest ? rest : "");
}

int
agent_proc_spawn (const struct oci_process *p, const struct oci_config *cfg,
                  const struct agent_ns *ns, uint32_t id, struct agent_proc **out,
                  silo_error_t *err)
{
  /* The main process makes the container's namespaces; see agent_ns. */
  unsigned long flags = ns && ns->mnt_fd < 0 ? CLONE_NEWNS | ns->new_ns : 0;
  struct agent_proc *ap = proc_new (id, p->terminal);
  int fds[3] = { -1, -1, -1 }, startp[2], errp[2], ret, i;

  ret = make_stdio (p, ap, fds, err);
  if (ret == 0
      && (pipe2 (startp, O_CLOEXEC) < 0
          || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, errp) < 0))
    ret = silo_make_error (err, errno, "pipe");
  if (ret < 0)
    goto fail;
  ap->pid = (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (ap->pid < 0)
    {
      ret = silo_make_error (err, errno, "fork");
      goto fail;
    }
  if (ap->pid == 0)
    {
      close (startp[1]);
      close (errp[0]);
      child_main (p, cfg, ns, fds, startp[0], errp[1]);
    }
  close (startp[0]);
  close (errp[1]);
  ap->start_fd = startp[1];
  ap->exec_err_fd = errp[0];
  for (i = 0; i < 3; i++)
    if (fds[i] >= 0 && (i == 0 || fds[i] != fds[i - 1]))
      close (fds[i]);
  fds[0] = fds[1] = fds[2] = -1;
  if ((ret = await_setup (ap, err)) < 0)
    {
      kill (ap->pid, SIGKILL);
      TEMP_FAILURE_RETRY (waitpid (ap->pid, NULL, 0));
      goto fail;
    }
  *out = ap;
  return 0;

fail:
  for (i = 0; i < 3; i++)
    if (fds[i] >= 0 && (i == 0 || fds[i] != fds[i - 1]))
      close (fds[i]);
  agent_proc_free (ap);
  return ret;
}

int
agent_proc_start (struct agent_proc *ap, const char *state_json, silo_error_t *err)
{
  cleanup_free char *msg = NULL;
  ssize_t n;

  if (ap->start_fd < 0)
    return silo_make_error (err, 0, "process %u already started", ap->id);
  if (write_all (ap->start_fd, "s", 1) < 0
      || (state_json && write_all (ap->start_fd, state_json, strlen (state_json)) < 0))
    return silo_make_error (err, errno, "start process %u", ap->id);
  close_and_reset (&ap->start_fd);
  n = read_all_fd (ap->exec_err_fd, &msg);
  close_and_reset (&ap->exec_err_fd);
  if (n > 0)
    return silo_make_error (err, 0, "%s", msg);
  return 0;
}

void
agent_proc_free (struct agent_proc *ap)
{
  if (ap == NULL)
    return;
  close_and_reset (&ap->in_fd);
  close_and_reset (&ap->out_fd);
  close_and_reset (&ap->err_fd);
  close_and_reset (&ap->start_fd);
  close_and_reset (&ap->exec_err_fd);
  free (ap->inq);
  free (ap);
}
