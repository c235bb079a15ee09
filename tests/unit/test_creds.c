/* Unit tests for namespaces/seccomp.c and namespaces/caps.c. Each test that
 * changes credentials forks a child that applies them, reports "OK" or the
 * error over a pipe, then blocks until released, so the parent can read
 * /proc/<child>/status and /proc/<child>/limits. */
#include "namespaces/namespaces.h"
#include "util/utils.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#define CAP_BIT(c) (1ULL << (c))
#define KILL_AND_NET_BIND (CAP_BIT (CAP_KILL) | CAP_BIT (CAP_NET_BIND_SERVICE)) /* 0x420 */

/* --- child harness --- */

typedef int (*child_fn) (void *arg, silo_error_t *err);

struct child
{
  pid_t pid;
  int release; /* closing it lets the child exit */
  int report;
  char msg[1024];
};

#define CHILD_INIT { .pid = -1, .release = -1, .report = -1 }

static void
child_cleanup (struct child *c)
{
  if (c->release >= 0)
    close (c->release);
  if (c->report >= 0)
    close (c->report);
  if (c->pid > 0)
    waitpid (c->pid, NULL, 0);
}
#define cleanup_child __attribute__ ((cleanup (child_cleanup)))

static __attribute__ ((noreturn)) void
child_main (child_fn fn, void *arg, int report, int release)
{
  silo_error_t err = NULL;
  char msg[1024] = "OK";
  char b;

  if (fn (arg, &err) < 0)
    snprintf (msg, sizeof (msg), "ERR %s", err->msg);
  if (write_all (report, msg, strlen (msg)) < 0)
    _exit (2);
  close (report);
  /* Stay alive, with the new credentials, until the parent has looked. */
  (void) TEMP_FAILURE_RETRY (read (release, &b, 1));
  _exit (0);
}

/* Fork a child running fn; c->report receives its "OK" or "ERR msg". */
static int
child_start (struct child *c, child_fn fn, void *arg)
{
  int rep[2], rel[2];

  c->pid = -1;
  c->release = -1;
  c->report = -1;
  if (pipe2 (rep, O_CLOEXEC) < 0)
    return -1;
  if (pipe2 (rel, O_CLOEXEC) < 0)
    {
      close (rep[0]);
      close (rep[1]);
      return -1;
    }
  c->pid = fork ();
  if (c->pid == 0)
    {
      close (rep[0]);
      close (rel[1]);
      child_main (fn, arg, rep[1], rel[0]);
    }
  close (rep[1]);
  close (rel[0]);
  c->release = rel[1];
  c->report = rep[0];
  return c->pid < 0 ? -1 : 0;
}

/* Wait for the child's report (it closes its end after writing). */
static int
child_wait_report (struct child *c)
{
  ssize_t n, total = 0;

  while ((n = TEMP_FAILURE_RETRY (read (c->report, c->msg + total,
                                        sizeof (c->msg) - 1 - total))) > 0)
    total += n;
  c->msg[total] = '\0';
  close_and_reset (&c->report);
  return n < 0 ? -1 : 0;
}

static int
child_run (struct child *c, child_fn fn, void *arg)
{
  if (child_start (c, fn, arg) < 0)
    return -1;
  return child_wait_report (c);
}

/* The value of "Key:" in /proc/<pid>/<file>, whitespace-trimmed. */
static int
proc_field (pid_t pid, const char *file, const char *key, char *out, size_t len)
{
  cleanup_free char *text = NULL;
  cleanup_free char *path = NULL;
  silo_error_t err = NULL;
  size_t klen = strlen (key);
  char *line, *end;

  xasprintf (&path, "/proc/%d/%s", pid, file);
  if (read_file (path, &text, NULL, &err) < 0)
    {
      silo_error_release (&err);
      return -1;
    }
  for (line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      if (strncmp (line, key, klen) != 0 || line[klen] != ':')
        continue;
      line += klen + 1;
      line += strspn (line, " \t");
      end = line + strcspn (line, "\n");
      while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
      snprintf (out, len, "%.*s", (int) (end - line), line);
      return 0;
    }
  return -1;
}

#define CHECK_FIELD(pid, file, key, expect)                                   \
  do                                                                          \
    {                                                                         \
      char v_[256];                                                           \
      CHECK (proc_field ((pid), (file), (key), v_, sizeof (v_)) == 0);        \
      CHECK_STR (v_, (expect));                                               \
    }                                                                         \
  while (0)

