/* libFuzzer harness: the host<->agent protocol (sandbox-vm/protocol.c) and
 * what each side does with a payload. Input: one byte naming the sender
 * (0 guest, 1 host, 2 control client, modulo 3), then the byte stream. The
 * receiver decodes frames until the stream ends or is refused, and parses
 * each payload as its real reader does: EXIT/SIGNAL/RESIZE/CREDIT/FREEZE
 * values, CREATE's config, EXEC's and EXEC_IN's process JSON, ADD's
 * member (the agent's side). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"
#include "sandbox-vm/protocol.h"
#include "util/utils.h"

static void
parse_json_payload (const struct proto_msg *m)
{
  silo_error_t err = NULL;
  struct oci_process *p = NULL;
  struct oci_config *cfg = NULL;
  json_t *root, *text;

  if (m->type == PROTO_EXEC || m->type == PROTO_CTL_EXEC || m->type == PROTO_EXEC_IN)
    {
      const char *json = (const char *) m->data;
      if (m->type == PROTO_EXEC_IN && m->len < 4)
        return;
      if (m->type == PROTO_EXEC_IN)
        json += 4; /* the container's id first */
      if (oci_process_parse (json, "process", &p, &err) == 0)
        oci_process_free (p);
      silo_error_release (&err);
      return;
    }
  if (m->type == PROTO_ADD || m->type == PROTO_CTL_ADD)
    {
      char *text = NULL, *dir = NULL;
      struct proto_shm shm;
      unsigned news;
      if (proto_add_decode ((const char *) m->data, m->len, &text, &dir, &news, &shm, &err) == 0)
        {
          if (strncmp (dir, "pod/", 4) != 0 || strchr (dir + 4, '/') || strcmp (dir + 4, "..") == 0
              || strcmp (dir + 4, ".") == 0
              || news > (PROTO_NEW_PID | PROTO_NEW_IPC | PROTO_NEW_UTS))
            abort (); /* a member's tree outside pod/, or flags it never asked for */
          if (shm.set && (shm.key[0] == '\0' || strspn (shm.key, "0123456789:") != strlen (shm.key)))
            abort (); /* a guest tmpfs named outside its directory */
          if (oci_config_parse (text, "config.json", &cfg, &err) == 0)
            oci_config_free (cfg);
        }
      silo_error_release (&err);
      free (text);
      free (dir);
      return;
    }
  /* CREATE, as the agent's do_create reads it. */
  root = json_loadb ((const char *) m->data, m->len, 0, NULL);
  text = root ? json_object_get (root, "config") : NULL;
  {
    struct proto_shm shm;
    if (root && proto_shm_get (root, &shm, &err) == 0 && shm.set
        && strspn (shm.key, "0123456789:") != strlen (shm.key))
      abort ();
    silo_error_release (&err);
  }
  if (json_is_string (text) && oci_config_parse (json_string_value (text), "config.json", &cfg, &err) == 0)
    oci_config_free (cfg);
  silo_error_release (&err);
  json_decref (root);
}

static void
consume (struct proto_outq *q, const struct proto_msg *m)
{
  silo_error_t err = NULL;
  struct proto_exit e;
  struct proto_signal s;
  struct proto_resize r;

  if (strlen (proto_type_name (m->type)) == 0 || m->data[m->len] != 0)
    abort ();
  switch (m->type)
    {
    case PROTO_EXIT:
      proto_get_exit (m, &e);
      if (proto_exit_status (&e) < 0 || proto_exit_status (&e) > 255)
        abort (); /* check_payload let an impossible status through */
      break;
    case PROTO_SIGNAL:
    case PROTO_CTL_KILL:
      proto_get_signal (m, &s);
      if (s.signo < 1 || s.signo > 64)
        abort ();
      break;
    case PROTO_RESIZE:
      proto_get_resize (m, &r);
      break;
    case PROTO_CREDIT:
      if (proto_outq_credit (q, proto_get_credit (m), &err) < 0)
        silo_error_release (&err);
      break;
    case PROTO_FREEZE:
    case PROTO_CTL_FREEZE:
      if (proto_get_credit (m) > 1)
        abort (); /* check_payload let a value other than 0 or 1 through */
      break;
    case PROTO_CREATE:
    case PROTO_EXEC:
    case PROTO_CTL_EXEC:
    case PROTO_EXEC_IN:
    case PROTO_ADD:
    case PROTO_CTL_ADD:
      parse_json_payload (m);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  silo_error_t err = NULL;
  struct proto_reader r;
  struct proto_outq q;
  struct proto_msg m;
  int ret;

  if (size < 1)
    return 0;
  proto_reader_init (&r, -1, (enum proto_peer) (data[0] % 3));
  r.buf = xmalloc (size);
  memcpy (r.buf, data + 1, size - 1);
  r.have = size - 1, r.cap = size, r.eof = true;
  proto_outq_init (&q, -1, PROTO_WINDOW);
  q.in_flight = PROTO_WINDOW; /* credit is due for a full window */
  while ((ret = proto_reader_next (&r, &m, &err)) > 0)
    {
      consume (&q, &m);
      proto_msg_release (&m);
    }
  silo_error_release (&err);
  proto_outq_release (&q);
  proto_reader_release (&r);
  return 0;
}
