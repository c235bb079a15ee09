/* Frame encoding, decoding and validation for the agent protocol. */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../util/utils.h"
#include "protocol.h"

struct type_info
{
  const char *name;
  uint8_t from_mask; /* bit per enum proto_peer allowed to send it */
  int32_t fixed_len; /* -1 = variable */
};

#define G (1u << PROTO_FROM_GUEST)
#define H (1u << PROTO_FROM_HOST)
#define C (1u << PROTO_FROM_CLIENT)

static const struct type_info types[PROTO_TYPE_MAX] = {
  [PROTO_READY] = { "READY", G, 4 },
  [PROTO_OK] = { "OK", G, -1 },
  [PROTO_ERROR] = { "ERROR", G, -1 },
  [PROTO_STDOUT] = { "STDOUT", G, -1 },
  [PROTO_STDERR] = { "STDERR", G, -1 },
  [PROTO_EXIT] = { "EXIT", G, sizeof (struct proto_exit) },
  [PROTO_CREDIT] = { "CREDIT", G, 4 },
  [PROTO_CREATE] = { "CREATE", H, -1 },
  [PROTO_START] = { "START", H, -1 },
  [PROTO_EXEC] = { "EXEC", H, -1 },
  [PROTO_STDIN] = { "STDIN", H | C, -1 },
  [PROTO_STDIN_CLOSE] = { "STDIN_CLOSE", H | C, 0 },
  [PROTO_SIGNAL] = { "SIGNAL", H, sizeof (struct proto_signal) },
  [PROTO_RESIZE] = { "RESIZE", H | C, sizeof (struct proto_resize) },
  [PROTO_UPDATE] = { "UPDATE", H, -1 },
  [PROTO_STATS] = { "STATS", H, 0 },
  [PROTO_ADD] = { "ADD", H, -1 },
  [PROTO_EXEC_IN] = { "EXEC_IN", H, -1 },
  [PROTO_REMOVE] = { "REMOVE", H, 0 },
  [PROTO_FREEZE] = { "FREEZE", H, 4 },
  [PROTO_PS] = { "PS", H, 0 },
  [PROTO_CTL_START] = { "CTL_START", C, -1 },
  [PROTO_CTL_KILL] = { "CTL_KILL", C, sizeof (struct proto_signal) },
  [PROTO_CTL_EXEC] = { "CTL_EXEC", C, -1 },
  [PROTO_CTL_STATE] = { "CTL_STATE", C, 0 },
  [PROTO_CTL_UPDATE] = { "CTL_UPDATE", C, -1 },
  [PROTO_CTL_STATS] = { "CTL_STATS", C, 0 },
  [PROTO_CTL_ADD] = { "CTL_ADD", C, -1 },
  [PROTO_CTL_REMOVE] = { "CTL_REMOVE", C, 0 },
  [PROTO_CTL_FREEZE] = { "CTL_FREEZE", C, 4 },
  [PROTO_CTL_PS] = { "CTL_PS", C, 0 },
};

#undef G
#undef H
#undef C

const char *
proto_type_name (uint32_t type)
{
  if (type >= PROTO_TYPE_MAX || types[type].name == NULL)
    return "UNKNOWN";
  return types[type].name;
}

int
proto_check_header (uint32_t type, uint32_t id, uint32_t len, enum proto_peer from,
                    silo_error_t *err)
{
  const struct type_info *t;

  if (type >= PROTO_TYPE_MAX || types[type].name == NULL)
    return silo_make_error (err, 0, "agent protocol: unknown message type %u", type);
  t = &types[type];
  if (! (t->from_mask & (1u << from)))
    return silo_make_error (err, 0, "agent protocol: unexpected %s message from the %s", t->name,
                            from == PROTO_FROM_GUEST ? "guest" : from == PROTO_FROM_HOST ? "host"
                                                                                      : "client");
  if (len > PROTO_MAX_PAYLOAD)
    return silo_make_error (err, 0, "agent protocol: %s message of %u bytes exceeds %u", t->name,
                            len, PROTO_MAX_PAYLOAD);
  if (t->fixed_len >= 0 && len != (uint32_t) t->fixed_len)
    return silo_make_error (err, 0, "agent protocol: %s message must be %d bytes, got %u",
                            t->name, t->fixed_len, len);
  if (id > 0xffff)
    return silo_make_error (err, 0, "agent protocol: %s message: process id %u out of range",
                            t->name, id);
  return 0;
}

