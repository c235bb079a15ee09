/* The sandbox monitor: parent of the guest, holder of the agent channel and
 * of the control socket; its exit status is the workload's. Everything that
 * arrives from the guest is validated by the protocol reader, and replies are
 * matched to requests in order. Everything for the agent goes through one
 * queue (m->out) that each round flushes as far as the agent's CREDIT
 * allows: UML's serial line drops what the guest cannot buffer. */
#include <endian.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../../util/log.h"
#include "../../util/utils.h"
#include "monitor.h"

#define MONITOR_POWEROFF_GRACE_MS 3000

static const char *const phase_names[] = { "booting", "creating", "created", "running",
                                           "stopped" };

static int
send_agent (struct monitor *m, uint32_t type, uint32_t id, const void *d, size_t len,
            struct monitor_client *c, silo_error_t *err)
{
  bool reply = type == PROTO_CREATE || type == PROTO_START || type == PROTO_EXEC
               || type == PROTO_SIGNAL || type == PROTO_UPDATE || type == PROTO_STATS
               || type == PROTO_ADD || type == PROTO_EXEC_IN || type == PROTO_REMOVE
               || type == PROTO_FREEZE || type == PROTO_PS;

  if (type != PROTO_STDIN && type != PROTO_CREDIT)
    pr_debug ("sandbox: -> agent %s id %u, %zu bytes", proto_type_name (type), id, len);
  if (reply && m->pend_len == MONITOR_MAX_PENDING)
    return silo_make_error (err, EBUSY, "sandbox monitor: too many requests in flight");
  if (proto_outq_push (&m->out, type, id, d, len, err) < 0)
    return -1;
  if (reply)
    m->pending[(m->pend_head + m->pend_len++) % MONITOR_MAX_PENDING]
        = (struct monitor_pending){ .type = type, .id = id, .client = c };
  return 0;
}

static void
client_reply (struct monitor_client *c, uint32_t type, uint32_t id, const char *msg)
{
  silo_error_t err = NULL;
  if (c && proto_send_str (c->fd, type, id, msg, &err) < 0)
    {
      silo_error_release (&err);
      c->closing = true;
    }
}

struct monitor_client *
client_by_exec (struct monitor *m, uint32_t id)
{
  struct monitor_client *c;
  for (c = m->clients; c; c = c->next)
    if (c->exec_id == id)
      return c;
  return NULL;
}

/* The id of a new exec: never 0 (the agent) or 1 (the main process), never
 * one a client still uses, and fine past 2^32 execs (probes every few
 * seconds for years); the agent refuses an id it still runs. */
uint32_t
monitor_exec_id (struct monitor *m)
{
  uint32_t id;

  do
    {
      id = m->next_id++;
      if (m->next_id <= PROTO_ID_MAIN)
        m->next_id = PROTO_ID_MAIN + 1;
    }
  while (id <= PROTO_ID_MAIN || client_by_exec (m, id) != NULL);
  return id;
}

static int
send_create (struct monitor *m, silo_error_t *err)
{
  json_t *o = json_pack ("{s:s, s:s?}", "config", m->config_text, "net", m->net.desc);
  char *payload;
  int ret;

  proto_shm_put (o, &m->shm);
  payload = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  if (payload == NULL)
    return silo_make_error (err, 0, "config.json: cannot encode for the agent");
  ret = send_agent (m, PROTO_CREATE, PROTO_ID_AGENT, payload, strlen (payload), NULL, err);
  free (payload);
  sandbox_net_free (&m->net);
  m->phase = PHASE_CREATING;
  return ret;
}

static void
set_member_phase (struct monitor *m, uint32_t id, int phase)
{
  struct monitor_client *c = client_by_exec (m, id);

  if (c && c->member)
    c->member_phase = phase;
}

/* ADD's answer goes to the member's client: its id, then its main
 * process's stdio on that connection; or the error, and the end of it. */
static int
on_added (struct monitor_client *c, uint32_t id, const struct proto_msg *msg)
{
  char num[16];

  if (c == NULL)
    return 0;
  if (msg->type == PROTO_ERROR)
    {
      client_reply (c, PROTO_ERROR, id, (char *) msg->data);
      c->closing = true;
      return 0;
    }
  c->member_phase = PHASE_CREATED;
  snprintf (num, sizeof (num), "%u", id);
  client_reply (c, PROTO_OK, id, num);
  return 0;
}

