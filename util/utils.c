#include "syscalls.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <time.h>

void
silo_oom (const char *where)
{
  static const char msg[] = "silo: out of memory\n";
  (void) where;
  (void) !write (2, msg, sizeof (msg) - 1);
  abort ();
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    OOM ();
  return p;
}

void *
xmalloc0 (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    OOM ();
  return p;
}

void *
xrealloc (void *ptr, size_t size)
{
  void *p = realloc (ptr, size ? size : 1);
  if (p == NULL)
    OOM ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *p;
  if (s == NULL)
    return NULL;
  p = strdup (s);
  if (p == NULL)
    OOM ();
  return p;
}

char *
xstrndup (const char *s, size_t n)
{
  char *p = strndup (s, n);
  if (p == NULL)
    OOM ();
  return p;
}

int
xasprintf (char **out, const char *fmt, ...)
{
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = vasprintf (out, fmt, ap);
  va_end (ap);
  if (ret < 0)
    OOM ();
  return ret;
}

void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

void
cleanup_dirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

void
cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
}

void
cleanup_strvp (char ***v)
{
  strv_free (*v);
}

void
close_and_reset (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (size_t i = 0; v[i]; i++)
    free (v[i]);
  free (v);
}

char **
strv_dup (char *const *v)
{
  size_t n = strv_len (v);
  char **r = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          return -1;
        }
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

