/* Typed access to jansson values with errors that name the JSON path. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/utils.h"
#include "internal.h"

int
oci_fail (struct oci_ctx *c, const char *path, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    OOM ();
  va_end (ap);
  /* Values quoted from the config stay on the message's one line. */
  for (char *p = msg; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      *p = '?';
  if (path == NULL || *path == '\0')
    return silo_make_error (c->err, 0, "%s: %s", c->what, msg);
  return silo_make_error (c->err, 0, "%s: %s: %s", c->what, path, msg);
}

/* Paths longer than OCI_PATH_LEN are cut short; they only appear in
 * messages. The explicit length check keeps -Wformat-truncation quiet. */
void
oci_path_key (char *buf, const char *base, const char *key)
{
  int n;

  if (base == NULL || *base == '\0')
    n = snprintf (buf, OCI_PATH_LEN, "%s", key);
  else
    n = snprintf (buf, OCI_PATH_LEN, "%s.%s", base, key);
  if (n < 0 || n >= OCI_PATH_LEN)
    buf[OCI_PATH_LEN - 1] = '\0';
}

void
oci_path_idx (char *buf, const char *base, size_t i)
{
  int n = snprintf (buf, OCI_PATH_LEN, "%s[%zu]", base, i);

  if (n < 0 || n >= OCI_PATH_LEN)
    buf[OCI_PATH_LEN - 1] = '\0';
}

json_t *
oci_load_object (struct oci_ctx *c, const char *text)
{
  json_error_t jerr;
  json_t *root;

  root = json_loads (text, 0, &jerr);
  if (root == NULL)
    {
      silo_make_error (c->err, 0, "%s: line %d column %d: %s", c->what, jerr.line,
                       jerr.column, jerr.text);
      return NULL;
    }
  if (!json_is_object (root))
    {
      json_decref (root);
      oci_fail (c, NULL, "must be a JSON object");
      return NULL;
    }
  return root;
}

/* Look up key; 1 = present (in *v), 0 = absent and optional, <0 = error. */
static int
get_field (struct oci_ctx *c, json_t *obj, const char *path, const char *key,
           bool required, json_t **v)
{
  *v = json_object_get (obj, key);
  /* An explicit null is treated as absent, as Go's encoding/json does. */
  if (*v != NULL && !json_is_null (*v))
    return 1;
  if (required)
    return oci_fail (c, path, "missing");
  return 0;
}

/* Shared shape of every typed getter: find the field, check its type. */
#define GET_TYPED(check, tname)                                               \
  char path[OCI_PATH_LEN];                                                    \
  json_t *v;                                                                  \
  int ret;                                                                    \
  oci_path_key (path, base, key);                                             \
  ret = get_field (c, obj, path, key, required, &v);                          \
  if (ret <= 0)                                                               \
    return ret;                                                               \
  if (!check (v))                                                             \
    return oci_fail (c, path, "must be %s", tname)

int
oci_get_object (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                bool required, json_t **out)
{
  GET_TYPED (json_is_object, "an object");
  *out = v;
  return 0;
}

int
oci_get_array (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
               bool required, json_t **out)
{
  GET_TYPED (json_is_array, "an array");
  *out = v;
  return 0;
}

int
oci_get_string (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                bool required, char **out)
{
  GET_TYPED (json_is_string, "a string");
  free (*out);
  *out = xstrdup (json_string_value (v));
  return 0;
}

int
oci_get_bool (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
              bool *out)
{
  bool required = false;
  GET_TYPED (json_is_boolean, "a boolean");
  *out = json_is_true (v);
  return 0;
}

int
oci_get_int (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
             bool required, int64_t *out)
{
  GET_TYPED (json_is_integer, "an integer");
  *out = json_integer_value (v);
  return 0;
}

int
oci_get_range (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
               bool required, int64_t min, int64_t max, int64_t *out)
{
  GET_TYPED (json_is_integer, "an integer");
  if (json_integer_value (v) < min || json_integer_value (v) > max)
    return oci_fail (c, path, "%lld out of range [%lld, %lld]",
                     (long long) json_integer_value (v), (long long) min,
                     (long long) max);
  *out = json_integer_value (v);
  return 0;
}

int
oci_get_opt (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
             struct oci_opt *out)
{
  bool required = false;
  GET_TYPED (json_is_integer, "an integer");
  out->set = true;
  out->value = json_integer_value (v);
  return 0;
}

