/* Public cgroup entry points: walk every hierarchy, dispatch the
 * layout-specific parts through struct cg_ops. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/log.h"
#include "../util/utils.h"

#define DESTROY_WAIT_MS 2000

static int
handle_new (const char *root, const char *path, struct cg_handle **out, silo_error_t *err)
{
  struct cg_handle *h;
  int ret;

  if (path == NULL || path[0] != '/' || path[strspn (path, "/")] == '\0')
    return silo_make_error (err, 0, "invalid cgroup path `%s`", path ? path : "");
  h = xmalloc0 (sizeof (*h));
  ret = cg_host_load (root, &h->host, err);
  if (ret < 0)
    {
      free (h);
      return ret;
    }
  h->ops = h->host.layout == CG_LAYOUT_V2 ? &cg_v2_ops : &cg_v1_ops;
  h->path = xstrdup (path);
  *out = h;
  return 0;
}

void
cg_handle_free (struct cg_handle *h)
{
  if (h == NULL)
    return;
  for (size_t i = 0; h->enter_paths && i < h->host.n_hiers; i++)
    free (h->enter_paths[i]);
  free (h->enter_paths);
  cg_host_release (&h->host);
  free (h->path);
  free (h);
}

void
cg_handle_freep (struct cg_handle **h)
{
  cg_handle_free (*h);
  *h = NULL;
}

/* Free the list of directories create_dirs made; remove them first when
 * `remove` (rollback after a failed create). */
static void
release_created (char **created, size_t n, bool remove)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      silo_error_t ignored = NULL;
      if (remove && created[i] && cg_rmdir_rec (created[i], &ignored) < 0)
        {
          pr_debug ("cgroup: cleanup: %s", ignored->msg);
          silo_error_release (&ignored);
        }
      free (created[i]);
    }
  free (created);
}

static int
create_dirs (struct cg_handle *h, char **created, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < h->host.n_hiers; i++)
    {
      struct cg_hier *hier = &h->host.hiers[i];
      if (hier->v2)
        ret = cg_v2_create (hier->mount, h->path, &created[i], err);
      else
        ret = cg_v1_create (hier, h->path, &created[i], err);
      if (ret < 0)
        return silo_error_wrap (err, "create cgroup `%s`", h->path);
    }
  return 0;
}

int
cg_create_at (const char *root, const char *path, const struct oci_resources *res,
              struct cg_handle **out, silo_error_t *err)
{
  cleanup_cg_handle struct cg_handle *h = NULL;
  char **created;
  int ret;

  ret = handle_new (root, path, &h, err);
  if (ret < 0)
    return ret;
  created = xmalloc0 (h->host.n_hiers * sizeof (char *));
  ret = create_dirs (h, created, err);
  if (ret == 0 && res != NULL)
    ret = h->ops->apply (h, res, err);
  release_created (created, h->host.n_hiers, ret < 0);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&h);
  return 0;
}

int
cg_create (const char *path, const struct oci_resources *res, struct cg_handle **out,
           silo_error_t *err)
{
  return cg_create_at (CG_DEFAULT_ROOT, path, res, out, err);
}

int
cg_open_at (const char *root, const char *path, struct cg_handle **out, silo_error_t *err)
{
  cleanup_cg_handle struct cg_handle *h = NULL;
  cleanup_free char *dir = NULL;
  int ret;

  ret = handle_new (root, path, &h, err);
  if (ret < 0)
    return ret;
  dir = cg_dir (cg_host_procs_hier (&h->host), path);
  if (access (dir, F_OK) < 0)
    return silo_make_error (err, errno, "open cgroup `%s`", dir);
  *out = steal_pointer (&h);
  return 0;
}

int
cg_open (const char *path, struct cg_handle **out, silo_error_t *err)
{
  return cg_open_at (CG_DEFAULT_ROOT, path, out, err);
}

/* Where processes enter hierarchy i: the container's cgroup, or the
 * sub-cgroup cg_open_sub chose there. */
