/* Foreground `run` and `exec`: wait for the container process, forward the
 * signals silo gets, and relay a pty when silo holds the terminal. */
#include "internal.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

int
console_local_socket (int *ours, int *theirs, silo_error_t *err)
{
  int sp[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
    return silo_make_error (err, errno, "socketpair");
  *ours = sp[0];
  *theirs = sp[1];
  return 0;
}

int
console_recv_master (int sock, int *master, silo_error_t *err)
{
  char buf[64];
  int flags = fcntl (sock, F_GETFL);

  *master = -1;
  if (fcntl (sock, F_SETFL, flags | O_NONBLOCK) < 0)
    return silo_make_error (err, errno, "fcntl");
  if (recv_fd (sock, master, buf, sizeof (buf)) < 0 && errno != EAGAIN && errno != ECONNRESET)
    return silo_make_error (err, errno, "receive pty master");
  return 0;
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* Returns false once `from` has nothing more to give. */
static bool
pump (int from, int to)
{
  char buf[16384];
  ssize_t r = read (from, buf, sizeof (buf));

  if (r <= 0)
    return r < 0 && (errno == EINTR || errno == EAGAIN);
  return write_all (to, buf, (size_t) r) == 0;
}

static int
status_code (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

struct relay
{
  int master;
  bool stdin_open;
  bool master_open;
  bool raw;
  struct termios saved;
};

static void
relay_begin (struct relay *r, int master)
{
  r->master = master;
  r->master_open = master >= 0;
  r->stdin_open = master >= 0;
  r->raw = false;
  if (master >= 0 && isatty (0) && tcgetattr (0, &r->saved) == 0)
    {
      struct termios raw = r->saved;
      cfmakeraw (&raw);
      r->raw = tcsetattr (0, TCSANOW, &raw) == 0;
      copy_winsize (0, master);
    }
}

static void
relay_end (struct relay *r)
{
  /* Drain what the process printed before it exited. */
  while (r->master_open && pump (r->master, 1))
    ;
  if (r->raw)
    tcsetattr (0, TCSANOW, &r->saved);
}

static int
make_signalfd (sigset_t *old, silo_error_t *err)
{
  sigset_t all;
  int fd;

  sigfillset (&all);
  sigdelset (&all, SIGSEGV);
  sigdelset (&all, SIGBUS);
  sigdelset (&all, SIGILL);
  sigdelset (&all, SIGFPE);
  if (sigprocmask (SIG_BLOCK, &all, old) < 0)
    return silo_make_error (err, errno, "sigprocmask");
  fd = signalfd (-1, &all, SFD_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "signalfd");
  return fd;
}

/* One signal from the signalfd: forward it, or notice the child's exit. */
static bool
handle_signal (int sfd, pid_t pid, struct relay *r, int *exit_status)
{
  struct signalfd_siginfo si;
  int status;

  if (read (sfd, &si, sizeof (si)) != sizeof (si))
    return false;
  if (si.ssi_signo == SIGWINCH && r->master >= 0)
    copy_winsize (0, r->master);
  else if (si.ssi_signo != SIGCHLD)
    kill (pid, (int) si.ssi_signo);
  if (waitpid (pid, &status, WNOHANG) == pid)
    {
      *exit_status = status_code (status);
      return true;
    }
  return false;
}

int
wait_forward (pid_t pid, int pty_master, int *exit_status, silo_error_t *err)
{
  struct relay r;
  sigset_t old;
  cleanup_close int sfd = make_signalfd (&old, err);
  bool done = false;

  if (sfd < 0)
    return -1;
  relay_begin (&r, pty_master);
  /* The child may be gone before the signalfd existed. */
  {
    int status;
    if (waitpid (pid, &status, WNOHANG) == pid)
      {
        *exit_status = status_code (status);
        done = true;
      }
  }
  while (!done)
    {
      struct pollfd fds[3] = { { .fd = sfd, .events = POLLIN },
                               { .fd = r.stdin_open ? 0 : -1, .events = POLLIN },
                               { .fd = r.master_open ? r.master : -1, .events = POLLIN } };
      if (poll (fds, 3, -1) < 0 && errno != EINTR)
        break;
      if (fds[0].revents & POLLIN)
        done = handle_signal (sfd, pid, &r, exit_status);
      if (fds[1].revents & (POLLIN | POLLHUP))
        r.stdin_open = pump (0, r.master);
      if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
        r.master_open = pump (r.master, 1);
    }
  relay_end (&r);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return 0;
}
