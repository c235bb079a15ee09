/* 9P2000.L server core: message codec, fid table, session and metadata
 * requests, and the dispatch table. File and directory operations are in
 * 9p-ops.c. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "9p.h"
#include "../../../util/utils.h"

#define QT_DIR 0x80
#define QT_SYMLINK 0x02
#define P9_GETATTR_BASIC 0x7ffULL
#define R_LERROR 7

uint64_t
p9_get (struct p9_pdu *p, int bytes)
{
  uint64_t v = 0;
  int i;

  if (p->in_off + bytes > p->in_len)
    {
      p->bad = true;
      return 0;
    }
  for (i = 0; i < bytes; i++)
    v |= (uint64_t) p->in[p->in_off + i] << (8 * i);
  p->in_off += bytes;
  return v;
}

char *
p9_get_str (struct p9_pdu *p)
{
  size_t n = p9_get (p, 2);

  if (p->bad || p->in_off + n > p->in_len || memchr (p->in + p->in_off, 0, n))
    {
      p->bad = true;
      return NULL;
    }
  p->in_off += n;
  return xstrndup ((const char *) p->in + p->in_off - n, n);
}

uint8_t *
p9_reserve (struct p9_pdu *p, size_t len)
{
  if (p->out_off + len > p->out_cap)
    {
      p->bad = true;
      return NULL;
    }
  p->out_off += len;
  return p->out + p->out_off - len;
}

void
p9_put (struct p9_pdu *p, uint64_t v, int bytes)
{
  uint8_t *b = p9_reserve (p, bytes);
  int i;

  for (i = 0; b && i < bytes; i++)
    b[i] = (uint8_t) (v >> (8 * i));
}

void
p9_put_str (struct p9_pdu *p, const char *s, size_t len)
{
  uint8_t *b;

  p9_put (p, len, 2);
  if ((b = p9_reserve (p, len)))
    memcpy (b, s, len);
}

int
p9_qid_path (struct p9_server *s, const struct stat *st, uint64_t *path)
{
  uint16_t hi = (uint16_t) (st->st_ino >> 48);
  size_t i;

  for (i = 0; i < s->n_prefixes; i++)
    if (s->prefixes[i].dev == st->st_dev && s->prefixes[i].hi == hi)
      break;
  if (i == P9_QID_PREFIXES)
    return -EOVERFLOW; /* the guest's stat fails; nothing shares a number */
  if (i == s->n_prefixes)
    {
      s->prefixes = xrealloc (s->prefixes, (i + 1) * sizeof (*s->prefixes));
      s->prefixes[s->n_prefixes++] = (struct p9_qid_prefix){ .dev = st->st_dev, .hi = hi };
    }
  *path = (uint64_t) i << 48 | (st->st_ino & ((1ULL << 48) - 1));
  return 0;
}

int
p9_put_qid (struct p9_server *s, struct p9_pdu *p, const struct stat *st)
{
  uint64_t path;
  int ret = p9_qid_path (s, st, &path);

  if (ret < 0)
    return ret;
  p9_put (p, S_ISDIR (st->st_mode) ? QT_DIR : S_ISLNK (st->st_mode) ? QT_SYMLINK : 0, 1);
  p9_put (p, (uint32_t) st->st_mtime, 4);
  p9_put (p, path, 8);
  return 0;
}

bool
p9_name_ok (const char *name)
{
  return name && *name && !strchr (name, '/') && strcmp (name, ".") && strcmp (name, "..");
}

const char *
p9_fid_name (const struct p9_fid *f)
{
  return f->n ? f->comps[f->n - 1] : ".";
}

