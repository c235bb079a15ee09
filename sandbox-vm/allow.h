/* Seccomp allow lists for the sandbox's host processes (docs/sandbox.md,
 * "Seccomp: an allow list per role"): whatever a role's lists do not name
 * kills the whole process (SCMP_ACT_KILL_PROCESS), which the monitor then
 * reports as a seccomp kill instead of an ordinary exit. A role's filter is
 * the union of a few lists (the C library's needs, then the role's own);
 * a rule may compare one argument (ioctl requests, clone flags, socket
 * families) under a mask. */
#ifndef SILO_SANDBOX_ALLOW_H
#define SILO_SANDBOX_ALLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/error.h"

struct allow_rule
{
  const char *name; /* syscall; one that this architecture lacks is skipped */
  int err;          /* 0: allow; else fail the call with this errno */
  unsigned arg;     /* 0: any arguments; n: argument n - 1 & mask == value */
  uint64_t mask, value;
};

struct allow_list
{
  const struct allow_rule *rules;
  size_t n;
};

#define ALLOW_LIST(a) { (a), sizeof (a) / sizeof ((a)[0]) }
#define ALLOW(sc) { #sc, 0, 0, 0, 0 }
/* Argument i (from 0) masked with m must equal v. */
#define ALLOW_IF(sc, i, m, v) { #sc, 0, (i) + 1, (m), (v) }
#define ALLOW_IOCTL(req) ALLOW_IF (ioctl, 1, 0xffffffffu, (req))
#define REFUSE(sc, e) { #sc, (e), 0, 0, 0 }
#define REFUSE_IF(sc, e, i, m, v) { #sc, (e), (i) + 1, (m), (v) }

/* Namespace flags of clone (2): none of the sandbox's host processes makes one. */
#define ALLOW_CLONE_NS_MASK 0x7e020080ULL /* NEWNS CGROUP UTS IPC USER PID NET TIME */

/* Load the union of lists (NULL-terminated) as a filter of the calling
 * thread, default action kill-process; role names it in errors. */
int allow_load (const char *role, const struct allow_list *const *lists, silo_error_t *err);
/* The same for a process nobody else watches (the monitor): a forbidden
 * call traps instead, and a SIGSYS handler writes `silo: sandbox ROLE:
 * killed by seccomp (SIGSYS): syscall N is not in its allow list` to
 * stderr before the process dies of SIGSYS. */
int allow_load_reporting (const char *role, const struct allow_list *const *lists,
                          silo_error_t *err);

/* The C library's own needs, shared by every role of silo's own code. */
extern const struct allow_list allow_libc;

/* The roles' lists (NULL-terminated): UML's processes
 * (backends/uml_allow.c); the VMM's are in vmm/vmm.h (vmm_process_allow)
 * and vmm/confine.c. The monitor's, once its guest runs, names the guest's
 * pid and so is made and loaded at run time, reporting: monitor_allow_load
 * (monitor/monitor_allow.c). */
extern const struct allow_list *const sandbox_uml_allow[];
int monitor_allow_load (pid_t guest, silo_error_t *err);

#endif
