/* oci/: config.json parsing into typed structs, error messages, default
 * spec, standalone process and resources files. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci/oci.h"
#include "unit.h"

static const char full_config[] =
  "{\n"
  "  \"ociVersion\": \"1.1.0\",\n"
  "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
  "  \"hostname\": \"box\", \"domainname\": \"example.org\",\n"
  "  \"annotations\": {\"org.example.key\": \"value\"},\n"
  "  \"unknownField\": {\"ignored\": [1, 2]},\n"
  "  \"process\": {\n"
  "    \"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 80},\n"
  "    \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, \"additionalGids\": [5, 6]},\n"
  "    \"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"A=1\", \"B=2\"], \"cwd\": \"/work\",\n"
  "    \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\"],\n"
  "                       \"effective\": [\"CAP_KILL\"], \"ambient\": []},\n"
  "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 512, \"hard\": 1024},\n"
  "                  {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}],\n"
  "    \"noNewPrivileges\": true, \"oomScoreAdj\": -500,\n"
  "    \"apparmorProfile\": \"unconfined\", \"selinuxLabel\": \"system_u:r\"\n"
  "  },\n"
  "  \"mounts\": [\n"
  "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
  "    {\"destination\": \"dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
  "     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
  "    {\"destination\": \"/data\", \"source\": \"/srv\",\n"
  "     \"options\": [\"rbind\", \"ro\", \"rw\", \"rslave\", \"noexec\", \"exec\"]},\n"
  "    {\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"/etc/hosts\"}\n"
  "  ],\n"
  "  \"hooks\": {\n"
  "    \"prestart\": [{\"path\": \"/bin/hook\", \"args\": [\"hook\", \"x\"], \"timeout\": 5}],\n"
  "    \"poststop\": [{\"path\": \"/bin/a\"}, {\"path\": \"/bin/b\", \"env\": [\"X=1\"]}]\n"
  "  },\n"
  "  \"linux\": {\n"
  "    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"},\n"
  "                   {\"type\": \"mount\"}, {\"type\": \"user\"}, {\"type\": \"time\"},\n"
  "                   {\"type\": \"uts\"}],\n"
  "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
  "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1000}],\n"
  "    \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,\n"
  "                 \"fileMode\": 438, \"uid\": 0, \"gid\": 0},\n"
  "                {\"path\": \"/dev/fifo\", \"type\": \"p\"}],\n"
  "    \"cgroupsPath\": \"/silo/test\",\n"
  "    \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},\n"
  "                                {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,\n"
  "                                 \"access\": \"rw\"}],\n"
  "                  \"memory\": {\"limit\": 104857600, \"swap\": -1},\n"
  "                  \"pids\": {\"limit\": 64}},\n"
  "    \"rootfsPropagation\": \"slave\",\n"
  "    \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],\n"
  "    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},\n"
  "    \"mountLabel\": \"label\",\n"
  "    \"timeOffsets\": {\"monotonic\": {\"secs\": 10, \"nanosecs\": 5},\n"
  "                    \"boottime\": {\"secs\": -3}},\n"
  "    \"seccomp\": {\n"
  "      \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,\n"
  "      \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
  "      \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
  "      \"listenerPath\": \"/run/notify.sock\", \"listenerMetadata\": \"meta\",\n"
  "      \"syscalls\": [\n"
  "        {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
  "        {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"},\n"
  "        {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
  "         \"args\": [{\"index\": 0, \"value\": 255, \"valueTwo\": 8, \"op\": "
  "\"SCMP_CMP_MASKED_EQ\"}]}\n"
  "      ]\n"
  "    }\n"
  "  }\n"
  "}\n";

static int
parse_full (struct oci_config **cfg)
{
  silo_error_t err = NULL;

  if (oci_config_parse (full_config, "config.json", cfg, &err) < 0)
    {
      fprintf (stderr, "  unexpected error: %s\n", err->msg);
      silo_error_release (&err);
      return -1;
    }
  return 0;
}

static int
test_full_toplevel (void)
{
  struct oci_config *cfg = NULL;
  const struct oci_hook_list *h;

  CHECK (parse_full (&cfg) == 0);
  CHECK_STR (cfg->oci_version, "1.1.0");
  CHECK_STR (cfg->root_path, "rootfs");
  CHECK (cfg->root_readonly);
  CHECK_STR (cfg->hostname, "box");
  CHECK_STR (cfg->domainname, "example.org");
  CHECK_STR (oci_kv_get (&cfg->annotations, "org.example.key"), "value");
  CHECK (oci_kv_get (&cfg->annotations, "missing") == NULL);
  h = &cfg->hooks[OCI_HOOK_PRESTART];
  CHECK (h->len == 1);
  CHECK_STR (h->items[0].path, "/bin/hook");
  CHECK_STR (h->items[0].args[1], "x");
  CHECK (h->items[0].args[2] == NULL);
  CHECK (h->items[0].timeout == 5);
  h = &cfg->hooks[OCI_HOOK_POSTSTOP];
  CHECK (h->len == 2 && h->items[1].args == NULL);
  CHECK_STR (h->items[1].env[0], "X=1");
  CHECK (cfg->hooks[OCI_HOOK_CREATE_RUNTIME].len == 0);
  oci_config_free (cfg);
  return 0;
}

static int
test_full_process (void)
{
  struct oci_config *cfg = NULL;
  struct oci_process *p;

  CHECK (parse_full (&cfg) == 0);
  p = cfg->process;
  CHECK (p->terminal && p->console_height == 24 && p->console_width == 80);
  CHECK (p->user.uid == 1000 && p->user.gid == 100);
  CHECK (p->user.umask.set && p->user.umask.value == 18);
  CHECK (p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6);
  CHECK_STR (p->args[0], "sh");
  CHECK_STR (p->args[2], "true");
  CHECK (p->args[3] == NULL);
  CHECK_STR (p->env[1], "B=2");
  CHECK_STR (p->cwd, "/work");
  CHECK (p->has_caps);
  CHECK (p->caps.bounding == ((1ULL << CAP_KILL) | (1ULL << CAP_SYS_ADMIN)));
  CHECK (p->caps.effective == (1ULL << CAP_KILL));
  CHECK (p->caps.ambient == 0 && p->caps.permitted == 0);
  CHECK (p->n_rlimits == 2);
  CHECK (p->rlimits[0].resource == RLIMIT_NOFILE);
  CHECK (p->rlimits[0].soft == 512 && p->rlimits[0].hard == 1024);
  CHECK (p->rlimits[1].resource == RLIMIT_CORE);
  CHECK (p->no_new_privileges);
  CHECK (p->oom_score_adj.set && p->oom_score_adj.value == -500);
  CHECK_STR (p->apparmor_profile, "unconfined");
  CHECK_STR (p->selinux_label, "system_u:r");
  oci_config_free (cfg);
  return 0;
}

static int
test_full_mounts (void)
{
  struct oci_config *cfg = NULL;
  struct oci_mount *m;

  CHECK (parse_full (&cfg) == 0);
  CHECK (cfg->n_mounts == 4);
  m = &cfg->mounts[0];
  CHECK_STR (m->destination, "/proc");
  CHECK_STR (m->type, "proc");
  CHECK (m->flags == 0 && m->data == NULL && !m->is_bind);
  m = &cfg->mounts[1];
  CHECK_STR (m->destination, "/dev"); /* relative made absolute */
  CHECK (m->flags == (MS_NOSUID | MS_STRICTATIME));
  CHECK_STR (m->data, "mode=755,size=65536k");
  m = &cfg->mounts[2];
  CHECK (m->type == NULL && m->is_bind);
  /* "rw" after "ro" and "exec" after "noexec" undo the earlier option. */
  CHECK (m->flags == (MS_BIND | MS_REC));
  CHECK (m->clear_flags == (MS_RDONLY | MS_NOEXEC));
  CHECK (m->propagation == (MS_SLAVE | MS_REC));
  CHECK_STR (m->options[0], "rbind");
  CHECK (cfg->mounts[3].is_bind && cfg->mounts[3].flags == MS_BIND);
  oci_config_free (cfg);
  return 0;
}

