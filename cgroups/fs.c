/* Reading and writing cgroup files, walking and removing cgroup trees. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../util/log.h"
#include "../util/utils.h"

char *
cg_dir (const struct cg_hier *hier, const char *path)
{
  char *dir = NULL;

  xasprintf (&dir, "%s%s", hier->mount, strcmp (path, "/") == 0 ? "" : path);
  return dir;
}

int
cg_write (const char *dir, const char *file, const char *value, const char *what,
          silo_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;

  xasprintf (&path, "%s/%s", dir, file);
  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return silo_make_error (err, 0, "%s: not supported by the host (no %s)", what, file);
  if (fd < 0)
    return silo_make_error (err, errno, "%s: open %s", what, path);
  if (write_all (fd, value, strlen (value)) < 0)
    return silo_make_error (err, errno, "%s: write %s", what, file);
  pr_debug ("cgroup: %s <- %s", path, value);
  return 0;
}

int
cg_writef (const char *dir, const char *file, const char *what, silo_error_t *err,
           const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&value, fmt, ap) < 0)
    OOM ();
  va_end (ap);
  return cg_write (dir, file, value, what, err);
}

int
cg_read (const char *dir, const char *file, char **out, silo_error_t *err)
{
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/%s", dir, file);
  return read_file (path, out, NULL, err);
}

bool
cg_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = NULL;

  xasprintf (&path, "%s/%s", dir, file);
  return access (path, F_OK) == 0;
}

int
cg_read_u64 (const char *dir, const char *file, uint64_t *out)
{
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;

  if (cg_read (dir, file, &text, &err) < 0)
    {
      silo_error_release (&err);
      return -1;
    }
  if (strncmp (text, "max", 3) == 0)
    *out = UINT64_MAX;
  else
    *out = strtoull (text, NULL, 10);
  return 0;
}

int
cg_read_key (const char *dir, const char *file, const char *key, uint64_t *out)
{
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;
  size_t klen = strlen (key);
  char *line;

  if (cg_read (dir, file, &text, &err) < 0)
    {
      silo_error_release (&err);
      return -1;
    }
  for (line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      {
        *out = strtoull (line + klen + 1, NULL, 10);
        return 0;
      }
  return -1;
}

static int
read_procs (const char *dir, pid_t **pids, size_t *n, silo_error_t *err)
{
  cleanup_free char *text = NULL;
  char *p, *end;
  int ret;

  ret = cg_read (dir, "cgroup.procs", &text, err);
  if (ret < 0)
    return ret;
  for (p = text; *p; p = end)
    {
      long v = strtol (p, &end, 10);
      if (end == p)
        break;
      *pids = xrealloc (*pids, (*n + 1) * sizeof (pid_t));
      (*pids)[(*n)++] = (pid_t) v;
    }
  return 0;
}

int
cg_read_pids_rec (const char *dir, pid_t **pids, size_t *n, silo_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int ret;

  ret = read_procs (dir, pids, n, err);
  if (ret < 0)
    return ret;
  d = opendir (dir);
  if (d == NULL)
    return silo_make_error (err, errno, "opendir `%s`", dir);
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      xasprintf (&sub, "%s/%s", dir, de->d_name);
      ret = cg_read_pids_rec (sub, pids, n, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* rmdir can fail with EBUSY for a moment after the last process exited. */
static int
rmdir_retry (const char *dir, silo_error_t *err)
{
  int i;

  for (i = 0; i < 100; i++)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      nanosleep (&ts, NULL);
    }
  return silo_make_error (err, errno, "rmdir `%s`", dir);
}

int
cg_rmdir_rec (const char *dir, silo_error_t *err)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;
  int ret;

  if (d == NULL)
    return errno == ENOENT ? 0 : silo_make_error (err, errno, "opendir `%s`", dir);
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0
          || strcmp (de->d_name, "..") == 0)
        continue;
      xasprintf (&sub, "%s/%s", dir, de->d_name);
      ret = cg_rmdir_rec (sub, err);
      if (ret < 0)
        return ret;
    }
  return rmdir_retry (dir, err);
}

int
cg_mkdir_levels (const char *root, const char *path, cg_level_fn setup, void *data,
                 char **created, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *cur = xstrdup (root);
  char *saveptr = NULL, *comp;
  int ret;

  *created = NULL;
  for (comp = strtok_r (copy, "/", &saveptr); comp; comp = strtok_r (NULL, "/", &saveptr))
    {
      char *next = NULL;
      xasprintf (&next, "%s/%s", cur, comp);
      if (mkdir (next, 0755) == 0)
        {
          if (*created == NULL)
            *created = xstrdup (next);
          ret = setup ? setup (cur, next, data, err) : 0;
          if (ret < 0)
            {
              free (next);
              return ret;
            }
        }
      else if (errno != EEXIST)
        {
          ret = silo_make_error (err, errno, "mkdir `%s`", next);
          free (next);
          return ret;
        }
      free (cur);
      cur = next;
    }
  return 0;
}
