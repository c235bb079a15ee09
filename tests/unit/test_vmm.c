/* VMM tests. On /dev/kvm: boot the freestanding test guests
 * (tests/vm-guest) as an ELF and as a bzImage, and check what they report
 * over the serial line (zero page, e820, cmdline, initrd), the virtio-mmio
 * round trips (agent console both ways, 9p read), and power-off through the
 * i8042; with SILO_TEST_LINUX and vmx/svm, the guest kernel, alone and with
 * eth0 on a tap. Host-side, without KVM: the virtqueue, the virtio-mmio
 * transport and the 9p server over guest memory held in a plain buffer
 * (virtio-net's are in test_vmm_net.c). */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "unit.h"

#ifdef SILO_HAVE_VMM
#include <elf.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>

#include "sandbox-vm/vmm/internal.h"
#include "sandbox-vm/vmm/vmm.h"
#include "sandbox-vm/vmm/virtio/virtio.h"
#include "sandbox-vm/vmm/virtio/9p.h"
#include "util/utils.h"
#include "vmm_test.h"

static const char *
build_dir (void)
{
  const char *b = getenv ("BUILD");
  return b && *b ? b : "build";
}

static char *
guest_path (const char *name)
{
  char *p = NULL;
  xasprintf (&p, "%s/tests/vm-guest/%s", build_dir (), name);
  return p;
}

struct run
{
  char *console; /* everything the guest wrote to COM1 */
  char *agent;   /* what the guest sent on the agent channel */
  int ret;
  char *err;
  struct vmm_timing timing;
};

static void
run_free (struct run *r)
{
  free (r->console);
  free (r->agent);
  free (r->err);
}

/* Boot `kernel`; agent_in is written to the agent channel beforehand;
 * net (may be NULL) is the guest's eth0. */
static int
run_guest_net (struct run *r, const char *kernel, const char *cmdline, const char *initrd,
               const char *share, const char *agent_in, const struct vmm_net *net)
{
  int cons = memfd_create ("console", MFD_CLOEXEC), sv[2];
  struct vmm_config cfg = { .kernel = kernel, .initrd = initrd, .cmdline = cmdline,
                            .mem_bytes = 64 << 20, .vcpus = 1, .console_fd = cons,
                            .share_dir = share, .share_readonly = true, .timing = &r->timing };
  silo_error_t err = NULL;

  memset (r, 0, sizeof (*r));
  if (cons < 0 || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return -1;
  cfg.agent_fd = sv[0];
  if (net)
    {
      cfg.nets[0] = *net;
      cfg.n_nets = 1;
    }
  if (agent_in)
    write_all (sv[1], agent_in, strlen (agent_in));
  alarm (120); /* a guest that never powers off fails the test instead of hanging it */
  r->ret = vmm_run (&cfg, &err);
  alarm (0);
  if (r->ret < 0)
    {
      r->err = xstrdup (err->msg);
      fprintf (stderr, "  vmm_run: %s\n", err->msg);
      silo_error_release (&err);
    }
  lseek (cons, 0, SEEK_SET);
  read_all_fd (cons, &r->console);
  close (sv[0]);
  fcntl (sv[1], F_SETFL, O_NONBLOCK);
  read_all_fd (sv[1], &r->agent);
  close (sv[1]);
  close (cons);
  return 0;
}

static int
run_guest (struct run *r, const char *kernel, const char *cmdline, const char *initrd,
           const char *share, const char *agent_in)
{
  return run_guest_net (r, kernel, cmdline, initrd, share, agent_in, NULL);
}

/* A line of `out`; a guest tty ends its lines with "\r\n". */
static bool
has_line (const char *out, const char *line)
{
  size_t n = strlen (line);
  const char *p = out;

  for (; p && (p = strstr (p, line)); p++)
    if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\r' || p[n] == '\0'))
      return true;
  fprintf (stderr, "  missing line `%s` in guest output:\n%s\n", line, out ? out : "(none)");
  return false;
}

static const char initrd_data[] = "silo initrd contents 0123456789";

static char *
make_initrd (void)
{
  char *path = xstrdup ("/tmp/silo-test-initrd-XXXXXX");
  int fd = mkstemp (path);

  if (fd < 0)
    return NULL;
  write_all (fd, initrd_data, sizeof (initrd_data) - 1);
  close (fd);
  return path;
}

static uint32_t
initrd_sum (void)
{
  uint32_t sum = 0;
  size_t i;

  for (i = 0; i < sizeof (initrd_data) - 1; i++)
    sum = sum * 31 + (uint8_t) initrd_data[i];
  return sum;
}

static int
check_boot (const char *kernel_name, const char *version, unsigned long initrd_max)
{
  cleanup_free char *kernel = guest_path (kernel_name);
  cleanup_free char *initrd = NULL;
  cleanup_free char *want = NULL;
  unsigned long top = (64UL << 20) < initrd_max + 1 ? (64UL << 20) : initrd_max + 1;
  struct run r;

  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    SKIP ("/dev/kvm is not available");
  CHECK ((initrd = make_initrd ()) != NULL);
  CHECK (run_guest (&r, kernel, "console=ttyS0 reboot=k", initrd, NULL, NULL) == 0);
  unlink (initrd);
  CHECK (r.ret == 0);
  CHECK (has_line (r.console, "guest: up"));
  xasprintf (&want, "hdr.version=%s", version);
  CHECK (has_line (r.console, want));
  /* Two virtio consoles are announced after the caller's arguments. */
  CHECK (has_line (r.console, "cmdline=console=ttyS0 reboot=k virtio_mmio.device=0x1000@0xd0000000:5 "
                              "virtio_mmio.device=0x1000@0xd0001000:6"));
  CHECK (has_line (r.console, "e820: 0x0+0x9fc00:0x1 0x100000+0x3f00000:0x1"));
  free (want);
  xasprintf (&want, "initrd=0x%lx 0x%zx sum=0x%x", (top - (sizeof (initrd_data) - 1)) & ~0xfffUL,
             sizeof (initrd_data) - 1, initrd_sum ());
  CHECK (has_line (r.console, want));
  CHECK (has_line (r.console, "guest: power off"));
  CHECK (r.timing.ns[VMM_MARK_START] && r.timing.ns[VMM_MARK_FIRST_ENTRY] >= r.timing.ns[VMM_MARK_START]);
  CHECK (r.timing.ns[VMM_MARK_POWER_OFF] >= r.timing.ns[VMM_MARK_FIRST_ENTRY]);
  run_free (&r);
  return 0;
}

static int
test_boot_elf (void)
{
  return check_boot ("guest64.elf", "0x0", 0x37ffffff);
}

static int
test_boot_bzimage (void)
{
  return check_boot ("guest.bzImage", "0x20f", 0x7fffffff);
}

static char *
make_share (void)
{
  char *dir = xstrdup ("/tmp/silo-test-share-XXXXXX");
  silo_error_t err = NULL;

  if (mkdtemp (dir) == NULL || write_file_at (open (dir, O_PATH | O_CLOEXEC), "hello.txt", "hello 9p", 8, &err) < 0)
    return NULL;
  return dir;
}

static int
test_virtio_round_trips (void)
{
  cleanup_free char *kernel = guest_path ("guest64.elf");
  cleanup_free char *share = NULL;
  struct run r;

  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    SKIP ("/dev/kvm is not available");
  CHECK ((share = make_share ()) != NULL);
  CHECK (run_guest (&r, kernel, "t.virtio", NULL, share, "ping from the host") == 0);
  CHECK (r.ret == 0);
  CHECK (has_line (r.console, "virtio 0xd0000000 v2 id=0x3 features ok"));
  CHECK (has_line (r.console, "virtio 0xd0001000 v2 id=0x3 features ok"));
  CHECK (has_line (r.console, "virtio 0xd0002000 v2 id=0x9 features ok"));
  CHECK (has_line (r.console, "agent rx=ping from the host"));
  CHECK_STR (r.agent, "hello from the guest\n");
  CHECK (has_line (r.console, "9p tag=silo-root"));
  /* Rversion, Rattach, Rwalk, Rlopen, Rread. */
  CHECK (has_line (r.console, "9p: R0x65 R0x69 R0x6f R0xd R0x75"));
  CHECK (has_line (r.console, "9p read=hello 9p"));
  CHECK (has_line (r.console, "guest: power off"));
  run_free (&r);
  rm_rf_at (AT_FDCWD, share, &(silo_error_t){ NULL });
  return 0;
}

/* NICs come after the consoles, one window each in nets[] order (the
 * guest's eth0, eth1), and vmm_run closes their fds. */
static int
test_boot_nets (void)
{
  cleanup_free char *kernel = guest_path ("guest64.elf");
  struct vmm_net net[2] = { { .mac = NET_MAC, .mtu = 1500 }, { .mac = NET_MAC } };
  int cons = memfd_create ("console", MFD_CLOEXEC), a[2], b[2];
  struct vmm_config cfg = { .kernel = kernel, .cmdline = "console=ttyS0 reboot=k", .mem_bytes = 64 << 20,
                            .vcpus = 1, .console_fd = cons, .agent_fd = -1, .n_nets = 2 };
  cleanup_free char *out = NULL;
  silo_error_t err = NULL;

  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    SKIP ("/dev/kvm is not available");
  CHECK (cons >= 0 && socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, a) == 0);
  CHECK (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, b) == 0);
  net[0].tap_fd = a[0];
  net[1].tap_fd = b[0];
  memcpy (cfg.nets, net, sizeof (net));
  alarm (120);
  CHECK (vmm_run (&cfg, &err) == 0);
  alarm (0);
  lseek (cons, 0, SEEK_SET);
  read_all_fd (cons, &out);
  CHECK (has_line (out, "cmdline=console=ttyS0 reboot=k virtio_mmio.device=0x1000@0xd0000000:5 "
                        "virtio_mmio.device=0x1000@0xd0001000:6 virtio_mmio.device=0x1000@0xd0002000:7 "
                        "virtio_mmio.device=0x1000@0xd0003000:8"));
  CHECK (fcntl (a[0], F_GETFD) < 0 && fcntl (b[0], F_GETFD) < 0);
  /* A boot that fails closes them all the same. */
  CHECK (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, a) == 0);
  cfg.nets[0].tap_fd = a[0];
  cfg.n_nets = 1;
  cfg.kernel = "/nonexistent";
  CHECK (vmm_run (&cfg, &err) < 0);
  silo_error_release (&err);
  CHECK (fcntl (a[0], F_GETFD) < 0);
  close (a[1]);
  close (b[1]);
  close (cons);
  return 0;
}

