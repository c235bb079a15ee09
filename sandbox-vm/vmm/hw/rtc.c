/* CMOS RTC (ports 0x70/0x71), read-only: the host's UTC time in BCD, so the
 * guest's clock starts right without a network. Every other CMOS byte reads
 * 0 (no NVRAM); writes are ignored. The boot-time marker port lives here too:
 * the guest writes a marker number to VMM_MARKER_PORT. */
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "../../../util/utils.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

struct rtc
{
  struct device_header dev;
  struct vm *vm;
  uint8_t index;
};

static uint8_t
bcd (int v)
{
  return (uint8_t) (((v / 10) << 4) | (v % 10));
}

static uint8_t
cmos_read (uint8_t index)
{
  time_t now = time (NULL);
  struct tm tm;

  gmtime_r (&now, &tm);
  switch (index)
    {
    case 0x00: return bcd (tm.tm_sec);
    case 0x02: return bcd (tm.tm_min);
    case 0x04: return bcd (tm.tm_hour);
    case 0x06: return bcd (tm.tm_wday + 1);
    case 0x07: return bcd (tm.tm_mday);
    case 0x08: return bcd (tm.tm_mon + 1);
    case 0x09: return bcd (tm.tm_year % 100);
    case 0x32: return bcd ((tm.tm_year + 1900) / 100);
    case 0x0b: return 0x02; /* 24-hour, BCD */
    case 0x0d: return 0x80; /* valid RAM and time */
    default: return 0;      /* includes register A: no update in progress */
    }
}

static void
rtc_io (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct rtc *r = opaque;

  if (is_write)
    {
      if (off == 0)
        r->index = data[0] & 0x7f; /* bit 7 is the NMI mask */
      return;
    }
  memset (data, 0, len);
  data[0] = off == 1 ? cmos_read (r->index) : 0xff;
}

static void
marker_io (void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  struct rtc *r = opaque;

  if (!is_write)
    {
      memset (data, 0, len);
      return;
    }
  if (data[0] == 1)
    vm_mark (r->vm, VMM_MARK_AGENT_READY);
  else if (data[0] == 2)
    vm_mark (r->vm, VMM_MARK_EXEC);
}

static void
rtc_destroy (struct device_header *dev)
{
  free (dev->data);
}

int
rtc_init (struct vm *vm, silo_error_t *err)
{
  struct rtc *r = xmalloc0 (sizeof (*r));
  int ret;

  r->vm = vm;
  r->dev = (struct device_header){ .bus = DEVICE_BUS_IOPORT, .name = "rtc", .data = r,
                                   .destroy = rtc_destroy };
  ret = ioport_register (vm, CMOS_INDEX, 2, rtc_io, r, err);
  if (ret == 0)
    ret = ioport_register (vm, VMM_MARKER_PORT, 1, marker_io, r, err);
  if (ret == 0)
    ret = device_register (vm, &r->dev, err);
  if (ret < 0)
    rtc_destroy (&r->dev);
  return ret;
}
