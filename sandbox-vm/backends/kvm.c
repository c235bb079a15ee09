/* The "kvm" backend: silo's own VMM (sandbox-vm/vmm/, vmm_run) in a child of
 * the monitor, with the agent channel on a socketpair, the agent as /init of
 * an initramfs written at launch, and the guest tree shared over virtio-9p
 * (tag silo-root). Built with -DSILO_HAVE_VMM when sandbox-vm/vmm/vmm.mk is
 * part of the build; otherwise launching fails and says so. */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"

#ifdef SILO_HAVE_VMM
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../allow.h"
#include "../monitor/jail.h"
#include "../../util/log.h"
#include "../vmm/vmm.h"
#endif

static int
kvm_probe (silo_error_t *err)
{
#ifndef SILO_HAVE_VMM
  return silo_make_error (err, 0, "sandbox backend kvm: not available on this host: VMM not built");
#else
  int fd;

  if (!vmm_hw_virt_available ())
    return silo_make_error (err, 0, "sandbox backend kvm: not available on this host: no "
                                    "hardware virtualization (vmx/svm)");
  fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "sandbox backend kvm: open /dev/kvm");
  close (fd);
  return 0;
#endif
}

#ifdef SILO_HAVE_VMM

#define KVM_INITRD ".initrd"

#define STR_(x) #x
#define STR(x) STR_ (x)
/* The agent reads its settings from the environment the kernel gives init. */
#define AGENT_CMDLINE                                                                             \
  "reboot=k panic=-1 rdinit=/init SILO_AGENT_CHAN=/dev/hvc1 SILO_AGENT_FS=9p "                    \
  "SILO_AGENT_OFF=reset SILO_AGENT_MARK=" STR (VMM_MARKER_PORT)