static int
test_bad_kernel (void)
{
  struct vmm_config cfg = { .kernel = "/etc/hostname", .cmdline = "", .mem_bytes = 32 << 20,
                            .vcpus = 1, .agent_fd = -1, .console_fd = -1 };
  silo_error_t err = NULL;

  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    SKIP ("/dev/kvm is not available");
  CHECK (vmm_run (&cfg, &err) < 0);
  CHECK (strstr (err->msg, "vmm: kernel:") != NULL);
  CHECK (strstr (err->msg, "neither an ELF vmlinux nor a bzImage") != NULL);
  silo_error_release (&err);
  cfg.kernel = "/nonexistent";
  CHECK (vmm_run (&cfg, &err) < 0);
  CHECK (strstr (err->msg, "vmm: kernel:") != NULL);
  silo_error_release (&err);
  return 0;
}

/* The real guest kernel (make guest-kernel) to its /init and back: only
 * where the CPU has VT-x/AMD-V; PVM's emulated ring 0 cannot run Linux. */
static int
test_boot_linux (void)
{
  cleanup_free char *kernel = NULL;
  cleanup_free char *initrd = guest_path ("initramfs.cpio");
  char line[256];
  struct run r;

  if (getenv ("SILO_TEST_LINUX") == NULL)
    SKIP ("full-kernel boot runs in the vm tier (tests/run.sh vm, make check-vm)");
  if (!vmm_hw_virt_available ())
    SKIP ("no hardware virtualization (vmx/svm not in /proc/cpuinfo): Linux cannot boot on this /dev/kvm");
  xasprintf (&kernel, "%s/guest-kernel/vmlinux", build_dir ());
  if (access (kernel, R_OK) < 0 || access (initrd, R_OK) < 0)
    SKIP ("guest kernel or initramfs not built");
  CHECK (run_guest (&r, kernel, "console=ttyS0 reboot=k panic=-1 rdinit=/init", initrd, NULL, NULL) == 0);
  CHECK (r.ret == 0);
  CHECK (has_line (r.console, "silo-guest-init: up"));
  vmm_timing_format (&r.timing, line, sizeof (line));
  printf ("  boot: %s\n", line);
  CHECK (r.timing.ns[VMM_MARK_EXEC] != 0);
  CHECK (strstr (line, "process exec +") != NULL);
  run_free (&r);
  return 0;
}

/* ---- host-side: virtqueue and transport over a plain buffer ---- */

static void
publish (struct guest_mem *m, uint16_t slot, uint16_t head)
{
  uint16_t *avail = (uint16_t *) (m->host + AVAIL);
  avail[2 + slot] = head;
  avail[1] = slot + 1;
}

