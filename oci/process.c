/* The process object: user, args, env, capabilities, rlimits. Shared by
 * config.json (process) and `exec --process FILE`. */
#include <ctype.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>

#include "../util/utils.h"
#include "internal.h"

static int
parse_user (struct oci_ctx *c, json_t *proc, const char *base, struct oci_user *u)
{
  char path[OCI_PATH_LEN], gpath[OCI_PATH_LEN];
  json_t *user = NULL, *gids = NULL;
  int64_t v = 0;
  size_t i;
  int ret;

  ret = oci_get_object (c, proc, base, "user", false, &user);
  if (ret < 0 || user == NULL)
    return ret;
  oci_path_key (path, base, "user");
  ret = oci_get_range (c, user, path, "uid", false, 0, UINT32_MAX - 1, &v);
  if (ret < 0)
    return ret;
  u->uid = (uid_t) v;
  v = 0;
  ret = oci_get_range (c, user, path, "gid", false, 0, UINT32_MAX - 1, &v);
  if (ret < 0)
    return ret;
  u->gid = (gid_t) v;
  ret = oci_get_opt_range (c, user, path, "umask", 0, 0777, &u->umask);
  if (ret < 0)
    return ret;
  ret = oci_get_array (c, user, path, "additionalGids", false, &gids);
  if (ret < 0 || gids == NULL)
    return ret;
  oci_path_key (gpath, path, "additionalGids");
  u->additional_gids = xmalloc0 ((json_array_size (gids) + 1) * sizeof (gid_t));
  for (i = 0; i < json_array_size (gids); i++)
    {
      json_t *g = json_array_get (gids, i);
      char ipath[OCI_PATH_LEN];

      oci_path_idx (ipath, gpath, i);
      if (!json_is_integer (g) || json_integer_value (g) < 0
          || json_integer_value (g) >= UINT32_MAX)
        return oci_fail (c, ipath, "must be a valid gid");
      u->additional_gids[u->n_additional_gids++] = (gid_t) json_integer_value (g);
    }
  return 0;
}

/* "CAP_SYS_ADMIN" is cap_to_name's "cap_sys_admin" upper-cased; a kernel
 * newer than libcap names unknown ones by number, which no name matches. */
static bool
cap_name_is_exact (const char *name, cap_value_t cap)
{
  char *canon = cap_to_name (cap), *p;
  bool same;

  if (canon == NULL)
    return false;
  for (p = canon; *p; p++)
    *p = (char) toupper ((unsigned char) *p);
  same = strcmp (canon, name) == 0;
  cap_free (canon);
  return same;
}

/* One capability set, e.g. process.capabilities.bounding, into a bitmask. */
static int
parse_cap_set (struct oci_ctx *c, json_t *caps, const char *base, const char *key,
               uint64_t *mask)
{
  cleanup_strv char **names = NULL;
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  cap_value_t cap;
  size_t i;
  int ret;

  ret = oci_get_strv (c, caps, base, key, &names);
  if (ret < 0 || names == NULL)
    return ret;
  oci_path_key (path, base, key);
  for (i = 0; names[i]; i++)
    {
      oci_path_idx (ipath, path, i);
      /* cap_from_name also takes bare numbers, any case and trailing
       * blanks; the spec wants the exact CAP_ name. */
      if (strncmp (names[i], "CAP_", 4) != 0 || cap_from_name (names[i], &cap) < 0
          || cap < 0 || cap > 63 || !cap_name_is_exact (names[i], cap))
        return oci_fail (c, ipath, "unknown capability \"%.64s\"", names[i]);
      *mask |= 1ULL << cap;
    }
  return 0;
}

