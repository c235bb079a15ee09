/* The range table behind the port I/O and MMIO trap registries: a sorted
 * array searched by bisection. Ranges are added during set-up only, so the
 * read lock taken on every exit is never contended in practice. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "../../util/utils.h"

static size_t
find_slot (const struct trap_table *t, uint64_t addr)
{
  size_t lo = 0, hi = t->n;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      if (t->traps[mid].base <= addr)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo; /* first range whose base is above addr */
}

int
trap_table_add (struct trap_table *t, uint64_t base, uint64_t len, trap_fn fn, void *opaque,
                silo_error_t *err)
{
  size_t i;

  if (len == 0 || base + len < base)
    return silo_make_error (err, EINVAL, "trap range 0x%llx+0x%llx", (unsigned long long) base,
                            (unsigned long long) len);
  pthread_rwlock_wrlock (&t->lock);
  i = find_slot (t, base);
  if ((i > 0 && t->traps[i - 1].base + t->traps[i - 1].len > base)
      || (i < t->n && base + len > t->traps[i].base))
    {
      pthread_rwlock_unlock (&t->lock);
      return silo_make_error (err, EEXIST, "trap range 0x%llx+0x%llx overlaps another device",
                              (unsigned long long) base, (unsigned long long) len);
    }
  t->traps = xrealloc (t->traps, (t->n + 1) * sizeof (*t->traps));
  memmove (&t->traps[i + 1], &t->traps[i], (t->n - i) * sizeof (*t->traps));
  t->traps[i] = (struct trap){ .base = base, .len = len, .fn = fn, .opaque = opaque };
  t->n++;
  pthread_rwlock_unlock (&t->lock);
  return 0;
}

bool
trap_table_dispatch (struct trap_table *t, uint64_t addr, uint8_t *data, uint32_t len,
                     bool is_write)
{
  struct trap tr;
  size_t i;

  pthread_rwlock_rdlock (&t->lock);
  i = find_slot (t, addr);
  if (i == 0 || addr + len > t->traps[i - 1].base + t->traps[i - 1].len)
    {
      pthread_rwlock_unlock (&t->lock);
      return false;
    }
  tr = t->traps[i - 1];
  pthread_rwlock_unlock (&t->lock);
  tr.fn (tr.opaque, addr - tr.base, data, len, is_write);
  return true;
}

void
trap_table_free (struct trap_table *t)
{
  free (t->traps);
  t->traps = NULL;
  t->n = 0;
}
