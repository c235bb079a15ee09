/* mmap_shared FILE: what POSIX shared memory and databases do with a file
 * (shm_open's /dev/shm, SQLite's -shm, LMDB): size it, map it shared and
 * writable, write through the mapping in a child, and read the child's
 * bytes through the parent's own mapping and with read(2). Prints "ok", or
 * the step that failed and its errno text (exit 1). Built static: it runs
 * in a busybox rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (1 << 20)
static const char msg[] = "written through a shared mapping";

static int
failed (const char *step)
{
  printf ("%s: %s\n", step, strerror (errno));
  return 1;
}

int
main (int argc, char **argv)
{
  char buf[sizeof (msg)];
  char *map;
  int fd, status;
  pid_t pid;

  if (argc != 2)
    return fprintf (stderr, "usage: mmap_shared FILE\n"), 2;
  fd = open (argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return failed ("open");
  if (ftruncate (fd, SIZE) < 0)
    return failed ("ftruncate");
  map = mmap (NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    return failed ("mmap");
  pid = fork ();
  if (pid < 0)
    return failed ("fork");
  if (pid == 0)
    {
      memcpy (map + SIZE / 2, msg, sizeof (msg));
      _exit (msync (map, SIZE, MS_SYNC) < 0 ? 1 : 0);
    }
  if (waitpid (pid, &status, 0) < 0 || status != 0)
    return failed ("child's msync");
  if (memcmp (map + SIZE / 2, msg, sizeof (msg)) != 0)
    return printf ("the parent's mapping does not show the child's write\n"), 1;
  if (pread (fd, buf, sizeof (buf), SIZE / 2) != (ssize_t) sizeof (buf))
    return failed ("pread");
  if (memcmp (buf, msg, sizeof (msg)) != 0)
    return printf ("read(2) does not show the mapping's write\n"), 1;
  printf ("ok\n");
  return 0;
}
