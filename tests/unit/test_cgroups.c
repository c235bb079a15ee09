/* cgroups: conversions and the v2 code on a fake cgroup2 tree in a temp dir,
 * then real cgroups on this host (root only). */
#include "cgroups/internal.h"
#include "tests/unit/unit.h"
#include "util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024 * 1024)

static char fake_root[64];
static char real_parent[64];

/* ---- fake tree helpers ---- */

static int
touch (const char *dir, const char *file, const char *content)
{
  char path[512];
  FILE *f;

  snprintf (path, sizeof (path), "%s/%s", dir, file);
  f = fopen (path, "w");
  if (f == NULL)
    return -1;
  fputs (content, f);
  fclose (f);
  return 0;
}

static char *
slurp (const char *dir, const char *file)
{
  char *text = NULL;
  silo_error_t err = NULL;

  if (cg_read (dir, file, &text, &err) < 0)
    {
      silo_error_release (&err);
      return xstrdup ("(missing)");
    }
  text[strcspn (text, "\n")] = '\0';
  return text;
}

static bool
file_is (const char *dir, const char *file, const char *want)
{
  cleanup_free char *got = slurp (dir, file);

  if (strcmp (got, want) == 0)
    return true;
  fprintf (stderr, "  %s/%s: `%s` != `%s`\n", dir, file, got, want);
  return false;
}

static const char *const v2_files[]
    = { "cgroup.procs", "cgroup.subtree_control", "cgroup.freeze", "cgroup.events",
        "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max",
        "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight",
        "io.max", "hugetlb.2MB.max", "memory.high" };

static char *
fake_leaf (const char *name)
{
  char *dir = NULL;
  size_t i;

  xasprintf (&dir, "%s/%s", fake_root, name);
  mkdir (dir, 0755);
  for (i = 0; i < ARRAY_SIZE (v2_files); i++)
    touch (dir, v2_files[i], "");
  return dir;
}

static void
init_res (struct oci_resources *r)
{
  memset (r, 0, sizeof (*r));
}

#define OPT(v) ((struct oci_opt){ true, (v) })

/* ---- conversions ---- */

static int
test_shares_to_weight (void)
{
  CHECK (cg_shares_to_weight (0) == 0);
  CHECK (cg_shares_to_weight (2) == 1);
  CHECK (cg_shares_to_weight (1024) == 39);
  CHECK (cg_shares_to_weight (262144) == 10000);
  CHECK (cg_blkio_weight_to_io (10) == 1);
  CHECK (cg_blkio_weight_to_io (1000) == 10000);
  return 0;
}

static int
test_cpu_max_format (void)
{
  struct oci_resources r;
  char buf[64];

  init_res (&r);
  cg_format_cpu_max (&r, buf, sizeof (buf));
  CHECK_STR (buf, "");
  r.cpu.quota = OPT (50000);
  r.cpu.period = OPT (100000);
  cg_format_cpu_max (&r, buf, sizeof (buf));
  CHECK_STR (buf, "50000 100000");
  r.cpu.quota = OPT (-1);
  cg_format_cpu_max (&r, buf, sizeof (buf));
  CHECK_STR (buf, "max 100000");
  r.cpu.quota = OPT (20000);
  r.cpu.period.set = false;
  cg_format_cpu_max (&r, buf, sizeof (buf));
  CHECK_STR (buf, "20000");
  return 0;
}

static int
test_swap_conversion (void)
{
  silo_error_t err = NULL;
  int64_t out = 0;

  CHECK (cg_swap_to_v2 (2048, 1024, &out, &err) == 0 && out == 1024);
  CHECK (cg_swap_to_v2 (-1, 1024, &out, &err) == 0 && out == -1);
  CHECK (cg_swap_to_v2 (0, -1, &out, &err) == 0 && out == -1);
  CHECK (cg_swap_to_v2 (1024, 1024, &out, &err) == 0 && out == 0);
  CHECK (cg_swap_to_v2 (512, 1024, &out, &err) < 0);
  CHECK (strstr (err->msg, "linux.resources.memory.swap") != NULL);
  silo_error_release (&err);
  CHECK (cg_swap_to_v2 (512, 0, &out, &err) < 0);
  silo_error_release (&err);
  return 0;
}

