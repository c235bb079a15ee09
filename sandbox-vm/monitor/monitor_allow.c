/* The monitor's seccomp allow list, loaded once its guest runs
 * (sandbox_jail_monitor): its loop (monitor.c) polls the agent channel, the
 * signalfd, the control socket and stdin; accepts and serves control
 * clients; relays bytes; reaps and kills the guest; reads its own log's
 * last line for an error; asks the host pty its size on SIGWINCH. Files
 * it opens from here on are read only. Signals go to the guest process
 * (kill) and to itself (raise: tgkill), to nothing else: the pids are
 * compared in the filter. */
#include <fcntl.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../allow.h"

static const struct allow_rule monitor_rules[] = {
  ALLOW (poll),
  ALLOW (ppoll),
  ALLOW (accept4),
  ALLOW (wait4),
  ALLOW (waitid),
  ALLOW (rt_sigaction),
  ALLOW (sendmsg),
  ALLOW (recvmsg),
  ALLOW_IOCTL (TIOCGWINSZ),
  ALLOW_IF (openat, 2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY),
};

int
monitor_allow_load (pid_t guest, silo_error_t *err)
{
  const struct allow_rule signal_rules[] = {
    ALLOW_IF (kill, 0, 0xffffffffu, (uint32_t) guest),
    ALLOW_IF (tgkill, 0, 0xffffffffu, (uint32_t) getpid ()),
  };
  const struct allow_list monitor_list = ALLOW_LIST (monitor_rules);
  const struct allow_list signal_list = ALLOW_LIST (signal_rules);
  const struct allow_list *const lists[] = { &allow_libc, &monitor_list, &signal_list, NULL };

  if (guest <= 0)
    return silo_make_error (err, EINVAL, "seccomp allow list of the monitor: no guest process");
  return allow_load_reporting ("monitor", lists, err);
}
