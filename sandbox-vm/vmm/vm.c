/* The VM object: /dev/kvm, the VM fd, guest RAM and the in-kernel irqchip
 * (PIC + IOAPIC + LAPICs) and PIT, so that interrupt routing and the timer
 * never leave the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"
#include "../../util/log.h"
#include "../../util/utils.h"

/* Addresses VT-x needs for its real-mode TSS and identity map (the last
 * pages below the BIOS area, as QEMU and kvmtool use). */
#define KVM_TSS_ADDR 0xfffbd000UL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL

int
kvm_ioctl_ (int fd, unsigned long req, unsigned long arg, const char *name, silo_error_t *err)
{
  int ret = TEMP_FAILURE_RETRY (ioctl (fd, req, arg));

  if (UNLIKELY (ret < 0))
    return silo_make_error (err, errno, "%s", name);
  return ret;
}

void *
gmem_ptr (const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
  uint64_t off;

  if (gpa + len < gpa)
    return NULL;
  if (gpa + len <= m->low_size)
    off = gpa;
  else if (gpa >= GUEST_GAP_START + GUEST_GAP_SIZE)
    off = gpa - GUEST_GAP_SIZE;
  else
    return NULL;
  if (off + len > m->size || (off < m->low_size && off + len > m->low_size))
    return NULL;
  return m->host + off;
}

int
vm_open (struct vm *vm, silo_error_t *err)
{
  int ret;

  vm->sys_fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (vm->sys_fd < 0)
    return silo_make_error (err, errno, "open `/dev/kvm`");
  ret = kvm_ioctl (vm->sys_fd, KVM_GET_API_VERSION, 0, err);
  if (ret < 0)
    return ret;
  if (ret != KVM_API_VERSION)
    return silo_make_error (err, 0, "/dev/kvm API version %d, want %d", ret, KVM_API_VERSION);
  vm->vm_fd = kvm_ioctl (vm->sys_fd, KVM_CREATE_VM, 0, err);
  if (vm->vm_fd < 0)
    return vm->vm_fd;
  /* KVM_CREATE_VM fds are O_CLOEXEC already; the mmap size is per system. */
  vm->vcpu_mmap_size = kvm_ioctl (vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0, err);
  if (vm->vcpu_mmap_size < 0)
    return vm->vcpu_mmap_size;
  return 0;
}

static int
set_region (struct vm *vm, int slot, uint64_t gpa, uint64_t size, void *host, silo_error_t *err)
{
  struct kvm_userspace_memory_region r = {
    .slot = slot, .guest_phys_addr = gpa, .memory_size = size, .userspace_addr = (uintptr_t) host,
  };
  return kvm_ioctl (vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r, err);
}

int
vm_setup_memory (struct vm *vm, silo_error_t *err)
{
  uint64_t size = vm->cfg->mem_bytes;
  void *p;
  int ret;

  if (size < (16ULL << 20) || (size & 0xfff))
    return silo_make_error (err, EINVAL, "guest memory %llu bytes: want >= 16 MiB, page aligned",
                            (unsigned long long) size);
  /* MAP_NORESERVE: guest RAM is touched lazily; the cgroup accounts it. */
  p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return silo_make_error (err, errno, "mmap %llu bytes of guest memory", (unsigned long long) size);
  if (vm->cfg->mergeable)
    madvise (p, size, MADV_MERGEABLE);
  vm->mem.host = p;
  vm->mem.size = size;
  vm->mem.low_size = size < GUEST_GAP_START ? size : GUEST_GAP_START;
  ret = set_region (vm, 0, 0, vm->mem.low_size, p, err);
  if (ret < 0)
    return ret;
  if (size > vm->mem.low_size)
    ret = set_region (vm, 1, GUEST_GAP_START + GUEST_GAP_SIZE, size - vm->mem.low_size,
                      (uint8_t *) p + vm->mem.low_size, err);
  return ret;
}

int
vm_setup_irqchip (struct vm *vm, silo_error_t *err)
{
  struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
  uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
  int ret;

  /* Both must precede vCPU creation; AMD ignores them, VT-x needs them. */
  ret = kvm_ioctl (vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR, err);
  if (ret < 0)
    return ret;
  ret = kvm_ioctl (vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap, err);
  if (ret < 0)
    return ret;
  ret = kvm_ioctl (vm->vm_fd, KVM_CREATE_IRQCHIP, 0, err);
  if (ret < 0)
    return ret;
  return kvm_ioctl (vm->vm_fd, KVM_CREATE_PIT2, &pit, err);
}

int
vm_irq_line (struct vm *vm, int irq, int level)
{
  struct kvm_irq_level l = { .irq = irq, .level = level };
  silo_error_t err = NULL;

  if (kvm_ioctl (vm->vm_fd, KVM_IRQ_LINE, &l, &err) < 0)
    {
      pr_warn ("irq %d: %s", irq, err->msg);
      silo_error_release (&err);
      return -1;
    }
  return 0;
}

void
vm_mark (struct vm *vm, enum vmm_marker m)
{
  if (vm->timing && vm->timing->ns[m] == 0)
    vm->timing->ns[m] = now_ns ();
}

/* Ask every vCPU to leave KVM_RUN; the first status wins. */
void
vm_request_stop (struct vm *vm, int status)
{
  bool was = atomic_exchange (&vm->stop, true);
  int i;

  if (!was)
    {
      vm->exit_status = status;
      vm_mark (vm, VMM_MARK_POWER_OFF);
    }
  for (i = 0; i < vm->nr_vcpus; i++)
    if (vm->vcpus[i].run)
      {
        vm->vcpus[i].run->immediate_exit = 1;
        if (vm->vcpus[i].started && !pthread_equal (vm->vcpus[i].thread, pthread_self ()))
          pthread_kill (vm->vcpus[i].thread, SIGUSR1);
      }
}

/* Keep the first error a vCPU or device thread hit, and stop the VM. */
void
vm_set_error (struct vm *vm, silo_error_t *err)
{
  pthread_mutex_lock (&vm->err_lock);
  if (vm->run_err == NULL)
    vm->run_err = steal_pointer (err);
  else
    silo_error_release (err);
  pthread_mutex_unlock (&vm->err_lock);
  vm_request_stop (vm, -1);
}

void
vm_close (struct vm *vm)
{
  if (vm->mem.host)
    munmap (vm->mem.host, vm->mem.size);
  vm->mem.host = NULL;
  close_and_reset (&vm->vm_fd);
  close_and_reset (&vm->sys_fd);
  trap_table_free (&vm->pio);
  trap_table_free (&vm->mmio);
  free (vm->cmdline);
  vm->cmdline = NULL;
}
