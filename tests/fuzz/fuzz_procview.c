/* libFuzzer harness: the host's view of a sandbox's processes. Input: the
 * guest agent's PS answer (untrusted: sandbox-vm/monitor/proclist.c checks
 * it), a NUL byte, then FUSE requests as the kernel frames them (each
 * starts with its own length), answered by procview.c into /dev/null;
 * every file of every listed process is rendered too. */
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-vm/monitor/proclist.h"
#include "sandbox-vm/monitor/procview.h"

static void
render_all (const struct proclist *l)
{
  char *(*const files[]) (const struct proclist_entry *, size_t *)
      = { proclist_pid_stat, proclist_pid_status, proclist_pid_cmdline };
  size_t len;

  for (size_t i = 0; i < l->n; i++)
    for (size_t f = 0; f < sizeof (files) / sizeof (files[0]); f++)
      free (files[f](&l->e[i], &len));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int null_fd = -1;
  const uint8_t *end = memchr (data, 0, size);
  size_t list_len = end ? (size_t) (end - data) : size, off = list_len + 1;
  struct procview v;
  bool ask = false;

  if (null_fd < 0)
    null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  procview_init (&v);
  v.reply_fd[PROCVIEW_PROC] = v.reply_fd[PROCVIEW_DEV] = null_fd;
  procview_take_list (&v, (const char *) data, list_len);
  render_all (&v.list);
  while (end && off + sizeof (struct fuse_in_header) <= size)
    {
      uint32_t len;
      memcpy (&len, data + off, sizeof (len));
      if (len < sizeof (struct fuse_in_header) || len > size - off)
        len = (uint32_t) (size - off);
      /* a copy of exactly its length, so a read past it is caught */
      char *req = malloc (len);
      memcpy (req, data + off, len);
      /* live (the agent can be asked) and the tree: the header's padding, unused */
      procview_dispatch (&v, len >= 40 && (req[39] & 1) ? PROCVIEW_DEV : PROCVIEW_PROC, req, len,
                         len >= 40 && (req[38] & 1) != 0, &ask);
      free (req);
      off += len;
    }
  procview_take_list (&v, NULL, 0); /* answers what was held */
  procview_close (&v);
  return 0;
}
