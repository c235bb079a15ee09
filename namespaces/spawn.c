/* Forking the container process into its namespaces. New namespaces come
 * from one clone(); joining namespaces by path (or a time namespace, whose
 * offsets must be written before any process is in it) takes an
 * intermediate process that setns()es and clones the final one with
 * CLONE_PARENT, so the container process is always the caller's child. */
#include "internal.h"
#include "sync.h"
#include "../util/log.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

int ns_container_main (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err);
int ns_exec_main (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err);

/* clone(2) without a new stack (fork semantics), into the cgroup2 group
 * cg_fd when it is >= 0. */
static pid_t
raw_clone (unsigned long flags, int cg_fd)
{
  struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };

  if (cg_fd < 0)
    return (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  args.flags |= CLONE_INTO_CGROUP;
  args.cgroup = (uint64_t) cg_fd;
  return (pid_t) syscall (SYS_clone3, &args, sizeof (args));
}

/* The v1 half of cg_join_fds: a single-threaded process moving itself. */
static int
join_v1_cgroups (const struct ns_spawn_config *c, silo_error_t *err)
{
  int ret = 0;

  for (size_t i = 0; i < c->n_cg_tasks_fds; i++)
    {
      if (ret == 0 && write (c->cg_tasks_fds[i], "0", 1) != 1)
        ret = silo_make_error (err, errno, "enter cgroup (v1 tasks)");
      close (c->cg_tasks_fds[i]);
    }
  return ret;
}

/* CLONE_NEW* flags of the namespaces to create (not join) with clone(). */
static unsigned long
new_ns_flags (const struct oci_config *cfg, bool *needs_intermediate)
{
  unsigned long flags = 0;

  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &cfg->linux_.namespaces[i];
      if (ns->path)
        *needs_intermediate = true;
      else if (ns->type == CLONE_NEWTIME)
        *needs_intermediate = true;
      else if (ns->type != CLONE_NEWCGROUP) /* unshared after joining the cgroup */
        flags |= (unsigned long) ns->type;
    }
  return flags;
}

