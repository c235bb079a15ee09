/* oci_process back to its OCI JSON form, the payload of EXEC. The agent
 * parses it with oci_process_parse, so both ends share one definition. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "../util/utils.h"
#include "internal.h"

static json_t *
strv_json (char *const *v)
{
  json_t *a = json_array ();
  for (; v && *v; v++)
    json_array_append_new (a, json_string (*v));
  return a;
}

static json_t *
cap_set_json (uint64_t mask)
{
  json_t *a = json_array ();
  char name[64];
  int i;

  for (i = 0; i < 64; i++)
    {
      char *n, *c;
      if (!(mask & (1ULL << i)) || (n = cap_to_name (i)) == NULL)
        continue;
      snprintf (name, sizeof (name), "%s", n);
      cap_free (n);
      for (c = name; *c; c++)
        *c = toupper ((unsigned char) *c);
      json_array_append_new (a, json_string (name));
    }
  return a;
}

static json_t *
user_json (const struct oci_user *u)
{
  json_t *o = json_pack ("{s:I,s:I}", "uid", (json_int_t) u->uid, "gid", (json_int_t) u->gid);
  json_t *g = json_array ();
  size_t i;

  for (i = 0; i < u->n_additional_gids; i++)
    json_array_append_new (g, json_integer (u->additional_gids[i]));
  json_object_set_new (o, "additionalGids", g);
  if (u->umask.set)
    json_object_set_new (o, "umask", json_integer (u->umask.value));
  return o;
}

static json_t *
rlimits_json (const struct oci_process *p)
{
  json_t *a = json_array ();
  size_t i;

  for (i = 0; i < p->n_rlimits; i++)
    {
      const char *name = oci_rlimit_name (p->rlimits[i].resource);
      if (name == NULL)
        continue;
      json_array_append_new (a, json_pack ("{s:s,s:I,s:I}", "type", name, "soft",
                                           (json_int_t) p->rlimits[i].soft, "hard",
                                           (json_int_t) p->rlimits[i].hard));
    }
  return a;
}

static json_t *
scheduler_json (const struct oci_scheduler *s)
{
  json_t *o = json_pack ("{s:s,s:i,s:i}", "policy", oci_sched_policy_name (s->policy), "nice",
                         (int) s->nice, "priority", (int) s->priority);
  json_t *flags = json_array ();
  int i;

  for (i = 0; i < 64; i++)
    if (s->flags & (1ULL << i))
      json_array_append_new (flags, json_string (oci_sched_flag_name (1ULL << i)));
  json_object_set_new (o, "flags", flags);
  json_object_set_new (o, "runtime", json_integer ((json_int_t) s->runtime));
  json_object_set_new (o, "deadline", json_integer ((json_int_t) s->deadline));
  json_object_set_new (o, "period", json_integer ((json_int_t) s->period));
  return o;
}

char *
sandbox_process_json (const struct oci_process *p)
{
  json_t *o = json_object ();
  char *out;

  json_object_set_new (o, "terminal", json_boolean (p->terminal));
  if (p->console_height || p->console_width)
    json_object_set_new (o, "consoleSize", json_pack ("{s:i,s:i}", "height", p->console_height,
                                                      "width", p->console_width));
  json_object_set_new (o, "user", user_json (&p->user));
  json_object_set_new (o, "args", strv_json (p->args));
  json_object_set_new (o, "env", strv_json (p->env));
  json_object_set_new (o, "cwd", json_string (p->cwd ? p->cwd : "/"));
  if (p->has_caps)
    json_object_set_new (o, "capabilities",
                         json_pack ("{s:o,s:o,s:o,s:o,s:o}", "bounding",
                                    cap_set_json (p->caps.bounding), "effective",
                                    cap_set_json (p->caps.effective), "inheritable",
                                    cap_set_json (p->caps.inheritable), "permitted",
                                    cap_set_json (p->caps.permitted), "ambient",
                                    cap_set_json (p->caps.ambient)));
  json_object_set_new (o, "rlimits", rlimits_json (p));
  json_object_set_new (o, "noNewPrivileges", json_boolean (p->no_new_privileges));
  if (p->oom_score_adj.set)
    json_object_set_new (o, "oomScoreAdj", json_integer (p->oom_score_adj.value));
  if (p->scheduler.set)
    json_object_set_new (o, "scheduler", scheduler_json (&p->scheduler));
  if (p->io_priority.set)
    json_object_set_new (o, "ioPriority",
                         json_pack ("{s:s,s:i}", "class", oci_ioprio_class_name (p->io_priority.class_),
                                    "priority", p->io_priority.priority));
  out = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  if (out == NULL)
    OOM ();
  return out;
}
