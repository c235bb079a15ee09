/* The capabilities and seccomp filter that confine a sandbox's host-side processes (the UML
 * kernel process tree, the VMM): whatever escapes the guest lands in a
 * process that cannot reconfigure the host. */
#ifndef SILO_SANDBOX_JAIL_H
#define SILO_SANDBOX_JAIL_H

#include "../util/error.h"

/* Confine the calling process, and what it forks and execs: only the file
 * capabilities a share needs (chown, dac_override, dac_read_search, fowner,
 * fsetid), no_new_privs, and the seccomp filter. */
int sandbox_jail (silo_error_t *err);

#endif
