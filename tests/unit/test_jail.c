/* The jail of the sandbox's guest process (sandbox-vm/monitor/jail.c): pivoted into
 * a root holding only the guest tree, in a user namespace of its own, with
 * a seccomp filter that denies what reconfigures the host. */
#include "unit.h"
#include "../../sandbox-vm/monitor/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes: 0 all as expected, 10+n the nth check failed. */
static int
child (const char *guest, int sync_fd, int hold_fd)
{
  struct jail_spec spec = { .guest_dir = guest, .kernel_fd = -1, .tmp = true };
  silo_error_t err = NULL;
  char c;

  if (sandbox_jail_enter (&spec, sync_fd, &err) < 0)
    {
      fprintf (stderr, "  %s\n", err->msg);
      return 10;
    }
  if (mount ("none", "/tmp", "tmpfs", 0, NULL) == 0 || errno != EPERM)
    return 11;
  if (unshare (CLONE_NEWNS) == 0 || errno != EPERM)
    return 12;
  if (sethostname ("x", 1) == 0 || errno != EPERM)
    return 13;
  /* CAP_SYS_ADMIN is gone too, not only filtered. */
  if (prctl (PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
    return 15;
  /* the guest tree is there, the host's tree is not, the root is read-only */
  if (access (JAIL_GUEST "/marker", R_OK) != 0 || access ("/dev/null", W_OK) != 0)
    return 16;
  if (access ("/etc", F_OK) == 0 || access ("/proc", F_OK) == 0 || access ("/usr", F_OK) == 0)
    return 17;
  if (mkdir ("/new", 0755) == 0 || errno != EROFS)
    return 18;
  if (mkdir (JAIL_TMP "/new", 0755) != 0)
    return 19;
  if (getuid () != 0)
    return 20;
  if (read (hold_fd, &c, 1) < 0) /* until the parent has looked at us */
    return 21;
  return 0;
}

static int
test_jail_confines_the_guest_process (void)
{
  char guest[] = "/tmp/silo-jail-unit.XXXXXX", path[64], map[128], mine[64], its[64];
  silo_error_t err = NULL;
  int status, sync_fd, hold[2], fd;
  ssize_t n;
  pid_t pid;

  if (geteuid () != 0)
    SKIP ("needs root");
  CHECK (mkdtemp (guest) != NULL);
  snprintf (path, sizeof (path), "%s/marker", guest);
  CHECK ((fd = open (path, O_CREAT | O_WRONLY, 0600)) >= 0);
  close (fd);
  CHECK (pipe (hold) == 0);
  pid = sandbox_jail_fork (&sync_fd, &err);
  CHECK (pid >= 0);
  if (pid == 0)
    {
      close (hold[1]);
      _exit (child (guest, sync_fd, hold[0]));
    }
  close (hold[0]);
  CHECK (sandbox_jail_release (pid, sync_fd, &err) == 0);
  /* it is in another user namespace, with every id mapped to itself */
  snprintf (path, sizeof (path), "/proc/%d/uid_map", (int) pid);
  CHECK ((fd = open (path, O_RDONLY)) >= 0);
  n = read (fd, map, sizeof (map) - 1);
  close (fd);
  CHECK (n > 0);
  map[n] = '\0';
  CHECK (strstr (map, "4294967295") != NULL);
  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int) pid);
  memset (mine, 0, sizeof (mine));
  CHECK (readlink ("/proc/self/ns/user", mine, sizeof (mine) - 1) > 0);
  memset (its, 0, sizeof (its));
  CHECK (readlink (path, its, sizeof (its) - 1) > 0);
  CHECK (strcmp (mine, its) != 0);
  close (hold[1]);
  CHECK (waitpid (pid, &status, 0) == pid);
  snprintf (path, sizeof (path), "%s/marker", guest);
  unlink (path);
  rmdir (guest);
  CHECK (WIFEXITED (status));
  if (WEXITSTATUS (status) != 0)
    fprintf (stderr, "  child check %d failed\n", WEXITSTATUS (status));
  CHECK (WEXITSTATUS (status) == 0);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_jail_confines_the_guest_process);
  UNIT_EXIT ();
}
