/* libFuzzer harness: the VMM's 9P2000.L server (sandbox-vm/vmm/virtio).
 * Input: 9P T-messages back to back, each with its own size[4] header, as
 * they arrive from the guest. Every run starts from a fresh share (a file, a
 * directory with a file, a symlink to /etc) and a server that has already
 * seen Tversion and Tattach of fid 0 to the share root, so walks, opens and
 * every operation (Trename, Tlink, Tmknod, Tsetattr...) are one message away. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox-vm/vmm/virtio/9p.h"
#include "util/utils.h"

#define RESP_CAP 8192

/* $TMPDIR/silo-fuzz-9p-XXXXXX/share: the guest may chmod the share root
 * (setuid files as root...), never its 0700 parent. tests/fuzz/run.sh
 * removes its TMPDIR afterwards. */
static char *share;

static void
make_share (void)
{
  silo_error_t err = NULL;
  int fd;

  chmod (share, 0700); /* a Tsetattr may have taken every bit away */
  if (rm_rf_at (AT_FDCWD, share, &err) < 0)
    silo_error_release (&err);
  if (mkdir (share, 0700) < 0 || (fd = open (share, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    abort ();
  if (write_file_at (fd, "hello.txt", "hello 9p", 8, &err) < 0 || mkdirat (fd, "sub", 0755) < 0
      || write_file_at (fd, "sub/f", "in sub", 6, &err) < 0 || symlinkat ("/etc", fd, "escape") < 0)
    abort ();
  close (fd);
}

/* One message from an exactly sized copy, so a read past its end is caught. */
static void
send (struct p9_server *s, const uint8_t *msg, size_t len)
{
  uint8_t *req = xmalloc (len ? len : 1), *resp = xmalloc (RESP_CAP);
  size_t n;

  memcpy (req, msg, len);
  n = p9_handle (s, req, len, resp, RESP_CAP);
  if (n > RESP_CAP || (n && n < P9_HDR))
    abort ();
  free (req);
  free (resp);
}

static void
preamble (struct p9_server *s)
{
  /* Tversion msize=8192 "9P2000.L"; Tattach fid=0 afid=NOFID uname="root" aname="" uid=0. */
  static const uint8_t version[] = { 21, 0, 0, 0, 100, 0xff, 0xff, 0, 0x20, 0, 0,
                                     8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L' };
  static const uint8_t attach[] = { 27, 0, 0, 0, 104, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                                    4, 0, 'r', 'o', 'o', 't', 0, 0, 0, 0, 0, 0 };

  send (s, version, sizeof (version));
  send (s, attach, sizeof (attach));
  if (p9_fid_get (s, 0) == NULL) /* the harness itself is broken */
    abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *tmp = getenv ("TMPDIR");
  char *parent = NULL;

  xasprintf (&parent, "%s/silo-fuzz-9p-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (parent) == NULL)
    abort ();
  xasprintf (&share, "%s/share", parent);
  free (parent);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  silo_error_t err = NULL;
  struct p9_server *s;
  size_t off = 0;

  make_share ();
  s = p9_server_new (share, false, &err);
  if (s == NULL)
    abort ();
  preamble (s);
  while (size - off >= 4)
    {
      uint32_t len;
      memcpy (&len, data + off, 4);
      if (len < 4 || len > size - off)
        break;
      send (s, data + off, len);
      off += len;
    }
  p9_server_free (s);
  return 0;
}
