/* linux.resources on v1 hierarchies (hugetlb and unified go to the cgroup2
 * hierarchy of a hybrid host). */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/log.h"
#include "../util/utils.h"

#define W_MEM "linux.resources.memory"
#define W_CPU "linux.resources.cpu"
#define W_BLKIO "linux.resources.blockIO"

static int
write_i64 (const char *dir, const char *file, const char *what, int64_t v, silo_error_t *err)
{
  return cg_writef (dir, file, what, err, "%lld", (long long) v);
}

static int
v1_memory_limits (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  int64_t swap = r->memory.swap.value, limit = r->memory.limit.value;
  bool swap_first = false;
  int ret;

  /* The kernel wants memory <= memory+swap at every step: when both grow,
   * raise memsw first (runc's order). */
  if (r->memory.limit.set && r->memory.swap.set && swap != 0)
    {
      uint64_t cur = 0;
      cg_read_u64 (dir, "memory.limit_in_bytes", &cur);
      swap_first = swap == -1 || (uint64_t) swap > cur;
    }
  if (swap_first)
    {
      ret = write_i64 (dir, "memory.memsw.limit_in_bytes", W_MEM ".swap", swap, err);
      if (ret < 0)
        return ret;
    }
  if (r->memory.limit.set && limit != 0)
    {
      ret = write_i64 (dir, "memory.limit_in_bytes", W_MEM ".limit", limit, err);
      if (ret < 0)
        return ret;
    }
  if (!swap_first && r->memory.swap.set && swap != 0)
    return write_i64 (dir, "memory.memsw.limit_in_bytes", W_MEM ".swap", swap, err);
  return 0;
}

static int
v1_memory (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  int ret = v1_memory_limits (dir, r, err);

  if (ret == 0 && r->memory.reservation.set)
    ret = write_i64 (dir, "memory.soft_limit_in_bytes", W_MEM ".reservation",
                     r->memory.reservation.value, err);
  if (ret == 0 && r->memory.kernel.set)
    {
      if (cg_file_exists (dir, "memory.kmem.limit_in_bytes"))
        ret = write_i64 (dir, "memory.kmem.limit_in_bytes", W_MEM ".kernel",
                         r->memory.kernel.value, err);
      else
        pr_debug ("cgroup: no memory.kmem.limit_in_bytes, memory.kernel ignored");
    }
  if (ret == 0 && r->memory.kernel_tcp.set)
    {
      if (cg_file_exists (dir, "memory.kmem.tcp.limit_in_bytes"))
        ret = write_i64 (dir, "memory.kmem.tcp.limit_in_bytes", W_MEM ".kernelTCP",
                         r->memory.kernel_tcp.value, err);
      else
        pr_debug ("cgroup: no memory.kmem.tcp.limit_in_bytes, memory.kernelTCP ignored");
    }
  if (ret == 0 && r->memory.swappiness.set)
    {
      if (r->memory.swappiness.value < 0 || r->memory.swappiness.value > 100)
        return silo_make_error (err, 0, W_MEM ".swappiness: %lld is not in 0..100",
                                (long long) r->memory.swappiness.value);
      ret = write_i64 (dir, "memory.swappiness", W_MEM ".swappiness",
                       r->memory.swappiness.value, err);
    }
  if (ret == 0 && r->memory.disable_oom_killer)
    ret = cg_write (dir, "memory.oom_control", "1", W_MEM ".disableOOMKiller", err);
  return ret;
}

static int
v1_cfs (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  silo_error_t first = NULL;
  int ret;

  if (r->cpu.period.set && r->cpu.period.value != 0)
    {
      /* A new period can be refused against the current quota: set the
       * quota, then try the period again. */
      if (write_i64 (dir, "cpu.cfs_period_us", W_CPU ".period", r->cpu.period.value, &first) == 0)
        silo_error_release (&first);
    }
  if (r->cpu.quota.set && r->cpu.quota.value != 0)
    {
      ret = write_i64 (dir, "cpu.cfs_quota_us", W_CPU ".quota", r->cpu.quota.value, err);
      if (ret < 0)
        {
          silo_error_release (&first);
          return ret;
        }
    }
  if (first != NULL)
    {
      silo_error_release (&first);
      return write_i64 (dir, "cpu.cfs_period_us", W_CPU ".period", r->cpu.period.value, err);
    }
  if (r->cpu.burst.set)
    return write_i64 (dir, "cpu.cfs_burst_us", W_CPU ".burst", r->cpu.burst.value, err);
  return 0;
}