static const char *
enter_path (const struct cg_handle *h, size_t i)
{
  return h->enter_paths && h->enter_paths[i] ? h->enter_paths[i] : h->path;
}

/* A sub-cgroup path: relative, no "." or ".." component. */
static bool
sub_path_ok (const char *p)
{
  const char *c = p;

  if (*p == '\0' || *p == '/')
    return false;
  while (*c)
    {
      size_t n = strcspn (c, "/");
      if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
        return false;
      c += n;
      c += *c == '/';
    }
  return true;
}

static bool
hier_has (const struct cg_hier *hier, const char *controller)
{
  for (size_t i = 0; hier->controllers && hier->controllers[i]; i++)
    if (strcmp (hier->controllers[i], controller) == 0)
      return true;
  return false;
}

/* One spec: PATH (every hierarchy) or CONTROLLER[,CONTROLLER...]:PATH (those
 * v1 hierarchies), as runc's exec --cgroup. */
static int
apply_sub_spec (struct cg_handle *h, const char *spec, silo_error_t *err)
{
  const char *colon = strchr (spec, ':');
  const char *sub = colon ? colon + 1 : spec;
  cleanup_free char *list = colon ? xstrndup (spec, (size_t) (colon - spec)) : NULL;
  char *save = NULL, *ctl;
  size_t i;

  if (!sub_path_ok (sub))
    return silo_make_error (err, 0, "exec --cgroup `%s`: `%s` is not a relative path inside "
                                    "the container's cgroup", spec, sub);
  for (i = 0; colon == NULL && i < h->host.n_hiers; i++)
    {
      free (h->enter_paths[i]);
      xasprintf (&h->enter_paths[i], "%s/%s", h->path, sub);
    }
  for (ctl = list ? strtok_r (list, ",", &save) : NULL; ctl; ctl = strtok_r (NULL, ",", &save))
    {
      for (i = 0; i < h->host.n_hiers; i++)
        if (!h->host.hiers[i].v2 && hier_has (&h->host.hiers[i], ctl))
          break;
      if (i == h->host.n_hiers)
        return silo_make_error (err, 0, "exec --cgroup `%s`: no cgroup v1 hierarchy of "
                                        "controller `%s` here", spec, ctl);
      free (h->enter_paths[i]);
      xasprintf (&h->enter_paths[i], "%s/%s", h->path, sub);
    }
  return 0;
}

int
cg_open_sub (struct cg_handle *h, char **specs, silo_error_t *err)
{
  size_t i;

  if (h->enter_paths == NULL)
    h->enter_paths = xmalloc0 ((h->host.n_hiers + 1) * sizeof (char *));
  for (; specs && *specs; specs++)
    if (apply_sub_spec (h, *specs, err) < 0)
      return -1;
  for (i = 0; i < h->host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&h->host.hiers[i], enter_path (h, i));
      if (h->enter_paths[i] && access (dir, F_OK) < 0)
        return silo_make_error (err, errno, "exec --cgroup: sub-cgroup `%s`", dir);
    }
  return 0;
}

int
cg_enter (struct cg_handle *h, pid_t pid, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < h->host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&h->host.hiers[i], enter_path (h, i));
      ret = cg_writef (dir, "cgroup.procs", "cgroup.procs", err, "%d", (int) pid);
      if (ret < 0)
        return silo_error_wrap (err, "enter cgroup `%s` (pid %d)", dir, (int) pid);
    }
  return 0;
}

/* Moving a process by writing its pid to cgroup.procs takes the kernel's
 * global threadgroup lock for writing, and the first such write in a while
 * waits for an RCU grace period: 5-10 ms on an idle 2-core host, more under
 * load. Two ways around it, both with open-time permission checks: clone3()
 * with CLONE_INTO_CGROUP puts a new process straight into its cgroup2 group,
 * and a single-threaded process that writes "0" to a v1 `tasks` file moves
 * itself without that lock. */