static int
test_full_linux (void)
{
  struct oci_config *cfg = NULL;
  const struct oci_namespace *ns;
  struct oci_linux *l;

  CHECK (parse_full (&cfg) == 0);
  l = &cfg->linux_;
  CHECK (l->n_namespaces == 6);
  ns = oci_config_namespace (cfg, CLONE_NEWNET);
  CHECK (ns != NULL);
  CHECK_STR (ns->path, "/run/netns/x");
  CHECK (oci_config_namespace (cfg, CLONE_NEWPID)->path == NULL);
  CHECK (oci_config_namespace (cfg, CLONE_NEWIPC) == NULL);
  CHECK (oci_config_namespace (cfg, 0x80) != NULL); /* time */
  CHECK (l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000);
  CHECK (l->uid_mappings[0].size == 65536);
  CHECK (l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 200000);
  CHECK (l->n_devices == 2 && l->devices[0].type == 'c');
  CHECK (l->devices[0].major == 10 && l->devices[0].minor == 229);
  CHECK (l->devices[0].file_mode.set && l->devices[0].file_mode.value == 0666);
  CHECK (l->devices[1].type == 'p' && !l->devices[1].uid.set);
  CHECK_STR (l->cgroups_path, "/silo/test");
  CHECK_STR (l->rootfs_propagation, "slave");
  CHECK (l->rootfs_propagation_flags == (MS_SLAVE | MS_REC));
  CHECK_STR (l->masked_paths[0], "/proc/kcore");
  CHECK_STR (l->readonly_paths[1], "/proc/bus");
  CHECK_STR (oci_kv_get (&l->sysctl, "net.ipv4.ip_forward"), "1");
  CHECK_STR (l->mount_label, "label");
  CHECK (l->time_offsets.set && l->time_offsets.monotonic_secs == 10);
  CHECK (l->time_offsets.monotonic_nanosecs == 5 && l->time_offsets.boottime_secs == -3);
  oci_config_free (cfg);
  return 0;
}

static int
test_full_resources_seccomp (void)
{
  struct oci_config *cfg = NULL;
  struct oci_resources *r;
  struct oci_seccomp *s;

  CHECK (parse_full (&cfg) == 0);
  r = cfg->linux_.resources;
  CHECK (r != NULL && r->n_devices == 2);
  CHECK (!r->devices[0].allow && r->devices[0].type == 'a' && r->devices[0].major == -1);
  CHECK_STR (r->devices[0].access, "rwm");
  CHECK (r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].minor == 3);
  CHECK_STR (r->devices[1].access, "rw");
  CHECK (r->memory.limit.set && r->memory.limit.value == 104857600);
  CHECK (r->memory.swap.set && r->memory.swap.value == -1);
  CHECK (!r->memory.reservation.set && !r->cpu.shares.set);
  CHECK (r->pids_limit.set && r->pids_limit.value == 64);
  s = cfg->linux_.seccomp;
  CHECK (s != NULL);
  CHECK (s->default_action == SCMP_ACT_ERRNO (38));
  CHECK (s->n_architectures == 2 && s->architectures[0] == SCMP_ARCH_X86_64);
  CHECK_STR (s->flags[0], "SECCOMP_FILTER_FLAG_LOG");
  CHECK_STR (s->listener_path, "/run/notify.sock");
  CHECK_STR (s->listener_metadata, "meta");
  CHECK (s->n_rules == 3);
  CHECK_STR (s->rules[0].names[1], "write");
  CHECK (s->rules[0].action == SCMP_ACT_ALLOW);
  CHECK (s->rules[1].action == SCMP_ACT_ERRNO (EPERM));
  CHECK (s->rules[2].n_args == 1 && s->rules[2].args[0].op == SCMP_CMP_MASKED_EQ);
  CHECK (s->rules[2].args[0].value == 255 && s->rules[2].args[0].value_two == 8);
  oci_config_free (cfg);
  return 0;
}

