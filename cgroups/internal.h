/* Helpers shared inside cgroups/. Every function takes the hierarchy root or
 * the cgroup directory as a parameter, so unit tests can run the v2 code on a
 * temporary directory laid out like a cgroup2 mount. */
#ifndef SILO_CGROUPS_INTERNAL_H
#define SILO_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"
#define CG_SILO_PARENT "/silo"

/* One mounted hierarchy: a v1 controller set or the cgroup2 hierarchy. */
struct cg_hier
{
  char *mount;        /* absolute mount point */
  char *name;         /* basename of the mount point ("cpu,cpuacct", "unified") */
  char **controllers; /* v1: controllers and "name=..." entries; v2: NULL */
  bool v2;
};

struct cg_host
{
  enum cg_layout layout;
  char *root;
  struct cg_hier *hiers;
  size_t n_hiers;
};

struct cg_handle;

/* The parts that differ between v1 (also used on hybrid hosts) and pure v2. */
struct cg_ops
{
  int (*apply) (struct cg_handle *h, const struct oci_resources *res, silo_error_t *err);
  int (*freeze) (struct cg_handle *h, bool frozen, silo_error_t *err);
  int (*is_frozen) (struct cg_handle *h, bool *frozen, silo_error_t *err);
  int (*stats) (struct cg_handle *h, struct cg_stats *out, silo_error_t *err);
};

struct cg_handle
{
  struct cg_host host;
  const struct cg_ops *ops;
  char *path; /* relative to every hierarchy root, starts with '/' */
  /* cg_open_sub: per hierarchy, the path processes enter (NULL: path). */
  char **enter_paths;
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* detect.c */
int cg_host_load (const char *root, struct cg_host *out, silo_error_t *err);
void cg_host_release (struct cg_host *host);
/* Parse /proc/self/mountinfo text into the v1 hierarchies (and the cgroup2
 * one) mounted under `root`. */
int cg_parse_mountinfo (const char *text, const char *root, struct cg_host *host,
                        silo_error_t *err);
struct cg_hier *cg_host_find (const struct cg_host *host, const char *controller);
struct cg_hier *cg_host_v2 (const struct cg_host *host);
/* The hierarchy to read processes from: v2 on pure v2, else pids, memory, any. */
struct cg_hier *cg_host_procs_hier (const struct cg_host *host);

/* fs.c: cgroup files. `what` names the OCI resource for error messages. */
char *cg_dir (const struct cg_hier *hier, const char *path);
int cg_write (const char *dir, const char *file, const char *value, const char *what,
              silo_error_t *err);
int cg_writef (const char *dir, const char *file, const char *what, silo_error_t *err,
               const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));
int cg_read (const char *dir, const char *file, char **out, silo_error_t *err);
bool cg_file_exists (const char *dir, const char *file);
/* Read "key value" from a flat-keyed file (memory.stat, cpu.stat, ...). */
int cg_read_key (const char *dir, const char *file, const char *key, uint64_t *out);
int cg_read_u64 (const char *dir, const char *file, uint64_t *out);
/* Append every pid in cgroup.procs of dir and its descendants. */
int cg_read_pids_rec (const char *dir, pid_t **pids, size_t *n, silo_error_t *err);
/* rmdir dir's descendants depth-first, then dir; a missing dir is fine. */
int cg_rmdir_rec (const char *dir, silo_error_t *err);
/* Create root+path level by level; *created gets the shallowest directory
 * created (NULL when it all existed). `setup` runs on each new level. */
typedef int (*cg_level_fn) (const char *parent, const char *dir, void *data, silo_error_t *err);
int cg_mkdir_levels (const char *root, const char *path, cg_level_fn setup, void *data,
                     char **created, silo_error_t *err);

/* v1.c */
int cg_v1_create (const struct cg_hier *hier, const char *path, char **created,
                  silo_error_t *err);

/* v2.c */
int cg_v2_create (const char *root, const char *path, char **created, silo_error_t *err);
/* Enable in the subtree_control of root and every ancestor of path the
 * controllers root's cgroup.controllers lists. */
int cg_v2_enable_controllers (const char *root, const char *path, silo_error_t *err);

/* Conversions shared with the tests. */
uint64_t cg_shares_to_weight (uint64_t shares);
uint64_t cg_blkio_weight_to_io (uint64_t weight);
void cg_format_cpu_max (const struct oci_resources *res, char *buf, size_t len);
/* OCI memory.swap (memory+swap) to memory.swap.max: *out -1 = "max", 0 = leave. */
int cg_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, silo_error_t *err);
void cg_format_limit (int64_t v, char *buf, size_t len); /* < 0 -> "max" */
/* io.max lines, one per device: "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..". */
char **cg_format_io_max (const struct oci_resources *res);

/* resources-v1.c / resources-v2.c */
int cg_v1_apply (struct cg_handle *h, const struct oci_resources *res, silo_error_t *err);
int cg_v2_apply (const char *dir, const struct oci_resources *res, silo_error_t *err);
int cg_v2_apply_hugetlb (const char *dir, const struct oci_resources *res, silo_error_t *err);
int cg_v2_apply_unified (const char *dir, const struct oci_resources *res, silo_error_t *err);

/* devices-ebpf.c: replace the device programs attached to the cgroup dir. */
int cg_ebpf_apply_devices (const char *dir, const struct oci_device_rule *rules, size_t n,
                           silo_error_t *err);
/* Build the program only (tests); returns the instruction count. */
size_t cg_ebpf_build (const struct oci_device_rule *rules, size_t n, void **insns);

/* freezer.c */
int cg_v1_freeze_dir (const char *dir, bool frozen, silo_error_t *err);
int cg_v1_is_frozen_dir (const char *dir, bool *frozen, silo_error_t *err);
int cg_v2_freeze_dir (const char *dir, bool frozen, silo_error_t *err);
int cg_v2_is_frozen_dir (const char *dir, bool *frozen, silo_error_t *err);

/* stats.c */
int cg_v1_stats (struct cg_handle *h, struct cg_stats *out, silo_error_t *err);
/* The counters of one v1 controller's directory (stats.c); -1 for a
 * controller that counts nothing silo reports. */
int cg_v1_stats_dir (const char *controller, const char *dir, struct cg_stats *out);
int cg_v2_stats_dir (const char *dir, struct cg_stats *out, silo_error_t *err);

/* Public entry points with an explicit root (tests). */
int cg_create_at (const char *root, const char *path, const struct oci_resources *res,
                  struct cg_handle **out, silo_error_t *err);
int cg_open_at (const char *root, const char *path, struct cg_handle **out, silo_error_t *err);
int cg_remove_at (const char *root, const char *path, silo_error_t *err);
int cg_resolve_path_at (const char *cgroups_path, const char *id, bool systemd,
                        const char *systemd_dir, char **out, silo_error_t *err);

#endif
