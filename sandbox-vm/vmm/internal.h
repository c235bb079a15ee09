/* Shared inside sandbox-vm/vmm only: the VM object, guest memory, the trap
 * registries (port I/O and MMIO), the device registry and the stage table. */
#ifndef SILO_KVM_INTERNAL_H
#define SILO_KVM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "../../util/error.h"

/* Guest physical layout. RAM is split around a 1 GiB hole below 4 GiB that
 * holds the virtio-mmio windows and the IOAPIC/LAPIC pages. */
#define GUEST_GAP_START 0xc0000000ULL
#define GUEST_GAP_SIZE 0x40000000ULL
#define GUEST_VIRTIO_MMIO_BASE 0xd0000000ULL
#define GUEST_VIRTIO_MMIO_SIZE 0x1000ULL
#define GUEST_IRQ_FIRST 5 /* first IOAPIC pin handed to virtio devices */
#define GUEST_IRQ_LAST 23

/* Guest RAM: one host mapping; guest addresses at or above the gap start map
 * to host offset (gpa - GUEST_GAP_SIZE). Kept separate from struct vm so the
 * virtqueue and 9p code can be tested over a plain buffer. */
struct guest_mem
{
  uint8_t *host;
  uint64_t size;     /* bytes of RAM */
  uint64_t low_size; /* RAM below GUEST_GAP_START */
};
/* Host pointer for [gpa, gpa + len), or NULL when any byte is not RAM. */
void *gmem_ptr (const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Trap registry: a sorted array of [base, base+len) ranges. The callback gets
 * the offset inside the range; reads fill data, writes consume it. */
typedef void (*trap_fn) (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write);
struct trap
{
  uint64_t base, len;
  trap_fn fn;
  void *opaque;
};
struct trap_table
{
  struct trap *traps;
  size_t n;
  pthread_rwlock_t lock;
};
int trap_table_add (struct trap_table *t, uint64_t base, uint64_t len, trap_fn fn, void *opaque,
                    silo_error_t *err);
bool trap_table_dispatch (struct trap_table *t, uint64_t addr, uint8_t *data, uint32_t len,
                          bool is_write);
void trap_table_free (struct trap_table *t);

struct vm;
int ioport_register (struct vm *vm, uint16_t port, uint16_t len, trap_fn fn, void *opaque,
                     silo_error_t *err);
bool ioport_dispatch (struct vm *vm, uint16_t port, uint8_t *data, uint32_t len, bool is_write);
int mmio_register (struct vm *vm, uint64_t base, uint64_t len, trap_fn fn, void *opaque,
                   silo_error_t *err);
bool mmio_dispatch (struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

/* Device registry: every device embeds a header; virtio-mmio devices also
 * get a window and an IRQ line, announced on the kernel command line. */
enum device_bus
{
  DEVICE_BUS_IOPORT,
  DEVICE_BUS_MMIO,
};
struct device_header
{
  enum device_bus bus;
  const char *name;
  uint64_t mmio_base, mmio_size; /* DEVICE_BUS_MMIO only */
  int irq;
  void *data;
  void (*destroy) (struct device_header *dev); /* exit stage, reverse order */
  struct device_header *next;
};
__attribute__ ((warn_unused_result)) int device_register (struct vm *vm, struct device_header *dev,
                                                          silo_error_t *err);
/* Reserve the next virtio-mmio window and IRQ line. */
int device_alloc_mmio (struct vm *vm, uint64_t *base, int *irq, silo_error_t *err);
void devices_destroy (struct vm *vm);

struct vcpu
{
  struct vm *vm;
  int id;
  int fd;
  struct kvm_run *run;
  pthread_t thread;
  bool started;
};

struct boot_info
{
  uint64_t entry;
  bool pvh;             /* 32-bit PVH entry with hvm_start_info in ebx */
  uint64_t zero_page;   /* boot_params or hvm_start_info address */
};

struct vm
{
  const struct vmm_config *cfg;
  int sys_fd, vm_fd;
  int vcpu_mmap_size;
  struct guest_mem mem;
  struct vcpu *vcpus;
  int nr_vcpus;
  struct trap_table pio, mmio;
  struct device_header *devices;
  uint64_t mmio_next;
  int irq_next;
  char *cmdline; /* cfg->cmdline plus the virtio_mmio.device= entries */
  struct boot_info boot;
  struct vmm_timing *timing;
  /* Set by the first vCPU that sees power-off or a fatal exit. */
  atomic_bool stop;
  int exit_status;      /* 0 = clean power-off */
  pthread_mutex_t err_lock;
  silo_error_t run_err; /* first vCPU error */
  void *priv[4];        /* device back-pointers the stages keep (see vmm.c) */
};

/* KVM ioctls: named helpers log the ioctl name on failure. */
int kvm_ioctl_ (int fd, unsigned long req, unsigned long arg, const char *name, silo_error_t *err);
#define kvm_ioctl(fd, req, arg, err) kvm_ioctl_ ((fd), (req), (unsigned long) (arg), #req, (err))

/* vm.c */
int vm_open (struct vm *vm, silo_error_t *err);
int vm_setup_memory (struct vm *vm, silo_error_t *err);
int vm_setup_irqchip (struct vm *vm, silo_error_t *err);
void vm_close (struct vm *vm);
int vm_irq_line (struct vm *vm, int irq, int level);
void vm_request_stop (struct vm *vm, int status);
void vm_set_error (struct vm *vm, silo_error_t *err);
void vm_mark (struct vm *vm, enum vmm_marker m);

/* confine.c: the seccomp allow list of a thread's role, stacked on the
 * process's (vmm_process_allow) at the thread's start. */
enum vmm_thread_role
{
  VMM_THREAD_VCPU,   /* KVM_RUN and the exits it serves, 9P included */
  VMM_THREAD_DEVICE, /* device/IO threads: fds, eventfds, the device's irq */
};
int vmm_thread_confine (enum vmm_thread_role role, silo_error_t *err);

/* vcpu.c */
int vcpus_create (struct vm *vm, silo_error_t *err);
int vcpus_run (struct vm *vm, silo_error_t *err);
void vcpus_destroy (struct vm *vm);

/* x86/: boot loader, long-mode/PVH register setup, cpuid, mptable. */
int x86_load_kernel (struct vm *vm, silo_error_t *err);
/* The same for an image already in memory (also the fuzzing entry point). */
int x86_load_kernel_image (struct vm *vm, const char *data, size_t len, silo_error_t *err);
int x86_setup_boot_cpu (struct vm *vm, struct vcpu *vcpu, silo_error_t *err);
int x86_setup_cpuid (struct vm *vm, struct vcpu *vcpu, silo_error_t *err);
int x86_setup_lapic (struct vcpu *vcpu, silo_error_t *err);
int x86_write_mptable (struct vm *vm, silo_error_t *err);

/* hw/ */
int serial_init (struct vm *vm, silo_error_t *err);
int i8042_init (struct vm *vm, silo_error_t *err);
int rtc_init (struct vm *vm, silo_error_t *err);

/* virtio devices */
int virtio_console_init (struct vm *vm, silo_error_t *err);
int virtio_9p_init (struct vm *vm, silo_error_t *err);
int virtio_net_init (struct vm *vm, silo_error_t *err);

#endif