static int
test_virtqueue (void)
{
  struct guest_mem *m = fake_mem ();
  struct virt_queue vq = { .num = 8, .ready = true, .desc_gpa = DESC, .avail_gpa = AVAIL, .used_gpa = USED };
  struct vq_chain c;
  uint16_t *used = (uint16_t *) (m->host + USED);
  char buf[8];

  CHECK (vq_valid (m, &vq));
  CHECK (vq_pop (m, &vq, &c) == 0);
  /* Head 0: readable 0x8000/16 -> indirect table {readable 0x9000/4, writable 0xa000/32}. */
  put_desc (m, DESC, 0, 0x8000, 16, 1, 1);
  put_desc (m, DESC, 1, INDIRECT, 32, 4, 0);
  put_desc (m, INDIRECT, 0, 0x9000, 4, 1, 1);
  put_desc (m, INDIRECT, 1, 0xa000, 32, 2, 0);
  publish (m, 0, 0);
  CHECK (vq_pop (m, &vq, &c) == 1);
  CHECK (c.head == 0 && c.n_out == 2 && c.n_in == 1 && c.out_len == 20 && c.in_len == 32);
  CHECK (c.out[0].iov_base == m->host + 0x8000 && c.in[0].iov_base == m->host + 0xa000);
  vq_push (m, &vq, c.head, 7);
  CHECK (used[1] == 1 && *(uint32_t *) (m->host + USED + 4) == 0 && *(uint32_t *) (m->host + USED + 8) == 7);
  /* A loop (3 -> 4 -> 3), a buffer outside RAM, and readable after writable are refused. */
  put_desc (m, DESC, 3, 0x8000, 1, 1, 4);
  put_desc (m, DESC, 4, 0x8000, 1, 1, 3);
  publish (m, 1, 3);
  CHECK (vq_pop (m, &vq, &c) < 0);
  put_desc (m, DESC, 5, GMEM_SIZE - 8, 16, 0, 0);
  publish (m, 2, 5);
  CHECK (vq_pop (m, &vq, &c) < 0);
  put_desc (m, DESC, 6, 0x8000, 1, 3, 7);
  put_desc (m, DESC, 7, 0x8000, 1, 0, 0);
  publish (m, 3, 6);
  CHECK (vq_pop (m, &vq, &c) < 0);
  /* An empty buffer may name any address: it copies nothing (found by fuzz_virtqueue). */
  put_desc (m, DESC, 2, 1ULL << 40, 0, 0, 0);
  publish (m, 4, 2);
  CHECK (vq_pop (m, &vq, &c) == 1 && c.n_out == 1 && c.out[0].iov_len == 0);
  CHECK (iov_to_buf (c.out, c.n_out, buf, sizeof (buf)) == 0);
  /* Rings outside guest RAM, or misaligned, are not valid. */
  vq.avail_gpa = AVAIL + 1;
  CHECK (!vq_valid (m, &vq));
  vq.avail_gpa = AVAIL;
  vq.used_gpa = GMEM_SIZE - 4;
  CHECK (!vq_valid (m, &vq));
  free (m->host);
  return 0;
}

static int notified;
static void fake_notify (struct virtio_dev *v, int q) { notified = q + 1; }
static const struct virtio_ops fake_ops = { .name = "fake", .device_id = 42, .features = 1, .num_queues = 1,
                                            .queue_max = 16, .notify = fake_notify };

static int
test_mmio_transport (void)
{
  struct guest_mem *m = fake_mem ();
  struct virtio_dev v = { 0 };

  virtio_dev_setup (&v, m, &fake_ops, NULL);
  CHECK (reg_read (&v, 0x000) == 0x74726976 && reg_read (&v, 0x004) == 2 && reg_read (&v, 0x008) == 42);
  reg_write (&v, 0x014, 1);
  CHECK (reg_read (&v, 0x010) == 1); /* VERSION_1 (bit 32) */
  reg_write (&v, 0x014, 0);
  CHECK (reg_read (&v, 0x010) == (1U << 28 | 1)); /* INDIRECT_DESC, the device's bit 0 */
  /* Without VERSION_1 the device refuses FEATURES_OK. */
  reg_write (&v, 0x070, 3);
  reg_write (&v, 0x020, 1);
  reg_write (&v, 0x070, 3 | 8);
  CHECK (!(reg_read (&v, 0x070) & 8));
  reg_write (&v, 0x070, 0);
  reg_write (&v, 0x070, 3);
  reg_write (&v, 0x024, 1);
  reg_write (&v, 0x020, 1);
  reg_write (&v, 0x070, 3 | 8);
  CHECK (reg_read (&v, 0x070) & 8);
  reg_write (&v, 0x030, 0);
  CHECK (reg_read (&v, 0x034) == 16);
  reg_write (&v, 0x038, 8);
  reg_write (&v, 0x080, DESC);
  reg_write (&v, 0x090, AVAIL);
  reg_write (&v, 0x0a0, USED);
  reg_write (&v, 0x044, 1);
  CHECK (reg_read (&v, 0x044) == 1);
  reg_write (&v, 0x070, 3 | 8 | 4);
  reg_write (&v, 0x050, 0);
  CHECK (notified == 1);
  /* A ready queue's layout is frozen; reset clears everything. */
  reg_write (&v, 0x038, 4);
  CHECK (v.vqs[0].num == 8);
  reg_write (&v, 0x070, 0);
  CHECK (reg_read (&v, 0x070) == 0 && reg_read (&v, 0x044) == 0);
  virtio_dev_teardown (&v);
  free (m->host);
  return 0;
}

/* ---- host-side: the kernel loaders over a plain buffer ---- */

#define LOADER_RAM (3u << 20)

/* Load `len` bytes of `image` (copied to an exactly sized buffer, so ASan
 * sees any read past the file) into fresh guest RAM. */
static int
load_image (struct vm *vm, const void *image, size_t len)
{
  static const struct vmm_config cfg = { .kernel = "test-kernel" };
  static char cmdline[] = "console=ttyS0";
  cleanup_free char *copy = xmalloc (len);
  silo_error_t err = NULL;
  int ret;

  memset (vm, 0, sizeof (*vm));
  vm->cfg = &cfg;
  vm->cmdline = cmdline;
  vm->mem = (struct guest_mem){ .host = xmalloc0 (LOADER_RAM), .size = LOADER_RAM, .low_size = LOADER_RAM };
  memcpy (copy, image, len);
  ret = x86_load_kernel_image (vm, copy, len, &err);
  if (ret < 0)
    {
      printf ("  (refused: %s)\n", err->msg);
      silo_error_release (&err);
    }
  return ret;
}

/* A 64-bit ELF: one PT_LOAD of 16 bytes at 1 MiB, one PVH note. */
struct tiny_elf
{
  Elf64_Ehdr eh;
  Elf64_Phdr ph[2];
  Elf64_Nhdr nh;
  char name[4];
  uint32_t entry;
  uint8_t code[16];
};

static void
tiny_elf (struct tiny_elf *e)
{
  memset (e, 0, sizeof (*e));
  memcpy (e->eh.e_ident, ELFMAG, SELFMAG);
  e->eh.e_ident[EI_CLASS] = ELFCLASS64;
  e->eh.e_machine = EM_X86_64;
  e->eh.e_entry = 0x100000;
  e->eh.e_phoff = offsetof (struct tiny_elf, ph);
  e->eh.e_phentsize = sizeof (Elf64_Phdr);
  e->eh.e_phnum = 2;
  e->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof (struct tiny_elf, code),
                           .p_paddr = 0x100000, .p_filesz = 16, .p_memsz = 64 };
  e->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof (struct tiny_elf, nh),
                           .p_filesz = sizeof (Elf64_Nhdr) + 8 };
  e->nh = (Elf64_Nhdr){ .n_namesz = 4, .n_descsz = 4, .n_type = 18 };
  memcpy (e->name, "Xen", 4);
  e->entry = 0x100010;
  memset (e->code, 0xf4, sizeof (e->code));
}

/* Every header and segment is checked against the file size, without
 * overflow (each case here read outside the file before). */
