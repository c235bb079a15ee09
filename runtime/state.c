/* <root>/<id>/: state.json, config.json (the bytes the container was
 * created from) and exec.fifo while the container waits for `start`. */
#include "internal.h"
#include "../util/utils.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
state_dir (const struct silo_global *g, const char *id)
{
  char *p;
  xasprintf (&p, "%s/%s", g->root, id);
  return p;
}

const struct silo_mode_ops *
mode_of (const struct container_state *st)
{
  if (st->mode && strcmp (st->mode, silo_mode_sandbox.name) == 0)
    return &silo_mode_sandbox;
  return &silo_mode_container;
}

int
state_save_config (const struct silo_global *g, const char *id, const char *text,
                   silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, id);
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/config.json", dir);
  return write_file_atomic (path, text, strlen (text), err);
}

int
state_load_config (const struct silo_global *g, const struct container_state *st,
                   struct oci_config **cfg, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/config.json", dir);
  if (access (path, F_OK) < 0 && errno == ENOENT) /* a create killed before it was saved */
    return silo_make_error (err, 0, "container `%s`: no config saved at create", st->id);
  return oci_config_load (path, cfg, err);
}

int
state_validate_id (const char *id, silo_error_t *err)
{
  if (id == NULL || *id == '\0')
    return silo_make_error (err, 0, "container id: must not be empty");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return silo_make_error (err, 0, "container id `%s`: invalid", id);
  for (const char *p = id; *p; p++)
    if (!isalnum ((unsigned char) *p) && !strchr ("_+-.", *p))
      return silo_make_error (err, 0, "container id `%s`: only [A-Za-z0-9_+.-] are allowed", id);
  return 0;
}

static void
set_opt_string (json_t *o, const char *key, const char *v)
{
  if (v)
    json_object_set_new (o, key, json_string (v));
}

int
state_write (const struct silo_global *g, const struct container_state *st, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  json_t *o = json_object ();

  json_object_set_new (o, "id", json_string (st->id));
  json_object_set_new (o, "pid", json_integer (st->pid));
  json_object_set_new (o, "startTime", json_integer ((json_int_t) st->start_time));
  set_opt_string (o, "bundle", st->bundle);
  set_opt_string (o, "rootfs", st->rootfs);
  set_opt_string (o, "created", st->created);
  set_opt_string (o, "owner", st->owner);
  set_opt_string (o, "cgroupPath", st->cgroup_path);
  set_opt_string (o, "mode", st->mode);
  set_opt_string (o, "backend", st->backend);
  if (st->creating)
    json_object_set_new (o, "creating", json_true ());
  json_object_set_new (o, "annotations",
                       st->annotations_json ? json_loads (st->annotations_json, 0, NULL)
                                            : json_object ());
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  xasprintf (&path, "%s/state.json", dir);
  return write_file_atomic (path, text, strlen (text), err);
}

static char *
get_string (json_t *o, const char *key)
{
  const char *v = json_string_value (json_object_get (o, key));
  return v ? xstrdup (v) : NULL;
}

int
state_read (const struct silo_global *g, const char *id, struct container_state **out,
            silo_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  struct container_state *st;
  json_error_t jerr;
  json_t *o;

  if (state_validate_id (id, err) < 0)
    return -1;
  dir = state_dir (g, id);
  xasprintf (&path, "%s/state.json", dir);
  if (read_file (path, &text, NULL, err) < 0)
    {
      struct stat sb;
      if ((*err)->status != ENOENT)
        return -1;
      silo_error_release (err);
      if (stat (dir, &sb) < 0 || !S_ISDIR (sb.st_mode))
        return silo_make_error (err, 0, "container `%s` does not exist", id);
      st = xmalloc0 (sizeof (*st));
      st->id = xstrdup (id);
      st->creating = true;
      *out = st;
      return 0;
    }
  o = json_loads (text, 0, &jerr);
  if (o == NULL)
    return silo_make_error (err, 0, "%s: line %d: %s", path, jerr.line, jerr.text);
  st = xmalloc0 (sizeof (*st));
  st->id = xstrdup (id);
  st->pid = (pid_t) json_integer_value (json_object_get (o, "pid"));
  st->start_time = (unsigned long long) json_integer_value (json_object_get (o, "startTime"));
  st->bundle = get_string (o, "bundle");
  st->rootfs = get_string (o, "rootfs");
  st->created = get_string (o, "created");
  st->owner = get_string (o, "owner");
  st->cgroup_path = get_string (o, "cgroupPath");
  st->mode = get_string (o, "mode");
  st->backend = get_string (o, "backend");
  st->creating = json_is_true (json_object_get (o, "creating"));
  st->annotations_json = json_dumps (json_object_get (o, "annotations"), JSON_COMPACT);
  json_decref (o);
  *out = st;
  return 0;
}

void
state_free (struct container_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st->cgroup_path);
  free (st->mode);
  free (st->backend);
  free (st->annotations_json);
  free (st);
}

void
state_freep (struct container_state **st)
{
  state_free (*st);
}

