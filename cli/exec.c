/* silo exec [options] ID [COMMAND ARGS...] */
#include "cli.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

enum
{
  OPT_PROCESS = 'p',
  OPT_TTY = 't',
  OPT_DETACH = 'd',
  OPT_ENV = 'e',
  OPT_USER = 'u',
  OPT_CWD = 256,
  OPT_CAP,
  OPT_PIDFILE,
  OPT_CONSOLE,
  OPT_PRESERVE,
  OPT_NNP,
  OPT_APPARMOR,
  OPT_LABEL,
  OPT_CGROUP,
};

static const struct option exec_opts[] = {
  { "process", required_argument, NULL, OPT_PROCESS },
  { "tty", no_argument, NULL, OPT_TTY },
  { "detach", no_argument, NULL, OPT_DETACH },
  { "env", required_argument, NULL, OPT_ENV },
  { "user", required_argument, NULL, OPT_USER },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "cap", required_argument, NULL, OPT_CAP },
  { "pid-file", required_argument, NULL, OPT_PIDFILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "no-new-privs", no_argument, NULL, OPT_NNP },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "process-label", required_argument, NULL, OPT_LABEL },
  { "cgroup", required_argument, NULL, OPT_CGROUP },
  { NULL, 0, NULL, 0 },
};

static int
parse_exec_opt (int c, struct silo_exec_opts *o)
{
  long n;

  switch (c)
    {
    case OPT_PROCESS:
      o->process_file = optarg;
      return 0;
    case OPT_TTY:
      o->tty = true;
      return 0;
    case OPT_DETACH:
      o->detach = true;
      return 0;
    case OPT_ENV:
      o->env = cli_strv_append (o->env, optarg);
      return 0;
    case OPT_USER:
      o->user = optarg;
      return 0;
    case OPT_CWD:
      o->cwd = optarg;
      return 0;
    case OPT_CAP:
      o->caps = cli_strv_append (o->caps, optarg);
      return 0;
    case OPT_PIDFILE:
      o->pid_file = optarg;
      return 0;
    case OPT_CONSOLE:
      o->console_socket = optarg;
      return 0;
    case OPT_PRESERVE:
      if (parse_long (optarg, &n) < 0 || n < 0 || n > 65536)
        {
          pr_err ("exec --preserve-fds `%s`: want a number from 0 to 65536", optarg);
          return -1;
        }
      o->preserve_fds = (int) n;
      return 0;
    case OPT_NNP:
      o->no_new_privs = true;
      return 0;
    case OPT_APPARMOR:
      o->apparmor = optarg;
      return 0;
    case OPT_LABEL:
      o->process_label = optarg;
      return 0;
    case OPT_CGROUP:
      o->cgroups = cli_strv_append (o->cgroups, optarg);
      return 0;
    default:
      return -1;
    }
}

int
cli_exec (const struct silo_global *g, int argc, char **argv)
{
  struct silo_exec_opts o = { 0 };
  silo_error_t err = NULL;
  int c, status = 0, ret;

  /* "+": options end at the id; what follows belongs to the command. */
  while ((c = getopt_long (argc, argv, "+p:tde:u:", exec_opts, NULL)) != -1)
    if (parse_exec_opt (c, &o) < 0)
      return 1;
  if (cli_need_args (argc, optind, 1, -1, "exec [options] ID [COMMAND [ARG...]]") < 0)
    return 1;
  o.args = argc - optind > 1 ? &argv[optind + 1] : NULL;
  ret = silo_container_exec (g, argv[optind], &o, &status, &err);
  strv_free (o.env);
  strv_free (o.caps);
  strv_free (o.cgroups);
  if (ret < 0)
    return cli_fail (&err);
  return status;
}
