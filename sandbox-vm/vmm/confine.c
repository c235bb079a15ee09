/* The VMM's seccomp allow lists (docs/sandbox.md, "Seccomp: an allow list
 * per role"). The process list is loaded by the jail before any thread
 * exists; each thread then stacks the list of its role at its start
 * (vmm_thread_confine). A thread inherits its creator's filters, and every
 * filter of a thread must allow a call: device threads are started by a
 * vCPU thread when the guest activates the device, so the vCPU list holds
 * the device list, and the process list holds both:
 *   device  <  vCPU  <  process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "internal.h"
#include "../allow.h"

#define THREAD_FLAGS (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)

/* pthread_create from this thread, and the new thread's own start:
 * clone only for threads of this process; a filter of its own (libseccomp
 * sets no_new_privs, already set, and loads it). */
static const struct allow_rule thread_rules[] = {
  ALLOW_IF (clone, 0, THREAD_FLAGS | ALLOW_CLONE_NS_MASK, THREAD_FLAGS),
  ALLOW (set_robust_list),
  ALLOW (rseq),
  ALLOW (tgkill), /* pthread_kill: SIGUSR1 to a vCPU to leave KVM_RUN */
  ALLOW (seccomp),
  ALLOW_IF (prctl, 0, 0xffffffffu, PR_SET_NO_NEW_PRIVS),
};

/* Device/IO threads: wait for the guest's kick (eventfd) and the host fd,
 * move bytes between them and the rings, raise the device's interrupt.
 * The TUN requests are virtio-net's at activation (on the vCPU that
 * writes DRIVER_OK, which holds this list too). */
static const struct allow_rule device_rules[] = {
  ALLOW (readv),
  ALLOW (writev),
  ALLOW (poll),
  ALLOW (ppoll),
  ALLOW_IOCTL (KVM_IRQ_LINE),
  ALLOW_IOCTL (TUNSETVNETHDRSZ),
  ALLOW_IOCTL (TUNSETOFFLOAD),
};

/* vCPU threads: KVM_RUN and the registers for an error report; the exits
 * they serve synchronously: port and MMIO devices, the console's transmit
 * queue (write), and the 9P server, whose requests run on the vCPU that
 * kicked its queue (every call below is on a descriptor under the share,
 * opened by walking it with O_NOFOLLOW). No device nodes through the share:
 * mknodat of a character or block device fails, as the kernel would fail
 * it without CAP_MKNOD. */
static const struct allow_rule vcpu_rules[] = {
  ALLOW_IOCTL (KVM_RUN),
  ALLOW_IOCTL (KVM_GET_REGS),
  ALLOW (openat),
  ALLOW (fstatfs),
  ALLOW (getdents64),
  ALLOW_IF (fcntl, 1, 0xffffffffu, F_DUPFD_CLOEXEC),
  ALLOW_IF (fcntl, 1, 0xffffffffu, F_GETFL),
  ALLOW_IF (fcntl, 1, 0xffffffffu, F_GETFD),
  ALLOW_IF (fcntl, 1, 0xffffffffu, F_SETFD),
  ALLOW (fchownat),
  ALLOW (fchmodat),
  ALLOW (utimensat),
  ALLOW (mkdirat),
  ALLOW (unlinkat),
  ALLOW (renameat),
  ALLOW (renameat2),
  ALLOW (symlinkat),
  ALLOW (linkat),
  ALLOW (readlinkat),
  ALLOW (ftruncate),
  ALLOW (fsync),
  ALLOW (fdatasync),
  ALLOW (pread64),
  ALLOW (pwrite64),
  ALLOW_IF (mknodat, 2, S_IFMT, S_IFIFO),
  ALLOW_IF (mknodat, 2, S_IFMT, S_IFSOCK),
  ALLOW_IF (mknodat, 2, S_IFMT, S_IFREG),
  ALLOW_IF (mknodat, 2, S_IFMT, 0),
  REFUSE_IF (mknodat, EPERM, 2, S_IFMT, S_IFCHR),
  REFUSE_IF (mknodat, EPERM, 2, S_IFMT, S_IFBLK),
};

/* The main thread's bring-up after the jail: /dev/kvm, the VM, its memory
 * and irqchip, the vCPUs' registers, CPUID and LAPIC, the kernel and
 * initrd read from the jail, eventfds, the SIGUSR1 handler, PDEATHSIG set
 * again after the credential change. */
static const struct allow_rule setup_rules[] = {
  ALLOW_IOCTL (KVM_GET_API_VERSION),
  ALLOW_IOCTL (KVM_CREATE_VM),
  ALLOW_IOCTL (KVM_GET_VCPU_MMAP_SIZE),
  ALLOW_IOCTL (KVM_CHECK_EXTENSION),
  ALLOW_IOCTL (KVM_SET_USER_MEMORY_REGION),
  ALLOW_IOCTL (KVM_SET_TSS_ADDR),
  ALLOW_IOCTL (KVM_SET_IDENTITY_MAP_ADDR),
  ALLOW_IOCTL (KVM_CREATE_IRQCHIP),
  ALLOW_IOCTL (KVM_CREATE_PIT2),
  ALLOW_IOCTL (KVM_CREATE_VCPU),
  ALLOW_IOCTL (KVM_GET_SUPPORTED_CPUID),
  ALLOW_IOCTL (KVM_SET_CPUID2),
  ALLOW_IOCTL (KVM_GET_SREGS),
  ALLOW_IOCTL (KVM_SET_SREGS),
  ALLOW_IOCTL (KVM_SET_REGS),
  ALLOW_IOCTL (KVM_SET_FPU),
  ALLOW_IOCTL (KVM_GET_LAPIC),
  ALLOW_IOCTL (KVM_SET_LAPIC),
  ALLOW (eventfd2),
  ALLOW (rt_sigaction),
  ALLOW_IF (prctl, 0, 0xffffffffu, PR_SET_PDEATHSIG),
};

static const struct allow_list thread_list = ALLOW_LIST (thread_rules);
static const struct allow_list device_list = ALLOW_LIST (device_rules);
static const struct allow_list vcpu_list = ALLOW_LIST (vcpu_rules);
static const struct allow_list setup_list = ALLOW_LIST (setup_rules);

const struct allow_list *const vmm_process_allow[]
    = { &allow_libc, &thread_list, &device_list, &vcpu_list, &setup_list, NULL };

static const struct allow_list *const vcpu_allow[]
    = { &allow_libc, &thread_list, &device_list, &vcpu_list, NULL };
static const struct allow_list *const device_allow[] = { &allow_libc, &device_list, NULL };

int
vmm_thread_confine (enum vmm_thread_role role, silo_error_t *err)
{
  switch (role)
    {
    case VMM_THREAD_VCPU:
      return allow_load ("vCPU thread", vcpu_allow, err);
    case VMM_THREAD_DEVICE:
      return allow_load ("device thread", device_allow, err);
    }
  return silo_make_error (err, EINVAL, "vmm: no seccomp role %d", (int) role);
}
