/* 9P2000.L server behind virtio-9p: one share directory, every path
 * resolved one component at a time with openat(O_NOFOLLOW) below an fd of
 * the share root, never by joining strings; ".." stops at the root. */
#ifndef SILO_KVM_9P_H
#define SILO_KVM_9P_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "../../../util/error.h"

#define P9_MSIZE_MAX (128 * 1024)
#define P9_MSIZE_MIN 4096 /* Linux's own floor */
#define P9_HDR 7 /* size[4] type[1] tag[2] */

struct p9_server;
struct p9_server *p9_server_new (const char *root, bool readonly, silo_error_t *err);
void p9_server_free (struct p9_server *s);
/* Answer one T-message; returns the R-message length written to resp. */
size_t p9_handle (struct p9_server *s, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap);

/* ---- shared by 9p-server.c and 9p-ops.c ---- */

/* A message being parsed (in) and the reply being built (out). Reads past
 * the end and writes past the capacity set `bad` instead of overrunning. */
struct p9_pdu
{
  const uint8_t *in;
  size_t in_len, in_off;
  uint8_t *out;
  size_t out_cap, out_off;
  bool bad;
};
uint64_t p9_get (struct p9_pdu *p, int bytes);
/* A string as a NUL-terminated copy (free it); NULL if malformed. */
char *p9_get_str (struct p9_pdu *p);
void p9_put (struct p9_pdu *p, uint64_t v, int bytes);
void p9_put_str (struct p9_pdu *p, const char *s, size_t len);
uint8_t *p9_reserve (struct p9_pdu *p, size_t len);

/* A fid names a file by its components below the root; dirfd is its parent
 * directory, pathfd the file itself (both O_PATH), fd/dir once opened. */
struct p9_fid
{
  uint32_t fid;
  char **comps;
  int n;
  int dirfd, pathfd, fd;
  DIR *dir;
  uint32_t uid;
  struct p9_fid *next;
};

/* A qid's path is the guest's inode number, and one share can span host
 * file systems (bind mounts, a pod's members) whose inode numbers repeat.
 * So, as QEMU's multidevs=remap: each (device, top 16 bits of the inode
 * number) seen gets a prefix of its own, in the order seen, and the path is
 * that prefix over the inode number's low 48 bits. The share root's comes
 * first, so a share on one file system keeps the host's numbers. */
#define P9_QID_PREFIXES 1024
struct p9_qid_prefix
{
  dev_t dev;
  uint16_t hi;
};

struct p9_server
{
  int root;
  bool readonly;
  uint32_t msize;
  struct p9_fid *fids[256];
  struct p9_qid_prefix *prefixes;
  size_t n_prefixes;
};

/* -EOVERFLOW past P9_QID_PREFIXES. */
int p9_qid_path (struct p9_server *s, const struct stat *st, uint64_t *path);
int p9_put_qid (struct p9_server *s, struct p9_pdu *p, const struct stat *st);

struct p9_fid *p9_fid_get (struct p9_server *s, uint32_t fid);
/* The file's last component, "." for the root. */
const char *p9_fid_name (const struct p9_fid *f);
/* A single path component the guest may name: not empty, no '/', not "." or "..". */
bool p9_name_ok (const char *name);
int p9_stat (const struct p9_fid *f, struct stat *st);
/* After a rename of (olddir, oldname) to (newdir, newname): fix the fids. */
void p9_fids_renamed (struct p9_server *s, const struct p9_fid *olddir, const char *oldname,
                      const struct p9_fid *newdir, const char *newname);
/* Make the created entry (dirfd, name) belong to uid/gid (ignored when we may not). */
void p9_chown_new (int dirfd, const char *name, uint32_t uid, uint32_t gid);

/* Handlers: return 0 with the reply body in p->out, or -errno. */
typedef int (*p9_handler) (struct p9_server *s, struct p9_pdu *p);
int p9_lopen (struct p9_server *s, struct p9_pdu *p);
int p9_lcreate (struct p9_server *s, struct p9_pdu *p);
int p9_read (struct p9_server *s, struct p9_pdu *p);
int p9_write (struct p9_server *s, struct p9_pdu *p);
int p9_readdir (struct p9_server *s, struct p9_pdu *p);
int p9_fsync (struct p9_server *s, struct p9_pdu *p);
int p9_mkdir (struct p9_server *s, struct p9_pdu *p);
int p9_symlink (struct p9_server *s, struct p9_pdu *p);
int p9_mknod (struct p9_server *s, struct p9_pdu *p);
int p9_readlink (struct p9_server *s, struct p9_pdu *p);
int p9_link (struct p9_server *s, struct p9_pdu *p);
int p9_unlinkat (struct p9_server *s, struct p9_pdu *p);
int p9_renameat (struct p9_server *s, struct p9_pdu *p);
int p9_rename (struct p9_server *s, struct p9_pdu *p);
int p9_remove (struct p9_server *s, struct p9_pdu *p);
int p9_setattr (struct p9_server *s, struct p9_pdu *p);

#endif
