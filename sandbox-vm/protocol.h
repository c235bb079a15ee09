/* The host<->agent protocol (docs/agent-protocol.md): framed messages over a
 * byte stream. Every frame is a 12-byte header (type, process id, payload
 * length; little-endian u32 each) followed by `len` payload bytes. The same
 * framing carries the control requests between short-lived silo processes
 * and the sandbox monitor (<state_dir>/sandbox.sock).
 *
 * The receiving side validates every field: unknown types, lengths over
 * PROTO_MAX_PAYLOAD, wrong fixed-size payloads and types that the sender may
 * not send are all rejected before the payload is looked at. */
#ifndef SILO_SANDBOX_PROTOCOL_H
#define SILO_SANDBOX_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

#define PROTO_VERSION 1
#define PROTO_HDR_SIZE 12
#define PROTO_MAX_PAYLOAD (1024 * 1024)

/* Host -> agent flow control (docs/agent-protocol.md, "Flow control"): the
 * host keeps at most PROTO_WINDOW bytes (headers included, counted on the
 * wire) that the agent has not returned as CREDIT. UML's serial line has no
 * working flow control and drops what does not fit the guest tty's 4 KiB
 * receive buffer, so the window stays well under it. The agent returns
 * credit once it has read PROTO_CREDIT_BATCH bytes, and whatever it has read
 * whenever it is about to wait, so a window never stays half used. */
#define PROTO_WINDOW 2048
#define PROTO_CREDIT_BATCH 1024

/* Process ids: 0 = the agent itself (CREATE), 1 = the container's main
 * process, 2.. = exec processes (chosen by the host). */
#define PROTO_ID_AGENT 0
#define PROTO_ID_MAIN 1

enum proto_type
{
  /* guest -> host */
  PROTO_READY = 1,   /* u32 version */
  PROTO_OK,          /* request `id` done; payload: optional text */
  PROTO_ERROR,       /* request or process `id` failed; payload: message */
  PROTO_STDOUT,      /* data of process `id` */
  PROTO_STDERR,      /* data of process `id` */
  PROTO_EXIT,        /* struct proto_exit */
  PROTO_CREDIT,      /* u32: bytes of the host's stream the agent has read */
  /* host -> guest */
  PROTO_CREATE = 16, /* JSON: {"config": "<config.json text>", "binds": n} */
  PROTO_START,       /* run the prepared main process; payload: the OCI state JSON
                      * for its startContainer hooks (may be empty) */
  PROTO_EXEC,        /* process JSON (OCI process object) for new `id` */
  PROTO_STDIN,       /* data for process `id` */
  PROTO_STDIN_CLOSE, /* close stdin of process `id` */
  PROTO_SIGNAL,      /* struct proto_signal */
  PROTO_RESIZE,      /* struct proto_resize */
  PROTO_UPDATE,      /* JSON: {"memory": {"limit": N}, "pids": {"limit": N}}, either optional:
                        new limits for the container's cgroup in the guest */
  PROTO_STATS,       /* empty; answered OK with the container cgroup's counters (proto_stats_*) */
  /* A pod (docs/sandbox.md, "Pods"): more containers in the same guest. A
   * member is named by its main process's id (> PROTO_ID_MAIN, chosen by
   * the host like an exec id); START, SIGNAL, UPDATE and STATS with that id
   * act on it, PROTO_ID_AGENT and PROTO_ID_MAIN on the first container. */
  PROTO_ADD,         /* JSON {"config": "<config.json text>", "dir": "pod/<name>"}: a member
                      * whose tree (rootfs/, binds/N) is <share>/<dir>, its main process `id`
                      * prepared, not started */
  PROTO_EXEC_IN,     /* u32 container (its main id) + process JSON: EXEC in that container */
  PROTO_REMOVE,      /* empty: member `id`'s processes killed, its cgroup removed */
  PROTO_FREEZE,      /* u32 1 (freeze) or 0 (thaw): member `id`'s cgroup */
  PROTO_PS,          /* empty; answered OK with container `id`'s processes: JSON
                      * {"btime", "hz", "procs": [{"pid", "ppid", "uid", "cmd", ...}]},
                      * pids as the container sees them (agent.c's ps_entry, and
                      * monitor/proclist.c, which checks each field) */
  /* silo CLI -> monitor (control socket only). The frame's id names the
   * container: 0 the sandbox's own, else a member's (its main id). */
  PROTO_CTL_START = 32, /* start the workload; payload as PROTO_START's */
  PROTO_CTL_KILL,       /* struct proto_signal (id ignored) */
  PROTO_CTL_EXEC,       /* process JSON; the connection then carries its stdio */
  PROTO_CTL_STATE,      /* reply OK with "created" or "running" */
  PROTO_CTL_UPDATE,     /* payload as PROTO_UPDATE's */
  PROTO_CTL_STATS,      /* empty; reply as PROTO_STATS's */
  PROTO_CTL_ADD,        /* payload as PROTO_ADD's; reply OK with the member's id (decimal);
                         * the connection then carries its main process's stdio and EXIT */
  PROTO_CTL_REMOVE,     /* empty: PROTO_REMOVE of member `id` */
  PROTO_CTL_FREEZE,     /* payload as PROTO_FREEZE's, for member `id` */
  PROTO_CTL_PS,         /* empty; reply as PROTO_PS's */
  PROTO_TYPE_MAX,
};

