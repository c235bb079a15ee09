/* The agent's request loop: one poll over the host channel, SIGCHLD and
 * every process's stdio. Single-threaded; frames to the host are written
 * whole, so they never interleave. Bytes read from the channel go back to
 * the host as CREDIT (docs/agent-protocol.md, "Flow control"). */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../../namespaces/namespaces.h"
#include "../../util/utils.h"
#include "agent.h"

/* A container in the guest: the first (PROTO_ID_MAIN, made by CREATE) and
 * a pod's members (ADD), each named by its main process's id. */
struct agent_ctr
{
  uint32_t id;
  struct oci_config *cfg;
  char *base;    /* its tree (rootfs/, binds/N) in the guest */
  char *cgroup;  /* its cgroup directory */
  struct proto_shm shm; /* its /dev/shm, a guest tmpfs when set */
  int mnt_fd;    /* its main process's mount namespace, for exec */
  int pidns_fd;  /* its main process's PID namespace, for exec */
  bool started;
  struct agent_ctr *next;
};

struct agent
{
  const struct agent_opts *opts;
  struct proto_reader rd;
  struct agent_ctr *ctrs;
  struct agent_proc *procs;
  int sigfd;
  int root_pidns;  /* the agent's own PID namespace: members' new ones are made from it */
  int main_status; /* -1 while the first container's main process runs */
  uint32_t unacked; /* channel bytes read and not yet returned as CREDIT */
};

static struct agent_ctr *
find_ctr (struct agent *a, uint32_t id)
{
  struct agent_ctr *c;

  if (id == PROTO_ID_AGENT)
    id = PROTO_ID_MAIN;
  for (c = a->ctrs; c; c = c->next)
    if (c->id == id)
      return c;
  return NULL;
}

static void
ctr_free (struct agent_ctr *c)
{
  if (c->cfg)
    oci_config_free (c->cfg);
  free (c->base);
  free (c->cgroup);
  close_and_reset (&c->mnt_fd);
  close_and_reset (&c->pidns_fd);
  free (c);
}

static struct agent_ctr *
ctr_new (uint32_t id, const char *base, const char *cgroup_name)
{
  struct agent_ctr *c = xmalloc0 (sizeof (*c));

  c->id = id;
  c->base = xstrdup (base);
  xasprintf (&c->cgroup, AGENT_CGROUP_ROOT "/%s", cgroup_name);
  c->mnt_fd = c->pidns_fd = -1;
  return c;
}

static struct agent_proc *
find_proc (struct agent *a, uint32_t id)
{
  struct agent_proc *p;
  for (p = a->procs; p; p = p->next)
    if (p->id == id)
      return p;
  return NULL;
}

static void
unlink_proc (struct agent *a, struct agent_proc *ap)
{
  struct agent_proc **pp;
  for (pp = &a->procs; *pp; pp = &(*pp)->next)
    if (*pp == ap)
      {
        *pp = ap->next;
        return;
      }
}

static int
reply (struct agent *a, uint32_t id, int ret, silo_error_t *rerr, silo_error_t *err)
{
  if (ret >= 0)
    return proto_send (a->opts->chan, PROTO_OK, id, NULL, 0, err);
  ret = proto_send_str (a->opts->chan, PROTO_ERROR, id, (*rerr)->msg, err);
  silo_error_release (rerr);
  return ret;
}

/* The main process's namespaces, which the container's later processes
 * (exec) join. */
static int
follow_main (struct agent_ctr *c, pid_t pid, silo_error_t *err)
{
  char path[64];

  snprintf (path, sizeof (path), "/proc/%d/ns/mnt", pid);
  c->mnt_fd = open (path, O_RDONLY | O_CLOEXEC);
  snprintf (path, sizeof (path), "/proc/%d/ns/pid", pid);
  c->pidns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (c->mnt_fd < 0 || c->pidns_fd < 0)
    return silo_make_error (err, errno, "open the container's namespaces");
  return 0;
}

/* The agent's next child is forked into pidns (setns of its children's
 * PID namespace; its own stays the guest's). */
static int
children_in (struct agent *a, int pidns, silo_error_t *err)
{
  if (!a->opts->guest)
    return 0;
  if (setns (pidns, CLONE_NEWPID) < 0)
    return silo_make_error (err, errno, "enter the container's PID namespace");
  return 0;
}

/* A container's main process, prepared (not started), and its namespaces
 * kept for exec. shared_pidns >= 0: the PID namespace it joins instead of
 * making one. */
