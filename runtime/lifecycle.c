/* start, state, kill, delete, list: the verbs that act on a container that
 * `create` made, possibly from another silo process. */
#include "internal.h"
#include "../namespaces/namespaces.h"
#include "../util/log.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

int
start_created (const struct silo_global *g, struct container_state *st, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  cleanup_free char *fifo = NULL;
  struct oci_config *cfg = NULL;
  cleanup_free char *s = NULL;
  int ret;

  xasprintf (&fifo, "%s/exec.fifo", dir);
  ret = mode_of (st)->start (g, st, err);
  if (ret < 0)
    return ret;
  unlink (fifo);
  if (state_load_config (g, st, &cfg, err) < 0)
    return 0; /* started; a create-time config unreadable only loses poststart */
  s = state_oci_json (st, "running", false);
  ns_hooks_run_warn (&cfg->hooks[OCI_HOOK_POSTSTART], s, "poststart");
  oci_config_free (cfg);
  return 0;
}

int
silo_container_start (const struct silo_global *g, const char *id, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;

  if (state_read (g, id, &st, err) < 0 || state_status (g, st, &status, err) < 0)
    return -1;
  if (status != SILO_CREATED)
    return silo_make_error (err, 0, "container `%s` is %s, not created", id,
                            silo_status_name (status));
  return start_created (g, st, err);
}

int
silo_container_state (const struct silo_global *g, const char *id, char **json,
                      silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;

  if (state_read (g, id, &st, err) < 0 || state_status (g, st, &status, err) < 0)
    return -1;
  *json = state_oci_json (st, silo_status_name (status), true);
  return 0;
}

int
signal_pid (const struct container_state *st, int sig, silo_error_t *err)
{
  cleanup_close int pidfd = sys_pidfd_open (st->pid, 0);

  /* The pidfd pins the process we checked, so a reused pid is never hit. */
  if (pidfd < 0 || !pid_alive (st->pid, st->start_time))
    return silo_make_error (err, 0, "`%s`: container not running", st->id);
  if (sys_pidfd_send_signal (pidfd, sig, NULL, 0) < 0)
    return silo_make_error (err, errno, "kill container `%s`", st->id);
  return 0;
}

int
silo_container_kill (const struct silo_global *g, const char *id, int sig, bool all,
                     silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;

  if (state_read (g, id, &st, err) < 0 || state_status (g, st, &status, err) < 0)
    return -1;
  if (status == SILO_STOPPED)
    return silo_make_error (err, 0, "`%s`: container not running", id);
  return mode_of (st)->kill (g, st, status, sig, all, err);
}

int
kill_on_host (const struct container_state *st, int sig, bool all, silo_error_t *err)
{
  struct cg_handle *h = NULL;
  int ret;

  if (!all)
    return signal_pid (st, sig, err);
  if (open_cgroup (st, &h, err) < 0)
    return -1;
  if (h == NULL)
    return signal_pid (st, sig, err);
  ret = cg_kill_all (h, sig, err);
  cg_handle_free (h);
  return ret;
}

static void
wait_gone (const struct container_state *st)
{
  cleanup_close int pidfd = sys_pidfd_open (st->pid, 0);
  struct pollfd p = { .fd = pidfd, .events = POLLIN };

  if (pidfd < 0)
    return;
  /* Reap it if it is ours (foreground run); otherwise its parent will. */
  if (poll (&p, 1, 5000) > 0)
    waitpid (st->pid, NULL, WNOHANG);
}

static void
run_poststop (const struct container_state *st, struct oci_config *cfg)
{
  cleanup_free char *s = NULL;

  if (cfg == NULL)
    return;
  s = state_oci_json (st, "stopped", false);
  ns_hooks_run_warn (&cfg->hooks[OCI_HOOK_POSTSTOP], s, "poststop");
}

/* The poststop hooks come from the config saved in the state dir, read
 * before that dir goes; without one (a create killed early) there are none
 * to run. */
int
destroy_container (const struct silo_global *g, struct container_state *st, silo_error_t *err)
{
  cleanup_free char *dir = state_dir (g, st->id);
  struct oci_config *cfg = NULL;
  int ret = -1;

  if (state_load_config (g, st, &cfg, err) < 0)
    silo_error_release (err);
  if (pid_alive (st->pid, st->start_time))
    {
      cleanup_close int pidfd = sys_pidfd_open (st->pid, 0);
      if (pidfd >= 0)
        sys_pidfd_send_signal (pidfd, SIGKILL, NULL, 0);
      wait_gone (st);
    }
  /* By path, not cg_open: a create or delete killed half-way may have left
   * the cgroup in some hierarchies only. */
  if (mode_of (st)->release && mode_of (st)->release (dir, err) < 0)
    silo_error_wrap (err, "delete `%s`", st->id);
  else if (st->cgroup_path && cg_remove (st->cgroup_path, err) < 0)
    silo_error_wrap (err, "delete `%s`", st->id);
  else if (rm_rf_at (AT_FDCWD, dir, err) == 0)
    {
      run_poststop (st, cfg);
      ret = 0;
    }
  oci_config_free (cfg);
  return ret;
}

