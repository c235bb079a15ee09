/* silo's own VMM on /dev/kvm: boots a Linux guest (ELF vmlinux or bzImage)
 * straight into its 64-bit (or PVH) entry with an 8250 serial console, an
 * i8042 reset line used as power-off, two virtio-mmio consoles (hvc0: log,
 * hvc1: agent channel), a virtio-9p share of the root filesystem and one
 * virtio-net NIC per tap fd (guest eth0, eth1, ... in vmm_config.nets order).
 * The VMM holds only the fds it is given plus /dev/kvm, all O_CLOEXEC, so the
 * caller can jail the process before calling vmm_run. */
#ifndef SILO_VMM_H
#define SILO_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../util/error.h"

struct vmm_timing;

#define VMM_MAX_NETS 8
/* One guest NIC, served in-process from a tap. Registered after the
 * consoles and the 9p share, in array order: nets[0] is the guest's eth0. */
struct vmm_net
{
  int tap_fd;          /* IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, opened by the caller; the VMM owns it after vmm_run */
  uint8_t mac[6];      /* the guest NIC's MAC (the engine interface's own) */
  uint16_t mtu;        /* 0 = not advertised */
};

struct vmm_config
{
  const char *kernel;  /* ELF vmlinux (PVH note or 64-bit entry) or bzImage (64-bit entry, boot protocol >= 2.12) */
  const char *initrd;  /* may be NULL */
  const char *cmdline; /* silo appends virtio_mmio.device= entries itself */
  uint64_t mem_bytes;
  int vcpus;
  int agent_fd;   /* host end of the agent channel: bytes to/from the guest's /dev/hvc1 */
  int console_fd; /* 8250 serial and hvc0 output (early logs), -1 = off */
  const char *share_dir; /* root filesystem share: virtio-9p (9P2000.L), mount tag "silo-root"; NULL = none */
  bool share_readonly;
  bool mergeable; /* MADV_MERGEABLE on guest RAM (KSM): off unless asked for, a cross-tenant side channel */
  struct vmm_timing *timing; /* NULL = no boot-time markers */
  struct vmm_net nets[VMM_MAX_NETS];
  int n_nets;
};

/* Boot the guest and block until it powers off (i8042 reset through
 * `reboot=k`, or a triple fault). Returns 0 on a clean power-off. Closes
 * nets[].tap_fd (the first n_nets, up to VMM_MAX_NETS) on return, whether
 * or not the guest came up. */
int vmm_run (const struct vmm_config *cfg, silo_error_t *err);

/* The seccomp allow lists of the whole VMM process (a NULL-terminated
 * array for allow_load, sandbox-vm/allow.h): what the jail loads before
 * vmm_run; each thread narrows it to its role when it starts. */
struct allow_list;
extern const struct allow_list *const vmm_process_allow[];

/* vmx or svm in /proc/cpuinfo: a stock Linux guest can boot here. */
bool vmm_hw_virt_available (void);

/* Boot-time markers, in CLOCK_MONOTONIC nanoseconds (0 = not reached).
 * The guest reports "agent ready" and "process exec" by writing the marker
 * number to I/O port VMM_MARKER_PORT (one `outb`). */
#define VMM_MARKER_PORT 0x510
enum vmm_marker
{
  VMM_MARK_START,       /* vmm_run entered */
  VMM_MARK_FIRST_ENTRY, /* first KVM_RUN of the boot vCPU */
  VMM_MARK_AGENT_READY, /* guest wrote 1 to VMM_MARKER_PORT */
  VMM_MARK_EXEC,        /* guest wrote 2 to VMM_MARKER_PORT */
  VMM_MARK_POWER_OFF,
  VMM_MARK_COUNT,
};
struct vmm_timing
{
  unsigned long long ns[VMM_MARK_COUNT];
};
/* "first vCPU entry +1.2 ms, agent ready +80.3 ms, ..." for the markers
 * reached, relative to VMM start (the --debug breakdown). */
void vmm_timing_format (const struct vmm_timing *t, char *buf, size_t len);

#endif