/* Parse text and check the error message is exactly `want`. */
static int
expect_error (const char *text, const char *want)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  int ret;

  ret = oci_config_parse (text, "config.json", &cfg, &err);
  if (ret >= 0)
    {
      oci_config_free (cfg);
      fprintf (stderr, "  parse succeeded, wanted: %s\n", want);
      return -1;
    }
  CHECK (err != NULL && cfg == NULL);
  CHECK_STR (err->msg, want);
  silo_error_release (&err);
  return 0;
}

#define MIN_HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, "
#define MIN_PROC "\"process\": {\"args\": [\"sh\"]}"

static int
test_errors_basic (void)
{
  CHECK (expect_error ("[1]", "config.json: must be a JSON object") == 0);
  CHECK (expect_error ("{\"root\": {\"path\": \"r\"}, " MIN_PROC "}",
                       "config.json: ociVersion: missing") == 0);
  CHECK (expect_error ("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}, " MIN_PROC "}",
                       "config.json: ociVersion: unsupported version \"2.0.0\" (need 1.x)")
         == 0);
  CHECK (expect_error ("{\"ociVersion\": \"1.0.2\", " MIN_PROC "}",
                       "config.json: root: missing") == 0);
  CHECK (expect_error (MIN_HEAD "\"hostname\": \"h\"}", "config.json: process: missing") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": []}}",
                       "config.json: process.args: must be a non-empty array") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"cwd\": \"/\"}}",
                       "config.json: process.args: must be a non-empty array") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\", 3]}}",
                       "config.json: process.args[1]: must be a string") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"rel\"}}",
                       "config.json: process.cwd: must be an absolute path") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"terminal\": \"yes\"}}",
                       "config.json: process.terminal: must be a boolean") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"hostname\": 5}",
                       "config.json: hostname: must be a string") == 0);
  return 0;
}

#define IDMAPS                                                                                    \
  "\"uidMappings\": [{\"containerID\": 1000, \"hostID\": 2000, \"size\": 3}], "                   \
  "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 5, \"size\": 1}]"

/* Mount uidMappings/gidMappings and the idmap/ridmap options (runtime-spec
 * 1.2); relative bind sources joined to the bundle. */
static int
test_idmapped_mounts (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  const char *text = MIN_HEAD MIN_PROC ", \"mounts\": ["
                     "{\"destination\": \"/a\", \"source\": \"/x\", \"options\": [\"rbind\"], " IDMAPS "},"
                     "{\"destination\": \"/b\", \"source\": \"x\", \"options\": [\"rbind\", \"ridmap\"], " IDMAPS "},"
                     "{\"destination\": \"/c\", \"source\": \"/x\", \"options\": [\"bind\"]}]}";

  CHECK (oci_config_parse (text, "config.json", &cfg, &err) == 0);
  CHECK (cfg->mounts[0].idmap && !cfg->mounts[0].idmap_recursive);
  CHECK (cfg->mounts[0].n_uid_mappings == 1 && cfg->mounts[0].uid_mappings[0].host_id == 2000);
  CHECK (cfg->mounts[0].uid_mappings[0].container_id == 1000);
  CHECK (cfg->mounts[0].n_gid_mappings == 1 && cfg->mounts[0].gid_mappings[0].host_id == 5);
  CHECK (cfg->mounts[1].idmap && cfg->mounts[1].idmap_recursive);
  CHECK (!cfg->mounts[2].idmap);
  /* "idmap" is an option silo acts on, never filesystem data */
  CHECK (cfg->mounts[1].data == NULL);
  oci_config_resolve_sources (cfg, "/bundle");
  CHECK_STR (cfg->mounts[0].source, "/x");
  CHECK_STR (cfg->mounts[1].source, "/bundle/x");
  oci_config_free (cfg);

  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\", \"type\": "
                       "\"tmpfs\", \"options\": [\"idmap\"]}]}",
                       "config.json: mounts[0].options: an idmapped mount must be a bind mount") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\", \"source\": "
                       "\"/x\", \"options\": [\"bind\"], \"uidMappings\": [{\"containerID\": 0, "
                       "\"hostID\": 1, \"size\": 1}]}]}",
                       "config.json: mounts[0]: uidMappings and gidMappings go together") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\", \"source\": "
                       "\"/x\", \"options\": [\"bind\"], \"uidMappings\": [{\"containerID\": 0, "
                       "\"hostID\": 4294967295, \"size\": 2}], \"gidMappings\": []}]}",
                       "config.json: mounts[0].uidMappings[0]: range goes past id 4294967295")
         == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\", \"source\": "
                       "\"/x\", \"options\": [\"bind\", \"idmap\"]}]}",
                       "config.json: mounts[0]: idmap without uidMappings/gidMappings needs a new "
                       "user namespace with linux.uidMappings and linux.gidMappings")
         == 0);
  return 0;
}

