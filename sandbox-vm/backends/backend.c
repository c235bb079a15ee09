/* Backend choice (docs/sandbox.md): "kvm" when /dev/kvm opens and the CPU
 * has vmx/svm, else "uml"; silo.sandbox.backend forces one and fails with
 * the reason when it cannot run here. Guest memory and vCPU sizing, the
 * guest kernel's allow-list and the KSM opt-in live here too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"

#define MIB (1024ULL * 1024ULL)
/* A container's memory limit is the workload's, as in container mode: the
 * guest's container cgroup gets it as memory.max (the OOM killer acts
 * there, 137), and the guest gets that much RAM plus what its own kernel,
 * agent and caches need; the host cgroup holds that plus what the guest's
 * host processes need themselves (UML text/data and page tables, the
 * monitor). So `--memory 64m` is a 64 MiB container in a 128 MiB guest
 * under a 160 MiB host cgroup. */
#define SANDBOX_GUEST_RESERVE (64 * MIB)
#define SANDBOX_HOST_HEADROOM (32 * MIB)
#define SANDBOX_MEM_DEFAULT (256 * MIB)
#define SANDBOX_MEM_MAX (1ULL << 40)

static const struct sandbox_backend_ops *const backends[] = {
  &sandbox_kvm_ops,
  &sandbox_uml_ops,
};

const struct sandbox_backend_ops *
sandbox_backend_get (const char *name)
{
  size_t i;
  for (i = 0; i < ARRAY_SIZE (backends); i++)
    if (strcmp (backends[i]->name, name) == 0)
      return backends[i];
  return NULL;
}

int
sandbox_pick_backend (const char *wanted, const char **out, silo_error_t *err)
{
  const struct sandbox_backend_ops *b;
  silo_error_t why = NULL;
  size_t i;

  if (wanted && *wanted)
    {
      b = sandbox_backend_get (wanted);
      if (b == NULL)
        return silo_make_error (err, 0, "sandbox backend `%s`: unknown (use kvm or uml)", wanted);
      if (b->probe (err) < 0)
        return -1;
      *out = b->name;
      return 0;
    }
  for (i = 0; i < ARRAY_SIZE (backends); i++)
    {
      if (backends[i]->probe (&why) == 0)
        {
          *out = backends[i]->name;
          return 0;
        }
      silo_error_release (&why);
    }
  return sandbox_uml_ops.probe (err) < 0 ? -1 : silo_make_error (err, 0, "no sandbox backend");
}

const char *
sandbox_backends (void)
{
  static char buf[32];
  silo_error_t why = NULL;
  size_t i;

  buf[0] = '\0';
  for (i = 0; i < ARRAY_SIZE (backends); i++)
    {
      if (backends[i]->probe (&why) < 0)
        {
          silo_error_release (&why);
          continue;
        }
      if (buf[0])
        strcat (buf, ",");
      strcat (buf, backends[i]->name);
    }
  return buf;
}

/* A pod's size from the CRI (containerd passes the sum of its
 * containers' resources, from kubelet 1.23, on the sandbox container):
 * annotation key as a non-negative integer, 0 when absent or "0". */
static int
pod_annotation (const struct oci_config *cfg, const char *key, uint64_t *out, silo_error_t *err)
{
  const char *v = oci_kv_get (&cfg->annotations, key);
  char *end = NULL;

  *out = 0;
  if (v == NULL)
    return 0;
  errno = 0;
  *out = strtoull (v, &end, 10);
  if (errno || end == v || *end || *v == '-')
    return silo_make_error (err, 0, "config.json: annotations: %s: `%s` is not a count", key, v);
  return 0;
}

int
sandbox_guest_mem (const struct oci_config *cfg, uint64_t *out, silo_error_t *err)
{
  const struct oci_resources *r = cfg->linux_.resources;
  uint64_t limit = 0, pod = 0;

  if (pod_annotation (cfg, "io.kubernetes.cri.sandbox-memory", &pod, err) < 0)
    return -1;
  if (r && r->memory.limit.set && r->memory.limit.value > 0)
    limit = (uint64_t) r->memory.limit.value;
  /* A pod's guest holds all its containers: the pod's sum when it is more. */
  if (pod > limit)
    limit = pod;
  if (limit == 0)
    {
      *out = SANDBOX_MEM_DEFAULT;
      return 0;
    }
  if (limit > SANDBOX_MEM_MAX)
    return silo_make_error (err, 0,
                            "config.json: linux.resources.memory.limit: %llu bytes is more than "
                            "a sandbox's guest can have (%llu)",
                            (unsigned long long) limit, SANDBOX_MEM_MAX);
  *out = ((limit + MIB - 1) & ~(MIB - 1)) + SANDBOX_GUEST_RESERVE;
  return 0;
}

