/* process.terminal: a pty made inside the container; the master is handed to
 * the engine over --console-socket with SCM_RIGHTS, as runc does. */
#include "internal.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>

static int
open_pty (int *master, char **slave_path, silo_error_t *err)
{
  char name[64];

  *master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0)
    return silo_make_error (err, errno, "open /dev/ptmx");
  if (unlockpt (*master) < 0)
    return silo_make_error (err, errno, "unlockpt");
  if (ptsname_r (*master, name, sizeof (name)) != 0)
    return silo_make_error (err, errno, "ptsname");
  *slave_path = xstrdup (name);
  return 0;
}

static int
become_stdio (int slave, silo_error_t *err)
{
  if (setsid () < 0 && errno != EPERM)
    return silo_make_error (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return silo_make_error (err, errno, "set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return silo_make_error (err, errno, "dup2 pty to fd %d", fd);
  return 0;
}

int
ns_setup_console (int console_socket_fd, const struct oci_process *p, bool mount_console,
                  silo_error_t *err)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  cleanup_free char *slave_path = NULL;

  if (console_socket_fd < 0)
    return silo_make_error (err, 0, "process.terminal is set but no --console-socket was given");
  if (open_pty (&master, &slave_path, err) < 0)
    return -1;
  slave = open (slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return silo_make_error (err, errno, "open `%s`", slave_path);
  if (p->console_height && p->console_width)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_height,
                            .ws_col = (unsigned short) p->console_width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return silo_make_error (err, errno, "process.consoleSize: set window size");
    }
  if (mount_console)
    {
      int fd = open ("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0)
        close (fd);
      if (mount (slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return silo_make_error (err, errno, "bind `%s` on /dev/console", slave_path);
    }
  if (send_fd (console_socket_fd, master, "/dev/ptmx", strlen ("/dev/ptmx")) < 0)
    return silo_make_error (err, errno, "send pty master over --console-socket");
  return become_stdio (slave, err);
}
