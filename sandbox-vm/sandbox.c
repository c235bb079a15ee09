/* sandbox_create (fork the monitor, wait until the workload is created) and
 * sandbox_exec (a process in the running sandbox, its stdio relayed by the
 * caller or by a stand-in child when detached). */
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
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"
#include "monitor/procview.h"

/* What the monitor writes after `first`: "" (created) or an error
 * message, NUL-terminated; *msg is the whole of it. */
static ssize_t
read_report (int sync_fd, char first, char **msg)
{
  cleanup_free char *rest = NULL;
  ssize_t n;

  if (first != SANDBOX_SYNC_NS_READY)
    {
      n = read_all_fd (sync_fd, &rest);
      xasprintf (msg, "%c%s", first, n > 0 ? rest : "");
      return (ssize_t) strlen (*msg) + 1;
    }
  return read_all_fd (sync_fd, msg);
}

/* The monitor writes SANDBOX_SYNC_NS_READY once it has its namespaces (the
 * hooks run, then it gets SANDBOX_SYNC_GO), then its report; or the
 * report alone, an error, if it fails before. */
static int
wait_created (const struct sandbox_request *req, int sync_fd, pid_t pid, silo_error_t *err)
{
  cleanup_free char *msg = NULL;
  char first, go = SANDBOX_SYNC_GO;
  ssize_t n = TEMP_FAILURE_RETRY (read (sync_fd, &first, 1));
  int ret = 0;

  if (n == 1 && first == SANDBOX_SYNC_NS_READY)
    {
      if (req->namespaces_ready && req->namespaces_ready (req->record_arg, err) < 0)
        ret = -1;
      else if (write (sync_fd, &go, 1) != 1)
        ret = silo_make_error (err, errno, "sandbox: resume the monitor");
    }
  if (ret == 0 && n == 1)
    n = read_report (sync_fd, first, &msg);
  if (ret == 0 && n > 0 && msg[0] == '\0')
    return 0;
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  if (ret < 0)
    return -1;
  if (n > 0)
    return silo_make_error (err, 0, "%s", msg);
  return silo_make_error (err, 0, "sandbox: the monitor exited during create");
}

static int wait_child (const struct sandbox_request *req, pid_t child, int sync_fd, pid_t *pid,
                       silo_error_t *err);

static void
monitor_child (const struct sandbox_request *req, const void *backend, int sync_fd)
{
  sandbox_monitor_main (req, backend, req->config_text, sync_fd);
}

int
sandbox_create (const struct sandbox_request *req, pid_t *pid, silo_error_t *err)
{
  const char *backend = NULL;

  if (req->cfg->process == NULL)
    return silo_make_error (err, 0, "config.json: process: required");
  if (sandbox_pick_backend (req->backend, &backend, err) < 0)
    return -1;
  if (sandbox_spawn_child (req, monitor_child, backend, pid, err) < 0)
    return silo_error_wrap (err, "create sandbox `%s` (%s)", req->id, backend);
  return 0;
}

int
sandbox_spawn_child (const struct sandbox_request *req,
                     void (*child_main) (const struct sandbox_request *, const void *, int),
                     const void *arg, pid_t *pid, silo_error_t *err)
{
  int sv[2];
  pid_t child;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return silo_make_error (err, errno, "socketpair");
  child = fork ();
  if (child < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return silo_make_error (err, errno, "fork");
    }
  if (child == 0)
    {
      char go;
      close (sv[0]);
      /* EOF instead of the go byte: silo died before it recorded us. */
      if (TEMP_FAILURE_RETRY (read (sv[1], &go, 1)) != 1)
        _exit (1);
      child_main (req, arg, sv[1]);
      _exit (1);
    }
  close (sv[1]);
  return wait_child (req, child, sv[0], pid, err);
}

static int
wait_child (const struct sandbox_request *req, pid_t child, int sync_fd, pid_t *pid,
            silo_error_t *err)
{
  cleanup_close int fd = sync_fd;

  if (req->record_pid && req->record_pid (req->record_arg, child, err) < 0)
    {
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      return -1;
    }
  if (write (fd, "g", 1) != 1)
    {
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      return silo_make_error (err, errno, "start the sandbox monitor");
    }
  if (wait_created (req, fd, child, err) < 0)
    return -1;
  *pid = child;
  return 0;
}

/* --- exec --- */

