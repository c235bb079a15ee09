/* 9P2000.L file and directory operations. Every name from the guest is a
 * single checked component used with an fd of its directory, and files are
 * opened with O_NOFOLLOW: a symlink in the share is data, never a way out. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "9p.h"
#include "../../../util/utils.h"

#define SETATTR_MODE 0x1
#define SETATTR_UID 0x2
#define SETATTR_GID 0x4
#define SETATTR_SIZE 0x8
#define SETATTR_ATIME 0x10
#define SETATTR_MTIME 0x20
#define SETATTR_ATIME_SET 0x80
#define SETATTR_MTIME_SET 0x100
/* Open flags a guest may pass through (9P2000.L uses Linux's values). */
#define OPEN_FLAGS_OK (O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT \
                       | O_DIRECTORY | O_NOATIME | O_SYNC | O_LARGEFILE)

/* The path (dir's components, then name) as a copy of its own: the fids
 * being rewritten may own the originals (Trename passes the renamed fid's
 * components as the old prefix), so the rewrite must not read them. */
static char **
path_copy (const struct p9_fid *dir, const char *name)
{
  char **v = xmalloc0 ((dir->n + 2) * sizeof (char *));
  int i;

  for (i = 0; i < dir->n; i++)
    v[i] = xstrdup (dir->comps[i]);
  v[dir->n] = xstrdup (name);
  return v;
}

static bool
has_prefix (const struct p9_fid *f, char *const *prefix, int n)
{
  int i;

  if (f->n < n)
    return false;
  for (i = 0; i < n && strcmp (f->comps[i], prefix[i]) == 0; i++)
    ;
  return i == n;
}

/* Fids name files by path components: after a rename, every fid at or
 * below the old name gets the new prefix (open fds stay valid as they are). */
void
p9_fids_renamed (struct p9_server *s, const struct p9_fid *od, const char *oname,
                 const struct p9_fid *nd, const char *nname)
{
  cleanup_strv char **old = path_copy (od, oname);
  cleanup_strv char **new = path_copy (nd, nname);
  cleanup_close int newdir = fcntl (nd->pathfd, F_DUPFD_CLOEXEC, 0);
  int on = od->n + 1, nn = nd->n + 1, i;
  size_t b;

  for (b = 0; b < ARRAY_SIZE (s->fids); b++)
    for (struct p9_fid *f = s->fids[b]; f; f = f->next)
      {
        if (!has_prefix (f, old, on))
          continue;
        char **c = xmalloc0 ((f->n - on + nn + 1) * sizeof (char *));
        for (i = 0; i < nn; i++)
          c[i] = xstrdup (new[i]);
        for (i = on; i < f->n; i++)
          c[nn + i - on] = steal_pointer (&f->comps[i]);
        for (i = 0; i < on; i++)
          free (f->comps[i]);
        free (f->comps);
        f->comps = c;
        f->n = f->n - on + nn;
        if (f->n == nn) /* the renamed file itself: new parent */
          {
            close_and_reset (&f->dirfd);
            f->dirfd = fcntl (newdir, F_DUPFD_CLOEXEC, 0);
          }
      }
}

