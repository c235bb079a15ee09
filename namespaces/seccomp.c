/* linux.seccomp: compile the config's filter with libseccomp, load it into
 * the container process, and hand a SCMP_ACT_NOTIFY listener fd to the
 * seccomp agent at linux.seccomp.listenerPath (runc's protocol). */
#include "namespaces.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel's SECCOMP_RET_ACTION_FULL: the action part of a return value;
 * the low 16 bits carry the errno (ERRNO) or the tracer's message (TRACE). */
#define ACTION_MASK 0xffff0000U
#define ACTION_DATA_MASK 0x0000ffffU
/* Arguments a syscall can have; libseccomp rejects higher indexes. */
#define SYSCALL_MAX_ARGS 6

struct ns_seccomp
{
  scmp_filter_ctx ctx;
  bool notify; /* some action is SCMP_ACT_NOTIFY: load returns a listener fd */
};

/* The actions libseccomp knows; data is only meaningful for ERRNO and TRACE. */
static const struct
{
  uint32_t action;
  bool has_data;
} known_actions[] = {
  { SCMP_ACT_KILL_PROCESS, false },
  { SCMP_ACT_KILL_THREAD, false },
  { SCMP_ACT_TRAP, false },
  { SCMP_ACT_ERRNO (0), true },
  { SCMP_ACT_TRACE (0), true },
  { SCMP_ACT_LOG, false },
  { SCMP_ACT_ALLOW, false },
  { SCMP_ACT_NOTIFY, false },
};

/* linux.seccomp.flags that map to libseccomp filter attributes. */
static const struct
{
  const char *name;
  enum scmp_filter_attr attr;
} flag_attrs[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
};

static void
cleanup_seccompp (struct ns_seccomp **f)
{
  ns_seccomp_free (*f);
}
#define cleanup_seccomp __attribute__ ((cleanup (cleanup_seccompp)))

static void
cleanup_jsonp (json_t **j)
{
  json_decref (*j);
}
#define cleanup_json __attribute__ ((cleanup (cleanup_jsonp)))

static bool
is_notify (uint32_t action)
{
  return (action & ACTION_MASK) == SCMP_ACT_NOTIFY;
}

/* Check an action before libseccomp sees it: seccomp_init only returns NULL
 * and the rule functions -EINVAL, which would not say which field is wrong. */
static int
check_action (uint32_t action, const char *field, silo_error_t *err)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (known_actions); i++)
    {
      if ((action & ACTION_MASK) != known_actions[i].action)
        continue;
      if (!known_actions[i].has_data && (action & ACTION_DATA_MASK) != 0)
        break;
      /* The notify fd needs kernel 5.0 and libseccomp API level 5. */
      if (is_notify (action) && seccomp_api_get () < 5)
        return silo_make_error (err, 0, "%s: SCMP_ACT_NOTIFY needs seccomp API level 5",
                                field);
      return 0;
    }
  return silo_make_error (err, 0, "%s: invalid action 0x%08x", field, action);
}

static int
add_architectures (struct ns_seccomp *f, const struct oci_seccomp *s, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < s->n_architectures; i++)
    {
      ret = seccomp_arch_add (f->ctx, s->architectures[i]);
      /* The native architecture is already in a new filter. */
      if (ret < 0 && ret != -EEXIST)
        return silo_make_error (err, -ret, "linux.seccomp.architectures[%zu]: add 0x%08x", i,
                                s->architectures[i]);
    }
  return 0;
}

static int
set_attr (struct ns_seccomp *f, enum scmp_filter_attr attr, uint32_t value, const char *what,
          silo_error_t *err)
{
  int ret = seccomp_attr_set (f->ctx, attr, value);
  if (ret < 0)
    return silo_make_error (err, -ret, "linux.seccomp: set %s", what);
  return 0;
}

static int
set_flags (struct ns_seccomp *f, const struct oci_seccomp *s, silo_error_t *err)
{
  size_t i, j;
  int ret;

  for (i = 0; s->flags && s->flags[i]; i++)
    {
      for (j = 0; j < ARRAY_SIZE (flag_attrs); j++)
        if (strcmp (s->flags[i], flag_attrs[j].name) == 0)
          break;
      if (j == ARRAY_SIZE (flag_attrs))
        return silo_make_error (err, 0, "linux.seccomp.flags[%zu]: unknown flag `%s`", i,
                                s->flags[i]);
      ret = set_attr (f, flag_attrs[j].attr, 1, s->flags[i], err);
      if (UNLIKELY (ret < 0))
        return ret;
    }
  return 0;
}