/* OK/ERROR from the agent: the oldest pending request's answer. */
static int
on_reply (struct monitor *m, const struct proto_msg *msg, silo_error_t *err)
{
  struct monitor_pending p;

  if (m->pend_len == 0)
    return silo_make_error (err, 0, "guest agent: unexpected %s", proto_type_name (msg->type));
  p = m->pending[m->pend_head];
  m->pend_head = (m->pend_head + 1) % MONITOR_MAX_PENDING;
  m->pend_len--;
  if (p.type == PROTO_CREATE)
    {
      if (msg->type == PROTO_ERROR)
        return silo_make_error (err, 0, "%s", (char *) msg->data);
      m->phase = PHASE_CREATED;
      m->deadline_ns = 0;
      if (write_all (m->sync_fd, "", 1) < 0)
        return silo_make_error (err, errno, "report created");
      close_and_reset (&m->sync_fd);
      return 0;
    }
  if (p.type == PROTO_START && msg->type == PROTO_OK && p.id > PROTO_ID_MAIN)
    set_member_phase (m, p.id, PHASE_RUNNING);
  else if (p.type == PROTO_START && msg->type == PROTO_OK && m->phase == PHASE_CREATED)
    m->phase = PHASE_RUNNING;
  if (p.type == PROTO_ADD)
    return on_added (p.client, p.id, msg);
  if (p.view)
    {
      procview_take_list (&m->view, msg->type == PROTO_OK ? (const char *) msg->data : NULL,
                          msg->len);
      return 0;
    }
  if (p.client)
    {
      client_reply (p.client, msg->type, msg->id, (char *) msg->data);
      if (p.type == PROTO_EXEC && msg->type == PROTO_ERROR)
        p.client->closing = true;
    }
  return 0;
}

static void
on_exit_frame (struct monitor *m, const struct proto_msg *msg)
{
  struct monitor_client *c;
  struct proto_exit e;

  proto_get_exit (msg, &e);
  if (msg->id == PROTO_ID_MAIN)
    {
      if (m->status < 0)
        m->status = proto_exit_status (&e);
      m->phase = PHASE_STOPPED;
      m->deadline_ns = now_ns () + MONITOR_POWEROFF_GRACE_MS * 1000000ULL;
      return;
    }
  c = client_by_exec (m, msg->id);
  if (c)
    {
      silo_error_t err = NULL;
      if (proto_send (c->fd, PROTO_EXIT, msg->id, msg->data, msg->len, &err) < 0)
        silo_error_release (&err);
      c->member_phase = PHASE_STOPPED;
      c->closing = true;
    }
}

static int
on_agent_frame (struct monitor *m, const struct proto_msg *msg, silo_error_t *err)
{
  struct monitor_client *c;
  silo_error_t e2 = NULL;

  if (msg->type != PROTO_STDOUT && msg->type != PROTO_STDERR && msg->type != PROTO_CREDIT)
    pr_debug ("sandbox: <- agent %s id %u, %u bytes", proto_type_name (msg->type), msg->id,
              (unsigned) msg->len);
  switch (msg->type)
    {
    case PROTO_READY:
      if (m->phase != PHASE_BOOT)
        return silo_make_error (err, 0, "guest agent: READY twice");
      if (msg->data[0] != PROTO_VERSION)
        return silo_make_error (err, 0, "guest agent: protocol version %u, expected %u",
                                msg->data[0], PROTO_VERSION);
      return send_create (m, err);
    case PROTO_OK:
    case PROTO_ERROR:
      if (msg->type == PROTO_ERROR && m->pend_len == 0)
        return silo_make_error (err, 0, "guest agent: %s", (char *) msg->data);
      return on_reply (m, msg, err);
    case PROTO_STDOUT:
    case PROTO_STDERR:
      if (msg->id == PROTO_ID_MAIN)
        sandbox_relay_output (&m->main, msg);
      else if ((c = client_by_exec (m, msg->id))
               && proto_send (c->fd, msg->type, msg->id, msg->data, msg->len, &e2) < 0)
        {
          silo_error_release (&e2);
          c->closing = true;
        }
      return 0;
    case PROTO_EXIT:
      on_exit_frame (m, msg);
      return 0;
    case PROTO_CREDIT:
      if (proto_outq_credit (&m->out, proto_get_credit (msg), err) < 0)
        return silo_error_wrap (err, "guest agent");
      return 0;
    default:
      return silo_make_error (err, 0, "guest agent: unexpected %s", proto_type_name (msg->type));
    }
}

