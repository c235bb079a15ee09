#include "error.h"
#include "utils.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
make_error_v (silo_error_t *err, int status, const char *fmt, va_list ap)
{
  char *msg = NULL;

  if (vasprintf (&msg, fmt, ap) < 0)
    OOM ();
  if (*err != NULL)
    silo_error_release (err);
  *err = xmalloc (sizeof (**err));
  (*err)->status = status;
  if (status)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", msg, strerror (status)) < 0)
        OOM ();
      free (msg);
      msg = full;
    }
  (*err)->msg = msg;
  return -status - 1;
}

int
silo_make_error (silo_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = make_error_v (err, status, fmt, ap);
  va_end (ap);
  return ret;
}

int
silo_error_wrap (silo_error_t *err, const char *fmt, ...)
{
  cleanup_free char *prefix = NULL;
  char *joined = NULL;
  va_list ap;

  if (*err == NULL)
    return silo_make_error (err, 0, "unknown error");
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    OOM ();
  va_end (ap);
  if (asprintf (&joined, "%s: %s", prefix, (*err)->msg) < 0)
    OOM ();
  free ((*err)->msg);
  (*err)->msg = joined;
  return -(*err)->status - 1;
}

int
silo_error_from_msg (silo_error_t *err, int status, const char *msg)
{
  if (*err != NULL)
    silo_error_release (err);
  *err = xmalloc (sizeof (**err));
  (*err)->status = status;
  (*err)->msg = xstrdup (msg);
  return -status - 1;
}

void
silo_error_release (silo_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
