/* Helpers shared inside runtime/ only. */
#ifndef SILO_RUNTIME_INTERNAL_H
#define SILO_RUNTIME_INTERNAL_H

#include "runtime.h"
#include "../oci/oci.h"
#include "../namespaces/namespaces.h"

/* What silo keeps in <root>/<id>/state.json. */
struct container_state
{
  char *id;
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
  char *cgroup_path; /* NULL when the container has no cgroup */
  char *mode;        /* "container" or "vm" */
  char *backend;     /* sandbox backend in vm mode */
  pid_t pid;
  unsigned long long start_time; /* /proc/PID/stat field 22, against pid reuse */
  char *annotations_json;        /* JSON object text */
  /* Written before create's first host-visible step (the cgroup) and
   * cleared by its last write: a create killed in between shows as
   * "creating", and delete -f finds the cgroup and pid to remove. */
  bool creating;
};

char *state_dir (const struct silo_global *g, const char *id);
int state_validate_id (const char *id, silo_error_t *err);
int state_write (const struct silo_global *g, const struct container_state *st,
                 silo_error_t *err);
/* Fails with "container `ID` does not exist" when there is no such container.
 * A directory without state.json (a create killed before its first write,
 * a delete killed after removing it) reads as a container "creating". */
int state_read (const struct silo_global *g, const char *id, struct container_state **out,
                silo_error_t *err);
/* The config as create read it, kept in the state dir: start, exec, kill
 * and delete use it, never the bundle's file as it may be later. */
int state_save_config (const struct silo_global *g, const char *id, const char *text,
                       silo_error_t *err);
int state_load_config (const struct silo_global *g, const struct container_state *st,
                       struct oci_config **cfg, silo_error_t *err);
void state_free (struct container_state *st);
void state_freep (struct container_state **st);
#define cleanup_state __attribute__ ((cleanup (state_freep)))
int state_status (const struct silo_global *g, const struct container_state *st,
                  enum silo_status *out, silo_error_t *err);
/* The OCI state object for hooks, `state` and the seccomp listener. */
char *state_oci_json (const struct container_state *st, const char *status, bool pretty);
unsigned long long proc_start_time (pid_t pid);
bool pid_alive (pid_t pid, unsigned long long start_time);


/* Wait for pid, forwarding the signals silo receives; with a pty master,
 * relay it to our stdio. Returns the exit status (128+N for a signal). */
int wait_forward (pid_t pid, int pty_master, int *exit_status, silo_error_t *err);
/* A socketpair that stands in for --console-socket when silo itself holds
 * the terminal (foreground run/exec -t without a console socket). */
int console_local_socket (int *ours, int *theirs, silo_error_t *err);
int console_recv_master (int sock, int *master, silo_error_t *err);
/* Connect --console-socket (nothing when path is NULL). */
int connect_console (const char *path, int *fd, silo_error_t *err);

/* Open the cgroup of a container (NULL handle when it has none). */
int open_cgroup (const struct container_state *st, struct cg_handle **h, silo_error_t *err);
/* Kill, wait and remove everything a container left: process, cgroup,
 * state dir; runs poststop hooks. */
int destroy_container (const struct silo_global *g, struct container_state *st,
                       silo_error_t *err);
/* Open the exec fifo and let the container process run. */
int start_created (const struct silo_global *g, struct container_state *st, silo_error_t *err);

int write_pid_file (const char *path, pid_t pid, silo_error_t *err);

/* --- modes (runtime/mode_container.c, runtime/mode_sandbox.c) --- */
/* What differs between container mode and sandbox mode lives behind this
 * one interface (crun's custom handlers, which run krun, are the model);
 * runtime/ dispatches through it, in no `if` on the mode elsewhere. */