/* Who sent a frame: decides which types are accepted. */
enum proto_peer
{
  PROTO_FROM_GUEST,
  PROTO_FROM_HOST,
  PROTO_FROM_CLIENT, /* control socket: CTL_* plus STDIN/STDIN_CLOSE/RESIZE */
};

struct proto_exit
{
  uint32_t code;   /* exit code 0..255, when signal == 0 */
  uint32_t signal; /* terminating signal 1..64, or 0 */
};

struct proto_signal
{
  uint32_t signo; /* 1..64 */
  uint32_t all;   /* 0 or 1 */
};

struct proto_resize
{
  uint16_t rows;
  uint16_t cols;
};

struct proto_msg
{
  uint32_t type;
  uint32_t id;
  uint32_t len;
  uint8_t *data; /* len bytes plus a NUL; release with proto_msg_release */
};

/* Incremental frame decoder over a (possibly non-blocking) fd. */
struct proto_reader
{
  int fd;
  enum proto_peer from;
  uint8_t *buf;
  size_t have;
  size_t cap;
  bool eof;
};

void proto_reader_init (struct proto_reader *r, int fd, enum proto_peer from);
void proto_reader_release (struct proto_reader *r);
/* Read what the fd has (one read). 0 on data or EOF (r->eof), -1 with errno
 * (EAGAIN included) otherwise. */
int proto_reader_fill (struct proto_reader *r);
/* Take the next complete frame: 1 with *m filled, 0 when more bytes are
 * needed, negative with *err on a malformed frame (the stream is then
 * unusable). At EOF with a partial frame buffered, fails as truncated. */
int proto_reader_next (struct proto_reader *r, struct proto_msg *m, silo_error_t *err);
/* Block until one frame arrives or `timeout_ms` passes (-1 = forever). */
int proto_recv (struct proto_reader *r, struct proto_msg *m, int timeout_ms, silo_error_t *err);

/* Validate a header against its sender before the payload is read. */
int proto_check_header (uint32_t type, uint32_t id, uint32_t len, enum proto_peer from,
                        silo_error_t *err);

/* Encode the header into out[PROTO_HDR_SIZE]. */
void proto_encode_header (uint8_t *out, uint32_t type, uint32_t id, uint32_t len);
/* Write one frame (blocking, retries short writes). */
int proto_send (int fd, uint32_t type, uint32_t id, const void *data, size_t len,
                silo_error_t *err);
int proto_send_str (int fd, uint32_t type, uint32_t id, const char *s, silo_error_t *err);
int proto_send_exit (int fd, uint32_t id, uint32_t code, uint32_t signal, silo_error_t *err);
int proto_send_signal (int fd, uint32_t type, uint32_t id, int signo, bool all,
                       silo_error_t *err);
