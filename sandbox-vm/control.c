/* Client side of the monitor's control socket: short-lived silo processes
 * (start, kill, state, exec) talk to the monitor through
 * <state_dir>/sandbox.sock, addressed through /proc/self/fd so that long
 * state paths fit in sun_path. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"

#define CTL_TIMEOUT_MS 15000

/* A pod member's id in its pod's monitor (the member file), or 0. */
static uint32_t
member_id (int dirfd)
{
  cleanup_free char *text = NULL;
  silo_error_t none = NULL;
  json_t *o;
  uint32_t id = 0;

  if (read_file_at (dirfd, SANDBOX_MEMBER, &text, &none) < 0)
    {
      silo_error_release (&none); /* no member file: the sandbox's own container */
      return 0;
    }
  o = json_loads (text, 0, NULL);
  if (json_is_string (json_object_get (o, "id")))
    id = (uint32_t) strtoul (json_string_value (json_object_get (o, "id")), NULL, 10);
  json_decref (o);
  return id;
}

int
sandbox_ctl_connect (const char *state_dir, uint32_t *id, silo_error_t *err)
{
  cleanup_close int dirfd = open (state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char path[64];
  int fd;

  if (dirfd < 0)
    return silo_make_error (err, errno, "open `%s`", state_dir);
  snprintf (path, sizeof (path), "/proc/self/fd/%d/" SANDBOX_SOCK, dirfd);
  fd = unix_connect (path, err);
  if (fd < 0)
    return silo_error_wrap (err, "connect to the sandbox monitor (%s/" SANDBOX_SOCK ")",
                            state_dir);
  if (id)
    *id = member_id (dirfd);
  return fd;
}

int
sandbox_ctl_request (struct proto_reader *r, uint32_t type, uint32_t id, const void *data,
                     size_t len, char **reply, silo_error_t *err)
{
  struct proto_msg m = { 0 };
  int ret;

  ret = proto_send (r->fd, type, id, data, len, err);
  if (ret < 0)
    return ret;
  ret = proto_recv (r, &m, CTL_TIMEOUT_MS, err);
  if (ret < 0)
    return silo_error_wrap (err, "sandbox monitor");
  if (m.type == PROTO_ERROR)
    ret = silo_make_error (err, 0, "%s", (char *) m.data);
  else if (m.type != PROTO_OK)
    ret = silo_make_error (err, 0, "sandbox monitor: unexpected %s reply",
                           proto_type_name (m.type));
  else if (reply)
    *reply = (char *) steal_pointer (&m.data);
  proto_msg_release (&m);
  return ret < 0 ? ret : 0;
}

int
sandbox_ctl_simple (const char *state_dir, uint32_t type, const void *data, size_t len,
                    char **reply, silo_error_t *err)
{
  uint32_t id = 0;
  cleanup_close int fd = sandbox_ctl_connect (state_dir, &id, err);
  struct proto_reader r;
  int ret;

  if (fd < 0)
    return -1;
  proto_reader_init (&r, fd, PROTO_FROM_GUEST);
  ret = sandbox_ctl_request (&r, type, id, data, len, reply, err);
  proto_reader_release (&r);
  return ret;
}

int
sandbox_start (const char *state_dir, const char *state_json, silo_error_t *err)
{
  return sandbox_ctl_simple (state_dir, PROTO_CTL_START, state_json, strlen (state_json), NULL, err);
}

int
sandbox_kill (const char *state_dir, int sig, bool all, silo_error_t *err)
{
  uint8_t p[8];
  uint32_t s = htole32 ((uint32_t) sig), a = htole32 (all ? 1 : 0);

  if (sig < 1 || sig > 64)
    return silo_make_error (err, EINVAL, "signal %d", sig);
  memcpy (p, &s, 4);
  memcpy (p + 4, &a, 4);
  return sandbox_ctl_simple (state_dir, PROTO_CTL_KILL, p, sizeof (p), NULL, err);
}

int
sandbox_update (const char *state_dir, const struct oci_resources *r, silo_error_t *err)
{
  json_t *o = json_object ();
  char *text;
  int ret;

  if (r->memory.limit.set)
    json_object_set_new (o, "memory", json_pack ("{s:I}", "limit", (json_int_t) r->memory.limit.value));
  if (r->pids_limit.set)
    json_object_set_new (o, "pids", json_pack ("{s:I}", "limit", (json_int_t) r->pids_limit.value));
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  if (text == NULL)
    return silo_make_error (err, ENOMEM, "update");
  ret = sandbox_ctl_simple (state_dir, PROTO_CTL_UPDATE, text, strlen (text), NULL, err);
  free (text);
  return ret;
}

int
sandbox_stats (const char *state_dir, struct cg_stats *out, silo_error_t *err)
{
  cleanup_free char *text = NULL;

  if (sandbox_ctl_simple (state_dir, PROTO_CTL_STATS, NULL, 0, &text, err) < 0)
    return -1;
  return proto_stats_decode (text, strlen (text), out, err);
}

int
sandbox_is_started (const char *state_dir, bool *started, silo_error_t *err)
{
  cleanup_free char *state = NULL;

  if (sandbox_ctl_simple (state_dir, PROTO_CTL_STATE, NULL, 0, &state, err) < 0)
    return -1;
  *started = strcmp (state, "created") != 0;
  return 0;
}

int
sandbox_pause (const char *state_dir, bool pause, silo_error_t *err)
{
  uint32_t le = htole32 (pause ? 1 : 0), id = 0;
  cleanup_close int fd = -1;

  /* The pod's own container: the host's freezer stops the whole VM. */
  fd = sandbox_ctl_connect (state_dir, &id, err);
  if (fd < 0 || id == 0)
    return fd < 0 ? -1 : 0;
  return sandbox_ctl_simple (state_dir, PROTO_CTL_FREEZE, &le, sizeof (le), NULL, err);
}

int
sandbox_ps (const char *state_dir, struct sandbox_proc **out, size_t *n, silo_error_t *err)
{
  cleanup_free char *text = NULL;
  json_t *answer, *list, *e;
  size_t i;

  *out = NULL;
  *n = 0;
  if (sandbox_ctl_simple (state_dir, PROTO_CTL_PS, NULL, 0, &text, err) < 0)
    return -1;
  answer = json_loads (text, 0, NULL);
  list = json_object_get (answer, "procs");
  if (!json_is_array (list))
    {
      json_decref (answer);
      return silo_make_error (err, 0, "sandbox: PS: no list of processes");
    }
  *out = xmalloc0 ((json_array_size (list) + 1) * sizeof (**out));
  json_array_foreach (list, i, e)
    {
      const char *cmd = json_string_value (json_object_get (e, "cmd"));
      (*out)[i] = (struct sandbox_proc){
        .pid = (pid_t) json_integer_value (json_object_get (e, "pid")),
        .ppid = (pid_t) json_integer_value (json_object_get (e, "ppid")),
        .uid = (uid_t) json_integer_value (json_object_get (e, "uid")),
        .cmd = xstrdup (cmd ? cmd : ""),
      };
    }
  *n = json_array_size (list);
  json_decref (answer);
  return 0;
}
