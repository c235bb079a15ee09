/* A pod member (docs/sandbox.md, "Pods"): a sandbox-mode container that
 * joins a running sandbox's namespaces runs in that sandbox's guest, not in
 * a VM of its own. On the host it is a stand-in process (its state pid):
 *
 *   silo create B (the CLI)          stand-in (child)
 *     sandbox.sock -> the pod's
 *     fork ------------------------>  B's cgroup, a mount ns of its own
 *     hooks <------- NS_READY ------  B's tree (rootfs/, binds/N) built here
 *                    GO ---------->  the tree grafted into the pod's jail at
 *                                     /guest/pod/B (open_tree + move_mount in
 *                                     the jail's mount ns: the VMM or UML
 *                                     stays jailed, it only sees one more
 *                                     directory of its share)
 *                                     CTL_ADD on the pod's control socket:
 *                                     the agent makes B's container
 *                                     (member file: B's id there)
 *     created <------- "" ---------  pivoted into B's rootfs (B's processes
 *                                     on its /proc: monitor/procview.c),
 *                                     privileges dropped; relays B's main
 *                                     process's stdio and serves that view;
 *                                     exits with its status
 *
 * Every other verb reaches the pod's monitor through B's sandbox.sock (a
 * link to the pod's) with B's id in the frame (control.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../util/utils.h"
#include "internal.h"
#include "monitor/jail.h"
#include "monitor/procview.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* The pod's guest process (UML's first process, or the VMM): the pod
 * monitor's only child. */
static pid_t
pod_guest_pid (pid_t pod_pid)
{
  cleanup_free char *path = NULL, *text = NULL;
  silo_error_t none = NULL;

  xasprintf (&path, "/proc/%d/task/%d/children", (int) pod_pid, (int) pod_pid);
  if (read_file (path, &text, NULL, &none) < 0 || text == NULL)
    {
      silo_error_release (&none);
      return -1;
    }
  return (pid_t) atoi (text);
}

/* In a child that enters the jail's mount namespace: graft the tree
 * (tree_fd, from open_tree) at JAIL_GUEST/pod/<id>, or take it away
 * (tree_fd < 0). Errors come back on a pipe. */