static int
exec_relay_frame (struct sandbox_relay *r, const struct proto_msg *m, int *status)
{
  struct proto_exit e;

  if (m->type == PROTO_STDOUT || m->type == PROTO_STDERR)
    sandbox_relay_output (r, m);
  else if ((m->type == PROTO_OK || m->type == PROTO_ERROR) && r->view)
    procview_take_list (r->view, m->type == PROTO_OK ? (const char *) m->data : NULL, m->len);
  else if (m->type == PROTO_EXIT)
    {
      proto_get_exit (m, &e);
      *status = proto_exit_status (&e);
    }
  return 0;
}

static void
send_size (int tty, int chan, uint32_t id)
{
  struct winsize ws;
  silo_error_t err = NULL;

  if (tty >= 0 && isatty (tty) && ioctl (tty, TIOCGWINSZ, &ws) == 0 && ws.ws_row
      && proto_send_resize (chan, id, ws.ws_row, ws.ws_col, &err) < 0)
    silo_error_release (&err);
}

/* The monitor sends EXIT and closes the connection at once, so stdin that
 * loses that race (EPIPE) is not an error: EXIT is still there to read. A
 * monitor that is really gone shows as EOF on the read side. */
static void
exec_forward_input (struct sandbox_relay *r, struct proto_outq *q)
{
  silo_error_t e = NULL;

  if (sandbox_relay_input (r, q, &e) < 0 || proto_outq_flush (q, &e) < 0)
    {
      silo_error_release (&e);
      r->in_fd = -1;
    }
}

/* With a terminal of ours (tty), its window changes: this process leads a
 * session with tty as its controlling terminal, so SIGWINCH comes on each
 * resize of the master (by the engine), read from the returned signalfd.
 * -1 when there is none (no terminal, or a group leader that cannot start
 * a session: the first size still went with the EXEC). */
