/* The sandbox monitor's state, shared by monitor.c (event loop) and
 * monitor_setup.c (namespaces, cgroup, guest tree, launch). */
#ifndef SILO_SANDBOX_MONITOR_H
#define SILO_SANDBOX_MONITOR_H

#include "../internal.h"
#include "procview.h"

#define MONITOR_MAX_PENDING 64
/* Stop reading stdin and exec clients while this much waits for credit. */
#define MONITOR_QUEUE_HIGH (256 * 1024)

struct monitor_client
{
  int fd;
  struct proto_reader rd;
  uint32_t exec_id; /* 0 until it runs an exec, or adds a pod member (its main's id) */
  bool member;      /* it stands for a pod member (CTL_ADD) */
  int member_phase; /* enum monitor_phase of that member */
  bool closing;
  struct monitor_client *next;
};

/* A request sent to the agent whose OK/ERROR is still due; the agent
 * answers CREATE, START, EXEC, SIGNAL and UPDATE exactly once and in order. */
struct monitor_pending
{
  uint32_t type;
  uint32_t id;                   /* the request's frame id */
  struct monitor_client *client; /* NULL: the monitor's own request */
  bool view;                     /* PS for the process view */
};

enum monitor_phase
{
  PHASE_BOOT,
  PHASE_CREATING,
  PHASE_CREATED,
  PHASE_RUNNING,
  PHASE_STOPPED,
};

struct monitor
{
  const struct sandbox_request *req;
  const char *config_text;
  int sync_fd;
  int chan;
  struct proto_reader rd;
  struct proto_outq out; /* everything for the agent, paced by its CREDIT */
  pid_t guest;
  const char *backend;
  int guest_status; /* its wait status once reaped */
  int log_fd;
  int log_rd_fd; /* the same log, for reading once the monitor is chrooted */
  int listen_fd;
  int sigfd;
  struct monitor_client *clients;
  struct monitor_pending pending[MONITOR_MAX_PENDING];
  size_t pend_head, pend_len;
  struct sandbox_relay main;
  int pty_slave;
  enum monitor_phase phase;
  int status; /* the workload's, -1 until EXIT */
  uint32_t next_id;
  unsigned long long deadline_ns; /* 0 = none */
  int ready_timeout_s;
  struct sandbox_net net; /* desc until CREATE is sent */
  struct proto_shm shm;   /* the engine's /dev/shm, for CREATE */
  struct procview view;   /* the container's /proc for engines (procview.c) */
};

int monitor_setup (struct monitor *m, const char *backend, silo_error_t *err);
/* The id for a new exec (monitor.c). */
uint32_t monitor_exec_id (struct monitor *m);
struct monitor_client *client_by_exec (struct monitor *m, uint32_t id);
/* The last useful line of the guest's log (a panic, or the last line). */
char *monitor_log_tail (struct monitor *m);

#endif