static int
test_io_max_lines (void)
{
  struct oci_throttle_device rbps[] = { { 8, 0, 1000 }, { 8, 16, 5 } };
  struct oci_throttle_device wiops[] = { { 8, 0, 42 } };
  struct oci_resources r;
  cleanup_strv char **lines = NULL;

  init_res (&r);
  r.block_io.throttle_read_bps = rbps;
  r.block_io.n_throttle_read_bps = 2;
  r.block_io.throttle_write_iops = wiops;
  r.block_io.n_throttle_write_iops = 1;
  lines = cg_format_io_max (&r);
  CHECK (strv_len (lines) == 2);
  CHECK_STR (lines[0], "8:0 rbps=1000 wiops=42");
  CHECK_STR (lines[1], "8:16 rbps=5");
  return 0;
}

static int
test_resolve_path (void)
{
  cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  silo_error_t err = NULL;

  CHECK (cg_resolve_path_at ("/my/group", "id1", false, "/nonexistent", &a, &err) == 0);
  CHECK_STR (a, "/my/group");
  CHECK (cg_resolve_path_at ("rel/x", "id1", false, "/nonexistent", &b, &err) == 0);
  CHECK_STR (b, "/silo/rel/x");
  CHECK (cg_resolve_path_at (NULL, "id1", false, "/nonexistent", &c, &err) == 0);
  CHECK_STR (c, "/silo/id1");
  CHECK (cg_resolve_path_at ("system.slice:docker:abc", "id1", false, "/nonexistent", &d, &err)
         < 0);
  CHECK (strstr (err->msg, "systemd") != NULL);
  silo_error_release (&err);
  CHECK (cg_resolve_path_at ("system.slice:docker:abc", "id1", true, "/nonexistent", &d, &err)
         < 0);
  CHECK_STR (err->msg, "systemd cgroup driver: systemd is not running");
  silo_error_release (&err);
  CHECK (cg_resolve_path_at ("/a/../b", "id1", false, "/nonexistent", &d, &err) < 0);
  silo_error_release (&err);
  /* With systemd "running" (a directory standing for /run/systemd/system). */
  CHECK (cg_resolve_path_at ("a-b.slice:pfx:name", "id1", true, fake_root, &d, &err) == 0);
  CHECK_STR (d, "/a.slice/a-b.slice/pfx-name.scope");
  CHECK (cg_resolve_path_at (":docker:abc", "id1", true, fake_root, &e, &err) == 0);
  CHECK_STR (e, "/system.slice/docker-abc.scope");
  return 0;
}

static int
test_mountinfo_parse (void)
{
  const char *text
      = "31 23 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "33 31 0:30 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup rw,memory\n"
        "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd,"
        "release_agent=/x\n"
        "35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
        "36 23 0:33 / /other/memory rw - cgroup cgroup rw,memory\n";
  struct cg_host host;
  silo_error_t err = NULL;
  struct cg_hier *h;

  memset (&host, 0, sizeof (host));
  CHECK (cg_parse_mountinfo (text, "/sys/fs/cgroup", &host, &err) == 0);
  CHECK (host.n_hiers == 4);
  h = cg_host_find (&host, "cpuacct");
  CHECK (h != NULL && h == cg_host_find (&host, "cpu"));
  CHECK_STR (h->name, "cpu,cpuacct");
  h = cg_host_find (&host, "name=systemd");
  CHECK (h != NULL && strv_len (h->controllers) == 1);
  CHECK_STR (cg_host_find (&host, "memory")->mount, "/sys/fs/cgroup/memory");
  CHECK (cg_host_v2 (&host) != NULL);
  CHECK_STR (cg_host_v2 (&host)->name, "unified");
  cg_host_release (&host);
  return 0;
}

static int
test_detect_fake_v2 (void)
{
  enum cg_layout layout = CG_LAYOUT_V1;
  silo_error_t err = NULL;

  CHECK (cg_detect_layout (fake_root, &layout, &err) == 0);
  CHECK (layout == CG_LAYOUT_V2);
  CHECK_STR (cg_layout_name (layout), "v2");
  return 0;
}

static int
test_v2_subtree_control (void)
{
  cleanup_free char *mid = NULL, *created = NULL, *leaf = NULL;
  silo_error_t err = NULL;

  xasprintf (&mid, "%s/silo", fake_root);
  mkdir (mid, 0755);
  touch (mid, "cgroup.subtree_control", "");
  touch (fake_root, "cgroup.subtree_control", "");
  CHECK (cg_v2_create (fake_root, "/silo/c1", &created, &err) == 0);
  CHECK (created != NULL && strstr (created, "/silo/c1") != NULL);
  CHECK (file_is (fake_root, "cgroup.subtree_control", "+cpu +memory +pids +io +hugetlb"));
  CHECK (file_is (mid, "cgroup.subtree_control", "+cpu +memory +pids +io +hugetlb"));
  xasprintf (&leaf, "%s/cgroup.subtree_control", created);
  CHECK (access (leaf, F_OK) < 0); /* the leaf itself is not touched */
  CHECK (cg_rmdir_rec (created, &err) == 0);
  return 0;
}

