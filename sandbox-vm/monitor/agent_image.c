/* Where the agent binary comes from: the file silo-agent beside silo (the
 * build tree) or in ../lib/silo/ (an installed silo). It is not embedded in
 * silo: every container-mode run copies silo into a sealed memfd
 * (cli/main.c), and a megabyte of agent would be copied for nothing. */
#include "../../util/utils.h"
#include "../internal.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* silo's own path: the memfd re-exec hides it from /proc/self/exe, so
 * cli/main.c passes it along in SILO_BINARY_ENV. */
static char *
silo_binary_dir (void)
{
  const char *saved = getenv (SILO_BINARY_ENV);
  char buf[PATH_MAX];
  ssize_t n;

  if (saved && *saved == '/')
    return dirname (xstrdup (saved));
  n = readlink ("/proc/self/exe", buf, sizeof (buf) - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return dirname (xstrdup (buf));
}

static char *
find_agent (void)
{
  static const char *const candidates[] = { "%s/silo-agent", "%s/../lib/silo/silo-agent" };
  char *dir_owner = silo_binary_dir ();
  char *found = NULL;

  for (size_t i = 0; dir_owner && i < ARRAY_SIZE (candidates) && !found; i++)
    {
      char *path;
      xasprintf (&path, candidates[i], dir_owner);
      if (access (path, R_OK) == 0)
        found = path;
      else
        free (path);
    }
  free (dir_owner);
  return found;
}

int
sandbox_agent_load (char **data, size_t *len, silo_error_t *err)
{
  cleanup_free char *path = find_agent ();

  if (path == NULL)
    return silo_make_error (err, 0, "sandbox: silo-agent not found beside silo or in "
                                    "../lib/silo/ (reinstall silo)");
  if (read_file (path, data, len, err) < 0)
    return silo_error_wrap (err, "sandbox: load the agent");
  if (*len < 64)
    return silo_make_error (err, 0, "sandbox: `%s` is not an agent binary", path);
  return 0;
}
