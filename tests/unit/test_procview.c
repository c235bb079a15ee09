/* The host's view of a sandbox's processes (podman top): the guest's PS
 * answer checked field by field (proclist.c), the /proc files made of it,
 * and the FUSE requests the monitor answers (procview.c), driven here
 * with requests built as the kernel builds them, answers read from a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox-vm/monitor/proclist.h"
#include "sandbox-vm/monitor/procview.h"
#include "util/utils.h"
#include "unit.h"

#define ENTRY(pid, comm, extra) ENTRY_T (pid, comm, 34816, extra) /* tty pts/0 */
#define ENTRY_T(pid, comm, tty, extra)                                                           \
  "{\"pid\": " #pid ", \"ppid\": 1, \"pgid\": 1, \"sid\": 1, \"state\": \"S\", \"comm\": \"" comm \
  "\", \"args\": [\"sleep\", \"1000\"], \"uids\": [0, 1000, 0, 1000], \"gids\": [0, 0, 0, 0], "  \
  "\"groups\": [10, 20], \"tty\": " #tty ", \"nice\": 0, \"threads\": 1, \"utime\": 5, "           \
  "\"stime\": 2, \"start\": 300, \"vsize\": 2293760, \"rss\": 314, \"caps\": [0, 1, 2, 3, 0], " \
  "\"nnp\": 1, \"seccomp\": 2" extra "}"
#define LIST(entries) "{\"btime\": 1700000000, \"hz\": 100, \"procs\": [" entries "]}"

static int
decode (const char *text, struct proclist *l, char **why)
{
  silo_error_t err = NULL;
  int ret = proclist_decode (text, strlen (text), l, &err);

  *why = err ? xstrdup (err->msg) : NULL;
  silo_error_release (&err);
  return ret;
}

