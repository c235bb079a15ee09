/* Helpers shared inside namespaces/ only. */
#ifndef SILO_NS_INTERNAL_H
#define SILO_NS_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "namespaces.h"
#include "../cgroups/cgroups.h"

/* "/proc/self/fd/N" for mounting on an fd opened by ns_open_in_root. */
void ns_fd_path (int fd, char buf[static 64]);

/* Flags a bind mount must keep on remount (locked in a user namespace). */
unsigned long ns_mount_locked_flags (const char *path);

int ns_pivot (const char *rootfs, bool no_pivot, silo_error_t *err);

/* Write /proc/PID/FILE (uid_map or gid_map) with the n mappings m
 * (namespaces/mount_fds.c). */
int ns_write_idmap (pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
                    silo_error_t *err);

/* Final steps before exec, shared by create and exec. *env is the
 * environment to exec with (process.env, HOME added when missing). */
int ns_prepare_exec (const struct ns_spawn_config *c, int sync_fd, char **exec_path, char ***env,
                     silo_error_t *err);
/* A child that stayed dumpable for an unprivileged runtime's id-map writes
 * (namespaces/spawn.c) stops being so once NS_SYNC_GO arrives. */
int ns_seal_after_go (const struct ns_spawn_config *c, silo_error_t *err);

#endif