int
cg_join_fds (struct cg_handle *h, int *v2_fd, int **tasks_fds, size_t *n, silo_error_t *err)
{
  size_t i;

  *v2_fd = -1;
  *tasks_fds = xmalloc0 ((h->host.n_hiers + 1) * sizeof (int));
  *n = 0;
  for (i = 0; i < h->host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&h->host.hiers[i], enter_path (h, i));
      cleanup_free char *tasks = NULL;
      int fd;
      if (h->host.hiers[i].v2)
        {
          fd = *v2_fd < 0 ? open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
          if (fd >= 0)
            *v2_fd = fd;
        }
      else
        {
          xasprintf (&tasks, "%s/tasks", dir);
          fd = open (tasks, O_WRONLY | O_CLOEXEC);
          if (fd >= 0)
            (*tasks_fds)[(*n)++] = fd;
        }
      if (fd < 0)
        {
          int saved = errno;
          cg_join_fds_close (v2_fd, *tasks_fds, *n);
          *tasks_fds = NULL;
          *n = 0;
          return silo_make_error (err, saved, "enter cgroup `%s`", dir);
        }
    }
  return 0;
}

void
cg_join_fds_close (int *v2_fd, int *tasks_fds, size_t n)
{
  if (*v2_fd >= 0)
    close (*v2_fd);
  *v2_fd = -1;
  for (size_t i = 0; i < n; i++)
    close (tasks_fds[i]);
  free (tasks_fds);
}

int
cg_update (struct cg_handle *h, const struct oci_resources *res, silo_error_t *err)
{
  if (res == NULL)
    return 0;
  return h->ops->apply (h, res, err);
}

int
cg_freeze (struct cg_handle *h, bool frozen, silo_error_t *err)
{
  return h->ops->freeze (h, frozen, err);
}

int
cg_is_frozen (struct cg_handle *h, bool *frozen, silo_error_t *err)
{
  return h->ops->is_frozen (h, frozen, err);
}

int
cg_pids (struct cg_handle *h, pid_t **pids, size_t *n, silo_error_t *err)
{
  cleanup_free char *dir = cg_dir (cg_host_procs_hier (&h->host), h->path);

  *pids = NULL;
  *n = 0;
  if (cg_read_pids_rec (dir, pids, n, err) < 0)
    {
      free (*pids);
      *pids = NULL;
      *n = 0;
      return -1 - (*err)->status;
    }
  return 0;
}

static bool
try_cgroup_kill (struct cg_handle *h, int sig)
{
  cleanup_free char *dir = NULL;
  silo_error_t ignored = NULL;
  struct cg_hier *v2 = cg_host_v2 (&h->host);

  if (sig != SIGKILL || h->host.layout != CG_LAYOUT_V2 || v2 == NULL)
    return false;
  dir = cg_dir (v2, h->path);
  if (cg_write (dir, "cgroup.kill", "1", "cgroup.kill", &ignored) == 0)
    return true;
  silo_error_release (&ignored);
  return false;
}

/* As runc does for `kill --all`: freeze so nothing forks while we signal,
 * signal every pid, thaw (unless it was frozen before). */
int
cg_kill_all (struct cg_handle *h, int sig, silo_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  silo_error_t ferr = NULL;
  bool was_frozen = false, froze = false;
  size_t n, i;
  int ret;

  if (try_cgroup_kill (h, sig))
    return 0;
  if (h->ops->is_frozen (h, &was_frozen, &ferr) < 0)
    silo_error_release (&ferr);
  if (!was_frozen)
    {
      froze = h->ops->freeze (h, true, &ferr) == 0;
      silo_error_release (&ferr);
    }
  ret = cg_pids (h, &pids, &n, err);
  for (i = 0; ret == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      ret = silo_make_error (err, errno, "kill pid %d", (int) pids[i]);
  if (froze && h->ops->freeze (h, false, &ferr) < 0)
    {
      if (ret == 0)
        {
          silo_error_release (err);
          *err = steal_pointer (&ferr);
          return silo_error_wrap (err, "kill all: thaw");
        }
      silo_error_release (&ferr);
    }
  return ret;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };

  nanosleep (&ts, NULL);
}