static int
read_agent (struct monitor *m, silo_error_t *err)
{
  struct proto_msg msg = { 0 };
  int ret;

  if (proto_reader_fill (&m->rd) < 0 && errno != EAGAIN)
    return silo_make_error (err, errno, "read the agent channel");
  while ((ret = proto_reader_next (&m->rd, &msg, err)) > 0)
    {
      ret = on_agent_frame (m, &msg, err);
      proto_msg_release (&msg);
      if (ret < 0)
        return ret;
    }
  return ret;
}

/* --- control clients --- */

/* The container a control frame names (its id): the sandbox's own (0),
 * or a pod member that is still there (the client standing for it). */
static const char *
target_phase (struct monitor *m, uint32_t id, struct monitor_client **member)
{
  *member = NULL;
  if (id == PROTO_ID_AGENT)
    return phase_names[m->phase];
  *member = client_by_exec (m, id);
  if (*member == NULL || !(*member)->member)
    {
      *member = NULL;
      return "stopped";
    }
  return phase_names[(*member)->member_phase];
}

static bool
target_live (struct monitor *m, uint32_t id)
{
  struct monitor_client *mc;
  const char *ph = target_phase (m, id, &mc);

  return strcmp (ph, "created") == 0 || strcmp (ph, "running") == 0;
}

static int
refuse (struct monitor_client *c, const char *why)
{
  client_reply (c, PROTO_ERROR, 0, why);
  return 0;
}

/* EXEC in a pod member: EXEC_IN, its container's id before the process. */
static int
exec_in_member (struct monitor *m, struct monitor_client *c, const struct proto_msg *msg,
                silo_error_t *err)
{
  uint32_t le = htole32 (msg->id);
  uint8_t *p = xmalloc (msg->len + 4);
  int ret;

  memcpy (p, &le, 4);
  memcpy (p + 4, msg->data, msg->len);
  ret = send_agent (m, PROTO_EXEC_IN, c->exec_id, p, msg->len + 4, c, err);
  free (p);
  return ret;
}

static int
on_client_frame (struct monitor *m, struct monitor_client *c, const struct proto_msg *msg,
                 silo_error_t *err)
{
  struct monitor_client *mc;
  const char *phase;
  uint32_t id = msg->id == PROTO_ID_AGENT ? PROTO_ID_MAIN : msg->id;

  switch (msg->type)
    {
    case PROTO_CTL_STATE:
      client_reply (c, PROTO_OK, 0, target_phase (m, msg->id, &mc));
      return 0;
    case PROTO_CTL_START:
      phase = target_phase (m, msg->id, &mc);
      if (strcmp (phase, "created") != 0)
        return refuse (c, strcmp (phase, "running") == 0 ? "container already started"
                                                          : "container is not created");
      return send_agent (m, PROTO_START, id, msg->data, msg->len, c, err);
    case PROTO_CTL_KILL:
      if (!target_live (m, msg->id))
        return refuse (c, "container not running");
      return send_agent (m, PROTO_SIGNAL, id, msg->data, msg->len, c, err);
    case PROTO_CTL_STATS:
      if (!target_live (m, msg->id))
        return refuse (c, "container not running");
      return send_agent (m, PROTO_STATS, msg->id, NULL, 0, c, err);
    case PROTO_CTL_PS:
      if (!target_live (m, msg->id))
        return refuse (c, "container not running");
      return send_agent (m, PROTO_PS, msg->id, NULL, 0, c, err);
    case PROTO_CTL_UPDATE:
      if (!target_live (m, msg->id))
        return refuse (c, "container not running");
      return send_agent (m, PROTO_UPDATE, msg->id, msg->data, msg->len, c, err);
    case PROTO_CTL_EXEC:
      if (strcmp (target_phase (m, msg->id, &mc), "running") != 0 || c->exec_id)
        {
          c->closing = true;
          return refuse (c, "container not running");
        }
      c->exec_id = monitor_exec_id (m);
      if (msg->id != PROTO_ID_AGENT)
        return exec_in_member (m, c, msg, err);
      return send_agent (m, PROTO_EXEC, c->exec_id, msg->data, msg->len, c, err);
    case PROTO_CTL_ADD:
      if (m->phase != PHASE_RUNNING || c->exec_id)
        {
          c->closing = true;
          return refuse (c, "the pod's sandbox is not running");
        }
      c->exec_id = monitor_exec_id (m);
      c->member = true;
      c->member_phase = PHASE_CREATING;
      return send_agent (m, PROTO_ADD, c->exec_id, msg->data, msg->len, c, err);
    case PROTO_CTL_FREEZE:
      if (msg->id <= PROTO_ID_MAIN || !target_live (m, msg->id))
        return refuse (c, "no such pod member running");
      return send_agent (m, PROTO_FREEZE, msg->id, msg->data, msg->len, c, err);
    case PROTO_CTL_REMOVE:
      if (msg->id <= PROTO_ID_MAIN || m->phase != PHASE_RUNNING)
        return refuse (c, "no such pod member");
      return send_agent (m, PROTO_REMOVE, msg->id, NULL, 0, c, err);
    default: /* STDIN, STDIN_CLOSE, RESIZE of the client's exec */
      if (c->exec_id == 0)
        {
          c->closing = true;
          return 0;
        }
      return send_agent (m, msg->type, c->exec_id, msg->data, msg->len, c, err);
    }
}

