/* OCI hooks: the state JSON on stdin, `timeout` honoured, a non-zero exit
 * fails the step (prestart, createRuntime, createContainer, startContainer)
 * or is logged (poststart, poststop). */
#include "namespaces.h"
#include "../util/log.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static __attribute__ ((noreturn)) void
exec_hook (const struct oci_hook *h, int stdin_fd)
{
  char *default_args[] = { h->path, NULL };

  if (dup2 (stdin_fd, 0) < 0)
    _exit (127);
  /* Hooks talk to the engine's stderr, never to a container's stdout. */
  dup2 (2, 1);
  /* A hook without env gets silo's environment, as with runc and crun. */
  execve (h->path, h->args ? h->args : default_args, h->env ? h->env : environ);
  _exit (127);
}

static int
wait_hook (pid_t pid, int timeout, int *status, silo_error_t *err)
{
  cleanup_close int pidfd = sys_pidfd_open (pid, 0);
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int r;

  if (pidfd >= 0)
    {
      r = TEMP_FAILURE_RETRY (poll (&pfd, 1, timeout > 0 ? timeout * 1000 : -1));
      if (r == 0)
        {
          kill (pid, SIGKILL);
          TEMP_FAILURE_RETRY (waitpid (pid, status, 0));
          return silo_make_error (err, 0, "timed out after %d s", timeout);
        }
    }
  if (TEMP_FAILURE_RETRY (waitpid (pid, status, 0)) < 0)
    return silo_make_error (err, errno, "waitpid");
  return 0;
}

/* A hook that does not read its stdin must not make us fail; SIGPIPE is
 * ignored for the write only: the container process runs hooks too, and
 * what it execs (the workload, later hooks) must get the default back. */
static void
write_state (int fd, const char *state_json)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;

  sigaction (SIGPIPE, &ign, &old);
  if (state_json)
    (void) write_all (fd, state_json, strlen (state_json));
  close (fd);
  sigaction (SIGPIPE, &old, NULL);
}

static int
run_one (const struct oci_hook *h, const char *state_json, silo_error_t *err)
{
  int pipefd[2], status;
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return silo_make_error (err, errno, "fork");
    }
  if (pid == 0)
    exec_hook (h, pipefd[0]);
  close (pipefd[0]);
  write_state (pipefd[1], state_json);
  if (wait_hook (pid, h->timeout, &status, err) < 0)
    return -1;
  if (WIFSIGNALED (status))
    return silo_make_error (err, 0, "killed by signal %d", WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return silo_make_error (err, 0, "exited with status %d", WEXITSTATUS (status));
  return 0;
}

int
ns_hooks_run (const struct oci_hook_list *hooks, const char *state_json, const char *kind,
           silo_error_t *err)
{
  for (size_t i = 0; hooks && i < hooks->len; i++)
    if (run_one (&hooks->items[i], state_json, err) < 0)
      return silo_error_wrap (err, "hooks.%s[%zu] `%s`", kind, i, hooks->items[i].path);
  return 0;
}

void
ns_hooks_run_warn (const struct oci_hook_list *hooks, const char *state_json, const char *kind)
{
  for (size_t i = 0; hooks && i < hooks->len; i++)
    {
      silo_error_t err = NULL;
      if (run_one (&hooks->items[i], state_json, &err) < 0)
        {
          pr_warn ("hooks.%s[%zu] `%s`: %s", kind, i, hooks->items[i].path, err->msg);
          silo_error_release (&err);
        }
    }
}

/* pid's user namespace when it is not ours (a rootless sandbox's monitor
 * made one; its owner, the user, may join it). */
static int
join_user_namespace_of (pid_t pid, silo_error_t *err)
{
  cleanup_close int fd = -1;
  struct stat theirs, mine;
  char path[64];

  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &theirs) < 0 || stat ("/proc/self/ns/user", &mine) < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  if (theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev)
    return 0;
  if (setns (fd, CLONE_NEWUSER) < 0)
    return silo_make_error (err, errno, "join the user namespace of process %d", (int) pid);
  return 0;
}

/* In the child: join pid's namespaces, all opened before the first join. */
static int
join_namespaces_of (pid_t pid, silo_error_t *err)
{
  static const struct
  {
    const char *name;
    int type;
  } kinds[] = { { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
                { "mnt", CLONE_NEWNS } };
  int fds[ARRAY_SIZE (kinds)];
  size_t i, n;
  int ret = join_user_namespace_of (pid, err);

  for (n = 0; ret == 0 && n < ARRAY_SIZE (kinds); n++)
    {
      char path[64];
      snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int) pid, kinds[n].name);
      fds[n] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[n] < 0)
        {
          ret = silo_make_error (err, errno, "open `%s`", path);
          break;
        }
    }
  for (i = 0; ret == 0 && i < n; i++)
    if (setns (fds[i], kinds[i].type) < 0)
      ret = silo_make_error (err, errno, "join the %s namespace of process %d", kinds[i].name,
                             (int) pid);
  for (i = 0; i < n; i++)
    close (fds[i]);
  if (ret == 0 && chdir ("/") < 0)
    ret = silo_make_error (err, errno, "chdir /");
  return ret;
}

int
ns_hooks_run_in (pid_t pid, const struct oci_hook_list *hooks, const char *state_json,
                 const char *kind, silo_error_t *err)
{
  cleanup_free char *msg = NULL;
  int errp[2], status;
  pid_t child;

  if (hooks == NULL || hooks->len == 0)
    return 0;
  if (pipe2 (errp, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    {
      close (errp[0]);
      close (errp[1]);
      return silo_make_error (err, errno, "fork");
    }
  if (child == 0)
    {
      silo_error_t e = NULL;
      close (errp[0]);
      if (join_namespaces_of (pid, &e) < 0 || ns_hooks_run (hooks, state_json, kind, &e) < 0)
        {
          (void) write_all (errp[1], e->msg, strlen (e->msg));
          _exit (1);
        }
      _exit (0);
    }
  close (errp[1]);
  if (read_all_fd (errp[0], &msg) < 0)
    msg = NULL;
  close (errp[0]);
  if (TEMP_FAILURE_RETRY (waitpid (child, &status, 0)) < 0)
    return silo_make_error (err, errno, "wait for the %s hooks", kind);
  if (msg && *msg)
    return silo_make_error (err, 0, "%s", msg);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return silo_make_error (err, 0, "hooks.%s: their runner failed (status %d)", kind, status);
  return 0;
}
