/* The jail of a sandbox's host-side guest process (the UML kernel process
 * tree, the VMM): whatever escapes the guest lands in a process that sees
 * only the guest tree, holds no capability over the host, and cannot
 * reconfigure it. One code path for both backends:
 *
 *   parent (monitor)                 child
 *   sandbox_jail_fork ()  ------->   (backend: stdio, fds, open exe)
 *                                    sandbox_jail_enter ():
 *                                      new mount ns, tmpfs root with the
 *                                      spec's binds, pivot_root, old root
 *                                      detached, root read-only, signals reset
 *                                      unshare (CLONE_NEWUSER) as euid
 *                                      sandbox_jail_id () (its owner), ask ->
 *   sandbox_jail_release (): <-----
 *     uid_map/gid_map (identity)  -->    uid 0 of it, caps dropped, no_new_privs, the
 *                                    spec's seccomp allow list (kill otherwise)
 *                                    (backend: exec UML / run the VMM)
 *
 * Layout of the jail's root (tmpfs, read-only once built):
 *   /guest      the guest tree (JAIL_GUEST)
 *   /dev/null   (and /dev/kvm, /dev/net/tun when asked for)
 *   /kernel     the guest kernel image (JAIL_KERNEL), when given as an fd
 *   /tmp        private tmpfs (UML's memory file and uml_dir), when asked for
 *   <libs>      the loader and libraries of spec->exe, read-only, at their host paths */
#ifndef SILO_SANDBOX_JAIL_H
#define SILO_SANDBOX_JAIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "../../util/error.h"

struct allow_list;

#define JAIL_GUEST "/guest"
#define JAIL_KERNEL "/kernel"
#define JAIL_TMP "/tmp"

struct jail_spec
{
  const char *guest_dir; /* host path of the guest tree, bound at JAIL_GUEST */
  const char *exe;       /* dynamic executable run after the jail (its libs are bound), or NULL */
  const char *kernel;    /* guest kernel, bound read-only at JAIL_KERNEL, or NULL */
  int kernel_fd;         /* the kernel as the monitor opened and checked it: the bind must be
                          * that same file (an fd of the host's mount namespace cannot be
                          * bound from the jail's new one) */
  bool dev_kvm;          /* bind /dev/kvm */
  bool dev_tun;          /* bind /dev/net/tun (UML opens its taps by name) */
  bool tmp;              /* private writable tmpfs at JAIL_TMP */
  const char *role;      /* the seccomp allow list's owner, for errors ("uml", "vmm") */
  const struct allow_list *const *allow; /* the process's allow lists (sandbox-vm/allow.h) */
};

/* fork () with a channel between parent and child: returns the child's pid
 * in the parent, 0 in the child, -1 with *err on failure. *sync_fd is the
 * caller's end (close-on-exec). */
pid_t sandbox_jail_fork (int *sync_fd, silo_error_t *err);

/* Parent: wait for the child to enter its user namespace, map it, let it
 * go on. A child that died before asking is not an error here (its message
 * is in its stderr; the caller sees it exit). On failure the child is killed.
 * Closes sync_fd. */
int sandbox_jail_release (pid_t pid, int sync_fd, silo_error_t *err);

/* Child: confine the calling process as described above. Closes sync_fd. */
int sandbox_jail_enter (const struct jail_spec *spec, int sync_fd, silo_error_t *err);

/* The sandbox's own host uid and gid, JAIL_ID_BASE + the monitor's pid:
 * unprivileged, above the ranges distributions give to users and to
 * systemd's containers (up to 0x6fffffff), and different for every live
 * sandbox. The monitor runs as it once its guest runs, and it owns the
 * jail's user namespace (so that monitor may signal its guest process,
 * which is uid 0 of that namespace, and nothing else of the host's). */
#define JAIL_ID_BASE 0x70000000u
uid_t sandbox_jail_id (void);

/* The monitor, once its guest (guest_pid) runs: what it does from then on
 * (relay the agent's channel and its clients, signal and reap the guest)
 * needs no privilege, so it keeps none: every capability dropped, bounding
 * set included, uid and gid switched to sandbox_jail_id () with no
 * supplementary groups, no_new_privs, and its seccomp allow list
 * (monitor_allow.c), where kill may name the guest only. */
/* keep_uid: the caller's user namespace does not map the sandbox uid (a
 * rootless monitor's maps only the user): it stays as it is, the rest the
 * same. The caller reads that (userns_maps_all_ids) before any pivot. */
int sandbox_jail_monitor (pid_t guest_pid, bool keep_uid, silo_error_t *err);

/* The interpreter and libraries exe needs (host paths, NULL-terminated). */
int jail_elf_deps (const char *exe, char ***paths, silo_error_t *err);

#endif
