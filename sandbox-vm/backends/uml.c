/* The "uml" backend: user-mode Linux (/usr/bin/linux from Debian's
 * user-mode-linux). The guest tree is both the hostfs prefix and the root:
 * every hostfs mount in the guest resolves under it. hostfs does not stop
 * `..` or host-side symlinks, so the UML process runs pivoted into a jail
 * (jail.h) where the tree is all there is of the host. The agent channel is
 * UML serial line 0 on fd 3 (/dev/ttyS0 in the guest); the kernel console
 * goes to the sandbox log. Boot-time initcalls that only benchmark or load
 * what the guest never uses are skipped (docs/sandbox.md). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"
#include "../allow.h"
#include "../monitor/jail.h"

#define UML_KERNEL "/usr/bin/linux"
#define UML_SKIP_INITCALLS \
  "initcall_blacklist=raid6_select_algo,init_zswap,strp_dev_init,init_btrfs_fs,calibrate_xor_blocks"

static int
uml_probe (silo_error_t *err)
{
  if (access (UML_KERNEL, X_OK) < 0)
    return silo_make_error (err, 0, "sandbox backend uml: " UML_KERNEL
                                    " not found (apt-get install user-mode-linux)");
  return 0;
}

/* In the child: stdio to the log, the agent channel as fd 3, the binary
 * opened while the host's tree is still there, then the jail (jail.h), then
 * exec through the fd: after the pivot only the guest tree, /dev/null, a
 * private /tmp (guest RAM file, uml_dir) and the binary's libraries exist. */
__attribute__ ((noreturn)) static void
uml_child (const char *guest_dir, char **argv, int chan, int log_fd, int sync_fd)
{
  char *envp[] = { "PATH=/usr/bin:/bin", "TMPDIR=" JAIL_TMP, NULL };
  struct jail_spec spec = { .guest_dir = guest_dir, .exe = UML_KERNEL, .kernel_fd = -1,
                            .tmp = true, .role = "uml", .allow = sandbox_uml_allow };
  silo_error_t err = NULL;
  int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int exe = open (UML_KERNEL, O_RDONLY | O_CLOEXEC);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0
      || dup2 (chan, 3) < 0)
    _exit (127);
  if (exe < 0)
    {
      dprintf (2, "silo: uml: open " UML_KERNEL ": %s\n", strerror (errno));
      _exit (127);
    }
  if (sandbox_jail_enter (&spec, sync_fd, &err) < 0)
    {
      dprintf (2, "silo: uml: %s\n", err->msg);
      _exit (127);
    }
  /* Credential changes may have cleared it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  syscall (SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
  dprintf (2, "silo: uml: exec " UML_KERNEL ": %s\n", strerror (errno));
  _exit (127);
}

static int
uml_launch (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
            int log_fd, pid_t *pid,
            int *agent_fd, silo_error_t *err)
{
  cleanup_free char *mem = NULL;
  char *argv[32];
  int sv[2], sync_fd, n = 0;

  xasprintf (&mem, "mem=%lluM", (unsigned long long) (mem_bytes >> 20));
  argv[n++] = "linux";
  argv[n++] = mem;
  argv[n++] = "root=/dev/root";
  argv[n++] = "rootfstype=hostfs";
  argv[n++] = "hostfs=" JAIL_GUEST;
  argv[n++] = "ro";
  argv[n++] = "init=/init";
  argv[n++] = "uml_dir=" JAIL_TMP;
  argv[n++] = "con=null";
  argv[n++] = "con0=fd:0,fd:1";
  argv[n++] = "ssl=null";
  argv[n++] = "ssl0=fd:3,fd:3";
  argv[n++] = "lpj=10000000";
  argv[n++] = "cryptomgr.notests";
  argv[n++] = UML_SKIP_INITCALLS;
  if (!req->debug)
    argv[n++] = "quiet";
  argv[n++] = "SILO_AGENT_CHAN=/dev/ttyS0";
  argv[n++] = "SILO_AGENT_FS=hostfs";
  argv[n++] = "SILO_AGENT_OFF=poweroff";
  argv[n] = NULL;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return silo_make_error (err, errno, "socketpair");
  *pid = sandbox_jail_fork (&sync_fd, err);
  if (*pid < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return -1;
    }
  if (*pid == 0)
    uml_child (guest_dir, argv, sv[1], log_fd, sync_fd);
  close (sv[1]);
  *agent_fd = sv[0];
  return sandbox_jail_release (*pid, sync_fd, err);
}

const struct sandbox_backend_ops sandbox_uml_ops = {
  .name = "uml",
  .probe = uml_probe,
  .launch = uml_launch,
};
