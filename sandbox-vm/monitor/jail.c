/* The jail of a sandbox's guest process (jail.h has the sequence and the
 * layout). Its last step is the seccomp allow list the backend names in
 * the spec (sandbox-vm/allow.h; the lists: UML's in
 * backends/uml_allow.c, the VMM's in vmm/confine.c, the monitor's in
 * monitor_allow.c); anything else kills the process. Guest syscalls under
 * UML are emulated through PTRACE_SYSEMU, which the kernel reports before
 * seccomp runs, so they never meet this filter; only host-side calls do. */
#include "jail.h"
#include "../allow.h"
#include "../../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

/* Where the jail's root is built, in the child's own mount namespace only
 * (the host's directory there is hidden from that child and nobody else). */
#define JAIL_BUILD "/tmp"
#define JAIL_OLD "/.old-root"
/* The child's user namespace maps every uid and gid to itself (see
 * docs/sandbox.md: hostfs/9p keep the rootfs' owners as they are). */
#define JAIL_IDMAP "0 0 4294967295\n"
/* Rootless, the monitor's namespace maps only the user, as 0. */
#define JAIL_IDMAP_ROOTLESS "0 0 1\n"
#define JAIL_ASK 'u'
#define JAIL_GO 'g'

/* hostfs and 9p need file ownership and access; nothing else. Without
 * CAP_MKNOD a guest cannot create device nodes through its share. These are
 * capabilities of the jail's user namespace: they act on the files of the
 * jail's tree and on nothing the host's namespaces own. */
static int
drop_bounding_but (const cap_value_t *keep, size_t n, silo_error_t *err)
{
  for (int c = 0; c <= CAP_LAST_CAP; c++)
    {
      bool kept = false;
      for (size_t i = 0; i < n; i++)
        kept |= keep[i] == c;
      if (!kept && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return silo_make_error (err, errno, "drop capability %d", c);
    }
  return 0;
}

/* The process's sets become keep (the bounding set must be narrowed
 * before), and no_new_privs. */
static int
set_caps (const cap_value_t *keep, size_t n, silo_error_t *err)
{
  cap_t caps;
  int ret;

  caps = cap_init ();
  if (n > 0)
    {
      cap_set_flag (caps, CAP_EFFECTIVE, (int) n, keep, CAP_SET);
      cap_set_flag (caps, CAP_PERMITTED, (int) n, keep, CAP_SET);
    }
  ret = cap_set_proc (caps);
  cap_free (caps);
  if (ret < 0)
    return silo_make_error (err, errno, "set capabilities");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "prctl NO_NEW_PRIVS");
  return 0;
}

static int
drop_caps (silo_error_t *err)
{
  static const cap_value_t keep[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                      CAP_FOWNER, CAP_FSETID };
  if (drop_bounding_but (keep, ARRAY_SIZE (keep), err) < 0)
    return -1;
  return set_caps (keep, ARRAY_SIZE (keep), err);
}

/* Read before any pivot (the monitor's /proc is the host's then): a
 * rootless monitor's user namespace maps only the user, as 0; there is no
 * sandbox uid to take, and the jail can map only that one. */
uid_t
sandbox_jail_id (void)
{
  if (!userns_maps_all_ids ())
    return geteuid ();
  return (uid_t) (JAIL_ID_BASE + (unsigned) getpid ());
}

/* Host uid and gid: the sandbox's own; no supplementary group. The
 * capabilities to do it are dropped right after. */
static int
become_jail_id (silo_error_t *err)
{
  uid_t id = (uid_t) (JAIL_ID_BASE + (unsigned) getpid ());

  if (setgroups (0, NULL) < 0 || setresgid (id, id, id) < 0 || setresuid (id, id, id) < 0)
    return silo_make_error (err, errno, "switch to uid and gid %u", (unsigned) id);
  return 0;
}

int
sandbox_jail_monitor (pid_t guest_pid, bool keep_uid, silo_error_t *err)
{
  if (drop_bounding_but (NULL, 0, err) < 0 || prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0
      || (!keep_uid && become_jail_id (err) < 0) || set_caps (NULL, 0, err) < 0)
    return silo_error_wrap (err, "monitor");
  return monitor_allow_load (guest_pid, err);
}

/* Nothing the monitor set up for itself (blocked signals for its signalfd,
 * SIGPIPE and terminal stops ignored) reaches UML or the VMM. */
static int
reset_signals (silo_error_t *err)
{
  sigset_t none;
  int sig;

  for (sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL); /* fails for the C library's reserved ones: fine */
  sigemptyset (&none);
  if (sigprocmask (SIG_SETMASK, &none, NULL) < 0)
    return silo_make_error (err, errno, "reset the signal mask");
  return 0;
}

/* One bind into the jail: src, opened before the root was covered. */
struct jail_bind
{
  int fd;
  const char *dst;
  bool dir, ro;
};