static int
spawn_main (struct agent *a, struct agent_ctr *c, unsigned long new_ns, int shared_pidns,
            silo_error_t *err)
{
  struct agent_proc *ap = NULL;
  struct agent_ns ns = { c->cfg, -1, new_ns, c->base, c->cgroup, &c->shm };
  int ret;

  if (c->cfg->process == NULL)
    return silo_make_error (err, 0, "config.json: process: required");
  if (c->shm.set && c->shm.mount >= c->cfg->n_mounts)
    return silo_make_error (err, 0, "shm: mounts[%zu]: no such mount", c->shm.mount);
  if (a->opts->guest
      && (agent_guest_shm (&c->shm, err) < 0
          || agent_guest_cgroup (c->cfg, strrchr (c->cgroup, '/') + 1, err) < 0
          || children_in (a, shared_pidns >= 0 ? shared_pidns : a->root_pidns, err) < 0))
    return -1;
  ret = agent_proc_spawn (c->cfg->process, c->cfg, a->opts->guest ? &ns : NULL, c->id, &ap, err);
  if (ret < 0)
    return ret;
  if (a->opts->guest && (ret = follow_main (c, ap->pid, err)) < 0)
    {
      kill (ap->pid, SIGKILL);
      waitpid (ap->pid, NULL, 0);
      agent_proc_free (ap);
      return ret;
    }
  ap->next = a->procs;
  a->procs = ap;
  return 0;
}

/* CREATE payload: {"config": "<config.json text>", "net": "<description>",
 * "shm": {...}}, "net" optional (ns_net_apply's JSON, for the guest's
 * NICs), "shm" too (proto_shm). */
static int
parse_create (struct agent *a, const struct proto_msg *m, struct oci_config **cfg,
              struct proto_shm *shm, silo_error_t *err)
{
  json_t *root = json_loadb ((const char *) m->data, m->len, 0, NULL);
  json_t *cfgtext = json_object_get (root, "config"), *net = json_object_get (root, "net");
  int ret;

  if (!json_is_string (cfgtext) || (net && !json_is_string (net)))
    {
      json_decref (root);
      return silo_make_error (err, 0, "CREATE: payload must be {\"config\": string, \"net\": string}");
    }
  ret = proto_shm_get (root, shm, err);
  if (ret == 0)
    ret = oci_config_parse (json_string_value (cfgtext), "config.json", cfg, err);
  if (ret == 0 && net && a->opts->guest)
    ret = ns_net_apply (json_string_value (net), json_string_length (net), err);
  json_decref (root);
  return ret;
}

static int
do_create (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c;
  int ret;

  if (a->ctrs)
    return silo_make_error (err, 0, "CREATE: already created");
  c = ctr_new (PROTO_ID_MAIN, AGENT_SHARE, AGENT_CGROUP_FIRST);
  ret = parse_create (a, m, &c->cfg, &c->shm, err);
  if (ret == 0 && a->opts->guest)
    ret = agent_guest_mount_share (a->opts->fs_type, err);
  if (ret == 0)
    ret = spawn_main (a, c, CLONE_NEWPID, -1, err);
  if (ret < 0)
    {
      ctr_free (c);
      return ret;
    }
  a->ctrs = c;
  return 0;
}

static int
do_add (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *first = find_ctr (a, PROTO_ID_MAIN), *c;
  cleanup_free char *text = NULL, *dir = NULL, *base = NULL, *cg = NULL;
  unsigned long new_ns = 0;
  struct proto_shm shm;
  unsigned news = 0;
  int ret;

  if (first == NULL || !first->started)
    return silo_make_error (err, 0, "ADD: the pod's first container is not running");
  if (m->id <= PROTO_ID_MAIN || find_ctr (a, m->id) || find_proc (a, m->id))
    return silo_make_error (err, 0, "ADD: id %u is in use", m->id);
  if (proto_add_decode ((const char *) m->data, m->len, &text, &dir, &news, &shm, err) < 0)
    return -1;
  new_ns |= news & PROTO_NEW_PID ? CLONE_NEWPID : 0;
  new_ns |= news & PROTO_NEW_IPC ? CLONE_NEWIPC : 0;
  new_ns |= news & PROTO_NEW_UTS ? CLONE_NEWUTS : 0;
  xasprintf (&base, AGENT_SHARE "/%s", dir);
  xasprintf (&cg, "container-%u", m->id);
  c = ctr_new (m->id, base, cg);
  c->shm = shm;
  ret = oci_config_parse (text, "config.json", &c->cfg, err);
  if (ret == 0)
    ret = spawn_main (a, c, new_ns, new_ns & CLONE_NEWPID ? -1 : first->pidns_fd, err);
  if (ret < 0)
    {
      if (a->opts->guest)
        rmdir (c->cgroup); /* made for it, empty: its process never ran */
      ctr_free (c);
      return ret;
    }
  c->next = a->ctrs;
  a->ctrs = c;
  return 0;
}

