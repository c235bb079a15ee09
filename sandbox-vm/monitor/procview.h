/* The container's processes as /proc in the monitor's mount namespace,
 * which engines join to list them (podman top: psgo reads /proc there). A
 * small read-only FUSE file system served by the monitor's loop from the
 * guest agent's PS answer (proclist.c), taken when a reader opens /proc. */
#ifndef SILO_SANDBOX_PROCVIEW_H
#define SILO_SANDBOX_PROCVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "../../util/error.h"
#include "proclist.h"

#define PROCVIEW_HELD_MAX 32

struct procview_held
{
  char *req;
  size_t len;
};

struct procview
{
  int fd; /* /dev/fuse; -1: no view */
  int reply_fd; /* where answers go: fd, or another for tests */
  char *buf;
  struct proclist list;
  unsigned long long list_ns; /* when it was taken; 0: never */
  bool asking;                /* a PS for the view is in flight */
  unsigned long long due_ns;  /* held requests are answered by then */
  struct procview_held held[PROCVIEW_HELD_MAX];
  size_t n_held;
};

void procview_init (struct procview *v);
/* Before the pivot and the container's device cgroup: /dev/fuse is the
 * host's. Without it there is no view (fd -1, a debug line): the sandbox
 * runs all the same. */
void procview_open (struct procview *v);
/* After it: the view over proc_dir (the container's /proc directory),
 * and an empty read-only dev_dir with pts/ (the guest's devices are its
 * own; a reader looks there for the terminals). A failure closes the
 * view, as above. */
void procview_mount (struct procview *v, const char *proc_dir, const char *dev_dir);
/* A request from the kernel is waiting. *ask: the caller is to ask the
 * agent for PS (live: it can be asked now) and hand the answer to
 * procview_take_list; the request is held until then. */
int procview_on_readable (struct procview *v, bool live, bool *ask, silo_error_t *err);
/* One request (a struct fuse_in_header and its arguments). */
void procview_dispatch (struct procview *v, const char *req, size_t len, bool live, bool *ask);
/* The agent's answer (NULL: it failed); answers the held requests. */
void procview_take_list (struct procview *v, const char *text, size_t len);
/* Milliseconds until held requests are due (-1: none), and answering them
 * from the list there is once due (an agent that does not answer). */
int procview_timeout_ms (const struct procview *v);
void procview_expire (struct procview *v);
void procview_close (struct procview *v);

#endif