int
sandbox_check_update (const struct oci_config *cfg, const struct oci_resources *r,
                      silo_error_t *err)
{
  uint64_t ram = 0;

  if (!r->memory.limit.set || r->memory.limit.value <= 0) /* -1: no limit, the guest's RAM */
    return 0;
  if (sandbox_guest_mem (cfg, &ram, err) < 0)
    return -1;
  if ((uint64_t) r->memory.limit.value + SANDBOX_GUEST_RESERVE > ram)
    return silo_make_error (err, 0,
                            "linux.resources.memory.limit: a sandbox's guest has the RAM it was "
                            "created with: at most %llu bytes for the container (%llu MiB guest)",
                            (unsigned long long) (ram - SANDBOX_GUEST_RESERVE),
                            (unsigned long long) (ram / MIB));
  return 0;
}

void
sandbox_host_resources (struct oci_resources *r)
{
  __typeof__ (r->memory) *m = &r->memory;
  int64_t extra = (int64_t) (SANDBOX_GUEST_RESERVE + SANDBOX_HOST_HEADROOM + MIB);

  if (!m->limit.set || m->limit.value <= 0 || (uint64_t) m->limit.value > SANDBOX_MEM_MAX)
    return;
  m->limit.value += extra;
  if (m->swap.set && m->swap.value > 0)
    m->swap.value += extra; /* memory + swap */
  if (m->reservation.set && m->reservation.value > 0)
    m->reservation.value += extra;
}

int
sandbox_ready_timeout (const struct oci_config *cfg, int *seconds, silo_error_t *err)
{
  const char *value = oci_kv_get (&cfg->annotations, "silo.sandbox.ready_timeout");
  long n;

  if (value == NULL)
    {
      *seconds = SANDBOX_READY_TIMEOUT_S;
      return 0;
    }
  if (parse_long (value, &n) < 0 || n < 1 || n > SANDBOX_READY_TIMEOUT_MAX_S)
    return silo_make_error (err, 0,
                            "config.json: annotations: silo.sandbox.ready_timeout: `%s` is not a "
                            "number of seconds from 1 to %d",
                            value, SANDBOX_READY_TIMEOUT_MAX_S);
  *seconds = (int) n;
  return 0;
}

/* CPUs in a cpuset list such as "0-3,8"; -1 when it is not one. */
static int
cpuset_count (const char *list)
{
  const char *p = list;
  char *end;
  long lo, hi;
  int n = 0;

  while (*p)
    {
      lo = strtol (p, &end, 10);
      if (end == p || lo < 0)
        return -1;
      hi = lo;
      if (*end == '-')
        {
          p = end + 1;
          hi = strtol (p, &end, 10);
          if (end == p || hi < lo)
            return -1;
        }
      n += (int) (hi - lo + 1);
      if (*end == ',')
        end++;
      else if (*end != '\0')
        return -1;
      p = end;
    }
  return n > 0 ? n : -1;
}

