/* silo's lifecycle API, one function per OCI verb. cli/ parses options into
 * these structs and makes one call; everything else lives below. */
#ifndef SILO_RUNTIME_H
#define SILO_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "../cgroups/cgroups.h"
#include "../oci/oci.h"
#include "../util/error.h"

enum silo_mode
{
  SILO_MODE_DEFAULT, /* decided by the annotation silo.sandbox */
  SILO_MODE_CONTAINER,
  SILO_MODE_VM,
};

struct silo_global
{
  const char *root;     /* state directory, default silo_default_root () */
  bool rootless;        /* --rootless, or silo_running_rootless () for auto */
  bool debug;
  bool systemd_cgroup;
  enum silo_mode mode;  /* --sandbox, or SILO_MODE_VM when invoked as silo-vm */
};

/* Not the host's root: euid not 0, or inside a user namespace other than
 * the host's (rootless podman runs its runtime as uid 0 of its own). */
bool silo_running_rootless (void);
/* The state directory unless --root names one: /run/silo for root, else
 * $XDG_RUNTIME_DIR/silo (/run/user/UID/silo without it); uid 0 of a
 * user's namespace takes $XDG_RUNTIME_DIR/silo too unless $USER is root
 * (runc's rule). Static storage. */
const char *silo_default_root (void);

struct silo_create_opts
{
  const char *bundle;         /* default: current directory */
  const char *console_socket;
  const char *pid_file;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool detach;                /* run -d */
  bool keep;                  /* run --keep: a foreground run leaves the stopped container */
};

struct silo_exec_opts
{
  const char *process_file;   /* --process; otherwise built from the fields below */
  char **args;
  const char *cwd;
  char **env;                 /* K=V added to the container's env */
  const char *user;           /* UID[:GID] */
  char **caps;                /* added to every capability set */
  bool tty;
  bool detach;
  bool no_new_privs;
  const char *pid_file;
  const char *console_socket;
  int preserve_fds;
  const char *apparmor;       /* --apparmor: process.apparmorProfile */
  const char *process_label;  /* --process-label: process.selinuxLabel */
  char **cgroups;             /* --cgroup: sub-cgroups (cg_open_sub's specs), or NULL */
};

enum silo_status
{
  SILO_CREATING, /* a create in progress, or one killed half-way: delete -f cleans it */
  SILO_CREATED,
  SILO_RUNNING,
  SILO_PAUSED,
  SILO_STOPPED,
};

struct silo_list_entry
{
  char *id;
  pid_t pid;
  enum silo_status status;
  char *bundle;
  char *created;
  char *owner;
};

int silo_container_create (const struct silo_global *g, const char *id,
                           const struct silo_create_opts *o, silo_error_t *err);
/* create + start; in the foreground waits and returns the exit status
 * (128+N for signal N) in *exit_status, forwarding signals. */
int silo_container_run (const struct silo_global *g, const char *id,
                        const struct silo_create_opts *o, int *exit_status, silo_error_t *err);
int silo_container_start (const struct silo_global *g, const char *id, silo_error_t *err);
/* The OCI state JSON, pretty-printed. */
int silo_container_state (const struct silo_global *g, const char *id, char **json,
                          silo_error_t *err);
int silo_container_kill (const struct silo_global *g, const char *id, int sig, bool all,
                         silo_error_t *err);
int silo_container_delete (const struct silo_global *g, const char *id, bool force,
                           silo_error_t *err);
int silo_container_exec (const struct silo_global *g, const char *id,
                         const struct silo_exec_opts *o, int *exit_status, silo_error_t *err);
int silo_container_list (const struct silo_global *g, struct silo_list_entry **out, size_t *n,
                         silo_error_t *err);
void silo_list_free (struct silo_list_entry *l, size_t n);
int silo_container_pause (const struct silo_global *g, const char *id, bool pause,
                          silo_error_t *err);
int silo_container_update (const struct silo_global *g, const char *id,
                           const struct oci_resources *r, silo_error_t *err);
/* The container's processes. Container mode: host pids (the host's ps
 * describes them). Sandbox mode: they live in the guest, so pids are as
 * the container sees them, and procs has what the guest says of each. */
struct silo_ps_proc
{
  pid_t pid, ppid;
  uid_t uid;
  char *cmd;
};
struct silo_ps
{
  pid_t *pids;
  size_t n;
  struct silo_ps_proc *procs; /* NULL in container mode */
};
int silo_container_ps (const struct silo_global *g, const char *id, struct silo_ps *out,
                       silo_error_t *err);
void silo_ps_release (struct silo_ps *ps);
int silo_container_stats (const struct silo_global *g, const char *id, struct cg_stats *st,
                          silo_error_t *err);

/* Sandbox mode, as the command line sees it: the backends this host can
 * run ("kvm, uml", or why none), and where silo itself lives (recorded by
 * main before it re-executes from a sealed copy, so that files installed
 * beside it, the guest agent among them, are still found). */
const char *silo_sandbox_backends (void);
void silo_record_binary (const char *path);

const char *silo_status_name (enum silo_status s);
/* Signal by name ("KILL", "SIGKILL") or number. */
int silo_parse_signal (const char *s, int *sig, silo_error_t *err);

#endif