void
p9_chown_new (int dirfd, const char *name, uint32_t uid, uint32_t gid)
{
  /* Best effort: an unprivileged VMM cannot give files away. */
  if (fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
    return;
}

static int
open_fid (struct p9_server *s, struct p9_fid *f, int flags)
{
  struct stat st;
  int ret = p9_stat (f, &st);

  if (ret < 0)
    return ret;
  if (f->fd >= 0 || f->dir)
    return -EBUSY;
  if (s->readonly && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
    return -EROFS;
  if (S_ISLNK (st.st_mode))
    return -ELOOP;
  /* Device nodes and sockets belong to the guest's kernel, never opened on
   * the host; a FIFO opens without waiting for its other end. */
  if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode) && !S_ISFIFO (st.st_mode))
    return -EPERM;
  if (S_ISFIFO (st.st_mode))
    flags |= O_NONBLOCK;
  f->fd = openat (f->dirfd, p9_fid_name (f), (flags & OPEN_FLAGS_OK) | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (f->fd < 0)
    return -errno;
  if (S_ISDIR (st.st_mode) && (f->dir = fdopendir (f->fd)) == NULL)
    return -errno;
  if (f->dir)
    f->fd = -1; /* owned by the DIR now */
  return 0;
}

static int
reply_qid_iounit (struct p9_server *s, struct p9_pdu *p, const struct p9_fid *f)
{
  struct stat st;
  int ret = p9_stat (f, &st);

  if (ret < 0 || (ret = p9_put_qid (s, p, &st)) < 0)
    return ret;
  p9_put (p, s->msize - P9_HDR - 4 - 4, 4); /* iounit: one Rread's worth */
  return 0;
}

int
p9_lopen (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  int flags = p9_get (p, 4), ret;

  if (f == NULL || p->bad)
    return -EBADF;
  ret = open_fid (s, f, flags & ~O_CREAT);
  return ret < 0 ? ret : reply_qid_iounit (s, p, f);
}

/* Turn the directory fid f into (child name): used by lcreate. */
static int
fid_descend (struct p9_fid *f, const char *name)
{
  int fd = openat (f->pathfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return -errno;
  close_and_reset (&f->dirfd);
  f->dirfd = f->pathfd;
  f->pathfd = fd;
  f->comps = xrealloc (f->comps, (f->n + 2) * sizeof (char *));
  f->comps[f->n++] = xstrdup (name);
  f->comps[f->n] = NULL;
  return 0;
}

int
p9_lcreate (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  cleanup_free char *name = p9_get_str (p);
  int flags = p9_get (p, 4), fd, ret;
  uint32_t mode = p9_get (p, 4), gid = p9_get (p, 4);

  if (f == NULL || p->bad || !p9_name_ok (name))
    return f ? -EINVAL : -EBADF;
  if (f->fd >= 0 || f->dir) /* the fid becomes the new file: its open one would leak */
    return -EBUSY;
  fd = openat (f->pathfd, name, (flags & OPEN_FLAGS_OK) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
               mode & 07777);
  if (fd < 0)
    return -errno;
  p9_chown_new (f->pathfd, name, f->uid, gid);
  ret = fid_descend (f, name);
  if (ret < 0)
    {
      close (fd);
      return ret;
    }
  f->fd = fd;
  return reply_qid_iounit (s, p, f);
}

int
p9_read (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  uint64_t off = p9_get (p, 8);
  uint32_t count = p9_get (p, 4), max = s->msize - P9_HDR - 4;
  uint8_t *len = p9_reserve (p, 4), *buf;
  ssize_t n;

  if (f == NULL || f->fd < 0)
    return -EBADF;
  if (count > max)
    count = max;
  if (len == NULL || (buf = p9_reserve (p, count)) == NULL)
    return -ENOBUFS;
  n = TEMP_FAILURE_RETRY (pread (f->fd, buf, count, off));
  if (n < 0)
    return -errno;
  p->out_off -= count - n;
  memcpy (len, &(uint32_t){ (uint32_t) n }, 4);
  return 0;
}

int
p9_write (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  uint64_t off = p9_get (p, 8);
  uint32_t count = p9_get (p, 4);
  ssize_t n;

  if (f == NULL || f->fd < 0)
    return -EBADF;
  if (p->bad || p->in_off + count > p->in_len)
    return -EINVAL;
  n = TEMP_FAILURE_RETRY (pwrite (f->fd, p->in + p->in_off, count, off));
  if (n < 0)
    return -errno;
  p9_put (p, n, 4);
  return 0;
}

/* An entry's device and inode, so that its qid is the one a walk to it
 * gives (a mount point's too: d_ino is the covered directory's). ".." of
 * the root is the root, as a walk has it. */
static void
entry_stat (const struct p9_fid *f, const struct dirent *d, struct stat *st)
{
  int dfd = dirfd (f->dir);
  bool self = strcmp (d->d_name, ".") == 0 || (f->n == 0 && strcmp (d->d_name, "..") == 0);

  if (self ? fstat (dfd, st) == 0 : fstatat (dfd, d->d_name, st, AT_SYMLINK_NOFOLLOW) == 0)
    return;
  /* gone meanwhile: what readdir said, on the directory's device */
  if (fstat (dfd, st) < 0)
    st->st_dev = 0;
  st->st_ino = d->d_ino;
  st->st_mode = DTTOIF (d->d_type);
}

int
p9_readdir (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  uint64_t off = p9_get (p, 8);
  uint32_t count = p9_get (p, 4);
  uint8_t *len = p9_reserve (p, 4);
  size_t start = p->out_off, limit;
  struct dirent *d;

  if (f == NULL || f->dir == NULL || len == NULL)
    return -EBADF;
  limit = start + (count < s->msize - P9_HDR - 4 ? count : s->msize - P9_HDR - 4);
  seekdir (f->dir, off);
  while ((d = readdir (f->dir)))
    {
      size_t nlen = strlen (d->d_name);
      struct stat st;
      int ret;
      if (p->out_off + 13 + 8 + 1 + 2 + nlen > limit)
        break;
      entry_stat (f, d, &st);
      if ((ret = p9_put_qid (s, p, &st)) < 0)
        return ret;
      p9_put (p, d->d_off, 8); /* where the next entry starts: telldir cookie */
      p9_put (p, d->d_type, 1);
      p9_put_str (p, d->d_name, nlen);
    }
  memcpy (len, &(uint32_t){ (uint32_t) (p->out_off - start) }, 4);
  return 0;
}

int
p9_fsync (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));

  if (f == NULL)
    return -EBADF;
  if (f->fd >= 0 && fsync (f->fd) < 0)
    return -errno;
  return 0;
}