static int
read_client (struct monitor *m, struct monitor_client *c, silo_error_t *err)
{
  struct proto_msg msg = { 0 };
  silo_error_t bad = NULL;
  int ret;

  if (proto_reader_fill (&c->rd) < 0 && errno != EAGAIN)
    {
      c->closing = true;
      return 0;
    }
  while ((ret = proto_reader_next (&c->rd, &msg, &bad)) > 0)
    {
      ret = on_client_frame (m, c, &msg, err);
      proto_msg_release (&msg);
      if (ret < 0)
        return ret;
    }
  if (ret < 0 || c->rd.eof)
    {
      silo_error_release (&bad);
      c->closing = true;
    }
  return 0;
}

static void
accept_client (struct monitor *m)
{
  struct monitor_client *c;
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (fd < 0)
    return;
  c = xmalloc0 (sizeof (*c));
  c->fd = fd;
  proto_reader_init (&c->rd, fd, PROTO_FROM_CLIENT);
  c->next = m->clients;
  m->clients = c;
}

/* A member's client gone while the member lives (its stand-in on the
 * host was killed): the member dies with it, as a container does with its
 * init. */
static void
member_gone (struct monitor *m, struct monitor_client *c)
{
  silo_error_t err = NULL;
  uint8_t p[8];
  uint32_t s = htole32 (SIGKILL), a = htole32 (1);

  if (!c->member || c->member_phase == PHASE_STOPPED || m->phase != PHASE_RUNNING)
    return;
  memcpy (p, &s, 4);
  memcpy (p + 4, &a, 4);
  if (send_agent (m, PROTO_SIGNAL, c->exec_id, p, sizeof (p), NULL, &err) < 0)
    silo_error_release (&err);
}

static void
reap_clients (struct monitor *m)
{
  struct monitor_client **pp = &m->clients, *c;
  size_t i;

  while ((c = *pp))
    {
      if (!c->closing)
        {
          pp = &c->next;
          continue;
        }
      *pp = c->next;
      for (i = 0; i < MONITOR_MAX_PENDING; i++)
        if (m->pending[i].client == c)
          m->pending[i].client = NULL;
      member_gone (m, c);
      close (c->fd);
      proto_reader_release (&c->rd);
      free (c);
    }
}

/* --- signals --- */

