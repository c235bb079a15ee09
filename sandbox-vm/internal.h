/* Helpers shared by the host side of sandbox-vm/; never included elsewhere. */
#ifndef SILO_SANDBOX_INTERNAL_H
#define SILO_SANDBOX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/oci.h"
#include "../util/error.h"
#include "protocol.h"
#include "sandbox.h"

#define SANDBOX_SOCK "sandbox.sock"
#define SANDBOX_LOG "sandbox.log"
#define SANDBOX_GUEST_DIR "guest"
/* How long the guest agent has to report ready, from the guest's launch.
 * Well above a boot on VT-x/AMD-V (tenths of a second) or UML (~1.5 s),
 * it leaves room for slow hosts: nested virtualization, emulation. */
#define SANDBOX_READY_TIMEOUT_S 30
#define SANDBOX_READY_TIMEOUT_MAX_S 3600

struct sandbox_net;

/* A way to boot the guest. launch() runs in the monitor, after the guest tree
 * exists: it starts the guest (a child of the monitor) and returns the host
 * end of the agent channel. */
struct sandbox_backend_ops
{
  const char *name;
  /* 0 when usable here, else a negative error saying why not. */
  int (*probe) (silo_error_t *err);
  int (*launch) (const struct sandbox_request *req, const char *guest_dir, uint64_t mem_bytes,
                 struct sandbox_net *net, int log_fd, pid_t *pid, int *agent_fd,
                 silo_error_t *err);
};

const struct sandbox_backend_ops *sandbox_backend_get (const char *name);
extern const struct sandbox_backend_ops sandbox_uml_ops;
extern const struct sandbox_backend_ops sandbox_kvm_ops;

/* The sandbox's NICs (sandbox-vm/net.c): one tap per Ethernet interface
 * of the monitor's network namespace, joined to it by TC redirects. */
struct sandbox_nic
{
  char dev[16]; /* the engine's interface (IFNAMSIZ) */
  char tap[16]; /* tapN_silo */
  int tap_fd;   /* IFF_TAP | IFF_NO_PI | IFF_VNET_HDR; the tap lives while it is open */
  unsigned char mac[6];
  unsigned mtu;
  bool made_qdisc; /* the interface's ingress qdisc is silo's */
};
struct sandbox_net
{
  struct sandbox_nic *nics;
  size_t n;
  char *desc; /* for the agent: ns_net_describe's JSON */
};
/* In the monitor, in the container's network namespace, before launch:
 * taps, filters, description; recorded in the state dir first. */
int sandbox_net_setup (const struct sandbox_request *req, struct sandbox_net *net,
                       silo_error_t *err);
void sandbox_net_close_taps (struct sandbox_net *net);
void sandbox_net_free (struct sandbox_net *net);

/* Guest memory from linux.resources.memory.limit (docs/sandbox.md). */
int sandbox_guest_mem (const struct oci_config *cfg, uint64_t *out, silo_error_t *err);
/* Seconds the agent has to report ready: annotation
 * silo.sandbox.ready_timeout, else SANDBOX_READY_TIMEOUT_S. */
int sandbox_ready_timeout (const struct oci_config *cfg, int *seconds, silo_error_t *err);
/* Guest vCPUs from linux.resources.cpu: ceil(quota / period), else the size
 * of the cpuset, else 1; never more than the host's online CPUs. */
#define SANDBOX_VCPUS_MAX 64 /* the guest kernel's NR_CPUS */
int sandbox_guest_vcpus (const struct oci_config *cfg, int *out, silo_error_t *err);

/* The guest kernel, opened: annotation silo.vm.kernel only when the file
 * lies in SANDBOX_KERNEL_DIR or a directory of $SILO_VM_KERNEL_DIRS (the
 * host admin's, colon-separated); else $SILO_GUEST_KERNEL, else
 * SANDBOX_KERNEL_DIR/vmlinux. *path is for messages. */
#define SANDBOX_KERNEL_DIR "/usr/local/lib/silo"
int sandbox_guest_kernel_open (const struct oci_config *cfg, int *fd, const char **path,
                               silo_error_t *err);
/* Annotation silo.vm.ksm = true|false (default false): guest RAM may be
 * merged with other processes' pages (a cross-tenant side channel). */
int sandbox_ksm (const struct oci_config *cfg, bool *on, silo_error_t *err);

/* The monitor's guest tree under <state_dir>/guest: a private tmpfs with the
 * agent as init, rootfs/ (the container root, read-only when asked) and
 * binds/N for every bind mount N of the config but the engine's /dev/shm,
 * which *shm describes for the agent (protocol.h). */
int sandbox_guest_tree (const struct sandbox_request *req, bool with_agent, char **guest_dir,
                        struct proto_shm *shm, silo_error_t *err);
