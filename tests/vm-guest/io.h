/* Freestanding helpers for the test guests: port I/O, MMIO, serial output. */
#ifndef SILO_VM_GUEST_IO_H
#define SILO_VM_GUEST_IO_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

static inline void outb (u16 port, u8 v) { __asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb (u16 port) { u8 v; __asm__ volatile ("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 mmio_r32 (u64 a) { return *(volatile u32 *) a; }
static inline void mmio_w32 (u64 a, u32 v) { *(volatile u32 *) a = v; }
static inline u8 mmio_r8 (u64 a) { return *(volatile u8 *) a; }
static inline void barrier (void) { __asm__ volatile ("mfence" ::: "memory"); }

static inline void
putc_ (char c)
{
  outb (0x3f8, (u8) c);
}
static inline void
puts_ (const char *s)
{
  while (*s)
    putc_ (*s++);
}
static inline void
puthex (u64 v)
{
  int i, started = 0;
  puts_ ("0x");
  for (i = 60; i >= 0; i -= 4)
    {
      int d = (v >> i) & 0xf;
      if (d || started || i == 0)
        putc_ ("0123456789abcdef"[d]), started = 1;
    }
}
static inline void
putbuf (const u8 *p, u32 n)
{
  while (n--)
    putc_ ((char) *p++);
}

void *memset (void *d, int c, unsigned long n);
void *memcpy (void *d, const void *s, unsigned long n);

#endif
