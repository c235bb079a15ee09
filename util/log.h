/* One logging module: stderr or a file (--log), text or JSON (--log-format),
 * debug gated at run time (--debug). */
#ifndef SILO_LOG_H
#define SILO_LOG_H

#include <stdbool.h>

enum log_level
{
  LOG_ERROR,
  LOG_WARNING,
  LOG_DEBUG,
};

/* path may be NULL (stderr); json selects {"level","msg","time"} lines. */
int log_init (const char *path, bool json, bool debug);
bool log_debug_enabled (void);
/* The fd logs go to: a child that closes what it inherited keeps it. */
int log_get_fd (void);
/* Log to stderr from now on: for a child about to close the inherited log file. */
void log_to_stderr (void);
void log_write (enum log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

#define pr_err(...) log_write (LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define pr_warn(...) log_write (LOG_WARNING, __FILE__, __LINE__, __VA_ARGS__)
#define pr_debug(...)                                                          \
  do                                                                           \
    {                                                                          \
      if (log_debug_enabled ())                                                \
        log_write (LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__);                \
    }                                                                          \
  while (0)

#endif