int
sandbox_watch_resizes (int tty)
{
  sigset_t set;

  if (tty < 0 || setsid () < 0 || ioctl (tty, TIOCSCTTY, 0) < 0)
    return -1;
  sigemptyset (&set);
  sigaddset (&set, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return -1;
  return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void
forward_resize (int winch, int tty, int chan)
{
  struct signalfd_siginfo si;

  while (read (winch, &si, sizeof (si)) == sizeof (si))
    ;
  send_size (tty, chan, 0);
}

/* A request on the process view (a pod member's stand-in, member.c): its
 * lists come over the same connection, CTL_PS for the member's id, one at
 * a time, answered by an OK or ERROR frame (exec_relay_frame). */
static void
serve_view (struct sandbox_relay *r, struct proto_outq *q, const struct pollfd *pfd)
{
  silo_error_t e = NULL;
  bool ask = false;

  if (procview_serve (r->view, pfd, true, &ask, &e) < 0)
    {
      silo_error_release (&e);
      procview_close (r->view);
      r->view = NULL;
      return;
    }
  if (ask && (proto_outq_push (q, PROTO_CTL_PS, r->view_id, NULL, 0, &e) < 0
              || proto_outq_flush (q, &e) < 0))
    {
      silo_error_release (&e);
      procview_take_list (r->view, NULL, 0);
    }
}

/* Relay until EXIT; returns the exit status. rd may already hold frames
 * that came with the EXEC reply (a quick process's output and EXIT). */
int
sandbox_exec_relay (struct proto_reader *rd, struct sandbox_relay *r, int tty, int winch,
                    silo_error_t *err)
{
  struct proto_outq q; /* to the monitor: its socket needs no window */
  struct proto_msg m = { 0 };
  int status = -1, ret = 0, fd = rd->fd;

  proto_outq_init (&q, fd, 0);
  while ((ret = proto_reader_next (rd, &m, err)) > 0)
    {
      exec_relay_frame (r, &m, &status);
      proto_msg_release (&m);
    }
  while (ret >= 0 && status < 0)
    {
      struct pollfd pfd[3 + PROCVIEW_TREES] = { { .fd = fd, .events = POLLIN },
                                                { .fd = r->in_fd, .events = POLLIN },
                                                { .fd = winch, .events = POLLIN } };
      for (int t = 0; t < PROCVIEW_TREES; t++)
        pfd[3 + t].fd = -1;
      if (r->view)
        procview_pollfds (r->view, pfd + 3);
      if (TEMP_FAILURE_RETRY (poll (pfd, 3 + PROCVIEW_TREES,
                                    r->view ? procview_timeout_ms (r->view) : -1))
          < 0)
        ret = silo_make_error (err, errno, "poll");
      else if (pfd[1].revents)
        exec_forward_input (r, &q);
      if (ret == 0 && pfd[2].revents)
        forward_resize (winch, tty, fd);
      if (ret == 0 && r->view)
        serve_view (r, &q, pfd + 3);
      if (r->view)
        procview_expire (r->view);
      if (ret < 0 || !pfd[0].revents)
        continue;
      if (proto_reader_fill (rd) < 0 && errno != EAGAIN)
        ret = silo_make_error (err, errno, "read from the sandbox monitor");
      while (ret >= 0 && (ret = proto_reader_next (rd, &m, err)) > 0)
        {
          exec_relay_frame (r, &m, &status);
          proto_msg_release (&m);
        }
      if (ret >= 0 && status < 0 && rd->eof)
        ret = silo_make_error (err, 0, "sandbox: the monitor closed the exec stream");
    }
  proto_outq_release (&q);
  return ret < 0 ? ret : status;
}

int
sandbox_relay_stdio (const struct oci_process *p, int console_socket_fd, struct sandbox_relay *r,
                     int *slave, silo_error_t *err)
{
  *r = (struct sandbox_relay){ .in_fd = 0, .out_fd = 1, .err_fd = 2 };
  if (!p->terminal || console_socket_fd < 0)
    return 0;
  if (sandbox_console_pty (console_socket_fd, slave, err) < 0)
    return -1;
  r->in_fd = r->out_fd = r->err_fd = *slave;
  return 0;
}

/* The size an engine gives the terminal it was sent: conmon sets it on
 * the master as soon as it has it. Waited for (briefly) so that the guest's
 * pty is made with it and the process never starts at 0x0. */
static void
initial_size (int tty, struct oci_process *p)
{
  struct winsize ws = { 0 };

  for (int i = 0; i < 20 && (ioctl (tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0); i++)
    usleep (5000);
  if (ws.ws_row && ws.ws_col)
    {
      p->console_height = ws.ws_row;
      p->console_width = ws.ws_col;
    }
}

/* The exec on a connected control socket (rd). The terminal (a host pty
 * whose master went to the console socket) comes first, so that the EXEC
 * carries its size; later sizes follow as RESIZE. */
static int
exec_on (struct proto_reader *rd, uint32_t ctr, const struct oci_process *p,
         int console_socket_fd, bool detach, pid_t *pid, int *exit_status, silo_error_t *err)
{
  cleanup_free char *json = NULL;
  cleanup_close int slave = -1, winch = -1;
  struct oci_process sized = *p;
  struct sandbox_relay r;
  int status;

  /* Writes to a monitor that just closed must fail, not kill us. */
  signal (SIGPIPE, SIG_IGN);
  sandbox_relay_ignore_tty_stops ();
  if (sandbox_relay_stdio (p, console_socket_fd, &r, &slave, err) < 0)
    return -1;
  if (slave >= 0 && !(p->console_height && p->console_width))
    initial_size (slave, &sized);
  json = sandbox_process_json (&sized);
  if (sandbox_ctl_request (rd, PROTO_CTL_EXEC, ctr, json, strlen (json), NULL, err) < 0)
    return silo_error_wrap (err, "exec in sandbox");
  if (p->terminal)
    send_size (r.out_fd, rd->fd, 0);
  if (detach)
    {
      *pid = fork ();
      if (*pid < 0)
        return silo_make_error (err, errno, "fork");
      if (*pid > 0)
        return 0;
      winch = sandbox_watch_resizes (slave);
      status = sandbox_exec_relay (rd, &r, slave, winch, err);
      _exit (status < 0 ? 255 : status);
    }
  winch = sandbox_watch_resizes (slave);
  status = sandbox_exec_relay (rd, &r, slave, winch, err);
  if (status < 0)
    return -1;
  *exit_status = status;
  return 0;
}

int
sandbox_exec (const char *state_dir, const struct oci_process *p, int console_socket_fd,
              bool detach, pid_t *pid, int *exit_status, silo_error_t *err)
{
  uint32_t ctr = 0;
  cleanup_close int fd = sandbox_ctl_connect (state_dir, &ctr, err);
  struct proto_reader rd;
  int ret;

  if (fd < 0)
    return -1;
  proto_reader_init (&rd, fd, PROTO_FROM_GUEST);
  ret = exec_on (&rd, ctr, p, console_socket_fd, detach, pid, exit_status, err);
  proto_reader_release (&rd);
  return ret;
}
