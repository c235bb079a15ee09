/* silo's entry point: global options, the verb table, and the sealed copy
 * of the binary that every process entering a container runs from. */
#include "cli.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>


extern char **environ;

#define CREATE_OPTS                                                                       \
  "[-b|--bundle DIR] [--console-socket PATH] [--pid-file FILE] [--preserve-fds N]\n"   \
  "    [--no-pivot] [--no-new-keyring]"
static const struct cli_verb verbs[] = {
  { "create", cli_create, "create a container, stopped before the user process",
    "create " CREATE_OPTS " ID" },
  { "start", cli_start, "run the user process of a created container", "start ID" },
  { "run", cli_run, "create and start a container", "run " CREATE_OPTS " [-d|--detach] [--keep] ID" },
  { "state", cli_state, "print the OCI state of a container", "state ID" },
  { "kill", cli_kill, "send a signal to a container's process", "kill [-a|--all] ID [SIGNAL]" },
  { "delete", cli_delete, "delete a container and what it holds", "delete [-f|--force] ID" },
  { "list", cli_list, "list containers", "list [-q|--quiet] [-f|--format table|json]" },
  { "exec", cli_exec, "run a new process in a running container",
    "exec [-p|--process FILE] [-t|--tty] [-d|--detach] [-e|--env K=V] [-u|--user UID[:GID]]\n"
    "    [--cwd DIR] [--cap CAP] [--pid-file FILE] [--console-socket PATH]\n"
    "    [--preserve-fds N] [--no-new-privs] [--apparmor PROFILE] [--process-label LABEL]\n"
    "    [--cgroup SPEC] ID [COMMAND [ARG...]]" },
  { "ps", cli_ps, "list the processes of a container", "ps [-f|--format table|json] ID [-- PS-ARGS]" },
  { "pause", cli_pause, "freeze every process of a container", "pause ID" },
  { "resume", cli_resume, "thaw a paused container", "resume ID" },
  { "update", cli_update, "change the resources of a running container",
    "update [-r|--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N]\n"
    "    [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus LIST]\n"
    "    [--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID" },
  { "events", cli_events, "print resource statistics and OOM events",
    "events [--stats] [--interval SECONDS] ID" },
  { "spec", cli_spec, "write a default config.json", "spec [--rootless] [-b|--bundle DIR]" },
  { "features", cli_features, "print the features this runtime supports", "features" },
};

/* `--help` or `-h` among a verb's options (before its first operand, or
 * "--"; for exec the operands after the ID are the command's own). */
static bool
asks_for_help (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0 || argv[i][0] != '-')
        return false;
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        return true;
    }
  return false;
}

static int
verb_help (const struct cli_verb *v)
{
  printf ("usage: silo [global options] %s\n\n%s\n", v->synopsis, v->summary);
  return 0;
}

int
cli_fail (silo_error_t *err)
{
  /* One line whatever a config value holds: control bytes (a newline in a
   * capability name, a path) print as '?'. */
  if (err && *err && (*err)->msg)
    for (char *p = (*err)->msg; *p; p++)
      if ((unsigned char) *p < 0x20 || *p == 0x7f)
        *p = '?';
  pr_err ("%s", (err && *err) ? (*err)->msg : "unknown error");
  /* With --log the record goes to the file; runc prints it on stderr too,
   * and containerd's shim reads a failed kill's reason from there only. */
  if (log_get_fd () != 2)
    fprintf (stderr, "silo: %s\n", (err && *err) ? (*err)->msg : "unknown error");
  silo_error_release (err);
  return 1;
}

int
cli_need_args (int argc, int optind_, int min, int max, const char *usage)
{
  int n = argc - optind_;
  if (n < min || (max >= 0 && n > max))
    {
      pr_err ("usage: silo %s", usage);
      return -1;
    }
  return 0;
}

int
cli_only_id (int argc, char **argv, const char *usage)
{
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  if (getopt_long (argc, argv, "", none, NULL) != -1)
    return -1;
  return cli_need_args (argc, optind, 1, 1, usage);
}

char **
cli_strv_append (char **v, const char *s)
{
  size_t n = strv_len (v);
  v = xrealloc (v, (n + 2) * sizeof (char *));
  v[n] = xstrdup (s);
  v[n + 1] = NULL;
  return v;
}

/* CVE-2019-5736: a process in the container could reach the runtime's
 * binary through /proc/PID/exe and overwrite it. Verbs that enter a
 * container run from a sealed in-memory copy instead. */
