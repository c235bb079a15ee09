/* A container's processes as the guest agent lists them (PS), checked
 * field by field, and the /proc files the host's view of them serves
 * (procview.c): what the guest sends is untrusted, the files' text is the
 * monitor's own. */
#ifndef SILO_SANDBOX_PROCLIST_H
#define SILO_SANDBOX_PROCLIST_H

#include <stddef.h>
#include <stdint.h>

#include "../../util/error.h"

#define PROCLIST_PID_MAX 4194304 /* the kernel's PID_MAX_LIMIT */
#define PROCLIST_MAX 65536       /* processes in one list */
#define PROCLIST_GROUPS_MAX 64
#define PROCLIST_ARGS_MAX 4096 /* bytes of a command line (the agent's cap) */

struct proclist_entry
{
  int pid, ppid, pgid, sid; /* as the container sees them; ppid 0: outside it */
  char state;               /* one of "RSDTtZXIP" */
  char comm[64];            /* printable ASCII, no ')' or '(' */
  char *args;               /* the command line: NUL-terminated arguments */
  size_t args_len;
  uint32_t uids[4], gids[4]; /* real, effective, saved, filesystem */
  uint32_t groups[PROCLIST_GROUPS_MAX];
  size_t n_groups;
  int tty, nice, threads;
  uint64_t utime, stime, start; /* in hz ticks; start: since the guest's boot */
  uint64_t vsize, rss;          /* bytes, pages */
  uint64_t caps[5];             /* inheritable, permitted, effective, bounding, ambient */
  int nnp, seccomp;
};

struct proclist
{
  int64_t btime; /* the guest's boot time, seconds since the epoch */
  int hz;        /* clock ticks per second of the times */
  size_t n;
  struct proclist_entry *e;
};

/* The agent's PS answer; nothing of it is kept if any field is wrong. */
int proclist_decode (const char *text, size_t len, struct proclist *out, silo_error_t *err);
void proclist_free (struct proclist *l);
const struct proclist_entry *proclist_find (const struct proclist *l, int pid);

/* Files, as the kernel writes them (malloc'ed, *len bytes). */
char *proclist_pid_stat (const struct proclist_entry *e, size_t *len);
char *proclist_pid_status (const struct proclist_entry *e, size_t *len);
char *proclist_pid_cmdline (const struct proclist_entry *e, size_t *len);
/* /proc/stat: only btime is known. */
char *proclist_stat (const struct proclist *l, size_t *len);
/* /proc/self/auxv: AT_CLKTCK (the unit of the files' times), AT_NULL. */
char *proclist_auxv (const struct proclist *l, size_t *len);

#endif
