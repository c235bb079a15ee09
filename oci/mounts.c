/* mounts[]: the raw entries plus MS_* flags derived from the options, so
 * runtime/ never parses option strings. */
#include <string.h>
#include <sys/mount.h>

#include "../util/utils.h"
#include "internal.h"

static void
append_data (struct oci_mount *m, const char *opt)
{
  char *joined;

  if (m->data == NULL)
    {
      m->data = xstrdup (opt);
      return;
    }
  if (xasprintf (&joined, "%s,%s", m->data, opt) < 0)
    OOM ();
  free (m->data);
  m->data = joined;
}

static int
apply_option (struct oci_ctx *c, const char *path, const char *opt, struct oci_mount *m)
{
  const struct oci_mount_opt *mo;
  unsigned long prop;

  if (strcmp (opt, "idmap") == 0 || strcmp (opt, "ridmap") == 0)
    {
      m->idmap = true;
      m->idmap_recursive |= opt[0] == 'r';
      return 0;
    }
  if (strcmp (opt, "tmpcopyup") == 0)
    {
      m->tmpcopyup = true;
      return 0;
    }
  if (oci_propagation_lookup (opt, &prop) == 0)
    {
      m->propagation = prop;
      return 0;
    }
  mo = oci_rec_attr_lookup (opt);
  if (mo)
    {
      if (mo->clear)
        m->rec_attr_clr |= mo->flag;
      else
        m->rec_attr_set |= mo->flag;
      /* an access-time mode is set by clearing the field first (runc) */
      if (!mo->clear && (mo->flag & MOUNT_ATTR__ATIME) == mo->flag)
        m->rec_attr_clr |= MOUNT_ATTR__ATIME;
      return 0;
    }
  mo = oci_mount_opt_lookup (opt);
  if (mo == NULL)
    {
      append_data (m, opt);
      return 0;
    }
  if (mo->clear)
    {
      m->flags &= ~mo->flag;
      m->clear_flags |= mo->flag;
    }
  else
    {
      m->flags |= mo->flag;
      m->clear_flags &= ~mo->flag;
    }
  if (mo->flag & MS_BIND)
    m->is_bind = true;
  return 0;
}

/* "/", "//", "/./" ...: the destination is the container's root itself. */
static bool
is_root (const char *dest)
{
  const char *p;

  for (p = dest; *p; p++)
    if (*p != '/' && !(*p == '.' && (p[1] == '/' || p[1] == '\0') && p[-1] == '/'))
      return false;
  return true;
}

/* Mappings alone make an idmapped mount (runc); either both kinds or
 * none; only a bind can be idmapped. */
static int
check_idmap (struct oci_ctx *c, const char *path, struct oci_mount *m)
{
  m->idmap |= m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
  if (!m->idmap)
    return 0;
  if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
    return oci_fail (c, path, "uidMappings and gidMappings go together");
  if (!m->is_bind)
    {
      char fpath[OCI_PATH_LEN];
      oci_path_key (fpath, path, m->n_uid_mappings ? "uidMappings" : "options");
      return oci_fail (c, fpath, "an idmapped mount must be a bind mount");
    }
  return 0;
}

static int
parse_mount (struct oci_ctx *c, json_t *o, const char *path, struct oci_mount *m)
{
  char opath[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  size_t i;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_string (c, o, path, "destination", true, &m->destination);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "type", false, &m->type);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "source", false, &m->source);
  if (ret == 0)
    ret = oci_get_strv (c, o, path, "options", &m->options);
  if (ret == 0)
    ret = oci_parse_idmaps (c, o, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings);
  if (ret == 0)
    ret = oci_parse_idmaps (c, o, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings);
  if (ret < 0)
    return ret;
  oci_path_key (opath, path, "destination");
  if (m->destination[0] == '\0')
    return oci_fail (c, opath, "must not be empty");
  if (m->destination[0] != '/')
    {
      /* runc resolves a relative destination against the container root. */
      char *abs;

      if (xasprintf (&abs, "/%s", m->destination) < 0)
        OOM ();
      free (m->destination);
      m->destination = abs;
    }
  if (oci_check_abs_path (c, opath, m->destination) < 0)
    return -1;
  if (is_root (m->destination))
    return oci_fail (c, opath, "cannot mount over the container's root (set root.path)");
  oci_path_key (opath, path, "source");
  if (m->source != NULL && oci_check_len (c, opath, m->source, OCI_MAX_PATH - 1) < 0)
    return -1;
  oci_path_key (opath, path, "type");
  if (m->type != NULL && oci_check_len (c, opath, m->type, 255) < 0)
    return -1;
  /* type "bind" alone means a bind mount (runc, crun); keep MS_BIND in
   * flags too so callers can use either field. */
  if (m->type != NULL && strcmp (m->type, "bind") == 0)
    {
      m->is_bind = true;
      m->flags |= MS_BIND;
    }
  oci_path_key (opath, path, "options");
  for (i = 0; m->options != NULL && m->options[i]; i++)
    {
      oci_path_idx (ipath, opath, i);
      ret = apply_option (c, ipath, m->options[i], m);
      if (ret < 0)
        return ret;
    }
  if (check_idmap (c, path, m) < 0)
    return -1;
  /* A bind takes no filesystem data: an option left over would be lost. */
  if (m->is_bind && m->data != NULL)
    return oci_fail (c, opath, "\"%s\": not an option silo knows for a bind mount", m->data);
  /* mount(2) copies one page of filesystem data and drops the rest. */
  if (m->data != NULL && strlen (m->data) >= 4096)
    return oci_fail (c, opath, "filesystem options longer than 4095 bytes");
  return 0;
}

int
oci_parse_mounts (struct oci_ctx *c, json_t *root, struct oci_config *cfg)
{
  char path[OCI_PATH_LEN];
  json_t *arr = NULL;
  size_t i, n;
  int ret;

  ret = oci_get_array (c, root, "", "mounts", false, &arr);
  if (ret < 0 || arr == NULL)
    return ret;
  n = json_array_size (arr);
  cfg->mounts = xmalloc0 ((n + 1) * sizeof (struct oci_mount));
  cfg->n_mounts = n;
  for (i = 0; i < n; i++)
    {
      oci_path_idx (path, "mounts", i);
      ret = parse_mount (c, json_array_get (arr, i), path, &cfg->mounts[i]);
      if (ret < 0)
        return ret;
    }
  return 0;
}

void
oci_config_resolve_sources (struct oci_config *cfg, const char *bundle)
{
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      struct oci_mount *m = &cfg->mounts[i];
      char *abs;

      if (!m->is_bind || m->source == NULL || m->source[0] == '/')
        continue;
      if (xasprintf (&abs, "%s/%s", bundle, m->source) < 0)
        OOM ();
      free (m->source);
      m->source = abs;
    }
}
