/* A deny list rather than an allow list: UML and the VMM use a broad,
 * version-dependent set of ordinary syscalls (ptrace, mmap, clone, timers,
 * file I/O for hostfs and 9p), but none of those that change the host's
 * mounts, namespaces, kernel, keys, clock or swap. Guest syscalls under UML
 * are emulated through PTRACE_SYSEMU, which the kernel reports before
 * seccomp runs, so they never meet this filter; only host-side calls do. */
#include "jail.h"
#include "../util/utils.h"

#include <errno.h>
#include <seccomp.h>

static const char *const denied[] = {
  "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
  "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns", "kexec_load",
  "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
  "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "open_by_handle_at",
  "name_to_handle_at", "reboot", "swapon", "swapoff", "acct", "settimeofday",
  "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "quotactl",
  "lookup_dcookie", "syslog", "vhangup", "sethostname", "setdomainname", "mknod", "mknodat",
};

int
sandbox_jail_seccomp (silo_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  int ret = 0;

  if (ctx == NULL)
    return silo_make_error (err, ENOMEM, "sandbox seccomp: init");
  for (size_t i = 0; i < ARRAY_SIZE (denied) && ret == 0; i++)
    {
      int nr = seccomp_syscall_resolve_name (denied[i]);
      if (nr == __NR_SCMP_ERROR)
        continue; /* not on this architecture */
      ret = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), nr, 0);
      if (ret < 0)
        ret = silo_make_error (err, -ret, "sandbox seccomp: deny %s", denied[i]);
    }
  if (ret == 0 && (ret = seccomp_load (ctx)) < 0)
    ret = silo_make_error (err, -ret, "sandbox seccomp: load");
  seccomp_release (ctx);
  return ret;
}
