/* The host's view of a sandbox's processes: /proc in the monitor's mount
 * namespace (the container's root filesystem, which engines join), served
 * over FUSE by the monitor's own loop, one request at a time, from the
 * guest agent's PS answer. Read-only, no caching (every lookup and read
 * comes here), nothing of the host in it:
 *
 *   /proc/stat           btime (the guest's boot time)
 *   /proc/self/auxv      AT_CLKTCK, the unit of the times below
 *   /proc/PID/stat       }
 *   /proc/PID/status     } the container's process PID (its own pids)
 *   /proc/PID/cmdline    }
 *   /proc/PID/ns         EACCES, as /proc gives a reader that may not
 *                        ptrace the process
 *   /dev/pts/N           the guest's pseudo-terminal N, for each N a
 *                        listed process has for its terminal: a node with
 *                        its device number (on a nodev mount: stat only)
 *
 * A reader opening /proc (readdir) gets a list taken then: the request is
 * held until the agent answers PS, at most PROCVIEW_WAIT_MS. The monitor
 * never reads its own /proc once the view is mounted (it would wait on
 * itself). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../util/log.h"
#include "../../util/utils.h"
#include "procview.h"

#define PROCVIEW_BUF (256 * 1024) /* over any max_write + header (the kernel's rule) */
#define PROCVIEW_MAX_WRITE 4096
#define PROCVIEW_WAIT_MS 2000
#define PROCVIEW_FRESH_NS 1000000000ULL /* a lookup in / takes a new list past this */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Node ids: the fixed ones, and PID << 3 | kind for a process's. */
enum
{
  NODE_ROOT = FUSE_ROOT_ID,
  NODE_SELF,
  NODE_STAT,
  NODE_AUXV,
};
enum
{
  KIND_DIR,
  KIND_STAT,
  KIND_STATUS,
  KIND_CMDLINE,
};
#define PID_NODE(pid, kind) (((uint64_t) (pid) << 3) | (kind))

static const char *const kind_names[] = { [KIND_STAT] = "stat", [KIND_STATUS] = "status",
                                          [KIND_CMDLINE] = "cmdline" };

void
procview_init (struct procview *v)
{
  *v = (struct procview){ .fd = { -1, -1 }, .reply_fd = { -1, -1 } };
}

void
procview_open (struct procview *v)
{
  for (int t = 0; t < PROCVIEW_TREES; t++)
    {
      v->fd[t] = v->reply_fd[t] = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
      if (v->fd[t] < 0)
        {
          pr_debug ("sandbox: no process view: open /dev/fuse: %s", strerror (errno));
          return procview_close (v);
        }
    }
  v->buf = xmalloc0 (PROCVIEW_BUF);
}

