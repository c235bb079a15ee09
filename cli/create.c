/* silo create / silo run */
#include "cli.h"
#include "../util/log.h"
#include "../util/utils.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

enum
{
  OPT_BUNDLE = 'b',
  OPT_DETACH = 'd',
  OPT_CONSOLE = 256,
  OPT_PIDFILE,
  OPT_PRESERVE,
  OPT_NO_PIVOT,
  OPT_NO_KEYRING,
  OPT_NO_SUBREAPER,
  OPT_KEEP,
};

static const struct option create_opts[] = {
  { "bundle", required_argument, NULL, OPT_BUNDLE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "pid-file", required_argument, NULL, OPT_PIDFILE },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "detach", no_argument, NULL, OPT_DETACH },
  { "keep", no_argument, NULL, OPT_KEEP },
  { NULL, 0, NULL, 0 },
};

static int
parse_create (int argc, char **argv, bool allow_detach, struct silo_create_opts *o)
{
  int c;

  while ((c = getopt_long (argc, argv, allow_detach ? "b:d" : "b:", create_opts, NULL)) != -1)
    {
      long n;
      switch (c)
        {
        case OPT_BUNDLE:
          o->bundle = optarg;
          break;
        case OPT_CONSOLE:
          o->console_socket = optarg;
          break;
        case OPT_PIDFILE:
          o->pid_file = optarg;
          break;
        case OPT_PRESERVE:
          if (parse_long (optarg, &n) < 0 || n < 0 || n > 65536)
            {
              fprintf (stderr, "silo: --preserve-fds `%s`: not a count\n", optarg);
              return -1;
            }
          o->preserve_fds = (int) n;
          break;
        case OPT_NO_PIVOT:
          o->no_pivot = true;
          break;
        case OPT_NO_KEYRING:
          o->no_new_keyring = true;
          break;
        case OPT_NO_SUBREAPER:
          break; /* silo never becomes a subreaper */
        case OPT_DETACH:
        case OPT_KEEP:
          if (!allow_detach)
            {
              pr_err ("create: %s is an option of run", c == OPT_DETACH ? "--detach" : "--keep");
              return -1;
            }
          if (c == OPT_DETACH)
            o->detach = true;
          else
            o->keep = true;
          break;
        default:
          return -1;
        }
    }
  return 0;
}

int
cli_create (const struct silo_global *g, int argc, char **argv)
{
  struct silo_create_opts o = { 0 };
  silo_error_t err = NULL;

  if (parse_create (argc, argv, false, &o) < 0
      || cli_need_args (argc, optind, 1, 1, "create [-b BUNDLE] [--console-socket PATH] "
                                             "[--pid-file PATH] [--preserve-fds N] ID")
             < 0)
    return 1;
  if (silo_container_create (g, argv[optind], &o, &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cli_run (const struct silo_global *g, int argc, char **argv)
{
  struct silo_create_opts o = { 0 };
  silo_error_t err = NULL;
  int status = 0;

  if (parse_create (argc, argv, true, &o) < 0
      || cli_need_args (argc, optind, 1, 1, "run [-b BUNDLE] [-d] [--keep] [--console-socket PATH] "
                                             "[--pid-file PATH] [--preserve-fds N] ID")
             < 0)
    return 1;
  if (silo_container_run (g, argv[optind], &o, &status, &err) < 0)
    return cli_fail (&err);
  return status;
}