static uint32_t
get_u32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, sizeof (v));
  return le32toh (v);
}

static void
put_u32 (uint8_t *p, uint32_t v)
{
  v = htole32 (v);
  memcpy (p, &v, sizeof (v));
}

void
proto_encode_header (uint8_t *out, uint32_t type, uint32_t id, uint32_t len)
{
  put_u32 (out, type);
  put_u32 (out + 4, id);
  put_u32 (out + 8, len);
}

/* Fixed payloads whose values the receiver must range-check. */
static int
check_payload (const struct proto_msg *m, silo_error_t *err)
{
  struct proto_exit e;
  struct proto_signal s;
  size_t i;

  switch (m->type)
    {
    case PROTO_EXIT:
      proto_get_exit (m, &e);
      if (e.signal > 64 || (e.signal == 0 && e.code > 255) || (e.signal && e.code))
        return silo_make_error (err, 0, "agent protocol: EXIT: invalid status %u/%u", e.code,
                                e.signal);
      return 0;
    case PROTO_SIGNAL:
    case PROTO_CTL_KILL:
      proto_get_signal (m, &s);
      if (s.signo < 1 || s.signo > 64 || s.all > 1)
        return silo_make_error (err, 0, "agent protocol: %s: invalid signal %u", proto_type_name (m->type),
                                s.signo);
      return 0;
    case PROTO_FREEZE:
    case PROTO_CTL_FREEZE:
      if (proto_get_credit (m) > 1)
        return silo_make_error (err, 0, "agent protocol: %s: %u is not 0 or 1",
                                proto_type_name (m->type), proto_get_credit (m));
      return 0;
    case PROTO_CREDIT:
      /* The host never has more than the window in flight. */
      if (proto_get_credit (m) == 0 || proto_get_credit (m) > PROTO_WINDOW)
        return silo_make_error (err, 0, "agent protocol: CREDIT of %u bytes exceeds the window (%u)",
                                proto_get_credit (m), PROTO_WINDOW);
      return 0;
    case PROTO_ERROR:
      /* Messages end up on a terminal: keep them printable. */
      for (i = 0; i < m->len; i++)
        if (m->data[i] < 0x20 || m->data[i] == 0x7f)
          m->data[i] = '?';
      return 0;
    default:
      return 0;
    }
}

void
proto_reader_init (struct proto_reader *r, int fd, enum proto_peer from)
{
  memset (r, 0, sizeof (*r));
  r->fd = fd;
  r->from = from;
}

void
proto_reader_release (struct proto_reader *r)
{
  free (r->buf);
  r->buf = NULL;
  r->have = r->cap = 0;
}

int
proto_reader_fill (struct proto_reader *r)
{
  ssize_t n;

  if (r->cap - r->have < 4096)
    {
      size_t want = r->cap ? r->cap * 2 : 16384;
      if (want > PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD + 1 + 4096)
        want = PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD + 1 + 4096;
      if (want > r->cap)
        {
          r->buf = xrealloc (r->buf, want);
          r->cap = want;
        }
    }
  n = TEMP_FAILURE_RETRY (read (r->fd, r->buf + r->have, r->cap - r->have - 1));
  if (n < 0)
    return -1;
  if (n == 0)
    r->eof = true;
  r->have += n;
  return 0;
}

int
proto_reader_next (struct proto_reader *r, struct proto_msg *m, silo_error_t *err)
{
  uint32_t type, id, len;
  size_t frame;
  int ret;

  if (r->have < PROTO_HDR_SIZE)
    goto need_more;
  type = get_u32 (r->buf);
  id = get_u32 (r->buf + 4);
  len = get_u32 (r->buf + 8);
  ret = proto_check_header (type, id, len, r->from, err);
  if (ret < 0)
    return ret;
  frame = PROTO_HDR_SIZE + (size_t) len;
  if (r->have < frame)
    goto need_more;
  /* The payload gets its own allocation so the buffer is compacted now. */
  m->type = type;
  m->id = id;
  m->len = len;
  m->data = xmalloc (len + 1);
  memcpy (m->data, r->buf + PROTO_HDR_SIZE, len);
  m->data[len] = 0;
  memmove (r->buf, r->buf + frame, r->have - frame);
  r->have -= frame;
  ret = check_payload (m, err);
  if (ret < 0)
    {
      free (m->data);
      m->data = NULL;
      return ret;
    }
  return 1;

need_more:
  if (r->eof && r->have > 0)
    return silo_make_error (err, 0, "agent protocol: stream ended inside a frame (%zu bytes)",
                            r->have);
  return 0;
}

