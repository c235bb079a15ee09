/* silo's one error contract: see docs/error-handling.md.
 * A fallible function takes `silo_error_t *err`, returns a negative int (or
 * NULL) on failure and fills *err; only cli/ prints an error. */
#ifndef SILO_ERROR_H
#define SILO_ERROR_H

#include <stdarg.h>

struct silo_error_s
{
  int status; /* errno value, 0 when not from a syscall */
  char *msg;
};
typedef struct silo_error_s *silo_error_t;

/* Fill *err with the formatted message (plus ": strerror(status)" when status
 * is non-zero) and return -status - 1, so a failure is one `return`. */
int silo_make_error (silo_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefix the message of an existing error with context; returns -status - 1. */
int silo_error_wrap (silo_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

void silo_error_release (silo_error_t *err);

/* Turn a message that a child sent over a socket back into an error. */
int silo_error_from_msg (silo_error_t *err, int status, const char *msg);

#define UNLIKELY(x) __builtin_expect (!!(x), 0)

#endif
