/* process.scheduler, process.ioPriority, process.execCPUAffinity and
 * linux.personality: what the kernel keeps per task and execve keeps. Shared by the container process,
 * `exec` and the sandbox guest's agent, so every mode sets them alike. */
#include "internal.h"
#include "../util/utils.h"

#include <errno.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct sched_attr as of Linux 3.14 (SCHED_ATTR_SIZE_VER0): glibc 2.36
 * has no wrapper. The utilization clamps after it are refused by oci/. */
struct ns_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

#define NS_IOPRIO_WHO_PROCESS 1
#define NS_IOPRIO_CLASS_SHIFT 13

static int
apply_scheduler (const struct oci_scheduler *s, silo_error_t *err)
{
  struct ns_sched_attr attr = {
    .size = sizeof (attr),
    .sched_policy = s->policy,
    .sched_flags = s->flags,
    .sched_nice = s->nice,
    .sched_priority = s->priority,
    .sched_runtime = s->runtime,
    .sched_deadline = s->deadline,
    .sched_period = s->period,
  };
  const char *name = oci_sched_policy_name (s->policy);

  if (!s->set)
    return 0;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return silo_make_error (err, errno, "process.scheduler: sched_setattr %s", name ? name : "?");
  return 0;
}

static int
apply_io_priority (const struct oci_io_priority *io, silo_error_t *err)
{
  const char *name = oci_ioprio_class_name (io->class_);
  int value = (io->class_ << NS_IOPRIO_CLASS_SHIFT) | io->priority;

  if (!io->set)
    return 0;
  if (syscall (SYS_ioprio_set, NS_IOPRIO_WHO_PROCESS, 0, value) < 0)
    return silo_make_error (err, errno, "process.ioPriority: ioprio_set %s %d", name ? name : "?",
                            io->priority);
  return 0;
}

int
ns_apply_sched (const struct oci_process *p, silo_error_t *err)
{
  if (apply_scheduler (&p->scheduler, err) < 0 || apply_io_priority (&p->io_priority, err) < 0)
    return -1;
  return 0;
}

int
ns_apply_memory_policy (const struct oci_config *cfg, silo_error_t *err)
{
  const unsigned long *nodes;

  if (cfg == NULL || !cfg->linux_.memory_policy.set)
    return 0;
  nodes = cfg->linux_.memory_policy.nodes;
  if (syscall (SYS_set_mempolicy,
               cfg->linux_.memory_policy.mode | (int) cfg->linux_.memory_policy.flags, nodes,
               (unsigned long) (OCI_MPOL_NODE_WORDS * 8 * sizeof (unsigned long) + 1))
      < 0)
    return silo_make_error (err, errno, "linux.memoryPolicy: set_mempolicy");
  return 0;
}

int
ns_apply_personality (const struct oci_config *cfg, silo_error_t *err)
{
  if (cfg == NULL || !cfg->linux_.personality.set)
    return 0;
  if (personality (cfg->linux_.personality.domain) < 0)
    return silo_make_error (err, errno, "linux.personality: personality %s",
                            cfg->linux_.personality.domain == PER_LINUX32 ? "LINUX32" : "LINUX");
  return 0;
}

int
ns_set_cpu_affinity (const cpu_set_t *cpus, const char *field, silo_error_t *err)
{
  if (sched_setaffinity (0, sizeof (*cpus), cpus) < 0)
    return silo_make_error (err, errno, "%s: sched_setaffinity", field);
  return 0;
}
