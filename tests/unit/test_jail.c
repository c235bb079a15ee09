/* The jail of the sandbox's guest process (sandbox-vm/monitor/jail.c): pivoted into
 * a root holding only the guest tree, in a user namespace of its own, under
 * the seccomp allow list of its role; and each role's list (sandbox-vm/allow.h):
 * what the role does works, anything else kills the process with SIGSYS. */
#include "unit.h"
#include "../../sandbox-vm/allow.h"
#include "../../sandbox-vm/monitor/jail.h"
#include "../../sandbox-vm/vmm/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes: 0 all as expected, 10+n the nth check failed. */
static int
child (const char *guest, int sync_fd, int hold_fd)
{
  struct jail_spec spec = { .guest_dir = guest, .kernel_fd = -1, .tmp = true, .role = "uml",
                            .allow = sandbox_uml_allow };
  silo_error_t err = NULL;
  char c;

  if (sandbox_jail_enter (&spec, sync_fd, &err) < 0)
    {
      fprintf (stderr, "  %s\n", err->msg);
      return 10;
    }
  /* refused by the list (EPERM), not killed: no device nodes */
  if (mknodat (AT_FDCWD, JAIL_TMP "/null", S_IFCHR | 0600, makedev (1, 3)) == 0 || errno != EPERM)
    return 11;
  if (mkfifo (JAIL_TMP "/fifo", 0600) != 0)
    return 12;
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

/* A role's list in a child: `allowed` must work (the child says so on
 * out), then `forbidden` must kill it with SIGSYS. */
enum role
{
  ROLE_MONITOR,
  ROLE_UML,
  ROLE_VMM,
  ROLE_VCPU,
  ROLE_DEVICE,
  ROLE_MONITOR_KILL, /* the monitor's list: kill names anything but its guest */
};

static pid_t test_parent;

static int
load_role (enum role r, silo_error_t *err)
{
  switch (r)
    {
    case ROLE_MONITOR:
    case ROLE_MONITOR_KILL:
      test_parent = getppid (); /* the test plays its guest */
      return monitor_allow_load (test_parent, err);
    case ROLE_UML:
      return allow_load ("uml", sandbox_uml_allow, err);
    case ROLE_VMM:
      return allow_load ("vmm", vmm_process_allow, err);
    case ROLE_VCPU:
      return vmm_thread_confine (VMM_THREAD_VCPU, err);
    case ROLE_DEVICE:
      return vmm_thread_confine (VMM_THREAD_DEVICE, err);
    }
  return -1;
}

/* What each role does, and what none of them may: a network socket, a
 * new user namespace (through clone: no capability needed for it). */
static bool
allowed (enum role r)
{
  struct pollfd p = { .fd = -1 };
  int sv[2];

  switch (r)
    {
    case ROLE_MONITOR:
    case ROLE_MONITOR_KILL:
      return poll (&p, 1, 0) == 0 && waitpid (-1, NULL, WNOHANG) < 0 && kill (test_parent, 0) == 0;
    case ROLE_UML:
      return socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0 && close (sv[0]) == 0
             && access ("/", R_OK) == 0;
    case ROLE_VMM:
    case ROLE_VCPU:
      return openat (AT_FDCWD, "/", O_PATH | O_CLOEXEC) >= 0;
    case ROLE_DEVICE:
      return poll (&p, 1, 0) == 0;
    }
  return false;
}

static void
forbidden (enum role r)
{
  switch (r)
    {
    case ROLE_UML:
      syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
      break;
    case ROLE_DEVICE:
      openat (AT_FDCWD, "/", O_PATH | O_CLOEXEC);
      break;
    case ROLE_MONITOR_KILL:
      kill (1, 0);
      break;
    default:
      socket (AF_INET, SOCK_STREAM, 0);
    }
}

static int
run_role (enum role r, char *out, size_t len)
{
  silo_error_t err = NULL;
  int p[2], status;
  ssize_t n;
  pid_t pid;

  CHECK (pipe (p) == 0);
  pid = fork ();
  CHECK (pid >= 0);
  if (pid == 0)
    {
      dup2 (p[1], 1);
      dup2 (p[1], 2);
      if (load_role (r, &err) < 0)
        {
          dprintf (2, "load: %s\n", err->msg);
          _exit (1);
        }
      if (!allowed (r))
        _exit (2);
      (void) !write (1, "ok ", 3);
      forbidden (r);
      _exit (3);
    }
  close (p[1]);
  n = read (p[0], out, len - 1);
  out[n > 0 ? n : 0] = '\0';
  while (n > 0)
    n = read (p[0], out + strlen (out), len - 1 - strlen (out));
  close (p[0]);
  CHECK (waitpid (pid, &status, 0) == pid);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGSYS)
    fprintf (stderr, "  role %d: status 0x%x, output `%s`\n", (int) r, status, out);
  CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGSYS);
  CHECK (strncmp (out, "ok ", 3) == 0);
  return 0;
}

static int
test_allow_lists_kill_what_they_do_not_name (void)
{
  char out[512];

  for (enum role r = ROLE_UML; r <= ROLE_DEVICE; r++)
    CHECK (run_role (r, out, sizeof (out)) == 0);
  return 0;
}

/* The monitor has nobody watching it: it names the call itself. */
static int
test_monitor_reports_its_seccomp_kill (void)
{
  char out[512];

  CHECK (run_role (ROLE_MONITOR, out, sizeof (out)) == 0);
  CHECK (strstr (out, "silo: sandbox monitor: killed by seccomp (SIGSYS): syscall 41 ") != NULL);
  return 0;
}

/* A monitor turned hostile signals nothing but its own guest process
 * (as host uid 0 it once could have signalled every root process). */
static int
test_monitor_signals_its_guest_only (void)
{
  char out[512];

  CHECK (run_role (ROLE_MONITOR_KILL, out, sizeof (out)) == 0);
  CHECK (strstr (out, "killed by seccomp (SIGSYS): syscall 62 ") != NULL);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_jail_confines_the_guest_process);
  RUN_TEST (test_allow_lists_kill_what_they_do_not_name);
  RUN_TEST (test_monitor_reports_its_seccomp_kill);
  RUN_TEST (test_monitor_signals_its_guest_only);
  UNIT_EXIT ();
}
