/* The monitor's seccomp allow list, loaded once its guest runs
 * (sandbox_jail_monitor): its loop (monitor.c) polls the agent channel, the
 * signalfd, the control socket and stdin; accepts and serves control
 * clients; relays bytes; reaps and kills the guest; reads its own log's
 * last line for an error; asks the host pty its size on SIGWINCH. Files
 * it opens from here on are read only. */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "../allow.h"

static const struct allow_rule monitor_rules[] = {
  ALLOW (poll),
  ALLOW (ppoll),
  ALLOW (accept4),
  ALLOW (wait4),
  ALLOW (waitid),
  ALLOW (kill),
  ALLOW (tgkill), /* raise () */
  ALLOW (rt_sigaction),
  ALLOW (sendmsg),
  ALLOW (recvmsg),
  ALLOW_IOCTL (TIOCGWINSZ),
  ALLOW_IF (openat, 2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY),
};

static const struct allow_list monitor_list = ALLOW_LIST (monitor_rules);
const struct allow_list *const sandbox_monitor_allow[] = { &allow_libc, &monitor_list, NULL };