/* Recursive mount attributes (runtime-spec 1.1) and what a bind refuses. */
static int
test_recursive_mount_attrs (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  const char *text = MIN_HEAD MIN_PROC ", \"mounts\": ["
                     "{\"destination\": \"/a\", \"source\": \"/x\", \"options\": [\"rbind\", "
                     "\"rro\", \"rnosuid\", \"rrelatime\", \"rexec\", \"defaults\"]}]}";

  CHECK (oci_config_parse (text, "config.json", &cfg, &err) == 0);
  CHECK (cfg->mounts[0].rec_attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_RELATIME));
  CHECK (cfg->mounts[0].rec_attr_clr == (MOUNT_ATTR__ATIME | MOUNT_ATTR_NOEXEC));
  CHECK (cfg->mounts[0].flags == (MS_BIND | MS_REC) && cfg->mounts[0].data == NULL);
  oci_config_free (cfg);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\", \"source\": "
                       "\"/x\", \"options\": [\"bind\", \"mode=755\"]}]}",
                       "config.json: mounts[0].options: \"mode=755\": not an option silo knows "
                       "for a bind mount")
         == 0);
  return 0;
}

/* runtime-spec 1.2's execCPUAffinity and checkBeforeUpdate; rdma and vm
 * refused. */
static int
test_spec_1_2_fields (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  const char *text = MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"execCPUAffinity\": "
                     "{\"initial\": \"0-2,5\", \"final\": \"\"}}, \"linux\": {\"resources\": "
                     "{\"memory\": {\"limit\": 1048576, \"checkBeforeUpdate\": true}}}}";

  CHECK (oci_config_parse (text, "config.json", &cfg, &err) == 0);
  CHECK (cfg->process->exec_cpu_affinity.initial_set && !cfg->process->exec_cpu_affinity.final_set);
  CHECK (CPU_COUNT (&cfg->process->exec_cpu_affinity.initial) == 4);
  CHECK (CPU_ISSET (5, &cfg->process->exec_cpu_affinity.initial));
  CHECK (!CPU_ISSET (3, &cfg->process->exec_cpu_affinity.initial));
  CHECK (cfg->linux_.resources->memory.check_before_update);
  oci_config_free (cfg);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"execCPUAffinity\": "
                       "{\"final\": \"0-99999\"}}}",
                       "config.json: process.execCPUAffinity.final: `0-99999` is not a list of "
                       "CPUs (0-1023)")
         == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"rdma\": {}}}}",
                       "config.json: linux.resources.rdma: the rdma cgroup controller is not "
                       "supported by silo")
         == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"vm\": {}}",
                       "config.json: vm: not supported: sandbox mode is chosen with the "
                       "silo.sandbox annotation and its guest kernel with silo.vm.kernel")
         == 0);
  return 0;
}

static int
test_errors_syntax (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;

  CHECK (oci_config_parse ("{\n  \"a\": 1,\n    ]", "config.json", &cfg, &err) < 0);
  CHECK (strncmp (err->msg, "config.json: line 3 column 5: ", 30) == 0);
  silo_error_release (&err);
  return 0;
}

static int
test_errors_sections (void)
{
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
                       "{\"type\": \"foo\"}]}}",
                       "config.json: linux.namespaces[1].type: unknown namespace \"foo\"") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
                       "{\"type\": \"pid\"}]}}",
                       "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/a\"}, {}, "
                       "{\"destination\": \"/c\"}]}",
                       "config.json: mounts[1].destination: missing") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"rlimits\": "
                       "[{\"type\": \"RLIMIT_BOGUS\", \"soft\": 1, \"hard\": 1}]}}",
                       "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"")
         == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"capabilities\": "
                       "{\"bounding\": [\"CAP_KILL\", \"CAP_BOGUS\"]}}}",
                       "config.json: process.capabilities.bounding[1]: unknown capability "
                       "\"CAP_BOGUS\"") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": "
                       "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
                       "\"action\": \"SCMP_ACT_BOGUS\"}]}}}",
                       "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action "
                       "\"SCMP_ACT_BOGUS\"") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": "
                       "\"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}}}",
                       "config.json: linux.seccomp.architectures[0]: unknown architecture "
                       "\"SCMP_ARCH_VAX\"") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"memory\": "
                       "{\"limit\": \"lots\"}}}}",
                       "config.json: linux.resources.memory.limit: must be an integer") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"rootfsPropagation\": \"weird\"}}",
                       "config.json: linux.rootfsPropagation: unknown propagation \"weird\"")
         == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"hooks\": {\"prestart\": [{\"path\": \"rel\"}]}}",
                       "config.json: hooks.prestart[0].path: must be an absolute path") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"hooks\": {\"poststop\": [{\"path\": \"/x\", "
                       "\"timeout\": 0}]}}",
                       "config.json: hooks.poststop[0].timeout: must be a positive number of "
                       "seconds") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": {}}",
                       "config.json: mounts: must be an array") == 0);
  return 0;
}

#define NS(types) "\"linux\": {\"namespaces\": [" types "]"

