/* silo-agent: /init of a sandbox guest. The host passes its settings on the
 * kernel command line, which the kernel hands to init as environment:
 *   SILO_AGENT_CHAN  the agent channel device (/dev/ttyS0 in UML, /dev/hvc1 in KVM)
 *   SILO_AGENT_FS    how the share is mounted: hostfs (UML) or 9p (KVM)
 *   SILO_AGENT_OFF   poweroff (UML) or reset (KVM, with reboot=k)
 *   SILO_AGENT_MARK  the VMM's boot-time marker port (KVM), e.g. 0x510
 * Failures go to the host as an ERROR frame when the channel is up; the
 * guest then powers off, which the host sees as the sandbox ending. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "agent.h"

static const char *
env_or (const char *name, const char *def)
{
  const char *v = getenv (name);
  return v && *v ? v : def;
}

static int
open_channel (const char *path, silo_error_t *err)
{
  struct termios t;
  int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  if (fd < 0)
    return silo_make_error (err, errno, "open agent channel `%s`", path);
  if (isatty (fd))
    {
      if (tcgetattr (fd, &t) < 0)
        return silo_make_error (err, errno, "tcgetattr `%s`", path);
      cfmakeraw (&t);
      t.c_cc[VMIN] = 1;
      t.c_cc[VTIME] = 0;
      if (tcsetattr (fd, TCSANOW, &t) < 0)
        return silo_make_error (err, errno, "tcsetattr `%s`", path);
    }
  return fd;
}

__attribute__ ((noreturn)) static void
power_off (const char *how)
{
  kill (-1, SIGKILL);
  sync ();
  reboot (strcmp (how, "reset") == 0 ? RB_AUTOBOOT : RB_POWER_OFF);
  for (;;)
    pause ();
}

int
main (void)
{
  struct agent_opts opts = { .guest = true };
  const char *off = env_or ("SILO_AGENT_OFF", "poweroff");
  silo_error_t err = NULL;
  int ret;

  ret = agent_guest_early (&err);
  if (ret == 0 && getenv ("SILO_AGENT_MARK"))
    {
      /* Markers only time the boot: a kernel without ioperm costs the
       * --debug breakdown, not the container. */
      opts.marker_port = (int) strtol (getenv ("SILO_AGENT_MARK"), NULL, 0);
      if (agent_marker_open (opts.marker_port, &err) < 0)
        {
          fprintf (stderr, "silo-agent: no boot-time markers: %s\n", err->msg);
          silo_error_release (&err);
          opts.marker_port = 0;
        }
    }
  if (ret == 0)
    ret = opts.chan = open_channel (env_or ("SILO_AGENT_CHAN", "/dev/ttyS0"), &err);
  if (ret >= 0)
    {
      opts.fs_type = env_or ("SILO_AGENT_FS", "hostfs");
      ret = agent_run (&opts, &err);
    }
  if (ret < 0)
    {
      /* Best effort: the host reports a guest that ends without EXIT. */
      if (opts.chan > 0)
        {
          silo_error_t e2 = NULL;
          if (proto_send_str (opts.chan, PROTO_ERROR, PROTO_ID_AGENT, err->msg, &e2) < 0)
            silo_error_release (&e2);
        }
      else
        fprintf (stderr, "silo-agent: %s\n", err->msg);
      silo_error_release (&err);
    }
  if (opts.chan > 0)
    tcdrain (opts.chan); /* the last EXIT must reach the host */
  power_off (off);
}
