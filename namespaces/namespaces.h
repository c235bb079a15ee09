/* Work done inside the container's namespaces: rootfs and mounts, devices,
 * id maps, and the process's final credentials (capabilities, rlimits,
 * seccomp). Everything here runs in the forked container process before
 * exec and reports failures through silo_error_t. */
#ifndef SILO_NAMESPACES_H
#define SILO_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "../oci/oci.h"
#include "../util/error.h"

/* --- seccomp (namespaces/seccomp.c) --- */
struct ns_seccomp; /* a compiled filter */

/* Build the libseccomp filter from linux.seccomp; no syscall is filtered yet.
 * Fails with the field named (unknown syscall names are skipped, as runc does,
 * unknown actions/architectures/flags fail). */
int ns_seccomp_prepare (const struct oci_seccomp *s, struct ns_seccomp **out, silo_error_t *err);
/* Load the filter into the calling process. When the filter uses
 * SCMP_ACT_NOTIFY, *notify_fd receives the listener fd, else -1. */
int ns_seccomp_load (struct ns_seccomp *f, int *notify_fd, silo_error_t *err);
void ns_seccomp_free (struct ns_seccomp *f);
/* Hand the notify fd to linux.seccomp.listenerPath the way runc does: connect
 * to the unix socket and send the container process state JSON
 * {ociVersion, fds:["seccompFd"], pid, metadata, state} with the fd attached
 * (SCM_RIGHTS). `state_json` is the container's OCI state object. */
int ns_seccomp_send_listener (const struct oci_seccomp *s, int notify_fd, pid_t pid,
                              const char *state_json, silo_error_t *err);

/* --- OCI hooks (namespaces/hooks.c): the runtime's and, in container
 * mode, the container process's (createContainer, startContainer), and the
 * sandbox guest agent's (startContainer) --- */
/* Run each hook with state_json on stdin, honouring its timeout; the first
 * failure is returned (prestart, createRuntime, createContainer,
 * startContainer). */
int ns_hooks_run (const struct oci_hook_list *hooks, const char *state_json, const char *kind,
                  silo_error_t *err);
/* Poststart/poststop: failures are warnings (runtime-spec). */
void ns_hooks_run_warn (const struct oci_hook_list *hooks, const char *state_json,
                        const char *kind);
/* As ns_hooks_run, from a child that has joined the IPC, UTS, network and
 * mount namespaces of pid (a sandbox's createContainer hooks, in its
 * monitor's: the host side of the container's namespaces). */
int ns_hooks_run_in (pid_t pid, const struct oci_hook_list *hooks, const char *state_json,
                     const char *kind, silo_error_t *err);

/* --- paths in the rootfs (namespaces/mounts.c) --- */
/* Open `path` (absolute inside the container) below rootfd without ever
 * leaving the rootfs (symlinks resolve inside it), creating missing
 * directories when create, and the last component as a directory or an
 * empty file (as_file). Returns an O_PATH fd. */
int ns_open_in_root (int rootfd, const char *path, bool create, bool as_file,
                     silo_error_t *err);

struct cg_mount;
/* Mount every entry of config.json mounts[] below rootfd (the rootfs),
 * resolving each destination inside it. A "cgroup" mount binds cg_mounts
 * (one entry named "" for a v2 tree, else one per v1 hierarchy). A bind
 * whose mount_fds[i] is >= 0 attaches that detached tree (from
 * ns_mount_fds_open) instead of its source; mount_fds may be NULL. Also
 * the sandbox guest's, with its bind sources rewritten to the guest's
 * share. */
int ns_do_mounts (int rootfd, const struct oci_config *cfg, const int *mount_fds,
                  const struct cg_mount *cg_mounts, size_t n_cg_mounts, silo_error_t *err);

/* --- bind sources taken on the host (namespaces/mount_fds.c) --- */
/* A detached copy of src for the bind mount m (recursive with rbind),
 * idmapped when m is (its own mappings, else cfg's user namespace's). */
int ns_mount_source_open (const struct oci_config *cfg, const struct oci_mount *m, const char *src,
                          silo_error_t *err);
/* Before the container's user namespace exists, in the host's mount
 * namespace: (*fds)[i] is ns_mount_source_open of mounts[i] for an
 * idmapped bind and, with a new user namespace and a runtime that is the
 * host's root, for every bind (a source below a directory only the host's
 * root may search stays reachable, as in runc and crun); -1 for the
 * others. */