static int
test_v2_apply_fake (void)
{
  cleanup_free char *dir = fake_leaf ("apply");
  struct oci_hugepage_limit huge[] = { { (char *) "2MB", 4 * MiB } };
  struct oci_throttle_device wbps[] = { { 8, 0, 777 } };
  struct oci_resources r;
  silo_error_t err = NULL;

  init_res (&r);
  r.memory.limit = OPT (32 * MiB);
  r.memory.swap = OPT (48 * MiB);
  r.memory.reservation = OPT (16 * MiB);
  r.cpu.shares = OPT (1024);
  r.cpu.quota = OPT (50000);
  r.cpu.period = OPT (100000);
  r.cpu.burst = OPT (1000);
  r.cpu.cpus = (char *) "0";
  r.pids_limit = OPT (-1);
  r.block_io.weight = OPT (500);
  r.block_io.throttle_write_bps = wbps;
  r.block_io.n_throttle_write_bps = 1;
  r.hugepage_limits = huge;
  r.n_hugepage_limits = 1;
  CHECK (cg_v2_apply (dir, &r, &err) == 0);
  CHECK (file_is (dir, "memory.max", "33554432"));
  CHECK (file_is (dir, "memory.swap.max", "16777216"));
  CHECK (file_is (dir, "memory.low", "16777216"));
  CHECK (file_is (dir, "cpu.weight", "39"));
  CHECK (file_is (dir, "cpu.max", "50000 100000"));
  CHECK (file_is (dir, "cpu.max.burst", "1000"));
  CHECK (file_is (dir, "cpuset.cpus", "0"));
  CHECK (file_is (dir, "pids.max", "max"));
  CHECK (file_is (dir, "io.weight", "default 4950"));
  CHECK (file_is (dir, "io.max", "8:0 wbps=777"));
  CHECK (file_is (dir, "hugetlb.2MB.max", "4194304"));
  r.pids_limit = OPT (0);
  r.memory.limit = OPT (-1);
  r.memory.swap.set = false;
  CHECK (cg_v2_apply (dir, &r, &err) == 0);
  CHECK (file_is (dir, "pids.max", "max"));
  CHECK (file_is (dir, "memory.max", "max"));
  CHECK (file_is (dir, "memory.swap.max", "max"));
  r.pids_limit = OPT (10);
  CHECK (cg_v2_apply (dir, &r, &err) == 0);
  CHECK (file_is (dir, "pids.max", "10"));
  return 0;
}

static int
test_v2_hugetlb_unsupported (void)
{
  cleanup_free char *dir = fake_leaf ("huge");
  struct oci_hugepage_limit huge[] = { { (char *) "3MB", 4 * MiB } };
  struct oci_resources r;
  silo_error_t err = NULL;

  init_res (&r);
  r.hugepage_limits = huge;
  r.n_hugepage_limits = 1;
  CHECK (cg_v2_apply (dir, &r, &err) < 0);
  CHECK (strstr (err->msg, "linux.resources.hugepageLimits") != NULL);
  CHECK (strstr (err->msg, "hugetlb.3MB.max") != NULL);
  silo_error_release (&err);
  return 0;
}

static int
test_v2_unified_fake (void)
{
  cleanup_free char *dir = fake_leaf ("unified");
  struct oci_kv kv[] = { { (char *) "memory.high", (char *) "1234567" } };
  struct oci_kv bad[] = { { (char *) "../memory.max", (char *) "1" } };
  struct oci_kv missing[] = { { (char *) "nosuch.file", (char *) "1" } };
  struct oci_resources r;
  silo_error_t err = NULL;

  init_res (&r);
  r.unified.items = kv;
  r.unified.len = 1;
  CHECK (cg_v2_apply (dir, &r, &err) == 0);
  CHECK (file_is (dir, "memory.high", "1234567"));
  r.unified.items = bad;
  CHECK (cg_v2_apply (dir, &r, &err) < 0);
  silo_error_release (&err);
  r.unified.items = missing;
  CHECK (cg_v2_apply (dir, &r, &err) < 0);
  CHECK (strstr (err->msg, "linux.resources.unified.nosuch.file") != NULL);
  silo_error_release (&err);
  return 0;
}

