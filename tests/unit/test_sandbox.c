/* Sandbox sizing from config.json (sandbox-vm/backends/backend.c): guest memory from
 * the memory limit, vCPUs from the CPU quota or the cpuset. */
#include <stdlib.h>
#include <unistd.h>

#include "oci/oci.h"
#include "sandbox-vm/internal.h"
#include "sandbox-vm/monitor/monitor.h"
#include "util/utils.h"
#include "unit.h"

#define HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, " \
             "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "

/* vCPUs for a linux.resources JSON object; -1 on error (message in *msg). */
static int
vcpus_for (const char *resources, char **msg)
{
  cleanup_free char *text = NULL;
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  int n = -1;

  xasprintf (&text, HEAD "%s}}", resources);
  if (oci_config_parse (text, "config.json", &cfg, &err) < 0
      || sandbox_guest_vcpus (cfg, &n, &err) < 0)
    {
      *msg = xstrdup (err->msg);
      silo_error_release (&err);
      n = -1;
    }
  if (cfg)
    oci_config_free (cfg);
  return n;
}

static int
min_online (int n)
{
  long online = sysconf (_SC_NPROCESSORS_ONLN);
  return online > 0 && n > online ? (int) online : n;
}

static int
test_vcpus (void)
{
  cleanup_free char *msg = NULL;

  CHECK (vcpus_for ("{}", &msg) == 1);
  CHECK (vcpus_for ("{\"cpu\": {\"quota\": 50000, \"period\": 100000}}", &msg) == 1);
  CHECK (vcpus_for ("{\"cpu\": {\"quota\": 150000, \"period\": 100000}}", &msg) == min_online (2));
  CHECK (vcpus_for ("{\"cpu\": {\"quota\": 400000}}", &msg) == min_online (4));
  CHECK (vcpus_for ("{\"cpu\": {\"quota\": -1, \"cpus\": \"0-2,7\"}}", &msg) == min_online (4));
  CHECK (vcpus_for ("{\"cpu\": {\"cpus\": \"1\"}}", &msg) == 1);
  CHECK (vcpus_for ("{\"cpu\": {\"quota\": 100000000}}", &msg) == min_online (SANDBOX_VCPUS_MAX));
  CHECK (vcpus_for ("{\"cpu\": {\"cpus\": \"3-1\"}}", &msg) == -1);
  CHECK_STR (msg, "config.json: linux.resources.cpu.cpus: `3-1` is not a CPU list");
  return 0;
}

static int
test_memory (void)
{
  cleanup_free char *text = NULL;
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  uint64_t mem = 0;

  CHECK (oci_config_parse (HEAD "{\"memory\": {\"limit\": 536870912}}}}", "config.json", &cfg,
                           &err) == 0);
  CHECK (sandbox_guest_mem (cfg, &mem, &err) == 0);
  CHECK (mem == (512 + 64) << 20); /* the limit plus the guest kernel's documented 64 MiB */
  oci_config_free (cfg);
  /* 64m, what engines often give: a 128 MiB guest, a 161 MiB host cgroup */
  CHECK (oci_config_parse (HEAD "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728}}}}",
                           "config.json", &cfg, &err) == 0);
  CHECK (sandbox_guest_mem (cfg, &mem, &err) == 0);
  CHECK (mem == 128 << 20);
  sandbox_host_resources (cfg->linux_.resources);
  CHECK (cfg->linux_.resources->memory.limit.value == (64 + 64 + 32 + 1) << 20);
  CHECK (cfg->linux_.resources->memory.swap.value == (128 + 64 + 32 + 1) << 20);
  oci_config_free (cfg);
  CHECK (oci_config_parse (HEAD "{\"memory\": {\"limit\": 2199023255552}}}}", "config.json",
                           &cfg, &err) == 0);
  CHECK (sandbox_guest_mem (cfg, &mem, &err) < 0);
  CHECK (strstr (err->msg, "linux.resources.memory.limit") != NULL);
  silo_error_release (&err);
  oci_config_free (cfg);
  return 0;
}