int
proto_recv (struct proto_reader *r, struct proto_msg *m, int timeout_ms, silo_error_t *err)
{
  unsigned long long deadline = now_ns () + (unsigned long long) timeout_ms * 1000000ULL;
  struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
  int ret, wait;

  for (;;)
    {
      ret = proto_reader_next (r, m, err);
      if (ret != 0)
        return ret;
      if (r->eof)
        return silo_make_error (err, 0, "agent protocol: connection closed");
      wait = -1;
      if (timeout_ms >= 0)
        {
          unsigned long long now = now_ns ();
          if (now >= deadline)
            return silo_make_error (err, ETIMEDOUT, "agent protocol: no message");
          wait = (int) ((deadline - now) / 1000000ULL) + 1;
        }
      ret = TEMP_FAILURE_RETRY (poll (&pfd, 1, wait));
      if (ret < 0)
        return silo_make_error (err, errno, "agent protocol: poll");
      if (ret == 0)
        continue;
      if (proto_reader_fill (r) < 0 && errno != EAGAIN)
        return silo_make_error (err, errno, "agent protocol: read");
    }
}

int
proto_send (int fd, uint32_t type, uint32_t id, const void *data, size_t len, silo_error_t *err)
{
  uint8_t hdr[PROTO_HDR_SIZE];

  if (len > PROTO_MAX_PAYLOAD)
    return silo_make_error (err, EMSGSIZE, "agent protocol: send %s", proto_type_name (type));
  proto_encode_header (hdr, type, id, (uint32_t) len);
  if (write_all (fd, hdr, sizeof (hdr)) < 0 || (len && write_all (fd, data, len) < 0))
    return silo_make_error (err, errno, "agent protocol: send %s", proto_type_name (type));
  return 0;
}

int
proto_send_str (int fd, uint32_t type, uint32_t id, const char *s, silo_error_t *err)
{
  return proto_send (fd, type, id, s, s ? strlen (s) : 0, err);
}

int
proto_send_exit (int fd, uint32_t id, uint32_t code, uint32_t signal, silo_error_t *err)
{
  uint8_t p[8];
  put_u32 (p, code);
  put_u32 (p + 4, signal);
  return proto_send (fd, PROTO_EXIT, id, p, sizeof (p), err);
}

int
proto_send_signal (int fd, uint32_t type, uint32_t id, int signo, bool all, silo_error_t *err)
{
  uint8_t p[8];
  put_u32 (p, (uint32_t) signo);
  put_u32 (p + 4, all ? 1 : 0);
  return proto_send (fd, type, id, p, sizeof (p), err);
}

void
proto_encode_resize (uint8_t *out, unsigned rows, unsigned cols)
{
  uint16_t r = htole16 ((uint16_t) rows), c = htole16 ((uint16_t) cols);
  memcpy (out, &r, 2);
  memcpy (out + 2, &c, 2);
}

int
proto_send_resize (int fd, uint32_t id, unsigned rows, unsigned cols, silo_error_t *err)
{
  uint8_t p[4];
  proto_encode_resize (p, rows, cols);
  return proto_send (fd, PROTO_RESIZE, id, p, sizeof (p), err);
}

int
proto_send_credit (int fd, uint32_t bytes, silo_error_t *err)
{
  uint8_t p[4];
  put_u32 (p, bytes);
  return proto_send (fd, PROTO_CREDIT, PROTO_ID_AGENT, p, sizeof (p), err);
}

void
proto_get_exit (const struct proto_msg *m, struct proto_exit *out)
{
  out->code = get_u32 (m->data);
  out->signal = get_u32 (m->data + 4);
}

void
proto_get_signal (const struct proto_msg *m, struct proto_signal *out)
{
  out->signo = get_u32 (m->data);
  out->all = get_u32 (m->data + 4);
}

