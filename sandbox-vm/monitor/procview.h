/* The container's processes as /proc in the monitor's mount namespace,
 * which engines join to list them (podman top: psgo reads /proc there). A
 * small read-only FUSE file system served by the monitor's loop from the
 * guest agent's PS answer (proclist.c), taken when a reader opens /proc;
 * and /dev with the terminals those processes have (psgo's TTY column). */
#ifndef SILO_SANDBOX_PROCVIEW_H
#define SILO_SANDBOX_PROCVIEW_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../util/error.h"
#include "proclist.h"

#define PROCVIEW_HELD_MAX 32

/* Two FUSE file systems, one connection each: /proc and /dev. */
enum procview_tree
{
  PROCVIEW_PROC,
  PROCVIEW_DEV,
  PROCVIEW_TREES
};

struct procview_held
{
  enum procview_tree tree;
  char *req;
  size_t len;
};

struct procview
{
  int fd[PROCVIEW_TREES];       /* /dev/fuse; -1: no view */
  int reply_fd[PROCVIEW_TREES]; /* where answers go: fd, or another for tests */
  enum procview_tree tree;      /* that of the request being answered */
  char *buf;
  struct proclist list;
  uint32_t *ptys; /* the list's pseudo-terminals (pts numbers), sorted, once each */
  size_t n_ptys;
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
/* After it: the views over proc_dir (the container's /proc directory)
 * and dev_dir (its /dev: pts/ with the terminals of the listed processes;
 * the guest's other devices are its own). A failure closes the view, as
 * above. */
void procview_mount (struct procview *v, const char *proc_dir, const char *dev_dir);
/* The caller's poll set: PROCVIEW_TREES entries (fd -1 where there is no
 * view), and serving what poll found readable there. *ask: the caller is
 * to ask the agent for PS (live: it can be asked now) and hand the answer
 * to procview_take_list; the request is held until then. */
void procview_pollfds (const struct procview *v, struct pollfd *pfd);
int procview_serve (struct procview *v, const struct pollfd *pfd, bool live, bool *ask,
                    silo_error_t *err);
/* One request (a struct fuse_in_header and its arguments) on a tree. */
void procview_dispatch (struct procview *v, enum procview_tree tree, const char *req, size_t len,
                        bool live, bool *ask);
/* The agent's answer (NULL: it failed); answers the held requests. */
void procview_take_list (struct procview *v, const char *text, size_t len);
/* Milliseconds until held requests are due (-1: none), and answering them
 * from the list there is once due (an agent that does not answer). */
int procview_timeout_ms (const struct procview *v);
void procview_expire (struct procview *v);
void procview_close (struct procview *v);

#endif