int
sandbox_guest_vcpus (const struct oci_config *cfg, int *out, silo_error_t *err)
{
  const struct oci_resources *r = cfg->linux_.resources;
  long online = sysconf (_SC_NPROCESSORS_ONLN);
  long long period;
  uint64_t pod_quota = 0, pod_period = 0;
  int n = 1;

  if (pod_annotation (cfg, "io.kubernetes.cri.sandbox-cpu-quota", &pod_quota, err) < 0
      || pod_annotation (cfg, "io.kubernetes.cri.sandbox-cpu-period", &pod_period, err) < 0)
    return -1;
  if (pod_quota > 0 && pod_quota < (1ULL << 40))
    {
      /* A pod: its containers' CPUs together (CRI's sandbox annotations). */
      period = pod_period > 0 && pod_period < (1ULL << 32) ? (long long) pod_period : 100000;
      n = (int) (((long long) pod_quota + period - 1) / period);
    }
  else if (r && r->cpu.quota.set && r->cpu.quota.value > 0)
    {
      period = r->cpu.period.set && r->cpu.period.value > 0 ? r->cpu.period.value : 100000;
      n = (int) ((r->cpu.quota.value + period - 1) / period);
    }
  else if (r && r->cpu.cpus && *r->cpu.cpus)
    {
      n = cpuset_count (r->cpu.cpus);
      if (n < 0)
        return silo_make_error (err, 0, "config.json: linux.resources.cpu.cpus: `%s` is not "
                                             "a CPU list", r->cpu.cpus);
    }
  /* More vCPUs than host CPUs would only time-share the same cores. */
  if (online > 0 && n > online)
    n = (int) online;
  *out = n < SANDBOX_VCPUS_MAX ? n : SANDBOX_VCPUS_MAX;
  return 0;
}

/* Is the opened file fd inside dir (after resolving symlinks of both)? */
static bool
fd_in_dir (int fd, const char *dir)
{
  cleanup_free char *real_dir = realpath (dir, NULL);
  char link[64], file[PATH_MAX];
  size_t len;
  ssize_t n;

  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  n = readlink (link, file, sizeof (file) - 1);
  if (real_dir == NULL || n < 0)
    return false;
  file[n] = '\0';
  len = strlen (real_dir);
  return strncmp (file, real_dir, len) == 0 && (file[len] == '/' || len == 1);
}

/* The install directory, then SILO_VM_KERNEL_DIRS (colon-separated). */
static bool
kernel_allowed (int fd)
{
  cleanup_free char *dirs = xstrdup (getenv ("SILO_VM_KERNEL_DIRS") ?: "");
  char *dir, *save = NULL;

  if (fd_in_dir (fd, SANDBOX_KERNEL_DIR))
    return true;
  for (dir = strtok_r (dirs, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    if (dir[0] == '/' && fd_in_dir (fd, dir))
      return true;
  return false;
}

int
sandbox_guest_kernel_open (const struct oci_config *cfg, int *fd, const char **path,
                           silo_error_t *err)
{
  const char *kernel = oci_kv_get (&cfg->annotations, "silo.vm.kernel");
  struct stat st;

  if (kernel != NULL)
    {
      *path = kernel;
      *fd = open (kernel, O_RDONLY | O_CLOEXEC);
      if (*fd < 0)
        return silo_make_error (err, errno, "config.json: annotations: silo.vm.kernel: `%s`",
                                kernel);
      if (fstat (*fd, &st) < 0 || !S_ISREG (st.st_mode) || !kernel_allowed (*fd))
        {
          close_and_reset (fd);
          return silo_make_error (err, 0,
                                  "config.json: annotations: silo.vm.kernel: `%s` is not a file "
                                  "in " SANDBOX_KERNEL_DIR " or a directory of SILO_VM_KERNEL_DIRS",
                                  kernel);
        }
      return 0;
    }
  /* The host's own choice: trusted as it stands. */
  kernel = getenv ("SILO_GUEST_KERNEL");
  if (kernel == NULL || *kernel == '\0')
    kernel = SANDBOX_KERNEL_DIR "/vmlinux";
  *path = kernel;
  *fd = open (kernel, O_RDONLY | O_CLOEXEC);
  if (*fd < 0)
    return silo_make_error (err, errno, "sandbox backend kvm: guest kernel `%s` (make guest-kernel, "
                                        "annotation silo.vm.kernel or SILO_GUEST_KERNEL)", kernel);
  return 0;
}

int
sandbox_ksm (const struct oci_config *cfg, bool *on, silo_error_t *err)
{
  const char *value = oci_kv_get (&cfg->annotations, "silo.vm.ksm");

  *on = value != NULL && strcmp (value, "true") == 0;
  if (value != NULL && !*on && strcmp (value, "false") != 0)
    return silo_make_error (err, 0, "config.json: annotations: silo.vm.ksm: `%s` is not true or false",
                            value);
  return 0;
}