void
proto_get_resize (const struct proto_msg *m, struct proto_resize *out)
{
  uint16_t r, c;
  memcpy (&r, m->data, 2);
  memcpy (&c, m->data + 2, 2);
  out->rows = le16toh (r);
  out->cols = le16toh (c);
}

uint32_t
proto_get_credit (const struct proto_msg *m)
{
  return get_u32 (m->data);
}

int
proto_exit_status (const struct proto_exit *e)
{
  return e->signal ? 128 + (int) e->signal : (int) e->code;
}

void
proto_msg_release (struct proto_msg *m)
{
  free (m->data);
  m->data = NULL;
}

/* --- outgoing queue --- */

void
proto_outq_init (struct proto_outq *q, int fd, size_t window)
{
  memset (q, 0, sizeof (*q));
  q->fd = fd;
  q->window = window;
}

void
proto_outq_release (struct proto_outq *q)
{
  free (q->buf);
  q->buf = NULL;
  q->off = q->len = q->cap = 0;
}

size_t
proto_outq_queued (const struct proto_outq *q)
{
  return q->len - q->off;
}

/* Room for `more` bytes; sent bytes at the front are dropped first. */
static void
outq_reserve (struct proto_outq *q, size_t more)
{
  if (q->off > 0)
    {
      memmove (q->buf, q->buf + q->off, q->len - q->off);
      q->len -= q->off;
      q->off = 0;
    }
  if (q->len + more > q->cap)
    {
      q->cap = q->len + more > 2 * q->cap ? q->len + more : 2 * q->cap;
      q->buf = xrealloc (q->buf, q->cap);
    }
}

int
proto_outq_push (struct proto_outq *q, uint32_t type, uint32_t id, const void *data,
                 size_t len, silo_error_t *err)
{
  if (len > PROTO_MAX_PAYLOAD)
    return silo_make_error (err, EMSGSIZE, "agent protocol: send %s", proto_type_name (type));
  outq_reserve (q, PROTO_HDR_SIZE + len);
  proto_encode_header (q->buf + q->len, type, id, (uint32_t) len);
  if (len)
    memcpy (q->buf + q->len + PROTO_HDR_SIZE, data, len);
  q->len += PROTO_HDR_SIZE + len;
  return 0;
}

int
proto_outq_flush (struct proto_outq *q, silo_error_t *err)
{
  size_t n = proto_outq_queued (q);

  if (q->window && n > q->window - q->in_flight)
    n = q->window - q->in_flight;
  if (n == 0)
    return 0;
  /* One write per flush: a single socket buffer entry, never a frame
   * interleaved with another writer (there is none). */
  if (write_all (q->fd, q->buf + q->off, n) < 0)
    return silo_make_error (err, errno, "agent protocol: send");
  q->off += n;
  if (q->window)
    q->in_flight += n;
  if (q->off == q->len)
    q->off = q->len = 0;
  return 0;
}

int
proto_outq_credit (struct proto_outq *q, uint32_t bytes, silo_error_t *err)
{
  if (bytes == 0 || bytes > q->in_flight)
    return silo_make_error (err, 0, "agent protocol: CREDIT of %u bytes exceeds the %zu in flight",
                            bytes, q->in_flight);
  q->in_flight -= bytes;
  return 0;
}

/* --- STATS: the counters of struct cg_stats as a JSON object --- */

#define STATS_FIELDS(X)                                                                           \
  X (cpu_usage_ns) X (cpu_user_ns) X (cpu_system_ns) X (mem_usage) X (mem_limit)                  \
  X (mem_max_usage) X (mem_failcnt) X (mem_cache) X (swap_usage) X (swap_limit)                   \
  X (pids_current) X (pids_limit) X (oom_kill_count) X (blkio_read_bytes) X (blkio_write_bytes)

char *
proto_stats_encode (const struct cg_stats *s)
{
  json_t *o = json_object ();
  char *text;

#define X(f) json_object_set_new (o, #f, json_integer ((json_int_t) (s->f > INT64_MAX ? INT64_MAX : s->f)));
  STATS_FIELDS (X)
#undef X
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return text;
}

