/* Container cgroups on v1, hybrid and pure v2 hosts behind one interface.
 * The layout is detected once per call; a container's cgroup is named by one
 * string (its path relative to each hierarchy's root) saved in state.json, so
 * a later silo process reopens it with cg_open(). */
#ifndef SILO_CGROUPS_H
#define SILO_CGROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/oci.h"
#include "../util/error.h"

struct cg_handle; /* opaque */

enum cg_layout
{
  CG_LAYOUT_V1,     /* only v1 hierarchies */
  CG_LAYOUT_HYBRID, /* v1 controllers plus cgroup2 at /sys/fs/cgroup/unified */
  CG_LAYOUT_V2,     /* unified hierarchy at /sys/fs/cgroup */
};

/* Detect the host layout under `root` (normally "/sys/fs/cgroup"; tests pass
 * a temporary directory laid out like a cgroup mount). */
int cg_detect_layout (const char *root, enum cg_layout *out, silo_error_t *err);

/* Resolve linux.cgroupsPath into a path relative to the hierarchies' roots:
 * absolute paths are used as they are, relative ones under silo's own parent,
 * absent ones become "/silo/<id>". The systemd form "slice:prefix:name" is
 * only accepted when `systemd` is true, and then fails with a clear error if
 * systemd is not running. */
int cg_resolve_path (const char *cgroups_path, const char *id, bool systemd, char **out,
                     silo_error_t *err);

/* Create the container's cgroup in every hierarchy and apply `res` (may be
 * NULL). On failure nothing created is left behind. */
int cg_create (const char *path, const struct oci_resources *res, struct cg_handle **out,
               silo_error_t *err);
/* Reopen an existing container cgroup by the path cg_create was given. */
int cg_open (const char *path, struct cg_handle **out, silo_error_t *err);
void cg_handle_free (struct cg_handle *h);
#define cleanup_cg_handle __attribute__ ((cleanup (cg_handle_freep)))
void cg_handle_freep (struct cg_handle **h);

/* exec --cgroup: processes that enter through h (cg_enter, cg_join_fds)
 * go to a sub-cgroup of the container's instead, per spec: PATH in every
 * hierarchy, or CONTROLLER[,CONTROLLER...]:PATH in those v1 hierarchies
 * (runc's forms). PATH is relative and must exist. */
int cg_open_sub (struct cg_handle *h, char **specs, silo_error_t *err);
/* Move a process into the container's cgroup in every hierarchy. */
int cg_enter (struct cg_handle *h, pid_t pid, silo_error_t *err);
/* Enter without the kernel's global threadgroup lock (cgroup.procs writes
 * wait for an RCU grace period): *v2_fd is the cgroup2 directory to
 * clone3(CLONE_INTO_CGROUP) the new process into (-1 when the host has no
 * cgroup2 hierarchy); tasks_fds are the v1 `tasks` files, open for writing,
 * to which the new single-threaded process writes "0" to move itself. Open
 * here, so the kernel checks the caller's rights, not the process's. */
int cg_join_fds (struct cg_handle *h, int *v2_fd, int **tasks_fds, size_t *n, silo_error_t *err);
void cg_join_fds_close (int *v2_fd, int *tasks_fds, size_t n);
/* In a cgroup2 tree mounted at parent by the caller (the sandbox guest's):
 * enable parent's controllers for its children, make parent/name and apply
 * res there (NULL: none), as on a v2 host. */
int cg_v2_setup_dir (const char *parent, const char *name, const struct oci_resources *res,
                     silo_error_t *err);
/* Apply resources to the live cgroup (`silo update`). */
int cg_update (struct cg_handle *h, const struct oci_resources *res, silo_error_t *err);
/* Freeze or thaw; waits until the freezer reports the new state. */
int cg_freeze (struct cg_handle *h, bool frozen, silo_error_t *err);
int cg_is_frozen (struct cg_handle *h, bool *frozen, silo_error_t *err);
/* Every pid in the container's cgroup, nested cgroups included. */
int cg_pids (struct cg_handle *h, pid_t **pids, size_t *n, silo_error_t *err);
/* Signal every process (v2 cgroup.kill for SIGKILL where present). */
int cg_kill_all (struct cg_handle *h, int sig, silo_error_t *err);
/* Kill what remains and remove the cgroup, nested ones first, in every
 * hierarchy; a hierarchy where it is already gone is no error. */
int cg_destroy (struct cg_handle *h, silo_error_t *err);
/* cg_destroy by path, whatever is left of it: in no, some or every
 * hierarchy (a create or delete killed half-way). */
int cg_remove (const char *path, silo_error_t *err);

struct cg_stats
{
  uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
  uint64_t mem_usage, mem_limit, mem_max_usage, mem_failcnt, mem_cache;
  uint64_t swap_usage, swap_limit;
  uint64_t pids_current, pids_limit;
  uint64_t oom_kill_count; /* OOM kills seen by the cgroup */
  uint64_t blkio_read_bytes, blkio_write_bytes;
};
int cg_stats (struct cg_handle *h, struct cg_stats *out, silo_error_t *err);
/* The counters of a cgroup2 directory the caller names (the sandbox
 * guest's container cgroup). */
int cg_v2_stats_at (const char *dir, struct cg_stats *out, silo_error_t *err);

/* One mount to make inside the container for a "cgroup" mount in config.json:
 * `host_path` is bind-mounted on `<dest>/<name>` (name "" means dest itself,
 * as on pure v2). */
struct cg_mount
{
  char *name;
  char *host_path;
};
int cg_mounts (struct cg_handle *h, struct cg_mount **out, size_t *n, silo_error_t *err);
void cg_mounts_free (struct cg_mount *m, size_t n);

/* "v1", "hybrid" or "v2", for `silo features` and debug output. */
const char *cg_layout_name (enum cg_layout layout);

#endif