/* Filter attributes that do not come from the config. */
static int
set_base_attrs (struct ns_seccomp *f, silo_error_t *err)
{
  int ret;

  /* The runtime sets no_new_privs itself, only when
   * process.noNewPrivileges asks for it. */
  ret = set_attr (f, SCMP_FLTATR_CTL_NNP, 0, "no_new_privs attribute", err);
  if (UNLIKELY (ret < 0))
    return ret;
  /* Without this, libseccomp reports every kernel failure as ECANCELED. */
  return set_attr (f, SCMP_FLTATR_API_SYSRAWRC, 1, "raw return codes attribute", err);
}

static int
build_arg_cmps (const struct oci_seccomp_rule *r, size_t idx, struct scmp_arg_cmp *cmps,
                silo_error_t *err)
{
  size_t i;

  for (i = 0; i < r->n_args; i++)
    {
      const struct oci_seccomp_arg *a = &r->args[i];

      if (a->index >= SYSCALL_MAX_ARGS)
        return silo_make_error (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u "
                                "is not below %d", idx, i, a->index, SYSCALL_MAX_ARGS);
      if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ)
        return silo_make_error (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: "
                                "invalid operator %d", idx, i, a->op);
      /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum. */
      cmps[i] = (struct scmp_arg_cmp){ .arg = a->index, .op = a->op, .datum_a = a->value,
                                       .datum_b = a->value_two };
    }
  return 0;
}

/* Two conditions on the same argument cannot be ANDed in one libseccomp
 * rule, so runc turns them into one rule per condition (OR). */
static bool
has_repeated_index (const struct oci_seccomp_rule *r)
{
  unsigned count[SYSCALL_MAX_ARGS] = { 0 };
  size_t i;

  for (i = 0; i < r->n_args; i++)
    if (++count[r->args[i].index] > 1)
      return true;
  return false;
}

