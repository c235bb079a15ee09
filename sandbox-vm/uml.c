/* The "uml" backend: user-mode Linux (/usr/bin/linux from Debian's
 * user-mode-linux). The guest tree is both the hostfs prefix and the root:
 * every hostfs mount in the guest resolves under it. The agent channel is
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
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"
#include "jail.h"

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

__attribute__ ((noreturn)) static void
uml_child (char **argv, int chan, int log_fd)
{
  char *envp[] = { "PATH=/usr/bin:/bin", NULL };
  silo_error_t err = NULL;
  int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0
      || dup2 (chan, 3) < 0)
    _exit (127);
  if (sandbox_jail (&err) < 0)
    {
      dprintf (2, "silo: uml: %s\n", err->msg);
      _exit (127);
    }
  execve (UML_KERNEL, argv, envp);
  dprintf (2, "silo: uml: exec " UML_KERNEL ": %s\n", strerror (errno));
  _exit (127);
}

static int
uml_launch (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
            int log_fd, pid_t *pid,
            int *agent_fd, silo_error_t *err)
{
  cleanup_free char *mem = NULL, *hostfs = NULL, *umldir = NULL;
  char *argv[32];
  int sv[2], n = 0;

  xasprintf (&mem, "mem=%lluM", (unsigned long long) (mem_bytes >> 20));
  xasprintf (&hostfs, "hostfs=%s", guest_dir);
  xasprintf (&umldir, "uml_dir=%s/..", guest_dir);
  argv[n++] = "linux";
  argv[n++] = mem;
  argv[n++] = "root=/dev/root";
  argv[n++] = "rootfstype=hostfs";
  argv[n++] = hostfs;
  argv[n++] = "ro";
  argv[n++] = "init=/init";
  argv[n++] = umldir;
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
  *pid = fork ();
  if (*pid < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return silo_make_error (err, errno, "fork");
    }
  if (*pid == 0)
    uml_child (argv, sv[1], log_fd);
  close (sv[1]);
  *agent_fd = sv[0];
  return 0;
}

const struct sandbox_backend_ops sandbox_uml_ops = {
  .name = "uml",
  .probe = uml_probe,
  .launch = uml_launch,
};
