/* The "uml" backend: user-mode Linux (/usr/bin/linux from Debian's
 * user-mode-linux). The guest tree is both the hostfs prefix and the root:
 * every hostfs mount in the guest resolves under it. hostfs does not stop
 * `..` or host-side symlinks, so the UML process runs pivoted into a jail
 * (jail.h) where the tree is all there is of the host. The agent channel is
 * UML serial line 0 on fd 3 (/dev/ttyS0 in the guest); the kernel console
 * goes to the sandbox log. Boot-time initcalls that only benchmark or load
 * what the guest never uses are skipped (docs/sandbox.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"
#include "../allow.h"
#include "../monitor/jail.h"

#define UML_KERNEL "/usr/bin/linux"
#define UML_MAX_NICS 8
#define UML_MODULES "/usr/lib/uml/modules"
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
uml_child (const char *guest_dir, char **argv, bool tun, int chan, int log_fd, int sync_fd)
{
  char *envp[] = { "PATH=/usr/bin:/bin", "TMPDIR=" JAIL_TMP, NULL };
  struct jail_spec spec = { .guest_dir = guest_dir, .exe = UML_KERNEL, .kernel_fd = -1,
                            .tmp = true, .dev_tun = tun, .role = "uml",
                            .allow = sandbox_uml_allow };
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
uml_spawn (const char *guest_dir, char **argv, bool tun, int log_fd, pid_t *pid, int *agent_fd,
           silo_error_t *err)
{
  int sv[2], sync_fd;

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
    uml_child (guest_dir, argv, tun, sv[1], log_fd, sync_fd);
  close (sv[1]);
  *agent_fd = sv[0];
  return sandbox_jail_release (*pid, sync_fd, err);
}

/* Debian's UML kernel builds IPv6 as a module (with crc-ccitt under it):
 * both are bound read-only into the guest tree, for the agent to load
 * before lo comes up, so the guest has IPv6 as a container has. The
 * modules of the user-mode-linux package are those of its kernel. Without
 * them the guest has no IPv6, and an IPv6 address for it fails create. */
static const char *const uml_modules[] = { "lib/crc-ccitt.ko", "net/ipv6/ipv6.ko" };

/* The one version directory the package ships, or NULL. */
static char *
uml_modules_dir (void)
{
  cleanup_dir DIR *d = opendir (UML_MODULES);
  struct dirent *e;
  char *dir = NULL;

  while (d && (e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      {
        xasprintf (&dir, UML_MODULES "/%s/kernel", e->d_name);
        break;
      }
  return dir;
}

/* *env: "SILO_AGENT_MODULES=/uml-crc-ccitt.ko:/uml-ipv6.ko" for the agent,
 * or NULL when the package has not got them. */
static int
uml_bind_modules (const char *guest_dir, char **env, silo_error_t *err)
{
  cleanup_free char *dir = uml_modules_dir ();
  char list[256] = "SILO_AGENT_MODULES=";
  size_t i;

  *env = NULL;
  for (i = 0; dir && i < ARRAY_SIZE (uml_modules); i++)
    {
      cleanup_free char *src = NULL;
      const char *base = strrchr (uml_modules[i], '/') + 1;
      char name[64];

      xasprintf (&src, "%s/%s", dir, uml_modules[i]);
      if (access (src, R_OK) < 0)
        return 0;
      snprintf (name, sizeof (name), "uml-%s", base);
      if (sandbox_guest_tree_bind (guest_dir, src, name, err) < 0)
        return -1;
      snprintf (list + strlen (list), sizeof (list) - strlen (list), "%s/%s", i ? ":" : "", name);
    }
  if (dir)
    *env = xstrdup (list);
  return 0;
}

/* UML's tuntap transport opens its tap by name (TUNSETIFF) from inside the
 * jail: the tap outlives the monitor's fd (persistent; delete removes it,
 * sandbox-vm/net.c) and belongs to uid 0, which the jail's user namespace
 * maps to itself, so no capability over the network namespace is needed.
 * One `ethN=tuntap,TAP,MAC` per NIC, in order: the guest's ethN has the
 * engine interface's MAC. */
static int
uml_nics (struct sandbox_net *net, char **argv, int *n, char **owned, silo_error_t *err)
{
  for (size_t i = 0; i < net->n; i++)
    {
      const struct sandbox_nic *c = &net->nics[i];

      if (ioctl (c->tap_fd, TUNSETPERSIST, 1) < 0 || ioctl (c->tap_fd, TUNSETOWNER, 0) < 0)
        return silo_make_error (err, errno, "network: keep tap `%s` for UML", c->tap);
      xasprintf (&owned[i], "eth%zu=tuntap,%s,%02x:%02x:%02x:%02x:%02x:%02x", i, c->tap,
                 c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
      argv[(*n)++] = owned[i];
    }
  sandbox_net_close_taps (net);
  return 0;
}

static int
uml_launch (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
            struct sandbox_net *net, int log_fd, pid_t *pid, int *agent_fd, silo_error_t *err)
{
  cleanup_free char *mem = NULL;
  char *argv[32 + UML_MAX_NICS], *nic_args[UML_MAX_NICS] = { NULL };
  cleanup_free char *modules = NULL;
  int n = 0, ret;

  if (uml_bind_modules (guest_dir, &modules, err) < 0)
    return -1;

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
  if (modules)
    argv[n++] = modules;
  if (net->n > UML_MAX_NICS)
    return silo_make_error (err, 0, "network: %zu interfaces; the uml backend takes %d", net->n,
                            UML_MAX_NICS);
  ret = uml_nics (net, argv, &n, nic_args, err);
  argv[n] = NULL;
  if (ret == 0)
    ret = uml_spawn (guest_dir, argv, net->n > 0, log_fd, pid, agent_fd, err);
  for (size_t i = 0; i < UML_MAX_NICS; i++)
    free (nic_args[i]);
  return ret;
}

const struct sandbox_backend_ops sandbox_uml_ops = {
  .name = "uml",
  .probe = uml_probe,
  .launch = uml_launch,
};