static int
mount_tree (struct procview *v, enum procview_tree t, const char *dir, silo_error_t *err)
{
  static const char *const names[] = { [PROCVIEW_PROC] = "silo-proc", [PROCVIEW_DEV] = "silo-dev" };
  cleanup_free char *opts = NULL;
  struct stat st;

  if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
    return silo_make_error (err, ENOTDIR, "the container's `%s`", dir);
  xasprintf (&opts,
             "fd=%d,rootmode=40555,user_id=0,group_id=0,allow_other,default_permissions,"
             "subtype=%s",
             v->fd[t], names[t]);
  if (mount (names[t], dir, "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) < 0)
    return silo_make_error (err, errno, "mount the process view on `%s`", dir);
  return 0;
}

/* /dev: the guest's devices are the guest's; the view has the terminals
 * a reader looks for by the number a process's stat gives (psgo: none
 * found is "?", as for a container's process without one). No /dev in the
 * image: nothing to cover, and no terminal to name. */
static int
mount_views (struct procview *v, const char *proc_dir, const char *dev_dir, silo_error_t *err)
{
  struct stat st;

  if (mount_tree (v, PROCVIEW_PROC, proc_dir, err) < 0)
    return -1;
  if (stat (dev_dir, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      close_and_reset (&v->fd[PROCVIEW_DEV]);
      v->reply_fd[PROCVIEW_DEV] = -1;
      return 0;
    }
  if (mount_tree (v, PROCVIEW_DEV, dev_dir, err) < 0)
    {
      umount2 (proc_dir, MNT_DETACH); /* all or nothing: its fd is closed next */
      return -1;
    }
  return 0;
}

void
procview_mount (struct procview *v, const char *proc_dir, const char *dev_dir)
{
  silo_error_t err = NULL;

  if (v->fd[PROCVIEW_PROC] < 0 || mount_views (v, proc_dir, dev_dir, &err) == 0)
    return;
  pr_debug ("sandbox: no process view: %s", err->msg);
  silo_error_release (&err);
  procview_close (v);
}

void
procview_close (struct procview *v)
{
  for (int t = 0; t < PROCVIEW_TREES; t++)
    {
      close_and_reset (&v->fd[t]);
      v->reply_fd[t] = -1;
    }
  for (size_t i = 0; i < v->n_held; i++)
    free (v->held[i].req);
  v->n_held = 0;
  proclist_free (&v->list);
  free (v->ptys);
  v->ptys = NULL, v->n_ptys = 0;
  free (v->buf);
  v->buf = NULL;
}

/* --- replies --- */

/* One write per reply, as the device wants it (the monitor's allow list
 * has write, not writev). */
static void
reply (struct procview *v, uint64_t unique, int error, const void *data, size_t len)
{
  struct fuse_out_header h = { .len = (uint32_t) (sizeof (h) + (error ? 0 : len)),
                               .error = -error,
                               .unique = unique };
  cleanup_free char *out = xmalloc (h.len);

  memcpy (out, &h, sizeof (h));
  if (!error && len)
    memcpy (out + sizeof (h), data, len);
  /* ENOENT: the reader was interrupted meanwhile; nothing else to do. */
  if (write (v->reply_fd[v->tree], out, h.len) < 0 && errno != ENOENT)
    pr_debug ("sandbox: process view: reply: %s", strerror (errno));
}

static bool
parse_pid (const char *name, int *pid)
{
  char *end;
  long n;

  if (name[0] < '1' || name[0] > '9')
    return false;
  errno = 0;
  n = strtol (name, &end, 10);
  if (errno || *end || n > PROCLIST_PID_MAX)
    return false;
  *pid = (int) n;
  return true;
}

/* --- /proc --- */

static bool
proc_is_dir (uint64_t node)
{
  return node == NODE_ROOT || node == NODE_SELF || (node >= 8 && (node & 7) == KIND_DIR);
}

/* Does the node exist in the current list? */
static bool
proc_exists (const struct procview *v, uint64_t node)
{
  if (node >= NODE_ROOT && node <= NODE_AUXV)
    return true;
  if (node < 8 || (node & 7) > KIND_CMDLINE || (node >> 3) > PROCLIST_PID_MAX)
    return false;
  return proclist_find (&v->list, (int) (node >> 3)) != NULL;
}

static void
proc_attr (uint64_t node, struct fuse_attr *a)
{
  a->mode = proc_is_dir (node) ? S_IFDIR | 0555 : S_IFREG | 0444;
}

static int
proc_lookup (const struct procview *v, uint64_t parent, const char *name, uint64_t *node)
{
  int pid;

  if (parent == NODE_ROOT && strcmp (name, "self") == 0)
    return *node = NODE_SELF, 0;
  if (parent == NODE_ROOT && strcmp (name, "stat") == 0)
    return *node = NODE_STAT, 0;
  if (parent == NODE_ROOT && parse_pid (name, &pid) && proclist_find (&v->list, pid))
    return *node = PID_NODE (pid, KIND_DIR), 0;
  if (parent == NODE_SELF && strcmp (name, "auxv") == 0)
    return *node = NODE_AUXV, 0;
  if (parent >= 8 && strcmp (name, "ns") == 0)
    return EACCES;
  for (int k = KIND_STAT; parent >= 8 && k <= KIND_CMDLINE; k++)
    if (strcmp (name, kind_names[k]) == 0)
      return *node = (parent & ~(uint64_t) 7) | (uint64_t) k, 0;
  return ENOENT;
}

/* A directory's entries in order: ".", "..", then its own. */
static size_t
proc_dir_entry (const struct procview *v, uint64_t node, size_t i, char name[16], uint64_t *ino,
                unsigned *type)
{
  static const char *const root_names[] = { ".", "..", "self", "stat" };
  size_t fixed = node == NODE_ROOT ? 4 : node == NODE_SELF ? 3 : 5;

  *type = i < 2 ? DT_DIR : DT_REG;
  *ino = i < 2 ? node : 0;
  if (i >= fixed + (node == NODE_ROOT ? v->list.n : 0))
    return 0;
  if (node == NODE_ROOT && i >= fixed)
    {
      snprintf (name, 16, "%d", v->list.e[i - fixed].pid);
      *ino = PID_NODE (v->list.e[i - fixed].pid, KIND_DIR), *type = DT_DIR;
    }
  else if (node == NODE_ROOT)
    {
      snprintf (name, 16, "%s", root_names[i]);
      if (i == 2)
        *ino = NODE_SELF, *type = DT_DIR;
      else if (i == 3)
        *ino = NODE_STAT;
    }
  else if (i < 2)
    snprintf (name, 16, "%s", i ? ".." : ".");
  else if (node == NODE_SELF)
    snprintf (name, 16, "auxv"), *ino = NODE_AUXV;
  else
    snprintf (name, 16, "%s", kind_names[i - 1]), *ino = (node & ~(uint64_t) 7) | (i - 1);
  return 1;
}

static char *
proc_text (const struct procview *v, uint64_t node, size_t *len)
{
  const struct proclist_entry *e;

  if (node == NODE_STAT)
    return proclist_stat (&v->list, len);
  if (node == NODE_AUXV)
    return proclist_auxv (&v->list, len);
  e = proclist_find (&v->list, (int) (node >> 3));
  if (e == NULL)
    return NULL;
  switch (node & 7)
    {
    case KIND_STAT:
      return proclist_pid_stat (e, len);
    case KIND_STATUS:
      return proclist_pid_status (e, len);
    default:
      return proclist_pid_cmdline (e, len);
    }
}

/* --- /dev: the root, pts/, and pts/N as node PTY_NODE (N) --- */

enum
{
  NODE_PTS = FUSE_ROOT_ID + 1,
};
#define PTY_NODE(n) ((uint64_t) (n) + 8)
#define PTS_MAJOR 136 /* UNIX98_PTY_SLAVE_MAJOR: pts N is (136, N) */

static bool
has_pty (const struct procview *v, uint64_t n)
{
  size_t lo = 0, hi = v->n_ptys;

  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (v->ptys[mid] == n)
        return true;
      if (v->ptys[mid] < n)
        lo = mid + 1;
      else
        hi = mid;
    }
  return false;
}

static bool
dev_is_dir (uint64_t node)
{
  return node == NODE_ROOT || node == NODE_PTS;
}

static bool
dev_exists (const struct procview *v, uint64_t node)
{
  return dev_is_dir (node) || (node >= 8 && has_pty (v, node - 8));
}

static void
dev_attr (uint64_t node, struct fuse_attr *a)
{
  uint32_t n = (uint32_t) (node - 8);

  a->mode = S_IFDIR | 0555;
  if (dev_is_dir (node))
    return;
  /* the kernel's encoding of a device number, as in stat's tty_nr */
  a->mode = S_IFCHR | 0620;
  a->rdev = (n & 0xff) | PTS_MAJOR << 8 | (n & ~0xffU) << 12;
}

static int
dev_lookup (const struct procview *v, uint64_t parent, const char *name, uint64_t *node)
{
  int n;

  if (parent == NODE_ROOT && strcmp (name, "pts") == 0)
    return *node = NODE_PTS, 0;
  /* pts numbers are parsed as pids are: no sign, no leading 0 ("0" aside) */
  if (parent == NODE_PTS && strcmp (name, "0") == 0 && has_pty (v, 0))
    return *node = PTY_NODE (0), 0;
  if (parent == NODE_PTS && parse_pid (name, &n) && has_pty (v, (uint64_t) n))
    return *node = PTY_NODE (n), 0;
  return ENOENT;
}

/* /dev's entries: ".", "..", "pts"; pts/'s: ".", "..", the terminals. */
static size_t
dev_dir_entry (const struct procview *v, uint64_t node, size_t i, char name[16], uint64_t *ino,
               unsigned *type)
{
  *type = i < 2 || node == NODE_ROOT ? DT_DIR : DT_CHR;
  *ino = i < 2 ? node : NODE_PTS;
  if (i < 2)
    snprintf (name, 16, "%s", i ? ".." : ".");
  else if (node == NODE_ROOT && i == 2)
    snprintf (name, 16, "pts");
  else if (node == NODE_PTS && i - 2 < v->n_ptys)
    {
      snprintf (name, 16, "%u", v->ptys[i - 2]);
      *ino = PTY_NODE (v->ptys[i - 2]);
    }
  else
    return 0;
  return 1;
}

/* --- what differs between the trees; the requests are the same --- */

struct tree_ops
{
  bool takes_list; /* opening its root takes a new list */
  bool (*is_dir) (uint64_t node);
  bool (*exists) (const struct procview *v, uint64_t node);
  void (*attr) (uint64_t node, struct fuse_attr *a); /* mode, rdev */
  /* 0 and *node, or an errno */
  int (*lookup) (const struct procview *v, uint64_t parent, const char *name, uint64_t *node);
  size_t (*dir_entry) (const struct procview *v, uint64_t node, size_t i, char name[16],
                       uint64_t *ino, unsigned *type);
  /* a file's text; NULL: the tree has none (its nodes are devices, which
   * the kernel never opens or reads here) */
  char *(*text) (const struct procview *v, uint64_t node, size_t *len);
};

static const struct tree_ops trees[PROCVIEW_TREES] = {
  [PROCVIEW_PROC] = { true, proc_is_dir, proc_exists, proc_attr, proc_lookup, proc_dir_entry,
                      proc_text },
  [PROCVIEW_DEV] = { false, dev_is_dir, dev_exists, dev_attr, dev_lookup, dev_dir_entry, NULL },
};

static const struct tree_ops *
ops (const struct procview *v)
{
  return &trees[v->tree];
}

/* --- requests --- */

static void
fill_attr (const struct procview *v, uint64_t node, struct fuse_attr *a)
{
  time_t now = time (NULL);

  *a = (struct fuse_attr){ .ino = node, .blksize = 4096, .atime = (uint64_t) now,
                           .mtime = (uint64_t) now, .ctime = (uint64_t) now };
  ops (v)->attr (node, a);
  a->nlink = S_ISDIR (a->mode) ? 2 : 1;
}

static void
reply_entry (struct procview *v, uint64_t unique, uint64_t node)
{
  struct fuse_entry_out e = { .nodeid = node };

  fill_attr (v, node, &e.attr);
  reply (v, unique, 0, &e, sizeof (e));
}

static void
lookup (struct procview *v, uint64_t unique, uint64_t parent, const char *name)
{
  uint64_t node = 0;
  int error;

  if (!ops (v)->exists (v, parent))
    return reply (v, unique, ENOENT, NULL, 0);
  if (!ops (v)->is_dir (parent))
    return reply (v, unique, ENOTDIR, NULL, 0);
  error = ops (v)->lookup (v, parent, name, &node);
  if (error)
    return reply (v, unique, error, NULL, 0);
  reply_entry (v, unique, node);
}

static void
read_file_node (struct procview *v, uint64_t unique, uint64_t node,
                const struct fuse_read_in *in)
{
  cleanup_free char *text = NULL;
  size_t len = 0;

  if (ops (v)->is_dir (node))
    return reply (v, unique, EISDIR, NULL, 0);
  if (ops (v)->text == NULL)
    return reply (v, unique, EINVAL, NULL, 0);
  text = ops (v)->text (v, node, &len);
  if (text == NULL)
    return reply (v, unique, ENOENT, NULL, 0);
  if (in->offset >= len)
    return reply (v, unique, 0, NULL, 0);
  reply (v, unique, 0, text + in->offset, MIN ((size_t) in->size, len - (size_t) in->offset));
}

/* Adds entry number idx (its off is idx + 1) if it fits; false when full. */
static bool
add_dirent (char *out, size_t size, size_t *used, uint64_t ino, uint64_t idx, const char *name,
            unsigned type)
{
  size_t namelen = strlen (name), rec = FUSE_DIRENT_ALIGN (FUSE_NAME_OFFSET + namelen);
  struct fuse_dirent d = { .ino = ino, .off = idx + 1, .namelen = (uint32_t) namelen,
                           .type = type };

  if (*used + rec > size)
    return false;
  memset (out + *used, 0, rec);
  memcpy (out + *used, &d, FUSE_NAME_OFFSET);
  memcpy (out + *used + FUSE_NAME_OFFSET, name, namelen);
  *used += rec;
  return true;
}

static void
read_dir (struct procview *v, uint64_t unique, uint64_t node, const struct fuse_read_in *in)
{
  size_t size = MIN ((size_t) in->size, PROCVIEW_BUF), used = 0;
  cleanup_free char *out = xmalloc0 (size + 1);
  char name[16];
  uint64_t ino;
  unsigned type;

  if (!ops (v)->is_dir (node))
    return reply (v, unique, ENOTDIR, NULL, 0);
  for (uint64_t i = in->offset; i < PROCLIST_MAX + 8; i++)
    if (!ops (v)->dir_entry (v, node, (size_t) i, name, &ino, &type)
        || !add_dirent (out, size, &used, ino, i, name, type))
      break;
  reply (v, unique, 0, out, used);
}

static void
init (struct procview *v, uint64_t unique, const struct fuse_init_in *in)
{
  struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
                             .minor = MIN (in->minor, (uint32_t) FUSE_KERNEL_MINOR_VERSION),
                             .max_readahead = in->max_readahead,
                             .max_background = 16,
                             .congestion_threshold = 12,
                             .max_write = PROCVIEW_MAX_WRITE,
                             .time_gran = 1 };

  if (in->major != FUSE_KERNEL_VERSION)
    return reply (v, unique, EPROTO, NULL, 0);
  reply (v, unique, 0, &o, sizeof (o));
}

static void
open_node (struct procview *v, uint64_t unique, uint64_t node, bool want_dir,
           const struct fuse_open_in *in)
{
  struct fuse_open_out o = { .open_flags = FOPEN_DIRECT_IO };

  if (ops (v)->is_dir (node) != want_dir)
    return reply (v, unique, want_dir ? ENOTDIR : EISDIR, NULL, 0);
  if (!want_dir && ops (v)->text == NULL)
    return reply (v, unique, EACCES, NULL, 0);
  if ((in->flags & O_ACCMODE) != O_RDONLY)
    return reply (v, unique, EACCES, NULL, 0);
  reply (v, unique, 0, &o, sizeof (o));
}

/* Does this request need a list newer than the one there is? Opening /
 * (a reader listing the processes) does; a lookup in / does once the list
 * is a second old; the rest read the list a lookup found. */
static bool
wants_new_list (const struct procview *v, const struct fuse_in_header *h)
{
  if (!ops (v)->takes_list || h->nodeid != NODE_ROOT)
    return false;
  if (h->opcode == FUSE_OPENDIR)
    return true;
  return h->opcode == FUSE_LOOKUP && now_ns () - v->list_ns > PROCVIEW_FRESH_NS;
}

static bool
hold (struct procview *v, const char *req, size_t len)
{
  if (v->n_held == PROCVIEW_HELD_MAX)
    return false;
  v->held[v->n_held] = (struct procview_held){ .tree = v->tree, .req = xmalloc (len), .len = len };
  memcpy (v->held[v->n_held++].req, req, len);
  if (v->n_held == 1)
    v->due_ns = now_ns () + PROCVIEW_WAIT_MS * 1000000ULL;
  return true;
}

/* The argument of a request, when it has all the bytes of one (the
 * request buffer is malloc'ed and the header 40 bytes: aligned). */
#define ARG(type, req, len)                                                                     \
  ((len) >= sizeof (struct fuse_in_header) + sizeof (type)                                      \
       ? (const type *) (const void *) ((req) + sizeof (struct fuse_in_header))                 \
       : NULL)

static void
answer (struct procview *v, const struct fuse_in_header *h, const char *req, size_t len)
{
  const struct fuse_read_in *rd = ARG (struct fuse_read_in, req, len);
  const struct fuse_open_in *op = ARG (struct fuse_open_in, req, len);
  struct fuse_kstatfs st = { .bsize = 4096, .namelen = 255, .frsize = 4096 };

  switch (h->opcode)
    {
    case FUSE_INIT:
      {
        /* kernels before 7.36 send the first four fields only */
        struct fuse_init_in in = { 0 };
        if (len < sizeof (*h) + 16)
          return reply (v, h->unique, EINVAL, NULL, 0);
        memcpy (&in, req + sizeof (*h), MIN (len - sizeof (*h), sizeof (in)));
        return init (v, h->unique, &in);
      }
    case FUSE_LOOKUP:
      if (len < sizeof (*h) + 2 || req[len - 1] != '\0')
        return reply (v, h->unique, EINVAL, NULL, 0);
      return lookup (v, h->unique, h->nodeid, req + sizeof (*h));
    case FUSE_GETATTR:
      {
        struct fuse_attr_out o = { 0 };
        if (!ops (v)->exists (v, h->nodeid))
          return reply (v, h->unique, ENOENT, NULL, 0);
        fill_attr (v, h->nodeid, &o.attr);
        return reply (v, h->unique, 0, &o, sizeof (o));
      }
    case FUSE_OPEN:
    case FUSE_OPENDIR:
      if (op == NULL)
        return reply (v, h->unique, EINVAL, NULL, 0);
      if (!ops (v)->exists (v, h->nodeid))
        return reply (v, h->unique, ENOENT, NULL, 0);
      return open_node (v, h->unique, h->nodeid, h->opcode == FUSE_OPENDIR, op);
    case FUSE_READ:
    case FUSE_READDIR:
      if (rd == NULL)
        return reply (v, h->unique, EINVAL, NULL, 0);
      if (!ops (v)->exists (v, h->nodeid))
        return reply (v, h->unique, ENOENT, NULL, 0);
      return h->opcode == FUSE_READ ? read_file_node (v, h->unique, h->nodeid, rd)
                                    : read_dir (v, h->unique, h->nodeid, rd);
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
      return reply (v, h->unique, 0, NULL, 0);
    case FUSE_STATFS:
      {
        struct fuse_statfs_out o = { .st = st };
        return reply (v, h->unique, 0, &o, sizeof (o));
      }
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
      return; /* no reply; nothing is kept per node or request */
    default:
      return reply (v, h->unique, ENOSYS, NULL, 0);
    }
}

void
procview_dispatch (struct procview *v, enum procview_tree tree, const char *req, size_t len,
                   bool live, bool *ask)
{
  struct fuse_in_header h;

  if (len < sizeof (h))
    return;
  v->tree = tree;
  memcpy (&h, req, sizeof (h));
  if (h.len != len)
    return reply (v, h.unique, EINVAL, NULL, 0);
  if (live && wants_new_list (v, &h) && hold (v, req, len))
    {
      *ask |= !v->asking;
      v->asking = true;
      return;
    }
  answer (v, &h, req, len);
}

void
procview_pollfds (const struct procview *v, struct pollfd *pfd)
{
  for (int t = 0; t < PROCVIEW_TREES; t++)
    pfd[t] = (struct pollfd){ .fd = v->fd[t], .events = POLLIN };
}

static int
serve_one (struct procview *v, enum procview_tree t, bool live, bool *ask, silo_error_t *err)
{
  ssize_t n = read (v->fd[t], v->buf, PROCVIEW_BUF);

  if (n < 0 && (errno == ENOENT || errno == EINTR || errno == EAGAIN))
    return 0; /* a request interrupted before it was read */
  if (n < 0)
    return silo_make_error (err, errno, "sandbox: process view: read /dev/fuse");
  procview_dispatch (v, t, v->buf, (size_t) n, live, ask);
  return 0;
}

int
procview_serve (struct procview *v, const struct pollfd *pfd, bool live, bool *ask,
                silo_error_t *err)
{
  for (int t = 0; t < PROCVIEW_TREES; t++)
    if (v->fd[t] >= 0 && pfd[t].fd == v->fd[t] && pfd[t].revents
        && serve_one (v, (enum procview_tree) t, live, ask, err) < 0)
      return -1;
  return 0;
}

static void
answer_held (struct procview *v)
{
  size_t n = v->n_held;
  bool ask = false;

  v->n_held = 0;
  for (size_t i = 0; i < n; i++)
    {
      procview_dispatch (v, v->held[i].tree, v->held[i].req, v->held[i].len, false, &ask);
      free (v->held[i].req);
    }
}

static int
cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

  return (x > y) - (x < y);
}