static int
on_signals (struct monitor *m, bool *guest_gone, silo_error_t *err)
{
  struct signalfd_siginfo si;
  struct winsize ws;
  int status;

  while (read (m->sigfd, &si, sizeof (si)) == sizeof (si))
    {
      if (si.ssi_signo == SIGCHLD)
        {
          pid_t pid;
          while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
            if (pid == m->guest)
              {
                *guest_gone = true;
                m->guest_status = status;
              }
        }
      else if (si.ssi_signo == SIGWINCH)
        {
          uint8_t p[4];
          if (m->pty_slave < 0 || ioctl (m->pty_slave, TIOCGWINSZ, &ws) < 0)
            continue;
          proto_encode_resize (p, ws.ws_row, ws.ws_col);
          if (send_agent (m, PROTO_RESIZE, PROTO_ID_MAIN, p, sizeof (p), NULL, err) < 0)
            return -1;
        }
      else if (m->phase == PHASE_RUNNING || m->phase == PHASE_CREATED)
        {
          /* Forwarded like runc's foreground run does. */
          uint8_t p[8];
          uint32_t s = htole32 (si.ssi_signo), a = 0;
          memcpy (p, &s, 4);
          memcpy (p + 4, &a, 4);
          if (send_agent (m, PROTO_SIGNAL, PROTO_ID_MAIN, p, sizeof (p), NULL, err) < 0)
            return -1;
        }
    }
  return 0;
}

/* --- the process view --- */

/* PS for the view (held requests wait for it); failing to ask answers
 * them from the list there is, never ends the sandbox. */
static void
ask_for_view (struct monitor *m)
{
  silo_error_t err = NULL;

  if (send_agent (m, PROTO_PS, PROTO_ID_MAIN, NULL, 0, NULL, &err) < 0)
    {
      pr_debug ("sandbox: process view: %s", err->msg);
      silo_error_release (&err);
      procview_take_list (&m->view, NULL, 0);
      return;
    }
  m->pending[(m->pend_head + m->pend_len - 1) % MONITOR_MAX_PENDING].view = true;
}

static void
serve_view (struct monitor *m, const struct pollfd *pfd)
{
  silo_error_t err = NULL;
  bool ask = false;

  if (procview_serve (&m->view, pfd, m->phase == PHASE_CREATED || m->phase == PHASE_RUNNING,
                      &ask, &err)
      < 0)
    {
      pr_debug ("%s: closed", err->msg); /* unmounted: ENODEV */
      silo_error_release (&err);
      procview_close (&m->view);
      return;
    }
  if (ask)
    ask_for_view (m);
}

/* --- the loop --- */

static int
poll_timeout (struct monitor *m)
{
  unsigned long long now;
  int view = procview_timeout_ms (&m->view), own;

  if (m->deadline_ns == 0)
    return view;
  now = now_ns ();
  own = now >= m->deadline_ns ? 0 : (int) ((m->deadline_ns - now) / 1000000ULL) + 1;
  return view >= 0 && view < own ? view : own;
}

static int
check_deadline (struct monitor *m, silo_error_t *err)
{
  cleanup_free char *tail = NULL;

  if (m->deadline_ns == 0 || now_ns () < m->deadline_ns)
    return 0;
  if (m->phase == PHASE_STOPPED)
    {
      kill (m->guest, SIGKILL); /* did not power off: end it */
      m->deadline_ns = 0;
      return 0;
    }
  tail = monitor_log_tail (m);
  return silo_make_error (err, ETIMEDOUT, "sandbox: the guest agent did not %s within %d s "
                                         "(silo.sandbox.ready_timeout; console: %s)",
                          m->phase == PHASE_BOOT ? "become ready" : "create the workload",
                          m->ready_timeout_s, tail ? tail : "nothing");
}