static int
test_v2_public_api_fake (void)
{
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct cg_mount *m = NULL;
  silo_error_t err = NULL;
  size_t n = 0;
  char path[128];

  /* cg_create_at on a fake tree: the directory is created and the handle
   * names the v2 layout; cg_mounts gives one entry named "". */
  touch (fake_root, "cgroup.subtree_control", "");
  CHECK (cg_create_at (fake_root, "/api", NULL, &h, &err) == 0);
  CHECK (cg_mounts (h, &m, &n, &err) == 0);
  CHECK (n == 1);
  CHECK_STR (m[0].name, "");
  snprintf (path, sizeof (path), "%s/api", fake_root);
  CHECK_STR (m[0].host_path, path);
  cg_mounts_free (m, n);
  touch (path, "cgroup.procs", "12\n34\n");
  {
    cleanup_free pid_t *pids = NULL;
    CHECK (cg_pids (h, &pids, &n, &err) == 0);
    CHECK (n == 2 && pids[0] == 12 && pids[1] == 34);
  }
  snprintf (path, sizeof (path), "%s/api/cgroup.procs", fake_root);
  unlink (path);
  snprintf (path, sizeof (path), "%s/api", fake_root);
  CHECK (rmdir (path) == 0);
  return 0;
}

static int
test_ebpf_program_shape (void)
{
  struct oci_device_rule rules[] = {
    { false, 'a', -1, -1, "rwm" },
    { true, 'c', 1, 3, "rwm" },
    { true, 'c', 136, -1, "rw" },
  };
  struct bpf_insn *insns = NULL;
  size_t n;

  /* Catch-all deny first in the list, so checked last: no default needed. */
  n = cg_ebpf_build (rules, ARRAY_SIZE (rules), (void **) &insns);
  CHECK (n == 6 + 7 + 5 + 2);
  CHECK (insns[n - 1].code == (BPF_JMP | BPF_EXIT));
  CHECK (insns[n - 2].imm == 0);
  free (insns);
  n = cg_ebpf_build (rules + 1, 1, (void **) &insns);
  CHECK (n == 6 + 5 + 2);
  free (insns);
  return 0;
}

/* ---- real cgroups on this host ---- */

static struct cg_host real_host;
static bool real_ok;
static const char *real_skip = "not root";

static char *
real_path (const char *name)
{
  char *p = NULL;

  xasprintf (&p, "%s/%s", real_parent, name);
  return p;
}

static char *
real_dir (const char *controller, const char *path)
{
  struct cg_hier *h = controller ? cg_host_find (&real_host, controller) : cg_host_v2 (&real_host);

  return h ? cg_dir (h, path) : NULL;
}

/* No directory for `path` left in any hierarchy. */
static bool
nothing_left (const char *path)
{
  size_t i;

  for (i = 0; i < real_host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&real_host.hiers[i], path);
      if (access (dir, F_OK) == 0)
        {
          fprintf (stderr, "  left behind: %s\n", dir);
          return false;
        }
    }
  return true;
}

/* A child that waits on a pipe before doing `what`: 0 pause, 1 spin, 2 touch
 * 16 MiB then pause. Returns the pid; *go is the write end. */