/* The pts numbers of the list's terminals, sorted, once each. */
static void
take_ptys (struct procview *v)
{
  size_t n = 0;

  free (v->ptys);
  v->ptys = xmalloc0 ((v->list.n + 1) * sizeof (*v->ptys));
  for (size_t i = 0; i < v->list.n; i++)
    {
      uint32_t tty = (uint32_t) v->list.e[i].tty;
      if (((tty >> 8) & 0xfff) == PTS_MAJOR)
        v->ptys[n++] = (tty & 0xff) | ((tty >> 12) & 0xfff00);
    }
  qsort (v->ptys, n, sizeof (*v->ptys), cmp_u32);
  v->n_ptys = 0;
  for (size_t i = 0; i < n; i++)
    if (v->n_ptys == 0 || v->ptys[v->n_ptys - 1] != v->ptys[i])
      v->ptys[v->n_ptys++] = v->ptys[i];
}

void
procview_take_list (struct procview *v, const char *text, size_t len)
{
  silo_error_t err = NULL;
  struct proclist l;

  v->asking = false;
  if (text && proclist_decode (text, len, &l, &err) == 0)
    {
      proclist_free (&v->list);
      v->list = l;
      v->list_ns = now_ns ();
      take_ptys (v);
    }
  else if (text)
    {
      pr_debug ("sandbox: process view: %s", err->msg);
      silo_error_release (&err);
    }
  answer_held (v);
}

int
procview_timeout_ms (const struct procview *v)
{
  unsigned long long now = now_ns ();

  if (v->n_held == 0)
    return -1;
  return now >= v->due_ns ? 0 : (int) ((v->due_ns - now) / 1000000ULL) + 1;
}

void
procview_expire (struct procview *v)
{
  if (v->n_held && now_ns () >= v->due_ns)
    answer_held (v);
}