static int
do_start (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id);
  struct agent_proc *ap = c ? find_proc (a, c->id) : NULL;

  if (c == NULL || ap == NULL)
    return silo_make_error (err, 0, "START: no container %u created", m->id);
  if (c->started)
    return silo_make_error (err, 0, "START: already started");
  c->started = true;
  if (agent_proc_start (ap, m->len ? (const char *) m->data : NULL, err) < 0)
    return -1;
  agent_mark (a->opts, AGENT_MARK_EXEC);
  return 0;
}

/* UPDATE: new memory and pids limits for the container's cgroup. */
static int
do_update (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id);
  struct oci_resources *r = NULL;
  int ret;

  if (c == NULL)
    return silo_make_error (err, 0, "UPDATE: no container %u created", m->id);
  if (oci_resources_parse ((const char *) m->data, "UPDATE", &r, err) < 0)
    return -1;
  ret = a->opts->guest ? agent_guest_update (strrchr (c->cgroup, '/') + 1, r, err) : 0;
  oci_resources_free (r);
  return ret;
}

/* STATS: answered OK with the counters, or ERROR. */
static int
do_stats (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id);
  silo_error_t rerr = NULL;
  cleanup_free char *text = NULL;
  struct cg_stats s = { 0 };

  if (c == NULL)
    silo_make_error (&rerr, 0, "STATS: no container %u created", m->id);
  else if (a->opts->guest && agent_guest_stats (strrchr (c->cgroup, '/') + 1, &s, &rerr) == 0)
    text = proto_stats_encode (&s);
  else if (!a->opts->guest)
    text = proto_stats_encode (&s);
  if (text)
    return proto_send_str (a->opts->chan, PROTO_OK, m->id, text, err);
  return reply (a, m->id, -1, &rerr, err);
}

/* Every process of a container's cgroup gets sig (its forks racing this
 * may escape one round; SIGKILL of the member goes on until it is empty). */
static int
signal_cgroup (const struct agent_ctr *c, int sig, silo_error_t *err)
{
  cleanup_free char *path = NULL, *procs = NULL;
  char *line, *save = NULL;

  xasprintf (&path, "%s/cgroup.procs", c->cgroup);
  if (read_file (path, &procs, NULL, err) < 0)
    return -1;
  for (line = strtok_r (procs, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (kill ((pid_t) atoi (line), sig) < 0 && errno != ESRCH)
      return silo_make_error (err, errno, "signal process %s", line);
  return 0;
}

/* The value of a /proc/PID/status line ("NSpid:\t7\t1" -> "7\t1"). */
static char *
status_field (const char *status, const char *key)
{
  const char *p = strstr (status, key);

  if (p == NULL || (p != status && p[-1] != '\n'))
    return NULL;
  p += strlen (key);
  p += strspn (p, " \t");
  return xstrndup (p, strcspn (p, "\n"));
}

/* A pid as the container sees it: the depth-th of a /proc/PID/status
 * NS* field ("NSpid:", "NSpgid:", "NSsid:"), which runs from the guest's
 * namespace to the process's own (0 when the process is outside the
 * container's PID namespace: the agent, as a parent). */
static long
ns_field_at (const char *status, const char *key, long depth)
{
  cleanup_free char *ns = status_field (status, key);
  char *save = NULL, *tok;
  long n = 0, last = 0;

  for (tok = ns ? strtok_r (ns, " \t", &save) : NULL; tok && n < depth;
       tok = strtok_r (NULL, " \t", &save))
    last = atol (tok), n++;
  return n == depth ? last : 0;
}

static long
container_pid (pid_t pid, long depth)
{
  cleanup_free char *path = NULL, *status = NULL;
  silo_error_t none = NULL;

  xasprintf (&path, "/proc/%d/status", (int) pid);
  if (read_file (path, &status, NULL, &none) < 0)
    {
      silo_error_release (&none);
      return 0;
    }
  return ns_field_at (status, "NSpid:", depth);
}

/* The numbers of a status line ("Uid:", "Groups:"), at most max. */
static json_t *
status_numbers (const char *status, const char *key, size_t max)
{
  cleanup_free char *v = status_field (status, key);
  json_t *a = json_array ();
  char *save = NULL, *tok;

  for (tok = v ? strtok_r (v, " \t", &save) : NULL; tok && json_array_size (a) < max;
       tok = strtok_r (NULL, " \t", &save))
    json_array_append_new (a, json_integer (strtoll (tok, NULL, 10)));
  return a;
}

static json_int_t
status_number (const char *status, const char *key, int base)
{
  cleanup_free char *v = status_field (status, key);
  return v ? (json_int_t) (strtoull (v, NULL, base) & INT64_MAX) : 0;
}

/* A JSON string of bytes that may not be UTF-8 (a command line): any byte
 * past ASCII becomes '?' when they are not. */
static json_t *
text_string (const char *s, size_t len)
{
  cleanup_free char *copy = NULL;
  json_t *j = json_stringn (s, len);

  if (j)
    return j;
  copy = xstrndup (s, len);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char) copy[i] >= 0x80)
      copy[i] = '?';
  return json_stringn (copy, len);
}

