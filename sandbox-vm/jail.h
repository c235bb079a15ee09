/* The seccomp filter that confines a sandbox's host-side processes (the UML
 * kernel process tree, the VMM): whatever escapes the guest lands in a
 * process that cannot reconfigure the host. */
#ifndef SILO_SANDBOX_JAIL_H
#define SILO_SANDBOX_JAIL_H

#include "../util/error.h"

/* Load the filter into the calling process (it needs no_new_privs set or
 * CAP_SYS_ADMIN); inherited across fork and exec. */
int sandbox_jail_seccomp (silo_error_t *err);

#endif
