/* Agent protocol: framing, truncation, validation, host->agent flow control,
 * and the agent's request handling as an ordinary host process over a
 * socketpair (issue 5). */
#include <endian.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "sandbox-vm/agent/agent.h"
#include "sandbox-vm/protocol.h"
#include "util/utils.h"
#include "unit.h"

static int
test_roundtrip (void)
{
  int sv[2];
  struct proto_reader r;
  struct proto_msg m = { 0 };
  struct proto_exit e;
  silo_error_t err = NULL;

  CHECK (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK (proto_send_str (sv[0], PROTO_STDOUT, 3, "hello", &err) == 0);
  CHECK (proto_send_exit (sv[0], 3, 0, 9, &err) == 0);
  proto_reader_init (&r, sv[1], PROTO_FROM_GUEST);
  CHECK (proto_recv (&r, &m, 1000, &err) == 1);
  CHECK (m.type == PROTO_STDOUT && m.id == 3 && m.len == 5);
  CHECK_STR ((char *) m.data, "hello");
  proto_msg_release (&m);
  CHECK (proto_recv (&r, &m, 1000, &err) == 1);
  CHECK (m.type == PROTO_EXIT);
  proto_get_exit (&m, &e);
  CHECK (proto_exit_status (&e) == 137);
  proto_msg_release (&m);
  proto_reader_release (&r);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

/* Feed raw bytes and return what proto_reader_next says after EOF. */
static int
feed (const uint8_t *bytes, size_t n, enum proto_peer from, silo_error_t *err)
{
  int sv[2], ret;
  struct proto_reader r;
  struct proto_msg m = { 0 };

  if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) < 0)
    return -100;
  if (write_all (sv[0], bytes, n) < 0)
    return -100;
  close (sv[0]);
  proto_reader_init (&r, sv[1], from);
  ret = proto_recv (&r, &m, 1000, err);
  proto_msg_release (&m);
  proto_reader_release (&r);
  close (sv[1]);
  return ret;
}

static int
test_rejects (void)
{
  uint8_t buf[64];
  silo_error_t err = NULL;

  /* Truncated header, then truncated payload. */
  proto_encode_header (buf, PROTO_STDOUT, 1, 10);
  CHECK (feed (buf, 6, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "inside a frame") != NULL);
  silo_error_release (&err);
  memcpy (buf + PROTO_HDR_SIZE, "abc", 3);
  CHECK (feed (buf, PROTO_HDR_SIZE + 3, PROTO_FROM_GUEST, &err) < 0);
  silo_error_release (&err);
  /* Oversized length, rejected from the header alone. */
  proto_encode_header (buf, PROTO_STDOUT, 1, PROTO_MAX_PAYLOAD + 1);
  CHECK (feed (buf, PROTO_HDR_SIZE, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "exceeds") != NULL);
  silo_error_release (&err);
  /* Wrong fixed length, unknown type, wrong direction, bad values. */
  proto_encode_header (buf, PROTO_EXIT, 1, 3);
  CHECK (feed (buf, PROTO_HDR_SIZE + 3, PROTO_FROM_GUEST, &err) < 0);
  silo_error_release (&err);
  proto_encode_header (buf, 999, 1, 0);
  CHECK (feed (buf, PROTO_HDR_SIZE, PROTO_FROM_GUEST, &err) < 0);
  silo_error_release (&err);
  proto_encode_header (buf, PROTO_CREATE, 0, 0);
  CHECK (feed (buf, PROTO_HDR_SIZE, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "unexpected CREATE") != NULL);
  silo_error_release (&err);
  proto_encode_header (buf, PROTO_EXIT, 1, 8);
  memset (buf + PROTO_HDR_SIZE, 0xff, 8);
  CHECK (feed (buf, PROTO_HDR_SIZE + 8, PROTO_FROM_GUEST, &err) < 0);
  silo_error_release (&err);
  /* CREDIT beyond the window, or of nothing, is a protocol error. */
  proto_encode_header (buf, PROTO_CREDIT, 0, 4);
  buf[PROTO_HDR_SIZE] = (PROTO_WINDOW + 1) & 0xff;
  buf[PROTO_HDR_SIZE + 1] = (PROTO_WINDOW + 1) >> 8;
  buf[PROTO_HDR_SIZE + 2] = buf[PROTO_HDR_SIZE + 3] = 0;
  CHECK (feed (buf, PROTO_HDR_SIZE + 4, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "exceeds the window") != NULL);
  silo_error_release (&err);
  memset (buf + PROTO_HDR_SIZE, 0, 4);
  CHECK (feed (buf, PROTO_HDR_SIZE + 4, PROTO_FROM_GUEST, &err) < 0);
  silo_error_release (&err);
  /* A clean EOF between frames is not an error of the frame itself. */
  CHECK (feed (buf, 0, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "closed") != NULL);
  silo_error_release (&err);
  return 0;
}

