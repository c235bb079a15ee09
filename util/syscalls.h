/* Syscalls newer than Debian 12's glibc wrappers, in one place. */
#ifndef SILO_SYSCALLS_H
#define SILO_SYSCALLS_H

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static inline int
sys_openat2 (int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
  struct open_how how = { .flags = flags, .mode = 0, .resolve = resolve };
  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof (how));
}

static inline int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return (int) syscall (SYS_pivot_root, new_root, put_old);
}

static inline int
sys_pidfd_open (pid_t pid, unsigned flags)
{
  return (int) syscall (SYS_pidfd_open, pid, flags);
}

static inline int
sys_pidfd_send_signal (int pidfd, int sig, siginfo_t *info, unsigned flags)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int
sys_close_range (unsigned first, unsigned last, unsigned flags)
{
  return (int) syscall (SYS_close_range, first, last, flags);
}

static inline long
sys_keyctl_join (const char *name)
{
  return syscall (SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
}

#endif