/* Issue 10: sysctls only in namespaces of the container's own (runc). */
static int
test_errors_sysctl (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;

  CHECK (expect_error (MIN_HEAD MIN_PROC ", " NS ("") ", \"sysctl\": {\"vm.swappiness\": \"1\"}}}",
                       "config.json: linux.sysctl: \"vm.swappiness\" is not in a separate "
                       "kernel namespace") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", " NS ("{\"type\": \"ipc\"}")
                       ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
                       "config.json: linux.sysctl: \"net.ipv4.ip_forward\" needs a network "
                       "namespace of its own (linux.namespaces)") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", " NS ("{\"type\": \"network\"}")
                       ", \"sysctl\": {\"kernel.shmmax\": \"1\"}}}",
                       "config.json: linux.sysctl: \"kernel.shmmax\" needs an IPC namespace "
                       "of its own (linux.namespaces)") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", " NS ("{\"type\": \"network\"}")
                       ", \"sysctl\": {\"net/../vm/swappiness\": \"1\"}}}",
                       "config.json: linux.sysctl: \"net/../vm/swappiness\" is not a sysctl "
                       "name") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", " NS ("{\"type\": \"network\", \"path\": "
                                                  "\"/proc/self/ns/net\"}")
                       ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
                       "config.json: linux.sysctl: \"net.ipv4.ip_forward\" needs a network "
                       "namespace of its own (linux.namespaces)") == 0);
  /* In their own namespaces, in both spellings. */
  CHECK (oci_config_parse (MIN_HEAD MIN_PROC ", " NS ("{\"type\": \"network\"}, {\"type\": "
                                                      "\"ipc\"}, {\"type\": \"uts\"}")
                           ", \"sysctl\": {\"net/ipv4/conf/eth0.1/forwarding\": \"1\", "
                           "\"fs.mqueue.msg_max\": \"9\", \"kernel.domainname\": \"d\"}}}",
                           "config.json", &cfg, &err) == 0);
  oci_config_free (cfg);
  return 0;
}

/* Issue 10: values accepted and ignored before. */
static int
test_errors_ranges_names_paths (void)
{
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"user\": {\"umask\": -1}}}",
                       "config.json: process.user.umask: -1 out of range [0, 511]") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"capabilities\": "
                       "{\"bounding\": [\"CAP_SYS_ADMIN \"]}}}",
                       "config.json: process.capabilities.bounding[0]: unknown capability "
                       "\"CAP_SYS_ADMIN \"") == 0);
  CHECK (expect_error (MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"env\": [\"A=1\", \"B\"]}}",
                       "config.json: process.env[1]: \"B\" is not NAME=VALUE") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
                       "\"type\": \"c\", \"major\": 1099511627776, \"minor\": 1}]}}",
                       "config.json: linux.devices[0].major: 1099511627776 out of range "
                       "[0, 4095]") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
                       "\"type\": \"c\", \"major\": 1, \"minor\": 1, \"fileMode\": -1}]}}",
                       "config.json: linux.devices[0].fileMode: -1 out of range [0, 65535]")
         == 0);
  /* podman --device gives st_mode, type bits included (020666): taken when
   * they say the device's type */
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
                       "\"type\": \"c\", \"major\": 1, \"minor\": 1, \"fileMode\": 24998}]}}",
                       "config.json: linux.devices[0].fileMode: 060646: file type bits do not "
                       "match type \"c\"")
         == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"maskedPaths\": [\"/a\", \"b\"]}}",
                       "config.json: linux.maskedPaths[1]: must be an absolute path") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"timeOffsets\": {}}}",
                       "config.json: linux.timeOffsets: needs a new time namespace (a \"time\" "
                       "entry without a path in linux.namespaces)") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/\"}]}",
                       "config.json: mounts[0].destination: cannot mount over the container's "
                       "root (set root.path)") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"hostname\": \"h\"}",
                       "config.json: hostname: needs a UTS namespace in linux.namespaces") == 0);
  CHECK (expect_error (MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"hugepageLimits\": "
                       "[{\"pageSize\": \"../2MB\", \"limit\": 1}]}}}",
                       "config.json: linux.resources.hugepageLimits[0].pageSize: \"../2MB\" is "
                       "not a page size like \"2MB\"") == 0);
  return 0;
}

static int
test_config_file_bounds (void)
{
  silo_error_t err = NULL;
  char *text = NULL;

  CHECK (oci_read_config_file ("/dev/zero", &text, &err) < 0);
  CHECK_STR (err->msg, "`/dev/zero`: not a regular file");
  silo_error_release (&err);
  CHECK (oci_read_config_file ("/proc/self", &text, &err) < 0);
  CHECK_STR (err->msg, "`/proc/self`: not a regular file");
  silo_error_release (&err);
  CHECK (text == NULL);
  return 0;
}

static int
test_minimal_defaults (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;

  CHECK (oci_config_parse (MIN_HEAD MIN_PROC "}", "config.json", &cfg, &err) == 0);
  CHECK_STR (cfg->process->cwd, "/");
  CHECK (cfg->process->env != NULL && cfg->process->env[0] == NULL);
  CHECK (!cfg->process->has_caps && cfg->n_mounts == 0);
  CHECK (cfg->linux_.resources == NULL && cfg->linux_.seccomp == NULL);
  CHECK (cfg->hostname == NULL && !cfg->root_readonly);
  oci_config_free (cfg);
  return 0;
}

