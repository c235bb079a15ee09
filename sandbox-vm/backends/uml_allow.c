/* The seccomp allow list of UML's processes: the UML kernel process, its
 * helper threads and processes, and the stub processes that hold the
 * guest's address spaces (all forked from the kernel process, so all under
 * this one filter). Guest syscalls never meet it: UML runs its guest under
 * PTRACE_SYSEMU, which the kernel reports before seccomp. What the host
 * sees is UML's own libc-level work, found by tracing every sandbox test
 * (docs/sandbox.md): memory and the stubs' mappings, ptrace and wait for
 * the guest's processes, timers and signals (SIGALRM/SIGIO/SIGSEGV drive
 * UML's scheduler and faults), hostfs (the whole file API on the guest
 * tree), its consoles and the agent channel (fds, ttys, AF_UNIX sockets
 * for the SIGIO helper). The arguments filtered: clone makes no namespace,
 * sockets are AF_UNIX, ioctls are terminal ones (and TUNSETIFF for its
 * taps), execveat only re-executes through an fd (the jail's launch),
 * mknodat makes no device. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include "../allow.h"

#define ANY_UNIX(sc) ALLOW_IF (sc, 0, 0xffffffffu, AF_UNIX)

static const struct allow_rule uml_rules[] = {
  /* processes, threads, ptrace of the guest's processes */
  ALLOW_IF (clone, 0, ALLOW_CLONE_NS_MASK, 0), ALLOW (wait4), ALLOW (waitid), ALLOW (ptrace),
  ALLOW (kill), ALLOW (tgkill), ALLOW (tkill), ALLOW (getppid), ALLOW (getpgrp), ALLOW (setsid),
  ALLOW (setpgid), ALLOW (getpgid), ALLOW (getsid), ALLOW (prctl), ALLOW (arch_prctl),
  ALLOW (modify_ldt), ALLOW (set_tid_address), ALLOW (set_robust_list), ALLOW (rseq),
  ALLOW (getuid), ALLOW (geteuid), ALLOW (getgid), ALLOW (getegid), ALLOW (getresuid),
  ALLOW (getresgid), ALLOW (getgroups), ALLOW (capget), ALLOW (prlimit64), ALLOW (getrlimit),
  ALLOW (setrlimit), ALLOW (getrusage), ALLOW (sysinfo), ALLOW (uname), ALLOW (personality),
  ALLOW (sched_getaffinity), ALLOW (pidfd_open), ALLOW (pidfd_send_signal),
  ALLOW_IF (execveat, 4, AT_EMPTY_PATH, AT_EMPTY_PATH),
  /* signals and timers */
  ALLOW (rt_sigaction), ALLOW (sigaltstack), ALLOW (rt_sigsuspend), ALLOW (rt_sigtimedwait),
  ALLOW (rt_sigpending), ALLOW (pause), ALLOW (alarm), ALLOW (timer_create), ALLOW (timer_settime),
  ALLOW (timer_gettime), ALLOW (timer_delete), ALLOW (timer_getoverrun), ALLOW (setitimer),
  ALLOW (getitimer), ALLOW (time), ALLOW (times), ALLOW (clock_getres),
  /* memory (the stubs map the guest's pages from the RAM file) */
  ALLOW (msync), ALLOW (mincore), ALLOW (memfd_create),
  /* fds, polling, the SIGIO helper */
  ALLOW (readv), ALLOW (writev), ALLOW (pread64), ALLOW (pwrite64), ALLOW (preadv),
  ALLOW (pwritev), ALLOW (dup), ALLOW (dup2), ALLOW (dup3), ALLOW (fcntl), ALLOW (pipe),
  ALLOW (pipe2), ALLOW (poll), ALLOW (ppoll), ALLOW (select), ALLOW (pselect6),
  ALLOW (epoll_create), ALLOW (epoll_create1), ALLOW (epoll_ctl), ALLOW (epoll_wait),
  ALLOW (epoll_pwait), ALLOW (eventfd2), ALLOW (close_range),
  ANY_UNIX (socket), ANY_UNIX (socketpair), ALLOW (bind), ALLOW (listen), ALLOW (accept),
  ALLOW (accept4), ALLOW (connect), ALLOW (getsockname), ALLOW (getpeername), ALLOW (sendmsg),
  ALLOW (recvmsg), ALLOW (sendto), ALLOW (recvfrom), ALLOW (setsockopt), ALLOW (getsockopt),
  ALLOW (shutdown),
  ALLOW_IOCTL (TCGETS), ALLOW_IOCTL (TCSETS), ALLOW_IOCTL (TCSETSW), ALLOW_IOCTL (TCSETSF),
  ALLOW_IOCTL (TCFLSH), ALLOW_IOCTL (TIOCGPGRP), ALLOW_IOCTL (TIOCSPGRP),
  ALLOW_IOCTL (TIOCGWINSZ), ALLOW_IOCTL (TIOCSWINSZ), ALLOW_IOCTL (FIONREAD),
  ALLOW_IOCTL (FIONBIO), ALLOW_IOCTL (FIOASYNC), ALLOW_IOCTL (FIOCLEX), ALLOW_IOCTL (FIONCLEX),
  ALLOW_IOCTL (TIOCGPTN), ALLOW_IOCTL (TIOCSPTLCK), ALLOW_IOCTL (TIOCSCTTY),
  /* the tuntap transport attaches to its tap by name (sandbox-vm/net.c) */
  ALLOW_IOCTL (TUNSETIFF),
  /* hostfs: the guest tree, and UML's own /tmp */
  ALLOW (open), ALLOW (openat), ALLOW (creat), ALLOW (stat), ALLOW (lstat), ALLOW (statx),
  ALLOW (statfs), ALLOW (fstatfs), ALLOW (getdents64), ALLOW (access), ALLOW (faccessat),
  ALLOW (faccessat2), ALLOW (readlink), ALLOW (readlinkat), ALLOW (mkdir), ALLOW (mkdirat),
  ALLOW (rmdir), ALLOW (unlink), ALLOW (unlinkat), ALLOW (rename), ALLOW (renameat),
  ALLOW (renameat2), ALLOW (link), ALLOW (linkat), ALLOW (symlink), ALLOW (symlinkat),
  ALLOW (chmod), ALLOW (fchmod), ALLOW (fchmodat), ALLOW (chown), ALLOW (fchown),
  ALLOW (lchown), ALLOW (fchownat), ALLOW (utime), ALLOW (utimes), ALLOW (utimensat),
  ALLOW (futimesat), ALLOW (truncate), ALLOW (ftruncate), ALLOW (fallocate), ALLOW (fsync),
  ALLOW (fdatasync), ALLOW (sync_file_range), ALLOW (fadvise64), ALLOW (flock),
  ALLOW (copy_file_range), ALLOW (sendfile), ALLOW (umask), ALLOW (getcwd), ALLOW (chdir),
  ALLOW (fchdir),
  ALLOW_IF (mknodat, 2, S_IFMT, S_IFIFO), ALLOW_IF (mknodat, 2, S_IFMT, S_IFSOCK),
  ALLOW_IF (mknodat, 2, S_IFMT, S_IFREG), ALLOW_IF (mknodat, 2, S_IFMT, 0),
  REFUSE_IF (mknodat, EPERM, 2, S_IFMT, S_IFCHR), REFUSE_IF (mknodat, EPERM, 2, S_IFMT, S_IFBLK),
  ALLOW_IF (mknod, 1, S_IFMT, S_IFIFO), ALLOW_IF (mknod, 1, S_IFMT, S_IFSOCK),
  ALLOW_IF (mknod, 1, S_IFMT, S_IFREG), ALLOW_IF (mknod, 1, S_IFMT, 0),
  REFUSE_IF (mknod, EPERM, 1, S_IFMT, S_IFCHR), REFUSE_IF (mknod, EPERM, 1, S_IFMT, S_IFBLK),
};

static const struct allow_list uml_list = ALLOW_LIST (uml_rules);
const struct allow_list *const sandbox_uml_allow[] = { &allow_libc, &uml_list, NULL };