int proto_send_resize (int fd, uint32_t id, unsigned rows, unsigned cols, silo_error_t *err);
int proto_send_credit (int fd, uint32_t bytes, silo_error_t *err);
/* The 4-byte RESIZE payload. */
void proto_encode_resize (uint8_t *out, unsigned rows, unsigned cols);

/* Outgoing byte queue with a credit window: frames are queued whole and
 * written as far as the window allows, so a frame larger than the window
 * crosses in pieces (the framing is unchanged; only the pace is). Writes are
 * blocking but never wait in practice: the peer's socket never holds more
 * than the window. window == 0 means no flow control (control sockets). */
struct proto_outq
{
  int fd;
  uint8_t *buf; /* unsent bytes are buf[off, len) */
  size_t off, len, cap;
  size_t window;
  size_t in_flight; /* written and not yet credited */
};

void proto_outq_init (struct proto_outq *q, int fd, size_t window);
void proto_outq_release (struct proto_outq *q);
/* Queue one frame; nothing is written until proto_outq_flush. */
int proto_outq_push (struct proto_outq *q, uint32_t type, uint32_t id, const void *data,
                     size_t len, silo_error_t *err);
/* Write what the window allows. */
int proto_outq_flush (struct proto_outq *q, silo_error_t *err);
/* The peer read `bytes` more: more than is in flight is a protocol error. */
int proto_outq_credit (struct proto_outq *q, uint32_t bytes, silo_error_t *err);
/* Bytes queued and not yet written. */
size_t proto_outq_queued (const struct proto_outq *q);

/* Decode fixed payloads (the header check guarantees the length). */
void proto_get_exit (const struct proto_msg *m, struct proto_exit *out);
void proto_get_signal (const struct proto_msg *m, struct proto_signal *out);
void proto_get_resize (const struct proto_msg *m, struct proto_resize *out);
uint32_t proto_get_credit (const struct proto_msg *m);
/* Shell-style status of an EXIT: code, or 128+signal. */
int proto_exit_status (const struct proto_exit *e);

const char *proto_type_name (uint32_t type);
void proto_msg_release (struct proto_msg *m);
#define cleanup_proto_msg __attribute__ ((cleanup (proto_msg_release)))

/* The engine's /dev/shm (CREATE's and ADD's "shm", optional): the
 * config's mounts[mount], a bind of a tmpfs the engine mounted on the
 * host, is bound in the guest from a guest tmpfs named by key (the host
 * tmpfs' device, [0-9:]), made on first use with the host one's size
 * (bytes, 0: the default) and mode: so its pages count in the guest, and
 * a pod's members that share one host shm share one in the guest. */
#define PROTO_SHM_KEY_MAX 24
struct proto_shm
{
  bool set;
  size_t mount;
  char key[PROTO_SHM_KEY_MAX];
  uint64_t size;
  uint32_t mode;
};
struct json_t;
/* Adds "shm" to a payload object when set. */
void proto_shm_put (struct json_t *payload, const struct proto_shm *s);
/* From a payload object: not set without "shm"; refused when malformed. */
int proto_shm_get (struct json_t *payload, struct proto_shm *out, silo_error_t *err);

/* ADD's payload (and CTL_ADD's): the config's text, the member's
 * directory in the share ("pod/" and one name of [A-Za-z0-9_.+-], never
 * "." or ".."), the namespaces it makes beyond its mount namespace, and
 * its /dev/shm (above). *config and *dir are the caller's. */
#define PROTO_NEW_PID 1u
#define PROTO_NEW_IPC 2u
#define PROTO_NEW_UTS 4u
int proto_add_decode (const char *data, size_t len, char **config, char **dir, unsigned *news,
                      struct proto_shm *shm, silo_error_t *err);

/* STATS' answer: the counters of the container's cgroup in the guest.
 * decode takes any subset, ignores what is not a counter. */
struct cg_stats;
char *proto_stats_encode (const struct cg_stats *s);
int proto_stats_decode (const char *text, size_t len, struct cg_stats *s, silo_error_t *err);

#endif
