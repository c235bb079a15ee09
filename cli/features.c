/* silo features: the OCI runtime features document (runtime-spec features.md). */
#include "cli.h"
#include "../util/utils.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <sys/capability.h>
#include <seccomp.h>
#include <stdio.h>

static json_t *
strings (const char *const *v)
{
  json_t *a = json_array ();
  for (; *v; v++)
    json_array_append_new (a, json_string (*v));
  return a;
}

static const char *const mount_options[] = {
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "mand",
  "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime",
  "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime",
  "remount", "rexec", "ridmap", "rnoatime", "rnodev", "rnodiratime", "rnoexec",
  "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime",
  "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
  "rw", "shared", "slave", "strictatime", "suid", "sync", "tmpcopyup", "unbindable", NULL,
};

/* Every capability this libcap and kernel know, as "CAP_CHOWN" names. */
static json_t *
capability_names (void)
{
  json_t *a = json_array ();

  for (int c = 0; c < (int) cap_max_bits (); c++)
    {
      char *name = cap_to_name (c);
      if (name == NULL)
        continue;
      for (char *p = name; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
      if (strncmp (name, "CAP_", 4) == 0)
        json_array_append_new (a, json_string (name));
      cap_free (name);
    }
  return a;
}

static json_t *
linux_features (void)
{
  static const char *const ns[] = { "cgroup", "ipc", "mount", "network", "pid", "time",
                                    "user", "uts", NULL };
  static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                         "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                         "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                                         "SCMP_ACT_TRAP", NULL };
  static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                                     "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                                     "SCMP_CMP_NE", NULL };
  static const char *const archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                       "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
  static const char *const flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                       "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
  static const char *const mpol_modes[] = { "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
                                            "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
                                            "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL };
  static const char *const mpol_flags[] = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
                                            "MPOL_F_STATIC_NODES", NULL };
  /* apparmor/selinux: labels are applied where the LSM is enabled
     (namespaces/lsm.c); netDevices: container mode (runtime-spec 1.3);
     memoryPolicy: both modes; intelRdt: refused; idmapped mounts: container
     mode, and read-only in sandbox mode. */
  return json_pack ("{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o, s:o, s:o}, "
                    "s:{s:b}, s:{s:b}, s:{s:b}, s:{s:o, s:o}, s:{s:b}, s:{s:{s:b}}}",
                    "namespaces", strings (ns), "capabilities", capability_names (),
                    "cgroup", "v1", 1, "v2", 1, "systemd", 0, "rdma", 0, "seccomp", "enabled",
                    1, "actions", strings (actions), "operators", strings (ops), "archs",
                    strings (archs), "knownFlags", strings (flags), "supportedFlags",
                    strings (flags), "apparmor", "enabled", 1, "selinux", "enabled", 1,
                    "netDevices", "enabled", 1, "memoryPolicy", "modes", strings (mpol_modes),
                    "flags", strings (mpol_flags), "intelRdt", "enabled", 0,
                    "mountExtensions", "idmap", "enabled", 1);
}

int
cli_features (const struct silo_global *g, int argc, char **argv)
{
  const struct scmp_version *v = seccomp_version ();
  char lib[32];
  json_t *o;
  char *text;

  (void) g;
  (void) argc;
  (void) argv;
  snprintf (lib, sizeof (lib), "%u.%u.%u", v->major, v->minor, v->micro);
  /* "annotations" tells about this runtime (runtime-spec features.md); silo
   * lists the annotations it acts on there too, each with what it does. */
  o = json_pack ("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
                 "ociVersionMin", "1.0.0",
                 "ociVersionMax", "1.1.0", "hooks",
                 strings ((const char *const[]){ "prestart", "createRuntime", "createContainer",
                                                 "startContainer", "poststart", "poststop",
                                                 NULL }),
                 "mountOptions", strings (mount_options), "linux", linux_features (),
                 "annotations", "io.github.seccomp.libseccomp.version", lib,
                 "org.opencontainers.silo.version", SILO_VERSION,
                 "silo.sandbox", "container|vm: run over the host kernel or in a micro-VM",
                 "silo.sandbox.backend", "kvm|uml: force a sandbox backend",
                 "silo.vm.kernel", "guest kernel for sandbox mode: a file in /usr/local/lib/silo or SILO_VM_KERNEL_DIRS",
                 "silo.vm.ksm", "true|false: let KSM merge the guest's RAM (kvm; default false)",
                 "silo.sandbox.ready_timeout", "seconds the guest agent has to start (default 30)",
                 "silo.sandbox.backends", silo_sandbox_backends ());
  text = json_dumps (o, JSON_INDENT (2));
  printf ("%s\n", text);
  free (text);
  json_decref (o);
  return 0;
}