/* A group's real-time runtime cannot exceed its parent's, and silo's own
 * parent groups start with none: raise every ancestor below the
 * hierarchy's root (top-down) to at least the runtime asked for, as runc
 * does. A budget the siblings already took is the kernel's to refuse. */
static int
v1_rt_parents (const char *dir, int64_t runtime, silo_error_t *err)
{
  cleanup_free char *up = xstrdup (dir);
  char *anc[64];
  size_t n = 0;
  int ret = 0;

  for (char *slash = strrchr (up, '/'); slash && slash != up && n < ARRAY_SIZE (anc);
       slash = strrchr (up, '/'))
    {
      cleanup_free char *file = NULL;
      *slash = '\0';
      xasprintf (&file, "%s/cpu.rt_runtime_us", up);
      if (access (file, F_OK) < 0)
        break; /* above the hierarchy's mount */
      anc[n++] = xstrdup (up);
    }
  /* anc[n - 1] is the hierarchy's root: left as the host set it */
  for (size_t i = n > 0 ? n - 1 : 0; i-- > 0 && ret == 0;)
    {
      cleanup_free char *file = NULL, *text = NULL;
      xasprintf (&file, "%s/cpu.rt_runtime_us", anc[i]);
      ret = read_file (file, &text, NULL, err);
      if (ret == 0 && strtoll (text, NULL, 10) < runtime)
        ret = write_i64 (anc[i], "cpu.rt_runtime_us", W_CPU ".realtimeRuntime (a parent group)",
                         runtime, err);
    }
  for (size_t i = 0; i < n; i++)
    free (anc[i]);
  return ret;
}

static int
v1_cpu (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  int ret = 0;

  if (r->cpu.shares.set && r->cpu.shares.value != 0)
    ret = write_i64 (dir, "cpu.shares", W_CPU ".shares", r->cpu.shares.value, err);
  if (ret == 0)
    ret = v1_cfs (dir, r, err);
  if (ret == 0 && r->cpu.realtime_period.set && r->cpu.realtime_period.value != 0)
    ret = write_i64 (dir, "cpu.rt_period_us", W_CPU ".realtimePeriod",
                     r->cpu.realtime_period.value, err);
  if (ret == 0 && r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.value > 0)
    ret = v1_rt_parents (dir, r->cpu.realtime_runtime.value, err);
  if (ret == 0 && r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.value != 0)
    ret = write_i64 (dir, "cpu.rt_runtime_us", W_CPU ".realtimeRuntime",
                     r->cpu.realtime_runtime.value, err);
  if (ret == 0 && r->cpu.idle.set)
    ret = write_i64 (dir, "cpu.idle", W_CPU ".idle", r->cpu.idle.value, err);
  return ret;
}

/* Say which CPUs or memory nodes the host has when a cpuset is refused. */
static int
cpuset_error (const char *dir, const char *file, silo_error_t *err)
{
  cleanup_free char *parent = xstrdup (dir);
  cleanup_free char *have = NULL;
  cleanup_free char *msg = NULL;
  silo_error_t ignored = NULL;
  char *slash = strrchr (parent, '/');

  if (slash != NULL)
    *slash = '\0';
  if (cg_read (parent, file, &have, &ignored) < 0)
    {
      silo_error_release (&ignored);
      return -1 - (*err)->status;
    }
  have[strcspn (have, "\n")] = '\0';
  xasprintf (&msg, "%s (the host has %s)", (*err)->msg, have);
  return silo_error_from_msg (err, (*err)->status, msg);
}

static int
v1_cpuset (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  int ret;

  if (r->cpu.cpus && *r->cpu.cpus)
    {
      ret = cg_write (dir, "cpuset.cpus", r->cpu.cpus, W_CPU ".cpus", err);
      if (ret < 0)
        return cpuset_error (dir, "cpuset.effective_cpus", err);
    }
  if (r->cpu.mems && *r->cpu.mems)
    {
      ret = cg_write (dir, "cpuset.mems", r->cpu.mems, W_CPU ".mems", err);
      if (ret < 0)
        return cpuset_error (dir, "cpuset.effective_mems", err);
    }
  return 0;
}

static int
v1_pids (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  char buf[32];

  cg_format_limit (r->pids_limit.value > 0 ? r->pids_limit.value : -1, buf, sizeof (buf));
  return cg_write (dir, "pids.max", buf, "linux.resources.pids.limit", err);
}

