/* Allow lists as seccomp filters (allow.h). */
#include "allow.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int
add_rule (scmp_filter_ctx ctx, const struct allow_rule *r, silo_error_t *err)
{
  uint32_t action = r->err ? SCMP_ACT_ERRNO ((uint32_t) r->err) : SCMP_ACT_ALLOW;
  int nr = seccomp_syscall_resolve_name (r->name);
  int ret;

  if (nr == __NR_SCMP_ERROR)
    return 0; /* not on this architecture */
  if (r->arg == 0)
    ret = seccomp_rule_add (ctx, action, nr, 0);
  else
    ret = seccomp_rule_add (ctx, action, nr, 1,
                            SCMP_CMP (r->arg - 1, SCMP_CMP_MASKED_EQ, r->mask, r->value));
  if (ret < 0 && ret != -EEXIST)
    return silo_make_error (err, -ret, "add %s", r->name);
  return 0;
}

static int load (const char *role, const struct allow_list *const *lists, uint32_t dflt,
                 silo_error_t *err);

static const char *trap_role = "process";

/* SIGSYS of a trapped call: one line on stderr with the syscall's number,
 * then the death that SCMP_ACT_KILL_PROCESS would have been (SIGSYS). Only
 * write, rt_sigaction, rt_sigprocmask and tgkill: no allocation, the call
 * may have come from inside malloc. */
static void
on_sigsys (int sig, siginfo_t *si, void *uc)
{
  char num[16], *p = num + sizeof (num);
  unsigned n = (unsigned) si->si_syscall;
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  sigset_t set;

  (void) uc;
  do
    *--p = (char) ('0' + n % 10);
  while ((n /= 10) > 0);
  (void) !write (2, "silo: sandbox ", 14);
  (void) !write (2, trap_role, strlen (trap_role));
  (void) !write (2, ": killed by seccomp (SIGSYS): syscall ", 38);
  (void) !write (2, p, (size_t) (num + sizeof (num) - p));
  (void) !write (2, " is not in its allow list\n", 26);
  sigaction (sig, &dfl, NULL);
  sigemptyset (&set);
  sigaddset (&set, sig);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  raise (sig);
  _exit (128 + sig);
}

int
allow_load_reporting (const char *role, const struct allow_list *const *lists,
                      silo_error_t *err)
{
  struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

  trap_role = role;
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGSYS, &sa, NULL) < 0)
    return silo_make_error (err, errno, "seccomp allow list of the %s: SIGSYS handler", role);
  return load (role, lists, SCMP_ACT_TRAP, err);
}

int
allow_load (const char *role, const struct allow_list *const *lists, silo_error_t *err)
{
  return load (role, lists, SCMP_ACT_KILL_PROCESS, err);
}

static int
load (const char *role, const struct allow_list *const *lists, uint32_t dflt, silo_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (dflt);
  int ret = 0;

  if (ctx == NULL)
    return silo_make_error (err, ENOMEM, "seccomp allow list of the %s: init", role);
  for (; *lists && ret == 0; lists++)
    for (size_t i = 0; i < (*lists)->n && ret == 0; i++)
      ret = add_rule (ctx, &(*lists)->rules[i], err);
  if (ret == 0 && (ret = seccomp_load (ctx)) < 0)
    ret = silo_make_error (err, -ret, "load");
  seccomp_release (ctx);
  if (ret < 0)
    return silo_error_wrap (err, "seccomp allow list of the %s", role);
  return 0;
}

/* What the C library does on its own behalf in every role: memory, locks,
 * signal returns, time, exit, and the reads and writes of stdio and logs;
 * sigaltstack and sched_getaffinity (the calling thread's own signal stack
 * and CPU mask) are what a sanitizer's runtime calls in every new thread.
 * clone3 fails with ENOSYS so that glibc falls back to clone, whose flags a
 * filter can see (clone3 passes them in memory). */
static const struct allow_rule libc_rules[] = {
  ALLOW (read),          ALLOW (write),        ALLOW (close),          ALLOW (brk),
  ALLOW (mmap),          ALLOW (munmap),       ALLOW (mremap),         ALLOW (mprotect),
  ALLOW (madvise),       ALLOW (futex),        ALLOW (rt_sigreturn),   ALLOW (rt_sigprocmask),
  ALLOW (exit),          ALLOW (exit_group),   ALLOW (getpid),         ALLOW (gettid),
  ALLOW (clock_gettime), ALLOW (gettimeofday), ALLOW (clock_nanosleep), ALLOW (nanosleep),
  ALLOW (restart_syscall), ALLOW (getrandom),  ALLOW (sched_yield),    ALLOW (fstat),
  ALLOW (newfstatat),    ALLOW (lseek),        ALLOW (sigaltstack),    ALLOW (sched_getaffinity),
  REFUSE (clone3, ENOSYS),
};
const struct allow_list allow_libc = ALLOW_LIST (libc_rules);
