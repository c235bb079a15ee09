/* linux.resources.devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * written instruction by instruction and loaded with the bpf() syscall.
 *
 * The program checks the rules from last to first and returns the verdict of
 * the first that matches, so the last matching rule wins (OCI and v1
 * semantics); with no match it denies. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util/log.h"
#include "../util/utils.h"

#define INSN(c, d, s, o, i)                                                   \
  ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN (BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU64_IMM(op, dst, imm) INSN (BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_REG(dst, src) INSN (BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JNE_IMM(dst, imm, off) INSN (BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JNE_REG(dst, src, off) INSN (BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0)
#define EXIT_INSN() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_OLD_PROGS 64

struct prog
{
  struct bpf_insn *insns;
  size_t n;
};

static void
emit (struct prog *p, struct bpf_insn insn)
{
  p->insns = xrealloc (p->insns, (p->n + 1) * sizeof (insn));
  p->insns[p->n++] = insn;
}

static int
access_mask (const char *access)
{
  int mask = 0;

  if (access[0] == '\0')
    return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  mask |= strchr (access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0;
  mask |= strchr (access, 'r') ? BPF_DEVCG_ACC_READ : 0;
  mask |= strchr (access, 'w') ? BPF_DEVCG_ACC_WRITE : 0;
  return mask;
}

/* One rule; returns false when it matches everything (nothing after it can
 * run, and the verifier refuses unreachable code). Registers: R2 device
 * type, R3 requested access, R4 major, R5 minor. */
static bool
emit_rule (struct prog *p, const struct oci_device_rule *r)
{
  size_t jumps[4], n_jumps = 0, i;
  int acc = access_mask (r->access);
  const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

  if (r->type == 'c' || r->type == 'b')
    {
      jumps[n_jumps++] = p->n;
      emit (p, JNE_IMM (BPF_REG_2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
    }
  if (acc != all)
    {
      emit (p, MOV64_REG (BPF_REG_1, BPF_REG_3));
      emit (p, ALU64_IMM (BPF_AND, BPF_REG_1, acc));
      jumps[n_jumps++] = p->n;
      emit (p, JNE_REG (BPF_REG_1, BPF_REG_3, 0));
    }
  if (r->type != 'a' && r->major >= 0)
    {
      jumps[n_jumps++] = p->n;
      emit (p, JNE_IMM (BPF_REG_4, (int32_t) r->major, 0));
    }
  if (r->type != 'a' && r->minor >= 0)
    {
      jumps[n_jumps++] = p->n;
      emit (p, JNE_IMM (BPF_REG_5, (int32_t) r->minor, 0));
    }
  emit (p, ALU64_IMM (BPF_MOV, BPF_REG_0, r->allow ? 1 : 0));
  emit (p, EXIT_INSN ());
  for (i = 0; i < n_jumps; i++)
    p->insns[jumps[i]].off = (int16_t) (p->n - jumps[i] - 1);
  return n_jumps > 0;
}

size_t
cg_ebpf_build (const struct oci_device_rule *rules, size_t n, void **insns)
{
  struct prog p = { NULL, 0 };
  bool reachable = true;
  size_t i;

  /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
  emit (&p, LDX_W (BPF_REG_2, BPF_REG_1, 0));
  emit (&p, ALU64_IMM (BPF_AND, BPF_REG_2, 0xffff));
  emit (&p, LDX_W (BPF_REG_3, BPF_REG_1, 0));
  emit (&p, ALU64_IMM (BPF_RSH, BPF_REG_3, 16));
  emit (&p, LDX_W (BPF_REG_4, BPF_REG_1, 4));
  emit (&p, LDX_W (BPF_REG_5, BPF_REG_1, 8));
  for (i = n; reachable && i > 0; i--)
    reachable = emit_rule (&p, &rules[i - 1]);
  if (reachable)
    {
      emit (&p, ALU64_IMM (BPF_MOV, BPF_REG_0, 0));
      emit (&p, EXIT_INSN ());
    }
  *insns = p.insns;
  return p.n;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (__NR_bpf, cmd, attr, sizeof (*attr));
}

static int
load_prog (const struct bpf_insn *insns, size_t n, silo_error_t *err)
{
  static char log[4096];
  union bpf_attr attr;
  int fd;

  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) insns;
  attr.insn_cnt = (uint32_t) n;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  /* Load again with the verifier log, for the message. */
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof (log);
  attr.log_level = 1;
  log[0] = '\0';
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  return silo_make_error (err, errno, "linux.resources.devices: load the eBPF device program "
                                      "(%zu insns) %s", n, log);
}

/* Programs attached to the cgroup before ours, to detach once ours is in. */
static size_t
query_progs (int dirfd, uint32_t *ids, size_t max)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof (attr));
  attr.query.target_fd = (uint32_t) dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
  attr.query.prog_cnt = (uint32_t) max;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return 0;
  return attr.query.prog_cnt < max ? attr.query.prog_cnt : max;
}

static void
detach_prog (int dirfd, uint32_t id)
{
  cleanup_close int fd = -1;
  union bpf_attr attr;

  memset (&attr, 0, sizeof (attr));
  attr.prog_id = id;
  fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    return;
  memset (&attr, 0, sizeof (attr));
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0)
    pr_debug ("cgroup: detach old device program %u: %s", id, strerror (errno));
}

int
cg_ebpf_apply_devices (const char *dir, const struct oci_device_rule *rules, size_t n,
                       silo_error_t *err)
{
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_close int dirfd = -1, progfd = -1;
  uint32_t old[MAX_OLD_PROGS];
  size_t n_insns, n_old, i;
  union bpf_attr attr;

  n_insns = cg_ebpf_build (rules, n, (void **) &insns);
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return silo_make_error (err, errno, "linux.resources.devices: open `%s`", dir);
  progfd = load_prog (insns, n_insns, err);
  if (progfd < 0)
    return progfd;
  n_old = query_progs (dirfd, old, MAX_OLD_PROGS);
  memset (&attr, 0, sizeof (attr));
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return silo_make_error (err, errno, "linux.resources.devices: attach the eBPF device "
                                        "program to `%s`", dir);
  for (i = 0; i < n_old; i++)
    detach_prog (dirfd, old[i]);
  return 0;
}
