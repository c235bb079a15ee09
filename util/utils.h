/* Small helpers shared by every module: allocation, cleanup attributes,
 * whole-file and fd I/O, path creation, fd passing. */
#ifndef SILO_UTILS_H
#define SILO_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>
#include <dirent.h>

#include "error.h"

#ifndef TEMP_FAILURE_RETRY
#define TEMP_FAILURE_RETRY(expression)                                      \
  (__extension__ ({                                                         \
    long int __result;                                                      \
    do                                                                      \
      __result = (long int) (expression);                                   \
    while (__result == -1L && errno == EINTR);                              \
    __result;                                                               \
  }))
#endif

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

__attribute__ ((noreturn)) void silo_oom (const char *where);
#define OOM() silo_oom (__func__)

void *xmalloc (size_t size);
void *xmalloc0 (size_t size);
void *xrealloc (void *ptr, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
int xasprintf (char **out, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Cleanup attributes: the variable is released when it leaves scope. */
void cleanup_freep (void *p);
void cleanup_closep (int *fd);
void cleanup_dirp (DIR **d);
void cleanup_filep (FILE **f);
void cleanup_strvp (char ***v);
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_dirp)))
#define cleanup_file __attribute__ ((cleanup (cleanup_filep)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

/* Hand an fd or pointer to a new owner: returns it and resets the variable. */
static inline int
take_fd (int *fd)
{
  int ret = *fd;
  *fd = -1;
  return ret;
}

static inline void *
steal_pointer_ (void **pp)
{
  void *ret = *pp;
  *pp = NULL;
  return ret;
}
#define steal_pointer(pp) steal_pointer_ ((void **) (pp))

void close_and_reset (int *fd);

/* NULL-terminated string vectors. */
size_t strv_len (char *const *v);
void strv_free (char **v);
char **strv_dup (char *const *v);

/* Retry EINTR and short transfers; return 0 or -1 with errno set. */
int write_all (int fd, const void *buf, size_t len);
/* Read until EOF; returns the length or -1; *out is NUL-terminated. */
ssize_t read_all_fd (int fd, char **out);

int read_file (const char *path, char **out, size_t *len, silo_error_t *err);
int read_file_at (int dirfd, const char *path, char **out, silo_error_t *err);
int write_file (const char *path, const void *data, size_t len, silo_error_t *err);
int write_file_at (int dirfd, const char *name, const void *data, size_t len,
                   silo_error_t *err);
/* Write atomically through a temporary file and rename. */
int write_file_atomic (const char *path, const void *data, size_t len, silo_error_t *err);

int mkdir_p (const char *path, mode_t mode, silo_error_t *err);
/* Remove a directory tree without crossing mount points. */
int rm_rf_at (int dirfd, const char *name, silo_error_t *err);

/* Pass one fd over a unix socket (SCM_RIGHTS) together with a short payload. */
int send_fd (int sock, int fd, const void *data, size_t len);
int recv_fd (int sock, int *fd, void *data, size_t len);

/* Connect a SOCK_STREAM unix socket to path; returns the fd (close-on-exec)
 * or a negative error naming the path. Callers prefix the field it came from. */
int unix_connect (const char *path, silo_error_t *err);

/* Parse a decimal integer that must fill the whole string. */
int parse_long (const char *s, long *out);

/* Close every fd above 2 but those in keep[] (a child forked without exec
 * must not hold its parent's sockets open). */
int close_fds_except (const int *keep, size_t n, silo_error_t *err);

/* Read /proc/<pid>/stat. *fields points into *text at field 3 (the state),
 * past "pid (comm) " whose comm may itself hold spaces and parentheses.
 * Returns 0, or -1 when the process is gone or the text is not as expected. */
int read_proc_stat (pid_t pid, char **text, const char **fields);

/* Does the calling process's user namespace map every uid to itself, as
 * the host's does ("0 0 4294967295", one line)? False in a user's
 * namespace (rootless podman's, a rootless sandbox monitor's). */
bool userns_maps_all_ids (void);

/* Monotonic time in nanoseconds, for the --debug timing breakdown. */
unsigned long long now_ns (void);

#endif
