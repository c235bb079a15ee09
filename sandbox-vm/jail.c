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
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const char *const denied[] = {
  "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
  "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns", "kexec_load",
  "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
  "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "open_by_handle_at",
  "name_to_handle_at", "reboot", "swapon", "swapoff", "acct", "settimeofday",
  "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "quotactl",
  "lookup_dcookie", "syslog", "vhangup", "sethostname", "setdomainname", "mknod", "mknodat",
};

static int
jail_seccomp (silo_error_t *err)
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

/* hostfs and 9p need file ownership and access; nothing else. Without
 * CAP_MKNOD a guest cannot create host device nodes through its share. */
static int
drop_caps (silo_error_t *err)
{
  static const cap_value_t keep[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                      CAP_FOWNER, CAP_FSETID };
  cap_t caps;
  int c, ret;

  for (c = 0; c <= CAP_LAST_CAP; c++)
    {
      size_t i;
      bool kept = false;
      for (i = 0; i < ARRAY_SIZE (keep); i++)
        kept |= keep[i] == c;
      if (!kept && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return silo_make_error (err, errno, "drop capability %d", c);
    }
  caps = cap_init ();
  cap_set_flag (caps, CAP_EFFECTIVE, ARRAY_SIZE (keep), keep, CAP_SET);
  cap_set_flag (caps, CAP_PERMITTED, ARRAY_SIZE (keep), keep, CAP_SET);
  ret = cap_set_proc (caps);
  cap_free (caps);
  if (ret < 0)
    return silo_make_error (err, errno, "set capabilities");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "prctl NO_NEW_PRIVS");
  return 0;
}

int
sandbox_jail (silo_error_t *err)
{
  if (drop_caps (err) < 0)
    return -1;
  return jail_seccomp (err);
}