/* A pod's guest is sized by CRI's sandbox annotations when they ask for
 * more than the infra container's own limits. */
static int
test_pod_size (void)
{
  struct oci_config *cfg = NULL;
  silo_error_t err = NULL;
  uint64_t mem = 0;
  int n = 0;

  CHECK (oci_config_parse (HEAD "{}}, "
                           "\"annotations\": {\"io.kubernetes.cri.sandbox-memory\": \"1073741824\", "
                           "\"io.kubernetes.cri.sandbox-cpu-quota\": \"150000\", "
                           "\"io.kubernetes.cri.sandbox-cpu-period\": \"100000\"}}",
                           "config.json", &cfg, &err) == 0);
  CHECK (sandbox_guest_mem (cfg, &mem, &err) == 0);
  CHECK (mem == (1024 + 64) << 20);
  CHECK (sandbox_guest_vcpus (cfg, &n, &err) == 0);
  CHECK (n == min_online (2));
  oci_config_free (cfg);
  CHECK (oci_config_parse (HEAD "{}}, "
                           "\"annotations\": {\"io.kubernetes.cri.sandbox-memory\": \"lots\"}}",
                           "config.json", &cfg, &err) == 0);
  CHECK (sandbox_guest_mem (cfg, &mem, &err) < 0);
  CHECK_STR (err->msg, "config.json: annotations: io.kubernetes.cri.sandbox-memory: `lots` is not a count");
  silo_error_release (&err);
  oci_config_free (cfg);
  return 0;
}

/* Exec ids never run out: a million execs, then the wrap past 2^32, skip
 * the agent's and the main process's ids and any a client still holds. */
static int
test_exec_ids_wrap (void)
{
  struct monitor m = { .next_id = PROTO_ID_MAIN + 1 };
  struct monitor_client busy = { .exec_id = 3 };
  uint32_t id = 0;

  for (int i = 0; i < 1000000; i++)
    {
      id = monitor_exec_id (&m);
      CHECK (id > PROTO_ID_MAIN);
    }
  CHECK (id == 1000001);
  m.next_id = UINT32_MAX;
  m.clients = &busy;
  CHECK (monitor_exec_id (&m) == UINT32_MAX);
  CHECK (monitor_exec_id (&m) == 2);
  CHECK (monitor_exec_id (&m) == 4); /* 3 is still running */
  CHECK (client_by_exec (&m, 3) == &busy);
  return 0;
}

/* An exec's process travels to the agent as JSON: scheduling survives the
 * trip (the agent applies it with container mode's code). */
static int
test_process_json_sched (void)
{
  struct oci_process *p = NULL, *back = NULL;
  silo_error_t err = NULL;
  cleanup_free char *json = NULL;

  CHECK (oci_process_parse ("{\"args\": [\"sh\"], \"scheduler\": {\"policy\": "
                            "\"SCHED_BATCH\", \"nice\": 5, \"flags\": "
                            "[\"SCHED_FLAG_RESET_ON_FORK\"]}, \"ioPriority\": {\"class\": "
                            "\"IOPRIO_CLASS_IDLE\", \"priority\": 0}}",
                            "process.json", &p, &err)
         == 0);
  json = sandbox_process_json (p);
  CHECK (oci_process_parse (json, "process", &back, &err) == 0);
  CHECK (back->scheduler.set && back->scheduler.policy == p->scheduler.policy);
  CHECK (back->scheduler.nice == 5 && back->scheduler.flags == 0x01);
  CHECK (back->io_priority.set && back->io_priority.class_ == 3);
  oci_process_free (p);
  oci_process_free (back);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_vcpus);
  RUN_TEST (test_memory);
  RUN_TEST (test_pod_size);
  RUN_TEST (test_exec_ids_wrap);
  RUN_TEST (test_process_json_sched);
  UNIT_EXIT ();
}