static int
parse_caps (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  static const struct
  {
    const char *key;
    size_t off;
  } sets[] = {
    { "bounding", offsetof (struct oci_caps, bounding) },
    { "effective", offsetof (struct oci_caps, effective) },
    { "inheritable", offsetof (struct oci_caps, inheritable) },
    { "permitted", offsetof (struct oci_caps, permitted) },
    { "ambient", offsetof (struct oci_caps, ambient) },
  };
  char path[OCI_PATH_LEN];
  json_t *caps = NULL;
  size_t i;
  int ret;

  ret = oci_get_object (c, proc, base, "capabilities", false, &caps);
  if (ret < 0 || caps == NULL)
    return ret;
  p->has_caps = true;
  oci_path_key (path, base, "capabilities");
  for (i = 0; i < ARRAY_SIZE (sets); i++)
    {
      uint64_t *mask = (uint64_t *) ((char *) &p->caps + sets[i].off);

      ret = parse_cap_set (c, caps, path, sets[i].key, mask);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
parse_rlimit (struct oci_ctx *c, json_t *o, const char *path, struct oci_process *p)
{
  struct oci_rlimit *rl = &p->rlimits[p->n_rlimits];
  cleanup_free char *type = NULL;
  char tpath[OCI_PATH_LEN];
  int64_t soft = 0, hard = 0;
  size_t i;
  int ret;

  if (!json_is_object (o))
    return oci_fail (c, path, "must be an object");
  ret = oci_get_string (c, o, path, "type", true, &type);
  if (ret < 0)
    return ret;
  oci_path_key (tpath, path, "type");
  rl->resource = oci_rlimit_lookup (type);
  if (rl->resource < 0)
    return oci_fail (c, tpath, "unknown rlimit \"%s\"", type);
  for (i = 0; i < p->n_rlimits; i++)
    if (p->rlimits[i].resource == rl->resource)
      return oci_fail (c, tpath, "duplicate rlimit \"%s\"", type);
  ret = oci_get_range (c, o, path, "soft", true, -1, INT64_MAX, &soft);
  if (ret == 0)
    ret = oci_get_range (c, o, path, "hard", true, -1, INT64_MAX, &hard);
  if (ret < 0)
    return ret;
  if ((uint64_t) soft > (uint64_t) hard)
    return oci_fail (c, path, "soft limit %lld above the hard limit %lld", (long long) soft,
                     (long long) hard);
  /* Values above INT64_MAX cannot be written in JSON that jansson reads, so
   * -1 stands for RLIM_INFINITY. */
  rl->soft = (uint64_t) soft;
  rl->hard = (uint64_t) hard;
  p->n_rlimits++;
  return 0;
}

static int
parse_rlimits (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  json_t *arr = NULL;
  size_t i;
  int ret;

  ret = oci_get_array (c, proc, base, "rlimits", false, &arr);
  if (ret < 0 || arr == NULL)
    return ret;
  oci_path_key (path, base, "rlimits");
  p->rlimits = xmalloc0 ((json_array_size (arr) + 1) * sizeof (struct oci_rlimit));
  for (i = 0; i < json_array_size (arr); i++)
    {
      oci_path_idx (ipath, path, i);
      ret = parse_rlimit (c, json_array_get (arr, i), ipath, p);
      if (ret < 0)
        return ret;
    }
  return 0;
}

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define SCHED_FLAG_UTIL_CLAMP (0x20 | 0x40)

static int
parse_sched_flags (struct oci_ctx *c, json_t *sched, const char *base, uint64_t *flags)
{
  cleanup_strv char **names = NULL;
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  unsigned long v;
  size_t i;
  int ret;

  ret = oci_get_strv (c, sched, base, "flags", &names);
  if (ret < 0 || names == NULL)
    return ret;
  oci_path_key (path, base, "flags");
  for (i = 0; names[i]; i++)
    {
      oci_path_idx (ipath, path, i);
      if (oci_sched_flag_lookup (names[i], &v) < 0)
        return oci_fail (c, ipath, "unknown flag \"%.64s\"", names[i]);
      /* The kernel wants sched_util_min/max with these; the spec has none. */
      if (v & SCHED_FLAG_UTIL_CLAMP)
        return oci_fail (c, ipath, "%s is not supported: the spec gives no utilization value",
                         names[i]);
      *flags |= v;
    }
  return 0;
}

/* nice for the fair policies, priority for the real-time ones, runtime,
 * deadline and period for SCHED_DEADLINE: the kernel's rules (sched(7)),
 * checked here so that create fails before anything is made. */
static int
check_sched (struct oci_ctx *c, const char *path, const struct oci_scheduler *s)
{
  static const char *const dl_keys[] = { "runtime", "deadline", "period" };
  const uint64_t dl_vals[] = { s->runtime, s->deadline, s->period };
  bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
  bool dl = s->policy == SCHED_DEADLINE;
  char kpath[OCI_PATH_LEN];
  size_t i;

  oci_path_key (kpath, path, "priority");
  if (rt && s->priority == 0)
    return oci_fail (c, kpath, "%s needs a priority in [1, 99]",
                     oci_sched_policy_name (s->policy));
  if (!rt && s->priority != 0)
    return oci_fail (c, kpath, "only SCHED_FIFO and SCHED_RR take a priority");
  for (i = 0; !dl && i < ARRAY_SIZE (dl_keys); i++)
    if (dl_vals[i] != 0)
      {
        oci_path_key (kpath, path, dl_keys[i]);
        return oci_fail (c, kpath, "only SCHED_DEADLINE takes a %s", dl_keys[i]);
      }
  if (dl && (s->runtime == 0 || s->runtime > s->deadline || (s->period && s->deadline > s->period)))
    return oci_fail (c, path, "SCHED_DEADLINE needs 0 < runtime <= deadline <= period");
  return 0;
}

static int
parse_scheduler (struct oci_ctx *c, json_t *proc, const char *base, struct oci_scheduler *s)
{
  static const char *const u64_keys[] = { "runtime", "deadline", "period" };
  uint64_t *u64_vals[] = { &s->runtime, &s->deadline, &s->period };
  cleanup_free char *policy = NULL;
  char path[OCI_PATH_LEN], ppath[OCI_PATH_LEN];
  json_t *sched = NULL;
  unsigned long v;
  int64_t n = 0;
  size_t i;
  int ret;

  ret = oci_get_object (c, proc, base, "scheduler", false, &sched);
  if (ret < 0 || sched == NULL)
    return ret;
  oci_path_key (path, base, "scheduler");
  ret = oci_get_string (c, sched, path, "policy", true, &policy);
  if (ret < 0)
    return ret;
  oci_path_key (ppath, path, "policy");
  if (oci_sched_policy_lookup (policy, &v) < 0)
    return oci_fail (c, ppath, "unknown policy \"%.64s\"", policy);
  if (strcmp (policy, "SCHED_ISO") == 0)
    return oci_fail (c, ppath, "SCHED_ISO is not implemented by Linux");
  s->policy = (uint32_t) v;
  ret = oci_get_range (c, sched, path, "nice", false, -20, 19, &n);
  if (ret < 0)
    return ret;
  s->nice = (int32_t) n;
  n = 0;
  ret = oci_get_range (c, sched, path, "priority", false, 0, 99, &n);
  if (ret < 0)
    return ret;
  s->priority = (uint32_t) n;
  for (i = 0; i < ARRAY_SIZE (u64_keys); i++)
    {
      n = 0;
      ret = oci_get_range (c, sched, path, u64_keys[i], false, 0, INT64_MAX, &n);
      if (ret < 0)
        return ret;
      *u64_vals[i] = (uint64_t) n;
    }
  ret = parse_sched_flags (c, sched, path, &s->flags);
  if (ret == 0)
    ret = check_sched (c, path, s);
  s->set = ret == 0;
  return ret;
}

static int
parse_io_priority (struct oci_ctx *c, json_t *proc, const char *base, struct oci_io_priority *io)
{
  cleanup_free char *class_ = NULL;
  char path[OCI_PATH_LEN], cpath[OCI_PATH_LEN];
  json_t *o = NULL;
  unsigned long v;
  int64_t prio = 0;
  int ret;

  ret = oci_get_object (c, proc, base, "ioPriority", false, &o);
  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "ioPriority");
  ret = oci_get_string (c, o, path, "class", true, &class_);
  if (ret < 0)
    return ret;
  oci_path_key (cpath, path, "class");
  if (oci_ioprio_class_lookup (class_, &v) < 0)
    return oci_fail (c, cpath, "unknown class \"%.64s\"", class_);
  ret = oci_get_range (c, o, path, "priority", true, 0, 7, &prio);
  if (ret < 0)
    return ret;
  io->class_ = (int) v;
  io->priority = (int) prio;
  io->set = true;
  return 0;
}

static int
parse_cpu_list (struct oci_ctx *c, json_t *o, const char *base, const char *key, bool *set,
                cpu_set_t *cpus)
{
  cleanup_free char *list = NULL;
  char path[OCI_PATH_LEN];
  int ret = oci_get_string (c, o, base, key, false, &list);

  if (ret < 0 || list == NULL || list[0] == '\0')
    return ret;
  oci_path_key (path, base, key);
  CPU_ZERO (cpus);
  if (!oci_parse_bitlist (list, (unsigned long *) cpus, CPU_SETSIZE))
    return oci_fail (c, path, "`%.64s` is not a list of CPUs (0-%d)", list, CPU_SETSIZE - 1);
  *set = true;
  return 0;
}

static int
parse_exec_affinity (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  char path[OCI_PATH_LEN];
  json_t *o = NULL;
  int ret = oci_get_object (c, proc, base, "execCPUAffinity", false, &o);

  if (ret < 0 || o == NULL)
    return ret;
  oci_path_key (path, base, "execCPUAffinity");
  ret = parse_cpu_list (c, o, path, "initial", &p->exec_cpu_affinity.initial_set,
                        &p->exec_cpu_affinity.initial);
  if (ret == 0)
    ret = parse_cpu_list (c, o, path, "final", &p->exec_cpu_affinity.final_set,
                          &p->exec_cpu_affinity.final);
  return ret;
}

/* execve takes no string over MAX_ARG_STRLEN (32 pages) and no empty path. */
#define OCI_MAX_ARG 131071

static int
check_args (struct oci_ctx *c, const char *base, char **args)
{
  char path[OCI_PATH_LEN], ipath[OCI_PATH_LEN];
  size_t i;

  oci_path_key (path, base, "args");
  for (i = 0; args[i]; i++)
    {
      oci_path_idx (ipath, path, i);
      if (oci_check_len (c, ipath, args[i], OCI_MAX_ARG) < 0)
        return -1;
    }
  oci_path_idx (ipath, path, 0);
  if (args[0][0] == '\0')
    return oci_fail (c, ipath, "must not be empty");
  if (strlen (args[0]) >= OCI_MAX_PATH)
    return oci_fail (c, ipath, "longer than %d bytes", OCI_MAX_PATH - 1);
  return 0;
}

static int
parse_args_cwd (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  char path[OCI_PATH_LEN];
  json_t *args = NULL;
  int ret;

  oci_path_key (path, base, "args");
  ret = oci_get_array (c, proc, base, "args", false, &args);
  if (ret < 0)
    return ret;
  if (args == NULL || json_array_size (args) == 0)
    return oci_fail (c, path, "must be a non-empty array");
  ret = oci_get_strv (c, proc, base, "args", &p->args);
  if (ret == 0)
    ret = check_args (c, base, p->args);
  if (ret < 0)
    return ret;
  ret = oci_get_strv (c, proc, base, "env", &p->env);
  if (ret == 0)
    ret = oci_check_env (c, base, "env", p->env);
  if (ret < 0)
    return ret;
  if (p->env == NULL)
    p->env = xmalloc0 (sizeof (char *));
  ret = oci_get_string (c, proc, base, "cwd", false, &p->cwd);
  if (ret < 0)
    return ret;
  if (p->cwd == NULL)
    p->cwd = xstrdup ("/");
  oci_path_key (path, base, "cwd");
  return oci_check_abs_path (c, path, p->cwd);
}

static int
parse_console (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  char path[OCI_PATH_LEN];
  json_t *cs = NULL;
  int64_t v = 0;
  int ret;

  ret = oci_get_bool (c, proc, base, "terminal", &p->terminal);
  if (ret == 0)
    ret = oci_get_object (c, proc, base, "consoleSize", false, &cs);
  if (ret < 0 || cs == NULL)
    return ret;
  oci_path_key (path, base, "consoleSize");
  ret = oci_get_range (c, cs, path, "height", false, 0, UINT16_MAX, &v);
  if (ret < 0)
    return ret;
  p->console_height = (unsigned) v;
  v = 0;
  ret = oci_get_range (c, cs, path, "width", false, 0, UINT16_MAX, &v);
  p->console_width = (unsigned) v;
  return ret;
}

int
oci_parse_process (struct oci_ctx *c, json_t *proc, const char *base, struct oci_process *p)
{
  int ret;

  ret = parse_args_cwd (c, proc, base, p);
  if (ret == 0)
    ret = parse_console (c, proc, base, p);
  if (ret == 0)
    ret = parse_user (c, proc, base, &p->user);
  if (ret == 0)
    ret = parse_caps (c, proc, base, p);
  if (ret == 0)
    ret = parse_rlimits (c, proc, base, p);
  if (ret == 0)
    ret = oci_get_bool (c, proc, base, "noNewPrivileges", &p->no_new_privileges);
  if (ret == 0)
    ret = oci_get_opt_range (c, proc, base, "oomScoreAdj", -1000, 1000, &p->oom_score_adj);
  if (ret == 0)
    ret = oci_get_string (c, proc, base, "apparmorProfile", false, &p->apparmor_profile);
  if (ret == 0)
    ret = oci_get_string (c, proc, base, "selinuxLabel", false, &p->selinux_label);
  if (ret == 0)
    ret = parse_scheduler (c, proc, base, &p->scheduler);
  if (ret == 0)
    ret = parse_io_priority (c, proc, base, &p->io_priority);
  if (ret == 0)
    ret = parse_exec_affinity (c, proc, base, p);
  return ret;
}

void
oci_process_clear (struct oci_process *p)
{
  free (p->user.additional_gids);
  strv_free (p->args);
  strv_free (p->env);
  free (p->cwd);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  memset (p, 0, sizeof (*p));
}

static void *
memdup_or_null (const void *src, size_t n, size_t size)
{
  void *dst;

  if (n == 0)
    return NULL;
  dst = xmalloc (n * size);
  memcpy (dst, src, n * size);
  return dst;
}

struct oci_process *
oci_process_dup (const struct oci_process *src)
{
  struct oci_process *p = xmalloc0 (sizeof (*p));

  *p = *src;
  p->user.additional_gids = memdup_or_null (src->user.additional_gids,
                                            src->user.n_additional_gids, sizeof (gid_t));
  p->args = strv_dup (src->args);
  p->env = strv_dup (src->env);
  p->cwd = xstrdup (src->cwd);
  p->rlimits = memdup_or_null (src->rlimits, src->n_rlimits, sizeof (struct oci_rlimit));
  p->apparmor_profile = xstrdup (src->apparmor_profile);
  p->selinux_label = xstrdup (src->selinux_label);
  return p;
}

void
oci_process_free (struct oci_process *p)
{
  if (p == NULL)
    return;
  oci_process_clear (p);
  free (p);
}

int
oci_process_parse (const char *text, const char *what, struct oci_process **out,
                   silo_error_t *err)
{
  struct oci_ctx c = { what ? what : "process.json", err };
  struct oci_process *p;
  json_t *root;
  int ret;

  root = oci_load_object (&c, text);
  if (root == NULL)
    return -1;
  p = xmalloc0 (sizeof (*p));
  ret = oci_parse_process (&c, root, "", p);
  json_decref (root);
  if (ret < 0)
    {
      oci_process_free (p);
      return ret;
    }
  *out = p;
  return 0;
}
