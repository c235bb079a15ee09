/* Stdio relay between local fds and one process's frames, and the host pty
 * handed to --console-socket for process.terminal. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "../internal.h"

void
sandbox_relay_ignore_tty_stops (void)
{
  signal (SIGTTIN, SIG_IGN);
  signal (SIGTTOU, SIG_IGN);
}

int
sandbox_relay_input (struct sandbox_relay *r, struct proto_outq *q, silo_error_t *err)
{
  char buf[16384];
  ssize_t n;

  if (r->in_fd < 0)
    return 0;
  n = TEMP_FAILURE_RETRY (read (r->in_fd, buf, sizeof (buf)));
  if (n < 0 && errno == EAGAIN)
    return 0;
  if (n <= 0) /* EOF, or EIO once a pty's other side closed */
    {
      r->in_fd = -1;
      return proto_outq_push (q, PROTO_STDIN_CLOSE, r->id, NULL, 0, err);
    }
  return proto_outq_push (q, PROTO_STDIN, r->id, buf, n, err);
}

void
sandbox_relay_output (struct sandbox_relay *r, const struct proto_msg *m)
{
  int fd = m->type == PROTO_STDERR ? r->err_fd : r->out_fd;

  /* A reader that went away loses the output, as with a closed pipe. */
  if (fd >= 0 && write_all (fd, m->data, m->len) < 0)
    {
      if (m->type == PROTO_STDERR)
        r->err_fd = -1;
      else
        r->out_fd = -1;
    }
}

int
sandbox_console_pty (int console_fd, int *slave, silo_error_t *err)
{
  struct termios t;
  char name[64];
  int master, s;

  if (openpty (&master, &s, name, NULL, NULL) < 0)
    return silo_make_error (err, errno, "openpty");
  fcntl (master, F_SETFD, FD_CLOEXEC);
  fcntl (s, F_SETFD, FD_CLOEXEC);
  /* The guest's pty does the line discipline; this one passes bytes. */
  if (tcgetattr (s, &t) == 0)
    {
      cfmakeraw (&t);
      tcsetattr (s, TCSANOW, &t);
    }
  if (send_fd (console_fd, master, name, strlen (name)) < 0)
    {
      int e = errno;
      close (master);
      close (s);
      return silo_make_error (err, e, "send the terminal to the console socket");
    }
  close (master);
  *slave = s;
  return 0;
}