/* /proc/PID/stat's fields after the command name. */
struct ps_stat
{
  char comm[64];
  char state;
  long tty, nice, threads;
  unsigned long long utime, stime, start, vsize;
  long rss;
};

static int
read_stat (pid_t pid, struct ps_stat *s)
{
  cleanup_free char *path = NULL, *text = NULL;
  silo_error_t none = NULL;
  char *open, *close;

  xasprintf (&path, "/proc/%d/stat", (int) pid);
  if (read_file (path, &text, NULL, &none) < 0)
    {
      silo_error_release (&none);
      return -1;
    }
  open = strchr (text, '(');
  close = strrchr (text, ')');
  if (open == NULL || close == NULL || close < open)
    return -1;
  snprintf (s->comm, sizeof (s->comm), "%.*s", (int) (close - open - 1), open + 1);
  if (sscanf (close + 1, " %c %*d %*d %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %ld %ld"
                         " %*d %llu %llu %ld",
              &s->state, &s->tty, &s->utime, &s->stime, &s->nice, &s->threads, &s->start,
              &s->vsize, &s->rss)
      != 9)
    return -1;
  return 0;
}

/* Its command line: the arguments (at most PS_ARGS_MAX bytes of them) and
 * one string of them for `silo ps`. */
#define PS_ARGS_MAX 4096
static json_t *
read_args (pid_t pid, char **joined)
{
  cleanup_free char *path = NULL, *cmd = NULL;
  silo_error_t none = NULL;
  json_t *args = json_array ();
  size_t len = 0, i;

  xasprintf (&path, "/proc/%d/cmdline", (int) pid);
  if (read_file (path, &cmd, &len, &none) < 0)
    silo_error_release (&none);
  if (len > PS_ARGS_MAX)
    len = PS_ARGS_MAX;
  for (i = 0; cmd && i < len; i += strlen (cmd + i) + 1)
    json_array_append_new (args, text_string (cmd + i, strnlen (cmd + i, len - i)));
  for (i = 0; cmd && i + 1 < len; i++)
    if (cmd[i] == '\0')
      cmd[i] = ' ';
  *joined = cmd && len ? xstrndup (cmd, len) : xstrdup ("");
  return args;
}

/* One process of a container, pids as the container sees them: what
 * `silo ps` shows (pid, ppid, uid, cmd) and what the host's view of the
 * container's /proc is made of (podman top; the monitor checks every
 * field, docs/sandbox.md). */
static json_t *
ps_entry (pid_t pid, long depth)
{
  cleanup_free char *path = NULL, *status = NULL, *ppid = NULL, *cmd = NULL;
  silo_error_t none = NULL;
  struct ps_stat s = { 0 };
  json_t *args, *uids;
  char state[2];

  xasprintf (&path, "/proc/%d/status", (int) pid);
  if (read_file (path, &status, NULL, &none) < 0 || read_stat (pid, &s) < 0)
    {
      silo_error_release (&none); /* gone meanwhile */
      return NULL;
    }
  ppid = status_field (status, "PPid:");
  args = read_args (pid, &cmd);
  uids = status_numbers (status, "Uid:", 4);
  state[0] = s.state, state[1] = '\0';
  return json_pack ("{s:I, s:I, s:I, s:o, s:o, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I,"
                    " s:I, s:I, s:I, s:I, s:I, s:[IIIII], s:I, s:I}",
                    "pid", (json_int_t) ns_field_at (status, "NSpid:", depth), "ppid",
                    (json_int_t) (ppid ? container_pid ((pid_t) atol (ppid), depth) : 0), "uid",
                    json_integer_value (json_array_get (uids, 0)), "cmd", text_string (cmd, strlen (cmd)),
                    "args", args,
                    "comm", s.comm, "state", state, "pgid",
                    (json_int_t) ns_field_at (status, "NSpgid:", depth), "sid",
                    (json_int_t) ns_field_at (status, "NSsid:", depth), "uids", uids, "gids",
                    status_numbers (status, "Gid:", 4), "groups",
                    status_numbers (status, "Groups:", 64), "tty", (json_int_t) s.tty, "utime",
                    (json_int_t) s.utime, "stime", (json_int_t) s.stime, "start",
                    (json_int_t) s.start, "nice", (json_int_t) s.nice, "threads",
                    (json_int_t) s.threads, "vsize", (json_int_t) s.vsize, "rss",
                    (json_int_t) s.rss, "caps", status_number (status, "CapInh:", 16),
                    status_number (status, "CapPrm:", 16), status_number (status, "CapEff:", 16),
                    status_number (status, "CapBnd:", 16), status_number (status, "CapAmb:", 16), "nnp",
                    status_number (status, "NoNewPrivs:", 10), "seccomp",
                    status_number (status, "Seccomp:", 10));
}

