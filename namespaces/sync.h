/* Messages between the runtime and the container process it forked, over a
 * SOCK_SEQPACKET socketpair: a header datagram (an fd may ride along), then
 * the payload in chunks, so its size is bounded by NS_SYNC_MAX_PAYLOAD only. */
#ifndef SILO_NS_SYNC_H
#define SILO_NS_SYNC_H

#include <stdint.h>

#include "../util/error.h"

enum ns_sync_type
{
  NS_SYNC_PID = 1,    /* intermediate -> runtime: value = pid of the container process */
  NS_SYNC_GO,         /* runtime -> child: maps written, cgroup joined; go on */
  NS_SYNC_HOOKS,      /* child -> runtime: run prestart/createRuntime hooks now */
  NS_SYNC_STATE,      /* runtime -> child: payload = OCI state JSON for createContainer hooks */
  NS_SYNC_SECCOMP_FD, /* child -> runtime: the seccomp notify fd rides along */
  NS_SYNC_READY,      /* child -> runtime: set up, waiting for start (or about to exec) */
  NS_SYNC_ERROR,      /* child -> runtime: value = errno, payload = message */
};

struct ns_sync_msg
{
  uint32_t type;
  int32_t value;
  uint32_t len; /* payload length, NUL not counted */
  char *payload; /* NUL-terminated, owned by the receiver */
  int fd;        /* -1 unless an fd came along */
};

/* A state JSON holds the annotations of a config of up to 16 MiB, each
 * byte of which may take 6 when escaped. */
#define NS_SYNC_MAX_PAYLOAD (128u * 1024 * 1024)
#define NS_SYNC_CHUNK (32 * 1024)

int ns_sync_send (int sock, uint32_t type, int32_t value, const char *payload, int fd);
/* Receive one message; EOF is an error "container process exited". */
int ns_sync_recv (int sock, struct ns_sync_msg *msg, silo_error_t *err);
void ns_sync_msg_clear (struct ns_sync_msg *msg);
/* Send err as NS_SYNC_ERROR (used by the child just before _exit). */
void ns_sync_send_error (int sock, silo_error_t *err);
/* Wait for one message of the given type; an NS_SYNC_ERROR becomes *err. */
int ns_sync_expect (int sock, uint32_t type, struct ns_sync_msg *msg, silo_error_t *err);

#endif
