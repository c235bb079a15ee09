/* Sandbox mode: the workload runs in a guest kernel; on the host, a
 * monitor stands for it (sandbox-vm/, the only place runtime/ reaches it
 * from). */
#include "internal.h"
#include "../sandbox-vm/sandbox.h"
#include "../util/utils.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* In sandbox mode the host cgroup holds the VMM, not the workload: the
 * device policy is the guest's, and the VMM needs /dev/kvm. */
static const struct oci_device_rule dev_kvm = { true, 'c', 10, 232, "rwm" };

/* The pids limit is the workload's: the guest applies it to the
 * container's cgroup in there (sandbox-vm/agent), where it counts the
 * container's processes; on the host it would count the monitor's and
 * UML's. The memory limit is the workload's too (memory.max in the guest);
 * the host cgroup holds the whole VM, with room for its kernel. CPU and IO
 * stay on the host cgroup: they bound the VM. */
static void
host_resources (struct oci_resources *r)
{
  r->pids_limit.set = false;
  sandbox_host_resources (r);
}

static int
sandbox_check (const struct oci_config *cfg, const struct oci_process *p, struct ns_lsm lsm,
               silo_error_t *err)
{
  if (cfg && cfg->linux_.n_net_devices)
    return silo_make_error (err, 0, "linux.netDevices: not supported in sandbox mode yet");
  if (p->exec_cpu_affinity.initial_set || p->exec_cpu_affinity.final_set)
    return silo_make_error (err, 0, "process.execCPUAffinity: not supported in sandbox mode (the "
                                    "guest's CPUs are not the host's)");
  return ns_lsm_check (cfg, p, lsm, true, err);
}

/* The sandbox monitor, before it enters the cgroup or starts a guest. */
static int
record_monitor (void *arg, pid_t pid, silo_error_t *err)
{
  struct create_ctx *c = arg;

  c->st.pid = pid;
  c->st.start_time = proc_start_time (pid);
  return state_write (c->g, &c->st, err);
}

/* The monitor has its cgroup and namespaces and waits: prestart and
 * createRuntime run now in the runtime's namespaces, createContainer in
 * the monitor's (the host side of the container's), all with the
 * "creating" state and in container mode's order. The guest's network is
 * read from the namespace after them (docker's libnetwork fills it in a
 * prestart hook), and the monitor's mount namespace still has the host's
 * tree for the hooks' paths: it becomes the container's root afterwards.
 * startContainer runs in the guest at start. */
static int
sandbox_namespaces_ready (void *arg, silo_error_t *err)
{
  struct create_ctx *c = arg;
  const struct oci_hook_list *h = c->cfg->hooks;
  cleanup_free char *s = creating_state (c);

  if (ns_hooks_run (&h[OCI_HOOK_PRESTART], s, "prestart", err) < 0
      || ns_hooks_run (&h[OCI_HOOK_CREATE_RUNTIME], s, "createRuntime", err) < 0)
    return -1;
  return ns_hooks_run_in (c->st.pid, &h[OCI_HOOK_CREATE_CONTAINER], s, "createContainer", err);
}

/* A pod member (checked by pod_check_member): in its pod's guest, with
 * the pod's backend. */
static int
spawn_member (struct create_ctx *c, struct sandbox_request *req, silo_error_t *err)
{
  cleanup_free char *pod_dir = state_dir (c->g, c->pod->id);
  struct sandbox_pod pod = { c->pod->id, pod_dir, c->pod->pid };

  c->st.backend = xstrdup (c->pod->backend ? c->pod->backend : "");
  req->backend = c->st.backend;
  req->pod = &pod;
  if (sandbox_member_create (req, &c->st.pid, err) < 0)
    {
      c->st.pid = 0; /* reaped there */
      return silo_error_wrap (err, "create `%s` in pod `%s`", c->id, c->pod->id);
    }
  c->st.start_time = proc_start_time (c->st.pid);
  return 0;
}

/* What only container mode can do: refused, never dropped. */
static int
check_create_opts (const struct silo_create_opts *o, silo_error_t *err)
{
  if (o->preserve_fds > 0)
    return silo_make_error (err, 0, "--preserve-fds: not supported in sandbox mode (a host file "
                                    "descriptor cannot reach the guest's processes)");
  if (o->no_pivot)
    return silo_make_error (err, 0, "--no-pivot: not supported in sandbox mode (the guest "
                                    "always pivots into the container's root)");
  return 0;
}

static int
sandbox_spawn (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  const char *backend = NULL;
  struct sandbox_request req = {
    .id = c->id,
    .state_dir = c->dir,
    .bundle = c->st.bundle,
    .rootfs = c->st.rootfs,
    .cfg = c->cfg,
    .config_text = c->config_text,
    .console_socket_fd = c->console_fd,
    .cgroup_path = c->st.cgroup_path,
    .debug = c->g->debug,
    .rootless = c->g->rootless,
    .record_pid = record_monitor,
    .namespaces_ready = sandbox_namespaces_ready,
    .record_arg = c,
  };

  if (check_create_opts (o, err) < 0)
    return -1;
  if (c->pod)
    return spawn_member (c, &req, err);
  if (sandbox_pick_backend (oci_kv_get (&c->cfg->annotations, "silo.sandbox.backend"), &backend,
                            err)
      < 0)
    return -1;
  req.backend = backend;
  c->st.backend = xstrdup (backend);
  if (sandbox_create (&req, &c->st.pid, err) < 0)
    {
      c->st.pid = 0; /* reaped there */
      return -1;
    }
  c->st.start_time = proc_start_time (c->st.pid);
  return 0;
}

static int
sandbox_start_ (const struct silo_global *g, struct container_state *st, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  /* for startContainer, as the container process gets it in container mode */
  cleanup_free char *created = state_oci_json (st, "created", false);

  return sandbox_start (dir, created, err);
}

