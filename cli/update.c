/* silo update [--memory N] [--cpu-quota N] ... [-r FILE] ID */
#include "cli.h"
#include "../util/utils.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum
{
  OPT_RESOURCES = 'r',
  OPT_MEMORY = 256,
  OPT_MEMORY_RES,
  OPT_MEMORY_SWAP,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS,
  OPT_BLKIO_WEIGHT,
};

static const struct option update_opts[] = {
  { "resources", required_argument, NULL, OPT_RESOURCES },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RES },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "pids-limit", required_argument, NULL, OPT_PIDS },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { NULL, 0, NULL, 0 },
};

/* Sizes accept k/m/g suffixes as runc's do; -1 means unlimited. */
static int
parse_size (const char *name, const char *s, struct oci_opt *out, silo_error_t *err)
{
  char *end;
  long long v = strtoll (s, &end, 10);
  long long mult = 1;

  if (end == s)
    return silo_make_error (err, 0, "--%s `%s`: not a number", name, s);
  switch (*end)
    {
    case 'k': case 'K': mult = 1024; end++; break;
    case 'm': case 'M': mult = 1024 * 1024; end++; break;
    case 'g': case 'G': mult = 1024LL * 1024 * 1024; end++; break;
    default: break;
    }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0')
    return silo_make_error (err, 0, "--%s `%s`: not a number", name, s);
  out->set = true;
  out->value = v < 0 ? -1 : v * mult;
  return 0;
}

static int
apply_opt (int c, const char *name, struct oci_resources *r, silo_error_t *err)
{
  switch (c)
    {
    case OPT_MEMORY: return parse_size (name, optarg, &r->memory.limit, err);
    case OPT_MEMORY_RES: return parse_size (name, optarg, &r->memory.reservation, err);
    case OPT_MEMORY_SWAP: return parse_size (name, optarg, &r->memory.swap, err);
    case OPT_CPU_SHARES: return parse_size (name, optarg, &r->cpu.shares, err);
    case OPT_CPU_QUOTA: return parse_size (name, optarg, &r->cpu.quota, err);
    case OPT_CPU_PERIOD: return parse_size (name, optarg, &r->cpu.period, err);
    case OPT_PIDS: return parse_size (name, optarg, &r->pids_limit, err);
    case OPT_BLKIO_WEIGHT: return parse_size (name, optarg, &r->block_io.weight, err);
    case OPT_CPUSET_CPUS:
      free (r->cpu.cpus);
      r->cpu.cpus = xstrdup (optarg);
      return 0;
    case OPT_CPUSET_MEMS:
      free (r->cpu.mems);
      r->cpu.mems = xstrdup (optarg);
      return 0;
    default:
      return silo_make_error (err, 0, "update: unknown option");
    }
}

int
cli_update (const struct silo_global *g, int argc, char **argv)
{
  struct oci_resources *r = xmalloc0 (sizeof (*r));
  const char *file = NULL;
  silo_error_t err = NULL;
  int c, idx, ret;

  while ((c = getopt_long (argc, argv, "r:", update_opts, &idx)) != -1)
    {
      if (c == OPT_RESOURCES)
        file = optarg;
      else if (c == '?' || apply_opt (c, update_opts[idx].name, r, &err) < 0)
        {
          oci_resources_free (r);
          return err ? cli_fail (&err) : 1;
        }
    }
  if (cli_need_args (argc, optind, 1, 1, "update [options] [-r FILE] ID") < 0)
    {
      oci_resources_free (r);
      return 1;
    }
  if (file)
    {
      cleanup_free char *text = NULL;
      oci_resources_free (r);
      r = NULL;
      if (read_file (strcmp (file, "-") == 0 ? "/dev/stdin" : file, &text, NULL, &err) < 0
          || oci_resources_parse (text, file, &r, &err) < 0)
        return cli_fail (&err);
    }
  ret = silo_container_update (g, argv[optind], r, &err);
  oci_resources_free (r);
  return ret < 0 ? cli_fail (&err) : 0;
}
