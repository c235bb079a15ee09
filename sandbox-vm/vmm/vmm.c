/* vmm_run: VM bring-up as an explicit, ordered stage table (kvmtool's init
 * levels without constructor registration), the vCPU run, and tear-down of
 * the stages that came up, in reverse order. A failing stage is named in the
 * error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../../util/log.h"
#include "../../util/utils.h"

static int
stage_legacy (struct vm *vm, silo_error_t *err)
{
  int ret = serial_init (vm, err);

  if (ret == 0)
    ret = i8042_init (vm, err);
  if (ret == 0)
    ret = rtc_init (vm, err);
  return ret;
}

static int
stage_virtio (struct vm *vm, silo_error_t *err)
{
  int ret = virtio_console_init (vm, err);

  if (ret == 0 && vm->cfg->share_dir)
    ret = virtio_9p_init (vm, err);
  /* Last, so that the guest's eth0.. follow nets[] whatever else is there. */
  if (ret == 0)
    ret = virtio_net_init (vm, err);
  return ret;
}

static int
stage_firmware (struct vm *vm, silo_error_t *err)
{
  int ret = x86_load_kernel (vm, err);

  if (ret == 0)
    ret = x86_write_mptable (vm, err);
  return ret;
}

static void
exit_devices (struct vm *vm)
{
  devices_destroy (vm);
}

struct stage
{
  const char *name;
  int (*init) (struct vm *vm, silo_error_t *err);
  void (*exit) (struct vm *vm);
};

/* The order is the dependency order: devices announce themselves on the
 * command line before the kernel loader copies it; vCPUs come last because
 * the boot vCPU's registers point into what the loader wrote. */
static const struct stage stages[] = {
  { "kvm", vm_open, vm_close },
  { "guest memory", vm_setup_memory, NULL },
  { "irqchip", vm_setup_irqchip, NULL },
  { "legacy devices", stage_legacy, exit_devices },
  { "virtio devices", stage_virtio, NULL },
  { "kernel", stage_firmware, NULL },
  { "vcpus", vcpus_create, vcpus_destroy },
};

/* The tap fds are the VMM's once vmm_run is called (vmm.h). */
static void
close_taps (const struct vmm_config *cfg)
{
  int i;

  for (i = 0; i < cfg->n_nets && i < VMM_MAX_NETS; i++)
    if (cfg->nets[i].tap_fd >= 0)
      close (cfg->nets[i].tap_fd);
}

static void
stages_exit (struct vm *vm, size_t done)
{
  while (done-- > 0)
    if (stages[done].exit)
      stages[done].exit (vm);
}

int
vmm_run (const struct vmm_config *cfg, silo_error_t *err)
{
  struct vm vm = { .cfg = cfg, .sys_fd = -1, .vm_fd = -1, .timing = cfg->timing,
                   .mmio_next = GUEST_VIRTIO_MMIO_BASE, .irq_next = GUEST_IRQ_FIRST };
  size_t i;
  int ret = 0;

  if (cfg->timing)
    memset (cfg->timing, 0, sizeof (*cfg->timing));
  vm_mark (&vm, VMM_MARK_START);
  pthread_rwlock_init (&vm.pio.lock, NULL);
  pthread_rwlock_init (&vm.mmio.lock, NULL);
  pthread_mutex_init (&vm.err_lock, NULL);
  vm.cmdline = xstrdup (cfg->cmdline ? cfg->cmdline : "");
  for (i = 0; i < ARRAY_SIZE (stages); i++)
    {
      ret = stages[i].init (&vm, err);
      if (ret < 0)
        {
          silo_error_wrap (err, "vmm: %s", stages[i].name);
          break;
        }
      pr_debug ("vmm: stage `%s` up", stages[i].name);
    }
  if (ret == 0)
    {
      pr_debug ("vmm: kernel command line `%s`", vm.cmdline);
      ret = vcpus_run (&vm, err);
      if (ret > 0)
        ret = silo_make_error (err, 0, "vmm: guest stopped with status %d", ret);
    }
  stages_exit (&vm, i);
  vm_close (&vm); /* idempotent: also releases what a failed `kvm` stage opened */
  close_taps (cfg);
  pthread_rwlock_destroy (&vm.pio.lock);
  pthread_rwlock_destroy (&vm.mmio.lock);
  pthread_mutex_destroy (&vm.err_lock);
  return ret;
}

bool
vmm_hw_virt_available (void)
{
  cleanup_file FILE *f = fopen ("/proc/cpuinfo", "re");
  cleanup_free char *line = NULL;
  size_t n = 0;

  if (f == NULL)
    return false;
  while (getline (&line, &n, f) > 0)
    if (strncmp (line, "flags", 5) == 0)
      return strstr (line, " vmx") != NULL || strstr (line, " svm") != NULL;
  return false;
}

void
vmm_timing_format (const struct vmm_timing *t, char *buf, size_t len)
{
  static const char *const names[VMM_MARK_COUNT] = {
    [VMM_MARK_START] = "vmm start",          [VMM_MARK_FIRST_ENTRY] = "first vCPU entry",
    [VMM_MARK_AGENT_READY] = "agent ready",  [VMM_MARK_EXEC] = "process exec",
    [VMM_MARK_POWER_OFF] = "power off",
  };
  size_t used = 0;
  int i, n;

  if (len == 0)
    return;
  buf[0] = '\0';
  for (i = 1; i < VMM_MARK_COUNT && used < len; i++)
    if (t->ns[i])
      {
        n = snprintf (buf + used, len - used, "%s%s +%.1f ms", used ? ", " : "", names[i],
                      (t->ns[i] - t->ns[0]) / 1e6);
        if (n < 0)
          break;
        used += (size_t) n;
      }
}
