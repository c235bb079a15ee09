/* Agent protocol: framing, truncation, validation, and the agent's request
 * handling as an ordinary host process over a socketpair (issue 5). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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
  /* A clean EOF between frames is not an error of the frame itself. */
  CHECK (feed (buf, 0, PROTO_FROM_GUEST, &err) < 0);
  CHECK (strstr (err->msg, "closed") != NULL);
  silo_error_release (&err);
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

/* Collect frames until EXIT of `id`; stdout is appended to out. */
static int
collect (struct proto_reader *r, uint32_t id, char *out, size_t cap, int *status)
{
  struct proto_msg m = { 0 };
  struct proto_exit e;
  silo_error_t err = NULL;

  for (;;)
    {
      if (proto_recv (r, &m, 5000, &err) != 1)
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
expect (struct proto_reader *r, uint32_t type, uint32_t id)
{
  struct proto_msg m = { 0 };
  silo_error_t err = NULL;
  int ok;

  if (proto_recv (r, &m, 5000, &err) != 1)
    return 0;
  ok = m.type == type && m.id == id;
  if (!ok)
    fprintf (stderr, "  got %s id %u: %s\n", proto_type_name (m.type), m.id, (char *) m.data);
  proto_msg_release (&m);
  return ok;
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

int
main (void)
{
  signal (SIGPIPE, SIG_IGN);
  RUN_TEST (test_roundtrip);
  RUN_TEST (test_rejects);
  RUN_TEST (test_agent_host);
  RUN_TEST (test_agent_signal_and_exec_failure);
  UNIT_EXIT ();
}
