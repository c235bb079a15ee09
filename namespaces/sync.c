#include "sync.h"
#include "../util/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

struct wire_header
{
  uint32_t type;
  int32_t value;
  uint32_t len;
};

/* A message is a header datagram (the fd rides on it) followed by the
 * payload in datagrams of at most NS_SYNC_CHUNK bytes: a state JSON or an
 * error message of any size goes through without raising the socket's
 * buffer limits. */
int
ns_sync_send (int sock, uint32_t type, int32_t value, const char *payload, int fd)
{
  size_t plen = payload ? strlen (payload) : 0;
  struct wire_header h = { .type = type, .value = value, .len = (uint32_t) plen };
  size_t off, n;

  if (plen > NS_SYNC_MAX_PAYLOAD)
    {
      errno = EMSGSIZE;
      return -1;
    }
  if (send_fd (sock, fd, &h, sizeof (h)) < 0)
    return -1;
  for (off = 0; off < plen; off += n)
    {
      n = plen - off < NS_SYNC_CHUNK ? plen - off : NS_SYNC_CHUNK;
      if (TEMP_FAILURE_RETRY (send (sock, payload + off, n, MSG_NOSIGNAL)) < 0)
        return -1;
    }
  return 0;
}

static int
recv_error (int r, silo_error_t *err)
{
  if (r == 0 || errno == ECONNRESET)
    return silo_make_error (err, 0, "container process exited during setup");
  return silo_make_error (err, errno, "receive from container process");
}

static int
recv_payload (int sock, struct ns_sync_msg *msg, silo_error_t *err)
{
  size_t off = 0, want;
  ssize_t r;

  msg->payload = xmalloc ((size_t) msg->len + 1);
  while (off < msg->len)
    {
      want = msg->len - off < NS_SYNC_CHUNK ? msg->len - off : NS_SYNC_CHUNK;
      /* MSG_TRUNC: the datagram's real length, to see one that overruns. */
      r = TEMP_FAILURE_RETRY (recv (sock, msg->payload + off, want, MSG_TRUNC));
      if (r <= 0)
        return recv_error ((int) r, err);
      if ((size_t) r > want)
        return silo_make_error (err, 0, "malformed message from container process");
      off += (size_t) r;
    }
  msg->payload[off] = '\0';
  return 0;
}

int
ns_sync_recv (int sock, struct ns_sync_msg *msg, silo_error_t *err)
{
  struct wire_header h;
  int r;

  memset (msg, 0, sizeof (*msg));
  msg->fd = -1;
  r = recv_fd (sock, &msg->fd, &h, sizeof (h));
  if (r < 0)
    return recv_error (r, err);
  if ((size_t) r < sizeof (h))
    return silo_make_error (err, 0, "short message from container process");
  if (h.len > NS_SYNC_MAX_PAYLOAD)
    return silo_make_error (err, 0, "malformed message from container process");
  msg->type = h.type;
  msg->value = h.value;
  msg->len = h.len;
  if (recv_payload (sock, msg, err) < 0)
    {
      ns_sync_msg_clear (msg);
      return -1;
    }
  return 0;
}

void
ns_sync_msg_clear (struct ns_sync_msg *msg)
{
  free (msg->payload);
  msg->payload = NULL;
  close_and_reset (&msg->fd);
}

void
ns_sync_send_error (int sock, silo_error_t *err)
{
  const char *m = (err && *err) ? (*err)->msg : "unknown error";
  int status = (err && *err) ? (*err)->status : 0;
  (void) ns_sync_send (sock, NS_SYNC_ERROR, status, m, -1);
}

int
ns_sync_expect (int sock, uint32_t type, struct ns_sync_msg *msg, silo_error_t *err)
{
  int ret = ns_sync_recv (sock, msg, err);
  if (ret < 0)
    return ret;
  if (msg->type == NS_SYNC_ERROR)
    {
      ret = silo_error_from_msg (err, msg->value, msg->payload);
      ns_sync_msg_clear (msg);
      return ret;
    }
  if (msg->type != type)
    {
      ret = silo_make_error (err, 0, "unexpected message %u from container process (wanted %u)",
                             msg->type, type);
      ns_sync_msg_clear (msg);
      return ret;
    }
  return 0;
}