/* A read-only bind of src at guest_dir/name (a backend's extra files). */
int sandbox_guest_tree_bind (const char *guest_dir, const char *src, const char *name,
                             silo_error_t *err);

/* For a process that relays its stdin to the guest: ignore SIGTTIN and
 * SIGTTOU. In a background job whose stdin is the terminal (under
 * timeout(1), say), reading would stop the relay with SIGTTIN, and all
 * output with it; ignored, the read fails with EIO and the workload's stdin
 * is closed, as at end of file. */
void sandbox_relay_ignore_tty_stops (void);

/* The static silo-agent binary, read from beside silo; *data is the caller's. */
int sandbox_agent_load (char **data, size_t *len, silo_error_t *err);

/* The monitor's side of create, on sync_fd: SANDBOX_SYNC_NS_READY once it
 * has its cgroup and namespaces, then it waits for SANDBOX_SYNC_GO; at the
 * end "" (created) or an error message, NUL-terminated, which never starts
 * with SANDBOX_SYNC_NS_READY. */
#define SANDBOX_SYNC_NS_READY '\001'
#define SANDBOX_SYNC_GO 'g'
/* The monitor: never returns; exits with the workload's status. sync_fd gets
 * "" once the workload is created or an error message. */
__attribute__ ((noreturn)) void sandbox_monitor_main (const struct sandbox_request *req,
                                                      const char *backend, const char *config_text,
                                                      int sync_fd);

/* Control socket: "/proc/self/fd/N/sandbox.sock"-style address of a state
 * dir (a pod member's is a link to its pod's); *id (if non-NULL): the
 * container's id there (0, or a pod member's, from SANDBOX_MEMBER). */
int sandbox_ctl_connect (const char *state_dir, uint32_t *id, silo_error_t *err);
/* Send one request for container id on r's fd and wait for its OK
 * (payload copied to *reply if non-NULL). Frames that came after the reply
 * stay buffered in r. */
int sandbox_ctl_request (struct proto_reader *r, uint32_t type, uint32_t id, const void *data,
                         size_t len, char **reply, silo_error_t *err);
/* Connect, one request for the state dir's container, close. */
int sandbox_ctl_simple (const char *state_dir, uint32_t type, const void *data, size_t len,
                        char **reply, silo_error_t *err);

struct sandbox_relay;

/* A pod member's record in its state dir (member.c): JSON {"id": its id
 * in the pod's monitor, "pod_dir", "pod_pid"}. */
#define SANDBOX_MEMBER "member"

/* sandbox_create's and the member's common start: fork child_main (req,
 * arg, sync_fd) once silo has recorded the child (req->record_pid), run the
 * hooks when it reports its namespaces ready, and wait for "created"; *pid
 * is the child's. On failure the child is killed and reaped. */
int sandbox_spawn_child (const struct sandbox_request *req,
                         void (*child_main) (const struct sandbox_request *, const void *, int),
                         const void *arg, pid_t *pid, silo_error_t *err);
/* The stdio of a relayed process: the caller's, or with p->terminal a new
 * host pty whose master goes to console_socket_fd (*slave then). */
int sandbox_relay_stdio (const struct oci_process *p, int console_socket_fd,
                         struct sandbox_relay *r, int *slave, silo_error_t *err);
/* A signalfd for SIGWINCH of the terminal tty (-1: none, see sandbox.c). */
int sandbox_watch_resizes (int tty);
/* Relay r over the control connection rd until EXIT: the status. */
int sandbox_exec_relay (struct proto_reader *rd, struct sandbox_relay *r, int tty, int winch,
                        silo_error_t *err);

/* oci_process -> OCI process JSON (for EXEC). */
char *sandbox_process_json (const struct oci_process *p);

/* Stdio relay between local fds and process `id` over a framed stream. */
struct procview;
struct sandbox_relay
{
  int in_fd;  /* read: becomes STDIN frames; -1 when done */
  int out_fd; /* STDOUT frames go here */
  int err_fd; /* STDERR frames go here */
  uint32_t id;
  struct procview *view; /* a pod member's process view, served meanwhile */
  uint32_t view_id;      /* the member's id, for its CTL_PS */
};
/* Queue what in_fd has on q; at EOF queue STDIN_CLOSE and set in_fd = -1.
 * The caller flushes q. */
int sandbox_relay_input (struct sandbox_relay *r, struct proto_outq *q, silo_error_t *err);
/* Write an agent STDOUT/STDERR frame to the local fds. */
void sandbox_relay_output (struct sandbox_relay *r, const struct proto_msg *m);
/* A host pty pair for process.terminal: the master goes to console_fd
 * (SCM_RIGHTS, as runc does); *slave is raw and is what gets relayed. */
int sandbox_console_pty (int console_fd, int *slave, silo_error_t *err);

#endif
