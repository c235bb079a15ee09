/* The last steps before execve, shared by the container process and by
 * `exec`: cwd, executable lookup, rlimits, no_new_privs, scheduling,
 * seccomp, credentials, personality and the file descriptors the process
 * may inherit. */
#include "internal.h"
#include "sync.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static const char *
env_path (char *const *env)
{
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], "PATH=", 5) == 0)
      return env[i] + 5;
  return default_path;
}

static bool
is_executable (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

/* Resolve args[0] in the container now, so a missing program fails
 * `create` with a clear message instead of a silent exit after `start`. */
static int
find_executable (const struct oci_process *p, char **out, silo_error_t *err)
{
  const char *name = p->args[0];
  cleanup_free char *dirs = NULL;
  char *save = NULL, *dir;

  if (strchr (name, '/'))
    {
      if (!is_executable (name))
        return silo_make_error (err, errno ? errno : EACCES, "process.args[0]: `%s`", name);
      *out = xstrdup (name);
      return 0;
    }
  dirs = xstrdup (env_path (p->env));
  for (dir = strtok_r (dirs, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = NULL;
      xasprintf (&cand, "%s/%s", *dir ? dir : ".", name);
      if (is_executable (cand))
        {
          *out = steal_pointer (&cand);
          return 0;
        }
    }
  return silo_make_error (err, ENOENT, "process.args[0]: `%s` not found in $PATH", name);
}

static int
enter_cwd (const struct oci_process *p, silo_error_t *err)
{
  char buf[PATH_MAX];

  if (chdir (p->cwd) < 0)
    return silo_make_error (err, errno, "process.cwd: chdir `%s`", p->cwd);
  /* A cwd reached through a leaked host fd has no path in this root
   * (CVE-2024-21626): getcwd() then fails or is "(unreachable)". */
  if (getcwd (buf, sizeof (buf)) == NULL || buf[0] != '/')
    return silo_make_error (err, 0, "process.cwd: `%s` is outside the container", p->cwd);
  return 0;
}

/* The home directory of uid in the container's /etc/passwd, "/" when the
 * user is not listed (runc). */
static char *
passwd_home (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];

  while (f && fgets (line, sizeof (line), f))
    {
      char *fields[7], *tok = line;
      size_t n = 0;
      /* name:passwd:uid:gid:gecos:home:shell; gecos may be empty. */
      while (n < 7 && (fields[n] = strsep (&tok, ":\n")) != NULL)
        n++;
      if (n >= 6 && strtoul (fields[2], NULL, 10) == uid && fields[5][0] == '/')
        return xstrdup (fields[5]);
    }
  return xstrdup ("/");
}

/* process.env, plus HOME when it does not set one, as runc does. */
static char **
exec_env (const struct oci_process *p)
{
  size_t n = strv_len (p->env);
  char **env = xmalloc ((n + 2) * sizeof (char *));
  cleanup_free char *home = NULL;

  for (size_t i = 0; i < n; i++)
    {
      if (strncmp (p->env[i], "HOME=", 5) == 0)
        home = xstrdup ("");
      env[i] = p->env[i];
    }
  env[n] = NULL;
  if (home == NULL)
    {
      home = passwd_home (p->user.uid);
      xasprintf (&env[n], "HOME=%s", home);
      env[n + 1] = NULL;
    }
  return env;
}

int
ns_resolve_exec (const struct oci_process *p, char **exec_path, char ***env, silo_error_t *err)
{
  if (enter_cwd (p, err) < 0 || find_executable (p, exec_path, err) < 0)
    return -1;
  /* Read the container's passwd before the credentials change. */
  *env = exec_env (p);
  return 0;
}

/* Only stdio and the preserved fds survive exec. */
static int
limit_fds (int preserve_fds, silo_error_t *err)
{
  for (int fd = 3; fd < 3 + preserve_fds; fd++)
    if (fcntl (fd, F_SETFD, 0) < 0 && errno != EBADF)
      return silo_make_error (err, errno, "--preserve-fds: fd %d", fd);
  if (sys_close_range ((unsigned) (3 + preserve_fds), ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return silo_make_error (err, errno, "close_range");
  return 0;
}

static int
load_seccomp (struct ns_seccomp *f, int sync_fd, silo_error_t *err)
{
  int notify_fd = -1;

  if (f == NULL)
    return 0;
  if (ns_seccomp_load (f, &notify_fd, err) < 0)
    return -1;
  if (notify_fd >= 0)
    {
      int r = ns_sync_send (sync_fd, NS_SYNC_SECCOMP_FD, 0, NULL, notify_fd);
      close (notify_fd);
      if (r < 0)
        return silo_make_error (err, errno, "send seccomp notify fd");
    }
  return 0;
}

/* Hand stdio to the process's user, as runc does (fixStdioPermissions): a
 * container run as uid 1000 must be able to open /dev/stdout (its pipe or
 * pty). /dev/null and what the user owns already are left alone; the group
 * stays; an owner not mapped here, or a read-only /dev, is not an error. */
int
ns_fix_stdio_owner (uid_t uid, silo_error_t *err)
{
  struct stat null, st;

  if (stat ("/dev/null", &null) < 0)
    null.st_rdev = makedev (1, 3);
  for (int fd = 0; fd < 3; fd++)
    {
      if (fstat (fd, &st) < 0 || st.st_uid == uid
          || (S_ISCHR (st.st_mode) && st.st_rdev == null.st_rdev))
        continue;
      if (fchown (fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        return silo_make_error (err, errno, "process.user: chown stdio fd %d", fd);
    }
  return 0;
}

int
ns_prepare_exec (const struct ns_spawn_config *c, int sync_fd, char **exec_path, char ***env,
                 silo_error_t *err)
{
  const struct oci_config *cfg = c->cfg;
  const struct oci_process *p = c->process;
  struct ns_seccomp *filter = NULL;
  int ret = -1;

  /* Its own session and process group, as runc gives every process it
   * starts (a terminal's made it the leader already). */
  if (setsid () < 0 && errno != EPERM)
    return silo_make_error (err, errno, "setsid");
  if (limit_fds (c->preserve_fds, err) < 0 || ns_resolve_exec (p, exec_path, env, err) < 0
      || ns_apply_rlimits (p, err) < 0 || ns_lsm_apply_exec (p, c->lsm, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return silo_make_error (err, errno, "process.noNewPrivileges");
  /* Before seccomp: a profile may deny set_mempolicy to the workload. */
  if (ns_apply_sched (p, err) < 0 || ns_apply_memory_policy (cfg, err) < 0)
    return -1;
  if (cfg->linux_.seccomp && ns_seccomp_prepare (cfg->linux_.seccomp, &filter, err) < 0)
    return -1;
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
   * before the capabilities go; with it, load it as late as possible. */
  if (!p->no_new_privileges && load_seccomp (filter, sync_fd, err) < 0)
    goto out;
  if (ns_fix_stdio_owner (p->user.uid, err) < 0 || ns_apply_user_caps (p, err) < 0
      || ns_apply_personality (cfg, err) < 0)
    goto out;
  if (p->no_new_privileges && load_seccomp (filter, sync_fd, err) < 0)
    goto out;
  /* Setup is over: from now on the process outlives the silo that made it. */
  if (prctl (PR_SET_PDEATHSIG, 0) < 0)
    {
      silo_make_error (err, errno, "clear parent death signal");
      goto out;
    }
  ret = 0;
out:
  if (filter)
    ns_seccomp_free (filter);
  return ret;
}

int
ns_exec_main (const struct ns_spawn_config *c, int sync_fd, silo_error_t *err)
{
  cleanup_free char *exec_path = NULL;
  char **env = NULL;
  struct ns_sync_msg msg;

  if (ns_sync_expect (sync_fd, NS_SYNC_GO, &msg, err) < 0)
    return -1;
  ns_sync_msg_clear (&msg);
  /* In the container's cgroup now (its cpuset may have reset the
   * affinity the runtime gave it): the final one. */
  if (c->process->exec_cpu_affinity.final_set
      && ns_set_cpu_affinity (&c->process->exec_cpu_affinity.final,
                              "process.execCPUAffinity.final", err)
             < 0)
    return -1;
  if (c->process->terminal && ns_setup_console (c->console_socket_fd, c->process, false, err) < 0)
    return -1;
  if (ns_prepare_exec (c, sync_fd, &exec_path, &env, err) < 0)
    return -1;
  /* sync_fd is close-on-exec: EOF tells the runtime that exec happened. */
  execve (exec_path, c->process->args, env);
  return silo_make_error (err, errno, "exec `%s`", exec_path);
}
