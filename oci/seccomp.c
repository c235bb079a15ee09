/* linux.seccomp: action, architecture and operator names resolved to
 * libseccomp values here, so runtime/ only calls seccomp_rule_add. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "../util/utils.h"
#include "internal.h"

/* Resolve an action name at base.key and fold the errno value in:
 * SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry errnoRet (EPERM when absent, as
 * runc does). */
static int
parse_action (struct oci_ctx *c, json_t *o, const char *base, const char *key,
              const char *errno_key, uint32_t *out)
{
  cleanup_free char *name = NULL;
  char path[OCI_PATH_LEN];
  int64_t eno = EPERM;
  int ret;

  ret = oci_get_string (c, o, base, key, true, &name);
  if (ret == 0)
    ret = oci_get_range (c, o, base, errno_key, false, 0, 0xffff, &eno);
  if (ret < 0)
    return ret;
  oci_path_key (path, base, key);
  if (oci_seccomp_action_lookup (name, out) < 0)
    return oci_fail (c, path, "unknown seccomp action \"%s\"", name);
  if (*out == SCMP_ACT_ERRNO (0))
    *out = SCMP_ACT_ERRNO ((uint32_t) eno);
  else if (*out == SCMP_ACT_TRACE (0))
    *out = SCMP_ACT_TRACE ((uint32_t) eno);
  return 0;
}

static int
arch_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_seccomp *s = data;

  if (!json_is_string (o))
    return oci_fail (c, path, "must be a string");
  if (oci_seccomp_arch_lookup (json_string_value (o), &s->architectures[s->n_architectures])
      < 0)
    return oci_fail (c, path, "unknown architecture \"%s\"", json_string_value (o));
  s->n_architectures++;
  return 0;
}

static int
arg_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_seccomp_rule *r = data;
  struct oci_seccomp_arg *a = &r->args[r->n_args];
  cleanup_free char *op = NULL;
  int64_t index = 0, value = 0, value_two = 0;
  char opath[OCI_PATH_LEN];
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_range (c, o, path, "index", true, 0, 5, &index);
  if (ret == 0)
    ret = oci_get_int (c, o, path, "value", true, &value);
  if (ret == 0)
    ret = oci_get_int (c, o, path, "valueTwo", false, &value_two);
  if (ret == 0)
    ret = oci_get_string (c, o, path, "op", true, &op);
  if (ret < 0)
    return ret;
  oci_path_key (opath, path, "op");
  if (oci_seccomp_op_lookup (op, &a->op) < 0)
    return oci_fail (c, opath, "unknown seccomp operator \"%s\"", op);
  a->index = (unsigned) index;
  a->value = (uint64_t) value;
  a->value_two = (uint64_t) value_two;
  r->n_args++;
  return 0;
}

static int
syscall_elem (struct oci_ctx *c, json_t *o, const char *path, void *data)
{
  struct oci_seccomp *s = data;
  struct oci_seccomp_rule *r = &s->rules[s->n_rules];
  char npath[OCI_PATH_LEN];
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  s->n_rules++;
  ret = oci_get_strv (c, o, path, "names", &r->names);
  if (ret < 0)
    return ret;
  oci_path_key (npath, path, "names");
  if (r->names == NULL || r->names[0] == NULL)
    return oci_fail (c, npath, "must be a non-empty array");
  ret = parse_action (c, o, path, "action", "errnoRet", &r->action);
  if (ret < 0)
    return ret;
  r->args = xmalloc0 ((oci_array_len (o, "args") + 1) * sizeof (*r->args));
  return oci_for_each (c, o, path, "args", arg_elem, r);
}

int
oci_parse_seccomp (struct oci_ctx *c, json_t *o, const char *base, struct oci_seccomp *s)
{
  int ret;

  ret = parse_action (c, o, base, "defaultAction", "defaultErrnoRet", &s->default_action);
  if (ret < 0)
    return ret;
  s->architectures
      = xmalloc0 ((oci_array_len (o, "architectures") + 1) * sizeof (*s->architectures));
  ret = oci_for_each (c, o, base, "architectures", arch_elem, s);
  if (ret == 0)
    ret = oci_get_strv (c, o, base, "flags", &s->flags);
  if (ret == 0)
    ret = oci_get_string (c, o, base, "listenerPath", false, &s->listener_path);
  if (ret == 0)
    ret = oci_get_string (c, o, base, "listenerMetadata", false, &s->listener_metadata);
  if (ret < 0)
    return ret;
  s->rules = xmalloc0 ((oci_array_len (o, "syscalls") + 1) * sizeof (*s->rules));
  return oci_for_each (c, o, base, "syscalls", syscall_elem, s);
}

void
oci_seccomp_free (struct oci_seccomp *s)
{
  size_t i;

  free (s->architectures);
  strv_free (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (i = 0; i < s->n_rules; i++)
    {
      strv_free (s->rules[i].names);
      free (s->rules[i].args);
    }
  free (s->rules);
  memset (s, 0, sizeof (*s));
}
