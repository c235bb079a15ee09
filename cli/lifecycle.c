/* silo start / state / kill / delete: one container id each. */
#include "cli.h"
#include "../util/utils.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

int
cli_start (const struct silo_global *g, int argc, char **argv)
{
  silo_error_t err = NULL;

  if (cli_only_id (argc, argv, "start ID") < 0)
    return 1;
  if (silo_container_start (g, argv[optind], &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cli_state (const struct silo_global *g, int argc, char **argv)
{
  silo_error_t err = NULL;
  char *json = NULL;

  if (cli_only_id (argc, argv, "state ID") < 0)
    return 1;
  if (silo_container_state (g, argv[optind], &json, &err) < 0)
    return cli_fail (&err);
  printf ("%s\n", json);
  free (json);
  return 0;
}

int
cli_kill (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  silo_error_t err = NULL;
  bool all = false;
  int sig = SIGTERM, c;

  while ((c = getopt_long (argc, argv, "a", opts, NULL)) != -1)
    {
      if (c != 'a')
        return 1;
      all = true;
    }
  if (cli_need_args (argc, optind, 1, 2, "kill [--all] ID [SIGNAL]") < 0)
    return 1;
  if (optind + 1 < argc && silo_parse_signal (argv[optind + 1], &sig, &err) < 0)
    return cli_fail (&err);
  if (silo_container_kill (g, argv[optind], sig, all, &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cli_delete (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  silo_error_t err = NULL;
  bool force = false;
  int c;

  while ((c = getopt_long (argc, argv, "f", opts, NULL)) != -1)
    {
      if (c != 'f')
        return 1;
      force = true;
    }
  if (cli_need_args (argc, optind, 1, 1, "delete [--force] ID") < 0)
    return 1;
  if (silo_container_delete (g, argv[optind], force, &err) < 0)
    return cli_fail (&err);
  return 0;
}
