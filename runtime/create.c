/* `create` and `run`: state directory, cgroup, the container process (or the
 * sandbox in vm mode), hooks, state.json. On any failure everything made so
 * far is undone: no state dir, cgroup, mount or process remains. */
#include "internal.h"
#include "../namespaces/namespaces.h"
#include "../namespaces/sync.h"
#include "../sandbox-vm/sandbox.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* Everything a create in progress owns, released by undo_create on failure. */
struct create_ctx
{
  const struct silo_global *g;
  const char *id;
  char *dir;
  struct oci_config *cfg;
  char *config_text; /* the bytes cfg was parsed from, saved in the state dir */
  struct container_state st;
  struct ns_lsm lsm; /* the host's enabled LSMs */
  struct cg_handle *cg;
  struct cg_mount *cg_mounts;
  size_t n_cg_mounts;
  int fifo_fd;
  int console_fd;
  int sync_fd;
  bool dir_created;
};

int
mode_is_vm (const struct silo_global *g, const struct oci_config *cfg, bool *vm,
            silo_error_t *err)
{
  const char *a = oci_kv_get (&cfg->annotations, "silo.sandbox");

  /* Fail closed: a typo must not quietly mean the weaker mode. */
  if (a && strcmp (a, "vm") != 0 && strcmp (a, "container") != 0)
    return silo_make_error (err, 0, "config.json: annotations: silo.sandbox: `%s` is not vm or "
                                    "container", a);
  /* An annotation may ask for more isolation, never for less than the
   * runtime class (silo-vm, --sandbox vm) gives. */
  if (g->mode != SILO_MODE_DEFAULT)
    *vm = g->mode == SILO_MODE_VM;
  else
    *vm = a && strcmp (a, "vm") == 0;
  return 0;
}

static char *
rfc3339_now (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  char *out;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof (buf), "%Y-%m-%dT%H:%M:%S", &tm);
  xasprintf (&out, "%s.%09ldZ", buf, ts.tv_nsec);
  return out;
}

static char *
annotations_json (const struct oci_config *cfg)
{
  json_t *o = json_object ();
  char *text;

  for (size_t i = 0; i < cfg->annotations.len; i++)
    json_object_set_new (o, cfg->annotations.items[i].key,
                         json_string (cfg->annotations.items[i].value));
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return text;
}

static int
load_bundle (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  char bundle[PATH_MAX], rootfs[PATH_MAX];
  cleanup_free char *cfg_path = NULL;
  cleanup_free char *root_joined = NULL;

  if (realpath (o->bundle ? o->bundle : ".", bundle) == NULL)
    return silo_make_error (err, errno, "bundle `%s`", o->bundle ? o->bundle : ".");
  xasprintf (&cfg_path, "%s/config.json", bundle);
  if (oci_read_config_file (cfg_path, &c->config_text, err) < 0
      || oci_config_parse (c->config_text, "config.json", &c->cfg, err) < 0)
    return -1;
  if (c->cfg->root_path[0] == '/')
    root_joined = xstrdup (c->cfg->root_path);
  else
    xasprintf (&root_joined, "%s/%s", bundle, c->cfg->root_path);
  if (realpath (root_joined, rootfs) == NULL)
    return silo_make_error (err, errno, "root.path: `%s`", root_joined);
  c->st.bundle = xstrdup (bundle);
  c->st.rootfs = xstrdup (rootfs);
  return 0;
}

static int
make_state_dir (struct create_ctx *c, silo_error_t *err)
{
  if (mkdir_p (c->g->root, 0700, err) < 0)
    return silo_error_wrap (err, "--root");
  c->dir = state_dir (c->g, c->id);
  if (mkdir (c->dir, 0700) < 0)
    {
      if (errno == EEXIST)
        return silo_make_error (err, 0, "container `%s` already exists", c->id);
      return silo_make_error (err, errno, "mkdir `%s`", c->dir);
    }
  c->dir_created = true;
  return 0;
}