static int
bind_one (const struct jail_bind *b, silo_error_t *err)
{
  cleanup_free char *src = NULL, *dst = NULL, *parent = NULL;
  unsigned long ro = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
  int fd;

  xasprintf (&src, "/proc/self/fd/%d", b->fd);
  xasprintf (&dst, JAIL_BUILD "%s", b->dst);
  parent = xstrdup (dst);
  *strrchr (parent, '/') = '\0';
  if (mkdir_p (parent, 0755, err) < 0)
    return -1;
  if (b->dir)
    fd = mkdir (dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
  else if ((fd = open (dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) >= 0)
    close (fd);
  if (fd < 0)
    return silo_make_error (err, errno, "jail: create `%s`", b->dst);
  if (mount (src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
    return silo_make_error (err, errno, "jail: bind `%s`", b->dst);
  if (b->ro && mount (NULL, dst, NULL, ro, NULL) < 0)
    return silo_make_error (err, errno, "jail: remount `%s` read-only", b->dst);
  return 0;
}

static int
open_src (struct jail_bind *b, const char *src, const char *dst, bool dir, bool ro,
          silo_error_t *err)
{
  b->fd = open (src, O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
  b->dst = dst;
  b->dir = dir;
  b->ro = ro;
  if (b->fd < 0)
    return silo_make_error (err, errno, "jail: open `%s`", src);
  return 0;
}

/* The file at path (opened again in the jail's mount namespace) is still
 * the one checked through checked_fd. */
static int
same_file (int checked_fd, int fd, const char *path, silo_error_t *err)
{
  struct stat a, b;

  if (fstat (checked_fd, &a) < 0 || fstat (fd, &b) < 0)
    return silo_make_error (err, errno, "jail: stat `%s`", path);
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    return silo_make_error (err, ESTALE, "jail: `%s` was replaced while the sandbox started", path);
  return 0;
}

/* The sources, opened while the host's tree is still the child's. */
static int
open_sources (const struct jail_spec *spec, char **libs, struct jail_bind *b, size_t *n,
              silo_error_t *err)
{
  if (open_src (&b[(*n)++], spec->guest_dir, JAIL_GUEST, true, false, err) < 0
      || open_src (&b[(*n)++], "/dev/null", "/dev/null", false, false, err) < 0)
    return -1;
  if (spec->dev_kvm && open_src (&b[(*n)++], "/dev/kvm", "/dev/kvm", false, false, err) < 0)
    return -1;
  if (spec->dev_tun
      && open_src (&b[(*n)++], "/dev/net/tun", "/dev/net/tun", false, false, err) < 0)
    return -1;
  if (spec->kernel != NULL
      && (open_src (&b[(*n)++], spec->kernel, JAIL_KERNEL, false, true, err) < 0
          || same_file (spec->kernel_fd, b[*n - 1].fd, spec->kernel, err) < 0))
    return -1;
  for (size_t i = 0; libs && libs[i]; i++)
    if (open_src (&b[(*n)++], libs[i], libs[i], false, true, err) < 0)
      return -1;
  return 0;
}

static int
build_root (const struct jail_spec *spec, struct jail_bind *b, size_t n, silo_error_t *err)
{
  if (mount ("tmpfs", JAIL_BUILD, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
    return silo_make_error (err, errno, "jail: mount its root");
  for (size_t i = 0; i < n; i++)
    if (bind_one (&b[i], err) < 0)
      return -1;
  if (spec->tmp
      && (mkdir (JAIL_BUILD JAIL_TMP, 0700) < 0
          || mount ("tmpfs", JAIL_BUILD JAIL_TMP, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0))
    return silo_make_error (err, errno, "jail: mount " JAIL_TMP);
  if (mkdir (JAIL_BUILD JAIL_OLD, 0700) < 0)
    return silo_make_error (err, errno, "jail: mkdir " JAIL_OLD);
  return 0;
}

static int
pivot (silo_error_t *err)
{
  if (syscall (SYS_pivot_root, JAIL_BUILD, JAIL_BUILD JAIL_OLD) < 0)
    return silo_make_error (err, errno, "jail: pivot_root");
  if (chdir ("/") < 0)
    return silo_make_error (err, errno, "jail: chdir /");
  if (umount2 (JAIL_OLD, MNT_DETACH) < 0)
    return silo_make_error (err, errno, "jail: detach the host's root");
  if (rmdir (JAIL_OLD) < 0)
    return silo_make_error (err, errno, "jail: rmdir " JAIL_OLD);
  if (mount (NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
    return silo_make_error (err, errno, "jail: remount its root read-only");
  return 0;
}

/* The sandbox's uid (sandbox_jail_id) as the monitor computed it before
 * it forked this child, which may be pid 1 of its own pid namespace. */
static uid_t jail_owner;

/* A change of effective uid away from 0 empties the effective set; what
 * is left to do before the namespace exists (unshare itself, on kernels
 * that restrict unprivileged user namespaces) needs it back. */
static int
raise_effective_caps (void)
{
  cap_t caps = cap_get_proc ();
  int ret = caps == NULL ? -1 : 0;

  if (ret == 0)
    ret = cap_fill (caps, CAP_EFFECTIVE, CAP_PERMITTED) < 0 ? -1 : cap_set_proc (caps);
  cap_free (caps);
  return ret;
}

/* The namespace is made with the sandbox's own uid as effective uid, which
 * makes that uid its owner (the monitor, once it runs as it, may then
 * signal this process); the process itself is uid 0 of the namespace
 * again once it is mapped. */
static int
enter_userns (int sync_fd, silo_error_t *err)
{
  char c = JAIL_ASK;

  if (setresuid ((uid_t) -1, jail_owner, (uid_t) -1) < 0 || raise_effective_caps () < 0)
    return silo_make_error (err, errno, "jail: take the sandbox's uid");
  if (unshare (CLONE_NEWUSER) < 0)
    return silo_make_error (err, errno, "jail: unshare the user namespace");
  if (write (sync_fd, &c, 1) != 1)
    return silo_make_error (err, errno, "jail: ask for the user namespace's mappings");
  if (read (sync_fd, &c, 1) != 1 || c != JAIL_GO)
    return silo_make_error (err, EPROTO, "jail: the monitor did not map the user namespace");
  if (setresuid (0, 0, 0) < 0)
    return silo_make_error (err, errno, "jail: become uid 0 of its user namespace");
  return 0;
}

int
sandbox_jail_enter (const struct jail_spec *spec, int sync_fd, silo_error_t *err)
{
  cleanup_strv char **libs = NULL;
  struct jail_bind b[32];
  size_t n = 0;
  int ret = -1;

  if (spec->allow == NULL || spec->role == NULL)
    return silo_make_error (err, EINVAL, "jail: no seccomp allow list");
  if (spec->exe && jail_elf_deps (spec->exe, &libs, err) < 0)
    return silo_error_wrap (err, "jail");
  if (libs && strv_len (libs) > ARRAY_SIZE (b) - 4)
    return silo_make_error (err, E2BIG, "jail: `%s` needs too many libraries", spec->exe);
  if (unshare (CLONE_NEWNS) < 0)
    return silo_make_error (err, errno, "jail: unshare the mount namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return silo_make_error (err, errno, "jail: make / private");
  if (open_sources (spec, libs, b, &n, err) == 0 && build_root (spec, b, n, err) == 0)
    ret = pivot (err);
  for (size_t i = 0; i < n; i++)
    if (b[i].fd >= 0)
      close (b[i].fd);
  if (ret < 0 || reset_signals (err) < 0 || enter_userns (sync_fd, err) < 0)
    return -1;
  close (sync_fd);
  if (drop_caps (err) < 0)
    return -1;
  return allow_load (spec->role, spec->allow, err);
}

pid_t
sandbox_jail_fork (int *sync_fd, silo_error_t *err)
{
  int sv[2];
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return silo_make_error (err, errno, "jail: socketpair");
  jail_owner = sandbox_jail_id ();
  pid = fork ();
  if (pid < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return silo_make_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      close (sv[0]);
      /* Out of the way of the stdio and channel fds a backend dup2s. */
      *sync_fd = fcntl (sv[1], F_DUPFD_CLOEXEC, 10);
      close (sv[1]);
      return 0;
    }
  close (sv[1]);
  *sync_fd = sv[0];
  return pid;
}

static int
write_map (pid_t pid, const char *file, silo_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  const char *map = userns_maps_all_ids () ? JAIL_IDMAP : JAIL_IDMAP_ROOTLESS;

  xasprintf (&path, "/proc/%d/%s", (int) pid, file);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, map, strlen (map)) < 0)
    return silo_make_error (err, errno, "jail: write `%s`", path);
  return 0;
}

int
sandbox_jail_release (pid_t pid, int sync_fd, silo_error_t *err)
{
  cleanup_close int fd = sync_fd;
  char c;
  ssize_t n = TEMP_FAILURE_RETRY (read (fd, &c, 1));

  if (n <= 0)
    return 0; /* the child failed before; its stderr says why */
  if (c != JAIL_ASK)
    {
      silo_make_error (err, EPROTO, "jail: unexpected request from the guest process");
      goto kill;
    }
  if (write_map (pid, "uid_map", err) < 0 || write_map (pid, "gid_map", err) < 0)
    goto kill;
  c = JAIL_GO;
  if (write (fd, &c, 1) != 1)
    return 0; /* the child died meanwhile */
  return 0;
kill:
  kill (pid, SIGKILL);
  TEMP_FAILURE_RETRY (waitpid (pid, NULL, 0));
  return -1;
}