static int
in_pod_jail (pid_t pod_pid, const char *id, int tree_fd, silo_error_t *err)
{
  pid_t guest = pod_guest_pid (pod_pid), child;
  cleanup_free char *path = NULL, *msg = NULL;
  int p[2], status;

  if (guest <= 0)
    return silo_make_error (err, ESRCH, "pod: the sandbox's guest process is gone");
  xasprintf (&path, "/proc/%d/ns/mnt", (int) guest);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return silo_make_error (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    return silo_make_error (err, errno, "fork");
  if (child == 0)
    {
      silo_error_t e = NULL;
      cleanup_free char *dst = NULL;
      int ns = open (path, O_RDONLY | O_CLOEXEC);

      close (p[0]);
      xasprintf (&dst, JAIL_GUEST "/pod/%s", id);
      if (ns < 0 || setns (ns, CLONE_NEWNS) < 0)
        silo_make_error (&e, errno, "pod: enter the sandbox's jail");
      else if (tree_fd < 0)
        {
          if ((umount2 (dst, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
              || (rmdir (dst) < 0 && errno != ENOENT))
            silo_make_error (&e, errno, "pod: take `%s` out of the sandbox's share", dst);
        }
      else if ((mkdir (JAIL_GUEST "/pod", 0755) < 0 && errno != EEXIST) || mkdir (dst, 0755) < 0
               || syscall (SYS_move_mount, tree_fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        silo_make_error (&e, errno, "pod: put the container's tree at `%s` in the sandbox's share",
                         dst);
      if (e)
        (void) !write (p[1], e->msg, strlen (e->msg));
      _exit (e ? 1 : 0);
    }
  close (p[1]);
  read_all_fd (p[0], &msg);
  close (p[0]);
  if (TEMP_FAILURE_RETRY (waitpid (child, &status, 0)) < 0 || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0)
    return silo_make_error (err, 0, "%s", msg && *msg ? msg : "pod: the jail helper failed");
  return 0;
}

static int
graft (const char *guest_dir, pid_t pod_pid, const char *id, silo_error_t *err)
{
  cleanup_close int fd
      = (int) syscall (SYS_open_tree, AT_FDCWD, guest_dir,
                       OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);

  if (fd < 0)
    return silo_make_error (err, errno, "pod: clone the tree `%s`", guest_dir);
  return in_pod_jail (pod_pid, id, fd, err);
}

/* ADD's payload: the config, the member's directory in the share, and
 * the namespaces it makes for itself (pid, ipc, uts without a path). */
static char *
add_payload (const struct sandbox_request *req, const struct proto_shm *shm)
{
  json_t *news = json_array (), *o;
  cleanup_free char *dir = NULL;
  char *text;

  for (size_t i = 0; i < req->cfg->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &req->cfg->linux_.namespaces[i];
      if (ns->path)
        continue;
      if (ns->type == CLONE_NEWPID)
        json_array_append_new (news, json_string ("pid"));
      else if (ns->type == CLONE_NEWIPC)
        json_array_append_new (news, json_string ("ipc"));
      else if (ns->type == CLONE_NEWUTS)
        json_array_append_new (news, json_string ("uts"));
    }
  xasprintf (&dir, "pod/%s", req->id);
  o = json_pack ("{s:s, s:s, s:o}", "config", req->config_text, "dir", dir, "new", news);
  proto_shm_put (o, shm);
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return text;
}

static int
write_member_file (const struct sandbox_request *req, const char *id_text, silo_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  json_t *o = json_pack ("{s:s, s:s, s:i}", "id", id_text, "pod_dir", req->pod->dir, "pod_pid",
                         (int) req->pod->pid);

  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  xasprintf (&path, "%s/" SANDBOX_MEMBER, req->state_dir);
  return write_file (path, text, strlen (text), err);
}

static int
enter_cgroup (const char *cgroup_path, silo_error_t *err)
{
  struct cg_handle *h = NULL;
  int ret;

  if (cgroup_path == NULL)
    return 0;
  ret = cg_open (cgroup_path, &h, err);
  if (ret == 0)
    ret = cg_enter (h, getpid (), err);
  cg_handle_free (h);
  return ret;
}

static int
wait_hooks (int sync_fd, silo_error_t *err)
{
  char c = SANDBOX_SYNC_NS_READY;

  if (write (sync_fd, &c, 1) != 1)
    return silo_make_error (err, errno, "tell silo the namespaces are ready");
  if (TEMP_FAILURE_RETRY (read (sync_fd, &c, 1)) != 1 || c != SANDBOX_SYNC_GO)
    _exit (1);
  return 0;
}

static int
pivot_into (const char *guest_dir, silo_error_t *err)
{
  cleanup_free char *root = NULL;

  xasprintf (&root, "%s/rootfs", guest_dir);
  if (chdir (root) < 0 || syscall (SYS_pivot_root, ".", ".") < 0
      || umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    return silo_make_error (err, errno, "pod member: make `%s` its root", root);
  return 0;
}

/* Everything up to "created": the tree grafted into the pod, the member
 * added there, the stand-in pivoted into the member's root. *grafted says
 * whether the tree must be taken out again on failure. */
static int
member_setup (const struct sandbox_request *req, int sync_fd, struct proto_reader *rd,
              bool *grafted, struct sandbox_relay *r, silo_error_t *err)
{
  cleanup_free char *guest_dir = NULL, *payload = NULL, *id_text = NULL;
  struct proto_shm shm;
  int fd;

  procview_open (r->view); /* before the member's device cgroup */
  if (enter_cgroup (req->cgroup_path, err) < 0)
    return -1;
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return silo_make_error (err, errno, "pod member: a mount namespace of its own");
  if (wait_hooks (sync_fd, err) < 0)
    return -1;
  if (sandbox_guest_tree (req, false, &guest_dir, &shm, err) < 0)
    return silo_error_wrap (err, "pod member tree");
  if (graft (guest_dir, req->pod->pid, req->id, err) < 0)
    return -1;
  *grafted = true;
  fd = sandbox_ctl_connect (req->pod->dir, NULL, err);
  if (fd < 0)
    return -1;
  proto_reader_init (rd, fd, PROTO_FROM_GUEST);
  payload = add_payload (req, &shm);
  if (sandbox_ctl_request (rd, PROTO_CTL_ADD, PROTO_ID_AGENT, payload, strlen (payload), &id_text,
                           err)
      < 0)
    return silo_error_wrap (err, "pod `%s`", req->pod->id);
  if (write_member_file (req, id_text, err) < 0 || pivot_into (guest_dir, err) < 0)
    return -1;
  r->view_id = (uint32_t) strtoul (id_text, NULL, 10);
  procview_mount (r->view, "/proc", "/dev");
  return 0;
}

/* The stand-in's life once created: its main process's stdio relayed
 * until EXIT; a pod that goes away kills it as SIGKILL would. */
__attribute__ ((noreturn)) static void
member_main (const struct sandbox_request *req, int sync_fd)
{
  struct proto_reader rd = { .fd = -1 };
  struct sandbox_relay r;
  struct procview view;
  silo_error_t err = NULL;
  cleanup_close int slave = -1, winch = -1;
  bool grafted = false, keep_uid = !userns_maps_all_ids (); /* before the pivot */
  int status;

  signal (SIGPIPE, SIG_IGN);
  sandbox_relay_ignore_tty_stops ();
  procview_init (&view);
  if (sandbox_relay_stdio (req->cfg->process, req->console_socket_fd, &r, &slave, &err) == 0)
    r.view = &view;
  if (r.view == NULL || member_setup (req, sync_fd, &rd, &grafted, &r, &err) < 0)
    {
      if (grafted)
        {
          silo_error_t e2 = NULL;
          if (in_pod_jail (req->pod->pid, req->id, -1, &e2) < 0)
            silo_error_release (&e2);
        }
      (void) !write (sync_fd, err->msg, strlen (err->msg) + 1);
      _exit (1);
    }
  if (write (sync_fd, "", 1) != 1)
    _exit (1);
  close (sync_fd);
  if (view.fd[PROCVIEW_PROC] < 0)
    r.view = NULL;
  winch = sandbox_watch_resizes (slave);
  /* As the monitor once its guest runs: the sandbox's own uid, nothing
   * else (it kills nothing: the allow list's kill names itself). */
  if (sandbox_jail_monitor (getpid (), keep_uid, &err) < 0)
    {
      dprintf (2, "silo: %s\n", err->msg);
      _exit (255);
    }
  status = sandbox_exec_relay (&rd, &r, slave, winch, &err);
  if (status < 0)
    _exit (128 + SIGKILL); /* the pod's sandbox went away: killed with it */
  _exit (status);
}

static void
member_child (const struct sandbox_request *req, const void *unused, int sync_fd)
{
  (void) unused;
  member_main (req, sync_fd);
}

int
sandbox_member_create (const struct sandbox_request *req, pid_t *pid, silo_error_t *err)
{
  cleanup_free char *link = NULL, *target = NULL;

  xasprintf (&link, "%s/" SANDBOX_SOCK, req->state_dir);
  xasprintf (&target, "%s/" SANDBOX_SOCK, req->pod->dir);
  if (symlink (target, link) < 0)
    return silo_make_error (err, errno, "pod: link `%s`", link);
  return sandbox_spawn_child (req, member_child, NULL, pid, err);
}

/* At delete (and a failed create): the member's processes and cgroup in
 * the guest, and its tree in the pod's share. A pod already gone took
 * them with it. */
int
sandbox_member_release (const char *state_dir, silo_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL, *id = NULL;
  silo_error_t ignored = NULL;
  json_t *o;
  const char *pod_dir;
  pid_t pod_pid;
  int ret = 0;

  xasprintf (&path, "%s/" SANDBOX_MEMBER, state_dir);
  if (read_file (path, &text, NULL, &ignored) < 0)
    {
      silo_error_release (&ignored);
      return 0;
    }
  o = json_loads (text, 0, NULL);
  pod_dir = json_string_value (json_object_get (o, "pod_dir"));
  pod_pid = (pid_t) json_integer_value (json_object_get (o, "pod_pid"));
  if (pod_dir == NULL || pod_pid <= 0)
    {
      json_decref (o);
      return silo_make_error (err, 0, "pod member: `%s`: malformed", path);
    }
  if (sandbox_ctl_simple (state_dir, PROTO_CTL_REMOVE, NULL, 0, NULL, &ignored) < 0)
    silo_error_release (&ignored); /* the pod is gone, or the member was never added */
  id = xstrdup (strrchr (state_dir, '/') ? strrchr (state_dir, '/') + 1 : state_dir);
  free (path);
  xasprintf (&path, "%s/" SANDBOX_SOCK, pod_dir);
  /* Only while the pod is there (its socket, its monitor's guest): a pid
   * reused since must not be taken for its guest. */
  if (access (path, F_OK) == 0 && pod_guest_pid (pod_pid) > 0)
    ret = in_pod_jail (pod_pid, id, -1, err);
  free (path);
  xasprintf (&path, "%s/" SANDBOX_MEMBER, state_dir);
  json_decref (o);
  if (ret == 0)
    unlink (path);
  return ret;
}

int
sandbox_member_check (const struct oci_config *pod_cfg, const struct oci_config *cfg,
                      silo_error_t *err)
{
  const struct oci_resources *r = cfg->linux_.resources;
  uint64_t mem;

  if (sandbox_guest_mem (pod_cfg, &mem, err) < 0)
    return silo_error_wrap (err, "the pod's sandbox");
  if (r && r->memory.limit.set && r->memory.limit.value > 0
      && (uint64_t) r->memory.limit.value > mem)
    return silo_make_error (err, 0,
                            "linux.resources.memory.limit: %lld bytes do not fit the pod's guest "
                            "(%llu bytes of RAM; size it with the pod's first container)",
                            (long long) r->memory.limit.value, (unsigned long long) mem);
  return 0;
}
