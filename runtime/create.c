/* `create` and `run`: state directory, cgroup, the workload through its
 * mode (struct silo_mode_ops: the container process, or the sandbox),
 * state.json. On any failure everything made so far is undone: no state
 * dir, cgroup, mount or process remains. */
#include "internal.h"
#include "../namespaces/namespaces.h"
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
  oci_config_resolve_sources (c->cfg, bundle);
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

static void
add_device_rules (struct oci_config *cfg, const struct oci_device_rule *mode_rule)
{
  struct oci_resources *r = cfg->linux_.resources;
  size_t extra = ARRAY_SIZE (default_allowed) + cfg->linux_.n_devices + 1, i;

  if (r == NULL || r->n_devices == 0)
    return; /* no device policy asked for: nothing to punch holes in */
  r->devices = xrealloc (r->devices, (r->n_devices + extra) * sizeof (*r->devices));
  for (i = 0; i < ARRAY_SIZE (default_allowed); i++)
    r->devices[r->n_devices++] = default_allowed[i];
  if (mode_rule)
    r->devices[r->n_devices++] = *mode_rule;
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

/* Rootless with no cgroup it may write (none delegated to the user): the
 * container stays in silo's own, as with runc and crun, unless it asks for
 * a limit, which only a cgroup could hold. */
static int
without_cgroup (struct create_ctx *c, silo_error_t *err)
{
  int e = (*err)->status;

  if (!c->g->rootless || (e != EACCES && e != EPERM && e != EROFS))
    return -1;
  if (oci_resources_limits_set (c->cfg->linux_.resources))
    return silo_error_wrap (err, "linux.resources: rootless, and no cgroup to apply them in "
                                 "(delegate a writable one)");
  pr_debug ("rootless: no cgroup (%s)", (*err)->msg);
  silo_error_release (err);
  free (c->st.cgroup_path);
  c->st.cgroup_path = NULL;
  return 0;
}

/* The cgroup path is in state.json (record_intent) before the cgroup is
 * made: a create killed inside cg_create leaves what delete -f removes. */
static int
make_cgroup (struct create_ctx *c, silo_error_t *err)
{
  add_device_rules (c->cfg, c->mode->device_rule);
  if (c->mode->host_resources && c->cfg->linux_.resources)
    c->mode->host_resources (c->cfg->linux_.resources);
  if (cg_create (c->st.cgroup_path, c->cfg->linux_.resources, &c->cg, err) < 0)
    return without_cgroup (c, err);
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

char *
creating_state (struct create_ctx *c)
{
  return state_oci_json (&c->st, "creating", false);
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
  if (c->mode && c->mode->release && c->dir_created && c->mode->release (c->dir, &ignored) < 0)
    {
      pr_warn ("%s", ignored->msg);
      silo_error_release (&ignored);
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
  if (c->pod)
    state_free (c->pod);
}

/* A container that joins a sandbox's namespaces runs in its guest (a pod
 * member); a pod is one isolation domain, so a member in the other mode
 * than its pod is refused. */
static int
join_pod (struct create_ctx *c, bool vm, silo_error_t *err)
{
  if (pod_find (c->g, c->id, c->cfg, &c->pod, err) < 0)
    return -1;
  if (c->pod && !vm && strcmp (c->pod->mode, "vm") != 0)
    {
      state_free (c->pod); /* a container-mode pod: nothing to join here */
      c->pod = NULL;
    }
  if (c->pod == NULL)
    return 0;
  if (!vm || strcmp (c->pod->mode, "vm") != 0)
    return silo_make_error (err, 0,
                            "config.json: joins pod `%s`, which runs in %s mode: a pod is one "
                            "isolation domain (run this container in %s mode too)",
                            c->pod->id, vm ? "container" : "sandbox", vm ? "container" : "sandbox");
  return pod_check_member (c->g, c->cfg, c->pod, err);
}

static int
create_steps (struct create_ctx *c, const struct silo_create_opts *o, silo_error_t *err)
{
  bool vm;

  if (state_validate_id (c->id, err) < 0 || load_bundle (c, o, err) < 0
      || mode_is_vm (c->g, c->cfg, &vm, err) < 0 || join_pod (c, vm, err) < 0)
    return -1;
  c->mode = vm ? &silo_mode_sandbox : &silo_mode_container;
  c->lsm = ns_lsm_detect ();
  if (c->cfg->process && c->mode->check (c->cfg, c->cfg->process, c->lsm, err) < 0)
    return -1;
  c->st.id = (char *) c->id;
  c->st.mode = (char *) c->mode->name;
  c->st.created = rfc3339_now ();
  c->st.owner = "";
  c->st.annotations_json = annotations_json (c->cfg);
  if (cg_resolve_path (c->cfg->linux_.cgroups_path, c->id, c->g->systemd_cgroup,
                       &c->st.cgroup_path, err)
      < 0)
    return -1;
  if (make_state_dir (c, err) < 0 || record_intent (c, err) < 0
      || state_save_config (c->g, c->id, c->config_text, err) < 0 || make_cgroup (c, err) < 0)
    return -1;
  if (c->console_fd < 0 && connect_console (o->console_socket, &c->console_fd, err) < 0)
    return -1;
  /* exec.fifo also marks "created" until start, in both modes. */
  if (make_fifo (c, err) < 0)
    return -1;
  if (c->mode->spawn (c, o, err) < 0)
    return -1;
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
  if (!o->keep)
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
