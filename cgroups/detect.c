/* Host layout detection and discovery of the mounted hierarchies. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "../util/utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool
is_cgroup2 (const char *path)
{
  struct statfs sfs;

  return statfs (path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int
cg_detect_layout (const char *root, enum cg_layout *out, silo_error_t *err)
{
  cleanup_free char *unified = NULL;
  cleanup_free char *controllers = NULL;
  struct statfs sfs;

  if (statfs (root, &sfs) < 0)
    return silo_make_error (err, errno, "statfs `%s`", root);
  xasprintf (&controllers, "%s/cgroup.controllers", root);
  /* A directory that is not cgroupfs but holds cgroup.controllers stands for
   * a cgroup2 mount (tests). */
  if (sfs.f_type == CGROUP2_SUPER_MAGIC || access (controllers, F_OK) == 0)
    {
      *out = CG_LAYOUT_V2;
      return 0;
    }
  xasprintf (&unified, "%s/unified", root);
  *out = is_cgroup2 (unified) ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
  return 0;
}

const char *
cg_layout_name (enum cg_layout layout)
{
  switch (layout)
    {
    case CG_LAYOUT_V1:
      return "v1";
    case CG_LAYOUT_HYBRID:
      return "hybrid";
    case CG_LAYOUT_V2:
      return "v2";
    }
  return "unknown";
}

/* Super options that are not controllers. */
static bool
is_controller_option (const char *opt)
{
  static const char *const ignored[]
      = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods",
          "nsdelegate", "memory_recursiveprot", "memory_localevents" };
  size_t i;

  if (strncmp (opt, "name=", 5) == 0)
    return true;
  if (strchr (opt, '=') != NULL || *opt == '\0')
    return false;
  for (i = 0; i < ARRAY_SIZE (ignored); i++)
    if (strcmp (opt, ignored[i]) == 0)
      return false;
  return true;
}

static char **
split_controllers (const char *super_opts)
{
  cleanup_free char *copy = xstrdup (super_opts);
  char **v = xmalloc0 (sizeof (char *));
  size_t n = 0;
  char *saveptr = NULL, *tok;

  for (tok = strtok_r (copy, ",", &saveptr); tok; tok = strtok_r (NULL, ",", &saveptr))
    {
      if (!is_controller_option (tok))
        continue;
      v = xrealloc (v, (n + 2) * sizeof (char *));
      v[n++] = xstrdup (tok);
      v[n] = NULL;
    }
  return v;
}

static bool
under_root (const char *mount, const char *root)
{
  size_t l = strlen (root);

  while (l > 1 && root[l - 1] == '/')
    l--;
  return strncmp (mount, root, l) == 0 && (mount[l] == '/' || mount[l] == '\0');
}

static bool
host_has_mount (const struct cg_host *host, const char *mount, bool v2)
{
  size_t i;

  for (i = 0; i < host->n_hiers; i++)
    if (strcmp (host->hiers[i].mount, mount) == 0 || (v2 && host->hiers[i].v2))
      return true;
  return false;
}

static void
add_hier (struct cg_host *host, const char *mount, char **controllers, bool v2)
{
  struct cg_hier *h;
  const char *slash = strrchr (mount, '/');

  host->hiers = xrealloc (host->hiers, (host->n_hiers + 1) * sizeof (*host->hiers));
  h = &host->hiers[host->n_hiers++];
  h->mount = xstrdup (mount);
  h->name = xstrdup (slash ? slash + 1 : mount);
  h->controllers = controllers;
  h->v2 = v2;
}