int ns_mount_fds_open (const struct oci_config *cfg, bool rootless, int **fds, silo_error_t *err);
void ns_mount_fds_close (int *fds, size_t n);
/* After pivot: sysctl, masked and read-only paths, read-only root. */
int ns_finish_rootfs (const struct oci_config *cfg, silo_error_t *err);

/* --- the program (namespaces/process.c) --- */
/* In the container's root, before the credentials change: chdir to
 * process.cwd (refused unless inside the root), resolve args[0] in the
 * process's PATH (a missing program fails here, at create, not after
 * start) and make the environment to exec with (HOME from the container's
 * /etc/passwd when process.env has none; *env's array is the caller's to
 * free, its strings are p's but HOME). */
int ns_resolve_exec (const struct oci_process *p, char **exec_path, char ***env,
                     silo_error_t *err);

/* --- LSM labels (namespaces/lsm.c) --- */
/* Which LSMs are enabled on this host (read on the host, before any
 * pivot). */
struct ns_lsm
{
  bool apparmor, selinux;
};
struct ns_lsm ns_lsm_detect (void);
/* Before anything is made: the labels of p (and cfg's mount label, cfg
 * may be NULL) are refused where they cannot be honoured: their LSM not
 * enabled, an SELinux mount label, any label in sandbox mode. */
int ns_lsm_check (const struct oci_config *cfg, const struct oci_process *p, struct ns_lsm lsm,
                  bool sandbox, silo_error_t *err);
/* In the container process, before the capabilities go: the exec labels of
 * the enabled LSMs. */
int ns_lsm_apply_exec (const struct oci_process *p, struct ns_lsm lsm, silo_error_t *err);

/* --- terminal (namespaces/console.c) --- */
/* Pty for process.terminal, made from the /dev/ptmx of the calling process's
 * mount namespace: the master goes over console_socket_fd (SCM_RIGHTS, data
 * "/dev/ptmx"), the slave becomes stdio and the controlling terminal, and is
 * bound on /dev/console when mount_console. */
int ns_setup_console (int console_socket_fd, const struct oci_process *p, bool mount_console,
                      silo_error_t *err);

/* --- scheduling and personality (namespaces/sched.c) --- */
/* process.scheduler (sched_setattr) and process.ioPriority (ioprio_set) on
 * the calling process. As runc: after rlimits and no_new_privs, before
 * seccomp and the capability drop (SCHED_FIFO, SCHED_RR, a negative nice
 * and IOPRIO_CLASS_RT need CAP_SYS_NICE / CAP_SYS_ADMIN). */
int ns_apply_sched (const struct oci_process *p, silo_error_t *err);
/* The calling thread's CPU affinity (process.execCPUAffinity's initial,
 * in the runtime before an exec'd process joins the cgroup; its final, in
 * that process after). field names it in errors. */
int ns_set_cpu_affinity (const cpu_set_t *cpus, const char *field, silo_error_t *err);
/* linux.personality, after the capabilities are set (as runc). */
int ns_apply_personality (const struct oci_config *cfg, silo_error_t *err);
/* linux.memoryPolicy: set_mempolicy (2) of the calling process (its
 * children and the program it executes keep it). */
int ns_apply_memory_policy (const struct oci_config *cfg, silo_error_t *err);

/* --- credentials (namespaces/caps.c) --- */
int ns_apply_rlimits (const struct oci_process *p, silo_error_t *err);
/* Give stdio (not /dev/null) to uid before the credentials change, as runc. */
int ns_fix_stdio_owner (uid_t uid, silo_error_t *err);
/* Drop the bounding set to process.capabilities.bounding, switch to
 * user.uid/gid/additionalGids (keeping capabilities across the switch), set
 * umask, then set effective/permitted/inheritable and raise ambient. With no
 * capabilities object in the config, all capabilities are dropped. */
int ns_apply_user_caps (const struct oci_process *p, silo_error_t *err);
/* CAP_* number for "CAP_SYS_ADMIN"; -1 when unknown. */
int ns_cap_from_name (const char *name);

/* --- /dev (namespaces/devices.c), also the sandbox guest's --- */
/* Under the root rootfd (an O_PATH fd): default and configured devices,
 * the /dev/fd, stdin, stdout, stderr and core links, ptmx. */
