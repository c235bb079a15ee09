/* config.json top level: version, root, hostname, annotations, hooks; the
 * process, mounts and linux sections are delegated to their own files. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"

static const char *const hook_keys[OCI_HOOK_KINDS] = {
  [OCI_HOOK_PRESTART] = "prestart",
  [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
  [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
  [OCI_HOOK_START_CONTAINER] = "startContainer",
  [OCI_HOOK_POSTSTART] = "poststart",
  [OCI_HOOK_POSTSTOP] = "poststop",
};

static int
parse_hook (struct oci_ctx *c, json_t *o, const char *path, struct oci_hook *h)
{
  char p[OCI_PATH_LEN];
  int64_t timeout = 0;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_string (c, o, path, "path", true, &h->path);
  if (ret < 0)
    return ret;
  oci_path_key (p, path, "path");
  if (oci_check_abs_path (c, p, h->path) < 0)
    return -1;
  ret = oci_get_strv (c, o, path, "args", &h->args);
  if (ret == 0)
    ret = oci_get_strv (c, o, path, "env", &h->env);
  if (ret == 0)
    ret = oci_check_env (c, path, "env", h->env);
  if (ret == 0)
    ret = oci_get_int (c, o, path, "timeout", false, &timeout);
  if (ret < 0)
    return ret;
  oci_path_key (p, path, "timeout");
  if (json_is_integer (json_object_get (o, "timeout")) && (timeout <= 0 || timeout > INT32_MAX))
    return oci_fail (c, p, "must be a positive number of seconds");
  h->timeout = (int) timeout;
  return 0;
}

static int
parse_hooks (struct oci_ctx *c, json_t *root, struct oci_config *cfg)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  json_t *hooks = NULL, *arr;
  size_t k, i;
  int ret;

  ret = oci_get_object (c, root, "", "hooks", false, &hooks);
  if (ret < 0 || hooks == NULL)
    return ret;
  for (k = 0; k < OCI_HOOK_KINDS; k++)
    {
      struct oci_hook_list *l = &cfg->hooks[k];

      arr = NULL;
      ret = oci_get_array (c, hooks, "hooks", hook_keys[k], false, &arr);
      if (ret < 0)
        return ret;
      if (arr == NULL)
        continue;
      oci_path_key (path, "hooks", hook_keys[k]);
      l->len = json_array_size (arr);
      l->items = xmalloc0 ((l->len + 1) * sizeof (struct oci_hook));
      for (i = 0; i < l->len; i++)
        {
          oci_path_idx (ipath, path, i);
          ret = parse_hook (c, json_array_get (arr, i), ipath, &l->items[i]);
          if (ret < 0)
            return ret;
        }
    }
  return 0;
}

static int
parse_version_root (struct oci_ctx *c, json_t *root, struct oci_config *cfg)
{
  json_t *r = NULL;
  int ret;

  ret = oci_get_string (c, root, "", "ociVersion", true, &cfg->oci_version);
  if (ret < 0)
    return ret;
  /* Only the 1.x series is understood; "1.0.2-dev" and "1.2.0" both pass. */
  if (strncmp (cfg->oci_version, "1.", 2) != 0 && strcmp (cfg->oci_version, "1") != 0)
    return oci_fail (c, "ociVersion", "unsupported version \"%s\" (need 1.x)",
                     cfg->oci_version);
  ret = oci_get_object (c, root, "", "root", true, &r);
  if (ret == 0)
    ret = oci_get_string (c, r, "root", "path", true, &cfg->root_path);
  if (ret == 0)
    ret = oci_get_bool (c, r, "root", "readonly", &cfg->root_readonly);
  if (ret < 0)
    return ret;
  if (cfg->root_path[0] == '\0')
    return oci_fail (c, "root.path", "must not be empty");
  return oci_check_len (c, "root.path", cfg->root_path, OCI_MAX_PATH - 1);
}

static int
parse_config (struct oci_ctx *c, json_t *root, struct oci_config *cfg)
{
  json_t *proc = NULL, *lnx = NULL;
  int ret;

  ret = parse_version_root (c, root, cfg);
  if (ret == 0)
    ret = oci_get_object (c, root, "", "process", true, &proc);
  if (ret < 0)
    return ret;
  cfg->process = xmalloc0 (sizeof (*cfg->process));
  ret = oci_parse_process (c, proc, "process", cfg->process);
  if (ret == 0)
    ret = oci_get_string (c, root, "", "hostname", false, &cfg->hostname);
  if (ret == 0 && cfg->hostname)
    ret = oci_check_len (c, "hostname", cfg->hostname, OCI_MAX_HOSTNAME);
  if (ret == 0)
    ret = oci_get_string (c, root, "", "domainname", false, &cfg->domainname);
  if (ret == 0 && cfg->domainname)
    ret = oci_check_len (c, "domainname", cfg->domainname, OCI_MAX_HOSTNAME);
  if (ret == 0)
    ret = oci_get_kv (c, root, "", "annotations", &cfg->annotations);
  if (ret == 0)
    ret = parse_hooks (c, root, cfg);
  /* runtime-spec's config for VM-based runtimes: silo has its own knobs,
   * and takes none of these silently. */
  if (ret == 0 && json_object_get (root, "vm") != NULL)
    ret = oci_fail (c, "vm", "not supported: sandbox mode is chosen with the silo.sandbox "
                             "annotation and its guest kernel with silo.vm.kernel");
  if (ret == 0)
    ret = oci_parse_mounts (c, root, cfg);
  if (ret == 0)
    ret = oci_get_object (c, root, "", "linux", false, &lnx);
  if (ret == 0 && lnx != NULL)
    ret = oci_parse_linux (c, lnx, "linux", &cfg->linux_);
  if (ret == 0)
    ret = oci_validate_config (c, cfg);
  return ret;
}