unsigned long long
proc_start_time (pid_t pid)
{
  cleanup_free char *text = NULL;
  const char *fields;
  unsigned long long start = 0;

  if (read_proc_stat (pid, &text, &fields) < 0)
    return 0;
  /* field 3 is the state; 22 is starttime. A zombie is as good as gone. */
  if (fields[0] == 'Z' || fields[0] == 'X')
    return 0;
  if (sscanf (fields, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
                     "%*d %llu",
              &start)
      != 1)
    return 0;
  return start;
}

bool
pid_alive (pid_t pid, unsigned long long start_time)
{
  unsigned long long now;

  if (pid <= 0)
    return false;
  now = proc_start_time (pid);
  return now != 0 && now == start_time;
}

int
open_cgroup (const struct container_state *st, struct cg_handle **h, silo_error_t *err)
{
  *h = NULL;
  if (st->cgroup_path == NULL)
    return 0;
  return cg_open (st->cgroup_path, h, err);
}

int
state_status (const struct silo_global *g, const struct container_state *st,
              enum silo_status *out, silo_error_t *err)
{
  cleanup_free char *fifo = NULL;
  cleanup_free char *dir = state_dir (g, st->id);
  struct cg_handle *h = NULL;
  bool frozen = false;

  if (st->creating)
    {
      *out = SILO_CREATING;
      return 0;
    }
  if (!pid_alive (st->pid, st->start_time))
    {
      *out = SILO_STOPPED;
      return 0;
    }
  xasprintf (&fifo, "%s/exec.fifo", dir);
  *out = access (fifo, F_OK) == 0 ? SILO_CREATED : SILO_RUNNING;
  /* A created container can be paused too (runc): frozen, it is paused. */
  if (open_cgroup (st, &h, err) == 0 && h)
    {
      if (cg_is_frozen (h, &frozen, err) == 0 && frozen)
        *out = SILO_PAUSED;
      silo_error_release (err);
      cg_handle_free (h);
    }
  silo_error_release (err);
  return 0;
}

char *
state_oci_json (const struct container_state *st, const char *status, bool pretty)
{
  json_t *o = json_object ();
  json_t *annotations;
  char *text;

  json_object_set_new (o, "ociVersion", json_string ("1.0.2"));
  json_object_set_new (o, "id", json_string (st->id));
  json_object_set_new (o, "pid", json_integer (strcmp (status, "stopped") == 0 ? 0 : st->pid));
  json_object_set_new (o, "status", json_string (status));
  json_object_set_new (o, "bundle", json_string (st->bundle ? st->bundle : ""));
  json_object_set_new (o, "rootfs", json_string (st->rootfs ? st->rootfs : ""));
  json_object_set_new (o, "created", json_string (st->created ? st->created : ""));
  json_object_set_new (o, "owner", json_string (st->owner ? st->owner : ""));
  annotations = st->annotations_json ? json_loads (st->annotations_json, 0, NULL) : NULL;
  if (!json_is_object (annotations))
    {
      json_decref (annotations);
      annotations = json_object ();
    }
  /* The config's annotations as they are (hooks and engines read them).
     The mode chosen (annotation, --sandbox or silo-vm) and the backend that
     runs it have fields of their own, beside runc's rootfs/created/owner. */
  json_object_set_new (o, "annotations", annotations);
  if (st->mode)
    json_object_set_new (o, "mode", json_string (st->mode));
  if (st->backend)
    json_object_set_new (o, "backend", json_string (st->backend));
  text = json_dumps (o, pretty ? JSON_INDENT (2) : JSON_COMPACT);
  json_decref (o);
  if (text == NULL)
    OOM ();
  return text;
}

const char *
silo_status_name (enum silo_status s)
{
  static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
  return names[s];
}

int
write_pid_file (const char *path, pid_t pid, silo_error_t *err)
{
  char buf[32];
  int n;

  if (path == NULL)
    return 0;
  n = snprintf (buf, sizeof (buf), "%d", pid);
  return write_file_atomic (path, buf, (size_t) n, err) < 0 ? silo_error_wrap (err, "--pid-file")
                                                           : 0;
}

bool
silo_running_rootless (void)
{
  return geteuid () != 0 || !userns_maps_all_ids ();
}

/* As runc: a user's runtime dir, also for uid 0 of a user namespace that
 * a user made (rootless podman's) unless USER says root. */
static bool
honour_xdg (void)
{
  const char *user = getenv ("USER");

  if (geteuid () != 0)
    return true;
  return silo_running_rootless () && (user == NULL || strcmp (user, "root") != 0);
}

const char *
silo_default_root (void)
{
  static char path[PATH_MAX];
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (!honour_xdg ())
    return "/run/silo";
  if (xdg && xdg[0] == '/')
    snprintf (path, sizeof (path), "%s/silo", xdg);
  else if (geteuid () == 0)
    return "/run/silo";
  else
    snprintf (path, sizeof (path), "/run/user/%u/silo", (unsigned) geteuid ());
  return path;
}
