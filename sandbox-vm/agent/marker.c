/* Boot-time markers: one `outb` to the VMM's marker port, as Firecracker
 * times a boot with a guest write. ioperm(2) rights survive fork and exec,
 * so every child drops them before it runs the workload. */
#include <errno.h>

#include "../../util/utils.h"
#include "agent.h"

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>

int
agent_marker_open (int port, silo_error_t *err)
{
  if (port <= 0 || port > 0xffff)
    return silo_make_error (err, EINVAL, "marker port %d", port);
  if (ioperm ((unsigned long) port, 1, 1) < 0)
    return silo_make_error (err, errno, "ioperm marker port 0x%x", port);
  return 0;
}

void
agent_mark (const struct agent_opts *opts, enum agent_marker m)
{
  if (opts->marker_port > 0)
    outb ((unsigned char) m, (unsigned short) opts->marker_port);
}

int
agent_marker_drop (silo_error_t *err)
{
  /* No-op for a process that never had a bitmap; ENOSYS: no ioperm at all. */
  if (ioperm (0, 65536, 0) < 0 && errno != ENOSYS)
    return silo_make_error (err, errno, "ioperm: drop port access");
  return 0;
}
#else
int
agent_marker_open (int port, silo_error_t *err)
{
  return silo_make_error (err, ENOSYS, "marker port: x86 only");
}

void
agent_mark (const struct agent_opts *opts, enum agent_marker m)
{
}

int
agent_marker_drop (silo_error_t *err)
{
  return 0;
}
#endif