int ns_create_devices (int rootfd, const struct oci_config *cfg, bool in_userns,
                       silo_error_t *err);

/* --- network (namespaces/net.c), also the sandbox guest's --- */
/* Bring lo up in the caller's network namespace, over netlink. */
int ns_loopback_up (silo_error_t *err);
/* Runtime side, once pid has its network namespace: move each of
 * linux.netDevices into it, renamed, with its addresses and up state; a
 * device whose checks fail (none on the host, name taken) stays where it
 * was. */
int ns_move_net_devices (pid_t pid, const struct oci_linux *l, silo_error_t *err);
/* A netlink (route) socket of the network namespace netns_fd, made by a
 * short-lived thread that joins it (a socket keeps the namespace it was
 * made in); the caller's thread never leaves its own namespace. */
struct nl_sock;
int ns_netlink_socket_at (int netns_fd, struct nl_sock **out, silo_error_t *err);

/* --- a network namespace described for a guest kernel (namespaces/netdesc.c) --- */
struct ns_net_link
{
  char name[16]; /* IFNAMSIZ */
  int ifindex;
  unsigned char mac[6];
  unsigned mtu;
  bool up;
};
/* The caller's namespace's Ethernet interfaces but lo and silo's own taps
 * (named *_silo); *out is the caller's. */
int ns_net_links (struct ns_net_link **out, size_t *n, silo_error_t *err);
/* Those links, with their addresses and the main table's routes through
 * them, as JSON for ns_net_apply (format: netdesc.c, docs/networking.md). */
int ns_net_describe (const struct ns_net_link *links, size_t n, char **out, silo_error_t *err);
/* In the guest: each described link found by its MAC, renamed, MTU set, up
 * if it was, addresses and routes added. The text is untrusted input. */
int ns_net_apply (const char *desc, size_t len, silo_error_t *err);

/* --- the container process (namespaces/spawn.c, namespaces/process.c) --- */
#include "../cgroups/cgroups.h"

struct ns_spawn_config
{
  const struct oci_config *cfg;
  const struct oci_process *process; /* cfg->process for create, another for exec */
  const char *id;
  const char *rootfs;      /* absolute host path (create only) */
  int exec_fifo_fd;        /* O_PATH fd of exec.fifo: wait on it before exec (create) */
  int console_socket_fd;   /* connected --console-socket, or -1 */
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  const struct cg_mount *cg_mounts;
  size_t n_cg_mounts;
  const int *mount_fds;    /* ns_mount_fds_open's, cfg->n_mounts of them, or NULL */
  bool rootless;           /* the runtime is not the host's root: no device nodes */
  pid_t join_pid;          /* exec: join the namespaces of this process */
  struct ns_lsm lsm;       /* ns_lsm_detect () on the host */
  /* With cg_self_join (fds from cg_join_fds), the caller does not cg_enter:
   * the first process forked is cloned into cg_v2_fd (if >= 0) and, first
   * thing, writes "0" to each of cg_tasks_fds; what it forks inherits that. */
  bool cg_self_join;
  int cg_v2_fd;
  const int *cg_tasks_fds;
  size_t n_cg_tasks_fds;
};

/* A config without a mount namespace (container mode): runs, entered
 * with chroot, unless it asks for what would be mounted or made in the
 * host's mount namespace (mounts, masked or read-only paths, devices, a
 * read-only root, rootfsPropagation): that is refused, naming the field. */
int ns_check_without_mount_ns (const struct oci_config *cfg, silo_error_t *err);

/* Fork the container process (create) or a process joining join_pid's
 * namespaces (exec). It waits for NS_SYNC_GO on *sync_fd: the caller writes
 * id maps and joins the cgroup first. *pid is a child of the caller. */
int ns_spawn (const struct ns_spawn_config *c, pid_t *pid, int *sync_fd, silo_error_t *err);
/* Write uid_map/gid_map (and setgroups) of a new user namespace. */
int ns_write_id_maps (pid_t pid, const struct oci_linux *l, silo_error_t *err);

/* Create, inside the host directory rootfs, the mount points of config.json
 * mounts that are not nested in an earlier mount, as runc does before a
 * read-only root, and process.cwd unless a mount covers it. Resolution
 * never leaves rootfs. */
int ns_make_mount_points (const char *rootfs, const struct oci_config *cfg, silo_error_t *err);

#endif
