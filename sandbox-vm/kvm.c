/* The "kvm" backend: silo's own VMM (sandbox-vm/kvm/, vmm_run) in a child of
 * the monitor, with the agent channel on a socketpair. Until the VMM is
 * linked in (SILO_HAVE_VMM), launching fails and says so. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"

static bool
cpu_has_hw_virt (void)
{
  cleanup_free char *info = NULL;
  silo_error_t err = NULL;

  if (read_file ("/proc/cpuinfo", &info, NULL, &err) < 0)
    {
      silo_error_release (&err);
      return false;
    }
  return strstr (info, " vmx") != NULL || strstr (info, " svm") != NULL;
}

static int
kvm_probe (silo_error_t *err)
{
  int fd;

  if (!cpu_has_hw_virt ())
    return silo_make_error (err, 0, "sandbox backend kvm: not available on this host: no "
                                    "hardware virtualization (vmx/svm)");
  fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "sandbox backend kvm: open /dev/kvm");
  close (fd);
#ifndef SILO_HAVE_VMM
  return silo_make_error (err, 0, "sandbox backend kvm: not available on this host: VMM not built");
#else
  return 0;
#endif
}

static int
kvm_launch (const char *guest_dir, uint64_t mem_bytes, int log_fd, bool debug, pid_t *pid,
            int *agent_fd, silo_error_t *err)
{
  return kvm_probe (err) < 0 ? -1
                             : silo_make_error (err, 0, "sandbox backend kvm: VMM not built");
}

const struct sandbox_backend_ops sandbox_kvm_ops = {
  .name = "kvm",
  .probe = kvm_probe,
  .launch = kvm_launch,
};