/* The guest's boot time (seconds since the epoch): /proc/stat's btime. */
static json_int_t
boot_time (void)
{
  cleanup_free char *text = NULL;
  silo_error_t none = NULL;
  const char *p;

  if (read_file ("/proc/stat", &text, NULL, &none) < 0)
    {
      silo_error_release (&none);
      return 0;
    }
  p = strstr (text, "\nbtime ");
  return p ? (json_int_t) strtoll (p + 7, NULL, 10) : 0;
}

/* How deep the container's PID namespace is: the length of its main
 * process's NSpid (2 when it cannot be read). */
static long
ctr_pid_depth (const struct agent_proc *main)
{
  cleanup_free char *path = NULL, *status = NULL, *ns = NULL;
  silo_error_t none = NULL;
  char *save = NULL;
  long depth = 0;

  xasprintf (&path, "/proc/%d/status", (int) (main ? main->pid : 0));
  if (main == NULL || read_file (path, &status, NULL, &none) < 0
      || (ns = status_field (status, "NSpid:")) == NULL)
    {
      silo_error_release (&none);
      return 2;
    }
  for (char *t = strtok_r (ns, " \t", &save); t; t = strtok_r (NULL, " \t", &save))
    depth++;
  return depth ? depth : 2;
}

/* PS: the processes of a container's cgroup, as `ps` in it would list
 * them (its PID namespace is that of its main process): {"btime": the
 * guest's boot time, "hz": the unit of the times, "procs": [ps_entry]}. */
static int
do_ps (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id);
  cleanup_free char *path = NULL, *procs = NULL, *text = NULL;
  silo_error_t rerr = NULL;
  json_t *list = json_array (), *answer;
  char *save = NULL, *line;
  long depth;

  if (c == NULL)
    silo_make_error (&rerr, 0, "PS: no container %u", m->id);
  else if (a->opts->guest)
    {
      depth = ctr_pid_depth (find_proc (a, c->id));
      xasprintf (&path, "%s/cgroup.procs", c->cgroup);
      if (read_file (path, &procs, NULL, &rerr) < 0)
        procs = NULL;
      for (line = procs ? strtok_r (procs, "\n", &save) : NULL; line;
           line = strtok_r (NULL, "\n", &save))
        {
          json_t *e = ps_entry ((pid_t) atol (line), depth);
          if (e)
            json_array_append_new (list, e);
        }
    }
  answer = json_pack ("{s:I, s:I, s:o}", "btime", boot_time (), "hz",
                      (json_int_t) sysconf (_SC_CLK_TCK), "procs", list);
  if (rerr == NULL)
    text = json_dumps (answer, JSON_COMPACT);
  json_decref (answer);
  if (text && strlen (text) > PROTO_MAX_PAYLOAD)
    silo_make_error (&rerr, E2BIG, "PS: the list of processes is over %d bytes",
                     PROTO_MAX_PAYLOAD);
  if (text && rerr == NULL)
    return proto_send_str (a->opts->chan, PROTO_OK, m->id, text, err);
  return reply (a, m->id, -1, &rerr, err);
}

/* FREEZE: a member's cgroup frozen or thawed (the pod's own container is
 * paused with the whole VM, by the host). */
static int
do_freeze (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id);
  cleanup_free char *path = NULL;

  if (c == NULL || c->id == PROTO_ID_MAIN)
    return silo_make_error (err, 0, "FREEZE: no member %u", m->id);
  if (!a->opts->guest)
    return 0;
  xasprintf (&path, "%s/cgroup.freeze", c->cgroup);
  return write_file (path, proto_get_credit (m) ? "1" : "0", 1, err);
}

