/* OCI hooks: the state JSON on stdin, `timeout` honoured, a non-zero exit
 * fails the step (prestart, createRuntime, createContainer, startContainer)
 * or is logged (poststart, poststop). */
#include "namespaces.h"
#include "../util/log.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
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