static int
write_devices (const char *dir, const char *file, const char *what,
               const struct oci_throttle_device *d, size_t n, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      ret = cg_writef (dir, file, what, err, "%lld:%lld %llu", (long long) d[i].major,
                       (long long) d[i].minor, (unsigned long long) d[i].rate);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
v1_weight_devices (const char *dir, const struct oci_resources *r, bool bfq,
                   silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < r->block_io.n_weight_device; i++)
    {
      const struct oci_weight_device *d = &r->block_io.weight_device[i];
      if (d->weight.set)
        {
          ret = cg_writef (dir, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device",
                           W_BLKIO ".weightDevice", err, "%lld:%lld %lld", (long long) d->major,
                           (long long) d->minor, (long long) d->weight.value);
          if (ret < 0)
            return ret;
        }
      if (d->leaf_weight.set)
        {
          ret = cg_writef (dir, "blkio.leaf_weight_device", W_BLKIO ".weightDevice", err,
                           "%lld:%lld %lld", (long long) d->major, (long long) d->minor,
                           (long long) d->leaf_weight.value);
          if (ret < 0)
            return ret;
        }
    }
  return 0;
}

static int
v1_blkio (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  bool bfq = !cg_file_exists (dir, "blkio.weight") && cg_file_exists (dir, "blkio.bfq.weight");
  int ret = 0;

  if (r->block_io.weight.set && r->block_io.weight.value != 0)
    ret = write_i64 (dir, bfq ? "blkio.bfq.weight" : "blkio.weight", W_BLKIO ".weight",
                     r->block_io.weight.value, err);
  if (ret == 0 && r->block_io.leaf_weight.set && r->block_io.leaf_weight.value != 0)
    ret = write_i64 (dir, "blkio.leaf_weight", W_BLKIO ".leafWeight",
                     r->block_io.leaf_weight.value, err);
  if (ret == 0)
    ret = v1_weight_devices (dir, r, bfq, err);
  if (ret == 0)
    ret = write_devices (dir, "blkio.throttle.read_bps_device", W_BLKIO ".throttleReadBpsDevice",
                         r->block_io.throttle_read_bps, r->block_io.n_throttle_read_bps, err);
  if (ret == 0)
    ret = write_devices (dir, "blkio.throttle.write_bps_device",
                         W_BLKIO ".throttleWriteBpsDevice", r->block_io.throttle_write_bps,
                         r->block_io.n_throttle_write_bps, err);
  if (ret == 0)
    ret = write_devices (dir, "blkio.throttle.read_iops_device",
                         W_BLKIO ".throttleReadIOPSDevice", r->block_io.throttle_read_iops,
                         r->block_io.n_throttle_read_iops, err);
  if (ret == 0)
    ret = write_devices (dir, "blkio.throttle.write_iops_device",
                         W_BLKIO ".throttleWriteIOPSDevice", r->block_io.throttle_write_iops,
                         r->block_io.n_throttle_write_iops, err);
  return ret;
}

