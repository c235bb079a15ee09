/* Freezing: v1 freezer.state, v2 cgroup.freeze + cgroup.events. */
#include "internal.h"

#include <string.h>
#include <time.h>

#include "../util/utils.h"

#define FREEZE_TRIES 2000 /* 1 ms apart */

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };

  nanosleep (&ts, NULL);
}

int
cg_v1_is_frozen_dir (const char *dir, bool *frozen, silo_error_t *err)
{
  cleanup_free char *state = NULL;
  int ret;

  ret = cg_read (dir, "freezer.state", &state, err);
  if (ret < 0)
    return ret;
  *frozen = strncmp (state, "FROZEN", 6) == 0;
  return 0;
}

/* The v1 freezer can stay in FREEZING while a task sleeps in a state it
 * cannot be frozen in; write the request again now and then, as runc does. */
int
cg_v1_freeze_dir (const char *dir, bool frozen, silo_error_t *err)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  int i, ret;

  for (i = 0; i < FREEZE_TRIES; i++)
    {
      cleanup_free char *state = NULL;
      if (i % 50 == 0)
        {
          ret = cg_write (dir, "freezer.state", want, "freezer", err);
          if (ret < 0)
            return ret;
        }
      ret = cg_read (dir, "freezer.state", &state, err);
      if (ret < 0)
        return ret;
      if (strncmp (state, want, strlen (want)) == 0)
        return 0;
      sleep_ms (1);
    }
  if (frozen)
    {
      silo_error_t ignored = NULL;
      cg_write (dir, "freezer.state", "THAWED", "freezer", &ignored);
      silo_error_release (&ignored);
    }
  return silo_make_error (err, 0, "freezer: `%s/freezer.state` did not become %s", dir, want);
}

int
cg_v2_is_frozen_dir (const char *dir, bool *frozen, silo_error_t *err)
{
  uint64_t v = 0;

  if (cg_read_key (dir, "cgroup.events", "frozen", &v) < 0)
    return silo_make_error (err, 0, "freezer: no `frozen` in `%s/cgroup.events`", dir);
  *frozen = v == 1;
  return 0;
}

int
cg_v2_freeze_dir (const char *dir, bool frozen, silo_error_t *err)
{
  int i, ret;

  ret = cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", "freezer", err);
  if (ret < 0)
    return ret;
  for (i = 0; i < FREEZE_TRIES; i++)
    {
      bool cur = !frozen;
      ret = cg_v2_is_frozen_dir (dir, &cur, err);
      if (ret < 0)
        return ret;
      if (cur == frozen)
        return 0;
      sleep_ms (1);
    }
  return silo_make_error (err, 0, "freezer: `%s` did not become %s", dir,
                          frozen ? "frozen" : "thawed");
}
