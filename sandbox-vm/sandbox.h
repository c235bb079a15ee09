/* Sandbox mode: the container's process runs under its own guest kernel.
 * Two backends share one guest agent and one host<->agent protocol
 * (docs/agent-protocol.md): "kvm" (silo's own VMM on /dev/kvm) and "uml"
 * (user-mode Linux, for hosts without hardware virtualization).
 *
 * The runtime (runtime/) owns state.json, the cgroup, hooks and the exec
 * fifo semantics; this module owns the sandbox process (VMM or UML monitor)
 * whose pid becomes state.pid, and talks to it through a control socket in
 * the container's state directory. */
#ifndef SILO_SANDBOX_H
#define SILO_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "../oci/oci.h"
#include "../util/error.h"

/* The running sandbox a pod member joins (its first container). */
struct sandbox_pod
{
  const char *id;
  const char *dir; /* its state dir */
  pid_t pid;       /* its monitor */
};

struct sandbox_request
{
  const char *id;
  const char *state_dir;  /* the container's directory under --root */
  const char *bundle;     /* absolute */
  const char *rootfs;     /* absolute path of root.path */
  const struct oci_config *cfg;
  const char *config_text; /* the text cfg was parsed from (for the agent) */
  const char *backend;    /* "kvm", "uml" or NULL for automatic */
  int console_socket_fd;  /* connected --console-socket, or -1 */
  const char *cgroup_path; /* container cgroup (cg_open), NULL if none */
  bool debug;
  /* silo is not the host's root: the monitor first makes a user namespace
   * mapping only the user's uid and gid (as 0), and works inside it. */
  bool rootless;
  /* Called with the monitor's pid before the monitor does anything the
   * host can see (cgroup, UML/VMM): a silo killed during the boot leaves a
   * pid that `delete -f` kills. The monitor exits if silo dies first. */
  int (*record_pid) (void *arg, pid_t pid, silo_error_t *err);
  /* Called once the monitor is in its cgroup and namespaces, before the
   * guest's network is read and the guest boots (prestart and
   * createRuntime hooks: an engine's hook may set up the network). */
  int (*namespaces_ready) (void *arg, silo_error_t *err);
  void *record_arg; /* for both */
  const struct sandbox_pod *pod; /* a pod member: sandbox_member_create */
};

/* cli/main.c records silo's own path here before it re-executes from a
 * sealed memfd, so that files installed beside silo can still be found. */
#define SILO_BINARY_ENV "_SILO_BINARY"

/* Start the sandbox and return once the agent reports ready and the
 * workload is prepared but not running (OCI "created"). *pid is the pid of
 * the sandbox process, a child of the caller; its exit status is the
 * workload's (128+N for a signal). The sandbox process's stdio is the
 * caller's stdio, relayed to the workload. Nothing is left behind on error. */
int sandbox_create (const struct sandbox_request *req, pid_t *pid, silo_error_t *err);
/* A pod member (req->pod): the container runs in the pod's guest, with
 * a stand-in process on the host (*pid, a child of the caller, whose exit
 * status is the container's) in req's cgroup. Nothing is left behind on
 * error but what sandbox_member_release removes. */
int sandbox_member_create (const struct sandbox_request *req, pid_t *pid, silo_error_t *err);
/* A pod member's container and tree taken out of its pod (idempotent; a
 * state dir that is no member's: nothing to do). */
int sandbox_member_release (const char *state_dir, silo_error_t *err);
/* Does a pod member's config fit its pod (the pod's config)? Its memory
 * limit within the guest's RAM. */
int sandbox_member_check (const struct oci_config *pod_cfg, const struct oci_config *cfg,
                          silo_error_t *err);
/* Let the prepared workload run; its startContainer hooks run in the guest,
 * in its namespaces, with state_json on stdin. */
int sandbox_start (const char *state_dir, const char *state_json, silo_error_t *err);
/* Pause or resume a pod member's container in its guest (its cgroup's
 * freezer there); nothing for a sandbox's own container, which the host's
 * freezer pauses with its whole VM. */
int sandbox_pause (const char *state_dir, bool pause, silo_error_t *err);
/* The container's processes in the guest, as `ps` in it would see them. */
struct sandbox_proc
{
  pid_t pid, ppid; /* in the container's PID namespace (ppid 0: outside it) */
  uid_t uid;
  char *cmd;
};
int sandbox_ps (const char *state_dir, struct sandbox_proc **out, size_t *n, silo_error_t *err);
/* Deliver a signal to the workload (all = every process in the guest). */
int sandbox_kill (const char *state_dir, int sig, bool all, silo_error_t *err);
/* Run another process in the sandbox with the caller's stdio (or a pty sent
 * to console_socket_fd when p->terminal). Detached: returns at once with
 * *pid of a host process standing for it; else waits and sets *exit_status. */
int sandbox_exec (const char *state_dir, const struct oci_process *p, int console_socket_fd,
                  bool detach, pid_t *pid, int *exit_status, silo_error_t *err);
/* Can a sandbox created from cfg take r? Its guest RAM was fixed at boot:
 * a memory limit beyond what it gives the container is refused. */
int sandbox_check_update (const struct oci_config *cfg, const struct oci_resources *r,
                          silo_error_t *err);
/* New memory and pids limits for the container's cgroup in the guest
 * (`silo update`); the other fields of r are the host cgroup's. */
int sandbox_update (const char *state_dir, const struct oci_resources *r, silo_error_t *err);
/* The counters of the container's cgroup in the guest (`events --stats`). */
struct cg_stats;
int sandbox_stats (const char *state_dir, struct cg_stats *out, silo_error_t *err);
/* Is the workload started (running) yet? */
int sandbox_is_started (const char *state_dir, bool *started, silo_error_t *err);

/* What a sandbox made on the host beyond its state dir and cgroup (taps
 * and traffic filters in the engine's network namespace), removed: at
 * delete and when create fails. Idempotent; nothing to do is not an error. */
int sandbox_net_release (const char *state_dir, silo_error_t *err);

/* The config's resources as a sandbox's host cgroup must hold them: the
 * memory limit (and swap, reservation) grows by what the guest kernel and
 * the host processes need beside the workload, which the guest holds to
 * the limit itself (docs/sandbox.md, "Memory"). */
void sandbox_host_resources (struct oci_resources *r);

/* Backends this host offers, e.g. "kvm,uml" or "uml"; for features/--version. */
const char *sandbox_backends (void);
/* Resolve the backend from the request (annotation silo.sandbox.backend). */
int sandbox_pick_backend (const char *wanted, const char **out, silo_error_t *err);

#endif