static int
check_default_spec (bool rootless)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  char *text = oci_default_spec (rootless);
  int ret;

  CHECK (text != NULL);
  ret = oci_config_parse (text, "config.json", &cfg, &err);
  free (text);
  if (ret < 0)
    fprintf (stderr, "  %s\n", err->msg);
  CHECK (ret == 0);
  CHECK_STR (cfg->hostname, "silo");
  CHECK_STR (cfg->root_path, "rootfs");
  CHECK (cfg->root_readonly && cfg->process->terminal && cfg->process->no_new_privileges);
  CHECK_STR (cfg->process->args[0], "sh");
  CHECK (cfg->process->caps.bounding
         == ((1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE)));
  CHECK (cfg->process->caps.inheritable == 0 && cfg->process->caps.ambient == 0);
  CHECK (cfg->process->n_rlimits == 1 && cfg->process->rlimits[0].hard == 1024);
  CHECK (cfg->n_mounts == 7);
  CHECK_STR (cfg->mounts[2].destination, "/dev/pts");
  CHECK (oci_config_namespace (cfg, CLONE_NEWPID) != NULL);
  CHECK (oci_config_namespace (cfg, CLONE_NEWCGROUP) != NULL);
  CHECK ((oci_config_namespace (cfg, CLONE_NEWNET) != NULL) == !rootless);
  CHECK ((oci_config_namespace (cfg, CLONE_NEWUSER) != NULL) == rootless);
  CHECK ((cfg->linux_.resources != NULL) == !rootless);
  CHECK (cfg->mounts[5].is_bind == rootless);
  CHECK ((strstr (cfg->mounts[2].data, "gid=5") != NULL) == !rootless);
  if (rootless)
    CHECK (cfg->linux_.n_uid_mappings == 1 && cfg->linux_.uid_mappings[0].host_id == (uint32_t) geteuid ());
  CHECK_STR (cfg->linux_.masked_paths[0], "/proc/acpi");
  CHECK_STR (cfg->linux_.readonly_paths[4], "/proc/sysrq-trigger");
  oci_config_free (cfg);
  return 0;
}

static int
test_default_spec (void)
{
  return check_default_spec (false);
}

static int
test_default_spec_rootless (void)
{
  return check_default_spec (true);
}

static int
test_process_parse (void)
{
  struct oci_process *p = NULL;
  silo_error_t err = NULL;

  CHECK (oci_process_parse ("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", "
                            "\"env\": [\"X=1\"], \"user\": {\"uid\": 5}}",
                            "process.json", &p, &err) == 0);
  CHECK_STR (p->args[1], "-l");
  CHECK_STR (p->cwd, "/tmp");
  CHECK (p->user.uid == 5 && p->user.gid == 0);
  oci_process_free (p);
  p = NULL;
  CHECK (oci_process_parse ("{\"args\": []}", "process.json", &p, &err) < 0);
  CHECK_STR (err->msg, "process.json: args: must be a non-empty array");
  CHECK (p == NULL);
  silo_error_release (&err);
  return 0;
}

/* The copy owns everything: freeing the original first must not matter
 * (ASan in check-asan would see a shared pointer). */
static int
test_process_dup (void)
{
  struct oci_process *p = NULL, *d;
  silo_error_t err = NULL;

  CHECK (oci_process_parse ("{\"args\": [\"sh\"], \"cwd\": \"/w\", \"env\": [\"A=1\"], "
                            "\"user\": {\"uid\": 1, \"gid\": 2, \"additionalGids\": [3, 4]}, "
                            "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 64, "
                            "\"soft\": 32}], \"apparmorProfile\": \"prof\"}",
                            "process.json", &p, &err) == 0);
  d = oci_process_dup (p);
  CHECK (d->args != p->args && d->env != p->env && d->cwd != p->cwd);
  oci_process_free (p);
  CHECK_STR (d->args[0], "sh");
  CHECK (d->args[1] == NULL);
  CHECK_STR (d->env[0], "A=1");
  CHECK_STR (d->cwd, "/w");
  CHECK (d->user.uid == 1 && d->user.gid == 2 && d->user.n_additional_gids == 2);
  CHECK (d->user.additional_gids[1] == 4);
  CHECK (d->n_rlimits == 1 && d->rlimits[0].hard == 64 && d->rlimits[0].soft == 32);
  CHECK_STR (d->apparmor_profile, "prof");
  CHECK (d->selinux_label == NULL);
  oci_process_free (d);
  return 0;
}

#define SCHED_PROC(x) "\"process\": {\"args\": [\"sh\"], " x "}"

/* process.scheduler, process.ioPriority (runtime-spec 1.2) and
 * linux.personality (1.1). */
static int
test_sched_parse (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  const struct oci_process *p;

  CHECK (oci_config_parse (MIN_HEAD SCHED_PROC (
                               "\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5, "
                               "\"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", "
                               "\"SCHED_FLAG_KEEP_PARAMS\"]}, "
                               "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 7}")
                               ", \"linux\": {\"personality\": {\"domain\": \"LINUX32\", "
                               "\"flags\": []}}}",
                           "config.json", &cfg, &err)
         == 0);
  p = cfg->process;
  CHECK (p->scheduler.set && p->scheduler.policy == SCHED_BATCH && p->scheduler.nice == 5);
  CHECK (p->scheduler.priority == 0 && p->scheduler.flags == (0x01 | 0x10));
  CHECK (p->io_priority.set && p->io_priority.class_ == 3 && p->io_priority.priority == 7);
  CHECK (cfg->linux_.personality.set && cfg->linux_.personality.domain == 0x0008);
  oci_config_free (cfg);

  CHECK (oci_config_parse (MIN_HEAD SCHED_PROC ("\"scheduler\": {\"policy\": \"SCHED_FIFO\", "
                                                "\"priority\": 99, \"nice\": -20}")
                           ", \"linux\": {\"personality\": {\"domain\": \"LINUX\"}}}",
                           "config.json", &cfg, &err)
         == 0);
  CHECK (cfg->process->scheduler.policy == SCHED_FIFO && cfg->process->scheduler.priority == 99);
  CHECK (cfg->process->scheduler.nice == -20 && !cfg->process->io_priority.set);
  CHECK (cfg->linux_.personality.set && cfg->linux_.personality.domain == 0);
  oci_config_free (cfg);

  CHECK (oci_config_parse (MIN_HEAD SCHED_PROC ("\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", "
                                                "\"runtime\": 10000000, \"deadline\": 30000000, "
                                                "\"period\": 30000000, \"flags\": "
                                                "[\"SCHED_FLAG_DL_OVERRUN\"]}") "}",
                           "config.json", &cfg, &err)
         == 0);
  CHECK (cfg->process->scheduler.policy == 6 && cfg->process->scheduler.runtime == 10000000);
  CHECK (cfg->process->scheduler.deadline == 30000000 && cfg->process->scheduler.period == 30000000);
  CHECK (cfg->process->scheduler.flags == 0x04 && !cfg->linux_.personality.set);
  oci_config_free (cfg);

  /* Absent: nothing set. */
  CHECK (oci_config_parse (MIN_HEAD MIN_PROC "}", "config.json", &cfg, &err) == 0);
  CHECK (!cfg->process->scheduler.set && !cfg->process->io_priority.set);
  CHECK (!cfg->linux_.personality.set);
  oci_config_free (cfg);
  return 0;
}

