/* fdscan: run inside a container, it opens every fd of every other process
 * it can see (/proc/<pid>/fd/<n>) for SECONDS seconds, or until the file
 * STOP exists (a path inside the container), and from every
 * directory it gets, walks ".." to the top and looks for MARKER, a file the
 * test made on the host outside the container. Finding it is an escape:
 * print "ESCAPE pid fd target" and exit 1. At the end it prints each fd
 * target above stdio it could open (one "SAW target" line each, duplicates
 * merged; stdio is the engine's to give) so
 * the test can check that none names a host path, then "SCANS n". Built
 * static: it runs in a busybox rootfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 512
static char *seen[MAX_SEEN];
static int n_seen;

static void
remember (const char *target)
{
  for (int i = 0; i < n_seen; i++)
    if (strcmp (seen[i], target) == 0)
      return;
  if (n_seen < MAX_SEEN)
    seen[n_seen++] = strdup (target);
}

/* Walk up from the directory fd and look for the marker at each level. */
static int
escapes (int dirfd, const char *marker)
{
  int fd = dup (dirfd), ok = 0;

  for (int i = 0; i < 64 && fd >= 0 && !ok; i++)
    {
      int up = openat (fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      ok = faccessat (fd, marker, F_OK, 0) == 0;
      close (fd);
      fd = up;
    }
  if (fd >= 0)
    close (fd);
  return ok;
}

static int
scan_fd (const char *pid, const char *name, const char *marker)
{
  char path[300], target[4096];
  struct stat st;
  ssize_t n;
  int fd, hit = 0;

  snprintf (path, sizeof (path), "/proc/%s/fd/%s", pid, name);
  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = readlink (path, target, sizeof (target) - 1);
  target[n > 0 ? n : 0] = '\0';
  if (atoi (name) > 2)
    remember (target);
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode) && escapes (fd, marker))
    {
      printf ("ESCAPE pid %s fd %s -> %s\n", pid, name, target);
      hit = 1;
    }
  close (fd);
  return hit;
}

static int
scan_pid (const char *pid, const char *marker)
{
  char path[300];
  struct dirent *e;
  DIR *d;
  int hit = 0;

  snprintf (path, sizeof (path), "/proc/%s/fd", pid);
  if ((d = opendir (path)) == NULL)
    return 0;
  while (!hit && (e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      hit = scan_fd (pid, e->d_name, marker);
  closedir (d);
  return hit;
}

int
main (int argc, char **argv)
{
  char self[32];
  long scans = 0;
  int hit = 0;
  time_t end;

  if (argc != 4)
    {
      fprintf (stderr, "usage: fdscan SECONDS MARKER STOP (MARKER relative to the host's /)\n");
      return 2;
    }
  end = time (NULL) + atoi (argv[1]);
  snprintf (self, sizeof (self), "%d", getpid ());
  while (!hit && time (NULL) < end && access (argv[3], F_OK) < 0)
    {
      DIR *d = opendir ("/proc");
      struct dirent *e;
      while (!hit && d && (e = readdir (d)) != NULL)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strcmp (e->d_name, self) != 0)
          hit = scan_pid (e->d_name, argv[2]);
      if (d)
        closedir (d);
      scans++;
    }
  for (int i = 0; i < n_seen; i++)
    printf ("SAW %s\n", seen[i]);
  printf ("SCANS %ld\n", scans);
  return hit;
}