#define REQUIRE_ROOT()                                                        \
  do                                                                          \
    {                                                                         \
      if (geteuid () != 0)                                                    \
        SKIP ("needs root");                                                  \
    }                                                                         \
  while (0)

/* --- capabilities and user --- */

static int
apply_user_caps (void *arg, silo_error_t *err)
{
  return ns_apply_user_caps (arg, err);
}

static int
test_cap_from_name (void)
{
  CHECK (ns_cap_from_name ("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
  CHECK (ns_cap_from_name ("CAP_KILL") == CAP_KILL);
  CHECK (ns_cap_from_name ("CAP_NET_BIND_SERVICE") == 10);
  CHECK (ns_cap_from_name ("CAP_NOPE") == -1);
  CHECK (ns_cap_from_name ("5") == -1);
  CHECK (ns_cap_from_name ("cap_kill") == -1);
  CHECK (ns_cap_from_name ("") == -1);
  return 0;
}

static int
test_caps_root (void)
{
  struct oci_process p = { .has_caps = true,
                           .caps = { .bounding = KILL_AND_NET_BIND,
                                     .effective = KILL_AND_NET_BIND,
                                     .permitted = KILL_AND_NET_BIND } };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_user_caps, &p) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "CapEff", "0000000000000420");
  CHECK_FIELD (c.pid, "status", "CapPrm", "0000000000000420");
  CHECK_FIELD (c.pid, "status", "CapBnd", "0000000000000420");
  CHECK_FIELD (c.pid, "status", "CapInh", "0000000000000000");
  CHECK_FIELD (c.pid, "status", "CapAmb", "0000000000000000");
  CHECK_FIELD (c.pid, "status", "Uid", "0\t0\t0\t0");
  return 0;
}

static int
test_caps_ambient_user (void)
{
  struct oci_process p = { .user = { .uid = 1000, .gid = 1000 },
                           .has_caps = true,
                           .caps = { .bounding = KILL_AND_NET_BIND,
                                     .effective = KILL_AND_NET_BIND,
                                     .permitted = KILL_AND_NET_BIND,
                                     .inheritable = KILL_AND_NET_BIND,
                                     .ambient = CAP_BIT (CAP_NET_BIND_SERVICE) } };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_user_caps, &p) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "Uid", "1000\t1000\t1000\t1000");
  /* Kept across the switch away from uid 0. */
  CHECK_FIELD (c.pid, "status", "CapEff", "0000000000000420");
  CHECK_FIELD (c.pid, "status", "CapInh", "0000000000000420");
  CHECK_FIELD (c.pid, "status", "CapAmb", "0000000000000400");
  return 0;
}

static int
test_no_caps_object (void)
{
  struct oci_process p = { .has_caps = false };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_user_caps, &p) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "CapEff", "0000000000000000");
  CHECK_FIELD (c.pid, "status", "CapPrm", "0000000000000000");
  CHECK_FIELD (c.pid, "status", "CapBnd", "0000000000000000");
  return 0;
}

static int
test_ambient_without_inheritable_not_raised (void)
{
  struct oci_process p = { .has_caps = true,
                           .caps = { .bounding = KILL_AND_NET_BIND,
                                     .effective = KILL_AND_NET_BIND,
                                     .permitted = KILL_AND_NET_BIND,
                                     .ambient = CAP_BIT (CAP_KILL) } };
  cleanup_child struct child c = CHILD_INIT;

  /* Not raised, as runc and crun do (buildah relies on it). */
  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_user_caps, &p) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "CapAmb", "0000000000000000");
  CHECK_FIELD (c.pid, "status", "CapPrm", "0000000000000420");
  return 0;
}

static int
test_user_groups_umask (void)
{
  gid_t gids[] = { 10, 20 };
  struct oci_process p = { .user = { .uid = 1000, .gid = 1000, .additional_gids = gids,
                                     .n_additional_gids = 2, .umask = { true, 027 } } };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_user_caps, &p) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "Uid", "1000\t1000\t1000\t1000");
  CHECK_FIELD (c.pid, "status", "Gid", "1000\t1000\t1000\t1000");
  CHECK_FIELD (c.pid, "status", "Groups", "10 20");
  CHECK_FIELD (c.pid, "status", "Umask", "0027");
  CHECK_FIELD (c.pid, "status", "CapEff", "0000000000000000");
  return 0;
}