/* One round; *guest_gone when the guest process has ended. */
static int
monitor_poll (struct monitor *m, bool *guest_gone, silo_error_t *err)
{
  struct pollfd pfd[80];
  struct monitor_client *owner[80] = { 0 };
  struct monitor_client *c;
  size_t n = 0, i;
  /* Input waits in the kernel (back-pressure on the writer) while the
   * queue is long; it drains as the agent reads. */
  bool room = proto_outq_queued (&m->out) < MONITOR_QUEUE_HIGH;
  bool relay_in = room && m->main.in_fd >= 0 && m->phase >= PHASE_CREATED
                  && m->phase != PHASE_STOPPED;

  pfd[n++] = (struct pollfd){ .fd = m->chan, .events = POLLIN };
  pfd[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
  pfd[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
  pfd[n++] = (struct pollfd){ .fd = relay_in ? m->main.in_fd : -1, .events = POLLIN };
  procview_pollfds (&m->view, pfd + n);
  n += PROCVIEW_TREES;
  for (c = m->clients; c && n < ARRAY_SIZE (pfd); c = c->next)
    owner[n] = c, pfd[n++] = (struct pollfd){ .fd = room || !c->exec_id ? c->fd : -1,
                                              .events = POLLIN };
  if (TEMP_FAILURE_RETRY (poll (pfd, n, poll_timeout (m))) < 0)
    return silo_make_error (err, errno, "poll");
  if (pfd[1].revents && on_signals (m, guest_gone, err) < 0)
    return -1;
  if (pfd[0].revents && read_agent (m, err) < 0)
    return -1;
  if (pfd[2].revents)
    accept_client (m);
  if (pfd[3].revents && sandbox_relay_input (&m->main, &m->out, err) < 0)
    return -1;
  serve_view (m, pfd + 4);
  procview_expire (&m->view);
  for (i = 4 + PROCVIEW_TREES; i < n; i++)
    if (pfd[i].revents && read_client (m, owner[i], err) < 0)
      return -1;
  reap_clients (m);
  /* After the main EXIT the agent powers off and reads no more; a guest
   * that is gone gets its own error (monitor_loop), not a broken pipe. */
  if (!*guest_gone && m->phase != PHASE_STOPPED && proto_outq_flush (&m->out, err) < 0)
    return -1;
  return check_deadline (m, err);
}

/* A guest process killed by its seccomp allow list is an error of its
 * own, never an ordinary exit: the kernel gives the syscall's number to
 * the audit log only (SCMP_ACT_KILL_PROCESS), so the line says where. */
static int
check_seccomp_kill (struct monitor *m, silo_error_t *err)
{
  if (!WIFSIGNALED (m->guest_status) || WTERMSIG (m->guest_status) != SIGSYS)
    return 0;
  return silo_make_error (err, 0, "sandbox: the guest process (%s, pid %d) was killed by "
                                  "seccomp (SIGSYS): a syscall outside its allow list (the "
                                  "host's kernel log names it: audit type=1326 ... syscall=N)",
                          m->backend, (int) m->guest);
}

static int
monitor_loop (struct monitor *m, silo_error_t *err)
{
  bool gone = false;
  cleanup_free char *tail = NULL;

  while (!gone)
    if (monitor_poll (m, &gone, err) < 0)
      return -1;
  /* Frames the agent wrote just before power-off. */
  if (!m->rd.eof && read_agent (m, err) < 0)
    return -1;
  if (check_seccomp_kill (m, err) < 0)
    return -1;
  if (m->status >= 0)
    return m->status;
  tail = monitor_log_tail (m);
  return silo_make_error (err, 0, "sandbox: the guest %s%s%s",
                          m->phase < PHASE_CREATED ? "ended before the agent was ready"
                                                   : "ended without the workload's exit status",
                          tail ? ": " : "", tail ? tail : "");
}

static void
report (struct monitor *m, silo_error_t *err)
{
  const char *msg = (*err)->msg ? (*err)->msg : "unknown error";

  if (m->sync_fd >= 0)
    {
      if (write_all (m->sync_fd, msg, strlen (msg) + 1) < 0)
        _exit (1);
    }
  else
    dprintf (2, "silo: %s\n", msg);
}

void
sandbox_monitor_main (const struct sandbox_request *req, const char *backend,
                      const char *config_text, int sync_fd)
{
  struct monitor m = { .req = req, .config_text = config_text, .sync_fd = sync_fd, .chan = -1,
                       .guest = -1, .log_fd = -1, .log_rd_fd = -1, .listen_fd = -1,
                       .sigfd = -1, .pty_slave = -1, .status = -1,
                       .next_id = PROTO_ID_MAIN + 1, .backend = backend };
  silo_error_t err = NULL;
  int ret;

  procview_init (&m.view);
  ret = monitor_setup (&m, backend, &err);
  if (ret == 0)
    ret = monitor_loop (&m, &err);
  if (ret < 0)
    {
      report (&m, &err);
      if (m.guest > 0)
        {
          kill (m.guest, SIGKILL);
          waitpid (m.guest, NULL, 0);
        }
      _exit (m.phase >= PHASE_CREATED ? 255 : 1);
    }
  _exit (ret);
}