/* Every pid in the container's cgroup in any hierarchy: a create or a
 * delete killed half-way may leave a process in some hierarchies only, or
 * the directory of some hierarchies already removed. */
static int
pids_any_hier (struct cg_handle *h, pid_t **pids, size_t *n, silo_error_t *err)
{
  size_t i;

  *pids = NULL;
  *n = 0;
  for (i = 0; i < h->host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&h->host.hiers[i], h->path);
      silo_error_t e = NULL;
      if (cg_read_pids_rec (dir, pids, n, &e) < 0)
        {
          if (e->status == ENOENT)
            {
              silo_error_release (&e);
              continue;
            }
          *err = e;
          return -1;
        }
    }
  return 0;
}

static void
kill_pids (const pid_t *pids, size_t n)
{
  for (size_t i = 0; i < n; i++)
    kill (pids[i], SIGKILL);
}

/* SIGKILL what is left and wait, bounded, for the cgroup to empty; a
 * frozen cgroup is thawed so that its tasks can die. */
static int
kill_remaining (struct cg_handle *h, silo_error_t *err)
{
  int waited;

  for (waited = 0; waited <= DESTROY_WAIT_MS; waited += 10)
    {
      cleanup_free pid_t *pids = NULL;
      silo_error_t e = NULL;
      size_t n = 0;

      if (pids_any_hier (h, &pids, &n, &e) < 0)
        {
          silo_error_release (&e);
          sleep_ms (10);
          continue;
        }
      if (n == 0)
        return 0;
      if (waited % 200 == 0)
        {
          bool frozen = false;
          /* Frozen while signalled, so that nothing forks meanwhile. */
          if (cg_kill_all (h, SIGKILL, &e) < 0)
            silo_error_release (&e);
          kill_pids (pids, n);
          if (h->ops->is_frozen (h, &frozen, &e) == 0 && frozen)
            h->ops->freeze (h, false, &e);
          silo_error_release (&e);
        }
      sleep_ms (10);
    }
  return silo_make_error (err, EBUSY, "destroy cgroup `%s`: processes still running", h->path);
}

int
cg_destroy (struct cg_handle *h, silo_error_t *err)
{
  size_t i;
  int ret, first = 0;

  ret = kill_remaining (h, err);
  if (ret < 0)
    return ret;
  for (i = 0; i < h->host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&h->host.hiers[i], h->path);
      silo_error_t e = NULL;
      if (cg_rmdir_rec (dir, &e) < 0)
        {
          if (first == 0)
            {
              first = -1 - e->status;
              *err = e;
              continue;
            }
          silo_error_release (&e);
        }
    }
  return first;
}

int
cg_remove_at (const char *root, const char *path, silo_error_t *err)
{
  cleanup_cg_handle struct cg_handle *h = NULL;
  int ret;

  ret = handle_new (root, path, &h, err);
  if (ret < 0)
    return ret;
  return cg_destroy (h, err);
}

int
cg_remove (const char *path, silo_error_t *err)
{
  return cg_remove_at (CG_DEFAULT_ROOT, path, err);
}

int
cg_stats (struct cg_handle *h, struct cg_stats *out, silo_error_t *err)
{
  memset (out, 0, sizeof (*out));
  return h->ops->stats (h, out, err);
}

int
cg_mounts (struct cg_handle *h, struct cg_mount **out, size_t *n, silo_error_t *err)
{
  size_t i;

  *out = xmalloc0 ((h->host.n_hiers + 1) * sizeof (**out));
  for (i = 0; i < h->host.n_hiers; i++)
    {
      struct cg_hier *hier = &h->host.hiers[i];
      (*out)[i].name = xstrdup (h->host.layout == CG_LAYOUT_V2 ? "" : hier->name);
      (*out)[i].host_path = cg_dir (hier, h->path);
    }
  *n = h->host.n_hiers;
  return 0;
}

void
cg_mounts_free (struct cg_mount *m, size_t n)
{
  size_t i;

  for (i = 0; m && i < n; i++)
    {
      free (m[i].name);
      free (m[i].host_path);
    }
  free (m);
}