static pid_t
spawn_child (int what, int *go)
{
  int p[2];
  pid_t pid;

  if (pipe (p) < 0)
    return -1;
  pid = fork ();
  if (pid == 0)
    {
      char c;
      volatile unsigned long spin = 0;
      close (p[1]);
      if (read (p[0], &c, 1) != 1)
        _exit (1);
      if (what == 1)
        for (;;)
          spin++;
      if (what == 2)
        {
          char *m = mmap (NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
          if (m != MAP_FAILED)
            memset (m, 1, 16 * MiB);
        }
      for (;;)
        pause ();
    }
  close (p[0]);
  *go = p[1];
  return pid;
}

static void
release_child (int *go)
{
  if (write (*go, "x", 1) != 1)
    perror ("write");
  close (*go);
  *go = -1;
}

static void
reap (pid_t pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
}

/* A child reaped however the test returns: a failed CHECK must not leave it
 * pausing forever with the harness's pipe open. */
static void
reap_ptr (pid_t *pid)
{
  if (*pid > 0)
    reap (*pid);
}
#define cleanup_child __attribute__ ((cleanup (reap_ptr)))

static int
test_real_create_limits (void)
{
  cleanup_free char *path = real_path ("limits");
  cleanup_free char *mem = NULL, *pids = NULL, *cpu = NULL, *cpuset = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct oci_resources r;
  silo_error_t err = NULL;

  if (!real_ok)
    SKIP (real_skip);
  init_res (&r);
  r.memory.limit = OPT (32 * MiB);
  r.pids_limit = OPT (10);
  r.cpu.quota = OPT (50000);
  r.cpu.period = OPT (100000);
  r.cpu.shares = OPT (512);
  r.cpu.cpus = (char *) "0";
  if (cg_create (path, &r, &h, &err) < 0)
    {
      fprintf (stderr, "  %s\n", err->msg);
      return -1;
    }
  mem = real_dir ("memory", path);
  pids = real_dir ("pids", path);
  cpu = real_dir ("cpu", path);
  cpuset = real_dir ("cpuset", path);
  CHECK (file_is (mem, "memory.limit_in_bytes", "33554432"));
  CHECK (file_is (pids, "pids.max", "10"));
  CHECK (file_is (cpu, "cpu.cfs_quota_us", "50000"));
  CHECK (file_is (cpu, "cpu.cfs_period_us", "100000"));
  CHECK (file_is (cpu, "cpu.shares", "512"));
  CHECK (file_is (cpuset, "cpuset.cpus", "0"));
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (nothing_left (path));
  CHECK (cg_destroy (h, &err) == 0); /* idempotent */
  return 0;
}

static bool
proc_cgroup_has (pid_t pid, const char *needle)
{
  char file[64];
  cleanup_free char *text = NULL;
  silo_error_t err = NULL;

  snprintf (file, sizeof (file), "/proc/%d/cgroup", (int) pid);
  if (read_file (file, &text, NULL, &err) < 0)
    {
      silo_error_release (&err);
      return false;
    }
  if (strstr (text, needle) != NULL)
    return true;
  fprintf (stderr, "  /proc/%d/cgroup lacks `%s`:\n%s", (int) pid, needle, text);
  return false;
}

static int
test_real_enter_pids_destroy (void)
{
  cleanup_free char *path = real_path ("enter");
  cleanup_free char *want = NULL, *nested = NULL, *memdir = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  cleanup_free pid_t *pids = NULL;
  silo_error_t err = NULL;
  size_t n = 0;
  int go = -1;
  cleanup_child pid_t pid = -1;

  if (!real_ok)
    SKIP (real_skip);
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  pid = spawn_child (0, &go);
  CHECK (pid > 0);
  CHECK (cg_enter (h, pid, &err) == 0);
  xasprintf (&want, ":memory:%s\n", path);
  CHECK (proc_cgroup_has (pid, want));
  if (cg_host_v2 (&real_host))
    {
      free (want);
      xasprintf (&want, "0::%s\n", path);
      CHECK (proc_cgroup_has (pid, want));
    }
  /* The container makes a cgroup of its own and moves into it. */
  memdir = real_dir ("memory", path);
  xasprintf (&nested, "%s/inner", memdir);
  CHECK (mkdir (nested, 0755) == 0);
  CHECK (cg_writef (nested, "cgroup.procs", "test", &err, "%d", (int) pid) == 0);
  CHECK (cg_pids (h, &pids, &n, &err) == 0);
  CHECK (n == 1 && pids[0] == pid);
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (waitpid (pid, NULL, 0) == pid);
  pid = -1;
  CHECK (nothing_left (path));
  close (go);
  return 0;
}

/* A delete killed half-way removed the cgroup from some hierarchies, the
 * one `cgroup.procs` is read from first among them, while a process is
 * still in another (a create killed between two cg_enter writes):
 * cg_remove by path kills it and removes what is left everywhere. */
static int
test_real_remove_partial (void)
{
  cleanup_free char *path = real_path ("partial");
  cleanup_free char *procs_dir = NULL, *other = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct cg_hier *procs, *hier = NULL;
  silo_error_t err = NULL;
  size_t i;
  int go = -1;
  pid_t pid;

  if (!real_ok)
    SKIP (real_skip);
  procs = cg_host_procs_hier (&real_host);
  for (i = 0; i < real_host.n_hiers && hier == NULL; i++)
    if (&real_host.hiers[i] != procs)
      hier = &real_host.hiers[i];
  if (hier == NULL)
    SKIP ("one hierarchy only");
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  pid = spawn_child (0, &go);
  CHECK (pid > 0);
  other = cg_dir (hier, path);
  CHECK (cg_writef (other, "cgroup.procs", "test", &err, "%d", (int) pid) == 0);
  procs_dir = cg_dir (procs, path);
  CHECK (rmdir (procs_dir) == 0);
  CHECK (cg_remove (path, &err) == 0);
  CHECK (waitpid (pid, NULL, 0) == pid);
  CHECK (nothing_left (path));
  CHECK (cg_remove (path, &err) == 0); /* nothing there: still fine */
  close (go);
  return 0;
}

static int
test_real_pids_limit (void)
{
  cleanup_free char *path = real_path ("pidsmax");
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct oci_resources r;
  silo_error_t err = NULL;
  int p[2], status = 0;
  pid_t pid;

  if (!real_ok)
    SKIP (real_skip);
  if (cg_host_find (&real_host, "pids") == NULL && cg_host_v2 (&real_host) == NULL)
    SKIP ("no pids controller");
  init_res (&r);
  r.pids_limit = OPT (3);
  CHECK (cg_create (path, &r, &h, &err) == 0);
  CHECK (pipe (p) == 0);
  pid = fork ();
  if (pid == 0)
    {
      char c;
      int ok = 0, i;
      close (p[1]);
      if (read (p[0], &c, 1) != 1)
        _exit (100);
      for (i = 0; i < 6; i++)
        {
          pid_t g = fork ();
          if (g == 0)
            for (;;)
              pause ();
          if (g > 0)
            ok++;
        }
      _exit (ok);
    }
  close (p[0]);
  CHECK (cg_enter (h, pid, &err) == 0);
  CHECK (write (p[1], "x", 1) == 1);
  close (p[1]);
  CHECK (waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status));
  fprintf (stderr, "  forks that succeeded under pids.max=3: %d\n", WEXITSTATUS (status));
  CHECK (WEXITSTATUS (status) == 2);
  CHECK (cg_destroy (h, &err) == 0); /* kills the grandchildren */
  CHECK (nothing_left (path));
  return 0;
}

