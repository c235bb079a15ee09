/* config.json (OCI runtime-spec 1.x) parsed once into typed structs.
 * Nothing outside oci/ touches JSON for the config: runtime/, namespaces/ and
 * cgroups/ read these structs only. Every validation error names the JSON
 * path, e.g. "config.json: process.args: must be a non-empty array". */
#ifndef SILO_OCI_H
#define SILO_OCI_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/error.h"

/* An optional integer: `set` is false when the field is absent. */
struct oci_opt
{
  bool set;
  int64_t value;
};

/* A key/value pair list (annotations, sysctl, unified, ...). */
struct oci_kv
{
  char *key;
  char *value;
};

struct oci_kv_list
{
  struct oci_kv *items;
  size_t len;
};

/* A string in the list; NULL when absent. */
const char *oci_kv_get (const struct oci_kv_list *l, const char *key);

struct oci_idmap
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_rlimit
{
  int resource; /* RLIMIT_* */
  uint64_t soft;
  uint64_t hard;
};

struct oci_user
{
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  struct oci_opt umask;
};

/* Capability sets as bitmasks over CAP_* numbers (bit n = capability n). */
struct oci_caps
{
  uint64_t bounding;
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

/* process.scheduler (runtime-spec 1.2): sched_setattr(2)'s attributes. */
struct oci_scheduler
{
  bool set;
  uint32_t policy; /* SCHED_* */
  int32_t nice;
  uint32_t priority;
  uint64_t flags; /* SCHED_FLAG_* */
  uint64_t runtime, deadline, period; /* ns, SCHED_DEADLINE only */
};

/* process.ioPriority (runtime-spec 1.2): ioprio_set(2) for the process. */
struct oci_io_priority
{
  bool set;
  int class_; /* IOPRIO_CLASS_* */
  int priority; /* 0 (highest) .. 7 */
};

struct oci_process
{
  bool terminal;
  unsigned console_height;
  unsigned console_width;
  struct oci_user user;
  char **args; /* NULL-terminated, non-empty */
  char **env;  /* NULL-terminated, may be empty */
  char *cwd;   /* absolute */
  bool has_caps;
  struct oci_caps caps;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  struct oci_opt oom_score_adj;
  char *apparmor_profile;
  char *selinux_label;
  struct oci_scheduler scheduler;
  struct oci_io_priority io_priority;
  /* process.execCPUAffinity (runtime-spec 1.2), for exec only: initial
   * is the runtime's own before the process joins the cgroup, final the
   * process's after; unset when absent or empty. */
  struct
  {
    bool initial_set, final_set;
    cpu_set_t initial, final;
  } exec_cpu_affinity;
};

enum oci_hook_kind
{
  OCI_HOOK_PRESTART,
  OCI_HOOK_CREATE_RUNTIME,
  OCI_HOOK_CREATE_CONTAINER,
  OCI_HOOK_START_CONTAINER,
  OCI_HOOK_POSTSTART,
  OCI_HOOK_POSTSTOP,
  OCI_HOOK_KINDS,
};

struct oci_hook
{
  char *path;
  char **args; /* NULL-terminated; may be NULL */
  char **env;  /* NULL-terminated; may be NULL */
  int timeout; /* seconds, 0 = none */
};

struct oci_hook_list
{
  struct oci_hook *items;
  size_t len;
};

struct oci_mount
{
  char *destination; /* absolute inside the container */
  char *type;        /* may be NULL for bind mounts */
  char *source;      /* may be NULL */
  char **options;    /* raw options, NULL-terminated */
  /* Derived from options by the parser: */
  unsigned long flags;       /* MS_* to set (MS_BIND, MS_RDONLY, ...) */
  unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, dev, exec, ...) */
  unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE | MS_REC */
  char *data;                /* remaining options joined with ',' (size=, mode=, ...) */
  bool is_bind;
  bool tmpcopyup; /* runc extension: a tmpfs starts with what it covers */
  /* An idmapped bind (runtime-spec 1.2: uidMappings/gidMappings, options
   * idmap and ridmap). Without mappings of its own the mount takes the
   * container's user namespace mappings (the validator checks there are). */
  bool idmap;
  bool idmap_recursive; /* ridmap: every mount below the source too */
  /* Recursive mount attributes (runtime-spec 1.1: rro, rnosuid, ...):
   * MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) over the whole tree. */
  uint64_t rec_attr_set, rec_attr_clr;
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
};

