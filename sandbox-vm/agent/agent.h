/* silo-agent: the guest side of the agent protocol. It runs as /init in the
 * guest (sandbox-vm/agent/main.c) or, for tests, as an ordinary host process
 * over a socketpair (guest = false: no mounts, no chroot, no hostname). */
#ifndef SILO_SANDBOX_AGENT_H
#define SILO_SANDBOX_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../oci/oci.h"
#include "../../util/error.h"
#include "../protocol.h"

struct agent_opts
{
  int chan;            /* the byte stream to the host */
  bool guest;          /* running as the guest's init */
  const char *fs_type; /* "hostfs" (UML) or "9p" (KVM): how the share is mounted */
  int marker_port;     /* VMM boot-time marker port (KVM), 0 = none */
};

/* Boot-time markers for the VMM's --debug breakdown (sandbox-vm/vmm/vmm.h:
 * the values written to VMM_MARKER_PORT). */
enum agent_marker
{
  AGENT_MARK_READY = 1, /* READY sent to the host */
  AGENT_MARK_EXEC = 2,  /* the container process released into exec */
};
/* Take the port (once, as init, before the chroot) / write one marker. */
int agent_marker_open (int port, silo_error_t *err);
void agent_mark (const struct agent_opts *opts, enum agent_marker m);
/* In a forked child, before exec: the workload gets no port access. */
int agent_marker_drop (silo_error_t *err);

/* Announce READY, serve requests until the main process exits, and return
 * its shell-style exit status (code, or 128+signal); negative on a protocol
 * or channel failure. */
int agent_run (const struct agent_opts *opts, silo_error_t *err);

/* --- internal to the agent --- */

struct agent_proc
{
  uint32_t id;
  pid_t pid;
  bool terminal;
  int in_fd;  /* stdin pipe write end or pty master; -1 when closed */
  int out_fd; /* stdout pipe read end or pty master */
  int err_fd; /* stderr pipe read end; -1 with a terminal */
  int start_fd; /* write end of the start pipe until started, else -1 */
  int exec_err_fd; /* read end of the exec-error pipe until started */
  uint8_t *inq;    /* queued stdin bytes */
  size_t inq_len;
  bool close_in;   /* STDIN_CLOSE seen: close once the queue drains */
  struct agent_proc *next;
};

/* Where a process runs in the guest. A container's main process makes
 * its mount namespace (mnt_fd < 0) and those in new_ns (CLONE_NEWPID for
 * a PID namespace of its own; a pod member may share the first
 * container's instead), and its root from cfg and the tree at base; an
 * exec'd process joins that mount namespace (mnt_fd), and the PID
 * namespace that the agent set for its children before the fork. So the
 * workload is PID 1 of its own namespace, and neither the agent, its
 * channel nor the guest's kernel threads are visible to it. Every process
 * joins the container's cgroup first. */
struct agent_ns
{
  const struct oci_config *cfg;
  int mnt_fd;
  unsigned long new_ns; /* main process: CLONE_NEW* beyond CLONE_NEWNS */
  const char *base;     /* the container's tree in the guest */
  const char *cgroup;   /* its cgroup directory (absolute) */
  const struct proto_shm *shm; /* its /dev/shm a guest tmpfs (agent_guest_shm); may be NULL */
};

/* Fork the process for `p`, in `ns` (NULL: the agent's own namespaces and
 * root, as in the socketpair tests), its stdio on fresh pipes or a pty.
 * Returns once its setup is done (or failed, with the child's message); it
 * then waits for agent_proc_start before applying credentials and calling
 * exec. `cfg` supplies seccomp (may be NULL). */
int agent_proc_spawn (const struct oci_process *p, const struct oci_config *cfg,
                      const struct agent_ns *ns, uint32_t id, struct agent_proc **out,
                      silo_error_t *err);
/* Release the process into exec; fails with the child's message when exec
 * (or the credential setup or a startContainer hook before it) failed.
 * state_json (may be NULL) is the OCI state for the main process's
 * startContainer hooks. */
int agent_proc_start (struct agent_proc *ap, const char *state_json, silo_error_t *err);
void agent_proc_free (struct agent_proc *ap);

/* Guest setup (sandbox-vm/agent/guest.c). */
int agent_guest_early (silo_error_t *err);
/* The first container's tree and cgroup; a pod member's are
 * AGENT_SHARE "/pod/<name>" and AGENT_CGROUP_ROOT "/container-<id>". */
#define AGENT_SHARE "/share"
#define AGENT_CGROUP_ROOT "/cgroup"
#define AGENT_CGROUP_FIRST "container"
/* `events --stats`: the counters of the container's cgroup (its name
 * under AGENT_CGROUP_ROOT). */
struct cg_stats;
int agent_guest_stats (const char *name, struct cg_stats *s, silo_error_t *err);
/* `silo update`: the memory and pids limits of r on the container's cgroup. */
int agent_guest_update (const char *name, const struct oci_resources *r, silo_error_t *err);
/* In the agent: mount the host's share on AGENT_SHARE. */
int agent_guest_mount_share (const char *fs_type, silo_error_t *err);
/* A container's cgroup AGENT_CGROUP_ROOT/name in the guest's cgroup2
 * tree, with the config's linux.resources, as container mode makes it on a
 * v2 host; its processes join it before they enter the container, and its
 * "cgroup" mount shows it. */
int agent_guest_cgroup (const struct oci_config *cfg, const char *name, silo_error_t *err);
/* In the agent, before the container's main process: the guest tmpfs for
 * its /dev/shm (proto_shm), made once per key; a pod's members naming the
 * same key share it. */
int agent_guest_shm (const struct proto_shm *shm, silo_error_t *err);
/* In the main process, in its new mount namespace: the container's root
 * and mounts from the tree at base (mounts[shm->mount] from the guest
 * tmpfs when shm is set), the hostname, and the pivot into the rootfs. */
int agent_guest_enter_root (const struct oci_config *cfg, const char *base, const char *cgroup,
                            const struct proto_shm *shm, silo_error_t *err);

#endif
