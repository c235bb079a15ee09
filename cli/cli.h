/* Shared by the command files in cli/: one handler per verb. */
#ifndef SILO_CLI_H
#define SILO_CLI_H

#include "../runtime/runtime.h"

#define SILO_VERSION "0.1.0"

struct cli_verb
{
  const char *name;
  int (*handler) (const struct silo_global *g, int argc, char **argv);
  const char *summary;
  const char *synopsis; /* `silo VERB --help` prints it */
};

/* Print the error as the single line users and engines read, release it,
 * return the exit code 1. */
int cli_fail (silo_error_t *err);
/* Exactly `n` positional arguments after the options, else a usage error. */
int cli_need_args (int argc, int optind_, int min, int max, const char *usage);
/* A verb that takes no options and exactly one container id. */
int cli_only_id (int argc, char **argv, const char *usage);
/* Append s to a NULL-terminated vector. */
char **cli_strv_append (char **v, const char *s);

int cli_create (const struct silo_global *g, int argc, char **argv);
int cli_run (const struct silo_global *g, int argc, char **argv);
int cli_start (const struct silo_global *g, int argc, char **argv);
int cli_state (const struct silo_global *g, int argc, char **argv);
int cli_kill (const struct silo_global *g, int argc, char **argv);
int cli_delete (const struct silo_global *g, int argc, char **argv);
int cli_list (const struct silo_global *g, int argc, char **argv);
int cli_exec (const struct silo_global *g, int argc, char **argv);
int cli_spec (const struct silo_global *g, int argc, char **argv);
int cli_features (const struct silo_global *g, int argc, char **argv);
int cli_pause (const struct silo_global *g, int argc, char **argv);
int cli_resume (const struct silo_global *g, int argc, char **argv);
int cli_update (const struct silo_global *g, int argc, char **argv);
int cli_ps (const struct silo_global *g, int argc, char **argv);
int cli_events (const struct silo_global *g, int argc, char **argv);

#endif