struct oci_namespace
{
  int type;   /* CLONE_NEW* */
  char *path; /* join this namespace when set */
};

struct oci_device
{
  char *path;
  char type; /* 'c', 'b', 'u', 'p' */
  int64_t major;
  int64_t minor;
  struct oci_opt file_mode;
  struct oci_opt uid;
  struct oci_opt gid;
};

/* linux.resources.devices[] entry. */
struct oci_device_rule
{
  bool allow;
  char type; /* 'a', 'c', 'b' */
  int64_t major; /* -1 = any */
  int64_t minor; /* -1 = any */
  char access[4]; /* subset of "rwm" */
};

struct oci_weight_device
{
  int64_t major;
  int64_t minor;
  struct oci_opt weight;
  struct oci_opt leaf_weight;
};

struct oci_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct oci_hugepage_limit
{
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct oci_net_priority
{
  char *name;
  uint32_t priority;
};

struct oci_resources
{
  struct oci_device_rule *devices;
  size_t n_devices;

  struct
  {
    struct oci_opt limit, reservation, swap, kernel, kernel_tcp, swappiness;
    bool disable_oom_killer;
    bool use_hierarchy;
    bool has_disable_oom_killer;
    bool check_before_update; /* update: refuse a limit below the usage */
  } memory;

  struct
  {
    struct oci_opt shares, quota, burst, period, realtime_runtime, realtime_period, idle;
    char *cpus; /* cpuset list, NULL when absent */
    char *mems;
  } cpu;

  struct oci_opt pids_limit;

  struct
  {
    struct oci_opt weight, leaf_weight;
    struct oci_weight_device *weight_device;
    size_t n_weight_device;
    struct oci_throttle_device *throttle_read_bps, *throttle_write_bps;
    struct oci_throttle_device *throttle_read_iops, *throttle_write_iops;
    size_t n_throttle_read_bps, n_throttle_write_bps;
    size_t n_throttle_read_iops, n_throttle_write_iops;
  } block_io;

  struct oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;

  struct
  {
    struct oci_opt class_id;
    struct oci_net_priority *priorities;
    size_t n_priorities;
  } network;