int
oci_config_parse (const char *text, const char *what, struct oci_config **out,
                  silo_error_t *err)
{
  struct oci_ctx c = { what ? what : "config.json", err };
  struct oci_config *cfg;
  json_t *root;
  int ret;

  root = oci_load_object (&c, text);
  if (root == NULL)
    return -1;
  cfg = xmalloc0 (sizeof (*cfg));
  ret = parse_config (&c, root, cfg);
  json_decref (root);
  if (ret < 0)
    {
      oci_config_free (cfg);
      return ret;
    }
  *out = cfg;
  return 0;
}

int
oci_read_config_file (const char *path, char **out, silo_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *text = NULL;
  struct stat st;
  size_t len = 0;
  ssize_t r;

  /* O_NONBLOCK: a FIFO must not block the open; a regular file ignores it. */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  if (fstat (fd, &st) < 0)
    return silo_make_error (err, errno, "stat `%s`", path);
  if (!S_ISREG (st.st_mode))
    return silo_make_error (err, 0, "`%s`: not a regular file", path);
  if (st.st_size > OCI_MAX_CONFIG_SIZE)
    return silo_make_error (err, 0, "`%s`: larger than %d MiB", path,
                            OCI_MAX_CONFIG_SIZE >> 20);
  /* One byte more than allowed, to see a file that grew since fstat. */
  text = xmalloc ((size_t) st.st_size + 2);
  while (len <= (size_t) st.st_size)
    {
      r = TEMP_FAILURE_RETRY (read (fd, text + len, (size_t) st.st_size + 1 - len));
      if (r < 0)
        return silo_make_error (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      len += (size_t) r;
    }
  if (len > (size_t) st.st_size && len > OCI_MAX_CONFIG_SIZE)
    return silo_make_error (err, 0, "`%s`: larger than %d MiB", path,
                            OCI_MAX_CONFIG_SIZE >> 20);
  text[len] = '\0';
  if (strlen (text) != len)
    return silo_make_error (err, 0, "`%s`: contains a NUL byte", path);
  *out = steal_pointer (&text);
  return 0;
}

int
oci_config_load (const char *path, struct oci_config **out, silo_error_t *err)
{
  cleanup_free char *text = NULL;
  const char *base = strrchr (path, '/');
  int ret;

  ret = oci_read_config_file (path, &text, err);
  if (ret < 0)
    return ret;
  /* Messages say "config.json: ..." whatever directory the bundle is in. */
  return oci_config_parse (text, base ? base + 1 : path, out, err);
}

static void
free_hooks (struct oci_hook_list *l)
{
  size_t i;

  for (i = 0; i < l->len; i++)
    {
      free (l->items[i].path);
      strv_free (l->items[i].args);
      strv_free (l->items[i].env);
    }
  free (l->items);
}

static void
free_mounts (struct oci_mount *m, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (m[i].destination);
      free (m[i].type);
      free (m[i].source);
      strv_free (m[i].options);
      free (m[i].data);
      free (m[i].uid_mappings);
      free (m[i].gid_mappings);
    }
  free (m);
}

void
oci_config_free (struct oci_config *cfg)
{
  size_t k;

  if (cfg == NULL)
    return;
  free (cfg->oci_version);
  free (cfg->root_path);
  free (cfg->hostname);
  free (cfg->domainname);
  oci_process_free (cfg->process);
  free_mounts (cfg->mounts, cfg->n_mounts);
  for (k = 0; k < OCI_HOOK_KINDS; k++)
    free_hooks (&cfg->hooks[k]);
  oci_kv_free (&cfg->annotations);
  oci_linux_free (&cfg->linux_);
  free (cfg);
}

const struct oci_namespace *
oci_config_namespace (const struct oci_config *cfg, int flag)
{
  size_t i;

  for (i = 0; cfg != NULL && i < cfg->linux_.n_namespaces; i++)
    if (cfg->linux_.namespaces[i].type == flag)
      return &cfg->linux_.namespaces[i];
  return NULL;
}
