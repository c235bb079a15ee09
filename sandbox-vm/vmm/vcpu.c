/* vCPUs: one thread each running KVM_RUN and dispatching exits to the trap
 * registries. A stop request sets kvm_run.immediate_exit and sends SIGUSR1,
 * so a thread inside or about to enter KVM_RUN comes back out. */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"
#include "../../util/log.h"
#include "../../util/utils.h"

static int
vcpu_create (struct vm *vm, struct vcpu *vcpu, int id, silo_error_t *err)
{
  int ret;

  vcpu->vm = vm;
  vcpu->id = id;
  vcpu->fd = kvm_ioctl (vm->vm_fd, KVM_CREATE_VCPU, id, err);
  if (vcpu->fd < 0)
    return vcpu->fd;
  vcpu->run = mmap (NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
  if (vcpu->run == MAP_FAILED)
    {
      vcpu->run = NULL;
      return silo_make_error (err, errno, "mmap kvm_run of vCPU %d", id);
    }
  ret = x86_setup_cpuid (vm, vcpu, err);
  if (ret == 0)
    ret = x86_setup_lapic (vcpu, err);
  /* Only the boot vCPU gets registers; the others wait for INIT/SIPI from
   * the guest through the in-kernel LAPIC. */
  if (ret == 0 && id == 0)
    ret = x86_setup_boot_cpu (vm, vcpu, err);
  if (ret < 0)
    return silo_error_wrap (err, "vCPU %d", id);
  return 0;
}

int
vcpus_create (struct vm *vm, silo_error_t *err)
{
  int i, ret, max;

  max = kvm_ioctl (vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS, err);
  if (max < 0)
    return max;
  if (vm->cfg->vcpus < 1 || (max > 0 && vm->cfg->vcpus > max) || vm->cfg->vcpus > 254)
    return silo_make_error (err, EINVAL, "%d vCPUs: this host allows 1 to %d", vm->cfg->vcpus,
                            max > 254 || max == 0 ? 254 : max);
  vm->vcpus = xmalloc0 (vm->cfg->vcpus * sizeof (*vm->vcpus));
  for (i = 0; i < vm->cfg->vcpus; i++)
    vm->vcpus[i].fd = -1;
  vm->nr_vcpus = vm->cfg->vcpus;
  for (i = 0; i < vm->nr_vcpus; i++)
    {
      ret = vcpu_create (vm, &vm->vcpus[i], i, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
handle_io (struct vcpu *vcpu)
{
  struct kvm_run *run = vcpu->run;
  uint8_t *data = (uint8_t *) run + run->io.data_offset;
  bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
  uint32_t i;

  /* String I/O (rep outsb) arrives as `count` items of `size` bytes. */
  for (i = 0; i < run->io.count; i++, data += run->io.size)
    ioport_dispatch (vcpu->vm, run->io.port, data, run->io.size, is_write);
  return 0;
}

static int
fail_exit (struct vcpu *vcpu, const char *what, unsigned long long code, silo_error_t *err)
{
  struct kvm_regs regs;
  silo_error_t ignored = NULL;

  memset (&regs, 0, sizeof (regs));
  if (kvm_ioctl (vcpu->fd, KVM_GET_REGS, &regs, &ignored) < 0)
    silo_error_release (&ignored);
  return silo_make_error (err, 0, "vCPU %d: %s (0x%llx) at rip 0x%llx", vcpu->id, what, code,
                          (unsigned long long) regs.rip);
}

/* 1 = keep running, 0 = VM stopped, < 0 = error. */
static int
handle_exit (struct vcpu *vcpu, silo_error_t *err)
{
  struct kvm_run *run = vcpu->run;

  switch (run->exit_reason)
    {
    case KVM_EXIT_IO:
      handle_io (vcpu);
      return 1;
    case KVM_EXIT_MMIO:
      mmio_dispatch (vcpu->vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
                     run->mmio.is_write);
      return 1;
    case KVM_EXIT_INTR:
      return 1;
    case KVM_EXIT_HLT: /* only without the in-kernel irqchip: nothing can wake us */
    case KVM_EXIT_SHUTDOWN: /* triple fault: how Linux's reboot=t ends */
      pr_debug ("vCPU %d: exit %u, powering off", vcpu->id, run->exit_reason);
      vm_request_stop (vcpu->vm, 0);
      return 0;
    case KVM_EXIT_SYSTEM_EVENT:
      vm_request_stop (vcpu->vm, 0);
      return 0;
    case KVM_EXIT_FAIL_ENTRY:
      return fail_exit (vcpu, "entry failed", run->fail_entry.hardware_entry_failure_reason, err);
    case KVM_EXIT_INTERNAL_ERROR:
      return fail_exit (vcpu, "KVM internal error", run->internal.suberror, err);
    default:
      return fail_exit (vcpu, "unhandled exit", run->exit_reason, err);
    }
}

static void *
vcpu_thread (void *arg)
{
  struct vcpu *vcpu = arg;
  struct vm *vm = vcpu->vm;
  silo_error_t err = NULL;
  int ret = 1;

  if (vmm_thread_confine (VMM_THREAD_VCPU, &err) < 0)
    ret = silo_error_wrap (&err, "vCPU %d", vcpu->id);
  if (vcpu->id == 0)
    vm_mark (vm, VMM_MARK_FIRST_ENTRY);
  while (ret > 0 && !atomic_load (&vm->stop))
    {
      if (ioctl (vcpu->fd, KVM_RUN, 0) < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          ret = silo_make_error (&err, errno, "KVM_RUN on vCPU %d", vcpu->id);
          break;
        }
      ret = handle_exit (vcpu, &err);
    }
  if (ret < 0)
    vm_set_error (vm, &err);
  else
    vm_request_stop (vm, vm->exit_status);
  return NULL;
}

static void
on_sigusr1 (int sig)
{
  (void) sig; /* only there to make KVM_RUN return EINTR */
}

int
vcpus_run (struct vm *vm, silo_error_t *err)
{
  struct sigaction sa = { .sa_handler = on_sigusr1 };
  int i, ret;

  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGUSR1, &sa, NULL) < 0)
    return silo_make_error (err, errno, "sigaction SIGUSR1");
  for (i = 0; i < vm->nr_vcpus; i++)
    {
      ret = pthread_create (&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
      if (ret != 0)
        {
          vm_request_stop (vm, -1);
          silo_make_error (err, ret, "start vCPU %d", i);
          break;
        }
      vm->vcpus[i].started = true;
    }
  for (i = 0; i < vm->nr_vcpus; i++)
    if (vm->vcpus[i].started)
      pthread_join (vm->vcpus[i].thread, NULL);
  if (*err)
    return -1;
  if (vm->run_err)
    {
      *err = steal_pointer (&vm->run_err);
      return -(*err)->status - 1;
    }
  return vm->exit_status;
}

void
vcpus_destroy (struct vm *vm)
{
  int i;

  for (i = 0; i < vm->nr_vcpus; i++)
    {
      if (vm->vcpus[i].run)
        munmap (vm->vcpus[i].run, vm->vcpu_mmap_size);
      close_and_reset (&vm->vcpus[i].fd);
    }
  free (vm->vcpus);
  vm->vcpus = NULL;
  vm->nr_vcpus = 0;
}
