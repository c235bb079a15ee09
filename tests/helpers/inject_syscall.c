/* inject_syscall PID NR [ARG]: make process PID issue syscall NR (ARG as
 * its first argument) now, through ptrace. The tests' stand-in for an
 * escape that reaches a host syscall from a sandbox's guest process: the
 * call runs in that process, under its own seccomp filter, exactly as if
 * its code had made it.
 *
 * The process is seized and interrupted, its registers pointed at a
 * `syscall` instruction found in its own executable memory, and let go.
 * Prints how it ended ("killed by signal N", "exited N") or, if it
 * survived, what the call returned ("returned R"); exits 0 when it could
 * do that, 2 on a usage or ptrace failure. x86-64 only. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int
die (const char *what)
{
  fprintf (stderr, "inject_syscall: %s: %s\n", what, strerror (errno));
  return 2;
}

/* The address of a `syscall` instruction (0f 05) in an executable mapping
 * of pid, or 0. */
static unsigned long
find_syscall_insn (pid_t pid)
{
  char path[64], line[512];
  unsigned long found = 0;
  FILE *maps;
  int mem;

  snprintf (path, sizeof (path), "/proc/%d/maps", (int) pid);
  maps = fopen (path, "r");
  snprintf (path, sizeof (path), "/proc/%d/mem", (int) pid);
  mem = open (path, O_RDONLY);
  if (maps == NULL || mem < 0)
    return 0;
  while (!found && fgets (line, sizeof (line), maps))
    {
      unsigned long start, end;
      char perms[8];
      static unsigned char buf[1 << 16];
      if (sscanf (line, "%lx-%lx %7s", &start, &end, perms) != 3 || perms[2] != 'x')
        continue;
      for (unsigned long at = start; !found && at < end; at += sizeof (buf) - 1)
        {
          size_t want = end - at < sizeof (buf) ? end - at : sizeof (buf);
          ssize_t n = pread (mem, buf, want, (off_t) at);
          for (ssize_t i = 0; i + 1 < n; i++)
            if (buf[i] == 0x0f && buf[i + 1] == 0x05)
              {
                found = at + (unsigned long) i;
                break;
              }
          if (n <= 0)
            break;
        }
    }
  fclose (maps);
  close (mem);
  return found;
}

int
main (int argc, char **argv)
{
  struct user_regs_struct r;
  unsigned long insn;
  pid_t pid;
  int status;

  if (argc < 3)
    {
      fprintf (stderr, "usage: inject_syscall PID NR [ARG]\n");
      return 2;
    }
  pid = (pid_t) atoi (argv[1]);
  if (ptrace (PTRACE_SEIZE, pid, 0, 0) < 0)
    return die ("PTRACE_SEIZE");
  if (ptrace (PTRACE_INTERRUPT, pid, 0, 0) < 0)
    return die ("PTRACE_INTERRUPT");
  if (waitpid (pid, &status, __WALL) < 0)
    return die ("waitpid (stop)");
  insn = find_syscall_insn (pid);
  if (insn == 0)
    {
      errno = ENOENT;
      return die ("no syscall instruction found");
    }
  if (ptrace (PTRACE_GETREGS, pid, 0, &r) < 0)
    return die ("PTRACE_GETREGS");
  r.rip = insn;
  r.rax = strtoul (argv[2], NULL, 0);
  r.orig_rax = (unsigned long) -1; /* no restart of the call it was in */
  r.rdi = argc > 3 ? strtoul (argv[3], NULL, 0) : 0;
  r.rsi = r.rdx = r.r10 = r.r8 = r.r9 = 0;
  if (ptrace (PTRACE_SETREGS, pid, 0, &r) < 0)
    return die ("PTRACE_SETREGS");
  /* One instruction: the syscall, then a stop (or the process's end). */
  if (ptrace (PTRACE_SINGLESTEP, pid, 0, 0) < 0)
    return die ("PTRACE_SINGLESTEP");
  if (waitpid (pid, &status, __WALL) < 0)
    return die ("waitpid");
  if (WIFSIGNALED (status))
    printf ("killed by signal %d\n", WTERMSIG (status));
  else if (WIFEXITED (status))
    printf ("exited %d\n", WEXITSTATUS (status));
  else if (ptrace (PTRACE_GETREGS, pid, 0, &r) == 0)
    printf ("returned %lld\n", (long long) r.rax);
  else
    return die ("PTRACE_GETREGS after");
  return 0;
}
