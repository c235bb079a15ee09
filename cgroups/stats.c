/* cg_stats: counters from the v1 controllers or the unified hierarchy. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../util/utils.h"

/* Sum the values of `key` (v1 "Read"/"Write" lines, v2 "rbytes="/"wbytes="
 * fields) over every device line of a blkio/io stat file. */
static uint64_t
sum_field (const char *text, const char *key)
{
  size_t klen = strlen (key);
  uint64_t total = 0;
  const char *p;

  for (p = strstr (text, key); p; p = strstr (p + klen, key))
    if (p == text || p[-1] == ' ')
      total += strtoull (p + klen, NULL, 10);
  return total;
}

static void
v1_memory_stats (const char *dir, struct cg_stats *out)
{
  cg_read_u64 (dir, "memory.usage_in_bytes", &out->mem_usage);
  cg_read_u64 (dir, "memory.max_usage_in_bytes", &out->mem_max_usage);
  cg_read_u64 (dir, "memory.failcnt", &out->mem_failcnt);
  cg_read_u64 (dir, "memory.limit_in_bytes", &out->mem_limit);
  if (cg_read_key (dir, "memory.stat", "total_cache", &out->mem_cache) < 0)
    cg_read_key (dir, "memory.stat", "cache", &out->mem_cache);
  cg_read_u64 (dir, "memory.memsw.usage_in_bytes", &out->swap_usage);
  cg_read_u64 (dir, "memory.memsw.limit_in_bytes", &out->swap_limit);
  cg_read_key (dir, "memory.oom_control", "oom_kill", &out->oom_kill_count);
}

static void
v1_cpuacct_stats (const char *dir, struct cg_stats *out)
{
  long hz = sysconf (_SC_CLK_TCK);

  cg_read_u64 (dir, "cpuacct.usage", &out->cpu_usage_ns);
  if (cg_read_u64 (dir, "cpuacct.usage_user", &out->cpu_user_ns) == 0
      && cg_read_u64 (dir, "cpuacct.usage_sys", &out->cpu_system_ns) == 0)
    return;
  if (hz <= 0)
    hz = 100;
  if (cg_read_key (dir, "cpuacct.stat", "user", &out->cpu_user_ns) == 0)
    out->cpu_user_ns *= 1000000000ULL / (uint64_t) hz;
  if (cg_read_key (dir, "cpuacct.stat", "system", &out->cpu_system_ns) == 0)
    out->cpu_system_ns *= 1000000000ULL / (uint64_t) hz;
}

static void
io_stats (const char *dir, const char *file, const char *rkey, const char *wkey,
          struct cg_stats *out)
{
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;

  if (cg_read (dir, file, &text, &err) < 0)
    {
      silo_error_release (&err);
      return;
    }
  out->blkio_read_bytes = sum_field (text, rkey);
  out->blkio_write_bytes = sum_field (text, wkey);
}

static void
v1_pids_stats (const char *dir, struct cg_stats *out)
{
  cg_read_u64 (dir, "pids.current", &out->pids_current);
  cg_read_u64 (dir, "pids.max", &out->pids_limit);
}

static void
v1_blkio_stats (const char *dir, struct cg_stats *out)
{
  if (cg_file_exists (dir, "blkio.throttle.io_service_bytes_recursive"))
    io_stats (dir, "blkio.throttle.io_service_bytes_recursive", "Read ", "Write ", out);
  else
    io_stats (dir, "blkio.throttle.io_service_bytes", "Read ", "Write ", out);
}

int
cg_v1_stats_dir (const char *controller, const char *dir, struct cg_stats *out)
{
  static const struct
  {
    const char *controller;
    void (*read) (const char *dir, struct cg_stats *out);
  } readers[] = {
    { "memory", v1_memory_stats },
    { "cpuacct", v1_cpuacct_stats },
    { "pids", v1_pids_stats },
    { "blkio", v1_blkio_stats },
  };

  for (size_t i = 0; i < ARRAY_SIZE (readers); i++)
    if (strcmp (readers[i].controller, controller) == 0)
      {
        readers[i].read (dir, out);
        return 0;
      }
  return -1;
}

int
cg_v2_stats_at (const char *dir, struct cg_stats *out, silo_error_t *err)
{
  return cg_v2_stats_dir (dir, out, err);
}

int
cg_v2_stats_dir (const char *dir, struct cg_stats *out, silo_error_t *err)
{
  if (access (dir, F_OK) < 0)
    return silo_make_error (err, errno, "stats: cgroup `%s`", dir);
  cg_read_u64 (dir, "memory.current", &out->mem_usage);
  cg_read_u64 (dir, "memory.max", &out->mem_limit);
  cg_read_u64 (dir, "memory.peak", &out->mem_max_usage);
  cg_read_key (dir, "memory.events", "max", &out->mem_failcnt);
  cg_read_key (dir, "memory.events", "oom_kill", &out->oom_kill_count);
  cg_read_key (dir, "memory.stat", "file", &out->mem_cache);
  cg_read_u64 (dir, "memory.swap.current", &out->swap_usage);
  cg_read_u64 (dir, "memory.swap.max", &out->swap_limit);
  if (cg_read_key (dir, "cpu.stat", "usage_usec", &out->cpu_usage_ns) == 0)
    out->cpu_usage_ns *= 1000;
  if (cg_read_key (dir, "cpu.stat", "user_usec", &out->cpu_user_ns) == 0)
    out->cpu_user_ns *= 1000;
  if (cg_read_key (dir, "cpu.stat", "system_usec", &out->cpu_system_ns) == 0)
    out->cpu_system_ns *= 1000;
  cg_read_u64 (dir, "pids.current", &out->pids_current);
  cg_read_u64 (dir, "pids.max", &out->pids_limit);
  io_stats (dir, "io.stat", "rbytes=", "wbytes=", out);
  return 0;
}
