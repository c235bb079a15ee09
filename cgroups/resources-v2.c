/* linux.resources on the unified (cgroup2) hierarchy, and the conversions
 * from v1-style OCI values. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "../util/log.h"
#include "../util/utils.h"

#define W_MEM "linux.resources.memory"
#define W_CPU "linux.resources.cpu"
#define W_BLKIO "linux.resources.blockIO"

/* runc's conversion from cpu.shares [2, 262144] to cpu.weight [1, 10000]. */
uint64_t
cg_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight [10, 1000] to io.weight [1, 10000] (runc). */
uint64_t
cg_blkio_weight_to_io (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  return 1 + (weight - 10) * 9999 / 990;
}

void
cg_format_limit (int64_t v, char *buf, size_t len)
{
  if (v < 0)
    snprintf (buf, len, "max");
  else
    snprintf (buf, len, "%" PRId64, v);
}

/* "quota period", "max period", or "quota" alone (kernel keeps the period). */
void
cg_format_cpu_max (const struct oci_resources *r, char *buf, size_t len)
{
  int64_t quota = r->cpu.quota.set ? r->cpu.quota.value : 0;
  int64_t period = r->cpu.period.set ? r->cpu.period.value : 0;
  int n;

  buf[0] = '\0';
  if (quota == 0 && period == 0)
    return;
  if (quota > 0)
    n = snprintf (buf, len, "%" PRId64, quota);
  else
    n = snprintf (buf, len, "max");
  if (period > 0 && n > 0 && (size_t) n < len)
    snprintf (buf + n, len - n, " %" PRId64, period);
}

/* OCI memory.swap is memory+swap; memory.swap.max is swap alone (runc's
 * ConvertMemorySwapToCgroupV2Value). */
int
cg_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, silo_error_t *err)
{
  if (limit == -1 && swap == 0)
    {
      *out = -1;
      return 0;
    }
  if (swap == -1 || swap == 0)
    {
      *out = swap;
      return 0;
    }
  if (limit == 0 || limit == -1)
    return silo_make_error (err, 0, W_MEM ".swap: cannot set a swap limit without a memory limit");
  if (limit < 0 || swap < limit)
    return silo_make_error (err, 0, W_MEM ".swap: memory+swap (%" PRId64 ") must be >= "
                                    "memory.limit (%" PRId64 ")", swap, limit);
  *out = swap - limit;
  return 0;
}

static int
write_limit (const char *dir, const char *file, const char *what, int64_t v, silo_error_t *err)
{
  char buf[32];

  cg_format_limit (v, buf, sizeof (buf));
  return cg_write (dir, file, buf, what, err);
}

static int
v2_memory (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  int64_t limit = r->memory.limit.set ? r->memory.limit.value : 0;
  int64_t swap = 0;
  int ret;

  if (r->memory.swap.set || limit == -1)
    {
      ret = cg_swap_to_v2 (r->memory.swap.set ? r->memory.swap.value : 0, limit, &swap, err);
      if (ret < 0)
        return ret;
      if (swap != 0 && (ret = write_limit (dir, "memory.swap.max", W_MEM ".swap", swap, err)) < 0)
        return ret;
    }
  if (limit != 0 && (ret = write_limit (dir, "memory.max", W_MEM ".limit", limit, err)) < 0)
    return ret;
  if (r->memory.reservation.set && r->memory.reservation.value != 0)
    {
      ret = write_limit (dir, "memory.low", W_MEM ".reservation", r->memory.reservation.value, err);
      if (ret < 0)
        return ret;
    }
  if (r->memory.kernel.set || r->memory.kernel_tcp.set || r->memory.swappiness.set
      || r->memory.disable_oom_killer)
    pr_debug ("cgroup: memory.kernel, kernelTCP, swappiness and disableOOMKiller have no "
              "cgroup v2 equivalent; ignored");
  return 0;
}

static int
v2_cpu (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  char cpu_max[64];
  int ret;

  if (r->cpu.shares.set && r->cpu.shares.value != 0)
    {
      ret = cg_writef (dir, "cpu.weight", W_CPU ".shares", err, "%" PRIu64,
                       cg_shares_to_weight ((uint64_t) r->cpu.shares.value));
      if (ret < 0)
        return ret;
    }
  cg_format_cpu_max (r, cpu_max, sizeof (cpu_max));
  if (cpu_max[0] && (ret = cg_write (dir, "cpu.max", cpu_max, W_CPU ".quota", err)) < 0)
    return ret;
  if (r->cpu.burst.set
      && (ret = cg_writef (dir, "cpu.max.burst", W_CPU ".burst", err, "%" PRId64,
                           r->cpu.burst.value)) < 0)
    return ret;
  if ((r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.value != 0)
      || (r->cpu.realtime_period.set && r->cpu.realtime_period.value != 0))
    return silo_make_error (err, 0, W_CPU ".realtimeRuntime: realtime scheduling limits are "
                                    "not supported by cgroup v2");
  if (r->cpu.idle.set
      && (ret = cg_writef (dir, "cpu.idle", W_CPU ".idle", err, "%" PRId64, r->cpu.idle.value)) < 0)
    return ret;
  if (r->cpu.cpus && *r->cpu.cpus
      && (ret = cg_write (dir, "cpuset.cpus", r->cpu.cpus, W_CPU ".cpus", err)) < 0)
    return ret;
  if (r->cpu.mems && *r->cpu.mems
      && (ret = cg_write (dir, "cpuset.mems", r->cpu.mems, W_CPU ".mems", err)) < 0)
    return ret;
  return 0;
}