/* Like runc, every container may use the devices it is always given
 * (and those of linux.devices), whatever linux.resources.devices says. */
static const struct oci_device_rule default_allowed[] = {
  { true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },   { true, 'c', 1, 3, "rwm" },
  { true, 'c', 1, 5, "rwm" },  { true, 'c', 1, 7, "rwm" },   { true, 'c', 1, 8, "rwm" },
  { true, 'c', 1, 9, "rwm" },  { true, 'c', 5, 0, "rwm" },   { true, 'c', 5, 1, "rwm" },
  { true, 'c', 5, 2, "rwm" },  { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

/* In sandbox mode the host cgroup holds the VMM, not the workload: the
 * device policy is the guest's, and the VMM needs /dev/kvm. */
static const struct oci_device_rule sandbox_allowed = { true, 'c', 10, 232, "rwm" };

static void
add_device_rules (struct oci_config *cfg, bool vm)
{
  struct oci_resources *r = cfg->linux_.resources;
  size_t extra = ARRAY_SIZE (default_allowed) + cfg->linux_.n_devices + 1, i;

  if (r == NULL || r->n_devices == 0)
    return; /* no device policy asked for: nothing to punch holes in */
  r->devices = xrealloc (r->devices, (r->n_devices + extra) * sizeof (*r->devices));
  for (i = 0; i < ARRAY_SIZE (default_allowed); i++)
    r->devices[r->n_devices++] = default_allowed[i];
  if (vm)
    r->devices[r->n_devices++] = sandbox_allowed;
  for (i = 0; i < cfg->linux_.n_devices; i++)
    {
      const struct oci_device *d = &cfg->linux_.devices[i];
      if (d->type != 'c' && d->type != 'b' && d->type != 'u')
        continue;
      r->devices[r->n_devices++] = (struct oci_device_rule){
        .allow = true, .type = d->type == 'b' ? 'b' : 'c', .major = d->major,
        .minor = d->minor, .access = "rwm" };
    }
}

/* The cgroup path is in state.json (record_intent) before the cgroup is
 * made: a create killed inside cg_create leaves what delete -f removes. */
static int
make_cgroup (struct create_ctx *c, bool vm, silo_error_t *err)
{
  add_device_rules (c->cfg, vm);
  if (cg_create (c->st.cgroup_path, c->cfg->linux_.resources, &c->cg, err) < 0)
    return -1;
  return cg_mounts (c->cg, &c->cg_mounts, &c->n_cg_mounts, err);
}

/* state.json "creating": what delete -f needs before anything the host
 * sees is made. The container process needs no entry of its own: from its
 * clone on it is in the cgroup (or dies with silo until then). */
static int
record_intent (struct create_ctx *c, silo_error_t *err)
{
  c->st.creating = true;
  return state_write (c->g, &c->st, err);
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

int
connect_console (const char *path, int *fd, silo_error_t *err)
{
  if (path == NULL)
    return 0;
  *fd = unix_connect (path, err);
  return *fd < 0 ? silo_error_wrap (err, "--console-socket") : 0;
}

static int
make_fifo (struct create_ctx *c, silo_error_t *err)
{
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/exec.fifo", c->dir);
  if (mkfifo (path, 0622) < 0)
    return silo_make_error (err, errno, "mkfifo `%s`", path);
  /* The umask must not take the write bit from a process that opens the
   * fifo after switching to another user (podman create -u 65534). */
  if (chmod (path, 0622) < 0)
    return silo_make_error (err, errno, "chmod `%s`", path);
  c->fifo_fd = open (path, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  return 0;
}

static char *
creating_state (struct create_ctx *c)
{
  return state_oci_json (&c->st, "creating", false);
}

/* Serve the container process until it reports READY. */
static int
drive_setup (struct create_ctx *c, silo_error_t *err)
{
  for (;;)
    {
      struct ns_sync_msg msg;
      int ret = ns_sync_recv (c->sync_fd, &msg, err);
      if (ret < 0)
        return ret;
      switch (msg.type)
        {
        case NS_SYNC_READY:
          ns_sync_msg_clear (&msg);
          return 0;
        case NS_SYNC_ERROR:
          ret = silo_error_from_msg (err, msg.value, msg.payload);
          break;
        case NS_SYNC_HOOKS:
          {
            cleanup_free char *s = creating_state (c);
            cleanup_free char *created = state_oci_json (&c->st, "created", false);
            ret = ns_move_net_devices (c->st.pid, &c->cfg->linux_, err);
            if (ret == 0)
              ret = ns_hooks_run (&c->cfg->hooks[OCI_HOOK_PRESTART], s, "prestart", err);
            if (ret == 0)
              ret = ns_hooks_run (&c->cfg->hooks[OCI_HOOK_CREATE_RUNTIME], s, "createRuntime", err);
            if (ret == 0
                && (ns_sync_send (c->sync_fd, NS_SYNC_STATE, 0, s, -1) < 0
                    || ns_sync_send (c->sync_fd, NS_SYNC_STATE, 0, created, -1) < 0))
              ret = silo_make_error (err, errno, "sync with container process");
            break;
          }
        case NS_SYNC_SECCOMP_FD:
          {
            cleanup_free char *s = creating_state (c);
            ret = ns_seccomp_send_listener (c->cfg->linux_.seccomp, msg.fd, c->st.pid, s, err);
            break;
          }
        default:
          ret = silo_make_error (err, 0, "unexpected message %u from container process", msg.type);
        }
      ns_sync_msg_clear (&msg);
      if (ret < 0)
        return ret;
    }
}

static int
spawn_container (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  struct ns_spawn_config sc = {
    .lsm = c->lsm,
    .cfg = c->cfg,
    .process = c->cfg->process,
    .id = c->id,
    .rootfs = c->st.rootfs,
    .exec_fifo_fd = c->fifo_fd,
    .console_socket_fd = c->console_fd,
    .preserve_fds = o->preserve_fds,
    .no_pivot = o->no_pivot,
    .no_new_keyring = o->no_new_keyring,
    .cg_mounts = c->cg_mounts,
    .n_cg_mounts = c->n_cg_mounts,
  };
  const struct oci_namespace *userns = oci_config_namespace (c->cfg, CLONE_NEWUSER);
  int *tasks_fds = NULL;
  size_t n_tasks_fds = 0;
  int ret;

  /* In a user namespace the process may lack the rights to move itself on
   * older kernels: the runtime moves it (cg_enter) there. */
  sc.cg_self_join = c->cg && userns == NULL;
  sc.cg_v2_fd = -1;
  if (sc.cg_self_join && cg_join_fds (c->cg, &sc.cg_v2_fd, &tasks_fds, &n_tasks_fds, err) < 0)
    return -1;
  sc.cg_tasks_fds = tasks_fds;
  sc.n_cg_tasks_fds = n_tasks_fds;
  ret = ns_spawn (&sc, &c->st.pid, &c->sync_fd, err);
  cg_join_fds_close (&sc.cg_v2_fd, tasks_fds, n_tasks_fds);
  if (ret < 0)
    return -1;
  c->st.start_time = proc_start_time (c->st.pid);
  if (userns && userns->path == NULL && ns_write_id_maps (c->st.pid, &c->cfg->linux_, err) < 0)
    return -1;
  if (c->cg && !sc.cg_self_join && cg_enter (c->cg, c->st.pid, err) < 0)
    return -1;
  if (ns_sync_send (c->sync_fd, NS_SYNC_GO, 0, NULL, -1) < 0)
    return silo_make_error (err, errno, "sync with container process");
  return drive_setup (c, err);
}

/* A process that dies in setup for lack of memory says nothing itself:
 * when the cgroup saw an OOM kill (or hit its limit), the memory limit is
 * the field to blame. */
static int
blame_memory_limit (struct create_ctx *c, silo_error_t *err)
{
  const struct oci_resources *r = c->cfg->linux_.resources;
  silo_error_t ignored = NULL;
  struct cg_stats stats;

  if (c->cg == NULL || r == NULL || !r->memory.limit.set || r->memory.limit.value < 0)
    return -1;
  /* Only a death without a word: a message from the process stands. */
  if (*err == NULL || (strstr ((*err)->msg, "container process exited") == NULL
                       && strstr ((*err)->msg, "sync with container process") == NULL))
    return -1;
  memset (&stats, 0, sizeof (stats));
  if (cg_stats (c->cg, &stats, &ignored) < 0)
    {
      silo_error_release (&ignored);
      return -1;
    }
  if (stats.oom_kill_count == 0 && stats.mem_failcnt == 0)
    return -1;
  silo_error_release (err);
  return silo_make_error (err, 0,
                          "linux.resources.memory.limit: the container process ran out of "
                          "memory during setup; %lld bytes is too small",
                          (long long) r->memory.limit.value);
}

/* Once the guest holds the prepared workload: prestart and createRuntime
 * in the runtime's namespaces, createContainer in the sandbox's host-side
 * ones (its monitor's), all with the "creating" state, as container mode
 * runs them; startContainer runs in the guest at start. */
static int
sandbox_hooks (struct create_ctx *c, silo_error_t *err)
{
  const struct oci_hook_list *h = c->cfg->hooks;
  cleanup_free char *s = creating_state (c);

  if (ns_hooks_run (&h[OCI_HOOK_PRESTART], s, "prestart", err) < 0
      || ns_hooks_run (&h[OCI_HOOK_CREATE_RUNTIME], s, "createRuntime", err) < 0)
    return -1;
  return ns_hooks_run_in (c->st.pid, &h[OCI_HOOK_CREATE_CONTAINER], s, "createContainer", err);
}

static int
spawn_sandbox (struct create_ctx *c, silo_error_t *err)
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
    .record_pid = record_monitor,
    .record_arg = c,
  };

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
  return sandbox_hooks (c, err);
}

static void
undo_create (struct create_ctx *c)
{
  silo_error_t ignored = NULL;

  if (c->st.pid > 0)
    {
      kill (c->st.pid, SIGKILL);
      TEMP_FAILURE_RETRY (waitpid (c->st.pid, NULL, 0));
      c->st.pid = 0;
    }
  if (c->cg && cg_destroy (c->cg, &ignored) < 0)
    {
      pr_warn ("remove cgroup: %s", ignored->msg);
      silo_error_release (&ignored);
    }
  if (c->dir_created && rm_rf_at (AT_FDCWD, c->dir, &ignored) < 0)
    silo_error_release (&ignored);
}

static void
release_create (struct create_ctx *c)
{
  close_and_reset (&c->fifo_fd);
  close_and_reset (&c->console_fd);
  close_and_reset (&c->sync_fd);
  cg_mounts_free (c->cg_mounts, c->n_cg_mounts);
  cg_handle_free (c->cg);
  oci_config_free (c->cfg);
  free (c->config_text);
  free (c->dir);
  free (c->st.bundle);
  free (c->st.rootfs);
  free (c->st.created);
  free (c->st.cgroup_path);
  free (c->st.backend);
  free (c->st.annotations_json);
}

static int
create_steps (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  bool vm;

  if (state_validate_id (c->id, err) < 0 || load_bundle (c, o, err) < 0
      || mode_is_vm (c->g, c->cfg, &vm, err) < 0)
    return -1;
  if (vm && c->cfg->linux_.n_net_devices)
    return silo_make_error (err, 0, "linux.netDevices: not supported in sandbox mode yet");
  c->lsm = ns_lsm_detect ();
  if (c->cfg->process && ns_lsm_check (c->cfg, c->cfg->process, c->lsm, vm, err) < 0)
    return -1;
  c->st.id = (char *) c->id;
  c->st.mode = vm ? "vm" : "container";
  c->st.created = rfc3339_now ();
  c->st.owner = "";
  c->st.annotations_json = annotations_json (c->cfg);
  if (cg_resolve_path (c->cfg->linux_.cgroups_path, c->id, c->g->systemd_cgroup,
                       &c->st.cgroup_path, err)
      < 0)
    return -1;
  if (make_state_dir (c, err) < 0 || record_intent (c, err) < 0
      || state_save_config (c->g, c->id, c->config_text, err) < 0 || make_cgroup (c, vm, err) < 0)
    return -1;
  if (c->console_fd < 0 && connect_console (o->console_socket, &c->console_fd, err) < 0)
    return -1;
  /* exec.fifo also marks "created" until start, in both modes. */
  if (make_fifo (c, err) < 0)
    return -1;
  if (vm ? spawn_sandbox (c, err) < 0 : spawn_container (c, o, err) < 0)
    return vm ? -1 : blame_memory_limit (c, err);
  c->st.creating = false;
  if (state_write (c->g, &c->st, err) < 0 || write_pid_file (o->pid_file, c->st.pid, err) < 0)
    return -1;
  return 0;
}

/* Create; on success *pid is the container process, a child of ours.
 * console_fd, when >= 0, stands in for --console-socket (and is consumed). */
static int
do_create (const struct silo_global *g, const char *id, const struct silo_create_opts *o,
           int console_fd, pid_t *pid, silo_error_t *err)
{
  struct create_ctx c = { .g = g, .id = id, .fifo_fd = -1, .console_fd = console_fd,
                          .sync_fd = -1 };
  int ret;

  ret = create_steps (&c, o, err);
  if (ret < 0)
    undo_create (&c);
  *pid = c.st.pid;
  release_create (&c);
  return ret;
}

int
silo_container_create (const struct silo_global *g, const char *id,
                       const struct silo_create_opts *o, silo_error_t *err)
{
  pid_t pid;
  return do_create (g, id, o, -1, &pid, err);
}

static void
delete_quietly (const struct silo_global *g, const char *id)
{
  silo_error_t ignored = NULL;
  if (silo_container_delete (g, id, true, &ignored) < 0)
    {
      pr_warn ("delete `%s`: %s", id, ignored->msg);
      silo_error_release (&ignored);
    }
}

/* Foreground run: silo holds the terminal itself unless an engine gave a
 * console socket, waits, forwards signals, and deletes the container. */
static int
run_foreground (const struct silo_global *g, const char *id, const struct silo_create_opts *o,
                int *exit_status, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  cleanup_close int ours = -1;
  cleanup_close int master = -1;
  int theirs = -1;
  pid_t pid;
  int ret;

  if (o->console_socket == NULL && console_local_socket (&ours, &theirs, err) < 0)
    return -1;
  ret = do_create (g, id, o, theirs, &pid, err);
  if (ret < 0)
    return ret;
  /* With process.terminal the master is already queued on our end. */
  if (ours >= 0 && console_recv_master (ours, &master, err) < 0)
    {
      delete_quietly (g, id);
      return -1;
    }
  if (state_read (g, id, &st, err) < 0 || start_created (g, st, err) < 0)
    {
      delete_quietly (g, id);
      return -1;
    }
  ret = wait_forward (pid, master, exit_status, err);
  delete_quietly (g, id);
  return ret;
}

int
silo_container_run (const struct silo_global *g, const char *id,
                    const struct silo_create_opts *o, int *exit_status, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  pid_t pid;

  *exit_status = 0;
  if (!o->detach)
    return run_foreground (g, id, o, exit_status, err);
  if (do_create (g, id, o, -1, &pid, err) < 0)
    return -1;
  if (state_read (g, id, &st, err) < 0 || start_created (g, st, err) < 0)
    return -1;
  return 0;
}