/* --- rlimits --- */

static int
apply_rlimits (void *arg, silo_error_t *err)
{
  return ns_apply_rlimits (arg, err);
}

/* Drop CAP_SYS_RESOURCE first so raising the hard limit fails on any host. */
static int
apply_rlimits_unprivileged (void *arg, silo_error_t *err)
{
  cap_value_t v = CAP_SYS_RESOURCE;
  cap_t c = cap_get_proc ();
  int ret;

  cap_set_flag (c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
  ret = cap_set_proc (c);
  cap_free (c);
  if (ret < 0)
    return silo_make_error (err, errno, "drop CAP_SYS_RESOURCE");
  return ns_apply_rlimits (arg, err);
}

static int
test_rlimits (void)
{
  struct oci_rlimit rl[] = { { RLIMIT_NOFILE, 100, 200 }, { RLIMIT_CORE, 0, 4096 } };
  struct oci_process p = { .rlimits = rl, .n_rlimits = ARRAY_SIZE (rl) };
  cleanup_child struct child c = CHILD_INIT;

  CHECK (child_run (&c, apply_rlimits, &p) == 0);
  CHECK_STR (c.msg, "OK");
  /* "Max open files            100                  200                  files" */
  {
    cleanup_free char *text = NULL, *path = NULL;
    silo_error_t err = NULL;
    unsigned long soft, hard;
    char *line;

    xasprintf (&path, "/proc/%d/limits", c.pid);
    CHECK (read_file (path, &text, NULL, &err) == 0);
    line = strstr (text, "Max open files");
    CHECK (line && sscanf (line + 14, "%lu %lu", &soft, &hard) == 2);
    CHECK (soft == 100 && hard == 200);
    line = strstr (text, "Max core file size");
    CHECK (line && sscanf (line + 18, "%lu %lu", &soft, &hard) == 2);
    CHECK (soft == 0 && hard == 4096);
  }
  return 0;
}

static int
test_rlimit_raise_fails (void)
{
  struct oci_rlimit rl[] = { { RLIMIT_NOFILE, 100, 200 }, { RLIMIT_NOFILE, 1048576, 1048576 } };
  struct oci_process p = { .rlimits = rl, .n_rlimits = ARRAY_SIZE (rl) };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, apply_rlimits_unprivileged, &p) == 0);
  CHECK_STR (c.msg, "ERR process.rlimits: setrlimit RLIMIT_NOFILE 1048576:1048576: "
                    "Operation not permitted");
  return 0;
}

/* --- seccomp --- */

static int
prepare_error (const struct oci_seccomp *s, const char *expect)
{
  struct ns_seccomp *f = NULL;
  silo_error_t err = NULL;
  int ret = ns_seccomp_prepare (s, &f, &err);

  ns_seccomp_free (f);
  if (ret >= 0)
    {
      fprintf (stderr, "  prepare succeeded, expected `%s`\n", expect);
      return -1;
    }
  if (strstr (err->msg, expect) == NULL)
    {
      fprintf (stderr, "  `%s` does not contain `%s`\n", err->msg, expect);
      silo_error_release (&err);
      return -1;
    }
  silo_error_release (&err);
  return 0;
}

static int
prepare_ok (const struct oci_seccomp *s)
{
  struct ns_seccomp *f = NULL;
  silo_error_t err = NULL;

  if (ns_seccomp_prepare (s, &f, &err) < 0)
    {
      fprintf (stderr, "  prepare: %s\n", err->msg);
      silo_error_release (&err);
      return -1;
    }
  ns_seccomp_free (f);
  return 0;
}

/* Child side: compile and load, then run the per-test probe. */
struct seccomp_case
{
  struct oci_seccomp s;
  int (*probe) (struct seccomp_case *sc, int notify_fd, silo_error_t *err);
  int notify_fd;
  const char *state_json;
};

static int
load_and_probe (void *arg, silo_error_t *err)
{
  struct seccomp_case *sc = arg;
  struct ns_seccomp *f = NULL;
  int ret, fd = -2;

  ret = ns_seccomp_prepare (&sc->s, &f, err);
  if (ret < 0)
    return ret;
  ret = ns_seccomp_load (f, &fd, err);
  ns_seccomp_free (f);
  if (ret < 0)
    return ret;
  return sc->probe (sc, fd, err);
}

