/* The container process's final credentials: rlimits, user and groups,
 * umask, and capability sets (bounding, effective, permitted, inheritable,
 * ambient). Runs as root inside the container's namespaces before exec. */
#include "namespaces.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void
cleanup_capp (cap_t *c)
{
  if (*c)
    cap_free (*c);
}
#define cleanup_cap __attribute__ ((cleanup (cleanup_capp)))

/* --- rlimits --- */

static const char *
rlimit_name (int resource, char *buf, size_t len)
{
  const char *name = oci_rlimit_name (resource);

  if (name)
    return name;
  snprintf (buf, len, "rlimit %d", resource);
  return buf;
}

static const char *
rlimit_value (uint64_t v, char *buf, size_t len)
{
  if (v == (uint64_t) RLIM_INFINITY)
    return "unlimited";
  snprintf (buf, len, "%llu", (unsigned long long) v);
  return buf;
}

int
ns_apply_rlimits (const struct oci_process *p, silo_error_t *err)
{
  char name[32], soft[32], hard[32];
  size_t i;

  for (i = 0; i < p->n_rlimits; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };

      /* Raising the hard limit needs CAP_SYS_RESOURCE: EPERM, reported. */
      if (setrlimit (r->resource, &rl) < 0)
        return silo_make_error (err, errno, "process.rlimits: setrlimit %s %s:%s",
                                rlimit_name (r->resource, name, sizeof (name)),
                                rlimit_value (r->soft, soft, sizeof (soft)),
                                rlimit_value (r->hard, hard, sizeof (hard)));
    }
  return 0;
}

/* --- capability helpers --- */

int
ns_cap_from_name (const char *name)
{
  cap_value_t v;

  /* cap_from_name also takes numbers and lower case; OCI wants CAP_*. */
  if (name == NULL || strncmp (name, "CAP_", 4) != 0)
    return -1;
  if (cap_from_name (name, &v) < 0)
    return -1;
  return (int) v;
}

/* "CAP_KILL" for messages; libcap spells names in lower case. */
static const char *
cap_label (int cap, char *buf, size_t len)
{
  char *n = cap_to_name (cap);
  size_t i;

  snprintf (buf, len, "%s", n ? n : "?");
  cap_free (n);
  for (i = 0; buf[i]; i++)
    buf[i] = (char) (buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 'a' + 'A' : buf[i]);
  return buf;
}

/* The highest capability the running kernel knows. */
static int
get_last_cap (void)
{
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;
  long v;

  if (read_file ("/proc/sys/kernel/cap_last_cap", &text, NULL, &err) == 0)
    {
      text[strcspn (text, "\n")] = '\0';
      if (parse_long (text, &v) == 0 && v >= 0 && v < 64)
        return (int) v;
    }
  /* Without /proc, libcap probes the kernel itself. */
  silo_error_release (&err);
  return (int) cap_max_bits () - 1;
}

static bool
has_cap (uint64_t set, int cap)
{
  return (set >> cap) & 1;
}

/* --- user switch --- */