static int
test_kernel_loader_bounds (void)
{
  struct tiny_elf e;
  uint8_t bz[0x210] = { 0 };
  struct vm vm;

  tiny_elf (&e);
  CHECK (load_image (&vm, &e, sizeof (e)) == 0);
  CHECK (vm.boot.pvh && vm.boot.entry == 0x100010 && vm.mem.host[0x100000] == 0xf4);
  free (vm.mem.host);
  /* Program headers "at" 2^64 - 56: the sum wraps to 0. */
  tiny_elf (&e);
  e.eh.e_phoff = -(uint64_t) sizeof (Elf64_Phdr), e.eh.e_phnum = 1;
  CHECK (load_image (&vm, &e, sizeof (e)) < 0);
  free (vm.mem.host);
  /* A segment whose offset + size wraps. */
  tiny_elf (&e);
  e.ph[0].p_offset = -(uint64_t) 8;
  CHECK (load_image (&vm, &e, sizeof (e)) < 0);
  free (vm.mem.host);
  /* A note segment that wraps, and a note whose size runs past it: ignored. */
  tiny_elf (&e);
  e.ph[1].p_offset = -(uint64_t) 4;
  CHECK (load_image (&vm, &e, sizeof (e)) == 0 && !vm.boot.pvh);
  free (vm.mem.host);
  tiny_elf (&e);
  e.nh.n_descsz = 0xfffffff0;
  CHECK (load_image (&vm, &e, sizeof (e)) == 0 && !vm.boot.pvh);
  free (vm.mem.host);
  /* Notes at an odd offset are read without unaligned access (UBSan). */
  {
    uint8_t odd[sizeof (e) + 1];
    tiny_elf (&e);
    e.ph[1].p_offset += 1, e.ph[0].p_offset += 1;
    memcpy (odd, &e, offsetof (struct tiny_elf, nh));
    odd[offsetof (struct tiny_elf, nh)] = 0;
    memcpy (odd + offsetof (struct tiny_elf, nh) + 1, &e.nh, sizeof (e) - offsetof (struct tiny_elf, nh));
    CHECK (load_image (&vm, odd, sizeof (odd)) == 0 && vm.boot.pvh);
    free (vm.mem.host);
  }
  /* A bzImage cut inside its setup header. */
  memcpy (bz + 0x202, "HdrS", 4);
  bz[0x206] = 0x0c, bz[0x207] = 0x02; /* version 2.12 */
  CHECK (load_image (&vm, bz, sizeof (bz)) < 0);
  free (vm.mem.host);
  return 0;
}

/* ---- host-side: the 9p server ---- */

struct p9c
{
  uint8_t req[1024], resp[8192];
  size_t len, roff;
  struct p9_server *s;
};

static void
c_put (struct p9c *c, uint64_t v, int n)
{
  while (n--)
    c->req[c->len++] = (uint8_t) v, v >>= 8;
}

static void
c_str (struct p9c *c, const char *s)
{
  c_put (c, strlen (s), 2);
  memcpy (c->req + c->len, s, strlen (s));
  c->len += strlen (s);
}

static void
c_begin (struct p9c *c, int type)
{
  c->len = 0;
  c_put (c, 0, 4);
  c_put (c, type, 1);
  c_put (c, 7, 2);
}

static uint64_t c_get (struct p9c *c, int n);

/* Send; returns the R-type, or -ecode for Rlerror. */
static int
c_send (struct p9c *c)
{
  size_t n;
  memcpy (c->req, &(uint32_t){ (uint32_t) c->len }, 4);
  n = p9_handle (c->s, c->req, c->len, c->resp, sizeof (c->resp));
  c->roff = 7;
  if (n < 7 || c->resp[5] != 7 || c->resp[6] != 0) /* size and tag 7 echoed */
    return -1000;
  if (c->resp[4] == 7) /* Rlerror */
    return -(int) (c->roff = 7, c_get (c, 4));
  return c->resp[4];
}

static uint64_t
c_get (struct p9c *c, int n)
{
  uint64_t v = 0;
  int i;
  for (i = 0; i < n; i++)
    v |= (uint64_t) c->resp[c->roff + i] << (8 * i);
  c->roff += n;
  return v;
}

static int
c_walk (struct p9c *c, uint32_t fid, uint32_t newfid, int n, const char *const *names)
{
  int i;
  c_begin (c, 110);
  c_put (c, fid, 4);
  c_put (c, newfid, 4);
  c_put (c, n, 2);
  for (i = 0; i < n; i++)
    c_str (c, names[i]);
  return c_send (c);
}

static int
c_simple (struct p9c *c, int type, uint32_t fid, uint64_t a, int an)
{
  c_begin (c, type);
  c_put (c, fid, 4);
  if (an)
    c_put (c, a, an);
  return c_send (c);
}

static int
c_attach (struct p9c *c, uint32_t fid)
{
  c_begin (c, 100);
  c_put (c, 8192, 4);
  c_str (c, "9P2000.L");
  if (c_send (c) != 101)
    return -1;
  c_begin (c, 104);
  c_put (c, fid, 4);
  c_put (c, ~0U, 4);
  c_str (c, "root");
  c_str (c, "");
  c_put (c, 0, 4);
  return c_send (c);
}

static int
c_read (struct p9c *c, uint32_t fid, char *out, size_t cap)
{
  uint32_t n;
  c_begin (c, 116);
  c_put (c, fid, 4);
  c_put (c, 0, 8);
  c_put (c, cap - 1, 4);
  if (c_send (c) != 117)
    return -1;
  n = c_get (c, 4);
  memcpy (out, c->resp + c->roff, n);
  out[n] = '\0';
  return n;
}

static char *
make_tree (void)
{
  char *dir = make_share ();
  cleanup_free char *p = NULL;

  if (dir == NULL)
    return NULL;
  xasprintf (&p, "%s/sub", dir);
  mkdir (p, 0755);
  free (p);
  xasprintf (&p, "%s/escape", dir);
  symlink ("/etc", p); /* a link out of the share must stay data */
  return dir;
}

