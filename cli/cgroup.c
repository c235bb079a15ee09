/* Verbs that act through the container's cgroup: pause, resume, update, ps. */
#include "cli.h"
#include "../util/utils.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_pause (const struct silo_global *g, int argc, char **argv)
{
  silo_error_t err = NULL;
  if (cli_only_id (argc, argv, "pause ID") < 0)
    return 1;
  return silo_container_pause (g, argv[optind], true, &err) < 0 ? cli_fail (&err) : 0;
}

int
cli_resume (const struct silo_global *g, int argc, char **argv)
{
  silo_error_t err = NULL;
  if (cli_only_id (argc, argv, "resume ID") < 0)
    return 1;
  return silo_container_pause (g, argv[optind], false, &err) < 0 ? cli_fail (&err) : 0;
}

/* ps: the container's pids as JSON, or `ps -ef` rows of those pids. */
static void
print_ps_table (const pid_t *pids, size_t n)
{
  FILE *ps = popen ("ps -ef", "r");
  char line[4096];
  bool header = true;

  if (ps == NULL)
    return;
  while (fgets (line, sizeof (line), ps))
    {
      long pid = 0;
      if (header)
        {
          fputs (line, stdout);
          header = false;
          continue;
        }
      if (sscanf (line, "%*s %ld", &pid) != 1)
        continue;
      for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
          fputs (line, stdout);
    }
  pclose (ps);
}

int
cli_ps (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  silo_error_t err = NULL;
  pid_t *pids = NULL;
  bool json = false;
  size_t n;
  int c;

  while ((c = getopt_long (argc, argv, "f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return 1;
      json = strcmp (optarg, "json") == 0;
    }
  if (cli_need_args (argc, optind, 1, -1, "ps [--format table|json] ID") < 0)
    return 1;
  if (silo_container_ps (g, argv[optind], &pids, &n, &err) < 0)
    return cli_fail (&err);
  if (json)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", pids[i]);
      printf ("]\n");
    }
  else
    print_ps_table (pids, n);
  free (pids);
  return 0;
}