/* One newc cpio entry (header, name, data, each padded to 4 bytes). */
static int
cpio_entry (int fd, const char *name, unsigned mode, const void *data, size_t len)
{
  static const char zeros[4] = { 0 };
  static unsigned ino = 1;
  char hdr[128];
  size_t nlen = strlen (name) + 1;

  snprintf (hdr, sizeof (hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
            ino++, mode, 0u, 0u, 1u, 0u, (unsigned) len, 0u, 0u, 0u, 0u, (unsigned) nlen, 0u);
  if (write_all (fd, hdr, 110) < 0 || write_all (fd, name, nlen) < 0
      || write_all (fd, zeros, (4 - (110 + nlen) % 4) % 4) < 0
      || (len && write_all (fd, data, len) < 0) || write_all (fd, zeros, (4 - len % 4) % 4) < 0)
    return -1;
  return 0;
}

/* The initramfs: the agent as /init plus its mount points. */
static int
write_initrd (const char *path, silo_error_t *err)
{
  cleanup_close int fd = open (path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  cleanup_free char *agent = NULL;
  size_t len;

  if (fd < 0)
    return silo_make_error (err, errno, "create `%s`", path);
  if (sandbox_agent_load (&agent, &len, err) < 0)
    return -1;
  if (cpio_entry (fd, "dev", S_IFDIR | 0755, NULL, 0) < 0
      || cpio_entry (fd, "proc", S_IFDIR | 0755, NULL, 0) < 0
      || cpio_entry (fd, "share", S_IFDIR | 0755, NULL, 0) < 0
      || cpio_entry (fd, "init", S_IFREG | 0755, agent, len) < 0
      || cpio_entry (fd, "TRAILER!!!", 0, NULL, 0) < 0)
    return silo_make_error (err, errno, "write `%s`", path);
  return 0;
}

/* The child: the monitor's fds closed but the agent channel and the logs
 * (its create sync socket and control clients have peers waiting for them
 * to close), then the same jail as UML's process (jail.h): /dev/kvm, the
 * kernel (opened and checked by the monitor) and the guest tree are all
 * that is left of the host. */
__attribute__ ((noreturn)) static void
vmm_child (struct vmm_config *cfg, const char *guest_dir, const char *kernel, int kernel_fd,
           int log_fd, int sync_fd)
{
  struct jail_spec spec = { .guest_dir = guest_dir, .kernel = kernel, .kernel_fd = kernel_fd,
                            .dev_kvm = true, .role = "vmm", .allow = vmm_process_allow };
  struct vmm_timing timing;
  silo_error_t err = NULL;
  char line[256];
  int ret;

  int keep[5 + VMM_MAX_NETS] = { cfg->agent_fd, log_fd, log_get_fd (), kernel_fd, sync_fd };
  size_t n_keep = 5;

  for (int i = 0; i < cfg->n_nets; i++)
    keep[n_keep++] = cfg->nets[i].tap_fd;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  cfg->timing = &timing;
  ret = close_fds_except (keep, n_keep, &err);
  if (ret == 0)
    ret = sandbox_jail_enter (&spec, sync_fd, &err);
  if (ret == 0)
    {
      close (kernel_fd);
      prctl (PR_SET_PDEATHSIG, SIGKILL); /* credential changes may have cleared it */
      ret = vmm_run (cfg, &err);
      vmm_timing_format (&timing, line, sizeof (line));
      pr_debug ("vmm: boot timing: %s", line);
    }
  if (ret < 0)
    {
      dprintf (log_fd, "silo: vmm: %s\n", err->msg);
      _exit (1);
    }
  _exit (0);
}

/* One virtio-net NIC per tap, in order (guest ethN = nets[N]), with the
 * engine interface's MAC and MTU. The VMM reads and writes the taps the
 * monitor opened (IFF_VNET_HDR): nothing in the jail opens /dev/net/tun.
 * The fds stay the monitor's until the child is forked. */
static int
kvm_nics (const struct sandbox_net *net, struct vmm_config *cfg, silo_error_t *err)
{
  if (net->n > VMM_MAX_NETS)
    return silo_make_error (err, 0, "network: %zu interfaces; the kvm backend takes %d", net->n,
                            VMM_MAX_NETS);
  for (size_t i = 0; i < net->n; i++)
    {
      cfg->nets[i].tap_fd = net->nics[i].tap_fd;
      memcpy (cfg->nets[i].mac, net->nics[i].mac, sizeof (cfg->nets[i].mac));
      cfg->nets[i].mtu = net->nics[i].mtu > UINT16_MAX ? 0 : (uint16_t) net->nics[i].mtu;
    }
  cfg->n_nets = (int) net->n;
  return 0;
}

static int
kvm_launch (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
            struct sandbox_net *net, int log_fd, pid_t *pid, int *agent_fd, silo_error_t *err)
{
  bool debug = req->debug;
  cleanup_free char *initrd = NULL;
  cleanup_close int kernel_fd = -1;
  const char *kernel;
  struct vmm_config cfg = { .mem_bytes = mem_bytes, .vcpus = 1, .console_fd = log_fd,
                            .share_dir = JAIL_GUEST, .kernel = JAIL_KERNEL,
                            .initrd = JAIL_GUEST "/" KVM_INITRD };
  int sv[2], sync_fd;

  if (kvm_nics (net, &cfg, err) < 0)
    return -1;
  if (sandbox_guest_vcpus (req->cfg, &cfg.vcpus, err) < 0
      || sandbox_ksm (req->cfg, &cfg.mergeable, err) < 0
      || sandbox_guest_kernel_open (req->cfg, &kernel_fd, &kernel, err) < 0)
    return -1;
  xasprintf (&initrd, "%s/" KVM_INITRD, guest_dir);
  if (write_initrd (initrd, err) < 0)
    return -1;
  cfg.cmdline = debug ? "console=ttyS0 " AGENT_CMDLINE : "console=ttyS0 quiet " AGENT_CMDLINE;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return silo_make_error (err, errno, "socketpair");
  cfg.agent_fd = sv[1];
  *pid = sandbox_jail_fork (&sync_fd, err);
  if (*pid < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return -1;
    }
  if (*pid == 0)
    {
      close (sv[0]);
      vmm_child (&cfg, guest_dir, kernel, kernel_fd, log_fd, sync_fd);
    }
  close (sv[1]);
  *agent_fd = sv[0];
  return sandbox_jail_release (*pid, sync_fd, err);
}
#else
static int
kvm_launch (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
            struct sandbox_net *net, int log_fd, pid_t *pid, int *agent_fd, silo_error_t *err)
{
  return kvm_probe (err) < 0 ? -1
                             : silo_make_error (err, 0, "sandbox backend kvm: VMM not built");
}
#endif

const struct sandbox_backend_ops sandbox_kvm_ops = {
  .name = "kvm",
  .probe = kvm_probe,
  .launch = kvm_launch,
};