static int
test_9p_server (void)
{
  cleanup_free char *dir = make_tree ();
  static const char *const hello[] = { "hello.txt" }, *const sub[] = { "sub" };
  struct p9c c = { 0 };
  char buf[64];
  silo_error_t err = NULL;
  cleanup_free char *text = NULL;

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL);
  CHECK (c_attach (&c, 1) == 105);
  CHECK (c_walk (&c, 1, 2, 1, hello) == 111 && c_get (&c, 2) == 1);
  CHECK (c_simple (&c, 24, 2, ~0ULL, 8) == 25);
  c.roff += 8 + 13 + 4 + 4 + 4 + 8 + 8;
  CHECK (c_get (&c, 8) == 8); /* size */
  CHECK (c_simple (&c, 12, 2, O_RDONLY, 4) == 13);
  CHECK (c_read (&c, 2, buf, sizeof (buf)) == 8 && strcmp (buf, "hello 9p") == 0);
  CHECK (c_simple (&c, 120, 2, 0, 0) == 121);
  /* lcreate + write in sub/, then rename it to the root and read it on the host. */
  CHECK (c_walk (&c, 1, 3, 1, sub) == 111);
  c_begin (&c, 14);
  c_put (&c, 3, 4), c_str (&c, "new.txt"), c_put (&c, O_RDWR, 4), c_put (&c, 0644, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == 15);
  c_begin (&c, 118);
  c_put (&c, 3, 4), c_put (&c, 0, 8), c_put (&c, 3, 4), c_put (&c, 'a' | 'b' << 8 | 'c' << 16, 3);
  CHECK (c_send (&c) == 119 && c_get (&c, 4) == 3);
  CHECK (c_walk (&c, 1, 4, 1, sub) == 111);
  c_begin (&c, 74);
  c_put (&c, 4, 4), c_str (&c, "new.txt"), c_put (&c, 1, 4), c_str (&c, "moved.txt");
  CHECK (c_send (&c) == 75);
  CHECK (read_file_at (open (dir, O_PATH | O_CLOEXEC), "moved.txt", &text, &err) == 0 && strcmp (text, "abc") == 0);
  /* The open fid followed the rename: it still reads. */
  CHECK (c_read (&c, 3, buf, sizeof (buf)) == 3 && strcmp (buf, "abc") == 0);
  /* mkdir, readdir, symlink/readlink, unlinkat. */
  c_begin (&c, 72);
  c_put (&c, 1, 4), c_str (&c, "d"), c_put (&c, 0755, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == 73 && c_get (&c, 1) == 0x80);
  CHECK (c_walk (&c, 1, 5, 0, NULL) == 111 && c_simple (&c, 12, 5, O_RDONLY | O_DIRECTORY, 4) == 13);
  c_begin (&c, 40);
  c_put (&c, 5, 4), c_put (&c, 0, 8), c_put (&c, 4096, 4);
  CHECK (c_send (&c) == 41 && memmem (c.resp, sizeof (c.resp), "moved.txt", 9) != NULL);
  c_begin (&c, 16);
  c_put (&c, 1, 4), c_str (&c, "ln"), c_str (&c, "hello.txt"), c_put (&c, 0, 4);
  CHECK (c_send (&c) == 17);
  static const char *const ln[] = { "ln" };
  CHECK (c_walk (&c, 1, 6, 1, ln) == 111 && c_simple (&c, 22, 6, 0, 0) == 23);
  CHECK (c_get (&c, 2) == 9 && memcmp (c.resp + c.roff, "hello.txt", 9) == 0);
  c_begin (&c, 76);
  c_put (&c, 1, 4), c_str (&c, "d"), c_put (&c, AT_REMOVEDIR, 4);
  CHECK (c_send (&c) == 77);
  CHECK (c_simple (&c, 8, 1, 0, 0) == 9);
  CHECK (c_simple (&c, 30, 1, 0, 0) == -ENOTSUP);
  /* An msize too small to hold a reply is refused (replies are sized from it). */
  c_begin (&c, 100);
  c_put (&c, 10, 4), c_str (&c, "9P2000.L");
  CHECK (c_send (&c) == -EINVAL);
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

/* The qid path of the one walked component (after a c_walk of 1 name). */
static uint64_t
c_walked_path (struct p9c *c)
{
  c->roff = 7 + 2 + 1 + 4;
  return c_get (c, 8);
}

/* The qid path readdir gives for `name` in the open directory fid. */
static uint64_t
c_readdir_path (struct p9c *c, uint32_t fid, const char *name)
{
  size_t end;
  c_begin (c, 40);
  c_put (c, fid, 4), c_put (c, 0, 8), c_put (c, 4096, 4);
  if (c_send (c) != 41)
    return 0;
  end = 11 + c_get (c, 4);
  while (c->roff < end)
    {
      uint64_t path;
      size_t nlen;
      c->roff += 5, path = c_get (c, 8), c->roff += 8 + 1, nlen = c_get (c, 2);
      if (nlen == strlen (name) && memcmp (c->resp + c->roff, name, nlen) == 0)
        return path;
      c->roff += nlen;
    }
  return 0;
}

/* Inode numbers of the share's file system are the guest's as they are;
 * another device, or another range of the top 16 bits, gets a prefix of
 * its own, so two host files never share a guest inode number. */
static int
test_9p_qid_remap (void)
{
  cleanup_free char *dir = make_tree (), *mnt = NULL;
  static const char *const m[] = { "mnt" }, *const hello[] = { "hello.txt" };
  struct p9c c = { 0 };
  silo_error_t err = NULL;
  struct stat root, st;
  uint64_t path;
  size_t i;

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL && stat (dir, &root) == 0);
  st = root;
  CHECK (p9_qid_path (c.s, &st, &path) == 0 && path == (root.st_ino & ((1ULL << 48) - 1)));
  st.st_dev = root.st_dev + 1; /* another file system, the same number */
  CHECK (p9_qid_path (c.s, &st, &path) == 0 && path == (1ULL << 48 | (root.st_ino & ((1ULL << 48) - 1))));
  st.st_dev = root.st_dev, st.st_ino = 0xabcdULL << 48 | 5; /* overlayfs's xino bits */
  CHECK (p9_qid_path (c.s, &st, &path) == 0 && path == (2ULL << 48 | 5));
  st.st_ino = 5;
  CHECK (p9_qid_path (c.s, &st, &path) == 0 && path == 5);
  for (i = 3; i < P9_QID_PREFIXES; i++)
    {
      st.st_dev = root.st_dev + 1000 + i;
      CHECK (p9_qid_path (c.s, &st, &path) == 0 && path >> 48 == i);
    }
  st.st_dev = 1; /* one more: refused, never shared */
  CHECK (p9_qid_path (c.s, &st, &path) == -EOVERFLOW);
  p9_server_free (c.s);

  /* Through the protocol: a mount inside the share (root only). */
  xasprintf (&mnt, "%s/mnt", dir);
  CHECK (mkdir (mnt, 0755) == 0);
  if (mount ("t", mnt, "tmpfs", 0, "size=64k") == 0)
    {
      CHECK ((c.s = p9_server_new (dir, false, &err)) != NULL && c_attach (&c, 1) == 105);
      CHECK (c_walk (&c, 1, 2, 1, hello) == 111 && c_walked_path (&c) >> 48 == 0);
      CHECK (c_walk (&c, 1, 3, 1, m) == 111 && (path = c_walked_path (&c)) >> 48 == 1);
      CHECK (c_walk (&c, 1, 4, 0, NULL) == 111 && c_simple (&c, 12, 4, O_RDONLY | O_DIRECTORY, 4) == 13);
      CHECK (c_readdir_path (&c, 4, "mnt") == path); /* not the covered directory's */
      CHECK (stat (mnt, &st) == 0 && path == (1ULL << 48 | st.st_ino));
      p9_server_free (c.s);
      CHECK (umount (mnt) == 0);
    }
  else
    printf ("  (no mount inside the share: %s)\n", strerror (errno));
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

static int
test_9p_confinement (void)
{
  cleanup_free char *dir = make_tree ();
  static const char *const out[] = { "escape", "passwd" }, *const up[] = { "..", "..", "hello.txt" };
  static const char *const slash[] = { "sub/../../etc" }, *const link[] = { "escape" };
  struct p9c c = { 0 };
  silo_error_t err = NULL;

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL);
  CHECK (c_attach (&c, 1) == 105);
  /* Through a symlink to /etc: the link is not followed. */
  CHECK (c_walk (&c, 1, 2, 2, out) != 111 || c_get (&c, 2) == 1);
  CHECK (p9_fid_get (c.s, 2) == NULL);
  /* ".." at the root stays at the root. */
  CHECK (c_walk (&c, 1, 3, 3, up) == 111 && c_get (&c, 2) == 3);
  CHECK (c_simple (&c, 12, 3, O_RDONLY, 4) == 13);
  CHECK (c_walk (&c, 1, 4, 1, slash) == -EINVAL);
  /* Opening the symlink itself fails; a name with a slash is refused. */
  CHECK (c_walk (&c, 1, 5, 1, link) == 111);
  CHECK (c_simple (&c, 12, 5, O_RDONLY, 4) == -ELOOP);
  c_begin (&c, 72);
  c_put (&c, 1, 4), c_str (&c, ".."), c_put (&c, 0755, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == -EINVAL);
  c_begin (&c, 14);
  c_put (&c, 1, 4), c_str (&c, "a/b"), c_put (&c, O_RDWR, 4), c_put (&c, 0644, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == -EINVAL);
  /* Truncated messages are errors, not overruns. */
  c_begin (&c, 110);
  c_put (&c, 1, 4);
  CHECK (c_send (&c) < 0);
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