/* The directory fid and checked name that most create calls start with. */
static int
get_dir_name (struct p9_server *s, struct p9_pdu *p, struct p9_fid **dir, char **name)
{
  *dir = p9_fid_get (s, p9_get (p, 4));
  *name = p9_get_str (p);
  if (*dir == NULL)
    return -EBADF;
  return p->bad || !p9_name_ok (*name) ? -EINVAL : 0;
}

static int
reply_entry_qid (struct p9_server *s, struct p9_pdu *p, int dirfd, const char *name)
{
  struct stat st;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  return p9_put_qid (s, p, &st);
}

int
p9_mkdir (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *d;
  cleanup_free char *name = NULL;
  int ret = get_dir_name (s, p, &d, &name);
  uint32_t mode = p9_get (p, 4), gid = p9_get (p, 4);

  if (ret < 0)
    return ret;
  if (mkdirat (d->pathfd, name, mode & 07777) < 0)
    return -errno;
  p9_chown_new (d->pathfd, name, d->uid, gid);
  return reply_entry_qid (s, p, d->pathfd, name);
}

int
p9_symlink (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *d;
  cleanup_free char *name = NULL;
  int ret = get_dir_name (s, p, &d, &name);
  cleanup_free char *target = p9_get_str (p);
  uint32_t gid = p9_get (p, 4);

  if (ret < 0 || target == NULL)
    return ret < 0 ? ret : -EINVAL;
  if (symlinkat (target, d->pathfd, name) < 0) /* the target is only text to us */
    return -errno;
  p9_chown_new (d->pathfd, name, d->uid, gid);
  return reply_entry_qid (s, p, d->pathfd, name);
}

int
p9_mknod (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *d;
  cleanup_free char *name = NULL;
  int ret = get_dir_name (s, p, &d, &name);
  uint32_t mode = p9_get (p, 4), major = p9_get (p, 4), minor = p9_get (p, 4), gid = p9_get (p, 4);

  if (ret < 0)
    return ret;
  if (mknodat (d->pathfd, name, mode, makedev (major, minor)) < 0)
    return -errno;
  p9_chown_new (d->pathfd, name, d->uid, gid);
  return reply_entry_qid (s, p, d->pathfd, name);
}

int
p9_readlink (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  char buf[4096];
  ssize_t n;

  if (f == NULL)
    return -EBADF;
  n = readlinkat (f->pathfd, "", buf, sizeof (buf));
  if (n < 0)
    return -errno;
  p9_put_str (p, buf, n);
  return 0;
}

int
p9_link (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *d = p9_fid_get (s, p9_get (p, 4)), *f = p9_fid_get (s, p9_get (p, 4));
  cleanup_free char *name = p9_get_str (p);

  if (d == NULL || f == NULL)
    return -EBADF;
  if (p->bad || !p9_name_ok (name))
    return -EINVAL;
  if (linkat (f->pathfd, "", d->pathfd, name, AT_EMPTY_PATH) < 0)
    return -errno;
  return 0;
}

int
p9_unlinkat (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *d;
  cleanup_free char *name = NULL;
  int ret = get_dir_name (s, p, &d, &name);
  uint32_t flags = p9_get (p, 4);

  if (ret < 0)
    return ret;
  if (unlinkat (d->pathfd, name, flags & AT_REMOVEDIR) < 0)
    return -errno;
  return 0;
}