static int
reexec_from_sealed_copy (char **argv)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int mfd = -1;
  struct stat st;
  off_t off = 0;

  if (exe < 0)
    return -1;
  if (fcntl (exe, F_GET_SEALS) > 0)
    return 0; /* already the sealed copy */
  if (fstat (exe, &st) < 0)
    return -1;
  {
    char self[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
    if (n > 0)
      {
        self[n] = '\0';
        silo_record_binary (self);
      }
  }
  mfd = memfd_create ("silo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return -1;
  while (off < st.st_size)
    if (sendfile (mfd, exe, &off, (size_t) (st.st_size - off)) <= 0)
      return -1;
  if (fcntl (mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return -1;
  fexecve (mfd, argv, environ);
  return -1;
}

/* With stdin, stdout or stderr closed, the next socket or file silo opens
 * would take its number and be handed to the container as stdio. */
static int
ensure_stdio_open (void)
{
  for (int fd = 0; fd < 3; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int null = open ("/dev/null", O_RDWR);
        if (null < 0)
          return -1;
        if (null != fd)
          {
            dup2 (null, fd);
            close (null);
          }
      }
  return 0;
}

static bool
enters_container (const char *verb)
{
  return strcmp (verb, "create") == 0 || strcmp (verb, "run") == 0 || strcmp (verb, "exec") == 0;
}

static void
usage (FILE *out)
{
  fprintf (out, "usage: silo [global options] COMMAND [options] [ID] ...\n\n"
                "silo runs OCI bundles as containers (namespaces and cgroups) or,\n"
                "in sandbox mode, inside a micro-VM with its own kernel.\n\ncommands:\n");
  for (size_t i = 0; i < ARRAY_SIZE (verbs); i++)
    fprintf (out, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
  fprintf (out, "\nglobal options:\n"
                "  --root DIR              state directory (default /run/silo; as a user\n"
                "                          $XDG_RUNTIME_DIR/silo)\n"
                "  --rootless true|false|auto  no host root: user-mapped ids, no cgroup\n"
                "                          unless one is delegated (auto: detected)\n"
                "  --criu PATH             refused: no checkpoint/restore yet\n"
                "  --log FILE              log to FILE instead of stderr\n"
                "  --log-format text|json  log record format\n"
                "  --debug                 debug logging, with timings\n"
                "  --systemd-cgroup        cgroupsPath is slice:prefix:name (needs systemd)\n"
                "  --sandbox vm|container  run containers in a micro-VM or over the host kernel\n"
                "  --version, --help\n\n"
                "Invoked as silo-vm, silo runs every container in sandbox mode.\n");
}

static void
print_version (const struct silo_global *g)
{
  printf ("silo version %s\nspec: 1.0.2\n", SILO_VERSION);
  printf ("mode: %s\n", g->mode == SILO_MODE_VM ? "vm (sandbox)" : "container");
  printf ("sandbox backends: %s\n", silo_sandbox_backends ());
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_SANDBOX,
  OPT_VERSION,
  OPT_HELP,
  OPT_CRIU,
  OPT_ROOTLESS,
};

static const struct option global_opts[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
  { "sandbox", required_argument, NULL, OPT_SANDBOX },
  { "version", no_argument, NULL, OPT_VERSION },
  { "help", no_argument, NULL, OPT_HELP },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { NULL, 0, NULL, 0 },
};

struct global_parse
{
  const char *log_path;
  int rootless; /* -1: auto */
  bool json;
  bool version;
};

static int
parse_global_opt (int c, struct silo_global *g, struct global_parse *gp)
{
  switch (c)
    {
    case OPT_ROOT:
      g->root = optarg;
      return 0;
    case OPT_LOG:
      gp->log_path = optarg;
      return 0;
    case OPT_LOG_FORMAT:
      if (strcmp (optarg, "json") != 0 && strcmp (optarg, "text") != 0)
        return -1;
      gp->json = strcmp (optarg, "json") == 0;
      return 0;
    case OPT_DEBUG:
      g->debug = true;
      return 0;
    case OPT_SYSTEMD:
      g->systemd_cgroup = true;
      return 0;
    case OPT_SANDBOX:
      if (strcmp (optarg, "vm") == 0)
        g->mode = SILO_MODE_VM;
      else if (strcmp (optarg, "container") == 0)
        g->mode = SILO_MODE_CONTAINER;
      else
        return -1;
      return 0;
    case OPT_VERSION:
      gp->version = true;
      return 0;
    case OPT_CRIU:
      /* Only checkpoint and restore use it, and silo has neither yet. */
      pr_err ("--criu `%s`: silo does not checkpoint or restore containers yet", optarg);
      return -2; /* said */
    case OPT_ROOTLESS:
      /* As runc: auto (the default) detects it. */
      if (strcmp (optarg, "auto") == 0)
        gp->rootless = -1;
      else if (strcmp (optarg, "true") == 0 || strcmp (optarg, "false") == 0)
        gp->rootless = optarg[0] == 't';
      else
        {
          pr_err ("--rootless `%s`: true, false or auto", optarg);
          return -2;
        }
      return 0;
    default:
      return -1;
    }
}

int
main (int argc, char **argv)
{
  struct silo_global g = { .root = NULL };
  struct global_parse gp = { .rootless = -1 };
  const char *self = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
  int c;

  if (ensure_stdio_open () < 0)
    return 1;
  if (strcmp (self, "silo-vm") == 0)
    g.mode = SILO_MODE_VM;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+hv", global_opts, NULL)) != -1)
    {
      if (c == 'h' || c == OPT_HELP)
        {
          usage (stdout);
          return 0;
        }
      if (c == 'v')
        c = OPT_VERSION;
      int r = parse_global_opt (c, &g, &gp);
      if (r == -1)
        fprintf (stderr, "silo: invalid global option `%s`\n", argv[optind - 1]);
      if (r < 0)
        return 1;
    }
  if (g.root == NULL)
    g.root = silo_default_root ();
  g.rootless = gp.rootless < 0 ? silo_running_rootless () : gp.rootless;
  if (log_init (gp.log_path, gp.json, g.debug) < 0)
    {
      fprintf (stderr, "silo: --log `%s`: %s\n", gp.log_path, strerror (errno));
      return 1;
    }
  if (gp.version)
    {
      print_version (&g);
      return 0;
    }
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  for (size_t i = 0; i < ARRAY_SIZE (verbs); i++)
    if (strcmp (argv[optind], verbs[i].name) == 0)
      {
        if (asks_for_help (argc - optind, argv + optind))
          return verb_help (&verbs[i]);
        if (enters_container (verbs[i].name) && reexec_from_sealed_copy (argv) < 0)
          {
            pr_err ("re-exec from a sealed copy of the binary: %s", strerror (errno));
            return 1;
          }
        argv += optind;
        argc -= optind;
        optind = 0;
        opterr = 1;
        return verbs[i].handler (&g, argc, argv);
      }
  pr_err ("unknown command `%s` (see silo --help)", argv[optind]);
  return 3; /* as runc's */
}