/* One mountinfo line: "... MOUNTPOINT OPTS [optional...] - FSTYPE SOURCE SUPEROPTS". */
static void
parse_mountinfo_line (char *line, const char *root, struct cg_host *host)
{
  char *fields[6] = { NULL };
  char *sep = strstr (line, " - ");
  char *fstype, *source, *super, *saveptr = NULL;
  size_t i;

  if (sep == NULL)
    return;
  *sep = '\0';
  fields[0] = strtok_r (line, " ", &saveptr);
  for (i = 1; i < 6 && fields[i - 1]; i++)
    fields[i] = strtok_r (NULL, " ", &saveptr);
  saveptr = NULL;
  fstype = strtok_r (sep + 3, " ", &saveptr);
  source = fstype ? strtok_r (NULL, " ", &saveptr) : NULL;
  super = source ? strtok_r (NULL, " \n", &saveptr) : NULL;
  if (fields[4] == NULL || super == NULL || !under_root (fields[4], root))
    return;
  if (strcmp (fstype, "cgroup2") == 0 && !host_has_mount (host, fields[4], true))
    add_hier (host, fields[4], NULL, true);
  else if (strcmp (fstype, "cgroup") == 0 && !host_has_mount (host, fields[4], false))
    add_hier (host, fields[4], split_controllers (super), false);
}

int
cg_parse_mountinfo (const char *text, const char *root, struct cg_host *host,
                    silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (text);
  char *saveptr = NULL, *line;

  for (line = strtok_r (copy, "\n", &saveptr); line; line = strtok_r (NULL, "\n", &saveptr))
    parse_mountinfo_line (line, root, host);
  if (host->n_hiers == 0)
    return silo_make_error (err, 0, "no cgroup hierarchy mounted under `%s`", root);
  return 0;
}

static void
drop_v2_hiers (struct cg_host *host)
{
  size_t i, j = 0;

  for (i = 0; i < host->n_hiers; i++)
    {
      if (host->hiers[i].v2)
        {
          free (host->hiers[i].mount);
          free (host->hiers[i].name);
          continue;
        }
      host->hiers[j++] = host->hiers[i];
    }
  host->n_hiers = j;
}

int
cg_host_load (const char *root, struct cg_host *out, silo_error_t *err)
{
  cleanup_free char *mountinfo = NULL;
  int ret;

  memset (out, 0, sizeof (*out));
  ret = cg_detect_layout (root, &out->layout, err);
  if (ret < 0)
    return ret;
  out->root = xstrdup (root);
  if (out->layout == CG_LAYOUT_V2)
    {
      add_hier (out, root, NULL, true);
      free (out->hiers[0].name);
      out->hiers[0].name = xstrdup ("");
      return 0;
    }
  ret = read_file ("/proc/self/mountinfo", &mountinfo, NULL, err);
  if (ret == 0)
    ret = cg_parse_mountinfo (mountinfo, root, out, err);
  if (ret < 0)
    {
      cg_host_release (out);
      return ret;
    }
  if (out->layout == CG_LAYOUT_V1)
    drop_v2_hiers (out);
  return 0;
}

void
cg_host_release (struct cg_host *host)
{
  size_t i;

  for (i = 0; i < host->n_hiers; i++)
    {
      free (host->hiers[i].mount);
      free (host->hiers[i].name);
      strv_free (host->hiers[i].controllers);
    }
  free (host->hiers);
  free (host->root);
  memset (host, 0, sizeof (*host));
}

struct cg_hier *
cg_host_find (const struct cg_host *host, const char *controller)
{
  size_t i, j;

  for (i = 0; i < host->n_hiers; i++)
    for (j = 0; host->hiers[i].controllers && host->hiers[i].controllers[j]; j++)
      if (strcmp (host->hiers[i].controllers[j], controller) == 0)
        return &host->hiers[i];
  return NULL;
}

struct cg_hier *
cg_host_v2 (const struct cg_host *host)
{
  size_t i;

  for (i = 0; i < host->n_hiers; i++)
    if (host->hiers[i].v2)
      return &host->hiers[i];
  return NULL;
}

struct cg_hier *
cg_host_procs_hier (const struct cg_host *host)
{
  struct cg_hier *h;

  if (host->layout == CG_LAYOUT_V2)
    return cg_host_v2 (host);
  h = cg_host_find (host, "pids");
  if (h == NULL)
    h = cg_host_find (host, "memory");
  if (h == NULL)
    h = &host->hiers[0];
  return h;
}