static int
join_path_namespaces (const struct oci_config *cfg, silo_error_t *err)
{
  /* The user namespace first: it grants the rights to join the others. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
      {
        const struct oci_namespace *ns = &cfg->linux_.namespaces[i];
        cleanup_close int fd = -1;
        if (ns->path == NULL || ((ns->type == CLONE_NEWUSER) != (pass == 0)))
          continue;
        fd = open (ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          return silo_make_error (err, errno, "linux.namespaces: open `%s`", ns->path);
        if (setns (fd, ns->type) < 0)
          return silo_make_error (err, errno, "linux.namespaces: join `%s`", ns->path);
      }
  return 0;
}

static int
enter_time_namespace (const struct oci_config *cfg, silo_error_t *err)
{
  const struct oci_namespace *ns = oci_config_namespace (cfg, CLONE_NEWTIME);
  char buf[128];

  if (ns == NULL || ns->path)
    return 0;
  if (unshare (CLONE_NEWTIME) < 0)
    return silo_make_error (err, errno, "linux.namespaces: new time namespace");
  if (!cfg->linux_.time_offsets.set)
    return 0;
  snprintf (buf, sizeof (buf), "monotonic %lld %lld\nboottime %lld %lld\n",
            (long long) cfg->linux_.time_offsets.monotonic_secs,
            (long long) cfg->linux_.time_offsets.monotonic_nanosecs,
            (long long) cfg->linux_.time_offsets.boottime_secs,
            (long long) cfg->linux_.time_offsets.boottime_nanosecs);
  return write_file ("/proc/self/timens_offsets", buf, strlen (buf), err) < 0
             ? silo_error_wrap (err, "linux.timeOffsets")
             : 0;
}

/* pidfd setns joins every namespace of the target at once (Linux >= 5.8). */
static int
join_process_namespaces (pid_t pid, silo_error_t *err)
{
  static const int kinds[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
                               CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME };
  cleanup_close int pidfd = sys_pidfd_open (pid, 0);
  int flags = 0;

  if (pidfd < 0)
    return silo_make_error (err, errno, "pidfd_open %d", pid);
  for (size_t i = 0; i < ARRAY_SIZE (kinds); i++)
    {
      const struct oci_ns_info *info = oci_ns_by_flag (kinds[i]);
      char mine[64], theirs[64];
      struct stat a, b;
      snprintf (mine, sizeof (mine), "/proc/self/ns/%s", info->proc_name);
      snprintf (theirs, sizeof (theirs), "/proc/%d/ns/%s", pid, info->proc_name);
      if (stat (mine, &a) < 0 || stat (theirs, &b) < 0)
        continue;
      /* Joining one's own user namespace is EINVAL; skip what is shared. */
      if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        flags |= kinds[i];
    }
  if (flags && setns (pidfd, flags) < 0)
    return silo_make_error (err, errno, "join the namespaces of process %d", pid);
  return 0;
}

/* From clone() until execve this process is on its way into the container,
 * and a process already there could reach it through /proc/<pid>/fd, ptrace
 * or /proc/<pid>/mem (runc's model, CVE-2016-9962): it is non-dumpable, and it
 * holds only stdio, --preserve-fds and what setup itself needs. Whatever the
 * runtime had open (cgroup directories, the state dir, the log file) is closed
 * before any namespace is joined. An unprivileged runtime must still write
 * the id maps of a new user namespace, which a non-dumpable child's /proc
 * files forbid: it drops dumpability after NS_SYNC_GO instead
 * (ns_seal_after_go), before any namespace is joined. */
static bool
seal_late (const struct ns_spawn_config *c)
{
  const struct oci_namespace *ns = oci_config_namespace (c->cfg, CLONE_NEWUSER);
  return c->join_pid <= 0 && geteuid () != 0 && ns && ns->path == NULL;
}

static int
seal_child (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err)
{
  size_t n_mounts = c->mount_fds ? c->cfg->n_mounts : 0;
  size_t n = 0, cap = 3 + c->n_cg_tasks_fds + n_mounts
                      + (size_t) (c->preserve_fds > 0 ? c->preserve_fds : 0);
  cleanup_free int *keep = xmalloc (cap * sizeof (int));

  if (!seal_late (c) && prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "prctl PR_SET_DUMPABLE");
  keep[n++] = sync_fd;
  keep[n++] = c->console_socket_fd;
  keep[n++] = c->exec_fifo_fd;
  for (size_t i = 0; i < c->n_cg_tasks_fds; i++)
    keep[n++] = c->cg_tasks_fds[i];
  for (int fd = 3; fd < 3 + c->preserve_fds; fd++)
    keep[n++] = fd;
  for (size_t i = 0; i < n_mounts; i++)
    if (c->mount_fds[i] >= 0)
      keep[n++] = c->mount_fds[i];
  log_to_stderr (); /* the log file is a host fd too */
  return close_fds_except (keep, n, err);
}

int
ns_seal_after_go (const struct ns_spawn_config *c, silo_error_t *err)
{
  if (seal_late (c) && prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "prctl PR_SET_DUMPABLE");
  return 0;
}

static __attribute__ ((noreturn)) void
child_entry (const struct ns_spawn_config *c, int sync_fd)
{
  silo_error_t err = NULL;
  int ret;

  if (c->join_pid > 0)
    ret = ns_exec_main (c, sync_fd, &err);
  else
    ret = ns_container_main (c, sync_fd, &err);
  /* Only reached on failure: success ends in execve. */
  (void) ret;
  ns_sync_send_error (sync_fd, &err);
  _exit (1);
}

static __attribute__ ((noreturn)) void
intermediate_entry (const struct ns_spawn_config *c, unsigned long flags, int sync_fd)
{
  silo_error_t err = NULL;
  pid_t pid;
  int ret;

  if (c->join_pid > 0)
    ret = join_process_namespaces (c->join_pid, &err);
  else
    {
      ret = join_path_namespaces (c->cfg, &err);
      if (ret == 0)
        ret = enter_time_namespace (c->cfg, &err);
    }
  if (ret < 0)
    {
      ns_sync_send_error (sync_fd, &err);
      _exit (1);
    }
  pid = raw_clone (flags | CLONE_PARENT, -1);
  if (pid < 0)
    {
      silo_make_error (&err, errno, "clone container process");
      ns_sync_send_error (sync_fd, &err);
      _exit (1);
    }
  if (pid == 0)
    child_entry (c, sync_fd);
  (void) ns_sync_send (sync_fd, NS_SYNC_PID, pid, NULL, -1);
  _exit (0);
}

static int
collect_intermediate (pid_t inter, int sock, pid_t *pid, silo_error_t *err)
{
  struct ns_sync_msg msg;
  int status, ret;

  ret = ns_sync_expect (sock, NS_SYNC_PID, &msg, err);
  TEMP_FAILURE_RETRY (waitpid (inter, &status, 0));
  if (ret < 0)
    return ret;
  *pid = msg.value;
  ns_sync_msg_clear (&msg);
  return 0;
}

int
ns_spawn (const struct ns_spawn_config *c, pid_t *pid, int *sync_fd, silo_error_t *err)
{
  bool intermediate = c->join_pid > 0;
  unsigned long flags = c->join_pid > 0 ? 0 : new_ns_flags (c->cfg, &intermediate);
  silo_error_t err_child = NULL;
  int sp[2];
  pid_t child;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return silo_make_error (err, errno, "socketpair");
  child = raw_clone (intermediate ? 0 : flags, c->cg_self_join ? c->cg_v2_fd : -1);
  if (child < 0)
    {
      int saved = errno;
      close (sp[0]);
      close (sp[1]);
      return silo_make_error (err, saved, "clone container process");
    }
  if (child == 0)
    {
      /* Die with the runtime until setup is done: no orphan if it is killed. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (seal_child (c, sp[1], &err_child) < 0
          || (c->cg_self_join && join_v1_cgroups (c, &err_child) < 0))
        {
          ns_sync_send_error (sp[1], &err_child);
          _exit (1);
        }
      if (intermediate)
        intermediate_entry (c, flags, sp[1]);
      child_entry (c, sp[1]);
    }
  close (sp[1]);
  if (intermediate && collect_intermediate (child, sp[0], &child, err) < 0)
    {
      close (sp[0]);
      return -1;
    }
  *pid = child;
  *sync_fd = sp[0];
  return 0;
}

static int
write_map (pid_t pid, const char *file, const struct oci_idmap *m, size_t n, silo_error_t *err)
{
  if (ns_write_idmap (pid, file, m, n, err) < 0)
    return silo_error_wrap (err, "linux.%s", strcmp (file, "uid_map") == 0 ? "uidMappings"
                                                                            : "gidMappings");
  return 0;
}

/* Unprivileged, a runtime may map only its own id (and its own gid once
 * setgroups is denied); more goes through shadow's setuid newuidmap and
 * newgidmap, which allow the ranges /etc/subuid and /etc/subgid give the
 * user, as runc and crun do. */
static bool
only_own_id (const struct oci_idmap *m, size_t n, unsigned id)
{
  return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

static int
run_idmap_helper (const char *helper, const char *field, pid_t pid, const struct oci_idmap *m,
                  size_t n, silo_error_t *err)
{
  cleanup_free char **argv = xmalloc0 ((3 * n + 3) * sizeof (char *));
  int status = 0;
  pid_t child;

  argv[0] = (char *) helper;
  xasprintf (&argv[1], "%d", (int) pid);
  for (size_t i = 0; i < n; i++)
    {
      xasprintf (&argv[2 + 3 * i], "%u", m[i].container_id);
      xasprintf (&argv[3 + 3 * i], "%u", m[i].host_id);
      xasprintf (&argv[4 + 3 * i], "%u", m[i].size);
    }
  child = fork ();
  if (child == 0)
    {
      execvp (helper, argv);
      _exit (127);
    }
  for (size_t i = 1; argv[i]; i++)
    free (argv[i]);
  if (child < 0)
    return silo_make_error (err, errno, "%s: fork %s", field, helper);
  if (TEMP_FAILURE_RETRY (waitpid (child, &status, 0)) < 0 || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0)
    return silo_make_error (err, 0, "%s: %s failed%s (the ranges must be the user's in %s)",
                            field, helper,
                            WIFEXITED (status) && WEXITSTATUS (status) == 127 ? " to run" : "",
                            helper[3] == 'u' ? "/etc/subuid" : "/etc/subgid");
  return 0;
}

static int
write_maps_unprivileged (pid_t pid, const struct oci_linux *l, silo_error_t *err)
{
  char path[64];

  if (only_own_id (l->uid_mappings, l->n_uid_mappings, geteuid ()))
    {
      if (write_map (pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
        return -1;
    }
  else if (run_idmap_helper ("newuidmap", "linux.uidMappings", pid, l->uid_mappings,
                             l->n_uid_mappings, err)
           < 0)
    return -1;
  if (!only_own_id (l->gid_mappings, l->n_gid_mappings, getegid ()))
    return run_idmap_helper ("newgidmap", "linux.gidMappings", pid, l->gid_mappings,
                             l->n_gid_mappings, err);
  snprintf (path, sizeof (path), "/proc/%d/setgroups", (int) pid);
  if (write_file (path, "deny", 4, err) < 0)
    return silo_error_wrap (err, "linux.gidMappings");
  return write_map (pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}

int
ns_write_id_maps (pid_t pid, const struct oci_linux *l, silo_error_t *err)
{
  if (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)
    return silo_make_error (err, 0, "linux.uidMappings/gidMappings: a new user namespace needs both");
  if (geteuid () != 0)
    return write_maps_unprivileged (pid, l, err);
  if (write_map (pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
    return -1;
  return write_map (pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}