/* Signals go to the workload in the guest; SIGKILL to every process is the
 * host's (the monitor and the guest process die with their cgroup), and
 * SIGKILL of a sandbox not started yet ends its monitor. */
static int
sandbox_kill_ (const struct silo_global *g, struct container_state *st, enum silo_status status,
               int sig, bool all, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);

  if (sig == SIGKILL && all)
    return kill_on_host (st, sig, all, err);
  if (status == SILO_CREATED && sig == SIGKILL)
    return signal_pid (st, sig, err);
  return sandbox_kill (dir, sig, all, err);
}

static int
sandbox_exec_ (const struct silo_global *g, struct container_state *st,
               const struct oci_config *cfg, const struct oci_process *p,
               const struct silo_exec_opts *o, int *exit_status, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_close int console_fd = -1;
  pid_t pid = 0;

  if (o->cgroups)
    return silo_make_error (err, 0, "exec --cgroup: not supported in sandbox mode (the "
                                    "container's processes are in the guest's cgroup)");
  if (o->preserve_fds > 0)
    return silo_make_error (err, 0, "exec --preserve-fds: not supported in sandbox mode (a "
                                    "host file descriptor cannot reach the guest's processes)");
  if (o->console_socket && connect_console (o->console_socket, &console_fd, err) < 0)
    return -1;
  if (sandbox_exec (dir, p, console_fd, o->detach, &pid, exit_status, err) < 0)
    return -1;
  return write_pid_file (o->pid_file, pid, err);
}

/* The memory and pids limits are the container's cgroup's in the guest
 * (first: a limit the guest cannot take changes nothing); the host cgroup
 * then gets r as it holds a sandbox (host_resources). Guest RAM was fixed
 * at boot: a memory limit past what it can give is refused. */
static int
sandbox_update_ (const struct silo_global *g, const struct container_state *st,
                 struct cg_handle *h, const struct oci_resources *r, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  struct oci_resources host = *r;
  struct oci_config *cfg = NULL;
  int ret;

  if (state_load_config (g, st, &cfg, err) < 0)
    return -1;
  ret = sandbox_check_update (cfg, r, err);
  oci_config_free (cfg);
  if (ret < 0 || ((r->memory.limit.set || r->pids_limit.set) && sandbox_update (dir, r, err) < 0))
    return -1;
  host_resources (&host);
  return cg_update (h, &host, err);
}

/* The workload's counters are its cgroup's in the guest: the host cgroup
 * counts the whole VM (guest kernel, caches, the monitor). IO is the
 * host's: the guest's IO reaches the host's disks through the VM. */
static int
sandbox_stats_ (const struct silo_global *g, const struct container_state *st,
                struct cg_handle *h, struct cg_stats *out, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  struct cg_stats host = { 0 };

  if (sandbox_stats (dir, out, err) < 0 || cg_stats (h, &host, err) < 0)
    return -1;
  out->blkio_read_bytes = host.blkio_read_bytes;
  out->blkio_write_bytes = host.blkio_write_bytes;
  return 0;
}

const char *
silo_sandbox_backends (void)
{
  return sandbox_backends ();
}

void
silo_record_binary (const char *path)
{
  setenv (SILO_BINARY_ENV, path, 1);
}

/* What a sandbox made beyond its state dir and cgroup: a pod member's
 * container in its pod, a sandbox's taps and filters. */
static int
sandbox_release (const char *dir, silo_error_t *err)
{
  if (sandbox_member_release (dir, err) < 0)
    return -1;
  return sandbox_net_release (dir, err);
}

/* The host cgroup holds the VM (a pod member's: its stand-in); a pod
 * member is frozen in its pod's guest too, before its stand-in (which
 * relays its stdio) and thawed after it. */
static int
sandbox_pause_ (const struct silo_global *g, const struct container_state *st,
                struct cg_handle *h, bool pause, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);

  if (pause)
    return sandbox_pause (dir, true, err) < 0 ? -1 : cg_freeze (h, true, err);
  return cg_freeze (h, false, err) < 0 ? -1 : sandbox_pause (dir, false, err);
}

/* The workload's processes are the guest's: the agent lists the
 * container's cgroup there. A stopped container has none. */
static int
sandbox_ps_ (const struct silo_global *g, const struct container_state *st,
             enum silo_status status, struct cg_handle *h, struct silo_ps *out, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  struct sandbox_proc *procs = NULL;
  size_t n = 0;

  out->procs = xmalloc0 (sizeof (*out->procs));
  if (status == SILO_STOPPED)
    return 0;
  if (sandbox_ps (dir, &procs, &n, err) < 0)
    return -1;
  out->pids = xmalloc0 ((n + 1) * sizeof (*out->pids));
  out->procs = xrealloc (out->procs, (n + 1) * sizeof (*out->procs));
  for (size_t i = 0; i < n; i++)
    {
      out->pids[i] = procs[i].pid;
      out->procs[i] = (struct silo_ps_proc){ procs[i].pid, procs[i].ppid, procs[i].uid,
                                             procs[i].cmd };
    }
  out->n = n;
  free (procs);
  return 0;
}

const struct silo_mode_ops silo_mode_sandbox = {
  .ps = sandbox_ps_,
  .pause = sandbox_pause_,
  .name = "vm",
  .device_rule = &dev_kvm,
  .release = sandbox_release,
  .update = sandbox_update_,
  .stats = sandbox_stats_,
  .host_resources = host_resources,
  .check = sandbox_check,
  .spawn = sandbox_spawn,
  .start = sandbox_start_,
  .kill = sandbox_kill_,
  .exec = sandbox_exec_,
};
