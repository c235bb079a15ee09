/* Helpers shared by the oci/ parsers; never included outside oci/. */
#ifndef SILO_OCI_INTERNAL_H
#define SILO_OCI_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci.h"

/* Long enough for any JSON path we build; longer ones are truncated in the
 * message only. */
#define OCI_PATH_LEN 256

/* PATH_MAX: the longest path the kernel takes, NUL included. */
#define OCI_MAX_PATH 4096
/* HOST_NAME_MAX: what sethostname and setdomainname take. */
#define OCI_MAX_HOSTNAME 64
/* Device numbers as the kernel keeps them: 12 bits major, 20 bits minor. */
#define OCI_MAX_MAJOR 4095
#define OCI_MAX_MINOR 1048575

/* One parse: the source name for messages and where errors go. */
struct oci_ctx
{
  const char *what;
  silo_error_t *err;
};

/* "config.json: <path>: <message>"; returns a negative value. */
int oci_fail (struct oci_ctx *c, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Child paths: ("process", "cwd") -> "process.cwd", ("", "cwd") -> "cwd",
 * ("mounts", 2) -> "mounts[2]". */
void oci_path_key (char *buf, const char *base, const char *key);
void oci_path_idx (char *buf, const char *base, size_t i);

/* Parse text into a JSON object, with syntax errors as
 * "what: line L column C: message". */
json_t *oci_load_object (struct oci_ctx *c, const char *text);

/* Typed field getters. Absent optional fields leave *out untouched and
 * return 0; a present field of the wrong type is an error naming the path. */
int oci_get_object (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                    bool required, json_t **out);
int oci_get_array (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                   bool required, json_t **out);
int oci_get_string (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                    bool required, char **out);
int oci_get_bool (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                  bool *out);
int oci_get_int (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                 bool required, int64_t *out);
int oci_get_range (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                   bool required, int64_t min, int64_t max, int64_t *out);
/* An optional integer in [min, max], into an oci_opt. */
int oci_get_opt_range (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                       int64_t min, int64_t max, struct oci_opt *out);
/* `value` (at JSON path `path`) must start with '/' and fit in PATH_MAX. */
int oci_check_abs_path (struct oci_ctx *c, const char *path, const char *value);
/* `value` must be at most max bytes long. */
int oci_check_len (struct oci_ctx *c, const char *path, const char *value, size_t max);
/* Every entry of an environment list (base.key) is NAME=VALUE. */
int oci_check_env (struct oci_ctx *c, const char *base, const char *key, char **env);
int oci_get_opt (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                 struct oci_opt *out);
int oci_get_strv (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                  char ***out);
int oci_get_kv (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                struct oci_kv_list *out);
void oci_kv_free (struct oci_kv_list *l);

/* Walk an optional array field, calling fn on each element with its path
 * ("linux.devices[3]"); stops at the first error. */
typedef int (*oci_elem_fn) (struct oci_ctx *c, json_t *o, const char *path, void *data);
int oci_for_each (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                  oci_elem_fn fn, void *data);
/* Number of elements of an optional array field (0 when absent or invalid),
 * to size the output array before walking it. */
size_t oci_array_len (json_t *obj, const char *key);

/* obj.key, an array of LinuxIDMapping (linux.uidMappings, a mount's
 * uidMappings ...): at most 340 entries, each range inside 32 bits. */
int oci_parse_idmaps (struct oci_ctx *c, json_t *obj, const char *base, const char *key,
                      struct oci_idmap **items, size_t *len);

/* A list like "0-3,7" (NUMA nodes, CPUs): each number's bit set in mask,
 * which holds bits bits; false when malformed or past the mask. */
bool oci_parse_bitlist (const char *s, unsigned long *mask, size_t bits);

/* Name tables (tables.c). Lookups return NULL / -1 when unknown. */
struct oci_flag_name
{
  const char *name;
  unsigned long value;
};
struct oci_mount_opt
{
  const char *name;
  bool clear;
  unsigned long flag;
};
const struct oci_mount_opt *oci_mount_opt_lookup (const char *name);
/* The recursive ones (rro, rnosuid, ...): flag is a MOUNT_ATTR_* bit. */
const struct oci_mount_opt *oci_rec_attr_lookup (const char *name);
int oci_propagation_lookup (const char *name, unsigned long *out);
int oci_rlimit_lookup (const char *name);
const struct oci_ns_info *oci_ns_by_name (const char *name);
int oci_seccomp_action_lookup (const char *name, uint32_t *out);
int oci_seccomp_arch_lookup (const char *name, uint32_t *out);
int oci_seccomp_op_lookup (const char *name, int *out);
int oci_sched_policy_lookup (const char *name, unsigned long *out);
int oci_sched_flag_lookup (const char *name, unsigned long *out);
int oci_ioprio_class_lookup (const char *name, unsigned long *out);
int oci_personality_lookup (const char *name, unsigned long *out);

/* Sections parsed by other files. */
int oci_parse_process (struct oci_ctx *c, json_t *obj, const char *base,
                       struct oci_process *p);
int oci_parse_mounts (struct oci_ctx *c, json_t *root, struct oci_config *cfg);
int oci_parse_linux (struct oci_ctx *c, json_t *obj, const char *base, struct oci_linux *l);
void oci_linux_free (struct oci_linux *l);
int oci_parse_resources (struct oci_ctx *c, json_t *obj, const char *base,
                         struct oci_resources *r);
int oci_parse_seccomp (struct oci_ctx *c, json_t *obj, const char *base,
                       struct oci_seccomp *s);
void oci_seccomp_free (struct oci_seccomp *s);
void oci_process_clear (struct oci_process *p);
void oci_resources_clear (struct oci_resources *r);
/* Checks across sections once everything is parsed (validate.c). */
int oci_validate_config (struct oci_ctx *c, struct oci_config *cfg);

#endif