struct create_ctx;
struct silo_mode_ops
{
  const char *name; /* state.json's "mode" */
  /* The one device rule the mode's own host processes need in the cgroup
   * (the VMM's /dev/kvm), or NULL. */
  const struct oci_device_rule *device_rule;
  /* The config's resources as the host cgroup should hold them (the mode's
   * own processes are in it too), or NULL to take them as they are. */
  void (*host_resources) (struct oci_resources *r);
  /* Before anything is made, at create (cfg, p = cfg->process) and at exec
   * (cfg NULL): refuse what the mode cannot apply. */
  int (*check) (const struct oci_config *cfg, const struct oci_process *p, struct ns_lsm lsm,
                silo_error_t *err);
  /* Make the workload (or the monitor that stands for it) and leave it
   * waiting at "created", with prestart, createRuntime and createContainer
   * run; c->st.pid set. */
  int (*spawn) (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err);
  /* Let it run; returns once the program has been exec'd (startContainer
   * run), so that poststart comes after. */
  int (*start) (const struct silo_global *g, struct container_state *st, silo_error_t *err);
  /* A signal to the workload; all: every process of it. */
  int (*kill) (const struct silo_global *g, struct container_state *st, enum silo_status status,
               int sig, bool all, silo_error_t *err);
  /* Another process in it, with the caller's stdio or a terminal. */
  int (*exec) (const struct silo_global *g, struct container_state *st,
               const struct oci_config *cfg, const struct oci_process *p,
               const struct silo_exec_opts *o, int *exit_status, silo_error_t *err);
  /* New resources (`silo update`) for a live container whose host cgroup
   * is h (NULL: it has none). */
  int (*update) (const struct silo_global *g, const struct container_state *st,
                 struct cg_handle *h, const struct oci_resources *r, silo_error_t *err);
  /* The workload's counters (`events --stats`): its cgroup's, h, or the
   * guest's container cgroup. */
  int (*stats) (const struct silo_global *g, const struct container_state *st,
                struct cg_handle *h, struct cg_stats *out, silo_error_t *err);
  /* What it made on the host beyond the state dir and the cgroup, removed
   * once its processes are gone (delete, a failed create); NULL if nothing.
   * Idempotent: a create or delete killed half-way may have left some. */
  int (*release) (const char *state_dir, silo_error_t *err);
  /* Its processes (`ps`); its host cgroup is h. */
  int (*ps) (const struct silo_global *g, const struct container_state *st,
             enum silo_status status, struct cg_handle *h, struct silo_ps *out,
             silo_error_t *err);
  /* Freeze or thaw it (`pause`, `resume`); its host cgroup is h. */
  int (*pause) (const struct silo_global *g, const struct container_state *st,
                struct cg_handle *h, bool pause, silo_error_t *err);
};
extern const struct silo_mode_ops silo_mode_container, silo_mode_sandbox;
/* The mode a created container runs in. */
const struct silo_mode_ops *mode_of (const struct container_state *st);

/* Everything a create in progress owns, released by undo_create on failure. */
struct create_ctx
{
  const struct silo_global *g;
  const char *id;
  char *dir;
  struct oci_config *cfg;
  char *config_text; /* the bytes cfg was parsed from, saved in the state dir */
  struct container_state st;
  const struct silo_mode_ops *mode;
  struct ns_lsm lsm; /* the host's enabled LSMs */
  struct cg_handle *cg;
  struct cg_mount *cg_mounts;
  size_t n_cg_mounts;
  int fifo_fd;
  int console_fd;
  int sync_fd;
  bool dir_created;
  struct container_state *pod; /* the sandbox this container joins (pod.c), or NULL */
};

/* Pods (pod.c): the live sandbox whose namespaces cfg joins (named by the
 * CRI annotations, or by its monitor's IPC, UTS or network namespace among
 * cfg's paths), or a container-mode container the CRI annotations name as
 * its sandbox; *pod NULL when none. self: the container being created. */
int pod_find (const struct silo_global *g, const char *self, const struct oci_config *cfg,
              struct container_state **pod, silo_error_t *err);
/* The limits and namespaces a member of pod may have (its memory within
 * the pod's guest, its network the pod's). */
int pod_check_member (const struct silo_global *g, const struct oci_config *cfg,
                      const struct container_state *pod, silo_error_t *err);

/* The "creating" state JSON of a create in progress (hooks). */
char *creating_state (struct create_ctx *c);
/* Signal the container's process (its pid checked against reuse), or with
 * all every process of its cgroup. */
int signal_pid (const struct container_state *st, int sig, silo_error_t *err);
int kill_on_host (const struct container_state *st, int sig, bool all, silo_error_t *err);

int mode_is_vm (const struct silo_global *g, const struct oci_config *cfg, bool *vm,
                silo_error_t *err);

#endif
