/* 8250/16550A UART on COM1 (0x3f8, IRQ 4), output only: enough for the
 * Linux console (polled by printk) and for ttyS0 writers, which need the
 * THR-empty interrupt. Input is never offered (LSR.DR stays clear): the
 * agent channel, not the serial line, carries data into the guest. */
#include <errno.h>
#include <string.h>

#include "../internal.h"
#include "../../../util/utils.h"

#define COM1_PORT 0x3f8
#define COM1_IRQ 4

#define UART_IER_THRI 0x02
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_FIFO 0xc0
#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE_TEMT 0x60
#define UART_MCR_LOOP 0x10
#define UART_MSR_IDLE 0xb0 /* DCD, DSR, CTS: a connected line */

struct serial
{
  struct device_header dev;
  struct vm *vm;
  pthread_mutex_t lock;
  uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
  bool thre_pending; /* THR-empty interrupt not yet acknowledged by an IIR read */
  bool irq_level;
  /* Output goes out a line at a time: one write(2) per byte would cost a
     system call per character of the guest's console. */
  uint8_t out[256];
  size_t out_len;
};

static void
flush_output (struct serial *s)
{
  if (s->out_len > 0 && s->vm->cfg->console_fd >= 0)
    (void) write_all (s->vm->cfg->console_fd, s->out, s->out_len);
  s->out_len = 0;
}

static void
put_output (struct serial *s, uint8_t c)
{
  if (s->vm->cfg->console_fd < 0)
    return;
  s->out[s->out_len++] = c;
  if (c == '\n' || s->out_len == sizeof (s->out))
    flush_output (s);
}

static void
update_irq (struct serial *s)
{
  bool level = (s->ier & UART_IER_THRI) && s->thre_pending;

  if (level != s->irq_level)
    {
      s->irq_level = level;
      vm_irq_line (s->vm, COM1_IRQ, level);
    }
}

static uint8_t
read_msr (const struct serial *s)
{
  uint8_t m = s->mcr;

  if (!(m & UART_MCR_LOOP))
    return UART_MSR_IDLE;
  /* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (Linux probes this). */
  return ((m & 1) << 5) | ((m & 2) << 3) | ((m & 4) << 4) | ((m & 8) << 4);
}

static uint8_t
serial_read (struct serial *s, uint64_t off)
{
  bool dlab = s->lcr & UART_LCR_DLAB;
  uint8_t v;

  switch (off)
    {
    case 0: return dlab ? s->dll : 0;
    case 1: return dlab ? s->dlm : s->ier;
    case 2:
      v = (s->fcr & 1) ? UART_IIR_FIFO : 0;
      if ((s->ier & UART_IER_THRI) && s->thre_pending)
        {
          s->thre_pending = false; /* reading IIR acknowledges THRE */
          return v | UART_IIR_THRI;
        }
      return v | UART_IIR_NO_INT;
    case 3: return s->lcr;
    case 4: return s->mcr;
    case 5: return UART_LSR_THRE_TEMT;
    case 6: return read_msr (s);
    default: return s->scr;
    }
}

static void
serial_write (struct serial *s, uint64_t off, uint8_t v)
{
  bool dlab = s->lcr & UART_LCR_DLAB;

  switch (off)
    {
    case 0:
      if (dlab)
        s->dll = v;
      else
        {
          if (!(s->mcr & UART_MCR_LOOP))
            put_output (s, v);
          s->thre_pending = true;
        }
      break;
    case 1:
      if (dlab)
        s->dlm = v;
      else
        {
          /* Enabling THRI with an empty THR raises the interrupt at once. */
          if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
            s->thre_pending = true;
          s->ier = v & 0x0f;
        }
      break;
    case 2: s->fcr = v; break;
    case 3: s->lcr = v; break;
    case 4: s->mcr = v & 0x1f; break;
    case 7: s->scr = v; break;
    default: break; /* LSR and MSR are read-only */
    }
}

static void
serial_io (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct serial *s = opaque;

  pthread_mutex_lock (&s->lock);
  if (is_write)
    serial_write (s, off, data[0]);
  else
    {
      memset (data, 0, len);
      data[0] = serial_read (s, off);
    }
  update_irq (s);
  pthread_mutex_unlock (&s->lock);
}

static void
serial_destroy (struct device_header *dev)
{
  struct serial *s = dev->data;

  flush_output (s); /* a last line without its newline: a panic, a prompt */
  pthread_mutex_destroy (&s->lock);
  free (s);
}

int
serial_init (struct vm *vm, silo_error_t *err)
{
  struct serial *s = xmalloc0 (sizeof (*s));
  int ret;

  s->vm = vm;
  pthread_mutex_init (&s->lock, NULL);
  s->dev = (struct device_header){ .bus = DEVICE_BUS_IOPORT, .name = "serial", .irq = COM1_IRQ,
                                   .data = s, .destroy = serial_destroy };
  ret = ioport_register (vm, COM1_PORT, 8, serial_io, s, err);
  if (ret == 0)
    ret = device_register (vm, &s->dev, err);
  if (ret < 0)
    serial_destroy (&s->dev);
  return ret;
}
