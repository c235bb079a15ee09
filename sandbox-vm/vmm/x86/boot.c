/* Kernel loaders. ELF vmlinux: PT_LOAD segments at their physical
 * addresses, entered through the PVH note when there is one, else at e_entry
 * in 64-bit mode with a zero page. bzImage: the protected-mode part at 1 MiB,
 * entered at startup_64 (load address + 0x200) with the zero page built from
 * its setup header. Both get the cmdline, an e820 map and the initrd. */
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "../internal.h"
#include "layout.h"
#include "../../../util/utils.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define SETUP_HDR_OFF 0x1f1
#define E820_RAM 1
#define E820_RESERVED 2
#define INITRD_MAX_DEFAULT 0x37ffffffULL

struct hvm_start_info
{
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry
{
  uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry
{
  uint64_t addr, size;
  uint32_t type, reserved;
};
#define HVM_START_MAGIC 0x336ec578

struct kernel_image
{
  const char *data;
  size_t len;
  uint64_t end;            /* highest guest address the kernel occupies */
  uint64_t initrd_max;     /* highest address the initrd may end at */
  uint32_t cmdline_max;
  const struct setup_header *hdr; /* bzImage only */
};

static int
copy_to_guest (struct vm *vm, uint64_t gpa, const void *src, uint64_t len, silo_error_t *err)
{
  void *dst = gmem_ptr (&vm->mem, gpa, len);

  if (dst == NULL)
    return silo_make_error (err, ERANGE, "0x%llx bytes at guest 0x%llx: outside guest memory",
                            (unsigned long long) len, (unsigned long long) gpa);
  memcpy (dst, src, len);
  return 0;
}

/* Memory map shared by the zero page and PVH: low RAM, RAM from 1 MiB, RAM
 * above the gap. Returns the number of entries written (at most 3). */
static int
fill_memmap (const struct vm *vm, uint64_t addr[3], uint64_t size[3])
{
  int n = 0;

  addr[n] = 0, size[n++] = BOOT_EBDA_START;
  addr[n] = BOOT_HIMEM, size[n++] = vm->mem.low_size - BOOT_HIMEM;
  if (vm->mem.size > vm->mem.low_size)
    addr[n] = GUEST_GAP_START + GUEST_GAP_SIZE, size[n++] = vm->mem.size - vm->mem.low_size;
  return n;
}

/* [off, off + len) lies inside the file (no overflow on the way). */
static bool
in_file (const struct kernel_image *k, uint64_t off, uint64_t len)
{
  return off <= k->len && len <= k->len - off;
}

static int
parse_pvh_note (const struct kernel_image *k, const Elf64_Phdr *ph, uint64_t *entry)
{
  uint64_t off = ph->p_offset, end;
  Elf64_Nhdr n;

  if (!in_file (k, ph->p_offset, ph->p_filesz))
    return 0;
  end = ph->p_offset + ph->p_filesz;
  while (end - off >= sizeof (n))
    {
      memcpy (&n, k->data + off, sizeof (n)); /* notes need not be aligned in a hostile file */
      uint64_t name_off = off + sizeof (n);
      uint64_t desc_off = name_off + (((uint64_t) n.n_namesz + 3) & ~3ULL);
      if (desc_off > end || n.n_descsz > end - desc_off)
        break;
      if (n.n_type == XEN_ELFNOTE_PHYS32_ENTRY && n.n_namesz == 4
          && memcmp (k->data + name_off, "Xen", 4) == 0 && n.n_descsz >= 4)
        {
          uint32_t e;
          memcpy (&e, k->data + desc_off, 4);
          *entry = e;
          return 1;
        }
      off = desc_off + (((uint64_t) n.n_descsz + 3) & ~3ULL);
      if (off > end)
        break;
    }
  return 0;
}

static int
load_elf (struct vm *vm, struct kernel_image *k, silo_error_t *err)
{
  Elf64_Ehdr eh;
  Elf64_Phdr phdr, *ph = &phdr;
  int i, ret;

  if (k->len < sizeof (eh))
    return silo_make_error (err, ENOEXEC, "not a 64-bit x86 ELF kernel");
  memcpy (&eh, k->data, sizeof (eh));
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64
      || eh.e_phentsize != sizeof (Elf64_Phdr)
      || !in_file (k, eh.e_phoff, (uint64_t) eh.e_phnum * sizeof (Elf64_Phdr)))
    return silo_make_error (err, ENOEXEC, "not a 64-bit x86 ELF kernel");
  vm->boot.entry = eh.e_entry;
  for (i = 0; i < eh.e_phnum; i++)
    {
      void *dst;
      memcpy (ph, k->data + eh.e_phoff + i * sizeof (*ph), sizeof (*ph)); /* e_phoff may be unaligned */
      if (ph->p_type == PT_NOTE && parse_pvh_note (k, ph, &vm->boot.entry))
        vm->boot.pvh = true;
      if (ph->p_type != PT_LOAD)
        continue;
      if (!in_file (k, ph->p_offset, ph->p_filesz) || ph->p_filesz > ph->p_memsz)
        return silo_make_error (err, ENOEXEC, "ELF segment %d: outside the file", i);
      dst = gmem_ptr (&vm->mem, ph->p_paddr, ph->p_memsz);
      if (dst == NULL || ph->p_paddr < BOOT_HIMEM)
        return silo_make_error (err, ENOMEM, "ELF segment %d at 0x%llx+0x%llx: not in guest RAM above 1 MiB",
                                i, (unsigned long long) ph->p_paddr, (unsigned long long) ph->p_memsz);
      ret = copy_to_guest (vm, ph->p_paddr, k->data + ph->p_offset, ph->p_filesz, err);
      if (ret < 0)
        return ret;
      memset ((uint8_t *) dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
      if (ph->p_paddr + ph->p_memsz > k->end)
        k->end = ph->p_paddr + ph->p_memsz;
    }
  k->initrd_max = INITRD_MAX_DEFAULT;
  k->cmdline_max = BOOT_CMDLINE_MAX - 1;
  return 0;
}

static int
load_bzimage (struct vm *vm, struct kernel_image *k, silo_error_t *err)
{
  const struct setup_header *hdr = (const struct setup_header *) (k->data + SETUP_HDR_OFF);
  size_t setup_size;
  uint64_t pm_size;

  /* The header is packed (no alignment), and the whole of it must be in the file. */
  if (!in_file (k, SETUP_HDR_OFF, sizeof (*hdr)))
    return silo_make_error (err, ENOEXEC, "bzImage: %zu bytes, shorter than its setup header", k->len);
  if (hdr->version < 0x20c || !(hdr->xloadflags & XLF_KERNEL_64))
    return silo_make_error (err, ENOEXEC, "bzImage: boot protocol %x.%02x without a 64-bit entry (need >= 2.12)",
                            hdr->version >> 8, hdr->version & 0xff);
  setup_size = ((hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
  if (setup_size >= k->len)
    return silo_make_error (err, ENOEXEC, "bzImage: setup of %zu bytes in a %zu-byte file", setup_size, k->len);
  pm_size = k->len - setup_size;
  /* init_size covers the decompressor's work area: it must fit too. */
  if (BOOT_HIMEM + (hdr->init_size > pm_size ? hdr->init_size : pm_size) > vm->mem.low_size)
    return silo_make_error (err, ENOMEM, "bzImage needs %u bytes above 1 MiB", hdr->init_size);
  k->hdr = hdr;
  k->end = BOOT_HIMEM + pm_size;
  k->initrd_max = hdr->initrd_addr_max;
  k->cmdline_max = hdr->cmdline_size;
  vm->boot.entry = BOOT_HIMEM + 0x200; /* startup_64 */
  return copy_to_guest (vm, BOOT_HIMEM, k->data + setup_size, pm_size, err);
}

/* Highest page-aligned spot below initrd_max and low RAM, above the kernel. */
static int
load_initrd (struct vm *vm, const struct kernel_image *k, uint64_t *addr, uint64_t *size,
             silo_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len = 0;
  uint64_t top;
  int ret;

  *addr = *size = 0;
  if (vm->cfg->initrd == NULL)
    return 0;
  ret = read_file (vm->cfg->initrd, &data, &len, err);
  if (ret < 0)
    return ret;
  top = vm->mem.low_size < k->initrd_max + 1 ? vm->mem.low_size : k->initrd_max + 1;
  if (len == 0 || len > top || ((top - len) & ~0xfffULL) < k->end)
    return silo_make_error (err, ENOMEM, "initrd `%s` (%zu bytes) does not fit below 0x%llx",
                            vm->cfg->initrd, len, (unsigned long long) top);
  *addr = (top - len) & ~0xfffULL;
  *size = len;
  return copy_to_guest (vm, *addr, data, len, err);
}

static int
write_zero_page (struct vm *vm, const struct kernel_image *k, uint64_t rd_addr, uint64_t rd_size,
                 silo_error_t *err)
{
  cleanup_free struct boot_params *bp = xmalloc0 (sizeof (*bp));
  uint64_t addr[3], size[3];
  int i, n = fill_memmap (vm, addr, size);

  if (k->hdr) /* bzImage: start from its own header, as the boot protocol asks */
    {
      size_t hlen = 0x202 + ((const uint8_t *) k->hdr)[0x201 - SETUP_HDR_OFF] - SETUP_HDR_OFF;
      memcpy (&bp->hdr, k->hdr, hlen < sizeof (bp->hdr) ? hlen : sizeof (bp->hdr));
    }
  else
    {
      bp->hdr.boot_flag = 0xaa55;
      bp->hdr.header = 0x53726448; /* "HdrS" */
      bp->hdr.kernel_alignment = 0x1000000;
    }
  bp->hdr.type_of_loader = 0xff;
  bp->hdr.loadflags |= CAN_USE_HEAP;
  bp->hdr.heap_end_ptr = 0xfe00;
  bp->hdr.cmd_line_ptr = BOOT_CMDLINE;
  bp->hdr.cmdline_size = strlen (vm->cmdline) + 1;
  bp->hdr.ramdisk_image = rd_addr;
  bp->hdr.ramdisk_size = rd_size;
  for (i = 0; i < n; i++)
    bp->e820_table[i] = (struct boot_e820_entry){ .addr = addr[i], .size = size[i], .type = E820_RAM };
  bp->e820_entries = n;
  return copy_to_guest (vm, BOOT_ZERO_PAGE, bp, sizeof (*bp), err);
}

static int
write_pvh_info (struct vm *vm, uint64_t rd_addr, uint64_t rd_size, silo_error_t *err)
{
  struct hvm_start_info si = { .magic = HVM_START_MAGIC, .version = 1 };
  struct hvm_memmap_entry mm[3];
  struct hvm_modlist_entry mod = { .paddr = rd_addr, .size = rd_size };
  uint64_t addr[3], size[3];
  int i, n = fill_memmap (vm, addr, size), ret;

  for (i = 0; i < n; i++)
    mm[i] = (struct hvm_memmap_entry){ .addr = addr[i], .size = size[i], .type = E820_RAM };
  si.cmdline_paddr = BOOT_CMDLINE;
  si.memmap_paddr = BOOT_PVH_MEMMAP;
  si.memmap_entries = n;
  if (rd_size)
    si.nr_modules = 1, si.modlist_paddr = BOOT_PVH_MODLIST;
  ret = copy_to_guest (vm, BOOT_PVH_MEMMAP, mm, n * sizeof (mm[0]), err);
  if (ret == 0)
    ret = copy_to_guest (vm, BOOT_PVH_MODLIST, &mod, sizeof (mod), err);
  if (ret == 0)
    ret = copy_to_guest (vm, BOOT_ZERO_PAGE, &si, sizeof (si), err);
  return ret;
}

int
x86_load_kernel (struct vm *vm, silo_error_t *err)
{
  cleanup_free char *data = NULL;
  size_t len = 0;
  int ret;

  ret = read_file (vm->cfg->kernel, &data, &len, err);
  if (ret < 0)
    return ret;
  return x86_load_kernel_image (vm, data, len, err);
}

int
x86_load_kernel_image (struct vm *vm, const char *data, size_t len, silo_error_t *err)
{
  struct kernel_image k = { .data = data, .len = len };
  uint64_t rd_addr = 0, rd_size = 0;
  int ret;

  if (k.len >= SELFMAG && memcmp (data, ELFMAG, SELFMAG) == 0)
    ret = load_elf (vm, &k, err);
  else if (k.len > 0x206 && memcmp (data + 0x202, "HdrS", 4) == 0)
    ret = load_bzimage (vm, &k, err);
  else
    ret = silo_make_error (err, ENOEXEC, "neither an ELF vmlinux nor a bzImage");
  if (ret == 0)
    ret = load_initrd (vm, &k, &rd_addr, &rd_size, err);
  if (ret < 0)
    return silo_error_wrap (err, "kernel `%s`", vm->cfg->kernel);
  if (strlen (vm->cmdline) > k.cmdline_max)
    return silo_make_error (err, E2BIG, "kernel command line of %zu bytes: this kernel takes %u",
                            strlen (vm->cmdline), k.cmdline_max);
  ret = copy_to_guest (vm, BOOT_CMDLINE, vm->cmdline, strlen (vm->cmdline) + 1, err);
  if (ret < 0)
    return ret;
  vm->boot.zero_page = BOOT_ZERO_PAGE;
  if (vm->boot.pvh)
    return write_pvh_info (vm, rd_addr, rd_size, err);
  return write_zero_page (vm, &k, rd_addr, rd_size, err);
}