ssize_t
read_all_fd (int fd, char **out)
{
  size_t cap = 4096, len = 0;
  char *buf = xmalloc (cap);

  for (;;)
    {
      ssize_t r;
      if (len + 1 >= cap)
        {
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      r = read (fd, buf + len, cap - len - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          free (buf);
          return -1;
        }
      if (r == 0)
        break;
      len += (size_t) r;
    }
  buf[len] = '\0';
  *out = buf;
  return (ssize_t) len;
}

int
read_file_at (int dirfd, const char *path, char **out, silo_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  if (read_all_fd (fd, out) < 0)
    return silo_make_error (err, errno, "read `%s`", path);
  return 0;
}

int
read_file (const char *path, char **out, size_t *len, silo_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t r;

  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  r = read_all_fd (fd, out);
  if (r < 0)
    return silo_make_error (err, errno, "read `%s`", path);
  if (len)
    *len = (size_t) r;
  return 0;
}

int
write_file_at (int dirfd, const char *name, const void *data, size_t len,
               silo_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", name);
  if (write_all (fd, data, len) < 0)
    return silo_make_error (err, errno, "write `%s`", name);
  return 0;
}

int
write_file (const char *path, const void *data, size_t len, silo_error_t *err)
{
  return write_file_at (AT_FDCWD, path, data, len, err);
}

int
write_file_atomic (const char *path, const void *data, size_t len, silo_error_t *err)
{
  cleanup_free char *tmp = NULL;
  int ret;

  xasprintf (&tmp, "%s.tmp", path);
  ret = write_file (tmp, data, len, err);
  if (ret < 0)
    return ret;
  if (rename (tmp, path) < 0)
    {
      int saved = errno;
      unlink (tmp);
      return silo_make_error (err, saved, "rename `%s` to `%s`", tmp, path);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  char *p = copy;

  while (*p == '/')
    p++;
  for (;; p++)
    {
      char saved = *p;
      if (saved != '/' && saved != '\0')
        continue;
      *p = '\0';
      if (mkdir (copy, mode) < 0 && errno != EEXIST)
        return silo_make_error (err, errno, "mkdir `%s`", copy);
      *p = saved;
      if (saved == '\0')
        break;
      while (p[1] == '/')
        p++;
    }
  return 0;
}

int
rm_rf_at (int parent_fd, const char *name, silo_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;

  if (unlinkat (parent_fd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return silo_make_error (err, errno, "unlink `%s`", name);
  fd = openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "open `%s`", name);
  dir = fdopendir (fd);
  if (dir == NULL)
    return silo_make_error (err, errno, "fdopendir `%s`", name);
  fd = -1; /* now owned by dir */
  while ((de = readdir (dir)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (rm_rf_at (dirfd (dir), de->d_name, err) < 0)
        return -1;
    }
  if (unlinkat (parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return silo_make_error (err, errno, "rmdir `%s`", name);
  return 0;
}

int
send_fd (int sock, int fd, const void *data, size_t len)
{
  char ctrl[CMSG_SPACE (sizeof (int))] = { 0 };
  char dummy = 0;
  struct iovec iov = { .iov_base = data ? (void *) data : &dummy, .iov_len = data ? len : 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *cmsg;

  if (fd >= 0)
    {
      msg.msg_control = ctrl;
      msg.msg_controllen = sizeof (ctrl);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
    }
  return TEMP_FAILURE_RETRY (sendmsg (sock, &msg, MSG_NOSIGNAL)) < 0 ? -1 : 0;
}

int
recv_fd (int sock, int *fd, void *data, size_t len)
{
  char ctrl[CMSG_SPACE (sizeof (int))] = { 0 };
  char dummy;
  struct iovec iov = { .iov_base = data ? data : &dummy, .iov_len = data ? len : 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
                        .msg_controllen = sizeof (ctrl) };
  struct cmsghdr *cmsg;
  ssize_t r;

  *fd = -1;
  r = TEMP_FAILURE_RETRY (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC));
  if (r < 0)
    return -1;
  if (r == 0)
    {
      errno = ECONNRESET;
      return -1;
    }
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      memcpy (fd, CMSG_DATA (cmsg), sizeof (int));
  return (int) r;
}

int
unix_connect (const char *path, silo_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;

  if (strlen (path) >= sizeof (addr.sun_path))
    return silo_make_error (err, 0, "`%s`: path too long for a unix socket", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return silo_make_error (err, errno, "socket");
  if (TEMP_FAILURE_RETRY (connect (fd, (struct sockaddr *) &addr, sizeof (addr))) < 0)
    return silo_make_error (err, errno, "connect `%s`", path);
  return take_fd (&fd);
}

int
parse_long (const char *s, long *out)
{
  char *end;
  long v;

  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtol (s, &end, 10);
  if (errno || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
read_proc_stat (pid_t pid, char **text, const char **fields)
{
  silo_error_t ignored = NULL;
  char path[64];
  const char *close_paren;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int) pid);
  if (read_file (path, text, NULL, &ignored) < 0)
    {
      silo_error_release (&ignored);
      return -1;
    }
  close_paren = strrchr (*text, ')');
  if (close_paren == NULL || close_paren[1] != ' ' || close_paren[2] == '\0')
    return -1;
  *fields = close_paren + 2;
  return 0;
}

unsigned long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec;
}

int
close_fds_except (const int *keep, size_t n, silo_error_t *err)
{
  unsigned first = 3;
  int next;
  size_t i;

  for (;;)
    {
      next = -1; /* the lowest kept fd at or above first */
      for (i = 0; i < n; i++)
        if (keep[i] >= (int) first && (next < 0 || keep[i] < next))
          next = keep[i];
      if (next < 0)
        break;
      if ((unsigned) next > first && sys_close_range (first, (unsigned) next - 1, 0) < 0)
        return silo_make_error (err, errno, "close_range %u-%d", first, next - 1);
      first = (unsigned) next + 1;
    }
  if (sys_close_range (first, ~0U, 0) < 0)
    return silo_make_error (err, errno, "close_range %u-", first);
  return 0;
}

bool
userns_maps_all_ids (void)
{
  cleanup_free char *map = NULL;
  unsigned long inside, outside, count;
  silo_error_t err = NULL;
  int used = 0;

  if (read_file ("/proc/self/uid_map", &map, NULL, &err) < 0)
    {
      silo_error_release (&err);
      return false;
    }
  if (sscanf (map, " %lu %lu %lu %n", &inside, &outside, &count, &used) != 3)
    return false;
  return inside == 0 && outside == 0 && count == 4294967295UL && map[used] == '\0';
}
