/* Verbs that act through the container's cgroup: pause, resume, update, ps. */
#include "cli.h"
#include "../util/utils.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Field `col` (0-based, blank-separated) of line as a number, or -1. */
static long
field_number (const char *line, int col)
{
  const char *p = line;

  for (int i = 0;; i++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '\n')
        return -1;
      if (i == col)
        return isdigit ((unsigned char) *p) ? strtol (p, NULL, 10) : -1;
      while (*p && *p != ' ' && *p != '\t')
        p++;
    }
}

/* The column headed PID in ps's header line, or -1. */
static int
pid_column (const char *header)
{
  cleanup_free char *copy = xstrdup (header);
  char *save = NULL, *tok;
  int col = 0;

  for (tok = strtok_r (copy, " \t\n", &save); tok; tok = strtok_r (NULL, " \t\n", &save), col++)
    if (strcmp (tok, "PID") == 0)
      return col;
  return -1;
}

/* `ps ARGS` (default -ef, as runc), its header and the rows of the
 * container's pids, found under the header's PID column. */
static int
print_ps_table (const pid_t *pids, size_t n, char **args, silo_error_t *err)
{
  cleanup_strv char **argv = NULL;
  char line[4096];
  int pipefd[2], status, col = -1;
  FILE *ps;
  pid_t child;

  argv = cli_strv_append (argv, "ps");
  if (args == NULL || args[0] == NULL)
    argv = cli_strv_append (argv, "-ef");
  for (size_t i = 0; args && args[i]; i++)
    argv = cli_strv_append (argv, args[i]);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    return silo_make_error (err, errno, "fork");
  if (child == 0)
    {
      dup2 (pipefd[1], 1);
      execvp ("ps", argv);
      _exit (127);
    }
  close (pipefd[1]);
  ps = fdopen (pipefd[0], "r");
  while (ps && fgets (line, sizeof (line), ps))
    {
      long pid;
      if (col < 0)
        {
          if ((col = pid_column (line)) < 0)
            break;
          fputs (line, stdout);
          continue;
        }
      pid = field_number (line, col);
      for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
          fputs (line, stdout);
    }
  if (ps)
    fclose (ps);
  else
    close (pipefd[0]);
  waitpid (child, &status, 0);
  if (col < 0)
    return silo_make_error (err, 0, "ps: no PID column in its output (ps %s)",
                            args && args[0] ? "ARGS" : "-ef");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return silo_make_error (err, 0, "ps exited with status %d", WEXITSTATUS (status));
  return 0;
}

/* A sandbox's processes, as the guest describes them. */
static void
print_guest_table (const struct silo_ps *ps)
{
  printf ("%-8s %7s %7s %s\n", "UID", "PID", "PPID", "CMD");
  for (size_t i = 0; i < ps->n; i++)
    printf ("%-8u %7d %7d %s\n", (unsigned) ps->procs[i].uid, (int) ps->procs[i].pid,
            (int) ps->procs[i].ppid, ps->procs[i].cmd);
}

int
cli_ps (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  silo_error_t err = NULL;
  struct silo_ps ps = { 0 };
  char **ps_args;
  int ret = 0;
  bool json = false;
  int c;

  while ((c = getopt_long (argc, argv, "+f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return 1;
      if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
        return silo_make_error (&err, 0, "ps: --format must be table or json"), cli_fail (&err);
      json = strcmp (optarg, "json") == 0;
    }
  if (cli_need_args (argc, optind, 1, -1, "ps [--format table|json] ID [-- PS-ARGS]") < 0)
    return 1;
  ps_args = &argv[optind + 1];
  if (*ps_args && strcmp (*ps_args, "--") == 0)
    ps_args++;
  if (json && *ps_args)
    return silo_make_error (&err, 0, "ps: ps arguments need --format table"), cli_fail (&err);
  if (silo_container_ps (g, argv[optind], &ps, &err) < 0)
    return cli_fail (&err);
  if (json)
    {
      printf ("[");
      for (size_t i = 0; i < ps.n; i++)
        printf ("%s%d", i ? "," : "", ps.pids[i]);
      printf ("]\n");
    }
  else if (ps.procs && *ps_args)
    ret = silo_make_error (&err, 0, "ps: arguments for ps(1) do not apply to a sandbox (its "
                                    "processes are the guest's; the table has UID, PID, PPID, CMD)");
  else if (ps.procs)
    print_guest_table (&ps);
  else
    ret = print_ps_table (ps.pids, ps.n, ps_args, &err);
  silo_ps_release (&ps);
  return ret < 0 ? cli_fail (&err) : 0;
}
