/* Pods: a container whose config joins a running sandbox's namespaces (an
 * engine's pod: its infra container first, then the others with the
 * infra's namespace paths) belongs to that sandbox's guest
 * (docs/sandbox.md, "Pods"). Found here from the CRI annotations that name
 * the pod's sandbox, or from the namespace paths themselves: a monitor's
 * IPC and UTS namespaces are its own, and its network namespace is the
 * pod's. */
#include "internal.h"
#include "../sandbox-vm/sandbox.h"
#include "../util/utils.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* containerd's CRI plugin and CRI-O: a container (not the sandbox) and the
 * id of its pod's sandbox container. */
static const char *
cri_sandbox_id (const struct oci_config *cfg)
{
  static const char *const keys[][2] = {
    { "io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id" },
    { "io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID" },
  };

  for (size_t i = 0; i < ARRAY_SIZE (keys); i++)
    {
      const char *type = oci_kv_get (&cfg->annotations, keys[i][0]);
      const char *id = oci_kv_get (&cfg->annotations, keys[i][1]);
      if (type && strcmp (type, "container") == 0 && id && *id)
        return id;
    }
  return NULL;
}

static bool
same_ns (const char *path, pid_t pid, const char *proc_name)
{
  char mine[64];
  struct stat a, b;

  snprintf (mine, sizeof (mine), "/proc/%d/ns/%s", (int) pid, proc_name);
  return stat (path, &a) == 0 && stat (mine, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

/* Does cfg join one of st's monitor's IPC, UTS or network namespaces? */
static bool
joins (const struct oci_config *cfg, const struct container_state *st)
{
  static const int types[] = { CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET };

  for (size_t i = 0; i < ARRAY_SIZE (types); i++)
    {
      const struct oci_namespace *ns = oci_config_namespace (cfg, types[i]);
      if (ns && ns->path && same_ns (ns->path, st->pid, oci_ns_by_flag (types[i])->proc_name))
        return true;
    }
  return false;
}

static bool
live_sandbox (const struct container_state *st)
{
  return !st->creating && st->mode && strcmp (st->mode, "vm") == 0
         && pid_alive (st->pid, st->start_time);
}

static bool
has_ns_path (const struct oci_config *cfg)
{
  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    if (cfg->linux_.namespaces[i].path)
      return true;
  return false;
}

int
pod_find (const struct silo_global *g, const char *self, const struct oci_config *cfg,
          struct container_state **pod, silo_error_t *err)
{
  const char *sid = cri_sandbox_id (cfg);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  *pod = NULL;
  if (sid && strcmp (sid, self) != 0 && state_read (g, sid, pod, err) == 0)
    {
      if (live_sandbox (*pod) || strcmp ((*pod)->mode, "vm") != 0)
        return 0; /* a container-mode pod is the caller's to refuse */
      state_free (*pod);
      *pod = NULL;
      return silo_make_error (err, 0, "config.json: annotations: pod sandbox `%s` is not running",
                              sid);
    }
  silo_error_release (err);
  if (!has_ns_path (cfg) || (d = opendir (g->root)) == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      struct container_state *st = NULL;
      if (de->d_name[0] == '.' || strcmp (de->d_name, self) == 0
          || state_read (g, de->d_name, &st, err) < 0)
        {
          silo_error_release (err);
          continue;
        }
      if (live_sandbox (st) && joins (cfg, st))
        {
          *pod = st;
          return 0;
        }
      state_free (st);
    }
  return 0;
}

/* A member's limits fit the pod's guest; its namespaces: the network is the pod's, and so are the IPC,
 * UTS and PID namespaces it names by path; those it asks new it gets in
 * the guest; a mount, user or time namespace of another is refused. */
int
pod_check_member (const struct silo_global *g, const struct oci_config *cfg,
                  const struct container_state *pod, silo_error_t *err)
{
  const struct oci_namespace *net = oci_config_namespace (cfg, CLONE_NEWNET);
  struct oci_config *pod_cfg = NULL;
  int ret;

  if (state_load_config (g, pod, &pod_cfg, err) < 0)
    return -1;
  ret = sandbox_member_check (pod_cfg, cfg, err);
  oci_config_free (pod_cfg);
  if (ret < 0)
    return -1;
  if (net == NULL || net->path == NULL || !same_ns (net->path, pod->pid, "net"))
    return silo_make_error (err, 0,
                            "config.json: linux.namespaces: network: a member of pod `%s` shares "
                            "its network namespace (by path)",
                            pod->id);
  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &cfg->linux_.namespaces[i];
      if (ns->path == NULL)
        continue;
      if ((ns->type == CLONE_NEWIPC || ns->type == CLONE_NEWUTS)
          && !same_ns (ns->path, pod->pid, oci_ns_by_flag (ns->type)->proc_name))
        return silo_make_error (err, 0,
                                "config.json: linux.namespaces[%zu].path: `%s` is not pod `%s`'s",
                                i, ns->path, pod->id);
      if (ns->type == CLONE_NEWNS || ns->type == CLONE_NEWUSER || ns->type == CLONE_NEWTIME)
        return silo_make_error (err, 0,
                                "config.json: linux.namespaces[%zu].path: a member of pod `%s` "
                                "cannot join another container's %s namespace",
                                i, pod->id, oci_ns_by_flag (ns->type)->oci_name);
    }
  return 0;
}