static int
test_sched_errors (void)
{
  static const struct
  {
    const char *proc; /* inside process */
    const char *want;
  } cases[] = {
    { "\"scheduler\": []", "process.scheduler: must be an object" },
    { "\"scheduler\": {}", "process.scheduler.policy: missing" },
    { "\"scheduler\": {\"policy\": 1}", "process.scheduler.policy: must be a string" },
    { "\"scheduler\": {\"policy\": \"SCHED_FOO\"}",
      "process.scheduler.policy: unknown policy \"SCHED_FOO\"" },
    { "\"scheduler\": {\"policy\": \"sched_other\"}",
      "process.scheduler.policy: unknown policy \"sched_other\"" },
    { "\"scheduler\": {\"policy\": \"SCHED_ISO\"}",
      "process.scheduler.policy: SCHED_ISO is not implemented by Linux" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}",
      "process.scheduler.nice: 20 out of range [-20, 19]" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": -21}",
      "process.scheduler.nice: -21 out of range [-20, 19]" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": \"5\"}",
      "process.scheduler.nice: must be an integer" },
    { "\"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 100}",
      "process.scheduler.priority: 100 out of range [0, 99]" },
    { "\"scheduler\": {\"policy\": \"SCHED_RR\"}",
      "process.scheduler.priority: SCHED_RR needs a priority in [1, 99]" },
    { "\"scheduler\": {\"policy\": \"SCHED_BATCH\", \"priority\": 3}",
      "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"runtime\": 5}",
      "process.scheduler.runtime: only SCHED_DEADLINE takes a runtime" },
    { "\"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 1, \"period\": 5}",
      "process.scheduler.period: only SCHED_DEADLINE takes a period" },
    { "\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": -1}",
      "process.scheduler.runtime: -1 out of range [0, 9223372036854775807]" },
    { "\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 10, \"deadline\": 5}",
      "process.scheduler: SCHED_DEADLINE needs 0 < runtime <= deadline <= period" },
    { "\"scheduler\": {\"policy\": \"SCHED_DEADLINE\"}",
      "process.scheduler: SCHED_DEADLINE needs 0 < runtime <= deadline <= period" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": \"SCHED_FLAG_RECLAIM\"}",
      "process.scheduler.flags: must be an array of strings" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_NOPE\"]}",
      "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_NOPE\"" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_RECLAIM\", 3]}",
      "process.scheduler.flags[1]: must be a string" },
    { "\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_UTIL_CLAMP_MAX\"]}",
      "process.scheduler.flags[0]: SCHED_FLAG_UTIL_CLAMP_MAX is not supported: the spec gives "
      "no utilization value" },
    { "\"ioPriority\": 2", "process.ioPriority: must be an object" },
    { "\"ioPriority\": {\"priority\": 1}", "process.ioPriority.class: missing" },
    { "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 1}",
      "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"" },
    { "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\"}", "process.ioPriority.priority: missing" },
    { "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}",
      "process.ioPriority.priority: 8 out of range [0, 7]" },
    { "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": -1}",
      "process.ioPriority.priority: -1 out of range [0, 7]" },
    { "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 1.5}",
      "process.ioPriority.priority: must be an integer" },
  };
  static const struct
  {
    const char *lnx; /* inside linux */
    const char *want;
  } lcases[] = {
    { "\"personality\": \"LINUX\"", "linux.personality: must be an object" },
    { "\"personality\": {}", "linux.personality.domain: missing" },
    { "\"personality\": {\"domain\": \"LINUX64\"}",
      "linux.personality.domain: unknown domain \"LINUX64\"" },
    { "\"personality\": {\"domain\": \"linux\"}",
      "linux.personality.domain: unknown domain \"linux\"" },
    { "\"personality\": {\"domain\": \"LINUX\", \"flags\": \"x\"}",
      "linux.personality.flags: must be an array of strings" },
    { "\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]}",
      "linux.personality.flags[0]: flag \"ADDR_NO_RANDOMIZE\" is not supported" },
  };
  char text[1024], want[512];
  size_t i;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      snprintf (text, sizeof (text), MIN_HEAD "\"process\": {\"args\": [\"sh\"], %s}}",
                cases[i].proc);
      snprintf (want, sizeof (want), "config.json: %s", cases[i].want);
      CHECK (expect_error (text, want) == 0);
    }
  for (i = 0; i < sizeof (lcases) / sizeof (lcases[0]); i++)
    {
      snprintf (text, sizeof (text), MIN_HEAD MIN_PROC ", \"linux\": {%s}}", lcases[i].lnx);
      snprintf (want, sizeof (want), "config.json: %s", lcases[i].want);
      CHECK (expect_error (text, want) == 0);
    }
  return 0;
}

