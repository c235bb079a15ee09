/* silo list [-q] [--format table|json] */
#include "cli.h"
#include "../util/utils.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void
print_json (const struct silo_list_entry *l, size_t n)
{
  json_t *arr = json_array ();
  char *text;

  for (size_t i = 0; i < n; i++)
    json_array_append_new (arr, json_pack ("{s:s, s:i, s:s, s:s, s:s, s:s}", "id", l[i].id, "pid",
                                           l[i].status == SILO_STOPPED ? 0 : l[i].pid, "status",
                                           silo_status_name (l[i].status), "bundle",
                                           l[i].bundle ? l[i].bundle : "", "created",
                                           l[i].created ? l[i].created : "", "owner",
                                           l[i].owner ? l[i].owner : ""));
  text = json_dumps (arr, JSON_COMPACT);
  printf ("%s\n", text);
  free (text);
  json_decref (arr);
}

int
cli_list (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                        { "format", required_argument, NULL, 'f' },
                                        { NULL, 0, NULL, 0 } };
  struct silo_list_entry *l = NULL;
  silo_error_t err = NULL;
  bool quiet = false, json = false;
  size_t n;
  int c;

  while ((c = getopt_long (argc, argv, "qf:", opts, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
        json = strcmp (optarg, "json") == 0;
      else if (c == 'f')
        return silo_make_error (&err, 0, "list: --format must be table or json"), cli_fail (&err);
      else
        return 1; /* getopt said what was wrong */
    }
  if (silo_container_list (g, &l, &n, &err) < 0)
    return cli_fail (&err);
  if (json)
    print_json (l, n);
  else if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", l[i].id);
  else
    {
      printf ("%-20s %-8s %-8s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
              "OWNER");
      for (size_t i = 0; i < n; i++)
        printf ("%-20s %-8d %-8s %-40s %-30s %s\n", l[i].id,
                l[i].status == SILO_STOPPED ? 0 : l[i].pid, silo_status_name (l[i].status),
                l[i].bundle ? l[i].bundle : "", l[i].created ? l[i].created : "",
                l[i].owner);
    }
  silo_list_free (l, n);
  return 0;
}