static int
v1_hugetlb (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < r->n_hugepage_limits; i++)
    {
      cleanup_free char *file = NULL;
      xasprintf (&file, "hugetlb.%s.limit_in_bytes", r->hugepage_limits[i].page_size);
      ret = cg_writef (dir, file, "linux.resources.hugepageLimits", err, "%llu",
                       (unsigned long long) r->hugepage_limits[i].limit);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static void
format_device_rule (const struct oci_device_rule *d, char *buf, size_t len)
{
  char major[24] = "*", minor[24] = "*";

  if (d->type == 'a')
    {
      snprintf (buf, len, "a");
      return;
    }
  if (d->major >= 0)
    snprintf (major, sizeof (major), "%lld", (long long) d->major);
  if (d->minor >= 0)
    snprintf (minor, sizeof (minor), "%lld", (long long) d->minor);
  snprintf (buf, len, "%c %s:%s %s", d->type, major, minor, d->access[0] ? d->access : "rwm");
}

/* Deny everything, then the rules in the order given (runc semantics). */
static int
v1_devices (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  ret = cg_write (dir, "devices.deny", "a", "linux.resources.devices", err);
  for (i = 0; ret == 0 && i < r->n_devices; i++)
    {
      char rule[80];
      format_device_rule (&r->devices[i], rule, sizeof (rule));
      ret = cg_write (dir, r->devices[i].allow ? "devices.allow" : "devices.deny", rule,
                      "linux.resources.devices", err);
    }
  return ret;
}

static int
v1_net_cls (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  return write_i64 (dir, "net_cls.classid", "linux.resources.network.classID",
                    r->network.class_id.value, err);
}

static int
v1_net_prio (const char *dir, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < r->network.n_priorities; i++)
    {
      ret = cg_writef (dir, "net_prio.ifpriomap", "linux.resources.network.priorities", err,
                       "%s %u", r->network.priorities[i].name, r->network.priorities[i].priority);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static bool
want_memory (const struct oci_resources *r)
{
  return r->memory.limit.set || r->memory.reservation.set || r->memory.swap.set
         || r->memory.kernel.set || r->memory.kernel_tcp.set || r->memory.swappiness.set
         || r->memory.disable_oom_killer;
}

static bool
want_cpu (const struct oci_resources *r)
{
  return r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set
         || r->cpu.realtime_runtime.set || r->cpu.realtime_period.set || r->cpu.idle.set;
}

static bool
want_cpuset (const struct oci_resources *r)
{
  return (r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems);
}

static bool
want_pids (const struct oci_resources *r)
{
  return r->pids_limit.set;
}

static bool
want_blkio (const struct oci_resources *r)
{
  return r->block_io.weight.set || r->block_io.leaf_weight.set || r->block_io.n_weight_device
         || r->block_io.n_throttle_read_bps || r->block_io.n_throttle_write_bps
         || r->block_io.n_throttle_read_iops || r->block_io.n_throttle_write_iops;
}

static bool
want_devices (const struct oci_resources *r)
{
  return r->n_devices > 0;
}

static bool
want_net_cls (const struct oci_resources *r)
{
  return r->network.class_id.set;
}

static bool
want_net_prio (const struct oci_resources *r)
{
  return r->network.n_priorities > 0;
}

static const struct
{
  const char *controller;
  const char *what;
  bool (*wanted) (const struct oci_resources *r);
  int (*apply) (const char *dir, const struct oci_resources *r, silo_error_t *err);
} v1_controllers[] = {
  { "cpuset", "linux.resources.cpu.cpus", want_cpuset, v1_cpuset },
  { "memory", W_MEM, want_memory, v1_memory },
  { "cpu", W_CPU, want_cpu, v1_cpu },
  { "pids", "linux.resources.pids", want_pids, v1_pids },
  { "blkio", W_BLKIO, want_blkio, v1_blkio },
  { "devices", "linux.resources.devices", want_devices, v1_devices },
  { "net_cls", "linux.resources.network.classID", want_net_cls, v1_net_cls },
  { "net_prio", "linux.resources.network.priorities", want_net_prio, v1_net_prio },
};

/* hugetlb and unified: a v1 hugetlb hierarchy, else the cgroup2 one. */
static int
apply_hugetlb_unified (struct cg_handle *h, const struct oci_resources *r, silo_error_t *err)
{
  struct cg_hier *hier = cg_host_find (&h->host, "hugetlb");
  struct cg_hier *v2 = cg_host_v2 (&h->host);
  cleanup_free char *v2dir = v2 ? cg_dir (v2, h->path) : NULL;
  int ret;

  if (r->n_hugepage_limits > 0)
    {
      cleanup_free char *dir = hier ? cg_dir (hier, h->path) : NULL;
      if (dir == NULL && v2dir == NULL)
        return silo_make_error (err, 0, "linux.resources.hugepageLimits: the host has no "
                                        "hugetlb cgroup controller");
      ret = dir ? v1_hugetlb (dir, r, err) : cg_v2_apply_hugetlb (v2dir, r, err);
      if (ret < 0)
        return ret;
    }
  if (r->unified.len == 0)
    return 0;
  if (v2dir == NULL)
    return silo_make_error (err, 0, "linux.resources.unified: needs cgroup v2, the host "
                                    "has only v1 hierarchies");
  return cg_v2_apply_unified (v2dir, r, err);
}

int
cg_v1_apply (struct cg_handle *h, const struct oci_resources *r, silo_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < ARRAY_SIZE (v1_controllers); i++)
    {
      struct cg_hier *hier;
      cleanup_free char *dir = NULL;

      if (!v1_controllers[i].wanted (r))
        continue;
      hier = cg_host_find (&h->host, v1_controllers[i].controller);
      if (hier == NULL)
        return silo_make_error (err, 0, "%s: the host has no %s cgroup controller",
                                v1_controllers[i].what, v1_controllers[i].controller);
      dir = cg_dir (hier, h->path);
      ret = v1_controllers[i].apply (dir, r, err);
      if (ret < 0)
        return ret;
    }
  return apply_hugetlb_unified (h, r, err);
}
