/* Name tables: OCI strings to kernel and libseccomp constants. Mappings are
 * data, not if-chains, so adding a name is one line. */
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "../util/utils.h"
#include "internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static int
flag_lookup (const struct oci_flag_name *t, size_t n, const char *name, unsigned long *out)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].value;
        return 0;
      }
  return -1;
}

static const struct oci_ns_info ns_table[] = {
  { "pid", "pid", CLONE_NEWPID },
  { "network", "net", CLONE_NEWNET },
  { "mount", "mnt", CLONE_NEWNS },
  { "ipc", "ipc", CLONE_NEWIPC },
  { "uts", "uts", CLONE_NEWUTS },
  { "user", "user", CLONE_NEWUSER },
  { "cgroup", "cgroup", CLONE_NEWCGROUP },
  { "time", "time", CLONE_NEWTIME },
};

const struct oci_ns_info *
oci_ns_table (size_t *len)
{
  if (len)
    *len = ARRAY_SIZE (ns_table);
  return ns_table;
}

const struct oci_ns_info *
oci_ns_by_flag (int flag)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (ns_table); i++)
    if (ns_table[i].flag == flag)
      return &ns_table[i];
  return NULL;
}

const struct oci_ns_info *
oci_ns_by_name (const char *name)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (ns_table); i++)
    if (strcmp (ns_table[i].oci_name, name) == 0)
      return &ns_table[i];
  return NULL;
}

/* Mount options as mount(8) spells them; `clear` options undo a flag that a
 * default or an earlier option may have set. */
static const struct oci_mount_opt mount_opts[] = {
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },
  { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },
  { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },
  { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "bind", false, MS_BIND },
  { "rbind", false, MS_BIND | MS_REC },
  { "defaults", false, 0 },
};