static int
add_syscall (struct ns_seccomp *f, const struct oci_seccomp_rule *r, int nr,
             const struct scmp_arg_cmp *cmps, bool split)
{
  size_t i;
  int ret;

  if (!split)
    return seccomp_rule_add_array (f->ctx, r->action, nr, r->n_args, cmps);
  for (i = 0; i < r->n_args; i++)
    {
      ret = seccomp_rule_add_array (f->ctx, r->action, nr, 1, &cmps[i]);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
add_rule (struct ns_seccomp *f, const struct oci_seccomp *s, size_t idx, silo_error_t *err)
{
  const struct oci_seccomp_rule *r = &s->rules[idx];
  cleanup_free struct scmp_arg_cmp *cmps = NULL;
  char field[64];
  size_t i;
  bool split;
  int ret, nr;

  snprintf (field, sizeof (field), "linux.seccomp.syscalls[%zu].action", idx);
  ret = check_action (r->action, field, err);
  if (UNLIKELY (ret < 0))
    return ret;
  /* libseccomp rejects rules that repeat the default action. */
  if (r->action == s->default_action)
    return 0;
  cmps = xmalloc0 ((r->n_args + 1) * sizeof (*cmps));
  ret = build_arg_cmps (r, idx, cmps, err);
  if (UNLIKELY (ret < 0))
    return ret;
  split = has_repeated_index (r);
  for (i = 0; r->names && r->names[i]; i++)
    {
      nr = seccomp_syscall_resolve_name (r->names[i]);
      /* Profiles list syscalls this kernel or libseccomp may not know. */
      if (nr == __NR_SCMP_ERROR)
        {
          pr_debug ("seccomp: skip unknown syscall `%s`", r->names[i]);
          continue;
        }
      ret = add_syscall (f, r, nr, cmps, split);
      if (ret < 0)
        return silo_make_error (err, -ret, "linux.seccomp.syscalls[%zu]: add rule for \"%s\"",
                                idx, r->names[i]);
      f->notify |= is_notify (r->action);
    }
  return 0;
}

int
ns_seccomp_prepare (const struct oci_seccomp *s, struct ns_seccomp **out, silo_error_t *err)
{
  cleanup_seccomp struct ns_seccomp *f = NULL;
  size_t i;
  int ret;

  ret = check_action (s->default_action, "linux.seccomp.defaultAction", err);
  if (UNLIKELY (ret < 0))
    return ret;
  f = xmalloc0 (sizeof (*f));
  f->ctx = seccomp_init (s->default_action);
  if (f->ctx == NULL)
    return silo_make_error (err, 0, "linux.seccomp.defaultAction: seccomp_init failed");
  f->notify = is_notify (s->default_action);
  ret = set_base_attrs (f, err);
  if (UNLIKELY (ret < 0))
    return ret;
  ret = add_architectures (f, s, err);
  if (UNLIKELY (ret < 0))
    return ret;
  ret = set_flags (f, s, err);
  if (UNLIKELY (ret < 0))
    return ret;
  for (i = 0; i < s->n_rules; i++)
    {
      ret = add_rule (f, s, i, err);
      if (UNLIKELY (ret < 0))
        return ret;
    }
  *out = steal_pointer (&f);
  return 0;
}

int
ns_seccomp_load (struct ns_seccomp *f, int *notify_fd, silo_error_t *err)
{
  int ret, fd;

  *notify_fd = -1;
  ret = seccomp_load (f->ctx);
  if (ret == -EACCES)
    return silo_make_error (err, EACCES, "linux.seccomp: load filter (needs CAP_SYS_ADMIN "
                            "or no_new_privs)");
  if (ret < 0)
    return silo_make_error (err, -ret, "linux.seccomp: load filter");
  if (!f->notify)
    return 0;
  /* The kernel made the listener with O_CLOEXEC; the caller owns it. */
  fd = seccomp_notify_fd (f->ctx);
  if (fd < 0)
    return silo_make_error (err, -fd, "linux.seccomp: get the notify fd");
  *notify_fd = fd;
  return 0;
}

void
ns_seccomp_free (struct ns_seccomp *f)
{
  if (f == NULL)
    return;
  if (f->ctx)
    seccomp_release (f->ctx);
  free (f);
}

/* runc's specs.ContainerProcessState, as one compact JSON document. */
static int
build_process_state (const struct oci_seccomp *s, pid_t pid, const char *state_json,
                     char **out, silo_error_t *err)
{
  cleanup_json json_t *root = NULL;
  json_error_t jerr;
  json_t *state;

  if (state_json == NULL)
    return silo_make_error (err, 0, "linux.seccomp.listenerPath: no container state");
  state = json_loads (state_json, 0, &jerr);
  if (state == NULL)
    return silo_make_error (err, 0, "linux.seccomp.listenerPath: container state: %s",
                            jerr.text);
  /* "o" steals the reference to state, even when json_pack fails. */
  root = json_pack ("{s:s, s:[s], s:I, s:s, s:o}", "ociVersion", "1.0.2", "fds", "seccompFd",
                    "pid", (json_int_t) pid, "metadata",
                    s->listener_metadata ? s->listener_metadata : "", "state", state);
  /* Fails on OOM or when listenerMetadata is not valid UTF-8. */
  if (root == NULL)
    return silo_make_error (err, 0, "linux.seccomp.listenerMetadata: cannot encode");
  *out = json_dumps (root, JSON_COMPACT);
  if (*out == NULL)
    OOM ();
  return 0;
}

static int
connect_listener (const char *path, int *out, silo_error_t *err)
{
  if (path == NULL || *path == '\0')
    return silo_make_error (err, 0, "linux.seccomp.listenerPath: not set");
  *out = unix_connect (path, err);
  return *out < 0 ? silo_error_wrap (err, "linux.seccomp.listenerPath") : 0;
}

int
ns_seccomp_send_listener (const struct oci_seccomp *s, int notify_fd, pid_t pid,
                          const char *state_json, silo_error_t *err)
{
  cleanup_free char *msg = NULL;
  cleanup_close int sock = -1;
  int ret;

  ret = build_process_state (s, pid, state_json, &msg, err);
  if (UNLIKELY (ret < 0))
    return ret;
  ret = connect_listener (s->listener_path, &sock, err);
  if (UNLIKELY (ret < 0))
    return ret;
  /* One message: the agent reads the state and the fd with one recvmsg. */
  if (send_fd (sock, notify_fd, msg, strlen (msg)) < 0)
    return silo_make_error (err, errno, "linux.seccomp.listenerPath: send to `%s`",
                            s->listener_path);
  return 0;
}