static int
expect_errno (long r, int expect, const char *what, silo_error_t *err)
{
  if (r != -1 || errno != expect)
    return silo_make_error (err, 0, "%s: got %ld errno %d, want -1 errno %d", what, r,
                            r == -1 ? errno : 0, expect);
  return 0;
}

static int
expect_allowed (long r, const char *what, silo_error_t *err)
{
  if (r == -1)
    return silo_make_error (err, errno, "%s: denied", what);
  return 0;
}

static int
probe_getcwd (struct seccomp_case *sc, int notify_fd, silo_error_t *err)
{
  char buf[256];

  if (notify_fd != -1)
    return silo_make_error (err, 0, "notify fd %d without SCMP_ACT_NOTIFY", notify_fd);
  if (expect_errno (syscall (SYS_getcwd, buf, sizeof (buf)), 38, "getcwd", err) < 0)
    return -1;
  return expect_allowed (syscall (SYS_getpid), "getpid", err);
}

static int
test_seccomp_errno (void)
{
  char *names[] = { "no_such_syscall_silo", "getcwd", NULL };
  struct oci_seccomp_rule rules[] = { { .names = names, .action = SCMP_ACT_ERRNO (38) } };
  struct seccomp_case sc = { .s = { .default_action = SCMP_ACT_ALLOW, .rules = rules,
                                    .n_rules = 1 },
                             .probe = probe_getcwd };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, load_and_probe, &sc) == 0);
  CHECK_STR (c.msg, "OK");
  CHECK_FIELD (c.pid, "status", "Seccomp", "2");
  return 0;
}

static int
probe_args (struct seccomp_case *sc, int notify_fd, silo_error_t *err)
{
  /* Same index twice: either value is denied (runc's OR). */
  if (expect_errno (syscall (SYS_personality, 0xffffffffUL), EPERM, "personality(query)", err) < 0
      || expect_errno (syscall (SYS_personality, 8UL), EPERM, "personality(8)", err) < 0
      || expect_allowed (syscall (SYS_personality, 0UL), "personality(0)", err) < 0)
    return -1;
  /* Two indexes: denied only when both match (AND). */
  if (expect_errno (syscall (SYS_getpriority, 0, 0), EACCES, "getpriority(0,0)", err) < 0
      || expect_allowed (syscall (SYS_getpriority, 0, getpid ()), "getpriority(0,pid)", err) < 0
      || expect_allowed (syscall (SYS_getpriority, 1, 0), "getpriority(1,0)", err) < 0)
    return -1;
  /* MASKED_EQ: value is the mask, valueTwo the datum. */
  if (expect_errno (syscall (SYS_getpgid, 0x1234), E2BIG, "getpgid(0x1234)", err) < 0
      || expect_allowed (syscall (SYS_getpgid, 0), "getpgid(0)", err) < 0)
    return -1;
  errno = 0;
  if (syscall (SYS_getpgid, 0x3434) == -1 && errno == E2BIG)
    return silo_make_error (err, 0, "getpgid(0x3434) denied");
  return 0;
}

static int
test_seccomp_args (void)
{
  char *personality[] = { "personality", NULL };
  char *getpriority[] = { "getpriority", NULL };
  char *getpgid[] = { "getpgid", NULL };
  struct oci_seccomp_arg or_args[] = { { 0, 0xffffffffULL, 0, SCMP_CMP_EQ },
                                       { 0, 8, 0, SCMP_CMP_EQ } };
  struct oci_seccomp_arg and_args[] = { { 0, 0, 0, SCMP_CMP_EQ }, { 1, 0, 0, SCMP_CMP_EQ } };
  struct oci_seccomp_arg masked[] = { { 0, 0xff00, 0x1200, SCMP_CMP_MASKED_EQ } };
  struct oci_seccomp_rule rules[] = {
    { personality, SCMP_ACT_ERRNO (EPERM), or_args, 2 },
    { getpriority, SCMP_ACT_ERRNO (EACCES), and_args, 2 },
    { getpgid, SCMP_ACT_ERRNO (E2BIG), masked, 1 },
  };
  struct seccomp_case sc = { .s = { .default_action = SCMP_ACT_ALLOW, .rules = rules,
                                    .n_rules = ARRAY_SIZE (rules) },
                             .probe = probe_args };
  cleanup_child struct child c = CHILD_INIT;

  REQUIRE_ROOT ();
  CHECK (child_run (&c, load_and_probe, &sc) == 0);
  CHECK_STR (c.msg, "OK");
  return 0;
}