int
p9_stat (const struct p9_fid *f, struct stat *st)
{
  return fstatat (f->pathfd, "", st, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

struct p9_fid *
p9_fid_get (struct p9_server *s, uint32_t fid)
{
  struct p9_fid *f;

  for (f = s->fids[fid % ARRAY_SIZE (s->fids)]; f; f = f->next)
    if (f->fid == fid)
      return f;
  return NULL;
}

static void
fid_free (struct p9_fid *f)
{
  int i;

  if (f->dir)
    closedir (f->dir);
  close_and_reset (&f->fd);
  close_and_reset (&f->dirfd);
  close_and_reset (&f->pathfd);
  for (i = 0; i < f->n; i++)
    free (f->comps[i]);
  free (f->comps);
  free (f);
}

static void
fid_remove (struct p9_server *s, uint32_t fid)
{
  struct p9_fid **pp;

  for (pp = &s->fids[fid % ARRAY_SIZE (s->fids)]; *pp; pp = &(*pp)->next)
    if ((*pp)->fid == fid)
      {
        struct p9_fid *f = *pp;
        *pp = f->next;
        fid_free (f);
        return;
      }
}

/* Open (dirfd, pathfd) for comps[0..n) by walking down from the root. */
static int
resolve (struct p9_server *s, char **comps, int n, int *dirfd, int *pathfd)
{
  int fd = fcntl (s->root, F_DUPFD_CLOEXEC, 0), i, next;

  for (i = 0; fd >= 0 && i < n - 1; i++)
    {
      next = openat (fd, comps[i], O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      close (fd);
      fd = next;
    }
  if (fd < 0)
    return -errno;
  *pathfd = n ? openat (fd, comps[n - 1], O_PATH | O_NOFOLLOW | O_CLOEXEC)
              : fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (*pathfd < 0)
    {
      int e = errno;
      close (fd);
      return -e;
    }
  *dirfd = fd;
  return 0;
}

/* A new fid for comps (copied); fails if the fid number is in use. */
static int
fid_new (struct p9_server *s, uint32_t fid, char **comps, int n, uint32_t uid, struct p9_fid **out)
{
  struct p9_fid *f;
  int i, ret;

  if (p9_fid_get (s, fid))
    return -EEXIST;
  f = xmalloc0 (sizeof (*f));
  f->fid = fid, f->uid = uid, f->fd = -1, f->dirfd = -1, f->pathfd = -1;
  f->comps = xmalloc0 ((n + 1) * sizeof (char *));
  for (i = 0; i < n; i++)
    f->comps[i] = xstrdup (comps[i]);
  f->n = n;
  ret = resolve (s, f->comps, n, &f->dirfd, &f->pathfd);
  if (ret < 0)
    {
      fid_free (f);
      return ret;
    }
  f->next = s->fids[fid % ARRAY_SIZE (s->fids)];
  s->fids[fid % ARRAY_SIZE (s->fids)] = f;
  *out = f;
  return 0;
}

static int
do_version (struct p9_server *s, struct p9_pdu *p)
{
  uint32_t msize = p9_get (p, 4);
  cleanup_free char *version = p9_get_str (p);
  size_t b;

  if (p->bad || msize < P9_MSIZE_MIN) /* replies are sized from msize: no underflow */
    return -EINVAL;
  for (b = 0; b < ARRAY_SIZE (s->fids); b++) /* a new session drops every fid */
    while (s->fids[b])
      fid_remove (s, s->fids[b]->fid);
  s->msize = msize < P9_MSIZE_MAX ? msize : P9_MSIZE_MAX;
  p9_put (p, s->msize, 4);
  if (strcmp (version, "9P2000.L") != 0)
    p9_put_str (p, "unknown", 7);
  else
    p9_put_str (p, version, strlen (version));
  return 0;
}

static int
do_attach (struct p9_server *s, struct p9_pdu *p)
{
  uint32_t fid = p9_get (p, 4);
  cleanup_free char *uname = (p9_get (p, 4), p9_get_str (p));
  cleanup_free char *aname = p9_get_str (p);
  uint32_t uid = p9_get (p, 4);
  struct p9_fid *f;
  struct stat st;
  int ret;

  if (p->bad)
    return -EINVAL;
  ret = fid_new (s, fid, NULL, 0, uid, &f);
  if (ret == 0)
    ret = p9_stat (f, &st);
  if (ret < 0)
    return ret;
  return p9_put_qid (s, p, &st);
}

/* Walk one component from (comps, *n): push a name or pop for "..". */
static int
walk_step (char ***comps, int *n, const char *name)
{
  if (name == NULL || strchr (name, '/') || !*name)
    return -EINVAL;
  if (strcmp (name, "..") == 0)
    {
      if (*n > 0) /* at the root ".." is the root itself */
        {
          free ((*comps)[--*n]);
          (*comps)[*n] = NULL;
        }
      return 0;
    }
  if (strcmp (name, ".") == 0)
    return 0;
  *comps = xrealloc (*comps, (*n + 2) * sizeof (char *));
  (*comps)[(*n)++] = xstrdup (name);
  (*comps)[*n] = NULL; /* kept NULL-terminated for cleanup_strv */
  return 0;
}

static int
do_walk (struct p9_server *s, struct p9_pdu *p)
{
  uint32_t fid = p9_get (p, 4), newfid = p9_get (p, 4);
  int nw = p9_get (p, 2), i, n, ret = 0, dirfd, pathfd;
  struct p9_fid *f = p9_fid_get (s, fid), *nf;
  cleanup_strv char **comps = NULL;
  uint8_t *count;

  if (p->bad || nw > 16)
    return -EINVAL;
  if (f == NULL || (newfid != fid && p9_fid_get (s, newfid)))
    return f ? -EEXIST : -EBADF;
  comps = xmalloc0 ((f->n + 1) * sizeof (char *));
  for (n = 0; n < f->n; n++)
    comps[n] = xstrdup (f->comps[n]);
  count = p9_reserve (p, 2);
  for (i = 0; i < nw; i++)
    {
      struct stat st;
      cleanup_free char *name = p9_get_str (p);
      if ((ret = walk_step (&comps, &n, name)) < 0 || (ret = resolve (s, comps, n, &dirfd, &pathfd)) < 0)
        break;
      ret = fstatat (pathfd, "", &st, AT_EMPTY_PATH) < 0 ? -errno : 0;
      close (dirfd);
      close (pathfd);
      if (ret < 0 || (ret = p9_put_qid (s, p, &st)) < 0)
        break;
    }
  if (i == 0 && nw > 0) /* nothing walked: an error, not an empty Rwalk */
    return ret;
  if (count)
    count[0] = i & 0xff, count[1] = i >> 8;
  if (i < nw) /* partial walk: newfid is not created */
    return 0;
  if (newfid == fid)
    {
      uint32_t uid = f->uid;
      fid_remove (s, fid);
      return fid_new (s, newfid, comps, n, uid, &nf);
    }
  return fid_new (s, newfid, comps, n, f->uid, &nf);
}

static int
do_clunk (struct p9_server *s, struct p9_pdu *p)
{
  uint32_t fid = p9_get (p, 4);

  if (p->bad || !p9_fid_get (s, fid))
    return -EBADF;
  fid_remove (s, fid);
  return 0;
}

static int
do_getattr (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  struct stat st;
  int ret;

  if (f == NULL)
    return -EBADF;
  if ((ret = p9_stat (f, &st)) < 0)
    return ret;
  p9_put (p, P9_GETATTR_BASIC, 8);
  if ((ret = p9_put_qid (s, p, &st)) < 0)
    return ret;
  p9_put (p, st.st_mode, 4);
  p9_put (p, st.st_uid, 4);
  p9_put (p, st.st_gid, 4);
  p9_put (p, st.st_nlink, 8);
  p9_put (p, st.st_rdev, 8);
  p9_put (p, st.st_size, 8);
  p9_put (p, st.st_blksize, 8);
  p9_put (p, st.st_blocks, 8);
  p9_put (p, st.st_atim.tv_sec, 8), p9_put (p, st.st_atim.tv_nsec, 8);
  p9_put (p, st.st_mtim.tv_sec, 8), p9_put (p, st.st_mtim.tv_nsec, 8);
  p9_put (p, st.st_ctim.tv_sec, 8), p9_put (p, st.st_ctim.tv_nsec, 8);
  p9_put (p, 0, 8), p9_put (p, 0, 8); /* btime, gen, data_version: not kept */
  p9_put (p, 0, 8), p9_put (p, 0, 8);
  return 0;
}

static int
do_statfs (struct p9_server *s, struct p9_pdu *p)
{
  struct p9_fid *f = p9_fid_get (s, p9_get (p, 4));
  struct statfs st;

  if (f == NULL)
    return -EBADF;
  if (fstatfs (f->pathfd, &st) < 0)
    return -errno;
  p9_put (p, st.f_type, 4);
  p9_put (p, st.f_bsize, 4);
  p9_put (p, st.f_blocks, 8);
  p9_put (p, st.f_bfree, 8);
  p9_put (p, st.f_bavail, 8);
  p9_put (p, st.f_files, 8);
  p9_put (p, st.f_ffree, 8);
  p9_put (p, (uint64_t) st.f_fsid.__val[0] | (uint64_t) st.f_fsid.__val[1] << 32, 8);
  p9_put (p, st.f_namelen, 4);
  return 0;
}

static int
do_nothing (struct p9_server *s, struct p9_pdu *p)
{
  return 0; /* Tflush: requests complete synchronously, nothing to cancel */
}

static int
do_notsup (struct p9_server *s, struct p9_pdu *p)
{
  return -ENOTSUP; /* xattrs, auth */
}

/* Locks are advisory between guest processes, which the guest kernel
 * already arbitrates for a single-client share: always granted. */
static int
do_lock (struct p9_server *s, struct p9_pdu *p)
{
  p9_put (p, 0, 1); /* P9_LOCK_SUCCESS */
  return 0;
}

static int
do_getlock (struct p9_server *s, struct p9_pdu *p)
{
  uint32_t fid = p9_get (p, 4);
  uint64_t start = (p9_get (p, 1), p9_get (p, 8)), len = p9_get (p, 8);
  uint32_t proc = p9_get (p, 4);
  cleanup_free char *client = p9_get_str (p);

  if (p->bad || !p9_fid_get (s, fid))
    return -EBADF;
  p9_put (p, 2, 1); /* F_UNLCK: nobody holds a conflicting lock */
  p9_put (p, start, 8);
  p9_put (p, len, 8);
  p9_put (p, proc, 4);
  p9_put_str (p, client, strlen (client));
  return 0;
}

struct p9_op
{
  uint8_t type;
  p9_handler fn;
  bool modifies; /* refused with EROFS on a read-only share */
};
static const struct p9_op ops[] = {
  { 8, do_statfs, false },     { 12, p9_lopen, false },      { 14, p9_lcreate, true },
  { 16, p9_symlink, true },    { 18, p9_mknod, true },       { 20, p9_rename, true },
  { 22, p9_readlink, false },  { 24, do_getattr, false },    { 26, p9_setattr, true },
  { 30, do_notsup, false },    { 32, do_notsup, false },     { 40, p9_readdir, false },
  { 50, p9_fsync, false },     { 52, do_lock, false },       { 54, do_getlock, false },
  { 70, p9_link, true },       { 72, p9_mkdir, true },       { 74, p9_renameat, true },
  { 76, p9_unlinkat, true },   { 100, do_version, false },   { 102, do_notsup, false },
  { 104, do_attach, false },   { 108, do_nothing, false },   { 110, do_walk, false },
  { 116, p9_read, false },     { 118, p9_write, true },      { 120, do_clunk, false },
  { 122, p9_remove, true },
};

size_t
p9_handle (struct p9_server *s, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap)
{
  struct p9_pdu p = { .in = req, .in_len = req_len, .out = resp, .out_cap = cap };
  uint32_t size = p9_get (&p, 4);
  uint8_t type = p9_get (&p, 1);
  uint16_t tag = p9_get (&p, 2);
  const struct p9_op *op = NULL;
  size_t i;
  int ret;

  if (p.bad || cap < P9_HDR + 4 || size > req_len)
    return 0;
  p.in_len = size;
  for (i = 0; i < ARRAY_SIZE (ops); i++)
    if (ops[i].type == type)
      op = &ops[i];
  p.out_off = P9_HDR;
  if (op == NULL)
    ret = -EOPNOTSUPP;
  else if (op->modifies && s->readonly)
    ret = -EROFS;
  else
    ret = op->fn (s, &p);
  if (ret == 0 && p.bad)
    ret = p.out_off > cap ? -ENOBUFS : -EINVAL;
  if (ret < 0)
    {
      p.out_off = P9_HDR, p.bad = false;
      p9_put (&p, -ret, 4);
      type = R_LERROR - 1;
    }
  size = p.out_off;
  p.out_off = 0;
  p9_put (&p, size, 4);
  p9_put (&p, type + 1, 1);
  p9_put (&p, tag, 2);
  return size;
}

struct p9_server *
p9_server_new (const char *root, bool readonly, silo_error_t *err)
{
  struct p9_server *s;
  int fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  uint64_t path;

  if (fd < 0)
    {
      silo_make_error (err, errno, "9p share `%s`", root);
      return NULL;
    }
  s = xmalloc0 (sizeof (*s));
  s->root = fd;
  s->readonly = readonly;
  s->msize = 8192;
  if (fstat (fd, &st) == 0)
    p9_qid_path (s, &st, &path); /* the root's file system: prefix 0 */
  return s;
}

void
p9_server_free (struct p9_server *s)
{
  size_t b;

  if (s == NULL)
    return;
  for (b = 0; b < ARRAY_SIZE (s->fids); b++)
    while (s->fids[b])
      fid_remove (s, s->fids[b]->fid);
  close (s->root);
  free (s->prefixes);
  free (s);
}