int
oci_get_opt_range (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                   int64_t min, int64_t max, struct oci_opt *out)
{
  int64_t v = 0;
  int ret;

  if (json_object_get (obj, key) == NULL || json_is_null (json_object_get (obj, key)))
    return 0;
  ret = oci_get_range (c, obj, base, key, false, min, max, &v);
  if (ret < 0)
    return ret;
  out->set = true;
  out->value = v;
  return 0;
}

int
oci_check_abs_path (struct oci_ctx *c, const char *path, const char *value)
{
  if (value[0] != '/')
    return oci_fail (c, path, "must be an absolute path");
  if (strlen (value) >= OCI_MAX_PATH)
    return oci_fail (c, path, "longer than %d bytes", OCI_MAX_PATH - 1);
  return 0;
}

int
oci_check_len (struct oci_ctx *c, const char *path, const char *value, size_t max)
{
  if (strlen (value) > max)
    return oci_fail (c, path, "longer than %zu bytes", max);
  return 0;
}

int
oci_check_env (struct oci_ctx *c, const char *base, const char *key, char **env)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  size_t i;

  oci_path_key (path, base, key);
  for (i = 0; env != NULL && env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');

      oci_path_idx (ipath, path, i);
      if (eq == NULL || eq == env[i])
        return oci_fail (c, ipath, "\"%.64s\" is not NAME=VALUE", env[i]);
      if (strlen (env[i]) > 131071)
        return oci_fail (c, ipath, "longer than 131071 bytes");
    }
  return 0;
}

int
oci_get_strv (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
              char ***out)
{
  bool required = false;
  char ipath[OCI_PATH_LEN];
  size_t i, n;
  char **vec;

  GET_TYPED (json_is_array, "an array of strings");
  n = json_array_size (v);
  for (i = 0; i < n; i++)
    if (!json_is_string (json_array_get (v, i)))
      {
        oci_path_idx (ipath, path, i);
        return oci_fail (c, ipath, "must be a string");
      }
  vec = xmalloc0 ((n + 1) * sizeof (char *));
  for (i = 0; i < n; i++)
    vec[i] = xstrdup (json_string_value (json_array_get (v, i)));
  strv_free (*out);
  *out = vec;
  return 0;
}

int
oci_get_kv (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
            struct oci_kv_list *out)
{
  bool required = false;
  char kpath[OCI_PATH_LEN];
  const char *k;
  json_t *val;
  size_t i = 0;

  GET_TYPED (json_is_object, "an object");
  json_object_foreach (v, k, val)
    if (!json_is_string (val))
      {
        oci_path_key (kpath, path, k);
        return oci_fail (c, kpath, "must be a string");
      }
  oci_kv_free (out);
  out->items = xmalloc0 ((json_object_size (v) + 1) * sizeof (struct oci_kv));
  json_object_foreach (v, k, val)
    {
      out->items[i].key = xstrdup (k);
      out->items[i].value = xstrdup (json_string_value (val));
      i++;
    }
  out->len = i;
  return 0;
}

void
oci_kv_free (struct oci_kv_list *l)
{
  size_t i;

  for (i = 0; i < l->len; i++)
    {
      free (l->items[i].key);
      free (l->items[i].value);
    }
  free (l->items);
  l->items = NULL;
  l->len = 0;
}

const char *
oci_kv_get (const struct oci_kv_list *l, const char *key)
{
  size_t i;

  for (i = 0; l != NULL && i < l->len; i++)
    if (strcmp (l->items[i].key, key) == 0)
      return l->items[i].value;
  return NULL;
}

int
oci_for_each (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
              oci_elem_fn fn, void *data)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  json_t *arr = NULL;
  size_t i;
  int ret;

  ret = oci_get_array (c, obj, base, key, false, &arr);
  if (ret < 0 || arr == NULL)
    return ret;
  oci_path_key (path, base, key);
  for (i = 0; i < json_array_size (arr); i++)
    {
      oci_path_idx (ipath, path, i);
      ret = fn (c, json_array_get (arr, i), ipath, data);
      if (ret < 0)
        return ret;
    }
  return 0;
}

size_t
oci_array_len (json_t *obj, const char *key)
{
  json_t *v = json_object_get (obj, key);
  return json_is_array (v) ? json_array_size (v) : 0;
}