static int
test_seccomp_invalid (void)
{
  char *getcwd_names[] = { "getcwd", NULL };
  char *bad_flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_NOPE", NULL };
  char *good_flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                         "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
  uint32_t archs[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
  uint32_t bad_archs[] = { SCMP_ARCH_NATIVE, 0x1234 };
  struct oci_seccomp_arg bad_index[] = { { 6, 0, 0, SCMP_CMP_EQ } };
  struct oci_seccomp_rule rules[] = {
    { getcwd_names, SCMP_ACT_ERRNO (1), NULL, 0 },
    { getcwd_names, SCMP_ACT_ALLOW | 5, NULL, 0 },
  };
  struct oci_seccomp_rule same_as_default[] = { { getcwd_names, SCMP_ACT_ALLOW, NULL, 0 } };
  struct oci_seccomp_rule index_rule[] = { { getcwd_names, SCMP_ACT_KILL, bad_index, 1 } };
  struct oci_seccomp s = { .default_action = 0x12345678 };

  CHECK (prepare_error (&s, "linux.seccomp.defaultAction: invalid action 0x12345678") == 0);
  s = (struct oci_seccomp){ .default_action = SCMP_ACT_ALLOW, .rules = rules, .n_rules = 2 };
  CHECK (prepare_error (&s, "linux.seccomp.syscalls[1].action: invalid action") == 0);
  s = (struct oci_seccomp){ .default_action = SCMP_ACT_ALLOW, .flags = bad_flags };
  CHECK (prepare_error (&s, "linux.seccomp.flags[1]: unknown flag `SECCOMP_FILTER_FLAG_NOPE`")
         == 0);
  s = (struct oci_seccomp){ .default_action = SCMP_ACT_ALLOW, .architectures = bad_archs,
                            .n_architectures = 2 };
  CHECK (prepare_error (&s, "linux.seccomp.architectures[1]") == 0);
  s = (struct oci_seccomp){ .default_action = SCMP_ACT_ALLOW, .rules = index_rule, .n_rules = 1 };
  CHECK (prepare_error (&s, "linux.seccomp.syscalls[0].args[0].index") == 0);
  /* Valid: known flags, extra architectures, a rule repeating the default. */
  s = (struct oci_seccomp){ .default_action = SCMP_ACT_ALLOW, .flags = good_flags,
                            .architectures = archs, .n_architectures = 3,
                            .rules = same_as_default, .n_rules = 1 };
  CHECK (prepare_ok (&s) == 0);
  return 0;
}

/* --- SCMP_ACT_NOTIFY and the listener socket --- */

static const char notify_state[]
    = "{\"ociVersion\":\"1.0.2\",\"id\":\"ctr1\",\"status\":\"creating\",\"pid\":1,"
      "\"bundle\":\"/bundle\"}";

static int
probe_notify (struct seccomp_case *sc, int notify_fd, silo_error_t *err)
{
  long r;
  int ret;

  if (notify_fd < 0)
    return silo_make_error (err, 0, "no notify fd (%d)", notify_fd);
  ret = ns_seccomp_send_listener (&sc->s, notify_fd, getpid (), sc->state_json, err);
  close (notify_fd);
  if (ret < 0)
    return ret;
  /* The parent answers this one through the fd it received. */
  r = syscall (SYS_getppid);
  if (r != 4242)
    return silo_make_error (err, errno, "getppid returned %ld, not the agent's 4242", r);
  return 0;
}

static int
listen_unix (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", path);
  if (sock < 0 || bind (sock, (struct sockaddr *) &addr, sizeof (addr)) < 0
      || listen (sock, 1) < 0)
    return -1;
  return sock;
}

static int
wait_readable (int fd)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  return poll (&p, 1, 10000) == 1 ? 0 : -1;
}