static void
add_io_field (char ***lines, size_t *n, int64_t major, int64_t minor, const char *key,
              uint64_t v)
{
  char prefix[48];
  char *line = NULL;
  size_t i, plen;

  plen = (size_t) snprintf (prefix, sizeof (prefix), "%" PRId64 ":%" PRId64 " ", major, minor);
  for (i = 0; i < *n; i++)
    if (strncmp ((*lines)[i], prefix, plen) == 0)
      break;
  if (i == *n)
    {
      *lines = xrealloc (*lines, (*n + 2) * sizeof (char *));
      (*lines)[(*n)++] = xstrndup (prefix, plen - 1);
      (*lines)[*n] = NULL;
    }
  xasprintf (&line, "%s %s=%" PRIu64, (*lines)[i], key, v);
  free ((*lines)[i]);
  (*lines)[i] = line;
}

char **
cg_format_io_max (const struct oci_resources *r)
{
  const struct
  {
    const char *key;
    const struct oci_throttle_device *d;
    size_t n;
  } lists[] = {
    { "rbps", r->block_io.throttle_read_bps, r->block_io.n_throttle_read_bps },
    { "wbps", r->block_io.throttle_write_bps, r->block_io.n_throttle_write_bps },
    { "riops", r->block_io.throttle_read_iops, r->block_io.n_throttle_read_iops },
    { "wiops", r->block_io.throttle_write_iops, r->block_io.n_throttle_write_iops },
  };
  char **lines = xmalloc0 (sizeof (char *));
  size_t n = 0, i, j;

  for (i = 0; i < ARRAY_SIZE (lists); i++)
    for (j = 0; j < lists[i].n; j++)
      add_io_field (&lines, &n, lists[i].d[j].major, lists[i].d[j].minor, lists[i].key,
                    lists[i].d[j].rate);
  return lines;
}

static int
v2_io_weights (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  bool bfq = cg_file_exists (dir, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  size_t i;
  int ret;

  if (r->block_io.weight.set && r->block_io.weight.value != 0)
    {
      uint64_t w = (uint64_t) r->block_io.weight.value;
      ret = cg_writef (dir, file, W_BLKIO ".weight", err, "%s%" PRIu64, bfq ? "" : "default ",
                       bfq ? w : cg_blkio_weight_to_io (w));
      if (ret < 0)
        return ret;
    }
  for (i = 0; i < r->block_io.n_weight_device; i++)
    {
      const struct oci_weight_device *d = &r->block_io.weight_device[i];
      if (!d->weight.set)
        continue;
      ret = cg_writef (dir, file, W_BLKIO ".weightDevice", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                       d->major, d->minor,
                       bfq ? (uint64_t) d->weight.value
                           : cg_blkio_weight_to_io ((uint64_t) d->weight.value));
      if (ret < 0)
        return ret;
    }
  if (r->block_io.leaf_weight.set && r->block_io.leaf_weight.value != 0)
    pr_debug ("cgroup: blockIO.leafWeight has no cgroup v2 equivalent; ignored");
  return 0;
}

static int
v2_io (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  cleanup_strv char **lines = NULL;
  size_t i;
  int ret;

  ret = v2_io_weights (dir, r, err);
  if (ret < 0)
    return ret;
  lines = cg_format_io_max (r);
  for (i = 0; lines[i]; i++)
    {
      ret = cg_write (dir, "io.max", lines[i], W_BLKIO ".throttle", err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
cg_v2_apply_hugetlb (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < r->n_hugepage_limits; i++)
    {
      cleanup_free char *file = NULL;
      xasprintf (&file, "hugetlb.%s.max", r->hugepage_limits[i].page_size);
      ret = cg_writef (dir, file, "linux.resources.hugepageLimits", err, "%" PRIu64,
                       r->hugepage_limits[i].limit);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
cg_v2_apply_unified (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < r->unified.len; i++)
    {
      const struct oci_kv *kv = &r->unified.items[i];
      cleanup_free char *what = NULL;

      xasprintf (&what, "linux.resources.unified.%s", kv->key);
      if (kv->key[0] == '\0' || kv->key[0] == '.' || strchr (kv->key, '/'))
        return silo_make_error (err, 0, "%s: invalid cgroup file name", what);
      ret = cg_write (dir, kv->key, kv->value, what, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
cg_v2_apply (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  char buf[32];
  int ret;

  ret = v2_memory (dir, r, err);
  if (ret == 0)
    ret = v2_cpu (dir, r, err);
  if (ret == 0 && r->pids_limit.set)
    {
      cg_format_limit (r->pids_limit.value > 0 ? r->pids_limit.value : -1, buf, sizeof (buf));
      ret = cg_write (dir, "pids.max", buf, "linux.resources.pids.limit", err);
    }
  if (ret == 0)
    ret = v2_io (dir, r, err);
  if (ret == 0)
    ret = cg_v2_apply_hugetlb (dir, r, err);
  if (ret == 0 && (r->network.class_id.set || r->network.n_priorities))
    ret = silo_make_error (err, 0, "linux.resources.network: net_cls and net_prio are not "
                                   "available on cgroup v2");
  if (ret == 0)
    ret = cg_v2_apply_unified (dir, r, err);
  return ret;
}
