/* linux.cgroupsPath resolution: cgroupfs paths and the systemd slice form. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../util/log.h"
#include "../util/utils.h"

#define SYSTEMD_RUN_DIR "/run/systemd/system"

/* "slice:prefix:name": two colons and no leading slash. */
static bool
is_systemd_form (const char *p)
{
  const char *c1 = strchr (p, ':');

  return p[0] != '/' && c1 != NULL && strchr (c1 + 1, ':') != NULL
         && strchr (strchr (c1 + 1, ':') + 1, ':') == NULL;
}

static bool
has_dotdot (const char *p)
{
  const char *s;

  for (s = strstr (p, ".."); s; s = strstr (s + 2, ".."))
    if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
      return true;
  return false;
}

/* "a-b.slice" -> "/a.slice/a-b.slice", as systemd lays slices out. */
static int
expand_slice (const char *slice, char **out, silo_error_t *err)
{
  size_t len = strlen (slice);
  cleanup_free char *base = NULL;
  char *path = xstrdup (""), *dash;

  if (len < 6 || strcmp (slice + len - 6, ".slice") != 0 || strchr (slice, '/'))
    {
      free (path);
      return silo_make_error (err, 0, "linux.cgroupsPath: invalid systemd slice `%s`", slice);
    }
  if (strcmp (slice, "-.slice") == 0)
    {
      *out = path;
      return 0;
    }
  base = xstrndup (slice, len - 6);
  for (dash = strchr (base, '-');; dash = strchr (dash + 1, '-'))
    {
      char *next = NULL;
      cleanup_free char *prefix = xstrndup (base, dash ? (size_t) (dash - base) : strlen (base));
      xasprintf (&next, "%s/%s.slice", path, prefix);
      free (path);
      path = next;
      if (dash == NULL)
        break;
    }
  *out = path;
  return 0;
}

static int
resolve_systemd (const char *p, const char *systemd_dir, char **out, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (p);
  cleanup_free char *slice_path = NULL;
  char *slice = copy, *prefix, *name;
  int ret;

  if (access (systemd_dir, F_OK) < 0)
    return silo_make_error (err, 0, "systemd cgroup driver: systemd is not running");
  prefix = strchr (slice, ':');
  *prefix++ = '\0';
  name = strchr (prefix, ':');
  *name++ = '\0';
  if (*name == '\0' || strchr (name, '/'))
    return silo_make_error (err, 0, "linux.cgroupsPath: invalid systemd unit name in `%s`", p);
  ret = expand_slice (*slice ? slice : "system.slice", &slice_path, err);
  if (ret < 0)
    return ret;
  if (strlen (name) > 6 && strcmp (name + strlen (name) - 6, ".slice") == 0)
    xasprintf (out, "%s/%s", slice_path, name);
  else if (*prefix)
    xasprintf (out, "%s/%s-%s.scope", slice_path, prefix, name);
  else
    xasprintf (out, "%s/%s.scope", slice_path, name);
  pr_debug ("cgroup: systemd path `%s` -> `%s`", p, *out);
  return 0;
}

int
cg_resolve_path_at (const char *cgroups_path, const char *id, bool systemd,
                    const char *systemd_dir, char **out, silo_error_t *err)
{
  const char *p = cgroups_path;
  cleanup_free char *systemd_default = NULL;

  /* runc's default under the systemd driver; it still needs systemd. */
  if (systemd && (p == NULL || *p == '\0') && id && *id)
    {
      xasprintf (&systemd_default, "system.slice:silo:%s", id);
      p = systemd_default;
    }
  if (p == NULL || *p == '\0')
    {
      if (id == NULL || *id == '\0' || strchr (id, '/') || has_dotdot (id))
        return silo_make_error (err, 0, "invalid container id for a cgroup path");
      xasprintf (out, CG_SILO_PARENT "/%s", id);
      return 0;
    }
  if (has_dotdot (p))
    return silo_make_error (err, 0, "linux.cgroupsPath `%s`: `..` is not allowed", p);
  if (systemd)
    {
      if (!is_systemd_form (p))
        return silo_make_error (err, 0,
                                "linux.cgroupsPath `%s`: the systemd cgroup driver expects "
                                "`slice:prefix:name`", p);
      return resolve_systemd (p, systemd_dir, out, err);
    }
  if (is_systemd_form (p))
    return silo_make_error (err, 0,
                            "linux.cgroupsPath `%s` is in the systemd `slice:prefix:name` form; "
                            "use --systemd-cgroup or give a cgroupfs path", p);
  if (p[0] == '/')
    *out = xstrdup (p);
  else
    xasprintf (out, CG_SILO_PARENT "/%s", p);
  return 0;
}

int
cg_resolve_path (const char *cgroups_path, const char *id, bool systemd, char **out,
                 silo_error_t *err)
{
  return cg_resolve_path_at (cgroups_path, id, systemd, SYSTEMD_RUN_DIR, out, err);
}