static int
test_proclist_files (void)
{
  struct proclist l;
  cleanup_free char *why = NULL, *stat = NULL, *status = NULL, *cmd = NULL, *global = NULL;
  cleanup_free char *auxv = NULL;
  size_t len, fields = 0;
  char *tok, *save = NULL;

  CHECK (decode (LIST (ENTRY (7, "sleep", "")), &l, &why) == 0);
  CHECK (l.n == 1 && l.hz == 100 && l.btime == 1700000000);
  CHECK (proclist_find (&l, 7) != NULL && proclist_find (&l, 8) == NULL);
  stat = proclist_pid_stat (proclist_find (&l, 7), &len);
  CHECK (strncmp (stat, "7 (sleep) S 1 1 1 34816 -1 ", 27) == 0);
  for (tok = strtok_r (stat, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
    {
      fields++;
      if (fields == 14)
        CHECK_STR (tok, "5"); /* utime */
      if (fields == 22)
        CHECK_STR (tok, "300"); /* starttime */
      if (fields == 24)
        CHECK_STR (tok, "314"); /* rss */
    }
  CHECK (fields == 52);
  status = proclist_pid_status (proclist_find (&l, 7), &len);
  CHECK (strstr (status, "Name:\tsleep\nState:\tS (sleeping)\n") == status);
  CHECK (strstr (status, "\nUid:\t0\t1000\t0\t1000\n") != NULL);
  CHECK (strstr (status, "\nGroups:\t10 20 \n") != NULL);
  CHECK (strstr (status, "\nNSpid:\t7\n") != NULL);
  CHECK (strstr (status, "\nCapEff:\t0000000000000002\n") != NULL);
  CHECK (strstr (status, "\nSeccomp:\t2\n") != NULL);
  cmd = proclist_pid_cmdline (proclist_find (&l, 7), &len);
  CHECK (len == 11 && memcmp (cmd, "sleep\0001000\0", 11) == 0);
  global = proclist_stat (&l, &len);
  CHECK_STR (global, "btime 1700000000\n");
  auxv = proclist_auxv (&l, &len);
  CHECK (len == 32 && ((uint64_t *) auxv)[0] == 17 && ((uint64_t *) auxv)[1] == 100);
  proclist_free (&l);
  return 0;
}

/* A hostile guest can make the view wrong, never malformed: a field out
 * of its range refuses the whole answer, naming it; the command name is
 * made printable, without the parentheses that delimit it in stat. */
static int
test_proclist_refuses (void)
{
  static const struct
  {
    const char *text, *field;
  } bad[] = {
    { LIST (ENTRY (0, "x", "")), "`pid`" },
    { LIST (ENTRY (4194305, "x", "")), "`pid`" },
    { LIST (ENTRY (7, "0123456789012345678901234567890123456789012345678901234567890123", "")),
      "`comm`" },
    { "{\"btime\": 1, \"hz\": 0, \"procs\": []}", "`hz`" },
    { "{\"btime\": -1, \"hz\": 100, \"procs\": []}", "`btime`" },
    { "{\"btime\": 1, \"hz\": 100, \"procs\": {}}", "`procs`" },
    { "[1, 2]", "`procs`" },
    { "not json", "`procs`" },
    { LIST ("{\"pid\": 7}"), "`ppid`" },
    { LIST ("3"), "not an object" },
  };
  static const char *const entries[][2] = {
    { "\"state\": \"Q\"", "`state`" },  { "\"uids\": [0, 0, 0]", "`uids`" },
    { "\"gids\": [0, 0, 0, -1]", "`gids`" }, { "\"caps\": [0, 0, 0, 0]", "`caps`" },
    { "\"nice\": 20", "`nice`" },       { "\"threads\": 0", "`threads`" },
    { "\"args\": [1]", "`args`" },      { "\"rss\": -4", "`rss`" },
    { "\"seccomp\": 3", "`seccomp`" },  { "\"tty\": \"x\"", "`tty`" },
  };
  struct proclist l;
  char *why = NULL;

  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      CHECK (decode (bad[i].text, &l, &why) < 0);
      if (strstr (why, bad[i].field) == NULL)
        fprintf (stderr, "  %s: %s\n", bad[i].text, why);
      CHECK (strstr (why, bad[i].field) != NULL);
      free (why);
    }
  for (size_t i = 0; i < ARRAY_SIZE (entries); i++)
    {
      cleanup_free char *text = NULL;
      /* a later key of the same name wins in jansson's objects */
      xasprintf (&text, "{\"btime\": 1, \"hz\": 100, \"procs\": [" ENTRY (7, "x", ", %s") "]}",
                 entries[i][0]);
      CHECK (decode (text, &l, &why) < 0);
      CHECK (strstr (why, entries[i][1]) != NULL);
      free (why);
    }
  CHECK (decode (LIST (ENTRY (7, "a)b (c\\n", "")), &l, &why) == 0);
  CHECK_STR (l.e[0].comm, "a?b??c?");
  proclist_free (&l);
  return 0;
}

/* --- the FUSE side --- */

static uint64_t unique_;

/* A request as the kernel writes it: header, argument, name. */
static size_t
request (char *buf, uint32_t op, uint64_t node, const void *arg, size_t arg_len,
         const char *name)
{
  struct fuse_in_header h = { .opcode = op, .unique = ++unique_, .nodeid = node };
  size_t len = sizeof (h) + arg_len + (name ? strlen (name) + 1 : 0);

  h.len = (uint32_t) len;
  memcpy (buf, &h, sizeof (h));
  if (arg_len)
    memcpy (buf + sizeof (h), arg, arg_len);
  if (name)
    memcpy (buf + sizeof (h) + arg_len, name, strlen (name) + 1);
  return len;
}

/* The next answer on the pipe: its error, and its payload in out. */
static int
answer (int fd, char *out, size_t *len, uint64_t *unique)
{
  char buf[8192];
  struct fuse_out_header h;
  ssize_t n = read (fd, buf, sizeof (buf));

  if (n < (ssize_t) sizeof (h))
    return -9999; /* none */
  memcpy (&h, buf, sizeof (h));
  *len = (size_t) n - sizeof (h);
  memcpy (out, buf + sizeof (h), *len);
  if (unique)
    *unique = h.unique;
  return h.error;
}

static enum procview_tree tree_ = PROCVIEW_PROC; /* where send_req sends */

static int
send_req (struct procview *v, char *req, size_t len, bool live, bool *ask)
{
  procview_dispatch (v, tree_, req, len, live, ask);
  return 0;
}

static uint64_t
lookup_node (struct procview *v, int fd, uint64_t parent, const char *name, int *error)
{
  char req[256], out[8192];
  size_t len;
  bool ask = false;
  struct fuse_entry_out e;

  send_req (v, req, request (req, FUSE_LOOKUP, parent, NULL, 0, name), false, &ask);
  *error = answer (fd, out, &len, NULL);
  if (*error || len != sizeof (e))
    return 0;
  memcpy (&e, out, sizeof (e));
  return e.nodeid;
}

static int
read_node (struct procview *v, int fd, uint64_t node, uint32_t op, uint64_t off, char *out,
           size_t *len)
{
  struct fuse_read_in in = { .offset = off, .size = 4096 };
  char req[256];
  bool ask = false;

  send_req (v, req, request (req, op, node, &in, sizeof (in), NULL), false, &ask);
  return answer (fd, out, len, NULL);
}

static int
test_procview_requests (void)
{
  struct procview v;
  struct fuse_init_in init = { .major = 7, .minor = 31 };
  struct fuse_open_in rd = { .flags = O_RDONLY }, wr = { .flags = O_WRONLY };
  struct fuse_open_out open_out;
  struct fuse_init_out init_out;
  const char *list = LIST (ENTRY (7, "sleep", ""));
  char req[256], out[8192];
  size_t len;
  uint64_t node, status, unique, held;
  bool ask = false;
  int p[2], error;

  CHECK (pipe2 (p, O_NONBLOCK) == 0);
  procview_init (&v);
  v.reply_fd[PROCVIEW_PROC] = p[1];

  send_req (&v, req, request (req, FUSE_INIT, 0, &init, sizeof (init), NULL), true, &ask);
  CHECK (answer (p[0], out, &len, NULL) == 0 && len == sizeof (init_out));
  memcpy (&init_out, out, sizeof (init_out));
  CHECK (init_out.major == 7 && init_out.minor == 31);

  /* Nothing listed yet: no process, but / and its fixed entries. */
  CHECK (lookup_node (&v, p[0], FUSE_ROOT_ID, "7", &error) == 0 && error == -ENOENT);
  CHECK (lookup_node (&v, p[0], FUSE_ROOT_ID, "self", &error) != 0 && error == 0);

  /* Opening / takes a new list: held until the agent answers. */
  held = request (req, FUSE_OPENDIR, FUSE_ROOT_ID, &rd, sizeof (rd), NULL);
  send_req (&v, req, held, true, &ask);
  CHECK (ask && answer (p[0], out, &len, NULL) == -9999);
  held = unique_;
  procview_take_list (&v, list, strlen (list));
  CHECK (answer (p[0], out, &len, &unique) == 0 && unique == held);

  CHECK (read_node (&v, p[0], FUSE_ROOT_ID, FUSE_READDIR, 0, out, &len) == 0);
  CHECK (memmem (out, len, "self", 4) && memmem (out, len, "stat", 4) && memmem (out, len, "7", 1));
  CHECK (read_node (&v, p[0], FUSE_ROOT_ID, FUSE_READDIR, 5, out, &len) == 0 && len == 0);

  node = lookup_node (&v, p[0], FUSE_ROOT_ID, "7", &error);
  CHECK (node != 0 && error == 0);
  CHECK (lookup_node (&v, p[0], node, "ns", &error) == 0 && error == -EACCES);
  CHECK (lookup_node (&v, p[0], node, "environ", &error) == 0 && error == -ENOENT);
  status = lookup_node (&v, p[0], node, "status", &error);
  CHECK (status != 0 && error == 0);
  CHECK (lookup_node (&v, p[0], status, "x", &error) == 0 && error == -ENOTDIR);

  send_req (&v, req, request (req, FUSE_OPEN, status, &wr, sizeof (wr), NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == -EACCES);
  send_req (&v, req, request (req, FUSE_OPEN, status, &rd, sizeof (rd), NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == 0 && len == sizeof (open_out));
  memcpy (&open_out, out, sizeof (open_out));
  CHECK (open_out.open_flags & FOPEN_DIRECT_IO);
  CHECK (read_node (&v, p[0], status, FUSE_READ, 0, out, &len) == 0);
  CHECK (memmem (out, len, "\nPid:\t7\n", 8) != NULL);
  CHECK (read_node (&v, p[0], status, FUSE_READ, 100000, out, &len) == 0 && len == 0);
  CHECK (read_node (&v, p[0], node, FUSE_READ, 0, out, &len) == -EISDIR);

  /* Truncated or unknown requests get an error, never a read past them. */
  send_req (&v, req, request (req, FUSE_READ, status, NULL, 0, NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == -EINVAL);
  send_req (&v, req, request (req, FUSE_SETATTR, status, NULL, 0, NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == -ENOSYS);

  /* An agent that fails to answer: the held request gets the list there is. */
  ask = false;
  send_req (&v, req, request (req, FUSE_OPENDIR, FUSE_ROOT_ID, &rd, sizeof (rd), NULL), true,
            &ask);
  CHECK (ask && procview_timeout_ms (&v) > 0);
  v.due_ns = 1; /* past */
  procview_expire (&v);
  CHECK (answer (p[0], out, &len, NULL) == 0 && procview_timeout_ms (&v) == -1);
  procview_take_list (&v, NULL, 0);
  CHECK (lookup_node (&v, p[0], FUSE_ROOT_ID, "7", &error) != 0); /* the old list stays */

  procview_close (&v);
  close (p[0]);
  close (p[1]);
  return 0;
}

/* /dev: pts/N for each terminal of the list, a character device of the
 * number stat gives (136, N); nothing else, nothing to open or read. */
static int
test_procview_dev_tree (void)
{
  struct procview v;
  /* pts/0 twice, pts/3, none, tty1 (4, 1), pts/300 */
  const char *list = LIST (ENTRY (7, "a", "") "," ENTRY_T (8, "b", 34819, "") "," ENTRY_T (
      9, "c", 0, "") "," ENTRY_T (10, "d", 1025, "") "," ENTRY (11, "e", "") "," ENTRY_T (12, "f", 1083436, ""));
  struct fuse_open_in rd = { .flags = O_RDONLY };
  struct fuse_attr_out attr;
  char req[256], out[8192];
  size_t len;
  uint64_t pts, node;
  bool ask = false;
  int p[2], error;

  CHECK (pipe2 (p, O_NONBLOCK) == 0);
  procview_init (&v);
  v.reply_fd[PROCVIEW_DEV] = p[1];
  tree_ = PROCVIEW_DEV;
  procview_take_list (&v, list, strlen (list));
  CHECK (v.list.n == 6);

  CHECK (lookup_node (&v, p[0], FUSE_ROOT_ID, "self", &error) == 0 && error == -ENOENT);
  pts = lookup_node (&v, p[0], FUSE_ROOT_ID, "pts", &error);
  CHECK (pts != 0 && error == 0);
  CHECK (read_node (&v, p[0], pts, FUSE_READDIR, 0, out, &len) == 0);
  CHECK (memmem (out, len, "0", 1) && memmem (out, len, "3", 1) && memmem (out, len, "300", 3));
  CHECK (read_node (&v, p[0], pts, FUSE_READDIR, 5, out, &len) == 0 && len == 0); /* . .. 0 3 300 */
  CHECK (lookup_node (&v, p[0], pts, "1", &error) == 0 && error == -ENOENT);
  CHECK (lookup_node (&v, p[0], pts, "03", &error) == 0 && error == -ENOENT);
  CHECK (lookup_node (&v, p[0], FUSE_ROOT_ID, "tty1", &error) == 0 && error == -ENOENT);
  node = lookup_node (&v, p[0], pts, "300", &error);
  CHECK (node != 0 && error == 0);
  send_req (&v, req, request (req, FUSE_GETATTR, node, NULL, 0, NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == 0 && len == sizeof (attr));
  memcpy (&attr, out, sizeof (attr));
  CHECK ((attr.attr.mode & S_IFMT) == S_IFCHR && attr.attr.rdev == 1083436);
  CHECK ((node = lookup_node (&v, p[0], pts, "0", &error)) != 0);
  send_req (&v, req, request (req, FUSE_OPEN, node, &rd, sizeof (rd), NULL), false, &ask);
  CHECK (answer (p[0], out, &len, NULL) == -EACCES);
  CHECK (read_node (&v, p[0], node, FUSE_READ, 0, out, &len) == -EINVAL);
  /* Opening /dev takes no new list (that is /proc's): nothing is held. */
  send_req (&v, req, request (req, FUSE_OPENDIR, FUSE_ROOT_ID, &rd, sizeof (rd), NULL), true, &ask);
  CHECK (!ask && answer (p[0], out, &len, NULL) == 0);
  /* A new list without terminals: pts/ is empty. */
  list = LIST (ENTRY_T (7, "a", 0, ""));
  procview_take_list (&v, list, strlen (list));
  CHECK (lookup_node (&v, p[0], pts, "0", &error) == 0 && error == -ENOENT);
  tree_ = PROCVIEW_PROC;
  procview_close (&v);
  close (p[0]);
  close (p[1]);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_proclist_files);
  RUN_TEST (test_proclist_refuses);
  RUN_TEST (test_procview_requests);
  RUN_TEST (test_procview_dev_tree);
  return unit_failed_;
}