static int
drop_bounding (uint64_t keep, int last, silo_error_t *err)
{
  char label[32];
  int cap;

  for (cap = 0; cap <= last; cap++)
    {
      /* Skip caps already gone, so no CAP_SETPCAP is needed for them. */
      if (has_cap (keep, cap) || prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return silo_make_error (err, errno, "process.capabilities.bounding: drop %s",
                                cap_label (cap, label, sizeof (label)));
    }
  return 0;
}

/* In a user namespace whose setgroups file says "deny", setgroups(2) always
 * fails with EPERM. */
static bool
setgroups_denied (void)
{
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;

  if (read_file ("/proc/self/setgroups", &text, NULL, &err) < 0)
    {
      silo_error_release (&err);
      return false;
    }
  return strncmp (text, "deny", 4) == 0;
}

static int
set_groups (const struct oci_user *u, silo_error_t *err)
{
  if (setgroups_denied ())
    {
      if (u->n_additional_gids == 0)
        return 0;
      return silo_make_error (err, EPERM, "process.user.additionalGids: setgroups is denied in "
                              "this user namespace (/proc/self/setgroups is `deny`)");
    }
  if (setgroups (u->n_additional_gids, u->additional_gids) < 0)
    return silo_make_error (err, errno, "process.user.additionalGids: setgroups");
  return 0;
}

/* Switch ids; PR_SET_KEEPCAPS keeps the permitted set across a switch away
 * from uid 0 (effective is cleared and set again afterwards). */
static int
switch_user (const struct oci_user *u, silo_error_t *err)
{
  int ret;

  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "process.user: prctl PR_SET_KEEPCAPS");
  ret = set_groups (u, err);
  if (UNLIKELY (ret < 0))
    return ret;
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return silo_make_error (err, errno, "process.user.gid: setresgid %u", (unsigned) u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return silo_make_error (err, errno, "process.user.uid: setresuid %u", (unsigned) u->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "process.user: prctl PR_SET_KEEPCAPS");
  if (u->umask.set)
    umask ((mode_t) u->umask.value & 0777);
  return 0;
}

/* --- capability sets --- */

/* The kernel refuses these with a bare EPERM; name the capability instead. */
static int
check_subset (uint64_t set, uint64_t of, const char *field, const char *need,
              silo_error_t *err)
{
  char label[32];
  int cap;

  for (cap = 0; cap < 64; cap++)
    if (has_cap (set, cap) && !has_cap (of, cap))
      return silo_make_error (err, 0, "process.capabilities.%s: %s is not in %s", field,
                              cap_label (cap, label, sizeof (label)), need);
  return 0;
}

static void
add_flag (cap_t c, cap_flag_t flag, uint64_t set, int last)
{
  cap_value_t cap;

  for (cap = 0; cap <= last; cap++)
    if (has_cap (set, cap))
      cap_set_flag (c, flag, 1, &cap, CAP_SET);
}

static int
set_cap_sets (const struct oci_caps *caps, int last, silo_error_t *err)
{
  cleanup_cap cap_t c = cap_init (); /* all sets empty */

  if (c == NULL)
    OOM ();
  add_flag (c, CAP_EFFECTIVE, caps->effective, last);
  add_flag (c, CAP_PERMITTED, caps->permitted, last);
  add_flag (c, CAP_INHERITABLE, caps->inheritable, last);
  if (cap_set_proc (c) < 0)
    return silo_make_error (err, errno, "process.capabilities: cap_set_proc");
  return 0;
}

static int
raise_ambient (uint64_t ambient, int last, silo_error_t *err)
{
  char label[32];
  int cap;

  /* Start from an empty ambient set; EINVAL: the kernel has none (< 4.3). */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return silo_make_error (err, errno, "process.capabilities.ambient: clear");
  for (cap = 0; cap <= last; cap++)
    if (has_cap (ambient, cap) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return silo_make_error (err, errno, "process.capabilities.ambient: raise %s",
                              cap_label (cap, label, sizeof (label)));
  return 0;
}

/* Caps above the kernel's last one are ignored, as runc does. */
static struct oci_caps
known_caps (const struct oci_process *p, int last)
{
  uint64_t mask = last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
  struct oci_caps c = { 0 };

  /* No capabilities object: the process gets none, bounding included. */
  if (!p->has_caps)
    return c;
  if ((p->caps.bounding | p->caps.effective | p->caps.permitted | p->caps.inheritable
       | p->caps.ambient) & ~mask)
    pr_debug ("capabilities: ignore those above %d, unknown to this kernel", last);
  c.bounding = p->caps.bounding & mask;
  c.effective = p->caps.effective & mask;
  c.permitted = p->caps.permitted & mask;
  c.inheritable = p->caps.inheritable & mask;
  c.ambient = p->caps.ambient & mask;
  return c;
}

int
ns_apply_user_caps (const struct oci_process *p, silo_error_t *err)
{
  int last = get_last_cap ();
  struct oci_caps c = known_caps (p, last);
  int ret;

  ret = check_subset (c.effective, c.permitted, "effective", "permitted", err);
  if (UNLIKELY (ret < 0))
    return ret;
  /* The kernel refuses to raise an ambient cap that is not both permitted
   * and inheritable. runc and crun skip such caps, and engines depend on
   * it: buildah (podman build) asks for ambient caps with no inheritable. */
  if (c.ambient & ~(c.permitted & c.inheritable))
    pr_debug ("capabilities: ambient %#llx not in permitted and inheritable: not raised",
              (unsigned long long) (c.ambient & ~(c.permitted & c.inheritable)));
  c.ambient &= c.permitted & c.inheritable;
  ret = drop_bounding (c.bounding, last, err);
  if (UNLIKELY (ret < 0))
    return ret;
  ret = switch_user (&p->user, err);
  if (UNLIKELY (ret < 0))
    return ret;
  ret = set_cap_sets (&c, last, err);
  if (UNLIKELY (ret < 0))
    return ret;
  return raise_ambient (c.ambient, last, err);
}
