/* libFuzzer harness: the kernel loaders (sandbox-vm/vmm/x86/boot.c). Input:
 * a kernel image, ELF vmlinux or bzImage, loaded into 3 MiB of guest RAM
 * held in a plain buffer (no /dev/kvm): every header, note and segment is
 * checked against the file and the RAM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox-vm/vmm/internal.h"
#include "util/utils.h"

#define RAM (3u << 20)

static uint8_t *ram;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ram = xmalloc0 (RAM);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const struct vmm_config cfg = { .kernel = "fuzz-kernel", .cmdline = "console=ttyS0" };
  static struct vm vm; /* big (locks, tables): only the fields the loader uses are set */
  cleanup_free char *image = xmalloc (size ? size : 1);
  char cmdline[] = "console=ttyS0 reboot=k";
  silo_error_t err = NULL;

  memset (&vm, 0, sizeof (vm));
  vm.cfg = &cfg;
  vm.cmdline = cmdline;
  vm.mem = (struct guest_mem){ .host = ram, .size = RAM, .low_size = RAM };
  memcpy (image, data, size);
  if (x86_load_kernel_image (&vm, image, size, &err) < 0)
    silo_error_release (&err);
  return 0;
}
