/* `exec`: the process to run (the create-time config's, with the command
 * line's overrides), run by the container's mode (struct silo_mode_ops,
 * runtime/internal.h). */
#include "internal.h"
#include "../namespaces/namespaces.h"
#include "../util/syscalls.h"
#include "../util/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static void
set_env (struct oci_process *p, const char *kv)
{
  const char *eq = strchr (kv, '=');
  size_t key_len = eq ? (size_t) (eq - kv) : strlen (kv);
  size_t n = strv_len (p->env);

  for (size_t i = 0; i < n; i++)
    if (strncmp (p->env[i], kv, key_len) == 0 && p->env[i][key_len] == '=')
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return;
      }
  p->env = xrealloc (p->env, (n + 2) * sizeof (char *));
  p->env[n] = xstrdup (kv);
  p->env[n + 1] = NULL;
}

static int
apply_user (struct oci_process *p, const char *user, silo_error_t *err)
{
  cleanup_free char *copy = xstrdup (user);
  char *colon = strchr (copy, ':');
  long uid, gid;

  if (colon)
    *colon = '\0';
  if (parse_long (copy, &uid) < 0 || uid < 0 || (colon && (parse_long (colon + 1, &gid) < 0 || gid < 0)))
    return silo_make_error (err, 0, "--user `%s`: expected UID[:GID]", user);
  p->user.uid = (uid_t) uid;
  if (colon)
    p->user.gid = (gid_t) gid;
  return 0;
}

static int
add_caps (struct oci_process *p, char **caps, silo_error_t *err)
{
  for (size_t i = 0; caps && caps[i]; i++)
    {
      int cap = ns_cap_from_name (caps[i]);
      uint64_t bit;
      if (cap < 0)
        return silo_make_error (err, 0, "--cap `%s`: unknown capability", caps[i]);
      bit = 1ULL << cap;
      p->has_caps = true;
      /* As runc 1.2: not the inheritable set; ambient only where the
       * process's inheritable set already has it (the kernel's rule). */
      p->caps.bounding |= bit;
      p->caps.effective |= bit;
      p->caps.permitted |= bit;
      if (p->caps.inheritable & bit)
        p->caps.ambient |= bit;
    }
  return 0;
}

/* The container's process with the command line's overrides. */
static int
build_process (const struct oci_config *cfg, const struct silo_exec_opts *o,
               struct oci_process **out, silo_error_t *err)
{
  cleanup_free char *text = NULL;
  struct oci_process *p;

  if (o->process_file)
    {
      if (read_file (o->process_file, &text, NULL, err) < 0)
        return silo_error_wrap (err, "--process");
      return oci_process_parse (text, o->process_file, out, err);
    }
  if (o->args == NULL || o->args[0] == NULL)
    return silo_make_error (err, 0, "exec: a command is required (or --process FILE)");
  p = oci_process_dup (cfg->process);
  strv_free (p->args);
  p->args = strv_dup (o->args);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  p->terminal = o->tty;
  p->console_height = p->console_width = 0;
  p->no_new_privileges = cfg->process->no_new_privileges || o->no_new_privs;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  *out = p;
  for (size_t i = 0; o->env && o->env[i]; i++)
    set_env (p, o->env[i]);
  if (o->user && apply_user (p, o->user, err) < 0)
    return -1;
  return add_caps (p, o->caps, err);
}

int
silo_container_exec (const struct silo_global *g, const char *id, const struct silo_exec_opts *o,
                     int *exit_status, silo_error_t *err)
{
  cleanup_state struct container_state *st = NULL;
  struct oci_config *cfg = NULL;
  struct oci_process *p = NULL;
  enum silo_status status;
  int ret = -1;

  *exit_status = 0;
  if (state_read (g, id, &st, err) < 0 || state_status (g, st, &status, err) < 0)
    return -1;
  if (status == SILO_STOPPED)
    return silo_make_error (err, 0, "`%s`: container not running", id);
  if (status != SILO_RUNNING && status != SILO_CREATED)
    return silo_make_error (err, 0, "container `%s` is %s: cannot exec", id,
                            silo_status_name (status));
  if (state_load_config (g, st, &cfg, err) < 0)
    return -1;
  if (build_process (cfg, o, &p, err) == 0
      && mode_of (st)->check (NULL, p, ns_lsm_detect (), err) == 0)
    ret = mode_of (st)->exec (g, st, cfg, p, o, exit_status, err);
  oci_process_free (p);
  oci_config_free (cfg);
  return ret;
}