/* A process.json (exec --process) takes them too; a copy keeps them. */
static int
test_sched_process_json (void)
{
  struct oci_process *p = NULL, *d;
  silo_error_t err = NULL;

  CHECK (oci_process_parse ("{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_IDLE\"}, "
                            "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 2}}",
                            "process.json", &p, &err)
         == 0);
  d = oci_process_dup (p);
  oci_process_free (p);
  CHECK (d->scheduler.set && d->scheduler.policy == SCHED_IDLE);
  CHECK (d->io_priority.set && d->io_priority.class_ == 2 && d->io_priority.priority == 2);
  oci_process_free (d);
  CHECK (oci_process_parse ("{\"args\": [\"sh\"], \"ioPriority\": {\"class\": \"RT\", "
                            "\"priority\": 0}}",
                            "process.json", &p, &err)
         < 0);
  CHECK_STR (err->msg, "process.json: ioPriority.class: unknown class \"RT\"");
  silo_error_release (&err);
  CHECK_STR (oci_sched_policy_name (SCHED_RR), "SCHED_RR");
  CHECK_STR (oci_sched_flag_name (0x40), "SCHED_FLAG_UTIL_CLAMP_MAX");
  CHECK_STR (oci_ioprio_class_name (1), "IOPRIO_CLASS_RT");
  CHECK (oci_ioprio_class_name (0) == NULL);
  return 0;
}

static int
test_resources_parse (void)
{
  struct oci_resources *r = NULL;
  silo_error_t err = NULL;

  CHECK (oci_resources_parse (
             "{\"memory\": {\"limit\": 1048576, \"reservation\": 524288, \"swappiness\": 10, "
             "\"disableOOMKiller\": true}, \"cpu\": {\"shares\": 512, \"quota\": 50000, "
             "\"period\": 100000, \"cpus\": \"0-1\", \"mems\": \"0\", \"idle\": 1}, "
             "\"pids\": {\"limit\": 100}, \"blockIO\": {\"weight\": 300, \"weightDevice\": "
             "[{\"major\": 8, \"minor\": 0, \"weight\": 500}], \"throttleReadBpsDevice\": "
             "[{\"major\": 8, \"minor\": 0, \"rate\": 1000}]}, \"hugepageLimits\": "
             "[{\"pageSize\": \"2MB\", \"limit\": 4194304}], \"network\": {\"classID\": 7, "
             "\"priorities\": [{\"name\": \"eth0\", \"priority\": 3}]}, "
             "\"unified\": {\"memory.high\": \"max\"}}",
             "resources.json", &r, &err) == 0);
  CHECK (r->memory.limit.value == 1048576 && r->memory.reservation.value == 524288);
  CHECK (r->memory.swappiness.value == 10);
  CHECK (r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
  CHECK (r->cpu.shares.value == 512 && r->cpu.quota.value == 50000);
  CHECK (r->cpu.period.value == 100000 && r->cpu.idle.set && !r->cpu.burst.set);
  CHECK_STR (r->cpu.cpus, "0-1");
  CHECK_STR (r->cpu.mems, "0");
  CHECK (r->pids_limit.value == 100 && r->block_io.weight.value == 300);
  CHECK (r->block_io.n_weight_device == 1 && r->block_io.weight_device[0].weight.value == 500);
  CHECK (!r->block_io.weight_device[0].leaf_weight.set);
  CHECK (r->block_io.n_throttle_read_bps == 1 && r->block_io.throttle_read_bps[0].rate == 1000);
  CHECK (r->block_io.n_throttle_write_bps == 0);
  CHECK (r->n_hugepage_limits == 1 && r->hugepage_limits[0].limit == 4194304);
  CHECK_STR (r->hugepage_limits[0].page_size, "2MB");
  CHECK (r->network.class_id.value == 7 && r->network.n_priorities == 1);
  CHECK_STR (r->network.priorities[0].name, "eth0");
  CHECK_STR (oci_kv_get (&r->unified, "memory.high"), "max");
  oci_resources_free (r);
  r = NULL;
  CHECK (oci_resources_parse ("{\"pids\": {\"limit\": \"x\"}}", "resources.json", &r, &err) < 0);
  CHECK_STR (err->msg, "resources.json: pids.limit: must be an integer");
  silo_error_release (&err);
  return 0;
}

static int
test_ns_table (void)
{
  const struct oci_ns_info *t;
  size_t n = 0;

  t = oci_ns_table (&n);
  CHECK (n == 8);
  CHECK_STR (t[1].oci_name, "network");
  CHECK_STR (t[1].proc_name, "net");
  CHECK_STR (oci_ns_by_flag (CLONE_NEWNS)->proc_name, "mnt");
  CHECK_STR (oci_ns_by_flag (0x80)->oci_name, "time");
  CHECK (oci_ns_by_flag (0) == NULL);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_full_toplevel);
  RUN_TEST (test_full_process);
  RUN_TEST (test_full_mounts);
  RUN_TEST (test_full_linux);
  RUN_TEST (test_full_resources_seccomp);
  RUN_TEST (test_errors_basic);
  RUN_TEST (test_errors_syntax);
  RUN_TEST (test_idmapped_mounts);
  RUN_TEST (test_recursive_mount_attrs);
  RUN_TEST (test_spec_1_2_fields);
  RUN_TEST (test_errors_sections);
  RUN_TEST (test_errors_sysctl);
  RUN_TEST (test_errors_ranges_names_paths);
  RUN_TEST (test_config_file_bounds);
  RUN_TEST (test_minimal_defaults);
  RUN_TEST (test_default_spec);
  RUN_TEST (test_default_spec_rootless);
  RUN_TEST (test_process_parse);
  RUN_TEST (test_process_dup);
  RUN_TEST (test_sched_parse);
  RUN_TEST (test_sched_errors);
  RUN_TEST (test_sched_process_json);
  RUN_TEST (test_resources_parse);
  RUN_TEST (test_ns_table);
  UNIT_EXIT ();
}