/* runc: with --force, a container that does not exist is not an error.
   A create killed before it wrote state.json leaves its directory behind
   and the id stays taken; --force removes that too, as crun does. */
static int
delete_without_state (const struct silo_global *g, const char *id, silo_error_t *err)
{
  cleanup_free char *dir = NULL;

  silo_error_release (err);
  if (state_validate_id (id, err) < 0)
    return -1;
  dir = state_dir (g, id);
  return rm_rf_at (AT_FDCWD, dir, err);
}

/* Deletes of one container take turns: flock on its directory, held until
 * it is gone. One that waited finds nothing left (or, if the id was
 * reused meanwhile, another directory): the container does not exist. */
static int
lock_state_dir (const struct silo_global *g, const char *id, int *fd, silo_error_t *err)
{
  cleanup_free char *dir = NULL;
  struct stat a, b;

  *fd = -1;
  if (state_validate_id (id, err) < 0)
    return -1;
  dir = state_dir (g, id);
  *fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0)
    return errno == ENOENT ? 0 : silo_make_error (err, errno, "open `%s`", dir);
  if (TEMP_FAILURE_RETRY (flock (*fd, LOCK_EX)) < 0)
    return silo_make_error (err, errno, "lock `%s`", dir);
  if (fstat (*fd, &a) < 0 || stat (dir, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
    close_and_reset (fd);
  return 0;
}

int
silo_container_delete (const struct silo_global *g, const char *id, bool force,
                       silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  cleanup_close int lock_fd = -1;
  enum silo_status status;

  if (lock_state_dir (g, id, &lock_fd, err) < 0)
    return -1;
  if (lock_fd < 0)
    return force ? 0 : silo_make_error (err, 0, "container `%s` does not exist", id);
  if (state_read (g, id, &st, err) < 0)
    return force ? delete_without_state (g, id, err) : -1;
  if (state_status (g, st, &status, err) < 0)
    return -1;
  /* Maybe a create still at work: only --force takes it away from it. */
  if (!force && status == SILO_CREATING)
    return silo_make_error (err, 0, "container `%s` is creating: use --force to remove what "
                            "a killed create left", id);
  if (!force && (status == SILO_RUNNING || status == SILO_PAUSED))
    return silo_make_error (err, 0, "container `%s` is %s: stop it first or use --force", id,
                            silo_status_name (status));
  if (status == SILO_PAUSED)
    {
      struct cg_handle *h = NULL;
      /* A frozen process cannot die: thaw it under the SIGKILL. */
      if (open_cgroup (st, &h, err) == 0 && h)
        {
          cg_kill_all (h, SIGKILL, err);
          silo_error_release (err);
          cg_freeze (h, false, err);
          cg_handle_free (h);
        }
      silo_error_release (err);
    }
  return destroy_container (g, st, err);
}

/* The owner `list` shows: the user owning the container's state dir, by
 * name (runc), its uid when it has none. */
static char *
state_dir_owner (int rootfd, const char *id)
{
  char buf[4096];
  struct passwd pw, *found = NULL;
  struct stat st;
  char *name;

  if (fstatat (rootfd, id, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return xstrdup ("");
  if (getpwuid_r (st.st_uid, &pw, buf, sizeof (buf), &found) == 0 && found)
    return xstrdup (found->pw_name);
  xasprintf (&name, "#%u", (unsigned) st.st_uid);
  return name;
}

int
silo_container_list (const struct silo_global *g, struct silo_list_entry **out, size_t *n,
                     silo_error_t *err)
{
  cleanup_dir DIR *d = opendir (g->root);
  struct silo_list_entry *l = NULL;
  struct dirent *de;
  size_t len = 0;

  *out = NULL;
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : silo_make_error (err, errno, "open `%s`", g->root);
  while ((de = readdir (d)))
    {
      struct container_state *st = NULL;
      enum silo_status status;
      if (de->d_name[0] == '.' || state_read (g, de->d_name, &st, err) < 0)
        {
          silo_error_release (err);
          continue;
        }
      state_status (g, st, &status, err);
      l = xrealloc (l, (len + 1) * sizeof (*l));
      l[len++] = (struct silo_list_entry){ .id = steal_pointer (&st->id), .pid = st->pid,
                                           .status = status,
                                           .bundle = steal_pointer (&st->bundle),
                                           .created = steal_pointer (&st->created),
                                           .owner = state_dir_owner (dirfd (d), de->d_name) };
      state_free (st);
    }
  *out = l;
  *n = len;
  return 0;
}

void
silo_list_free (struct silo_list_entry *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (l[i].id);
      free (l[i].bundle);
      free (l[i].created);
      free (l[i].owner);
    }
  free (l);
}
