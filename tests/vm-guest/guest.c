/* Test guest for tests/unit/test_vmm.c, run at CPL0 (emulated on PVM
 * hosts: about a microsecond per instruction, so it stays small). It
 * reports over COM1 what it found in the zero page, drives every
 * virtio-mmio device named on its command line when "t.virtio" is given,
 * and powers off through the i8042 reset line. Booted by silo's sandbox
 * (rdinit=/init on its command line) it has no agent to start and waits
 * forever instead, as a guest whose init never comes up. */
#include "io.h"

#define ZP_E820_ENTRIES 0x1e8
#define ZP_VERSION 0x206
#define ZP_RAMDISK_IMAGE 0x218
#define ZP_RAMDISK_SIZE 0x21c
#define ZP_CMD_LINE_PTR 0x228
#define ZP_E820_TABLE 0x2d0

void *
memset (void *d, int c, unsigned long n)
{
  u8 *p = d;
  while (n--)
    *p++ = (u8) c;
  return d;
}

void *
memcpy (void *d, const void *s, unsigned long n)
{
  u8 *p = d;
  const u8 *q = s;
  while (n--)
    *p++ = *q++;
  return d;
}

static int
has_word (const char *s, const char *w)
{
  for (; *s; s++)
    {
      const char *a = s, *b = w;
      while (*b && *a == *b)
        a++, b++;
      if (!*b && (*a == ' ' || !*a))
        return 1;
    }
  return 0;
}

static void
report_zero_page (const u8 *zp)
{
  u32 n = zp[ZP_E820_ENTRIES], i, rd = *(const u32 *) (zp + ZP_RAMDISK_IMAGE);
  u32 rd_size = *(const u32 *) (zp + ZP_RAMDISK_SIZE), sum = 0;
  const char *cmdline = (const char *) (u64) * (const u32 *) (zp + ZP_CMD_LINE_PTR);

  puts_ ("hdr.version=");
  puthex (*(const u16 *) (zp + ZP_VERSION));
  puts_ ("\ncmdline=");
  puts_ (cmdline);
  puts_ ("\ne820:");
  for (i = 0; i < n; i++)
    {
      const u8 *e = zp + ZP_E820_TABLE + 20 * i;
      putc_ (' ');
      puthex (*(const u64 *) e);
      putc_ ('+');
      puthex (*(const u64 *) (e + 8));
      putc_ (':');
      puthex (*(const u32 *) (e + 16));
    }
  for (i = 0; i < rd_size; i++)
    sum = sum * 31 + ((const u8 *) (u64) rd)[i];
  puts_ ("\ninitrd=");
  puthex (rd);
  putc_ (' ');
  puthex (rd_size);
  puts_ (" sum=");
  puthex (sum);
  putc_ ('\n');
}

void virtio_test (const char *cmdline);

void
guest_main (const u8 *zero_page)
{
  const char *cmdline = (const char *) (u64) * (const u32 *) (zero_page + ZP_CMD_LINE_PTR);

  puts_ ("guest: up\n");
  report_zero_page (zero_page);
  if (has_word (cmdline, "t.virtio"))
    virtio_test (cmdline);
  if (has_word (cmdline, "rdinit=/init"))
    {
      puts_ ("guest: no agent here\n");
      for (;;)
        __asm__ volatile ("cli; hlt");
    }
  puts_ ("guest: power off\n");
  while (inb (0x64) & 2)
    ;
  outb (0x64, 0xfe);
}
