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

int
ns_sync_send (int sock, uint32_t type, int32_t value, const char *payload, int fd)
{
  size_t plen = payload ? strlen (payload) : 0;
  struct wire_header h = { .type = type, .value = value, .len = (uint32_t) plen };
  cleanup_free char *buf = NULL;

  if (plen > NS_SYNC_MAX_PAYLOAD)
    {
      errno = EMSGSIZE;
      return -1;
    }
  buf = xmalloc (sizeof (h) + plen);
  memcpy (buf, &h, sizeof (h));
  if (plen)
    memcpy (buf + sizeof (h), payload, plen);
  return send_fd (sock, fd, buf, sizeof (h) + plen);
}

int
ns_sync_recv (int sock, struct ns_sync_msg *msg, silo_error_t *err)
{
  cleanup_free char *buf = xmalloc (sizeof (struct wire_header) + NS_SYNC_MAX_PAYLOAD);
  struct wire_header h;
  int r;

  memset (msg, 0, sizeof (*msg));
  msg->fd = -1;
  r = recv_fd (sock, &msg->fd, buf, sizeof (struct wire_header) + NS_SYNC_MAX_PAYLOAD);
  if (r < 0 && errno == ECONNRESET)
    return silo_make_error (err, 0, "container process exited during setup");
  if (r < 0)
    return silo_make_error (err, errno, "receive from container process");
  if ((size_t) r < sizeof (h))
    return silo_make_error (err, 0, "short message from container process");
  memcpy (&h, buf, sizeof (h));
  if (h.len != (size_t) r - sizeof (h))
    return silo_make_error (err, 0, "malformed message from container process");
  msg->type = h.type;
  msg->value = h.value;
  msg->len = h.len;
  msg->payload = xstrndup (buf + sizeof (h), h.len);
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