static size_t
unread (int fd)
{
  int n = -1;
  return ioctl (fd, FIONREAD, &n) == 0 && n >= 0 ? (size_t) n : (size_t) -1;
}

/* The queue writes at most the window until credit comes back, and credit
 * for more than is in flight is refused. */
static int
test_outq_window (void)
{
  static uint8_t big[20000];
  struct proto_outq q;
  silo_error_t err = NULL;
  int sv[2];

  CHECK (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  proto_outq_init (&q, sv[0], PROTO_WINDOW);
  CHECK (proto_outq_push (&q, PROTO_CREATE, 0, big, sizeof (big), &err) == 0);
  CHECK (proto_outq_push (&q, PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (unread (sv[1]) == 0); /* pushing writes nothing */
  CHECK (proto_outq_flush (&q, &err) == 0);
  CHECK (unread (sv[1]) == PROTO_WINDOW);
  CHECK (proto_outq_flush (&q, &err) == 0);
  CHECK (unread (sv[1]) == PROTO_WINDOW && q.in_flight == PROTO_WINDOW);
  CHECK (proto_outq_credit (&q, 1000, &err) == 0);
  CHECK (proto_outq_flush (&q, &err) == 0);
  CHECK (unread (sv[1]) == PROTO_WINDOW + 1000 && q.in_flight == PROTO_WINDOW);
  CHECK (proto_outq_queued (&q) == 2 * PROTO_HDR_SIZE + sizeof (big) - PROTO_WINDOW - 1000);
  CHECK (proto_outq_credit (&q, PROTO_WINDOW + 1, &err) < 0);
  CHECK (strstr (err->msg, "exceeds") != NULL);
  silo_error_release (&err);
  CHECK (proto_outq_credit (&q, 0, &err) < 0);
  silo_error_release (&err);
  proto_outq_release (&q);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

/* A slow agent stand-in: reads in small bites with pauses, checks that the
 * host never has more than the window outstanding, returns credit as the
 * agent does, and checks the 20 KB CREATE byte for byte. Exit 0 = good. */
__attribute__ ((noreturn)) static void
slow_reader (int fd, size_t want)
{
  size_t total = PROTO_HDR_SIZE + want, got = 0, credited = 0, i;
  uint8_t *stream = xmalloc (total);
  silo_error_t err = NULL;
  uint32_t hdr[3];
  ssize_t n;

  while (got < total)
    {
      usleep (2000);
      if (got + unread (fd) > credited + PROTO_WINDOW)
        _exit (10); /* the host overran the window */
      n = read (fd, stream + got, total - got < 300 ? total - got : 300);
      if (n <= 0)
        _exit (11);
      got += (size_t) n;
      if (got - credited >= PROTO_CREDIT_BATCH || unread (fd) == 0)
        {
          if (proto_send_credit (fd, (uint32_t) (got - credited), &err) < 0)
            _exit (12);
          credited = got;
        }
    }
  memcpy (hdr, stream, sizeof (hdr));
  if (le32toh (hdr[0]) != PROTO_CREATE || le32toh (hdr[2]) != want)
    _exit (13);
  for (i = 0; i < want; i++)
    if (stream[PROTO_HDR_SIZE + i] != (uint8_t) (i % 251))
      _exit (14);
  _exit (0);
}

/* Drive the queue against CREDIT until it is empty. */
static int
pump (struct proto_outq *q, int fd)
{
  struct proto_reader r;
  struct proto_msg m = { 0 };
  silo_error_t err = NULL;
  int ret = 0;

  proto_reader_init (&r, fd, PROTO_FROM_GUEST);
  while (ret == 0 && (proto_outq_queued (q) > 0 || q->in_flight > 0))
    {
      if (proto_outq_flush (q, &err) < 0 || q->in_flight > PROTO_WINDOW)
        ret = -1;
      else if (proto_recv (&r, &m, 5000, &err) != 1 || m.type != PROTO_CREDIT
               || proto_outq_credit (q, proto_get_credit (&m), &err) < 0)
        ret = -1;
      proto_msg_release (&m);
    }
  if (err)
    fprintf (stderr, "  pump: %s\n", err->msg);
  silo_error_release (&err);
  proto_reader_release (&r);
  return ret;
}

static int
test_outq_slow_reader (void)
{
  static uint8_t big[20 * 1024];
  struct proto_outq q;
  silo_error_t err = NULL;
  int sv[2], wst;
  size_t i;
  pid_t pid;

  for (i = 0; i < sizeof (big); i++)
    big[i] = (uint8_t) (i % 251);
  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  pid = fork ();
  CHECK (pid >= 0);
  if (pid == 0)
    {
      close (sv[0]);
      slow_reader (sv[1], sizeof (big));
    }
  close (sv[1]);
  proto_outq_init (&q, sv[0], PROTO_WINDOW);
  CHECK (proto_outq_push (&q, PROTO_CREATE, 0, big, sizeof (big), &err) == 0);
  CHECK (pump (&q, sv[0]) == 0);
  CHECK (waitpid (pid, &wst, 0) == pid);
  if (!WIFEXITED (wst) || WEXITSTATUS (wst) != 0)
    fprintf (stderr, "  slow reader: status %#x\n", wst);
  CHECK (WIFEXITED (wst) && WEXITSTATUS (wst) == 0);
  proto_outq_release (&q);
  close (sv[0]);
  return 0;
}

static pid_t
spawn_agent (int fd)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct agent_opts o = { .chan = fd, .guest = false, .fs_type = "hostfs" };
      silo_error_t err = NULL;
      int ret = agent_run (&o, &err);
      _exit (ret < 0 ? 200 : ret);
    }
  return pid;
}

/* The next frame that is not CREDIT. With a queue, CREDIT feeds it;
 * without, the tests write directly and the agent's CREDIT is dropped. */
static int
next_frame (struct proto_reader *r, struct proto_outq *q, struct proto_msg *m)
{
  silo_error_t err = NULL;

  for (;;)
    {
      if (q && proto_outq_flush (q, &err) < 0)
        break;
      if (proto_recv (r, m, 5000, &err) != 1)
        break;
      if (m->type != PROTO_CREDIT)
        return 1;
      if (q && proto_outq_credit (q, proto_get_credit (m), &err) < 0)
        break;
      proto_msg_release (m);
    }
  fprintf (stderr, "  next frame: %s\n", err ? err->msg : "?");
  silo_error_release (&err);
  return -1;
}

/* Collect frames until EXIT of `id`; stdout is appended to out. */
static int
collect_q (struct proto_reader *r, struct proto_outq *q, uint32_t id, char *out, size_t cap,
           int *status)
{
  struct proto_msg m = { 0 };
  struct proto_exit e;

  for (;;)
    {
      if (next_frame (r, q, &m) != 1)
        return -1;
      if (m.type == PROTO_STDOUT && m.id == id && strlen (out) + m.len < cap)
        strncat (out, (char *) m.data, m.len);
      if (m.type == PROTO_EXIT && m.id == id)
        {
          proto_get_exit (&m, &e);
          *status = proto_exit_status (&e);
          proto_msg_release (&m);
          return 0;
        }
      proto_msg_release (&m);
    }
}

static int
collect (struct proto_reader *r, uint32_t id, char *out, size_t cap, int *status)
{
  return collect_q (r, NULL, id, out, cap, status);
}

static int
expect_q (struct proto_reader *r, struct proto_outq *q, uint32_t type, uint32_t id)
{
  struct proto_msg m = { 0 };
  int ok;

  if (next_frame (r, q, &m) != 1)
    return 0;
  ok = m.type == type && m.id == id;
  if (!ok)
    fprintf (stderr, "  got %s id %u: %s\n", proto_type_name (m.type), m.id, (char *) m.data);
  proto_msg_release (&m);
  return ok;
}

static int
expect (struct proto_reader *r, uint32_t type, uint32_t id)
{
  return expect_q (r, NULL, type, id);
}

static const char *config_fmt
    = "{\"config\": \"{\\\"ociVersion\\\":\\\"1.0.2\\\",\\\"root\\\":{\\\"path\\\":\\\"rootfs\\\"},"
      "\\\"process\\\":{\\\"args\\\":[\\\"/bin/sh\\\",\\\"-c\\\",\\\"%s\\\"],\\\"cwd\\\":\\\"/\\\","
      "\\\"env\\\":[\\\"PATH=/bin:/usr/bin\\\"],\\\"capabilities\\\":{\\\"bounding\\\":[\\\"CAP_KILL\\\"]}}}\"}";

static int
test_agent_host (void)
{
  int sv[2], status = -1, wst;
  char out[256] = "", payload[1024];
  struct proto_reader r;
  silo_error_t err = NULL;
  pid_t agent;
  const char *exec_json = "{\"args\":[\"/bin/echo\",\"from-exec\"],\"cwd\":\"/\"}";

  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  agent = spawn_agent (sv[1]);
  close (sv[1]);
  proto_reader_init (&r, sv[0], PROTO_FROM_GUEST);
  CHECK (expect (&r, PROTO_READY, 0));
  snprintf (payload, sizeof (payload), config_fmt, "read x; echo got-$x; exit 3");
  CHECK (proto_send_str (sv[0], PROTO_CREATE, 0, payload, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 0));
  /* EXEC before START is refused; START twice is refused. */
  CHECK (proto_send_str (sv[0], PROTO_EXEC, 2, exec_json, &err) == 0);
  CHECK (expect (&r, PROTO_ERROR, 2));
  CHECK (proto_send (sv[0], PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 1));
  CHECK (proto_send (sv[0], PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (expect (&r, PROTO_ERROR, 1));
  CHECK (proto_send_str (sv[0], PROTO_EXEC, 2, exec_json, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 2));
  CHECK (collect (&r, 2, out, sizeof (out), &status) == 0);
  CHECK_STR (out, "from-exec\n");
  CHECK (status == 0);
  /* A RESIZE that comes after its process ended (or for one without a
   * terminal) gets no answer: the next request's answer is its own. */
  CHECK (proto_send_resize (sv[0], 2, 40, 120, &err) == 0);
  CHECK (proto_send_resize (sv[0], 1, 40, 120, &err) == 0);
  CHECK (proto_send (sv[0], PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (expect (&r, PROTO_ERROR, 1));
  out[0] = 0;
  CHECK (proto_send_str (sv[0], PROTO_STDIN, 1, "abc\n", &err) == 0);
  CHECK (proto_send (sv[0], PROTO_STDIN_CLOSE, 1, NULL, 0, &err) == 0);
  CHECK (collect (&r, 1, out, sizeof (out), &status) == 0);
  CHECK_STR (out, "got-abc\n");
  CHECK (status == 3);
  CHECK (waitpid (agent, &wst, 0) == agent);
  CHECK (WIFEXITED (wst) && WEXITSTATUS (wst) == 3);
  proto_reader_release (&r);
  close (sv[0]);
  return 0;
}

static int
test_agent_signal_and_exec_failure (void)
{
  int sv[2], status = -1, wst;
  char out[64] = "", payload[1024];
  struct proto_reader r;
  silo_error_t err = NULL;
  pid_t agent;

  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  agent = spawn_agent (sv[1]);
  close (sv[1]);
  proto_reader_init (&r, sv[0], PROTO_FROM_GUEST);
  CHECK (expect (&r, PROTO_READY, 0));
  snprintf (payload, sizeof (payload), config_fmt, "sleep 30");
  CHECK (proto_send_str (sv[0], PROTO_CREATE, 0, payload, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 0));
  CHECK (proto_send (sv[0], PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 1));
  CHECK (proto_send_str (sv[0], PROTO_EXEC, 2, "{\"args\":[\"/nonexistent\"],\"cwd\":\"/\"}",
                         &err) == 0);
  CHECK (expect (&r, PROTO_ERROR, 2));
  CHECK (proto_send_signal (sv[0], PROTO_SIGNAL, 1, SIGKILL, false, &err) == 0);
  CHECK (expect (&r, PROTO_OK, 1));
  CHECK (collect (&r, 1, out, sizeof (out), &status) == 0);
  CHECK (status == 128 + SIGKILL);
  CHECK (waitpid (agent, &wst, 0) == agent);
  proto_reader_release (&r);
  close (sv[0]);
  return 0;
}

/* The real agent behind the window: a CREATE of over 20 KB (the command
 * carries a 20000-byte variable) and its START cross intact. */
static int
test_agent_big_create (void)
{
  cleanup_free char *cmd = xmalloc (20100), *payload = xmalloc (21000);
  char out[64] = "";
  struct proto_outq q;
  struct proto_reader r;
  silo_error_t err = NULL;
  int sv[2], status = -1, wst;
  pid_t agent;

  strcpy (cmd, "x=");
  memset (cmd + 2, 'x', 20000);
  strcpy (cmd + 20002, "; echo ${#x}");
  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  agent = spawn_agent (sv[1]);
  close (sv[1]);
  proto_reader_init (&r, sv[0], PROTO_FROM_GUEST);
  proto_outq_init (&q, sv[0], PROTO_WINDOW);
  CHECK (expect_q (&r, &q, PROTO_READY, 0));
  snprintf (payload, 21000, config_fmt, cmd);
  CHECK (strlen (payload) > 20000);
  CHECK (proto_outq_push (&q, PROTO_CREATE, 0, payload, strlen (payload), &err) == 0);
  CHECK (proto_outq_push (&q, PROTO_START, 1, NULL, 0, &err) == 0);
  CHECK (proto_outq_push (&q, PROTO_STDIN_CLOSE, 1, NULL, 0, &err) == 0);
  CHECK (expect_q (&r, &q, PROTO_OK, 0));
  CHECK (expect_q (&r, &q, PROTO_OK, 1));
  CHECK (collect_q (&r, &q, 1, out, sizeof (out), &status) == 0);
  CHECK_STR (out, "20000\n");
  CHECK (status == 0);
  CHECK (q.in_flight <= PROTO_WINDOW);
  CHECK (waitpid (agent, &wst, 0) == agent);
  proto_outq_release (&q);
  proto_reader_release (&r);
  close (sv[0]);
  return 0;
}

/* STATS' answer both ways; what is not a counter (from a guest that lies)
 * is left at 0, a payload that is not an object fails. */
static int
test_stats_codec (void)
{
  struct cg_stats in = { .cpu_usage_ns = 7, .mem_usage = 1 << 20, .mem_limit = UINT64_MAX,
                         .pids_current = 3, .pids_limit = 50, .blkio_write_bytes = 9 };
  struct cg_stats out;
  cleanup_free char *text = proto_stats_encode (&in);
  silo_error_t err = NULL;
  static const char lies[] = "{\"mem_usage\": -5, \"pids_current\": \"3\", \"cpu_usage_ns\": 1.5, "
                             "\"nosuch\": 1, \"pids_limit\": 12}";

  CHECK (text != NULL);
  CHECK (proto_stats_decode (text, strlen (text), &out, &err) == 0);
  CHECK (out.cpu_usage_ns == 7 && out.mem_usage == 1 << 20 && out.pids_current == 3);
  CHECK (out.pids_limit == 50 && out.blkio_write_bytes == 9);
  CHECK (out.mem_limit == INT64_MAX); /* clamped to what JSON carries */
  CHECK (proto_stats_decode (lies, strlen (lies), &out, &err) == 0);
  CHECK (out.mem_usage == 0 && out.pids_current == 0 && out.cpu_usage_ns == 0);
  CHECK (out.pids_limit == 12);
  CHECK (proto_stats_decode ("[1]", 3, &out, &err) < 0);
  silo_error_release (&err);
  CHECK (proto_stats_decode ("{\"mem_usage\"", 13, &out, &err) < 0);
  silo_error_release (&err);
  return 0;
}

/* The engine's /dev/shm in ADD (and CREATE): both ways; a key that could
 * name a path (the agent makes a directory of it), a negative size or a
 * mode past 07777 are refused. */
static int
test_shm_codec (void)
{
  struct proto_shm in = { .set = true, .mount = 3, .key = "0:71", .size = 8 << 20, .mode = 01777 };
  struct proto_shm out;
  json_t *o = json_pack ("{s:s, s:s, s:[]}", "config", "{}", "dir", "pod/m", "new");
  cleanup_free char *text = NULL, *config = NULL, *dir = NULL;
  silo_error_t err = NULL;
  unsigned news;
  static const char *const bad[] = {
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": {\"mount\": 0, \"key\": \"../x\", \"size\": 0, \"mode\": 0}}",
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": {\"mount\": 0, \"key\": \"1:2\", \"size\": -1, \"mode\": 0}}",
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": {\"mount\": 0, \"key\": \"1:2\", \"size\": 0, \"mode\": 4096}}",
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": {\"mount\": -1, \"key\": \"1:2\", \"size\": 0, \"mode\": 0}}",
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": {\"mount\": 0, \"key\": \"\", \"size\": 0, \"mode\": 0}}",
    "{\"config\": \"{}\", \"dir\": \"pod/m\", \"shm\": 1}",
  };

  proto_shm_put (o, &in);
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  CHECK (proto_add_decode (text, strlen (text), &config, &dir, &news, &out, &err) == 0);
  CHECK (out.set && out.mount == 3 && strcmp (out.key, "0:71") == 0 && out.size == 8 << 20
         && out.mode == 01777);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      char *c = NULL, *d = NULL;
      CHECK (proto_add_decode (bad[i], strlen (bad[i]), &c, &d, &news, &out, &err) < 0);
      CHECK (strstr (err->msg, "shm: must be") != NULL);
      silo_error_release (&err);
    }
  free (config), free (dir), config = dir = NULL;
  CHECK (proto_add_decode (bad[0], 40, &config, &dir, &news, &out, &err) < 0); /* cut short */
  silo_error_release (&err);
  return 0;
}

int
main (void)
{
  signal (SIGPIPE, SIG_IGN);
  RUN_TEST (test_roundtrip);
  RUN_TEST (test_stats_codec);
  RUN_TEST (test_shm_codec);
  RUN_TEST (test_rejects);
  RUN_TEST (test_outq_window);
  RUN_TEST (test_outq_slow_reader);
  RUN_TEST (test_agent_big_create);
  RUN_TEST (test_agent_host);
  RUN_TEST (test_agent_signal_and_exec_failure);
  UNIT_EXIT ();
}