/* Read the agent message: the state JSON and the attached fd. */
static int
recv_state (int lsock, int *fd, json_t **state)
{
  cleanup_close int conn = -1;
  cleanup_free char *rest = NULL;
  cleanup_free char *all = NULL;
  char buf[4096];
  int n;

  if (wait_readable (lsock) < 0 || (conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC)) < 0)
    return -1;
  n = recv_fd (conn, fd, buf, sizeof (buf) - 1);
  if (n <= 0 || read_all_fd (conn, &rest) < 0)
    return -1;
  buf[n] = '\0';
  xasprintf (&all, "%s%s", buf, rest);
  *state = json_loads (all, 0, NULL);
  return *state ? 0 : -1;
}

/* Act as the seccomp agent for one notification: make getppid return 4242. */
static int
answer_getppid (int fd, pid_t pid)
{
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  int ret = -1;

  if (wait_readable (fd) < 0 || seccomp_notify_alloc (&req, &resp) < 0)
    return -1;
  if (seccomp_notify_receive (fd, req) == 0 && req->pid == (uint32_t) pid
      && req->data.nr == SYS_getppid)
    {
      *resp = (struct seccomp_notif_resp){ .id = req->id, .val = 4242 };
      ret = seccomp_notify_respond (fd, resp);
    }
  seccomp_notify_free (req, resp);
  return ret;
}

static int
check_state (json_t *st, pid_t pid)
{
  json_t *fds = json_object_get (st, "fds");

  CHECK_STR (json_string_value (json_object_get (st, "ociVersion")), "1.0.2");
  CHECK (json_array_size (fds) == 1);
  CHECK_STR (json_string_value (json_array_get (fds, 0)), "seccompFd");
  CHECK (json_integer_value (json_object_get (st, "pid")) == pid);
  CHECK_STR (json_string_value (json_object_get (st, "metadata")), "agent-meta");
  CHECK_STR (json_string_value (json_object_get (json_object_get (st, "state"), "id")), "ctr1");
  return 0;
}

static int
test_seccomp_notify_listener (void)
{
  char dir[] = "/tmp/silo-test-XXXXXX";
  char sock_path[64];
  char *names[] = { "getppid", NULL };
  struct oci_seccomp_rule rules[] = { { .names = names, .action = SCMP_ACT_NOTIFY } };
  struct seccomp_case sc = { .s = { .default_action = SCMP_ACT_ALLOW, .rules = rules,
                                    .n_rules = 1, .listener_path = sock_path,
                                    .listener_metadata = "agent-meta" },
                             .probe = probe_notify,
                             .state_json = notify_state };
  cleanup_child struct child c = CHILD_INIT;
  cleanup_close int lsock = -1;
  cleanup_close int fd = -1;
  json_t *st = NULL;
  int ret = -1;

  REQUIRE_ROOT ();
  CHECK (mkdtemp (dir) != NULL);
  snprintf (sock_path, sizeof (sock_path), "%s/agent.sock", dir);
  lsock = listen_unix (sock_path);
  if (lsock >= 0 && child_start (&c, load_and_probe, &sc) == 0 && recv_state (lsock, &fd, &st) == 0)
    ret = 0;
  unlink (sock_path);
  rmdir (dir);
  if (ret < 0)
    {
      /* The child failed before sending: its report says why. */
      if (c.pid > 0)
        child_wait_report (&c);
      fprintf (stderr, "  no agent message; child: %s\n", c.msg);
      json_decref (st);
      return -1;
    }
  ret = check_state (st, c.pid);
  json_decref (st);
  CHECK (ret == 0);
  CHECK (fd >= 0);
  CHECK (answer_getppid (fd, c.pid) == 0);
  CHECK (child_wait_report (&c) == 0);
  CHECK_STR (c.msg, "OK");
  return 0;
}

int
main (void)
{
  /* A hung child or agent must fail the run, not stall it. */
  alarm (120);
  RUN_TEST (test_cap_from_name);
  RUN_TEST (test_caps_root);
  RUN_TEST (test_caps_ambient_user);
  RUN_TEST (test_no_caps_object);
  RUN_TEST (test_ambient_without_inheritable_not_raised);
  RUN_TEST (test_user_groups_umask);
  RUN_TEST (test_rlimits);
  RUN_TEST (test_rlimit_raise_fails);
  RUN_TEST (test_seccomp_errno);
  RUN_TEST (test_seccomp_args);
  RUN_TEST (test_seccomp_invalid);
  RUN_TEST (test_seccomp_notify_listener);
  UNIT_EXIT ();
}