static int
test_9p_readonly (void)
{
  cleanup_free char *dir = make_tree ();
  static const char *const hello[] = { "hello.txt" };
  struct p9c c = { 0 };
  silo_error_t err = NULL;
  char buf[16];

  CHECK (dir && (c.s = p9_server_new (dir, true, &err)) != NULL);
  CHECK (c_attach (&c, 1) == 105);
  CHECK (c_walk (&c, 1, 2, 1, hello) == 111);
  CHECK (c_simple (&c, 12, 2, O_WRONLY, 4) == -EROFS);
  CHECK (c_simple (&c, 12, 2, O_RDONLY | O_TRUNC, 4) == -EROFS);
  CHECK (c_simple (&c, 12, 2, O_RDONLY, 4) == 13);
  CHECK (c_read (&c, 2, buf, sizeof (buf)) == 8);
  c_begin (&c, 72);
  c_put (&c, 1, 4), c_str (&c, "d"), c_put (&c, 0755, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == -EROFS);
  c_begin (&c, 76);
  c_put (&c, 1, 4), c_str (&c, "hello.txt"), c_put (&c, 0, 4);
  CHECK (c_send (&c) == -EROFS);
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

/* Send Trename (fid, dfid, name); returns the R-type or -ecode. */
static int
c_rename (struct p9c *c, uint32_t fid, uint32_t dfid, const char *name)
{
  c_begin (c, 20);
  c_put (c, fid, 4), c_put (c, dfid, 4), c_str (c, name);
  return c_send (c);
}

static int
c_renameat (struct p9c *c, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname)
{
  c_begin (c, 74);
  c_put (c, odfid, 4), c_str (c, oname), c_put (c, ndfid, 4), c_str (c, nname);
  return c_send (c);
}

/* The fid still names a file that exists under the path it now holds: a
 * clone walk re-resolves its components from the root. */
static int
fid_resolves (struct p9c *c, uint32_t fid, uint32_t scratch)
{
  int ret = c_walk (c, fid, scratch, 0, NULL);
  if (ret == 111)
    c_simple (c, 120, scratch, 0, 0);
  return ret == 111;
}

static bool
host_is (const char *dir, const char *rel, mode_t type)
{
  cleanup_free char *p = NULL;
  struct stat st;
  xasprintf (&p, "%s/%s", dir, rel);
  return lstat (p, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* Regression (heap use-after-free): Trename of a fid while other fids are
 * open at and below its path. The fids' paths are rewritten one by one, and
 * the old prefix once aliased the renamed fid's own components. */
static int
test_9p_rename_open_fids (void)
{
  cleanup_free char *dir = make_tree ();
  static const char *const sub[] = { "sub" }, *const f[] = { "sub", "f" }, *const x[] = { "x" };
  struct p9c c = { 0 };
  silo_error_t err = NULL;
  cleanup_free char *text = NULL;
  char buf[64];

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL);
  CHECK (write_file_at (open (dir, O_PATH | O_CLOEXEC), "sub/f", "in sub", 6, &err) == 0);
  CHECK (c_attach (&c, 1) == 105);
  CHECK (c_walk (&c, 1, 2, 1, sub) == 111);
  CHECK (c_walk (&c, 1, 3, 2, f) == 111 && c_simple (&c, 12, 3, O_RDWR, 4) == 13);
  CHECK (c_walk (&c, 1, 4, 1, sub) == 111);
  CHECK (c_walk (&c, 1, 256, 2, f) == 111); /* 256 % 256: visited before fid 2 */
  CHECK (c_rename (&c, 2, 1, "moved") == 21);
  CHECK (host_is (dir, "moved/f", S_IFREG) && !host_is (dir, "sub", S_IFDIR));
  /* Every fid follows: the renamed one, the other one at its path, the two below. */
  CHECK (c_read (&c, 3, buf, sizeof (buf)) == 6 && strcmp (buf, "in sub") == 0);
  CHECK (fid_resolves (&c, 2, 9) && fid_resolves (&c, 3, 9) && fid_resolves (&c, 4, 9)
         && fid_resolves (&c, 256, 9));
  /* The renamed file's fid renames again (its parent fd is the new one). */
  CHECK (c_rename (&c, 3, 1, "g") == 21 && host_is (dir, "g", S_IFREG));
  CHECK (fid_resolves (&c, 3, 9) && fid_resolves (&c, 256, 9)); /* 256 named the same file */
  /* Trenameat of a directory with open fids below it, onto a new name. */
  CHECK (c_walk (&c, 4, 5, 0, NULL) == 111);
  c_begin (&c, 14);
  c_put (&c, 5, 4), c_str (&c, "h"), c_put (&c, O_RDWR, 4), c_put (&c, 0644, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == 15); /* fid 5: moved/h, open */
  CHECK (c_renameat (&c, 1, "moved", 1, "again") == 75);
  CHECK (host_is (dir, "again/h", S_IFREG) && fid_resolves (&c, 5, 9) && fid_resolves (&c, 4, 9));
  /* Onto an existing file: replaced, like rename(2). */
  CHECK (c_walk (&c, 1, 6, 1, x) != 111);
  CHECK (c_renameat (&c, 1, "g", 1, "hello.txt") == 75);
  CHECK (read_file_at (open (dir, O_PATH | O_CLOEXEC), "hello.txt", &text, &err) == 0);
  CHECK_STR (text, "in sub");
  /* Tlcreate on a fid that is open (fid 5) would leak its fd: refused. */
  c_begin (&c, 14);
  c_put (&c, 5, 4), c_str (&c, "h2"), c_put (&c, O_RDWR, 4), c_put (&c, 0644, 4), c_put (&c, 0, 4);
  CHECK (c_send (&c) == -EBUSY);
  CHECK (c_renameat (&c, 1, "nope", 1, "x") == -ENOENT);
  CHECK (c_renameat (&c, 1, "again", 1, "a/b") == -EINVAL);
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

static int
c_mknod (struct p9c *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major, uint32_t minor)
{
  c_begin (c, 18);
  c_put (c, dfid, 4), c_str (c, name), c_put (c, mode, 4), c_put (c, major, 4), c_put (c, minor, 4);
  c_put (c, 0, 4);
  return c_send (c);
}

/* Tlink and Tmknod, seen from the host. */
static int
test_9p_link_mknod (void)
{
  cleanup_free char *dir = make_tree ();
  cleanup_free char *p = NULL;
  static const char *const hello[] = { "hello.txt" }, *const fifo[] = { "fifo" }, *const sub[] = { "sub" };
  static const char *const null[] = { "null" };
  struct p9c c = { 0 };
  silo_error_t err = NULL;
  struct stat a, b;

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL);
  CHECK (c_attach (&c, 1) == 105);
  CHECK (c_walk (&c, 1, 2, 1, hello) == 111 && c_walk (&c, 1, 3, 1, sub) == 111);
  c_begin (&c, 70);
  c_put (&c, 3, 4), c_put (&c, 2, 4), c_str (&c, "hard");
  CHECK (c_send (&c) == 71);
  xasprintf (&p, "%s/sub/hard", dir);
  CHECK (stat (p, &a) == 0 && a.st_nlink == 2);
  free (p), p = NULL;
  xasprintf (&p, "%s/hello.txt", dir);
  CHECK (stat (p, &b) == 0 && a.st_ino == b.st_ino);
  c_begin (&c, 70); /* a name with a slash, and an existing name */
  c_put (&c, 1, 4), c_put (&c, 2, 4), c_str (&c, "sub/x");
  CHECK (c_send (&c) == -EINVAL);
  c_begin (&c, 70);
  c_put (&c, 3, 4), c_put (&c, 2, 4), c_str (&c, "hard");
  CHECK (c_send (&c) == -EEXIST);
  /* mkfifo on the share: a FIFO on the host, with the mode asked for. */
  CHECK (c_mknod (&c, 1, "fifo", S_IFIFO | 0640, 0, 0) == 19);
  free (p), p = NULL;
  xasprintf (&p, "%s/fifo", dir);
  CHECK (lstat (p, &a) == 0 && S_ISFIFO (a.st_mode) && (a.st_mode & 07777) == 0640);
  CHECK (c_mknod (&c, 1, "fifo", S_IFIFO | 0640, 0, 0) == -EEXIST);
  CHECK (c_mknod (&c, 1, "..", S_IFIFO | 0640, 0, 0) == -EINVAL);
  /* Opening it through the server never blocks the VMM (no writer, no reader). */
  CHECK (c_walk (&c, 1, 4, 1, fifo) == 111 && c_simple (&c, 12, 4, O_RDONLY, 4) == 13);
  CHECK (c_walk (&c, 1, 5, 1, fifo) == 111 && c_simple (&c, 12, 5, O_WRONLY, 4) == 13);
  /* A device node may be made (as a container with CAP_MKNOD may), but the
   * server never opens one for the guest: the guest's kernel owns devices. */
  if (c_mknod (&c, 1, "null", S_IFCHR | 0666, 1, 3) == 19)
    {
      CHECK (host_is (dir, "null", S_IFCHR));
      CHECK (c_walk (&c, 1, 6, 1, null) == 111 && c_simple (&c, 12, 6, O_RDWR, 4) == -EPERM);
      c_begin (&c, 26);
      c_put (&c, 6, 4), c_put (&c, 0x8, 4), c_put (&c, 0, 4 * 3), c_put (&c, 0, 8 * 5);
      CHECK (c_send (&c) == -EINVAL); /* truncate would open it */
    }
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}

/* Tsetattr (valid, mode, uid, gid, size, atime s/ns, mtime s/ns). */
static int
c_setattr (struct p9c *c, uint32_t fid, uint32_t valid, uint32_t mode, uint32_t uid, uint32_t gid,
           uint64_t size, const uint64_t t[4])
{
  c_begin (c, 26);
  c_put (c, fid, 4), c_put (c, valid, 4), c_put (c, mode, 4), c_put (c, uid, 4), c_put (c, gid, 4);
  c_put (c, size, 8);
  for (int i = 0; i < 4; i++)
    c_put (c, t ? t[i] : 0, 8);
  return c_send (c);
}

static int
test_9p_setattr (void)
{
  cleanup_free char *dir = make_tree ();
  cleanup_free char *p = NULL;
  static const char *const hello[] = { "hello.txt" }, *const link[] = { "escape" };
  static const uint64_t t[4] = { 1000000000, 111, 1100000000, 222 };
  struct p9c c = { 0 };
  silo_error_t err = NULL;
  struct stat st, etc;

  CHECK (dir && (c.s = p9_server_new (dir, false, &err)) != NULL);
  xasprintf (&p, "%s/hello.txt", dir);
  CHECK (c_attach (&c, 1) == 105 && c_walk (&c, 1, 2, 1, hello) == 111);
  CHECK (c_setattr (&c, 2, 0x1, 0600, 0, 0, 0, NULL) == 27);
  CHECK (stat (p, &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK (c_setattr (&c, 2, 0x8, 0, 0, 0, 3, NULL) == 27);
  CHECK (stat (p, &st) == 0 && st.st_size == 3);
  CHECK (c_setattr (&c, 2, 0x8, 0, 0, 0, 100, NULL) == 27);
  CHECK (stat (p, &st) == 0 && st.st_size == 100);
  CHECK (c_setattr (&c, 2, 0x10 | 0x20 | 0x80 | 0x100, 0, 0, 0, 0, t) == 27);
  CHECK (stat (p, &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 111);
  CHECK (st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 222);
  /* Only mtime, set to "now": atime stays. */
  CHECK (c_setattr (&c, 2, 0x20, 0, 0, 0, 0, t) == 27);
  CHECK (stat (p, &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1100000000);
  if (geteuid () == 0)
    {
      CHECK (c_setattr (&c, 2, 0x2 | 0x4, 0, 1234, 5678, 0, NULL) == 27);
      CHECK (stat (p, &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678);
      CHECK (c_setattr (&c, 2, 0x4, 0, 0, 4321, 0, NULL) == 27);
      CHECK (stat (p, &st) == 0 && st.st_uid == 1234 && st.st_gid == 4321);
    }
  else
    CHECK (c_setattr (&c, 2, 0x2, 0, 0, 0, 0, NULL) == -EPERM);
  /* chmod and truncate never follow the share's symlink to /etc. */
  CHECK (stat ("/etc", &etc) == 0);
  CHECK (c_walk (&c, 1, 3, 1, link) == 111);
  CHECK (c_setattr (&c, 3, 0x1, 0777, 0, 0, 0, NULL) == -ELOOP);
  CHECK (c_setattr (&c, 3, 0x8, 0, 0, 0, 0, NULL) == -ELOOP);
  CHECK (stat ("/etc", &st) == 0 && st.st_mode == etc.st_mode);
  /* A directory cannot be truncated; unknown fids and short messages fail. */
  CHECK (c_setattr (&c, 1, 0x8, 0, 0, 0, 0, NULL) == -EISDIR);
  CHECK (c_setattr (&c, 99, 0x1, 0600, 0, 0, 0, NULL) == -EBADF);
  c_begin (&c, 26);
  c_put (&c, 2, 4), c_put (&c, 0x1, 4);
  CHECK (c_send (&c) < 0);
  p9_server_free (c.s);
  rm_rf_at (AT_FDCWD, dir, &err);
  return 0;
}
/* The host end of the guest's exchange (tests/vm-guest/init.c): on the
 * guest's broadcast from its MAC, TCP to 10.0.2.15:7777 (NET_TCP_BYTES of
 * one pattern there, as many of another back), then a closing frame to
 * that MAC. */
#define NET_TCP_BYTES (512u << 10)
struct responder
{
  int ps;
  bool got_ping;
  size_t tcp_back; /* bytes the guest echoed, pattern intact */
  int tap_tso;     /* ETHTOOL_GTSO on the tap while the guest runs */
  bool stop;       /* __atomic */
};

static size_t
tcp_exchange (void)
{
  static uint8_t buf[65536];
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (7777), .sin_addr.s_addr = htonl (0x0a00020f) };
  struct timeval tv = { .tv_sec = 30 };
  size_t off, i, k, back = 0;
  int s = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ssize_t n;

  setsockopt (s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  setsockopt (s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof (tv));
  if (connect (s, (struct sockaddr *) &a, sizeof (a)) < 0)
    {
      perror ("  connect 10.0.2.15:7777");
      close (s);
      return 0;
    }
  for (off = 0; off < NET_TCP_BYTES; off += k)
    {
      k = NET_TCP_BYTES - off < sizeof (buf) ? NET_TCP_BYTES - off : sizeof (buf);
      for (i = 0; i < k; i++)
        buf[i] = (uint8_t) ((off + i) * 7);
      if (write_all (s, buf, k) < 0)
        break;
    }
  shutdown (s, SHUT_WR);
  while ((n = recv (s, buf, sizeof (buf), 0)) > 0)
    for (i = 0; i < (size_t) n; i++, back++)
      if (buf[i] != (uint8_t) (back * 13))
        {
          fprintf (stderr, "  tcp: byte %zu of the echo differs\n", back);
          close (s);
          return 0;
        }
  close (s);
  return back;
}

static void *
net_responder (void *arg)
{
  static const uint8_t mac[6] = NET_MAC;
  struct responder *rs = arg;
  struct pollfd p = { .fd = rs->ps, .events = POLLIN };
  uint8_t buf[2048], pong[64] = { 0 };
  ssize_t n;

  while (!__atomic_load_n (&rs->stop, __ATOMIC_RELAXED))
    {
      if (poll (&p, 1, 200) <= 0 || (n = recv (rs->ps, buf, sizeof (buf), 0)) < 29)
        continue;
      if (memcmp (buf + 6, mac, 6) != 0 || memcmp (buf + 14, "silo-guest-ping", 15) != 0)
        continue;
      rs->got_ping = true;
      rs->tap_tso = ethtool_get ("silo-t0", ETHTOOL_GTSO);
      rs->tcp_back = tcp_exchange ();
      memcpy (pong, mac, 6);
      memset (pong + 6, 0x02, 6);
      pong[12] = NET_PROTO >> 8;
      pong[13] = NET_PROTO & 0xff;
      memcpy (pong + 14, "silo-host-pong", 14);
      if (send (rs->ps, pong, sizeof (pong), 0) < 0)
        perror ("  send pong");
      break;
    }
  return NULL;
}

/* 10.0.2.2/24 on the tap. */
static int
tap_addr (const char *name)
{
  struct ifreq ifr = { 0 };
  struct sockaddr_in *sin = (struct sockaddr_in *) &ifr.ifr_addr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "%s", name);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl (0x0a000202);
  ret = ioctl (s, SIOCSIFADDR, &ifr);
  sin->sin_addr.s_addr = htonl (0xffffff00);
  if (ret == 0)
    ret = ioctl (s, SIOCSIFNETMASK, &ifr);
  close (s);
  return ret;
}

static int
boot_linux_net_child (const char *kernel, const char *initrd)
{
  struct vmm_net net = { .mac = NET_MAC, .mtu = 1400 };
  struct responder rs = { 0 };
  pthread_t th;
  struct run r;
  int ifindex;

  CHECK ((net.tap_fd = tap_open ("silo-t0", &ifindex)) >= 0);
  CHECK ((rs.ps = packet_socket (ifindex)) >= 0);
  CHECK (tap_addr ("silo-t0") == 0);
  CHECK (pthread_create (&th, NULL, net_responder, &rs) == 0);
  CHECK (run_guest_net (&r, kernel, "console=ttyS0 reboot=k panic=-1 rdinit=/init", initrd, NULL, NULL, &net) == 0);
  __atomic_store_n (&rs.stop, true, __ATOMIC_RELAXED);
  pthread_join (th, NULL);
  CHECK (r.ret == 0);
  CHECK (has_line (r.console, "silo-guest-init: up"));
  CHECK (has_line (r.console, "silo-guest-init: eth0 52:54:00:12:34:56 mtu 1400"));
  CHECK (rs.got_ping);
  CHECK (has_line (r.console, "silo-guest-init: eth0 tcp 524288 bytes intact"));
  CHECK (rs.tcp_back == NET_TCP_BYTES);
  CHECK (rs.tap_tso == 1); /* Linux took GUEST_TSO4/6: the host stack hands over GSO frames */
  CHECK (has_line (r.console, "silo-guest-init: eth0 pong received"));
  CHECK (fcntl (net.tap_fd, F_GETFD) < 0 && errno == EBADF); /* vmm_run closed it */
  close (rs.ps);
  run_free (&r);
  return 0;
}

static int
boot_linux_net_arg (void *arg)
{
  const char **files = arg; /* kernel, initrd */
  return boot_linux_net_child (files[0], files[1]);
}

/* The guest kernel with a virtio-net NIC on a tap in a private netns: the
 * guest's eth0 has the MAC and MTU given, a raw frame crosses both ways,
 * and so does TCP over IPv4 with the offloads the guest negotiated (GSO
 * frames and partial checksums through the tap in both directions). */
static int
test_boot_linux_net (void)
{
  cleanup_free char *kernel = NULL;
  cleanup_free char *initrd = guest_path ("initramfs.cpio");

  if (getenv ("SILO_TEST_LINUX") == NULL)
    SKIP ("full-kernel boot runs in the vm tier (tests/run.sh vm, make check-vm)");
  if (!vmm_hw_virt_available ())
    SKIP ("no hardware virtualization (vmx/svm not in /proc/cpuinfo): Linux cannot boot on this /dev/kvm");
  xasprintf (&kernel, "%s/guest-kernel/vmlinux", build_dir ());
  if (access (kernel, R_OK) < 0 || access (initrd, R_OK) < 0)
    SKIP ("guest kernel or initramfs not built");
  if (access ("/dev/net/tun", R_OK | W_OK) < 0)
    SKIP ("no /dev/net/tun");
  return in_private_netns (boot_linux_net_arg, (const char *[]){ kernel, initrd });
}
#endif

int
main (void)
{
#ifdef SILO_HAVE_VMM
  RUN_TEST (test_virtqueue);
  RUN_TEST (test_mmio_transport);
  RUN_TEST (test_kernel_loader_bounds);
  RUN_TEST (test_9p_server);
  RUN_TEST (test_9p_confinement);
  RUN_TEST (test_9p_qid_remap);
  RUN_TEST (test_9p_readonly);
  RUN_TEST (test_9p_rename_open_fids);
  RUN_TEST (test_9p_link_mknod);
  RUN_TEST (test_9p_setattr);
  RUN_TEST (test_bad_kernel);
  RUN_TEST (test_boot_elf);
  RUN_TEST (test_boot_bzimage);
  RUN_TEST (test_virtio_round_trips);
  RUN_TEST (test_boot_nets);
  RUN_TEST (test_boot_linux);
  RUN_TEST (test_boot_linux_net);
  printf ("  hardware virtualization: %s\n", vmm_hw_virt_available () ? "yes" : "no (PVM or none)");
#else
  printf ("SKIP: test_vmm\n  skip reason: VMM not in this build (include sandbox-vm/vmm/vmm.mk)\n");
#endif
  UNIT_EXIT ();
}
