/* pause/resume, update, ps and stats: the verbs that act through the
 * container's cgroup. */
#include "internal.h"
#include "../util/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* The cgroup of a container; with `live`, one whose process still runs.
 * *stp (when asked for) is the caller's. */
static int
open_container_cgroup (const struct silo_global *g, const char *id, bool live,
                       enum silo_status *status, struct container_state **stp,
                       struct cg_handle **h, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;

  if (state_read (g, id, &st, err) < 0 || state_status (g, st, status, err) < 0)
    return -1;
  if (live && *status == SILO_STOPPED)
    return silo_make_error (err, 0, "`%s`: container not running", id);
  if (open_cgroup (st, h, err) < 0)
    return -1;
  if (*h == NULL)
    return silo_make_error (err, 0, "container `%s` has no cgroup", id);
  if (stp)
    *stp = steal_pointer (&st);
  return 0;
}

int
silo_container_pause (const struct silo_global *g, const char *id, bool pause, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;
  struct cg_handle *h = NULL;
  int ret;

  if (open_container_cgroup (g, id, false, &status, &st, &h, err) < 0)
    return -1;
  if (pause && status != SILO_RUNNING && status != SILO_CREATED)
    ret = silo_make_error (err, 0, "container `%s` is %s, not running", id,
                           silo_status_name (status));
  else if (!pause && status != SILO_PAUSED)
    ret = silo_make_error (err, 0, "container `%s` is %s, not paused", id,
                           silo_status_name (status));
  else
    ret = mode_of (st)->pause (g, st, h, pause, err);
  cg_handle_free (h);
  return ret;
}

/* memory.checkBeforeUpdate (runtime-spec 1.2): a limit below what the
 * workload uses now is refused (cgroup v1's kernel does that itself; v2
 * would invoke the OOM killer). Its usage as `events --stats` sees it. */
static int
check_before_update (const struct silo_global *g, const struct container_state *st,
                     struct cg_handle *h, const struct oci_resources *r, silo_error_t *err)
{
  struct cg_stats s = { 0 };

  if (!r->memory.check_before_update || !r->memory.limit.set || r->memory.limit.value < 0)
    return 0;
  if (mode_of (st)->stats (g, st, h, &s, err) < 0)
    return silo_error_wrap (err, "linux.resources.memory.checkBeforeUpdate");
  if (s.mem_usage > (uint64_t) r->memory.limit.value)
    return silo_make_error (err, 0,
                            "linux.resources.memory.limit: %lld is below the container's "
                            "current memory usage (%llu; checkBeforeUpdate)",
                            (long long) r->memory.limit.value, (unsigned long long) s.mem_usage);
  return 0;
}

int
silo_container_update (const struct silo_global *g, const char *id,
                       const struct oci_resources *r, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;
  struct cg_handle *h = NULL;
  int ret;

  if (open_container_cgroup (g, id, true, &status, &st, &h, err) < 0)
    return -1;
  ret = check_before_update (g, st, h, r, err);
  if (ret == 0)
    ret = mode_of (st)->update (g, st, h, r, err);
  cg_handle_free (h);
  return ret;
}

int
silo_container_ps (const struct silo_global *g, const char *id, struct silo_ps *out,
                   silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;
  struct cg_handle *h = NULL;
  int ret;

  *out = (struct silo_ps){ 0 };
  if (open_container_cgroup (g, id, false, &status, &st, &h, err) < 0)
    return -1;
  ret = mode_of (st)->ps (g, st, status, h, out, err);
  cg_handle_free (h);
  return ret;
}

void
silo_ps_release (struct silo_ps *ps)
{
  for (size_t i = 0; ps->procs && i < ps->n; i++)
    free (ps->procs[i].cmd);
  free (ps->procs);
  free (ps->pids);
  *ps = (struct silo_ps){ 0 };
}

int
silo_container_stats (const struct silo_global *g, const char *id, struct cg_stats *out,
                      silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  enum silo_status status;
  struct cg_handle *h = NULL;
  int ret;

  if (open_container_cgroup (g, id, true, &status, &st, &h, err) < 0)
    return -1;
  ret = mode_of (st)->stats (g, st, h, out, err);
  cg_handle_free (h);
  return ret;
}

static const struct
{
  const char *name;
  int sig;
} signal_names[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
  { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

int
silo_parse_signal (const char *s, int *sig, silo_error_t *err)
{
  const char *name = s;
  long n;

  if (parse_long (s, &n) == 0)
    {
      if (n <= 0 || n > SIGRTMAX)
        return silo_make_error (err, 0, "signal `%s`: out of range", s);
      *sig = (int) n;
      return 0;
    }
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < ARRAY_SIZE (signal_names); i++)
    if (strcasecmp (name, signal_names[i].name) == 0)
      {
        *sig = signal_names[i].sig;
        return 0;
      }
  if (strncasecmp (name, "RTMIN+", 6) == 0 && parse_long (name + 6, &n) == 0
      && SIGRTMIN + n <= SIGRTMAX)
    {
      *sig = SIGRTMIN + (int) n;
      return 0;
    }
  return silo_make_error (err, 0, "unknown signal `%s`", s);
}
