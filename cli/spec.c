/* silo spec [--rootless] [-b DIR] */
#include "cli.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

int
cli_spec (const struct silo_global *g, int argc, char **argv)
{
  static const struct option opts[] = { { "rootless", no_argument, NULL, 'r' },
                                        { "bundle", required_argument, NULL, 'b' },
                                        { NULL, 0, NULL, 0 } };
  const char *bundle = ".";
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  cleanup_close int fd = -1;
  silo_error_t err = NULL;
  bool rootless = false;
  int c;

  (void) g;
  while ((c = getopt_long (argc, argv, "b:", opts, NULL)) != -1)
    {
      if (c == 'r')
        rootless = true;
      else if (c == 'b')
        bundle = optarg;
      else
        return 1;
    }
  if (cli_need_args (argc, optind, 0, 0, "spec [--rootless] [-b DIR]") < 0)
    return 1;
  xasprintf (&path, "%s/config.json", bundle);
  text = oci_default_spec (rootless);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return silo_make_error (&err, 0, "spec: `%s` exists: remove it first", path), cli_fail (&err);
  if (fd < 0)
    return silo_make_error (&err, errno, "spec: create `%s`", path), cli_fail (&err);
  if (write_all (fd, text, strlen (text)) < 0 || write_all (fd, "\n", 1) < 0)
    return silo_make_error (&err, errno, "spec: write `%s`", path), cli_fail (&err);
  return 0;
}