/* REMOVE: a member's processes killed, its cgroup gone. */
static int
do_remove (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_ctr *c = find_ctr (a, m->id), **pp;

  if (c == NULL || c->id == PROTO_ID_MAIN)
    return silo_make_error (err, 0, "REMOVE: no member %u", m->id);
  if (a->opts->guest)
    {
      for (int i = 0; i < 200 && rmdir (c->cgroup) < 0 && errno == EBUSY; i++)
        {
          if (signal_cgroup (c, SIGKILL, err) < 0)
            return -1;
          usleep (10000);
        }
      if (access (c->cgroup, F_OK) == 0)
        return silo_make_error (err, errno, "REMOVE: cgroup `%s`", c->cgroup);
    }
  for (pp = &a->ctrs; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  ctr_free (c);
  return 0;
}

/* EXEC (in the first container) or EXEC_IN (u32 container, then the
 * process): a process joins the container's namespaces and cgroup. */
static int
do_exec (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  const char *json = (const char *) m->data;
  struct agent_ctr *c = find_ctr (a, PROTO_ID_MAIN);
  struct oci_process *p = NULL;
  struct agent_proc *ap = NULL;
  uint32_t le;
  int ret;

  if (m->type == PROTO_EXEC_IN)
    {
      if (m->len < 4)
        return silo_make_error (err, 0, "EXEC_IN: shorter than its container id");
      memcpy (&le, m->data, 4);
      c = find_ctr (a, le32toh (le));
      json += 4;
    }
  if (m->id <= PROTO_ID_MAIN || find_proc (a, m->id) || find_ctr (a, m->id))
    return silo_make_error (err, 0, "EXEC: process id %u is in use", m->id);
  if (c == NULL || !c->started)
    return silo_make_error (err, 0, "EXEC: the container is not running");
  ret = oci_process_parse (json, "process", &p, err);
  if (ret == 0)
    ret = children_in (a, c->pidns_fd, err);
  if (ret < 0)
    {
      oci_process_free (p);
      return ret;
    }
  ret = agent_proc_spawn (p, c->cfg,
                          a->opts->guest
                              ? &(struct agent_ns){ c->cfg, c->mnt_fd, 0, c->base, c->cgroup, NULL }
                              : NULL,
                          m->id, &ap, err);
  oci_process_free (p);
  if (ret < 0)
    return ret;
  ret = agent_proc_start (ap, NULL, err);
  if (ret < 0)
    {
      /* Its ERROR reply stands for it: reap it quietly, no EXIT. */
      waitpid (ap->pid, NULL, 0);
      agent_proc_free (ap);
      return ret;
    }
  ap->next = a->procs;
  a->procs = ap;
  return 0;
}

/* Write what the queue holds without blocking; close stdin when asked. */
static void
flush_stdin (struct agent_proc *ap)
{
  ssize_t n;

  while (ap->in_fd >= 0 && ap->inq_len > 0)
    {
      n = write (ap->in_fd, ap->inq, ap->inq_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n < 0)
        {
          ap->inq_len = 0; /* reader gone: drop */
          break;
        }
      memmove (ap->inq, ap->inq + n, ap->inq_len - n);
      ap->inq_len -= n;
    }
  if (ap->close_in && ap->inq_len == 0 && !ap->terminal)
    close_and_reset (&ap->in_fd);
}

static void
queue_stdin (struct agent_proc *ap, const struct proto_msg *m)
{
  if (ap->in_fd < 0 || ap->close_in)
    return;
  ap->inq = xrealloc (ap->inq, ap->inq_len + m->len);
  memcpy (ap->inq + ap->inq_len, m->data, m->len);
  ap->inq_len += m->len;
  flush_stdin (ap);
}

static int
do_signal (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_proc *ap = find_proc (a, m->id);
  struct proto_signal s;

  proto_get_signal (m, &s);
  if (s.all && a->opts->guest)
    {
      struct agent_ctr *c = find_ctr (a, m->id);
      if (c == NULL)
        return silo_make_error (err, ESRCH, "signal container %u", m->id);
      return signal_cgroup (c, (int) s.signo, err);
    }
  if (ap == NULL || ap->pid <= 0)
    return silo_make_error (err, ESRCH, "signal process %u", m->id);
  /* Each process leads its own session: all = its process group. */
  if (kill (s.all ? -ap->pid : ap->pid, (int) s.signo) < 0)
    return silo_make_error (err, errno, "signal process %u", m->id);
  return 0;
}

static int
do_resize (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  struct agent_proc *ap = find_proc (a, m->id);
  struct proto_resize r;
  struct winsize ws = { 0 };

  if (ap == NULL || !ap->terminal)
    return silo_make_error (err, 0, "RESIZE: process %u has no terminal", m->id);
  proto_get_resize (m, &r);
  ws.ws_row = r.rows;
  ws.ws_col = r.cols;
  if (ioctl (ap->in_fd, TIOCSWINSZ, &ws) < 0)
    return silo_make_error (err, errno, "RESIZE: process %u", m->id);
  return 0;
}

/* Requests get OK or ERROR; stream frames get nothing back unless wrong. */
static int
handle (struct agent *a, const struct proto_msg *m, silo_error_t *err)
{
  silo_error_t rerr = NULL;
  struct agent_proc *ap;
  int ret;

  switch (m->type)
    {
    case PROTO_CREATE:
      ret = do_create (a, m, &rerr);
      return reply (a, PROTO_ID_AGENT, ret, &rerr, err);
    case PROTO_START:
      ret = do_start (a, m, &rerr);
      return reply (a, m->id == PROTO_ID_AGENT ? PROTO_ID_MAIN : m->id, ret, &rerr, err);
    case PROTO_EXEC:
    case PROTO_EXEC_IN:
      ret = do_exec (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_ADD:
      ret = do_add (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_REMOVE:
      ret = do_remove (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_FREEZE:
      ret = do_freeze (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_SIGNAL:
      ret = do_signal (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_UPDATE:
      ret = do_update (a, m, &rerr);
      return reply (a, m->id, ret, &rerr, err);
    case PROTO_STATS:
      return do_stats (a, m, err);
    case PROTO_PS:
      return do_ps (a, m, err);
    case PROTO_RESIZE:
      /* A stream frame, like STDIN: no answer, even when it comes too late
       * for its process (gone, its terminal closed). An ERROR here would be
       * taken as the answer to the next pending request. */
      if (do_resize (a, m, &rerr) < 0)
        silo_error_release (&rerr);
      return 0;
    case PROTO_STDIN:
    case PROTO_STDIN_CLOSE:
      ap = find_proc (a, m->id);
      if (ap == NULL)
        return 0; /* the process is gone: drop its input */
      if (m->type == PROTO_STDIN)
        queue_stdin (ap, m);
      else
        {
          ap->close_in = true;
          flush_stdin (ap);
        }
      return 0;
    default:
      return silo_make_error (err, 0, "agent: unexpected %s", proto_type_name (m->type));
    }
}

/* Relay what one output fd has; returns 1 at EOF. */
static int
relay_out (struct agent *a, struct agent_proc *ap, int *fd, uint32_t type, silo_error_t *err)
{
  char buf[16384];
  ssize_t n;

  for (;;)
    {
      n = read (*fd, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0) /* EOF, or EIO on a pty whose slave closed */
        {
          close_and_reset (fd);
          return 1;
        }
      if (proto_send (a->opts->chan, type, ap->id, buf, n, err) < 0)
        return -1;
    }
}

static int
proc_exited (struct agent *a, struct agent_proc *ap, int status, silo_error_t *err)
{
  uint32_t code = 0, sig = 0, id = ap->id;

  if (ap->out_fd >= 0 && relay_out (a, ap, &ap->out_fd, PROTO_STDOUT, err) < 0)
    return -1;
  if (ap->err_fd >= 0 && relay_out (a, ap, &ap->err_fd, PROTO_STDERR, err) < 0)
    return -1;
  if (WIFSIGNALED (status))
    sig = WTERMSIG (status);
  else
    code = WEXITSTATUS (status);
  if (id == PROTO_ID_MAIN)
    a->main_status = sig ? 128 + (int) sig : (int) code;
  unlink_proc (a, ap);
  agent_proc_free (ap);
  return proto_send_exit (a->opts->chan, id, code, sig, err);
}

static int
reap (struct agent *a, silo_error_t *err)
{
  struct signalfd_siginfo si;
  struct agent_proc *ap;
  int status;
  pid_t pid;

  while (read (a->sigfd, &si, sizeof (si)) > 0)
    ;
  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    {
      for (ap = a->procs; ap; ap = ap->next)
        if (ap->pid == pid)
          break;
      if (ap && proc_exited (a, ap, status, err) < 0)
        return -1;
    }
  return 0;
}

/* pollfd slots: 0 channel, 1 signalfd, then per process out, err, in. */
static size_t
fill_pollfds (struct agent *a, struct pollfd *pfd, struct agent_proc **owner, size_t max)
{
  struct agent_proc *ap;
  size_t n = 2;

  pfd[0] = (struct pollfd){ .fd = a->opts->chan, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = a->sigfd, .events = POLLIN };
  for (ap = a->procs; ap && n + 3 <= max; ap = ap->next)
    {
      if (ap->start_fd >= 0)
        continue; /* not started: nothing to relay yet */
      if (ap->out_fd >= 0)
        owner[n] = ap, pfd[n++] = (struct pollfd){ .fd = ap->out_fd, .events = POLLIN };
      if (ap->err_fd >= 0)
        owner[n] = ap, pfd[n++] = (struct pollfd){ .fd = ap->err_fd, .events = POLLIN };
      if (ap->in_fd >= 0 && ap->inq_len > 0)
        owner[n] = ap, pfd[n++] = (struct pollfd){ .fd = ap->in_fd, .events = POLLOUT };
    }
  return n;
}

static int
return_credit (struct agent *a, silo_error_t *err)
{
  uint32_t n = a->unacked;

  a->unacked = 0;
  return proto_send_credit (a->opts->chan, n, err);
}

static int
read_channel (struct agent *a, silo_error_t *err)
{
  struct proto_msg m = { 0 };
  size_t before = a->rd.have;
  int ret;

  if (proto_reader_fill (&a->rd) < 0 && errno != EAGAIN)
    return silo_make_error (err, errno, "agent: read channel");
  /* The bytes are out of the tty's buffer now: the host may send more
   * while this round handles them (a CREATE can take a while). */
  a->unacked += (uint32_t) (a->rd.have - before);
  if (a->unacked >= PROTO_CREDIT_BATCH && return_credit (a, err) < 0)
    return -1;
  while ((ret = proto_reader_next (&a->rd, &m, err)) > 0)
    {
      ret = handle (a, &m, err);
      proto_msg_release (&m);
      if (ret < 0)
        return ret;
    }
  if (ret < 0)
    return ret;
  if (a->rd.eof)
    return silo_make_error (err, 0, "agent: the host closed the channel");
  return 0;
}

static int
poll_once (struct agent *a, silo_error_t *err)
{
  struct pollfd pfd[128];
  struct agent_proc *owner[128] = { 0 };
  size_t n, i;
  int ret;

  n = fill_pollfds (a, pfd, owner, ARRAY_SIZE (pfd));
  /* With credit owed, look without waiting: when nothing is ready the host
   * may be waiting for it, so hand it back before blocking. */
  ret = TEMP_FAILURE_RETRY (poll (pfd, n, a->unacked ? 0 : -1));
  if (ret < 0)
    return silo_make_error (err, errno, "agent: poll");
  if (ret == 0)
    return return_credit (a, err);
  for (i = 2; i < n; i++)
    {
      struct agent_proc *ap = owner[i];
      if (!pfd[i].revents)
        continue;
      if (pfd[i].fd == ap->out_fd)
        ret = relay_out (a, ap, &ap->out_fd, PROTO_STDOUT, err);
      else if (pfd[i].fd == ap->err_fd)
        ret = relay_out (a, ap, &ap->err_fd, PROTO_STDERR, err);
      else
        flush_stdin (ap), ret = 0;
      if (ret < 0)
        return ret;
    }
  if (pfd[1].revents && reap (a, err) < 0)
    return -1;
  if (pfd[0].revents)
    return read_channel (a, err);
  return 0;
}

static int
setup_signals (struct agent *a, silo_error_t *err)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return silo_make_error (err, errno, "sigprocmask");
  signal (SIGPIPE, SIG_IGN);
  a->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (a->sigfd < 0)
    return silo_make_error (err, errno, "signalfd");
  return 0;
}

int
agent_run (const struct agent_opts *opts, silo_error_t *err)
{
  struct agent a = { .opts = opts, .sigfd = -1, .main_status = -1, .root_pidns = -1 };
  uint8_t ver[4] = { PROTO_VERSION, 0, 0, 0 };
  int ret;

  proto_reader_init (&a.rd, opts->chan, PROTO_FROM_HOST);
  ret = setup_signals (&a, err);
  if (ret == 0 && opts->guest && (a.root_pidns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
    ret = silo_make_error (err, errno, "open the agent's PID namespace");
  if (ret == 0)
    ret = proto_send (opts->chan, PROTO_READY, PROTO_ID_AGENT, ver, sizeof (ver), err);
  if (ret == 0)
    agent_mark (opts, AGENT_MARK_READY);
  while (ret == 0 && a.main_status < 0)
    ret = poll_once (&a, err);
  while (a.procs)
    {
      struct agent_proc *ap = a.procs;
      a.procs = ap->next;
      agent_proc_free (ap);
    }
  proto_reader_release (&a.rd);
  close_and_reset (&a.sigfd);
  close_and_reset (&a.root_pidns);
  while (a.ctrs)
    {
      struct agent_ctr *c = a.ctrs;
      a.ctrs = c->next;
      ctr_free (c);
    }
  return ret < 0 ? ret : a.main_status;
}
