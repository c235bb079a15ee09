/* The sandbox's host-side seccomp filter denies what reconfigures the host
 * and leaves ordinary calls alone. */
#include "unit.h"
#include "../../sandbox-vm/jail.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes: 0 all as expected, 10+n the nth check failed. */
static int
child (void)
{
  silo_error_t err = NULL;

  if (sandbox_jail (&err) < 0)
    return 10;
  if (mount ("none", "/tmp", "tmpfs", 0, NULL) == 0 || errno != EPERM)
    return 11;
  if (unshare (CLONE_NEWNS) == 0 || errno != EPERM)
    return 12;
  if (sethostname ("x", 1) == 0 || errno != EPERM)
    return 13;
  if (getpid () <= 0 || access ("/", F_OK) != 0)
    return 14;
  /* CAP_SYS_ADMIN is gone too, not only filtered. */
  if (prctl (PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
    return 15;
  return 0;
}

static int
test_jail_denies_host_reconfiguration (void)
{
  int status;
  pid_t pid = fork ();

  CHECK (pid >= 0);
  if (pid == 0)
    _exit (child ());
  CHECK (waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status));
  if (WEXITSTATUS (status) != 0)
    fprintf (stderr, "  child check %d failed\n", WEXITSTATUS (status));
  CHECK (WEXITSTATUS (status) == 0);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_jail_denies_host_reconfiguration);
  UNIT_EXIT ();
}
