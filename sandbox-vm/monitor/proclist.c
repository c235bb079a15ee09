/* The guest agent's list of a container's processes (PS), checked, and
 * the /proc files made of it. Every number is range-checked and every
 * string made printable before any file is written: a hostile guest can
 * make the view wrong, never malformed. */
#include <elf.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/utils.h"
#include "proclist.h"

static int
get_num (json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out, silo_error_t *err)
{
  json_t *v = json_object_get (o, key);

  if (!json_is_integer (v) || json_integer_value (v) < lo || json_integer_value (v) > hi)
    return silo_make_error (err, 0, "`%s`: not an integer in [%lld, %lld]", key, (long long) lo,
                            (long long) hi);
  *out = json_integer_value (v);
  return 0;
}

static int
get_int (json_t *o, const char *key, int lo, int hi, int *out, silo_error_t *err)
{
  int64_t v;

  if (get_num (o, key, lo, hi, &v, err) < 0)
    return -1;
  *out = (int) v;
  return 0;
}

static int
get_u64 (json_t *o, const char *key, uint64_t *out, silo_error_t *err)
{
  int64_t v;

  if (get_num (o, key, 0, INT64_MAX, &v, err) < 0)
    return -1;
  *out = (uint64_t) v;
  return 0;
}

/* An array of at most max ids (exactly max when exact). */
static int
get_ids (json_t *o, const char *key, uint32_t *ids, size_t max, bool exact, size_t *n,
         silo_error_t *err)
{
  json_t *a = json_object_get (o, key), *v;
  size_t i;

  if (!json_is_array (a) || json_array_size (a) > max || (exact && json_array_size (a) != max))
    return silo_make_error (err, 0, "`%s`: not a list of %s%zu ids", key, exact ? "" : "at most ",
                            max);
  json_array_foreach (a, i, v)
    {
      if (!json_is_integer (v) || json_integer_value (v) < 0
          || json_integer_value (v) > UINT32_MAX)
        return silo_make_error (err, 0, "`%s`[%zu]: not an id", key, i);
      ids[i] = (uint32_t) json_integer_value (v);
    }
  if (n)
    *n = i;
  return 0;
}

/* comm: printable ASCII; the parentheses that delimit it in stat and the
 * whitespace that ends it in status become '?'. */
static int
get_comm (json_t *o, char *comm, size_t size, silo_error_t *err)
{
  const char *s = json_string_value (json_object_get (o, "comm"));
  size_t i;

  if (s == NULL || strlen (s) >= size)
    return silo_make_error (err, 0, "`comm`: not a string under %zu bytes", size);
  for (i = 0; s[i]; i++)
    comm[i] = (s[i] > ' ' && s[i] < 0x7f && s[i] != '(' && s[i] != ')') ? s[i] : '?';
  comm[i] = '\0';
  return 0;
}

static int
get_state (json_t *o, char *state, silo_error_t *err)
{
  const char *s = json_string_value (json_object_get (o, "state"));

  if (s == NULL || strlen (s) != 1 || strchr ("RSDTtZXIP", s[0]) == NULL)
    return silo_make_error (err, 0, "`state`: not one of R S D T t Z X I P");
  *state = s[0];
  return 0;
}

/* The arguments, NUL-terminated one after the other as in
 * /proc/PID/cmdline (a JSON string cannot hold a NUL). */
static int
get_args (json_t *o, struct proclist_entry *e, silo_error_t *err)
{
  json_t *a = json_object_get (o, "args"), *v;
  size_t i, total = 0;

  if (!json_is_array (a))
    return silo_make_error (err, 0, "`args`: not a list");
  json_array_foreach (a, i, v)
    {
      if (!json_is_string (v))
        return silo_make_error (err, 0, "`args`[%zu]: not a string", i);
      total += json_string_length (v) + 1;
      if (total > PROCLIST_ARGS_MAX + 1)
        return silo_make_error (err, 0, "`args`: over %d bytes", PROCLIST_ARGS_MAX);
    }
  e->args = xmalloc0 (total + 1);
  e->args_len = total;
  total = 0;
  json_array_foreach (a, i, v)
    {
      memcpy (e->args + total, json_string_value (v), json_string_length (v));
      total += json_string_length (v) + 1;
    }
  return 0;
}