static unsigned long
proc_utime (pid_t pid)
{
  cleanup_free char *text = NULL;
  const char *fields;
  unsigned long utime = 0;

  /* fields 3 to 14: state ppid pgrp session tty_nr tpgid flags minflt
     cminflt majflt cmajflt utime */
  if (read_proc_stat (pid, &text, &fields) < 0
      || sscanf (fields, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu", &utime) != 1)
    return 0;
  return utime;
}

static void
msleep (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

static int
test_real_freeze (void)
{
  cleanup_free char *path = real_path ("freeze");
  cleanup_free char *fdir = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  silo_error_t err = NULL;
  unsigned long t0, t1, t2;
  bool frozen = true;
  int go = -1;
  cleanup_child pid_t pid = -1;

  if (!real_ok)
    SKIP (real_skip);
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  pid = spawn_child (1, &go);
  CHECK (cg_enter (h, pid, &err) == 0);
  release_child (&go);
  msleep (100);
  CHECK (cg_is_frozen (h, &frozen, &err) == 0 && !frozen);
  CHECK (cg_freeze (h, true, &err) == 0);
  CHECK (cg_is_frozen (h, &frozen, &err) == 0 && frozen);
  fdir = real_dir ("freezer", path);
  if (fdir)
    CHECK (file_is (fdir, "freezer.state", "FROZEN"));
  t0 = proc_utime (pid);
  msleep (300);
  t1 = proc_utime (pid);
  CHECK (t0 == t1);
  CHECK (cg_freeze (h, false, &err) == 0);
  msleep (300);
  t2 = proc_utime (pid);
  CHECK (t2 > t1);
  CHECK (cg_is_frozen (h, &frozen, &err) == 0 && !frozen);
  CHECK (cg_kill_all (h, SIGKILL, &err) == 0);
  CHECK (waitpid (pid, NULL, 0) == pid);
  pid = -1;
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (nothing_left (path));
  return 0;
}

static int
test_real_stats (void)
{
  cleanup_free char *path = real_path ("stats");
  cleanup_cg_handle struct cg_handle *h = NULL;
  silo_error_t err = NULL;
  struct cg_stats st;
  int go = -1, i;
  cleanup_child pid_t pid = -1;

  if (!real_ok)
    SKIP (real_skip);
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  pid = spawn_child (2, &go);
  CHECK (cg_enter (h, pid, &err) == 0);
  release_child (&go);
  /* Until the child has touched its 16 MiB: a loaded machine may take long. */
  for (i = 0; i < 100; i++)
    {
      msleep (100);
      CHECK (cg_stats (h, &st, &err) == 0);
      if (st.mem_usage >= 16 * MiB && st.cpu_usage_ns > 0)
        break;
    }
  fprintf (stderr, "  usage %llu limit %llu pids %llu cpu %llu ns\n",
           (unsigned long long) st.mem_usage, (unsigned long long) st.mem_limit,
           (unsigned long long) st.pids_current, (unsigned long long) st.cpu_usage_ns);
  CHECK (st.mem_usage >= 16 * MiB);
  CHECK (st.mem_max_usage >= st.mem_usage || st.mem_max_usage == 0);
  CHECK (st.pids_current == 1);
  CHECK (st.cpu_usage_ns > 0);
  reap (pid);
  pid = -1;
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (nothing_left (path));
  return 0;
}

static int
expect_create_fails (const char *name, const struct oci_resources *r, const char *what)
{
  cleanup_free char *path = real_path (name);
  struct cg_handle *h = NULL;
  silo_error_t err = NULL;

  CHECK (cg_create (path, r, &h, &err) < 0);
  fprintf (stderr, "  %s\n", err->msg);
  CHECK (strstr (err->msg, what) != NULL);
  silo_error_release (&err);
  CHECK (h == NULL);
  CHECK (nothing_left (path));
  return 0;
}

static int
test_real_impossible_limits (void)
{
  struct oci_hugepage_limit huge[] = { { (char *) "3MB", 4 * MiB } };
  struct oci_resources r;

  if (!real_ok)
    SKIP (real_skip);
  init_res (&r);
  r.cpu.cpus = (char *) "999";
  CHECK (expect_create_fails ("cpuset999", &r, "linux.resources.cpu.cpus") == 0);
  init_res (&r);
  r.memory.limit = OPT (32 * MiB);
  r.hugepage_limits = huge;
  r.n_hugepage_limits = 1;
  CHECK (expect_create_fails ("huge3mb", &r, "linux.resources.hugepageLimits") == 0);
  return 0;
}

static int
test_real_memory_below_usage (void)
{
  cleanup_free char *path = real_path ("membusy");
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct oci_resources r;
  silo_error_t err = NULL;
  int go = -1;
  cleanup_child pid_t pid = -1;

  if (!real_ok)
    SKIP (real_skip);
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  pid = spawn_child (2, &go);
  CHECK (cg_enter (h, pid, &err) == 0);
  release_child (&go);
  msleep (300);
  init_res (&r);
  r.memory.limit = OPT (1);
  CHECK (cg_update (h, &r, &err) < 0);
  fprintf (stderr, "  %s\n", err->msg);
  CHECK (strstr (err->msg, "linux.resources.memory.limit") != NULL);
  silo_error_release (&err);
  CHECK (kill (pid, 0) == 0); /* still alive: no OOM kill from the refused limit */
  CHECK (cg_destroy (h, &err) == 0);
  waitpid (pid, NULL, 0);
  pid = -1;
  CHECK (nothing_left (path));
  return 0;
}

static int
test_real_hugetlb (void)
{
  cleanup_free char *path = real_path ("huge2mb");
  cleanup_free char *dir = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct oci_hugepage_limit huge[] = { { (char *) "2MB", 8 * MiB } };
  struct oci_resources r;
  silo_error_t err = NULL;

  if (!real_ok)
    SKIP (real_skip);
  if (access ("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) < 0)
    SKIP ("no 2MB huge pages on this host");
  init_res (&r);
  r.hugepage_limits = huge;
  r.n_hugepage_limits = 1;
  if (cg_create (path, &r, &h, &err) < 0)
    {
      fprintf (stderr, "  %s\n", err->msg);
      return -1;
    }
  dir = real_dir ("hugetlb", path);
  if (dir)
    CHECK (file_is (dir, "hugetlb.2MB.limit_in_bytes", "8388608"));
  else
    {
      dir = real_dir (NULL, path);
      CHECK (dir != NULL);
      CHECK (file_is (dir, "hugetlb.2MB.max", "8388608"));
    }
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (nothing_left (path));
  return 0;
}

static int
test_real_mounts (void)
{
  cleanup_free char *path = real_path ("mounts");
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct cg_mount *m = NULL;
  silo_error_t err = NULL;
  bool memory = false, unified = false, systemd = false;
  size_t n = 0, i;

  if (!real_ok)
    SKIP (real_skip);
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  CHECK (cg_mounts (h, &m, &n, &err) == 0);
  for (i = 0; i < n; i++)
    {
      CHECK (access (m[i].host_path, F_OK) == 0);
      memory |= strcmp (m[i].name, "memory") == 0;
      unified |= strcmp (m[i].name, "unified") == 0;
      systemd |= strcmp (m[i].name, "systemd") == 0;
    }
  cg_mounts_free (m, n);
  CHECK (memory || real_host.layout == CG_LAYOUT_V2);
  CHECK (unified == (real_host.layout == CG_LAYOUT_HYBRID));
  CHECK (systemd == (cg_host_find (&real_host, "name=systemd") != NULL));
  CHECK (cg_destroy (h, &err) == 0);
  return 0;
}

/* The eBPF device program on a real cgroup2 directory: /dev/null allowed,
 * /dev/zero denied. */
static int
test_real_ebpf_devices (void)
{
  cleanup_free char *path = real_path ("ebpf");
  cleanup_free char *dir = NULL;
  cleanup_cg_handle struct cg_handle *h = NULL;
  struct oci_device_rule rules[] = {
    { false, 'a', -1, -1, "rwm" },
    { true, 'c', 1, 3, "rwm" },
  };
  silo_error_t err = NULL;
  int status = 0;
  pid_t pid;

  if (!real_ok)
    SKIP (real_skip);
  if (cg_host_v2 (&real_host) == NULL)
    SKIP ("no cgroup2 hierarchy on this host");
  CHECK (cg_create (path, NULL, &h, &err) == 0);
  dir = real_dir (NULL, path);
  if (cg_ebpf_apply_devices (dir, rules, ARRAY_SIZE (rules), &err) < 0)
    {
      fprintf (stderr, "  %s\n", err->msg);
      return -1;
    }
  /* Applying again replaces the program rather than stacking a second one. */
  CHECK (cg_ebpf_apply_devices (dir, rules, ARRAY_SIZE (rules), &err) == 0);
  pid = fork ();
  if (pid == 0)
    {
      silo_error_t e = NULL;
      int null_fd, zero_fd;
      if (cg_enter (h, getpid (), &e) < 0)
        _exit (10);
      null_fd = open ("/dev/null", O_RDWR);
      zero_fd = open ("/dev/zero", O_RDONLY);
      _exit (null_fd >= 0 && zero_fd < 0 && errno == EPERM ? 0 : 11);
    }
  CHECK (waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  CHECK (cg_destroy (h, &err) == 0);
  CHECK (nothing_left (path));
  return 0;
}

static void
setup_real (void)
{
  silo_error_t err = NULL;

  snprintf (real_parent, sizeof (real_parent), "/silo-unit-%d", (int) getpid ());
  if (geteuid () != 0)
    return;
  if (cg_host_load (CG_DEFAULT_ROOT, &real_host, &err) < 0)
    {
      real_skip = "no cgroup hierarchies on this host";
      silo_error_release (&err);
      return;
    }
  real_ok = true;
}

static void
cleanup_real (void)
{
  silo_error_t err = NULL;
  size_t i;

  for (i = 0; real_ok && i < real_host.n_hiers; i++)
    {
      cleanup_free char *dir = cg_dir (&real_host.hiers[i], real_parent);
      if (cg_rmdir_rec (dir, &err) < 0)
        {
          fprintf (stderr, "  cleanup: %s\n", err->msg);
          silo_error_release (&err);
        }
    }
  cg_host_release (&real_host);
}

int
main (void)
{
  silo_error_t err = NULL;

  snprintf (fake_root, sizeof (fake_root), "/tmp/silo-cg-XXXXXX");
  if (mkdtemp (fake_root) == NULL)
    return 1;
  touch (fake_root, "cgroup.controllers", "cpu memory pids io hugetlb\n");
  setup_real ();
  RUN_TEST (test_shares_to_weight);
  RUN_TEST (test_cpu_max_format);
  RUN_TEST (test_swap_conversion);
  RUN_TEST (test_io_max_lines);
  RUN_TEST (test_resolve_path);
  RUN_TEST (test_mountinfo_parse);
  RUN_TEST (test_detect_fake_v2);
  RUN_TEST (test_v2_subtree_control);
  RUN_TEST (test_v2_apply_fake);
  RUN_TEST (test_v2_hugetlb_unsupported);
  RUN_TEST (test_v2_unified_fake);
  RUN_TEST (test_v2_public_api_fake);
  RUN_TEST (test_ebpf_program_shape);
  RUN_TEST (test_real_create_limits);
  RUN_TEST (test_real_enter_pids_destroy);
  RUN_TEST (test_real_remove_partial);
  RUN_TEST (test_real_pids_limit);
  RUN_TEST (test_real_freeze);
  RUN_TEST (test_real_stats);
  RUN_TEST (test_real_impossible_limits);
  RUN_TEST (test_real_memory_below_usage);
  RUN_TEST (test_real_hugetlb);
  RUN_TEST (test_real_mounts);
  RUN_TEST (test_real_ebpf_devices);
  cleanup_real ();
  rm_rf_at (AT_FDCWD, fake_root, &err);
  silo_error_release (&err);
  UNIT_EXIT ();
}
