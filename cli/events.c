/* silo events [--stats] [--interval SECONDS] ID: JSON stats and OOM events,
 * one object a line, as runc prints them. */
#include "cli.h"
#include "../util/utils.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static json_t *
stats_json (const struct cg_stats *s)
{
  return json_pack (
      "{s:{s:{s:I, s:I, s:I}}, s:{s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:I}, s:{s:I, s:I}, "
      "s:{s:I, s:I}}",
      "cpu", "usage", "total", (json_int_t) s->cpu_usage_ns, "user", (json_int_t) s->cpu_user_ns,
      "kernel", (json_int_t) s->cpu_system_ns, "memory", "usage", "usage",
      (json_int_t) s->mem_usage, "limit", (json_int_t) s->mem_limit, "max",
      (json_int_t) s->mem_max_usage, "failcnt", (json_int_t) s->mem_failcnt, "swap", "usage",
      (json_int_t) s->swap_usage, "limit", (json_int_t) s->swap_limit, "cache",
      (json_int_t) s->mem_cache, "pids", "current", (json_int_t) s->pids_current, "limit",
      (json_int_t) s->pids_limit, "blkio", "read_bytes", (json_int_t) s->blkio_read_bytes,
      "write_bytes", (json_int_t) s->blkio_write_bytes);
}

static void
emit (const char *type, const char *id, json_t *data)
{
  json_t *o = json_pack ("{s:s, s:s, s:o}", "type", type, "id", id, "data",
                         data ? data : json_object ());
  char *text = json_dumps (o, JSON_COMPACT);
  printf ("%s\n", text);
  fflush (stdout);
  free (text);
  json_decref (o);
}

int
cli_events (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "stats", no_argument, NULL, 's' },
                                        { "interval", required_argument, NULL, 'i' },
                                        { NULL, 0, NULL, 0 } };
  silo_error_t err = NULL;
  struct cg_stats s;
  bool once = false;
  long interval = 5;
  uint64_t ooms = 0;
  int c;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    {
      if (c == 's')
        once = true;
      else if (c == 'i')
        interval = strtol (optarg, NULL, 10) > 0 ? strtol (optarg, NULL, 10) : 5;
      else
        return 1;
    }
  if (cli_need_args (argc, optind, 1, 1, "events [--stats] [--interval SECONDS] ID") < 0)
    return 1;
  if (silo_container_stats (g, argv[optind], &s, &err) < 0)
    return cli_fail (&err);
  if (once)
    {
      emit ("stats", argv[optind], stats_json (&s));
      return 0;
    }
  /* Any OOM kill already on record counts: it is why people run events. */
  for (;;)
    {
      for (; ooms < s.oom_kill_count; ooms++)
        emit ("oom", argv[optind], NULL);
      emit ("stats", argv[optind], stats_json (&s));
      sleep ((unsigned) interval);
      if (silo_container_stats (g, argv[optind], &s, &err) < 0)
        {
          silo_error_release (&err);
          return 0; /* the container is gone: events end */
        }
    }
}