static int
decode_times (json_t *o, struct proclist_entry *e, silo_error_t *err)
{
  if (get_u64 (o, "utime", &e->utime, err) < 0 || get_u64 (o, "stime", &e->stime, err) < 0
      || get_u64 (o, "start", &e->start, err) < 0 || get_u64 (o, "vsize", &e->vsize, err) < 0
      || get_u64 (o, "rss", &e->rss, err) < 0)
    return -1;
  return 0;
}

static int
decode_caps (json_t *o, struct proclist_entry *e, silo_error_t *err)
{
  json_t *a = json_object_get (o, "caps"), *v;
  size_t i;

  if (!json_is_array (a) || json_array_size (a) != 5)
    return silo_make_error (err, 0, "`caps`: not a list of 5 sets");
  json_array_foreach (a, i, v)
    {
      if (!json_is_integer (v) || json_integer_value (v) < 0)
        return silo_make_error (err, 0, "`caps`[%zu]: not a set", i);
      e->caps[i] = (uint64_t) json_integer_value (v);
    }
  return 0;
}

static int
decode_entry (json_t *o, struct proclist_entry *e, silo_error_t *err)
{
  if (!json_is_object (o))
    return silo_make_error (err, 0, "not an object");
  if (get_int (o, "pid", 1, PROCLIST_PID_MAX, &e->pid, err) < 0
      || get_int (o, "ppid", 0, PROCLIST_PID_MAX, &e->ppid, err) < 0
      || get_int (o, "pgid", 0, PROCLIST_PID_MAX, &e->pgid, err) < 0
      || get_int (o, "sid", 0, PROCLIST_PID_MAX, &e->sid, err) < 0
      || get_state (o, &e->state, err) < 0 || get_comm (o, e->comm, sizeof (e->comm), err) < 0
      || get_args (o, e, err) < 0 || get_ids (o, "uids", e->uids, 4, true, NULL, err) < 0
      || get_ids (o, "gids", e->gids, 4, true, NULL, err) < 0
      || get_ids (o, "groups", e->groups, PROCLIST_GROUPS_MAX, false, &e->n_groups, err) < 0
      || get_int (o, "tty", 0, INT32_MAX, &e->tty, err) < 0
      || get_int (o, "nice", -20, 19, &e->nice, err) < 0
      || get_int (o, "threads", 1, INT32_MAX, &e->threads, err) < 0 || decode_times (o, e, err) < 0
      || decode_caps (o, e, err) < 0 || get_int (o, "nnp", 0, 1, &e->nnp, err) < 0
      || get_int (o, "seccomp", 0, 2, &e->seccomp, err) < 0)
    return -1;
  return 0;
}

int
proclist_decode (const char *text, size_t len, struct proclist *out, silo_error_t *err)
{
  struct proclist l = { 0 };
  json_t *root = json_loadb (text, len, 0, NULL), *procs, *o;
  int64_t hz;
  size_t i;

  procs = json_object_get (root, "procs");
  if (!json_is_array (procs) || json_array_size (procs) > PROCLIST_MAX)
    {
      json_decref (root);
      return silo_make_error (err, 0, "guest PS: not an object with a list of at most %d `procs`",
                              PROCLIST_MAX);
    }
  if (get_num (root, "btime", 0, INT32_MAX * 4LL, &l.btime, err) < 0
      || get_num (root, "hz", 1, 100000, &hz, err) < 0)
    {
      json_decref (root);
      return silo_error_wrap (err, "guest PS");
    }
  l.hz = (int) hz;
  l.e = xmalloc0 ((json_array_size (procs) + 1) * sizeof (*l.e));
  json_array_foreach (procs, i, o)
    {
      l.n = i + 1;
      if (decode_entry (o, &l.e[i], err) < 0)
        {
          json_decref (root);
          proclist_free (&l);
          return silo_error_wrap (err, "guest PS: procs[%zu]", i);
        }
    }
  json_decref (root);
  *out = l;
  return 0;
}

void
proclist_free (struct proclist *l)
{
  for (size_t i = 0; l->e && i < l->n; i++)
    free (l->e[i].args);
  free (l->e);
  *l = (struct proclist){ 0 };
}

const struct proclist_entry *
proclist_find (const struct proclist *l, int pid)
{
  for (size_t i = 0; i < l->n; i++)
    if (l->e[i].pid == pid)
      return &l->e[i];
  return NULL;
}