  struct oci_kv_list unified;
};

struct oci_seccomp_arg
{
  unsigned index;
  uint64_t value;
  uint64_t value_two;
  int op; /* enum scmp_compare (SCMP_CMP_*) */
};

struct oci_seccomp_rule
{
  char **names; /* NULL-terminated */
  uint32_t action; /* SCMP_ACT_* with errno folded in for SCMP_ACT_ERRNO/TRACE */
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp
{
  uint32_t default_action; /* SCMP_ACT_* with errno folded in */
  uint32_t *architectures; /* SCMP_ARCH_* tokens */
  size_t n_architectures;
  char **flags; /* SECCOMP_FILTER_FLAG_* names, NULL-terminated, may be NULL */
  char *listener_path;
  char *listener_metadata;
  struct oci_seccomp_rule *rules;
  size_t n_rules;
};

/* linux.netDevices: the host interface host_name moves into the
 * container's network namespace as name (host_name when not given). */
struct oci_net_device
{
  char *host_name;
  char *name;
};

/* Node masks of linux.memoryPolicy: up to 1024 nodes, as the kernel's
 * largest MAX_NUMNODES. */
#define OCI_MPOL_NODE_WORDS (1024 / (8 * sizeof (unsigned long)))

struct oci_linux
{
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct oci_device *devices;
  size_t n_devices;
  char *cgroups_path; /* NULL when absent */
  struct oci_resources *resources; /* NULL when absent */
  char *rootfs_propagation;        /* as written; NULL when absent */
  unsigned long rootfs_propagation_flags; /* MS_* | MS_REC, 0 when absent */
  char **masked_paths;   /* NULL-terminated, may be NULL */
  char **readonly_paths; /* NULL-terminated, may be NULL */
  struct oci_kv_list sysctl;
  struct oci_seccomp *seccomp; /* NULL when absent */
  char *mount_label;
  struct
  {
    bool set;
    int64_t monotonic_secs, monotonic_nanosecs, boottime_secs, boottime_nanosecs;
  } time_offsets;
  struct oci_net_device *net_devices; /* linux.netDevices (runtime-spec 1.3) */
  size_t n_net_devices;
  struct
  {
    bool set;
    unsigned long domain; /* PER_LINUX or PER_LINUX32 */
  } personality; /* linux.personality (runtime-spec 1.1) */
  struct
  {
    bool set;
    int mode;                 /* MPOL_* */
    unsigned flags;           /* MPOL_F_* of set_mempolicy (2) */
    unsigned long nodes[OCI_MPOL_NODE_WORDS]; /* node mask */
  } memory_policy; /* linux.memoryPolicy (runtime-spec 1.3) */
};

/* MPOL_* and MPOL_F_* by name (their kernel values); -1 when unknown. */
int oci_mpol_mode_lookup (const char *name);
int oci_mpol_flag_lookup (const char *name);

struct oci_config
{
  char *oci_version;
  char *root_path; /* as written; relative to the bundle when not absolute */
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct oci_process *process; /* NULL when absent (invalid for create) */
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_hook_list hooks[OCI_HOOK_KINDS];
  struct oci_kv_list annotations;
  struct oci_linux linux_;
};

/* Parse config.json text. `what` names the source in messages ("config.json"). */
int oci_config_parse (const char *text, const char *what, struct oci_config **out,
                      silo_error_t *err);
int oci_config_load (const char *path, struct oci_config **out, silo_error_t *err);
/* The largest config.json (or process.json) silo reads. */
#define OCI_MAX_CONFIG_SIZE (16 * 1024 * 1024)
/* Read a JSON file that must be a regular file of at most
 * OCI_MAX_CONFIG_SIZE bytes (not a FIFO, a device, /dev/zero ...); errors
 * name the path. */
int oci_read_config_file (const char *path, char **out, silo_error_t *err);
void oci_config_free (struct oci_config *cfg);

/* Parse a standalone process.json (`exec --process`). */
int oci_process_parse (const char *text, const char *what, struct oci_process **out,
                       silo_error_t *err);
/* A deep copy, freed with oci_process_free. */
struct oci_process *oci_process_dup (const struct oci_process *p);
void oci_process_free (struct oci_process *p);

/* Parse a linux.resources object alone (`update -r FILE`). */
int oci_resources_parse (const char *text, const char *what, struct oci_resources **out,
                         silo_error_t *err);
void oci_resources_free (struct oci_resources *r);
/* Anything in r but device rules (which a rootless container without a
 * cgroup cannot need: it can make no device node). */
bool oci_resources_limits_set (const struct oci_resources *r);

/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; NULL for a resource OCI does not name. */
const char *oci_rlimit_name (int resource);

/* Names for process.scheduler and process.ioPriority values (NULL when
 * OCI names none), to write a process back as JSON. */
const char *oci_sched_policy_name (uint32_t policy);
const char *oci_sched_flag_name (uint64_t flag);
const char *oci_ioprio_class_name (int class_);

/* The namespace table: OCI name <-> CLONE_NEW* <-> /proc/PID/ns name. */
struct oci_ns_info
{
  const char *oci_name;
  const char *proc_name;
  int flag;
};
const struct oci_ns_info *oci_ns_table (size_t *len);
const struct oci_ns_info *oci_ns_by_flag (int flag);

/* Is the namespace of this type requested (new or joined)? Returns it or NULL. */
const struct oci_namespace *oci_config_namespace (const struct oci_config *cfg, int flag);

/* A bind source given as a relative path names a path in the bundle
 * (runtime-spec): make it absolute, for both modes, at create. */
void oci_config_resolve_sources (struct oci_config *cfg, const char *bundle);

/* The default config.json `silo spec` writes (rootless: user namespace + maps). */
char *oci_default_spec (bool rootless);

#endif