static int
do_rename (struct p9_server *s, struct p9_fid *od, const char *oname, struct p9_fid *nd,
           const char *nname)
{
  if (renameat (od->pathfd, oname, nd->pathfd, nname) < 0)
    return -errno;
  p9_fids_renamed (s, od, oname, nd, nname);
  return 0;
}

int
p9_renameat (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *od, *nd;
  cleanup_free char *oname = NULL;
  cleanup_free char *nname = NULL;
  int ret = get_dir_name (s, p, &od, &oname);
  int ret2 = get_dir_name (s, p, &nd, &nname);

  return ret < 0 ? ret : ret2 < 0 ? ret2 : do_rename (s, od, oname, nd, nname);
}

/* Trename fid dfid name: the fid's parent is found again from its path
 * (the parent shares the fid's components; p9_fids_renamed copies them). */
int
p9_rename (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  struct p9_fid *nd = p9_fid_get (s, p9_get (p, 4));
  cleanup_free char *name = p9_get_str (p);
  struct p9_fid parent;

  if (f == NULL || nd == NULL)
    return -EBADF;
  if (p->bad || !p9_name_ok (name) || f->n == 0)
    return -EINVAL;
  parent = (struct p9_fid){ .comps = f->comps, .n = f->n - 1, .pathfd = f->dirfd };
  return do_rename (s, &parent, f->comps[f->n - 1], nd, name);
}

int
p9_remove (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  struct stat st;
  int ret;

  if (f == NULL)
    return -EBADF;
  if (f->n == 0)
    return -EBUSY; /* the share root stays */
  if ((ret = p9_stat (f, &st)) < 0)
    return ret;
  if (unlinkat (f->dirfd, p9_fid_name (f), S_ISDIR (st.st_mode) ? AT_REMOVEDIR : 0) < 0)
    return -errno;
  return 0; /* the fid is clunked by the client's Tclunk */
}

static int
set_times (struct p9_fid *f, uint32_t valid, const uint64_t t[4])
{
  struct timespec ts[2] = {
    { .tv_sec = t[0], .tv_nsec = (valid & SETATTR_ATIME_SET) ? (long) t[1] : UTIME_NOW },
    { .tv_sec = t[2], .tv_nsec = (valid & SETATTR_MTIME_SET) ? (long) t[3] : UTIME_NOW },
  };

  if (!(valid & SETATTR_ATIME))
    ts[0].tv_nsec = UTIME_OMIT;
  if (!(valid & SETATTR_MTIME))
    ts[1].tv_nsec = UTIME_OMIT;
  return utimensat (f->dirfd, p9_fid_name (f), ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int
p9_setattr (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  uint32_t valid = p9_get (p, 4), mode = p9_get (p, 4), uid = p9_get (p, 4), gid = p9_get (p, 4);
  uint64_t size = p9_get (p, 8), t[4] = { p9_get (p, 8), p9_get (p, 8), p9_get (p, 8), p9_get (p, 8) };
  const char *name;
  struct stat st;
  int ret, fd;

  if (f == NULL || p->bad)
    return -EBADF;
  if ((ret = p9_stat (f, &st)) < 0)
    return ret;
  name = p9_fid_name (f);
  /* chmod and truncate follow symlinks: never apply them to one. */
  if ((valid & (SETATTR_MODE | SETATTR_SIZE)) && S_ISLNK (st.st_mode))
    return -ELOOP;
  /* truncate opens the file: only a regular one (never a device or FIFO). */
  if ((valid & SETATTR_SIZE) && !S_ISREG (st.st_mode))
    return S_ISDIR (st.st_mode) ? -EISDIR : -EINVAL;
  if ((valid & SETATTR_MODE) && fchmodat (f->dirfd, name, mode & 07777, 0) < 0)
    return -errno;
  if ((valid & (SETATTR_UID | SETATTR_GID))
      && fchownat (f->dirfd, name, (valid & SETATTR_UID) ? uid : (uid_t) -1,
                   (valid & SETATTR_GID) ? gid : (gid_t) -1, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  if (valid & SETATTR_SIZE)
    {
      fd = openat (f->dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      ret = fd < 0 || ftruncate (fd, size) < 0 ? -errno : 0;
      if (fd >= 0)
        close (fd);
      if (ret < 0)
        return ret;
    }
  if (valid & (SETATTR_ATIME | SETATTR_MTIME))
    return set_times (f, valid, t);
  return 0;
}