/* --- the files --- */

static char *
text_of (FILE *f, char **buf, size_t *len)
{
  if (fclose (f) != 0)
    {
      free (*buf);
      *buf = NULL;
      *len = 0;
    }
  return *buf;
}

/* fs/proc/array.c's do_task_stat: 52 fields; what the list does not carry
 * is 0, as the kernel writes it for a reader that may not see it. */
char *
proclist_pid_stat (const struct proclist_entry *e, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream (&buf, len);

  if (f == NULL)
    return NULL;
  fprintf (f, "%d (%s) %c %d %d %d %d -1 0 0 0 0 0 %llu %llu 0 0 %d %d %d 0 %llu %llu %llu",
           e->pid, e->comm, e->state, e->ppid, e->pgid, e->sid, e->tty,
           (unsigned long long) e->utime, (unsigned long long) e->stime, 20 + e->nice, e->nice,
           e->threads, (unsigned long long) e->start, (unsigned long long) e->vsize,
           (unsigned long long) e->rss);
  /* rsslim .. cnswap (13), exit_signal, processor, rt_priority, policy,
   * then delayacct_blkio_ticks .. exit_code (11) */
  fprintf (f, " 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  return text_of (f, &buf, len);
}

static const char *
state_name (char s)
{
  switch (s)
    {
    case 'R':
      return "R (running)";
    case 'S':
      return "S (sleeping)";
    case 'D':
      return "D (disk sleep)";
    case 'T':
      return "T (stopped)";
    case 't':
      return "t (tracing stop)";
    case 'Z':
      return "Z (zombie)";
    case 'X':
      return "X (dead)";
    case 'I':
      return "I (idle)";
    default:
      return "P (parked)";
    }
}

static void
print_ids (FILE *f, const char *key, const uint32_t *ids)
{
  fprintf (f, "%s:\t%u\t%u\t%u\t%u\n", key, ids[0], ids[1], ids[2], ids[3]);
}

/* fs/proc/array.c's proc_pid_status, the lines the list carries; a pid
 * is the container's, so each NS* line has the one. */
char *
proclist_pid_status (const struct proclist_entry *e, size_t *len)
{
  static const char *const caps[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  char *buf = NULL;
  FILE *f = open_memstream (&buf, len);

  if (f == NULL)
    return NULL;
  fprintf (f, "Name:\t%s\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
           e->comm, state_name (e->state), e->pid, e->pid, e->ppid);
  print_ids (f, "Uid", e->uids);
  print_ids (f, "Gid", e->gids);
  fprintf (f, "Groups:\t");
  for (size_t i = 0; i < e->n_groups; i++)
    fprintf (f, "%u ", e->groups[i]);
  fprintf (f, "\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", e->pid, e->pid, e->pgid,
           e->sid);
  fprintf (f, "VmSize:\t%8llu kB\nVmRSS:\t%8llu kB\nThreads:\t%d\n",
           (unsigned long long) (e->vsize / 1024), (unsigned long long) (e->rss * 4),
           e->threads);
  for (size_t i = 0; i < ARRAY_SIZE (caps); i++)
    fprintf (f, "%s:\t%016llx\n", caps[i], (unsigned long long) e->caps[i]);
  fprintf (f, "NoNewPrivs:\t%d\nSeccomp:\t%d\n", e->nnp, e->seccomp);
  return text_of (f, &buf, len);
}

char *
proclist_pid_cmdline (const struct proclist_entry *e, size_t *len)
{
  char *buf = xmalloc0 (e->args_len + 1);

  memcpy (buf, e->args, e->args_len);
  *len = e->args_len;
  return buf;
}

char *
proclist_stat (const struct proclist *l, size_t *len)
{
  char *buf = NULL;

  *len = (size_t) xasprintf (&buf, "btime %lld\n", (long long) l->btime);
  return buf;
}

char *
proclist_auxv (const struct proclist *l, size_t *len)
{
  uint64_t v[4] = { AT_CLKTCK, (uint64_t) (l->hz ? l->hz : 100), AT_NULL, 0 };
  char *buf = xmalloc0 (sizeof (v));

  memcpy (buf, v, sizeof (v));
  *len = sizeof (v);
  return buf;
}
