#include "log.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

/* The process model allows one log sink per silo invocation. */
static int log_fd = 2;
static bool log_json;
static bool log_debug;

int
log_init (const char *path, bool json, bool debug)
{
  log_json = json;
  log_debug = debug;
  if (path && *path)
    {
      int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0)
        return -1;
      log_fd = fd;
    }
  return 0;
}

bool
log_debug_enabled (void)
{
  return log_debug;
}

void
log_to_stderr (void)
{
  log_fd = 2;
}

int
log_get_fd (void)
{
  return log_fd;
}

static const char *
level_name (enum log_level level)
{
  switch (level)
    {
    case LOG_ERROR:
      return "error";
    case LOG_WARNING:
      return "warning";
    default:
      return "debug";
    }
}

void
log_write (enum log_level level, const char *file, int line, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  cleanup_free char *out = NULL;
  char stamp[64];
  struct timespec ts;
  struct tm tm;
  va_list ap;
  int saved_errno = errno;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    OOM ();
  va_end (ap);

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%SZ", &tm); /* RFC 3339, as runc */

  if (log_json)
    {
      json_t *obj = json_pack ("{s:s, s:s, s:s}", "level", level_name (level), "msg", msg,
                               "time", stamp);
      char *dumped = obj ? json_dumps (obj, JSON_COMPACT) : NULL;
      xasprintf (&out, "%s\n", dumped ? dumped : "{}");
      free (dumped);
      json_decref (obj);
    }
  else if (log_fd == 2 && level == LOG_ERROR)
    xasprintf (&out, "silo: %s\n", msg);
  else if (level == LOG_DEBUG)
    xasprintf (&out, "%.19s.%09ldZ debug %s:%d: %s\n", stamp, ts.tv_nsec, file, line, msg);
  else
    xasprintf (&out, "%s %s: %s\n", stamp, level_name (level), msg);
  (void) write_all (log_fd, out, strlen (out));
  errno = saved_errno;
}