/* runtime-spec 1.1's recursive mount attributes, as runc maps them. */
static const struct oci_mount_opt rec_attrs[] = {
  { "rro", false, MOUNT_ATTR_RDONLY },
  { "rrw", true, MOUNT_ATTR_RDONLY },
  { "rnosuid", false, MOUNT_ATTR_NOSUID },
  { "rsuid", true, MOUNT_ATTR_NOSUID },
  { "rnodev", false, MOUNT_ATTR_NODEV },
  { "rdev", true, MOUNT_ATTR_NODEV },
  { "rnoexec", false, MOUNT_ATTR_NOEXEC },
  { "rexec", true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
  { "rrelatime", false, MOUNT_ATTR_RELATIME },
  { "rnorelatime", true, MOUNT_ATTR_RELATIME },
  { "rnoatime", false, MOUNT_ATTR_NOATIME },
  { "ratime", true, MOUNT_ATTR_NOATIME },
  { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
  { "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

static const struct oci_mount_opt *
opt_lookup (const struct oci_mount_opt *table, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

const struct oci_mount_opt *
oci_rec_attr_lookup (const char *name)
{
  return opt_lookup (rec_attrs, ARRAY_SIZE (rec_attrs), name);
}

const struct oci_mount_opt *
oci_mount_opt_lookup (const char *name)
{
  return opt_lookup (mount_opts, ARRAY_SIZE (mount_opts), name);
}

static const struct oci_flag_name propagations[] = {
  { "private", MS_PRIVATE },
  { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },
  { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },
  { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE },
  { "runbindable", MS_UNBINDABLE | MS_REC },
};

int
oci_propagation_lookup (const char *name, unsigned long *out)
{
  return flag_lookup (propagations, ARRAY_SIZE (propagations), name, out);
}

static const struct oci_flag_name rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
oci_rlimit_lookup (const char *name)
{
  unsigned long v;

  if (flag_lookup (rlimits, ARRAY_SIZE (rlimits), name, &v) < 0)
    return -1;
  return (int) v;
}

const char *
oci_rlimit_name (int resource)
{
  for (size_t i = 0; i < ARRAY_SIZE (rlimits); i++)
    if ((int) rlimits[i].value == resource)
      return rlimits[i].name;
  return NULL;
}

/* ERRNO and TRACE carry a value; the parser folds errnoRet in afterwards. */
static const struct oci_flag_name seccomp_actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0) },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0) },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static const struct oci_flag_name seccomp_archs[] = {
  { "SCMP_ARCH_NATIVE", SCMP_ARCH_NATIVE },
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

static const struct oci_flag_name seccomp_ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

int
oci_seccomp_action_lookup (const char *name, uint32_t *out)
{
  unsigned long v;

  if (flag_lookup (seccomp_actions, ARRAY_SIZE (seccomp_actions), name, &v) < 0)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

int
oci_seccomp_arch_lookup (const char *name, uint32_t *out)
{
  unsigned long v;

  if (flag_lookup (seccomp_archs, ARRAY_SIZE (seccomp_archs), name, &v) < 0)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

int
oci_seccomp_op_lookup (const char *name, int *out)
{
  unsigned long v;

  if (flag_lookup (seccomp_ops, ARRAY_SIZE (seccomp_ops), name, &v) < 0)
    return -1;
  *out = (int) v;
  return 0;
}

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* process.scheduler.policy. SCHED_ISO (4) is reserved in the kernel's
 * numbering but never implemented: the parser refuses it by name. */
static const struct oci_flag_name sched_policies[] = {
  { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO },
  { "SCHED_RR", SCHED_RR },       { "SCHED_BATCH", SCHED_BATCH },
  { "SCHED_ISO", 4 },             { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", SCHED_DEADLINE },
};

/* process.scheduler.flags: struct sched_attr's sched_flags bits
 * (linux/sched.h). */
static const struct oci_flag_name sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

/* process.ioPriority.class (linux/ioprio.h). */
static const struct oci_flag_name ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

/* linux.personality.domain (sys/personality.h: PER_LINUX, PER_LINUX32). */
static const struct oci_flag_name personalities[] = {
  { "LINUX", 0x0000 },
  { "LINUX32", 0x0008 },
};

static const char *
flag_name (const struct oci_flag_name *t, size_t n, unsigned long value)
{
  for (size_t i = 0; i < n; i++)
    if (t[i].value == value)
      return t[i].name;
  return NULL;
}

int
oci_sched_policy_lookup (const char *name, unsigned long *out)
{
  return flag_lookup (sched_policies, ARRAY_SIZE (sched_policies), name, out);
}

const char *
oci_sched_policy_name (uint32_t policy)
{
  return flag_name (sched_policies, ARRAY_SIZE (sched_policies), policy);
}

int
oci_sched_flag_lookup (const char *name, unsigned long *out)
{
  return flag_lookup (sched_flags, ARRAY_SIZE (sched_flags), name, out);
}

const char *
oci_sched_flag_name (uint64_t flag)
{
  return flag_name (sched_flags, ARRAY_SIZE (sched_flags), (unsigned long) flag);
}

int
oci_ioprio_class_lookup (const char *name, unsigned long *out)
{
  return flag_lookup (ioprio_classes, ARRAY_SIZE (ioprio_classes), name, out);
}

const char *
oci_ioprio_class_name (int class_)
{
  return flag_name (ioprio_classes, ARRAY_SIZE (ioprio_classes), (unsigned long) class_);
}

int
oci_personality_lookup (const char *name, unsigned long *out)
{
  return flag_lookup (personalities, ARRAY_SIZE (personalities), name, out);
}

/* linux/mempolicy.h: modes and the mode flags of set_mempolicy (2). */
static const struct
{
  const char *name;
  int value;
} mpol_modes[] = {
  { "MPOL_DEFAULT", 0 },        { "MPOL_PREFERRED", 1 },  { "MPOL_BIND", 2 },
  { "MPOL_INTERLEAVE", 3 },     { "MPOL_LOCAL", 4 },      { "MPOL_PREFERRED_MANY", 5 },
  { "MPOL_WEIGHTED_INTERLEAVE", 6 },
}, mpol_flags[] = {
  { "MPOL_F_NUMA_BALANCING", 1 << 13 },
  { "MPOL_F_RELATIVE_NODES", 1 << 14 },
  { "MPOL_F_STATIC_NODES", 1 << 15 },
};

int
oci_mpol_mode_lookup (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (mpol_modes); i++)
    if (strcmp (mpol_modes[i].name, name) == 0)
      return mpol_modes[i].value;
  return -1;
}

int
oci_mpol_flag_lookup (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (mpol_flags); i++)
    if (strcmp (mpol_flags[i].name, name) == 0)
      return mpol_flags[i].value;
  return -1;
}
