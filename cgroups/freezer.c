/* Freezing: v1 freezer.state, v2 cgroup.freeze + cgroup.events. */
#include "internal.h"

#include <string.h>
#include <time.h>

#include "../util/utils.h"

/* How long a freeze may take before it is undone and reported; runc waits
 * 10 s too. A task in an uninterruptible sleep (NFS, FUSE) holds it up. */
#define FREEZE_WAIT_NS (10000 * 1000000ULL)
#define FREEZE_REWRITE_NS (50 * 1000000ULL) /* v1: write the state again this often */

/* Sleep a little longer each round, up to 10 ms: a freeze usually takes
 * well under a millisecond, a slow one should not cost a busy loop. */
static void
wait_round (int round)
{
  long us = round < 7 ? 100L << round : 10000;
  struct timespec ts = { 0, us * 1000 };

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
  unsigned long long deadline = now_ns () + FREEZE_WAIT_NS, next_write = 0;
  int round, ret;

  for (round = 0; now_ns () < deadline; round++)
    {
      cleanup_free char *state = NULL;
      if (now_ns () >= next_write)
        {
          ret = cg_write (dir, "freezer.state", want, "freezer", err);
          if (ret < 0)
            return ret;
          next_write = now_ns () + FREEZE_REWRITE_NS;
        }
      ret = cg_read (dir, "freezer.state", &state, err);
      if (ret < 0)
        return ret;
      if (strncmp (state, want, strlen (want)) == 0)
        return 0;
      wait_round (round);
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
  unsigned long long deadline = now_ns () + FREEZE_WAIT_NS;
  int round, ret;

  ret = cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", "freezer", err);
  if (ret < 0)
    return ret;
  for (round = 0; now_ns () < deadline; round++)
    {
      bool cur = !frozen;
      ret = cg_v2_is_frozen_dir (dir, &cur, err);
      if (ret < 0)
        return ret;
      if (cur == frozen)
        return 0;
      wait_round (round);
    }
  if (frozen)
    {
      /* Do not leave it half frozen: the tasks that did stop stay stopped. */
      silo_error_t ignored = NULL;
      cg_write (dir, "cgroup.freeze", "0", "freezer", &ignored);
      silo_error_release (&ignored);
    }
  return silo_make_error (err, 0, "freezer: `%s` did not become %s", dir,
                          frozen ? "frozen" : "thawed");
}