int
proto_stats_decode (const char *text, size_t len, struct cg_stats *s, silo_error_t *err)
{
  json_t *o = json_loadb (text, len, 0, NULL), *v;

  memset (s, 0, sizeof (*s));
  if (!json_is_object (o))
    {
      json_decref (o);
      return silo_make_error (err, 0, "agent protocol: STATS: not a JSON object");
    }
#define X(f)                                                                                      \
  v = json_object_get (o, #f);                                                                    \
  if (v && json_is_integer (v) && json_integer_value (v) >= 0)                                    \
    s->f = (uint64_t) json_integer_value (v);
  STATS_FIELDS (X)
#undef X
  json_decref (o);
  return 0;
}

/* --- ADD --- */

static bool
member_dir_ok (const char *dir)
{
  const char *name = strncmp (dir, "pod/", 4) == 0 ? dir + 4 : NULL;

  if (name == NULL || *name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0
      || strlen (name) > 255)
    return false;
  for (; *name; name++)
    if (!(isalnum ((unsigned char) *name) || strchr ("_.+-", *name)))
      return false;
  return true;
}

void
proto_shm_put (json_t *payload, const struct proto_shm *s)
{
  if (s->set)
    json_object_set_new (payload, "shm",
                         json_pack ("{s:I, s:s, s:I, s:I}", "mount", (json_int_t) s->mount, "key",
                                    s->key, "size", (json_int_t) s->size, "mode",
                                    (json_int_t) s->mode));
}

static bool
shm_key_ok (const char *key)
{
  size_t n = strlen (key);

  return n > 0 && n < PROTO_SHM_KEY_MAX && strspn (key, "0123456789:") == n;
}

int
proto_shm_get (json_t *payload, struct proto_shm *out, silo_error_t *err)
{
  json_t *o = json_object_get (payload, "shm"), *mount, *key, *size, *mode;

  *out = (struct proto_shm){ .set = false };
  if (o == NULL)
    return 0;
  mount = json_object_get (o, "mount"), key = json_object_get (o, "key");
  size = json_object_get (o, "size"), mode = json_object_get (o, "mode");
  if (!json_is_integer (mount) || json_integer_value (mount) < 0
      || json_integer_value (mount) > 65535 || !json_is_string (key)
      || !shm_key_ok (json_string_value (key)) || !json_is_integer (size)
      || json_integer_value (size) < 0 || !json_is_integer (mode)
      || json_integer_value (mode) < 0 || json_integer_value (mode) > 07777)
    return silo_make_error (err, 0, "shm: must be {\"mount\": 0..65535, \"key\": [0-9:]+, "
                                    "\"size\": bytes, \"mode\": 0..07777}");
  *out = (struct proto_shm){ .set = true,
                             .mount = (size_t) json_integer_value (mount),
                             .size = (uint64_t) json_integer_value (size),
                             .mode = (uint32_t) json_integer_value (mode) };
  snprintf (out->key, sizeof (out->key), "%s", json_string_value (key));
  return 0;
}

int
proto_add_decode (const char *data, size_t len, char **config, char **dir, unsigned *news,
                  struct proto_shm *shm, silo_error_t *err)
{
  json_t *root = json_loadb (data, len, 0, NULL);
  json_t *text = json_object_get (root, "config"), *d = json_object_get (root, "dir");
  json_t *arr = json_object_get (root, "new"), *v;
  size_t i;
  int ret = 0;

  *news = 0;
  if (!json_is_string (text) || !json_is_string (d) || (arr && !json_is_array (arr)))
    ret = silo_make_error (err, 0, "ADD: payload must be {\"config\": string, \"dir\": string, "
                                   "\"new\": array}");
  else if (!member_dir_ok (json_string_value (d)))
    ret = silo_make_error (err, 0, "ADD: dir: not pod/NAME");
  json_array_foreach (arr, i, v)
    {
      const char *n = json_string_value (v);
      if (ret < 0)
        break;
      if (n && strcmp (n, "pid") == 0)
        *news |= PROTO_NEW_PID;
      else if (n && strcmp (n, "ipc") == 0)
        *news |= PROTO_NEW_IPC;
      else if (n && strcmp (n, "uts") == 0)
        *news |= PROTO_NEW_UTS;
      else
        ret = silo_make_error (err, 0, "ADD: new[%zu]: not \"pid\", \"ipc\" or \"uts\"", i);
    }
  if (ret == 0)
    ret = proto_shm_get (root, shm, err);
  if (ret == 0)
    {
      *config = xstrdup (json_string_value (text));
      *dir = xstrdup (json_string_value (d));
    }
  json_decref (root);
  return ret;
}
