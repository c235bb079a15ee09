/* The config.json that `silo spec` writes: the same content as `runc spec`
 * (runc 1.1), with hostname "silo". */
#include <string.h>
#include <unistd.h>

#include "../util/utils.h"
#include "internal.h"

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
                                             "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = {
  "/proc/acpi",         "/proc/asound",      "/proc/kcore",       "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
  "/sys/firmware",      "/proc/scsi",        NULL,
};

static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* destination, type, source, options (comma separated, "" for none). */
static const char *const default_mounts[][4] = {
  { "/proc", "proc", "proc", "" },
  { "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k" },
  { "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5" },
  { "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k" },
  { "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev" },
  { "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro" },
  { "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro" },
};

static json_t *
str_array (const char *const *v)
{
  json_t *a = json_array ();

  for (; *v; v++)
    json_array_append_new (a, json_string (*v));
  return a;
}

/* Split a comma list; rootless drops uid=/gid= options, since those ids
 * are not mapped in a rootless user namespace (runc ToRootless). */
static json_t *
mount_options (const char *opts, bool rootless)
{
  cleanup_free char *copy = xstrdup (opts);
  json_t *a = json_array ();
  char *save = NULL, *tok;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (!rootless || (strncmp (tok, "uid=", 4) != 0 && strncmp (tok, "gid=", 4) != 0))
      json_array_append_new (a, json_string (tok));
  return a;
}

static json_t *
build_mounts (bool rootless)
{
  json_t *mounts = json_array ();
  size_t i;

  for (i = 0; i < ARRAY_SIZE (default_mounts); i++)
    {
      const char *const *m = default_mounts[i];
      json_t *o;

      /* Without a network namespace of its own a rootless container cannot
       * mount sysfs; bind the host's read-only instead. */
      if (rootless && strcmp (m[0], "/sys") == 0)
        o = json_pack ("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/sys", "type", "none",
                       "source", "/sys", "options", "rbind", "nosuid", "noexec", "nodev", "ro");
      else
        o = json_pack ("{s:s, s:s, s:s}", "destination", m[0], "type", m[1], "source", m[2]);
      if (o == NULL)
        OOM ();
      if (*m[3] && !(rootless && strcmp (m[0], "/sys") == 0))
        json_object_set_new (o, "options", mount_options (m[3], rootless));
      json_array_append_new (mounts, o);
    }
  return mounts;
}

static json_t *
build_process (void)
{
  json_t *p;

  p = json_pack ("{s:b, s:{s:i, s:i}, s:[s], s:[s,s], s:s}", "terminal", 1, "user", "uid", 0,
                 "gid", 0, "args", "sh", "env",
                 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "TERM=xterm", "cwd", "/");
  if (p == NULL)
    OOM ();
  json_object_set_new (p, "capabilities",
                       json_pack ("{s:o, s:o, s:o}", "bounding", str_array (default_caps),
                                  "effective", str_array (default_caps), "permitted",
                                  str_array (default_caps)));
  json_object_set_new (p, "rlimits", json_pack ("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE",
                                                "hard", 1024, "soft", 1024));
  json_object_set_new (p, "noNewPrivileges", json_true ());
  return p;
}

static json_t *
build_linux (bool rootless)
{
  static const char *const ns_names[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
  json_t *l = json_object (), *ns = json_array ();
  size_t i;

  for (i = 0; i < ARRAY_SIZE (ns_names); i++)
    if (!(rootless && strcmp (ns_names[i], "network") == 0))
      json_array_append_new (ns, json_pack ("{s:s}", "type", ns_names[i]));
  if (rootless)
    {
      json_array_append_new (ns, json_pack ("{s:s}", "type", "user"));
      json_object_set_new (l, "uidMappings",
                           json_pack ("[{s:I, s:i, s:i}]", "hostID", (json_int_t) geteuid (),
                                      "containerID", 0, "size", 1));
      json_object_set_new (l, "gidMappings",
                           json_pack ("[{s:I, s:i, s:i}]", "hostID", (json_int_t) getegid (),
                                      "containerID", 0, "size", 1));
    }
  else
    json_object_set_new (l, "resources",
                         json_pack ("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
  json_object_set_new (l, "namespaces", ns);
  json_object_set_new (l, "maskedPaths", str_array (masked_paths));
  json_object_set_new (l, "readonlyPaths", str_array (readonly_paths));
  return l;
}

char *
oci_default_spec (bool rootless)
{
  json_t *root;
  char *text;

  root = json_pack ("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.0.2-dev",
                    "process", build_process (), "root", "path", "rootfs", "readonly", 1,
                    "hostname", "silo", "mounts", build_mounts (rootless), "linux",
                    build_linux (rootless));
  if (root == NULL)
    OOM ();
  text = json_dumps (root, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (root);
  if (text == NULL)
    OOM ();
  return text;
}
